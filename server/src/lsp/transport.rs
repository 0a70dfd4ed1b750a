//! The LSP base protocol over a byte stream (standard input and output): messages framed by
//! `Content-Length` headers, read into JSON-RPC requests, notifications and responses for the
//! language service, and its answers written back.
//!
//! tower-lsp-server's own transport (`Server`, in 0.23) ends the server, silently and with
//! exit status 0, on the first message it cannot decode (tokio-util's framed reader ends its
//! stream after an error), keeps an announced body of any length in memory, and the service
//! drops requests for unknown `$/` methods unanswered. This one, instead:
//!
//! - answers a body that is not UTF-8 or not JSON with -32700 (parse error), and JSON that is
//!   not a JSON-RPC message (`{}`, an array, a number, no `jsonrpc: "2.0"`, a `method` that is
//!   not a string, neither `method` nor `result`/`error`) with -32600 (invalid request), with
//!   the message's `id` when it has a usable one, else `null`; then reads on;
//! - answers headers it cannot use (no `Content-Length`, a length that is not a decimal number
//!   of bytes such as `-1` or beyond 64 bits, two different lengths, a line that is not a
//!   header) with -32700, and skips them, and then to the next `Content-Length:` in the input
//!   (the body, whose length is unknown, with them): the one place a message can start again.
//!   More than [`MAX_HEADERS`] bytes of headers are garbage, not headers: the
//!   next `Content-Length:` is looked for from their second byte on;
//! - refuses a body longer than [`MAX_BODY`] (64 MiB): it answers -32600 (id `null`) as
//!   soon as the header is read, then reads and discards exactly the announced number of bytes,
//!   never holding more than one read's worth, and reads on after them. A client that
//!   announces more than it sends is waited for (the server stays idle, and ends when the
//!   input does);
//! - answers a request for a method it does not know with -32601 (method not found), `$/`
//!   methods included; notifications it does not know are ignored;
//! - ends after `exit` with status 0 when `shutdown` came first and 1 otherwise (the LSP
//!   specification), and with 0 at the end of its input.
//!
//! Every refusal is also written to standard error. Messages are handed to the service in the
//! order they came, and each handler runs its first steps (up to its first `.await`: where a
//! document change is applied) before the next message is read; the rest runs as a task of
//! its own, so that a long handler does not hold up the others.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::Poll;

use futures::{FutureExt, SinkExt, Stream, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc;
use tower::Service;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Id, Request, Response};
use tower_lsp_server::ls_types::notification::{self, Notification as _};
use tower_lsp_server::ls_types::Uri;
use tower_lsp_server::{ClientSocket, ExitedError};

/// The server's notifications written without going through tower-lsp-server's `Client`,
/// which turns the parameters into a `serde_json::Value` tree before they are written: for the
/// diagnostics of a file with a finding per rule, that tree cost as much as checking an edit.
/// Each is serialized once, here, as the body written.
#[derive(Clone)]
pub struct Notifications(mpsc::UnboundedSender<Vec<u8>>);

/// The bodies [`Notifications`] sent, for [`serve`] to write.
pub struct NotificationsOut(mpsc::UnboundedReceiver<Vec<u8>>);

pub fn notifications() -> (Notifications, NotificationsOut) {
    let (sender, receiver) = mpsc::unbounded_channel();
    (Notifications(sender), NotificationsOut(receiver))
}

impl Notifications {
    /// Sends the notification `N` with `params`; nothing once the output is closed.
    pub fn send<N: tower_lsp_server::ls_types::notification::Notification>(&self, params: &N::Params) {
        self.send_as(N::METHOD, params);
    }

