//! A gateway socket's read wake-ups, remembered. tungstenite zero-fills its read buffer
//! (2 KiB) before every read attempt, and a connection's loop, woken far more often by its
//! outbound events than by its client, would attempt a read on every wake-up. The IO
//! wrapper here gives the socket a waker that marks it [`Readable`] before waking the
//! connection, which asks tungstenite to read only when the mark is there.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use futures_util::task::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Whether the socket may have something to read: it woke its reader, the last read
/// returned a message (tungstenite may hold another whole frame), or a write had to wait.
#[derive(Debug)]
pub(super) struct Readable {
    marked: AtomicBool,
    /// The connection's task, woken with the mark.
    reader: AtomicWaker,
}

impl Readable {
    /// Marked, so that the first receive reads (the upgrade may have brought bytes).
    pub(super) fn new() -> Arc<Self> {
        Arc::new(Self {
            marked: AtomicBool::new(true),
            reader: AtomicWaker::new(),
        })
    }

    /// Takes the mark; without one, `cx`'s task is woken with the next and this is `false`.
    pub(super) fn take(&self, cx: &Context<'_>) -> bool {
        if self.marked.swap(false, Ordering::AcqRel) {
            return true;
        }
        self.reader.register(cx.waker());
        // A wake-up between the swap and the registration would otherwise be lost.
        self.marked.swap(false, Ordering::AcqRel)
    }

    /// Marks it: the next receive reads.
    pub(super) fn mark(&self) {
        self.marked.store(true, Ordering::Release);
    }
}

impl Wake for Readable {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.mark();
        self.reader.wake();
    }
}

/// An IO whose read wake-ups mark a [`Readable`]. Writes pass through, but one that must
/// wait marks it too: tungstenite, reading, may have stopped to write a reply (a pong, a
/// close) and left frames unread behind it, which no read wake-up will bring back.
pub(super) struct Gated<S> {
    inner: S,
    readable: Arc<Readable>,
}

impl<S> Gated<S> {
    /// Wraps `inner`, marking `readable` on its read wake-ups.
    pub(super) fn new(inner: S, readable: Arc<Readable>) -> Self {
        Self { inner, readable }
    }
}

impl<S> Gated<S> {
    fn mark_if_pending<T>(&self, poll: Poll<T>) -> Poll<T> {
        if poll.is_pending() {
            self.readable.mark();
        }
        poll
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Gated<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // The connection registers itself with the mark when it finds nothing to read.
        let waker = Waker::from(Arc::clone(&self.readable));
        Pin::new(&mut self.inner).poll_read(&mut Context::from_waker(&waker), buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Gated<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.mark_if_pending(written)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.mark_if_pending(written)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let flushed = Pin::new(&mut self.inner).poll_flush(cx);
        self.mark_if_pending(flushed)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    struct Wakes(AtomicUsize);

    impl Wake for Wakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_read_wake_up_marks_the_socket_and_wakes_its_reader() {
        let readable = Readable::new();
        let wakes = Arc::new(Wakes(AtomicUsize::new(0)));
        let reader = Waker::from(Arc::clone(&wakes));
        let cx = Context::from_waker(&reader);
        assert!(readable.take(&cx), "the first receive reads");
        assert!(!readable.take(&cx), "then nothing until the socket says so");
        Waker::from(Arc::clone(&readable)).wake();
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1, "the reader is woken");
        assert!(readable.take(&cx));
        assert!(!readable.take(&cx));
        readable.mark();
        assert!(
            readable.take(&cx),
            "after a message, for the frame tungstenite may hold"
        );
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_write_that_must_wait_marks_the_socket_readable() {
        let (near, _far) = tokio::io::duplex(8);
        let readable = Readable::new();
        let mut socket = Gated::new(near, Arc::clone(&readable));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(readable.take(&cx));
        let written = Pin::new(&mut socket).poll_write(&mut cx, &[0; 8]);
        assert!(matches!(written, Poll::Ready(Ok(8))));
        assert!(
            !readable.take(&cx),
            "a write that goes through marks nothing"
        );
        assert!(
            Pin::new(&mut socket)
                .poll_write(&mut cx, &[0; 8])
                .is_pending()
        );
        assert!(
            readable.take(&cx),
            "the pipe is full: read again once it drains"
        );
    }
}
