//! Noticing that the client is gone: its `exit` notification, or the end of standard input.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::Notify;
use tower::Service;
use tower_lsp_server::jsonrpc::Request;

/// Standard input that notifies `closed` when it ends.
pub struct UntilClosed<R> {
    input: R,
    closed: Arc<Notify>,
}

impl<R> UntilClosed<R> {
    pub fn new(input: R, closed: Arc<Notify>) -> Self {
        UntilClosed { input, closed }
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for UntilClosed<R> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let read = Pin::new(&mut self.input).poll_read(cx, buf);
        // Nothing read into room for something: the end of the input.
        if matches!(read, Poll::Ready(Ok(()))) && buf.filled().len() == before && buf.remaining() > 0 {
            self.closed.notify_one();
        }
        read
    }
}

/// The language service, notifying `exited` when it is handed the `exit` notification.
pub struct UntilExit<S> {
    service: S,
    exited: Arc<Notify>,
}

impl<S> UntilExit<S> {
    pub fn new(service: S, exited: Arc<Notify>) -> Self {
        UntilExit { service, exited }
    }
}

impl<S: Service<Request>> Service<Request> for UntilExit<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.service.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if request.method() == "exit" {
            self.exited.notify_one();
        }
        self.service.call(request)
    }
}