    /// Publishes the diagnostics of `version` of the document `uri`, as
    /// `PublishDiagnosticsParams` says, each written as JSON already
    /// (`Convert::serialized_diagnostics`) and copied into the message as it is.
    pub fn publish_diagnostics(&self, uri: &Uri, diagnostics: &[String], version: i32) {
        let method = notification::PublishDiagnostics::METHOD;
        let (Ok(method), Ok(uri)) = (serde_json::to_string(method), serde_json::to_string(uri)) else { return };
        let written: usize = diagnostics.iter().map(|diagnostic| diagnostic.len() + 1).sum();
        let mut body = String::with_capacity(written + method.len() + uri.len() + 80);
        body.push_str("{\"jsonrpc\":\"2.0\",\"method\":");
        body.push_str(&method);
        body.push_str(",\"params\":{\"uri\":");
        body.push_str(&uri);
        body.push_str(",\"diagnostics\":[");
        for (n, diagnostic) in diagnostics.iter().enumerate() {
            if n > 0 {
                body.push(',');
            }
            body.push_str(diagnostic);
        }
        body.push_str("],\"version\":");
        body.push_str(itoa::Buffer::new().format(version));
        body.push_str("}}");
        let _ = self.0.send(body.into_bytes());
    }

    fn send_as(&self, method: &'static str, params: &impl serde::Serialize) {
        #[derive(serde::Serialize)]
        struct Body<'a, P> {
            jsonrpc: &'static str,
            method: &'static str,
            params: &'a P,
        }
        if let Ok(body) = serde_json::to_vec(&Body { jsonrpc: "2.0", method, params }) {
            let _ = self.0.send(body);
        }
    }
}

#[cfg(test)]
impl NotificationsOut {
    /// The next body as a JSON-RPC message, for a test that reads what the server says.
    pub async fn next_request(&mut self) -> Option<Request> {
        let body = self.0.recv().await?;
        Some(serde_json::from_slice(&body).expect("a notification's body is a JSON-RPC message"))
    }
}

/// The longest body read: a longer one is skipped and refused.
pub const MAX_BODY: u64 = 64 << 20;
/// The most bytes of headers before the blank line that ends them.
pub const MAX_HEADERS: usize = 8 << 10;
/// How much is read from the input at a time.
const CHUNK: usize = 64 << 10;
/// What resynchronises the input after headers it could not use.
const HEADER: &[u8] = b"content-length:";

/// One message's worth of input, or what was wrong with it.
#[derive(Debug, PartialEq)]
pub enum Frame {
    /// A body of the announced length.
    Body(Vec<u8>),
    /// Headers that could not be used, and why; the input is skipped to the next
    /// `Content-Length:`.
    BadHeaders(String),
    /// A body over [`MAX_BODY`]: its announced length. It is skipped.
    TooLong(u64),
}

/// Splits the input into frames.
pub struct Reader<R> {
    input: R,
    /// Input read and not yet used.
    buffer: Vec<u8>,
    /// Bytes of a refused body still to discard.
    skipping: u64,
    /// Looking for the next `Content-Length:` after headers that could not be used.
    resynchronising: bool,
}

impl<R: AsyncRead + Unpin> Reader<R> {
    pub fn new(input: R) -> Self {
        Reader { input, buffer: Vec::new(), skipping: 0, resynchronising: false }
    }

    /// Reads more input; false at its end.
    async fn fill(&mut self) -> std::io::Result<bool> {
        let start = self.buffer.len();
        self.buffer.resize(start + CHUNK, 0);
        let (input, room) = (&mut self.input, &mut self.buffer[start..]);
        let read = std::future::poll_fn(|cx| {
            let mut room = ReadBuf::new(&mut *room);
            Pin::new(&mut *input).poll_read(cx, &mut room).map_ok(|()| room.filled().len())
        })
        .await;
        self.buffer.truncate(start + *read.as_ref().unwrap_or(&0));
        Ok(read? > 0)
    }

