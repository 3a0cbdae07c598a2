//! A gateway connection's WebSocket. Dispatches queue in tungstenite's write buffer and go
//! out together on a flush. A large frame sent on its own (READY, a member chunk) skips
//! that buffer and goes straight to the socket: the buffer keeps the capacity of the
//! largest frame it ever held, and an idle connection should not keep READY's. Reads are
//! attempted only when the socket may have something ([`Readable`]).

use std::sync::Arc;
use std::task::Poll;

use futures_util::{SinkExt, StreamExt};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error, Message, Utf8Bytes};

use super::readable::{Gated, Readable};

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
pub(crate) struct Socket {
    ws: WebSocketStream<Gated<TokioIo<Upgraded>>>,
    readable: Arc<Readable>,
}

impl Socket {
    /// The WebSocket of an upgraded connection.
    pub(super) async fn accept(upgraded: Upgraded, config: WebSocketConfig) -> Self {
        let readable = Readable::new();
        let io = Gated::new(TokioIo::new(upgraded), Arc::clone(&readable));
        let ws = WebSocketStream::from_raw_socket(io, Role::Server, Some(config)).await;
        Self { ws, readable }
    }

    /// The next message from the client.
    pub(super) async fn recv(&mut self) -> Inbound {
        let next = std::future::poll_fn(|cx| {
            loop {
                if !self.readable.take(cx) {
                    return Poll::Pending;
                }
                if let Poll::Ready(next) = self.ws.poll_next_unpin(cx) {
                    // tungstenite may hold another whole frame: read again next time.
                    self.readable.mark();
                    return Poll::Ready(next);
                }
            }
        })
        .await;
        match next {
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
            return self.ws.send(Message::Text(text)).await;
        }
        self.ws.flush().await?;
        let mut bytes = Vec::with_capacity(text.len() + 10);
        Frame::message(text, OpCode::Data(Data::Text), true).format(&mut bytes)?;
        let raw = self.ws.get_mut();
        raw.write_all(&bytes).await?;
        raw.flush().await?;
        Ok(())
    }

    /// Queues one text frame; it goes out on the next flush, or earlier when the write
    /// buffer fills.
    pub(super) async fn feed_text(&mut self, text: Utf8Bytes) -> Result<(), Error> {
        // What `SinkExt::feed` does, with less to keep while it waits.
        std::future::poll_fn(|cx| self.ws.poll_ready_unpin(cx)).await?;
        self.ws.start_send_unpin(Message::Text(text))
    }

    /// Writes out what is queued.
    pub(super) async fn flush(&mut self) -> Result<(), Error> {
        self.ws.flush().await
    }

    /// Sends a close frame with this code and reason.
    pub(super) async fn close(&mut self, code: u16, reason: &'static str) {
        let frame = CloseFrame {
            code: code.into(),
            reason: Utf8Bytes::from_static(reason),
        };
        let _ = self.ws.send(Message::Close(Some(frame))).await;
    }
}
