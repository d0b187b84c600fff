//! [`Replay`]: the socket as hyper reads it, the bytes the loop already read first.
//!
//! hyper-util's `Rewind` does this but is private, hence this small copy.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// A connection handed to hyper after its first bytes were read: reads return those bytes
/// first, then what the socket has; writes go straight to the socket.
pub(super) struct Replay {
    read: Vec<u8>,
    /// How much of `read` hyper has taken.
    taken: usize,
    io: TokioIo<TcpStream>,
}

impl Replay {
    pub(super) fn new(read: Vec<u8>, stream: TcpStream) -> Self {
        Self {
            read,
            taken: 0,
            io: TokioIo::new(stream),
        }
    }
}

impl Read for Replay {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let left = &this.read[this.taken..];
        if left.is_empty() {
            return Pin::new(&mut this.io).poll_read(cx, buf);
        }
        let length = left.len().min(buf.remaining());
        buf.put_slice(&left[..length]);
        this.taken += length;
        if this.taken == this.read.len() {
            // Replayed: the buffer is not kept for the connection's life.
            this.read = Vec::new();
            this.taken = 0;
        }
        Poll::Ready(Ok(()))
    }
}

impl Write for Replay {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