    /// The next frame; `None` at the end of the input (also inside a message).
    pub async fn next(&mut self) -> std::io::Result<Option<Frame>> {
        loop {
            if self.skipping > 0 {
                if self.buffer.is_empty() && !self.fill().await? {
                    return Ok(None);
                }
                let skipped = self.skipping.min(self.buffer.len() as u64);
                self.buffer.drain(..skipped as usize);
                self.skipping -= skipped;
                continue;
            }
            if self.resynchronising {
                match find_ignoring_case(&self.buffer, HEADER) {
                    Some(at) => {
                        self.buffer.drain(..at);
                        self.resynchronising = false;
                    }
                    None => {
                        // Keep what could be the start of the header, cut by a read.
                        let keep = self.buffer.len().min(HEADER.len() - 1);
                        self.buffer.drain(..self.buffer.len() - keep);
                        if !self.fill().await? {
                            return Ok(None);
                        }
                    }
                }
                continue;
            }
            // Line breaks between messages are tolerated.
            let blank = self.buffer.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
            self.buffer.drain(..blank);
            let end = end_of_headers(&self.buffer);
            if end.map_or(self.buffer.len(), |(headers_end, _)| headers_end) > MAX_HEADERS {
                // Not headers, most likely: the next `Content-Length:` may be anywhere in them.
                self.buffer.drain(..1);
                self.resynchronising = true;
                let why = format!("more than {MAX_HEADERS} bytes of headers");
                return Ok(Some(Frame::BadHeaders(why)));
            }
            let Some((headers_end, body_start)) = end else {
                if !self.fill().await? {
                    return Ok(None);
                }
                continue;
            };
            match content_length(&self.buffer[..headers_end]) {
                Err(why) => {
                    // The body's length is not known: skipped with the headers, up to the next
                    // `Content-Length:`.
                    self.buffer.drain(..body_start);
                    self.resynchronising = true;
                    return Ok(Some(Frame::BadHeaders(why)));
                }
                Ok(length) if length > MAX_BODY => {
                    self.buffer.drain(..body_start);
                    self.skipping = length;
                    return Ok(Some(Frame::TooLong(length)));
                }
                Ok(length) => {
                    let end = body_start + length as usize;
                    // Room for the body and the read that ends it, at once and exactly: grown
                    // read by read, or by `reserve`, the buffer could double to twice the body.
                    self.buffer.reserve_exact((end + CHUNK).saturating_sub(self.buffer.len()));
                    while self.buffer.len() < end {
                        if !self.fill().await? {
                            return Ok(None);
                        }
                    }
                    // The body keeps the buffer's memory; what follows it is the new buffer.
                    let rest = self.buffer.split_off(end);
                    let mut body = std::mem::replace(&mut self.buffer, rest);
                    body.drain(..body_start);
                    return Ok(Some(Frame::Body(body)));
                }
            }
        }
    }
}

fn find_ignoring_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window.eq_ignore_ascii_case(needle))
}

/// Where the headers end (before the blank line) and the body starts (after it). Lines end
/// with `\r\n`, as the protocol says, or with a bare `\n`.
fn end_of_headers(buffer: &[u8]) -> Option<(usize, usize)> {
    let mut line_start = 0;
    for (at, &byte) in buffer.iter().enumerate() {
        if byte == b'\n' {
            let line = &buffer[line_start..at];
            if line.is_empty() || line == b"\r" {
                return Some((line_start, at + 1));
            }
            line_start = at + 1;
        }
    }
    None
}

/// The body's length, from headers; other headers (`Content-Type`) are not read.
fn content_length(headers: &[u8]) -> Result<u64, String> {
    let mut length = None;
    for line in headers.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let text = String::from_utf8_lossy(line);
        let Some((name, value)) = text.split_once(':') else {
            return Err(format!("`{}` is not a header (`Name: value`)", shorten(&text)));
        };
        if !name.trim().eq_ignore_ascii_case("content-length") {
            continue;
        }
        let value = value.trim();
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("Content-Length `{}` is not a number of bytes", shorten(value)));
        }
        let parsed =
            value.parse::<u64>().map_err(|_| format!("Content-Length `{}` is beyond any length", shorten(value)))?;
        if length.is_some_and(|l| l != parsed) {
            return Err("two different Content-Length headers".into());
        }
        length = Some(parsed);
    }
    length.ok_or_else(|| "a message without a Content-Length header".into())
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// A body read as a JSON-RPC message.
#[derive(Debug)]
pub enum Decoded {
    Request(Request),
    Response(Response),
    /// Not a message: the error to answer with.
    Refused(Response),
    /// A response from the client that cannot be read: nothing to answer (JSON-RPC never
    /// answers a response), only to say on standard error.
    Unreadable(String),
}

fn error(code: ErrorCode, message: String) -> Error {
    Error { code, message: message.into(), data: None }
}

