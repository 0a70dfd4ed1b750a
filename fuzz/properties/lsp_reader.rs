//! What the `lsp_reader` target holds of the language server's message reader
//! (`server/src/lsp/transport.rs`: `Reader` splits standard input into frames at
//! `Content-Length` headers, `decode` reads a body as JSON-RPC) on any input:
//!
//! - it ends: every frame consumes input, and at the end of the input `next` says `None`;
//! - every frame is a message or a reported error: a body is a request, a response, or a
//!   refusal with a JSON-RPC error code and a message; headers it could not use and a body
//!   over [`MAX_BODY`] come with their reason;
//! - how the input is cut into reads changes nothing: the frames are those of the same
//!   input read as much at a time as the reader asks for;
//! - it holds no more than it documents, measured as the bytes the allocator has handed out
//!   on this thread: between frames at most [`MAX_HEADERS`] of headers and one read's worth
//!   ([`READ`]), in a buffer that may have grown to twice that (a `Vec` doubles); while
//!   reading a frame, that buffer or a body (at most [`MAX_BODY`]) held once with its headers
//!   and a read, and the next read's worth split off after the body. A refused body is
//!   skipped, never held.
//!
//! The reader is compiled here from the server's own source (it names no other module of
//! the crate, and `lsp` keeps it private). Its CI twin is `server/tests/lsp_reader.rs`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hash::{Hash, Hasher};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, ReadBuf};

#[path = "../../server/src/lsp/transport.rs"]
#[allow(dead_code)]
mod transport;

pub use transport::{decode, Decoded, Frame, Reader, MAX_BODY, MAX_HEADERS};

/// How much the reader asks for at a time (`CHUNK` in transport.rs).
pub const READ: usize = 64 << 10;

/// A stretch of the input.
#[derive(Clone, Debug)]
pub enum Piece {
    Bytes(Vec<u8>),
    /// A byte this many times, made as it is read (a body of 100 MiB costs no memory here).
    Run(u8, u64),
}

/// An input and how it is cut into reads.
#[derive(Clone, Debug, Default)]
pub struct Stream {
    pub pieces: Vec<Piece>,
    /// The sizes of the reads, over and over (0: the read is not ready yet, and the reader
    /// is woken to try again); empty, or after the first [`CUT_UP_TO`] bytes: as much as
    /// the reader asks for.
    pub reads: Vec<usize>,
}

/// How much of the input is cut into the reads a [`Stream`] asks for: cutting a long input
/// into bytes would only measure how slowly the reader takes one byte at a time.
pub const CUT_UP_TO: u64 = 16 << 10;

impl Stream {
    /// The input of a fuzz target: the first four bytes the sizes of the reads (0: not
    /// ready; 1 to 127: that many bytes; 128 to 255: (n - 127) KiB); the rest the bytes of
    /// the input, where `FF FE b n0 n1 n2` stands for the byte `b` repeated: `m << (n2 % 8)`
    /// times for `m` the little-endian `n0 n1` (up to 8 MiB), or with `n2` = FF
    /// `MAX_BODY + m - 32768` times (either side of the limit). Most runs are short: a run of
    /// tens of MiB in every input would leave the fuzzer a few executions a second.
    pub fn from_fuzz(data: &[u8]) -> Stream {
        let (schedule, mut rest) = data.split_at(data.len().min(4));
        let reads = schedule
            .iter()
            .map(|&b| match b {
                0..=127 => usize::from(b),
                _ => (usize::from(b) - 127) << 10,
            })
            .collect();
        let mut pieces = Vec::new();
        let mut literal = Vec::new();
        while let Some((&byte, after)) = rest.split_first() {
            if let [0xFF, 0xFE, b, n0, n1, n2, tail @ ..] = rest {
                pieces.push(Piece::Bytes(std::mem::take(&mut literal)));
                let m = u64::from(u16::from_le_bytes([*n0, *n1]));
                let count = if *n2 == 0xFF { MAX_BODY + m - 0x8000 } else { m << (n2 % 8) };
                pieces.push(Piece::Run(*b, count));
                rest = tail;
                continue;
            }
            literal.push(byte);
            rest = after;
        }
        pieces.push(Piece::Bytes(literal));
        Stream { pieces, reads }
    }

    /// How many bytes the input has.
    pub fn length(&self) -> u64 {
        let length = |piece: &Piece| match piece {
            Piece::Bytes(bytes) => bytes.len() as u64,
            Piece::Run(_, n) => *n,
        };
        self.pieces.iter().map(length).sum()
    }

    /// The input as the reader reads it: cut as [`Stream::reads`] says, or, `whole`, in
    /// reads as large as asked for.
    fn input(&self, whole: bool) -> Input<'_> {
        Input { stream: self, whole, piece: 0, offset: 0, position: 0, read: 0, waited: false }
    }
}

struct Input<'s> {
    stream: &'s Stream,
    whole: bool,
    /// Where the next read starts: in which piece, how far into it, how far into the input.
    piece: usize,
    offset: u64,
    position: u64,
    /// Which of the reads' sizes is next.
    read: usize,
    /// A read not ready has been said once already.
    waited: bool,
}

