//! A gateway connection's WebSocket. Dispatches queue in tungstenite's write buffer and go
//! out together on a flush. A large frame sent on its own (READY, a member chunk) skips
//! that buffer and goes straight to the socket: the buffer keeps the capacity of the
//! largest frame it ever held, and an idle connection should not keep READY's.

use futures_util::{SinkExt, StreamExt};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::{Error, Message, Utf8Bytes};

/// A frame sent on its own and longer than this goes straight to the socket. Shorter ones
/// (Hello, heartbeat acknowledgements) go through the buffer, which they leave small.
const DIRECT_OVER: usize = 512;

/// What the client sent, as the connection reads it: smaller than tungstenite's `Message`
/// and its error, which the connection's future would keep room for while it waits.
pub(super) enum Inbound {
    /// A text frame.
    Text(Utf8Bytes),
    /// A binary frame, which the gateway does not speak.
    Binary,
    /// The client's close frame, with its code if it gave one.
    Close(Option<u16>),
    /// A ping or pong, answered by tungstenite.
    Control,
    /// The connection failed or ended without a close frame.
    Gone,
}

/// The WebSocket of one gateway connection.
pub(crate) struct Socket(WebSocketStream<TokioIo<Upgraded>>);

impl Socket {
    /// Wraps the stream of an accepted handshake.
    pub(super) fn new(stream: WebSocketStream<TokioIo<Upgraded>>) -> Self {
        Self(stream)
    }

    /// The next message from the client.
    pub(super) async fn recv(&mut self) -> Inbound {
        match self.0.next().await {
            Some(Ok(Message::Text(text))) => Inbound::Text(text),
            Some(Ok(Message::Binary(_))) => Inbound::Binary,
            Some(Ok(Message::Close(frame))) => Inbound::Close(frame.map(|f| f.code.into())),
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => Inbound::Control,
            Some(Err(_)) | None => Inbound::Gone,
        }
    }

    /// Sends one text frame now, after whatever is queued.
    pub(super) async fn send_text(&mut self, text: Utf8Bytes) -> Result<(), Error> {
        if text.len() <= DIRECT_OVER {
            return self.0.send(Message::Text(text)).await;
        }
        self.0.flush().await?;
        let mut bytes = Vec::with_capacity(text.len() + 10);
        Frame::message(text, OpCode::Data(Data::Text), true).format(&mut bytes)?;
        let raw = self.0.get_mut();
        raw.write_all(&bytes).await?;
        raw.flush().await?;
        Ok(())
    }

    /// Queues one text frame; it goes out on the next flush, or earlier when the write
    /// buffer fills.
    pub(super) async fn feed_text(&mut self, text: Utf8Bytes) -> Result<(), Error> {
        // What `SinkExt::feed` does, with less to keep while it waits.
        std::future::poll_fn(|cx| self.0.poll_ready_unpin(cx)).await?;
        self.0.start_send_unpin(Message::Text(text))
    }

    /// Writes out what is queued.
    pub(super) async fn flush(&mut self) -> Result<(), Error> {
        self.0.flush().await
    }

    /// Sends a close frame with this code and reason.
    pub(super) async fn close(&mut self, code: u16, reason: &'static str) {
        let frame = CloseFrame {
            code: code.into(),
            reason: Utf8Bytes::from_static(reason),
        };
        let _ = self.0.send(Message::Close(Some(frame))).await;
    }
}