/// Reads one body.
pub fn decode(body: &[u8]) -> Decoded {
    let refused = |id: Option<Id>, code, message: String| {
        Decoded::Refused(Response::from_error(id.unwrap_or(Id::Null), error(code, message)))
    };
    let text = match std::str::from_utf8(body) {
        Ok(text) => text,
        Err(e) => {
            return refused(
                None,
                ErrorCode::ParseError,
                format!("the message is not UTF-8 (at byte {})", e.valid_up_to()),
            )
        }
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => return refused(None, ErrorCode::ParseError, format!("the message is not JSON: {e}")),
    };
    let Value::Object(object) = value else {
        let what = if value.is_array() { "a batch (an array), which LSP does not use" } else { "not a JSON object" };
        return refused(None, ErrorCode::InvalidRequest, format!("the message is {what}"));
    };
    let id = match object.get("id") {
        None => None,
        Some(id) => match serde_json::from_value::<Id>(id.clone()) {
            Ok(id) => Some(id),
            Err(_) => {
                return refused(
                    None,
                    ErrorCode::InvalidRequest,
                    format!("`id` {id} is neither an integer nor a string"),
                )
            }
        },
    };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return refused(id, ErrorCode::InvalidRequest, "the message lacks `\"jsonrpc\": \"2.0\"`".into());
    }
    match object.get("method") {
        Some(Value::String(_)) => match serde_json::from_value::<Request>(Value::Object(object)) {
            Ok(request) => Decoded::Request(request),
            Err(e) => refused(id, ErrorCode::InvalidRequest, format!("the request cannot be read: {e}")),
        },
        Some(method) => refused(id, ErrorCode::InvalidRequest, format!("`method` {method} is not a string")),
        None if id.is_some() && (object.contains_key("result") || object.contains_key("error")) => {
            match serde_json::from_value::<Response>(Value::Object(object)) {
                Ok(response) => Decoded::Response(response),
                Err(e) => Decoded::Unreadable(format!("a response from the client cannot be read: {e}")),
            }
        }
        None => refused(
            id,
            ErrorCode::InvalidRequest,
            "the message has no `method` (a request or notification) and no `result` or `error` (a response)".into(),
        ),
    }
}

/// How the conversation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ending {
    /// The client said `exit` (else the input ended).
    pub exited: bool,
    /// The client asked for `shutdown` before.
    pub shutdown: bool,
}

impl Ending {
    /// The process's exit status: 1 after `exit` without `shutdown`, as LSP specifies.
    pub fn status(self) -> u8 {
        u8::from(self.exited && !self.shutdown)
    }
}

/// Says on standard error what the server refused or could not do.
fn report(what: &str) {
    eprintln!("mailflow lsp: {what}");
}

/// What a handler that has finished gives back: its request's id and method, its answer
/// (`Err` when it panicked), and the result it wrote itself, if it did.
type Finished = (Option<Id>, String, Result<Result<Option<Response>, ExitedError>, String>, Option<Vec<u8>>);

/// The result a request's handler wrote itself as JSON ([`write_result`]), for the transport
/// to answer with.
#[derive(Clone, Default)]
pub struct Written(std::sync::Arc<std::sync::Mutex<Option<Vec<u8>>>>);

tokio::task_local! {
    static WRITTEN: Written;
}

impl Written {
    /// Runs `handler`, a request's, so that what it writes with [`write_result`] lands here.
    pub fn scope<F: Future>(&self, handler: F) -> impl Future<Output = F::Output> {
        WRITTEN.scope(self.clone(), handler)
    }

    /// The result written, if one was.
    pub fn take(&self) -> Option<Vec<u8>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
    }
}

/// Writes `result` as the JSON result of the request being handled, straight from its types,
/// and says whether it did: not when no transport runs the handler ([`Written::scope`]). The
/// handler then returns nothing, and the transport answers with what was written. Through
/// tower-lsp-server, a result becomes a `serde_json::Value` tree before it is written: for the
/// thousands of entries of a large file's outline, folding ranges or semantic tokens, making,
/// writing and freeing that tree was most of the answer's time.
pub fn write_result<T: serde::Serialize>(result: &T) -> bool {
    WRITTEN
        .try_with(|written| {
            let Ok(bytes) = serde_json::to_vec(result) else { return false };
            *written.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(bytes);
            true
        })
        .unwrap_or(false)
}

/// What the writer writes as an answer: a response, or the body of one already written.
enum Answer {
    Response(Response),
    Body(Vec<u8>),
}