impl AsyncRead for Input<'_> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        let mut room = buf.remaining();
        if !this.whole && !this.stream.reads.is_empty() && this.position < CUT_UP_TO {
            let size = this.stream.reads[this.read % this.stream.reads.len()];
            if size == 0 && !this.waited {
                this.waited = true;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            this.waited = false;
            this.read += 1;
            room = room.min(size.max(1));
        }
        // One piece at most a read, as a pipe gives what one write put in it.
        while let Some(piece) = this.stream.pieces.get(this.piece) {
            let left = match piece {
                Piece::Bytes(bytes) => bytes.len() as u64 - this.offset,
                Piece::Run(_, n) => n - this.offset,
            };
            if left == 0 {
                (this.piece, this.offset) = (this.piece + 1, 0);
                continue;
            }
            let take = left.min(room as u64) as usize;
            match piece {
                Piece::Bytes(bytes) => buf.put_slice(&bytes[this.offset as usize..][..take]),
                Piece::Run(byte, _) => {
                    buf.initialize_unfilled_to(take).fill(*byte);
                    buf.advance(take);
                }
            }
            this.offset += take as u64;
            this.position += take as u64;
            break;
        }
        Poll::Ready(Ok(()))
    }
}

thread_local! {
    /// Bytes the allocator has handed out to this thread and not had back, and the most.
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

/// The system's allocator, counting what each thread holds (a thread's frees of another
/// thread's memory make its count wrap: only one thread's own work is measured).
pub struct Counting;

fn counted(grown: usize, shrunk: usize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get().wrapping_add(grown).wrapping_sub(shrunk);
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is passed to the system's allocator as it came.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            counted(layout.size(), 0);
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc_zeroed(layout) };
        if !pointer.is_null() {
            counted(layout.size(), 0);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) };
        counted(0, layout.size());
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        let moved = unsafe { System.realloc(pointer, layout, size) };
        if !moved.is_null() {
            counted(size, layout.size());
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A frame as the reader gave it, its body as a length and a digest (two readings of a
/// large input are compared without keeping two copies of it).
#[derive(Debug, PartialEq, Eq)]
pub enum Seen {
    Body { length: usize, digest: u64 },
    BadHeaders(String),
    TooLong(u64),
}

impl Seen {
    pub fn body(bytes: &[u8]) -> Seen {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        bytes.hash(&mut hasher);
        Seen::Body { length: bytes.len(), digest: hasher.finish() }
    }
}

/// The heap a frame holds.
fn heap(frame: &Frame) -> usize {
    match frame {
        Frame::Body(body) => body.capacity(),
        Frame::BadHeaders(why) => why.capacity(),
        Frame::TooLong(_) => 0,
    }
}

/// A body read as JSON-RPC: a message, or a refusal that says why.
fn assert_message_or_refusal(body: &[u8]) {
    match decode(body) {
        Decoded::Request(_) | Decoded::Response(_) => {}
        Decoded::Refused(answer) => {
            let error = answer.error().expect("a refusal is an error");
            assert!(matches!(error.code.code(), -32700 | -32600), "refused with {:?}", error.code);
            assert!(!error.message.is_empty(), "a refusal without a reason");
        }
        Decoded::Unreadable(why) => assert!(!why.is_empty(), "an unreadable response without a reason"),
    }
}

/// The frames of `stream` read as its reads say (`whole`: as much at a time as asked
/// for), each held to the properties above.
pub fn read(stream: &Stream, whole: bool) -> Vec<Seen> {
    let limit = stream.length() + 1;
    let mut reader = Reader::new(stream.input(whole));
    let mut seen = Vec::new();
    // What the reader itself holds, from the allocator's counts around each frame.
    let mut held: isize = 0;
    loop {
        let before = LIVE.with(Cell::get);
        PEAK.with(|peak| peak.set(before));
        let frame = futures::executor::block_on(reader.next()).expect("reading memory never fails");
        let (after, peak) = (LIVE.with(Cell::get), PEAK.with(Cell::get));
        let Some(frame) = frame else { break };
        let body = if let Frame::Body(body) = &frame { body.len() } else { 0 };
        // Its buffer: headers and a read, grown by doubling, or a body with its headers and
        // the read that ends it, reserved at once; and what that read brought past the body.
        let most = (2 * (MAX_HEADERS + READ)).max(body + MAX_HEADERS + READ) + READ;
        assert!(
            peak.wrapping_sub(before) <= most,
            "reading a frame with a body of {body} bytes held {} bytes at once, more than {most}",
            peak.wrapping_sub(before)
        );
        held += after.wrapping_sub(before) as isize - heap(&frame) as isize;
        assert!(held <= 2 * (MAX_HEADERS + READ) as isize, "between frames the reader holds {held} bytes");
        match &frame {
            Frame::Body(body) => {
                assert!(body.len() as u64 <= MAX_BODY, "a body of {} bytes, over the limit", body.len());
                assert_message_or_refusal(body);
                seen.push(Seen::body(body));
            }
            Frame::BadHeaders(why) => {
                assert!(!why.is_empty(), "bad headers without a reason");
                seen.push(Seen::BadHeaders(why.clone()));
            }
            Frame::TooLong(length) => {
                assert!(*length > MAX_BODY, "a body of {length} bytes refused as too long");
                seen.push(Seen::TooLong(*length));
            }
        }
        assert!((seen.len() as u64) <= limit, "more frames than bytes of input");
    }
    seen
}

/// Reads `stream` as its reads say and as a whole, and holds both to the properties above.
pub fn holds(stream: &Stream) -> Vec<Seen> {
    let cut = read(stream, false);
    let whole = read(stream, true);
    assert_eq!(cut, whole, "cutting the input into other reads changed the frames");
    whole
}