/// The body of the successful answer to request `id` whose result is the JSON `result`.
fn answer_body(id: &Id, result: &[u8]) -> Vec<u8> {
    let mut body = b"{\"jsonrpc\":\"2.0\",\"id\":".to_vec();
    body.extend(serde_json::to_vec(id).expect("an id is a number or a string"));
    body.extend_from_slice(b",\"result\":");
    body.extend_from_slice(result);
    body.push(b'}');
    body
}

/// Serves the language service on `input` and `output` until the client says `exit` or the
/// input ends; handlers still running then are given `grace` to finish.
pub async fn serve<I, O, S>(
    input: I,
    output: O,
    mut service: S,
    socket: ClientSocket,
    notifications: NotificationsOut,
    grace: std::time::Duration,
) -> Ending
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin + Send + 'static,
    S: Service<Request, Response = Option<Response>, Error = ExitedError>,
    S::Future: Send + 'static,
{
    let (server_requests, mut client_responses) = socket.split();
    let (answers, answers_out) = mpsc::unbounded_channel::<Answer>();
    let writer = tokio::spawn(write(output, answers_out, server_requests, notifications));
    let (frames_in, mut frames) = mpsc::channel::<Frame>(1);
    let reader = tokio::spawn(async move {
        let mut reader = Reader::new(input);
        loop {
            match reader.next().await {
                Ok(Some(frame)) => {
                    if frames_in.send(frame).await.is_err() {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    report(&format!("reading standard input failed: {e}"));
                    break;
                }
            }
        }
    });
    let mut handlers = tokio::task::JoinSet::<Finished>::new();
    let mut ending = Ending { exited: false, shutdown: false };
    loop {
        tokio::select! {
            frame = frames.recv() => {
                let Some(frame) = frame else { break };
                let request = match triage(frame, &answers) {
                    Some(Decoded::Request(request)) => request,
                    Some(Decoded::Response(response)) => {
                        let _ = client_responses.send(response).await;
                        continue;
                    }
                    _ => continue,
                };
                let (method, id) = (request.method().to_owned(), request.id().cloned());
                ending.shutdown |= method == "shutdown" && id.is_some();
                if std::future::poll_fn(|cx| service.poll_ready(cx)).await.is_err() {
                    break;
                }
                let written = Written::default();
                let mut handler = Box::pin(written.scope(service.call(request)));
                // The handler's first steps run now, before the next message is read.
                let first = std::future::poll_fn(|cx| {
                    Poll::Ready(std::panic::catch_unwind(AssertUnwindSafe(|| handler.as_mut().poll(cx))))
                })
                .await;
                match first {
                    Ok(Poll::Ready(answer)) => send_answer(&answers, id, &method, Ok(answer), written.take()),
                    Ok(Poll::Pending) => {
                        let method = method.clone();
                        handlers.spawn(async move {
                            let answer = AssertUnwindSafe(handler).catch_unwind().await;
                            (id, method, answer.map_err(|panic| panic_reason(panic.as_ref())), written.take())
                        });
                    }
                    Err(panic) => send_answer(&answers, id, &method, Err(panic_reason(panic.as_ref())), None),
                }
                if method == "exit" {
                    ending.exited = true;
                    break;
                }
            }
            Some(finished) = handlers.join_next(), if !handlers.is_empty() => {
                if let Ok((id, method, answer, written)) = finished {
                    send_answer(&answers, id, &method, answer, written);
                }
            }
        }
    }
    // The client is gone: what is still running gets `grace`, then is dropped.
    let _ = tokio::time::timeout(grace, async {
        while let Some(finished) = handlers.join_next().await {
            if let Ok((id, method, answer, written)) = finished {
                send_answer(&answers, id, &method, answer, written);
            }
        }
    })
    .await;
    handlers.abort_all();
    reader.abort();
    drop(answers);
    let _ = tokio::time::timeout(grace, writer).await;
    ending
}

/// A frame as a message for the service or an answer from the client; what is neither is
/// refused here (answered, and said on standard error).
fn triage(frame: Frame, answers: &mpsc::UnboundedSender<Answer>) -> Option<Decoded> {
    let (code, why) = match frame {
        Frame::Body(body) => match decode(&body) {
            Decoded::Refused(answer) => {
                report(&answer.error().map(|e| e.message.to_string()).unwrap_or_default());
                let _ = answers.send(Answer::Response(answer));
                return None;
            }
            Decoded::Unreadable(why) => {
                report(&why);
                return None;
            }
            decoded => return Some(decoded),
        },
        Frame::BadHeaders(why) => (ErrorCode::ParseError, format!("{why}: skipped to the next Content-Length header")),
        Frame::TooLong(length) => (
            ErrorCode::InvalidRequest,
            format!("a message of {length} bytes is over the limit of {MAX_BODY} bytes (64 MiB): its body is skipped"),
        ),
    };
    report(&why);
    let _ = answers.send(Answer::Response(Response::from_error(Id::Null, error(code, why))));
    None
}

/// What a caught panic said.
pub fn panic_reason(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Sends what a handler answered, with the result it wrote itself when it answered without
/// error; a request (it has an id) is always answered.
fn send_answer(
    answers: &mpsc::UnboundedSender<Answer>,
    id: Option<Id>,
    method: &str,
    answer: Result<Result<Option<Response>, ExitedError>, String>,
    written: Option<Vec<u8>>,
) {
    if let Err(reason) = &answer {
        report(&format!("{method} failed: {reason}"));
    }
    if let (Ok(Ok(Some(response))), Some(id), Some(result)) = (&answer, &id, &written) {
        if response.is_ok() {
            let _ = answers.send(Answer::Body(answer_body(id, result)));
            return;
        }
    }
    let response = match (answer, id) {
        (Ok(Ok(Some(response))), _) => response,
        (_, None) => return,
        // The service drops unknown `$/` requests (it treats them as notifications).
        (Ok(Ok(None)), Some(id)) if method.starts_with("$/") => {
            let mut error = error(ErrorCode::MethodNotFound, format!("unknown method `{method}`"));
            error.data = Some(Value::String(method.to_owned()));
            Response::from_error(id, error)
        }
        (Ok(Ok(None)), Some(id)) => Response::from_error(
            id,
            error(ErrorCode::InvalidRequest, format!("`{method}` is a notification, not a request")),
        ),
        (Ok(Err(_)), Some(id)) => {
            Response::from_error(id, error(ErrorCode::InvalidRequest, "the server has exited".into()))
        }
        (Err(reason), Some(id)) => Response::from_error(
            id,
            error(
                ErrorCode::InternalError,
                format!("mailflow failed while answering {method}: {reason} (please report this)"),
            ),
        ),
    };
    let _ = answers.send(Answer::Response(response));
}

/// Writes the answers and the server's own requests and notifications, each framed, until
/// the answers end (the requests end with the service, the notifications with the server).
async fn write<O: AsyncWrite + Unpin>(
    mut output: O,
    mut answers: mpsc::UnboundedReceiver<Answer>,
    mut requests: impl Stream<Item = Request> + Unpin,
    mut notifications: NotificationsOut,
) {
    let (mut requests_open, mut notifications_open) = (true, true);
    loop {
        let body = tokio::select! {
            answer = answers.recv() => match answer {
                Some(Answer::Response(response)) => serde_json::to_vec(&response),
                Some(Answer::Body(body)) => Ok(body),
                None => break,
            },
            request = requests.next(), if requests_open => match request {
                Some(request) => serde_json::to_vec(&request),
                None => {
                    requests_open = false;
                    continue;
                }
            },
            body = notifications.0.recv(), if notifications_open => match body {
                Some(body) => Ok(body),
                None => {
                    notifications_open = false;
                    continue;
                }
            },
        };
        let Ok(body) = body else { continue };
        let mut message = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        message.extend_from_slice(&body);
        if let Err(e) = write_all(&mut output, &message).await {
            report(&format!("writing to standard output failed: {e}"));
            break;
        }
    }
}

/// Writes all of `bytes` and flushes them.
async fn write_all<O: AsyncWrite + Unpin>(output: &mut O, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        let written = std::future::poll_fn(|cx| Pin::new(&mut *output).poll_write(cx, bytes)).await?;
        if written == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        bytes = &bytes[written..];
    }
    std::future::poll_fn(|cx| Pin::new(&mut *output).poll_flush(cx)).await
}
