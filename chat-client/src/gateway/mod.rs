//! The gateway client: connects, identifies, heartbeats (and notices a zombie connection),
//! reconnects with exponential backoff and jitter, resumes with the last sequence number, and
//! identifies anew when the server says the session is gone.

mod event;

use std::time::Duration;

use chat_engine::model::gateway::{
    CloseCode, Frame, Hello, Identify, Intents, OpCode, RequestMembers, Resume,
};
use chat_engine::model::{ClientKind, UpdatePresence, UpdateVoiceState};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

pub use event::GatewayEvent;

use crate::error::{Error, ErrorKind, Result};

/// How to reach and authenticate with the gateway.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// `ws://host/ws`.
    pub url: String,
    /// An access or bot token.
    pub token: String,
    /// The kind of client, for presence.
    pub client: ClientKind,
    /// The events to receive (Discord's gateway intents); `None`, the default, receives every
    /// event. A bot that leaves out `GUILD_PRESENCES` costs the server far less in busy
    /// servers; one without `MESSAGE_CONTENT` gets server messages without their content
    /// unless they mention it.
    pub intents: Option<Intents>,
    /// The first reconnect wait; it doubles up to `max_backoff`.
    pub min_backoff: Duration,
    /// The longest reconnect wait.
    pub max_backoff: Duration,
    /// Which roots a `wss://` server's certificate must chain to.
    #[cfg(feature = "rustls")]
    pub tls: crate::tls::TlsConfig,
}

/// The gateway URL of a server's base URL: `http` becomes `ws`, `https` becomes `wss`, with
/// the path `/ws` (what `GET /api/v1/gateway` answers for a server reached directly).
pub fn gateway_url_for(base_url: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let rest = base
        .strip_prefix("https://")
        .map(|rest| format!("wss://{rest}"))
        .or_else(|| {
            base.strip_prefix("http://")
                .map(|rest| format!("ws://{rest}"))
        })
        .unwrap_or_else(|| base.to_owned());
    format!("{rest}/ws")
}

impl GatewayConfig {
    /// A configuration with the usual waits (0.5 s doubling to 30 s).
    pub fn new(url: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            token: token.into(),
            client: ClientKind::Web,
            intents: None,
            min_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            #[cfg(feature = "rustls")]
            tls: crate::tls::TlsConfig::default(),
        }
    }

    /// The same configuration, trusting what `tls` trusts (such as [`Client::tls_config`]).
    ///
    /// [`Client::tls_config`]: crate::Client::tls_config
    #[cfg(feature = "rustls")]
    #[must_use]
    pub fn with_tls(mut self, tls: crate::tls::TlsConfig) -> Self {
        self.tls = tls;
        self
    }
}

enum Command {
    Send(Frame),
    Close,
}

/// A gateway connection that keeps itself alive; read it with [`Gateway::next_event`].
#[derive(Debug)]
pub struct Gateway {
    events: mpsc::Receiver<Result<GatewayEvent>>,
    commands: mpsc::Sender<Command>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Send(_) => "Send",
            Self::Close => "Close",
        })
    }
}

impl Gateway {
    /// Starts connecting in the background.
    pub fn connect(config: GatewayConfig) -> Self {
        let (events_tx, events) = mpsc::channel(1024);
        let (commands, commands_rx) = mpsc::channel(64);
        let task = tokio::spawn(
            Shard {
                config,
                session: None,
                events: events_tx,
                commands: commands_rx,
            }
            .run(),
        );
        Self {
            events,
            commands,
            task,
        }
    }

    /// The next event; `None` once the gateway is closed for good.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: no event is lost when the future is dropped.
    pub async fn next_event(&mut self) -> Option<Result<GatewayEvent>> {
        self.events.recv().await
    }

    /// Changes this connection's presence.
    pub async fn update_presence(&self, presence: &UpdatePresence) -> Result<()> {
        self.command(Command::Send(Frame::new(OpCode::PresenceUpdate, presence)))
            .await
    }

    /// Joins, moves within or leaves voice.
    pub async fn update_voice_state(&self, state: &UpdateVoiceState) -> Result<()> {
        self.command(Command::Send(Frame::new(OpCode::VoiceStateUpdate, state)))
            .await
    }

    /// Asks for a server's members; they arrive as [`GatewayEvent::MembersChunk`].
    pub async fn request_members(&self, request: &RequestMembers) -> Result<()> {
        self.command(Command::Send(Frame::new(OpCode::RequestMembers, request)))
            .await
    }

    /// Closes with code 1000, which ends the session (it cannot be resumed).
    pub async fn close(self) {
        let _ = self.commands.send(Command::Close).await;
        let _ = self.task.await;
    }

    async fn command(&self, command: Command) -> Result<()> {
        self.commands
            .send(command)
            .await
            .map_err(|_| Error::new(ErrorKind::GatewayClosed { code: None }))
    }
}

/// How a connection ended.
enum Outcome {
    /// Our own close: stop.
    Closed,
    /// The server refused the token: stop with this code.
    Fatal(Option<u16>),
    /// Reconnect; resume unless the session is gone.
    Reconnect,
}

/// The connection task.
struct Shard {
    config: GatewayConfig,
    session: Option<(String, u64)>,
    events: mpsc::Sender<Result<GatewayEvent>>,
    commands: mpsc::Receiver<Command>,
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A random fraction in [0, 1) for jitter.
fn jitter() -> f64 {
    (ulid::Ulid::generate().random() % 10_000) as f64 / 10_000.0
}

impl Shard {
    async fn run(mut self) {
        let mut attempt: u32 = 0;
        loop {
            match self.connection(&mut attempt).await {
                Outcome::Closed => return,
                Outcome::Fatal(code) => {
                    let _ = self
                        .events
                        .send(Err(Error::new(ErrorKind::GatewayClosed { code })))
                        .await;
                    return;
                }
                Outcome::Reconnect => {
                    attempt = attempt.saturating_add(1);
                    let exponent = attempt.min(16) - 1;
                    let base = self
                        .config
                        .min_backoff
                        .saturating_mul(1 << exponent)
                        .min(self.config.max_backoff);
                    let after = base.mul_f64(0.5 + jitter() / 2.0);
                    if self
                        .events
                        .send(Ok(GatewayEvent::Reconnecting { attempt, after }))
                        .await
                        .is_err()
                    {
                        return;
                    }
                    tokio::time::sleep(after).await;
                }
            }
        }
    }

    async fn send(socket: &mut Socket, frame: &Frame) -> bool {
        socket.send(Message::text(frame.to_text())).await.is_ok()
    }

    fn hello_or_identify(&self) -> Frame {
        match &self.session {
            Some((session_id, seq)) => Frame::new(
                OpCode::Resume,
                Resume {
                    client: Some(self.config.client),
                    seq: *seq,
                    session_id: session_id.clone(),
                    token: self.config.token.clone(),
                },
            ),
            None => self.identify(),
        }
    }

    fn identify(&self) -> Frame {
        Frame::new(
            OpCode::Identify,
            Identify {
                client: self.config.client,
                intents: self.config.intents,
                token: self.config.token.clone(),
            },
        )
    }

    /// Opens the WebSocket, over TLS for `wss://` with the configured roots.
    #[cfg(feature = "rustls")]
    async fn open_socket(&self) -> Option<Socket> {
        let connector = tokio_tungstenite::Connector::Rustls(self.config.tls.rustls().ok()?);
        tokio_tungstenite::connect_async_tls_with_config(
            &self.config.url,
            None,
            false,
            Some(connector),
        )
        .await
        .ok()
        .map(|(socket, _)| socket)
    }

    /// Opens the WebSocket (plain `ws://` only: TLS needs the `rustls` feature).
    #[cfg(not(feature = "rustls"))]
    async fn open_socket(&self) -> Option<Socket> {
        tokio_tungstenite::connect_async(&self.config.url)
            .await
            .ok()
            .map(|(socket, _)| socket)
    }

    async fn connection(&mut self, attempt: &mut u32) -> Outcome {
        let Some(mut socket) = self.open_socket().await else {
            return Outcome::Reconnect;
        };
        let interval = match socket.next().await {
            Some(Ok(Message::Text(text))) => match serde_json::from_str::<Frame>(&text) {
                Ok(frame) if frame.op == OpCode::Hello as u8 => frame
                    .d
                    .and_then(|d| serde_json::from_value::<Hello>(d).ok())
                    .map_or(Duration::from_secs(41), |h| {
                        Duration::from_millis(h.heartbeat_interval)
                    }),
                _ => return Outcome::Reconnect,
            },
            _ => return Outcome::Reconnect,
        };
        if !Self::send(&mut socket, &self.hello_or_identify()).await {
            return Outcome::Reconnect;
        }
        // The first heartbeat comes after a random part of the interval, so that clients
        // that reconnect together do not heartbeat together.
        let start = tokio::time::Instant::now() + interval.mul_f64(jitter());
        let mut heartbeat = tokio::time::interval_at(start, interval);
        let mut acked = true;
        loop {
            tokio::select! {
                inbound = socket.next() => match inbound {
                    Some(Ok(Message::Text(text))) => {
                        let Ok(frame) = serde_json::from_str::<Frame>(&text) else { return Outcome::Reconnect };
                        match OpCode::from_u8(frame.op) {
                            Some(OpCode::Dispatch)
                                if !self.dispatch(frame, attempt).await => {
                                    return Outcome::Closed;
                                }
                            Some(OpCode::HeartbeatAck) => acked = true,
                            Some(OpCode::Heartbeat) => {
                                let seq = self.session.as_ref().map(|(_, s)| *s);
                                if !Self::send(&mut socket, &Frame::new(OpCode::Heartbeat, seq)).await {
                                    return Outcome::Reconnect;
                                }
                            }
                            Some(OpCode::Reconnect) => return Outcome::Reconnect,
                            Some(OpCode::InvalidSession) => {
                                self.session = None;
                                if !Self::send(&mut socket, &self.identify()).await {
                                    return Outcome::Reconnect;
                                }
                            }
                            _ => {}
                        }
                    }
                    Some(Ok(Message::Close(frame))) => {
                        let code = frame.map(|f| u16::from(f.code));
                        return match code.and_then(CloseCode::from_u16) {
                            Some(CloseCode::AuthenticationFailed) => Outcome::Fatal(code),
                            Some(CloseCode::InvalidSeq | CloseCode::SessionTimedOut) => {
                                self.session = None;
                                Outcome::Reconnect
                            }
                            _ => Outcome::Reconnect,
                        };
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => return Outcome::Reconnect,
                },
                _ = heartbeat.tick() => {
                    if !acked {
                        // No ACK since the last heartbeat: the connection is a zombie.
                        tracing::debug!("zombie gateway connection; reconnecting");
                        return Outcome::Reconnect;
                    }
                    acked = false;
                    let seq = self.session.as_ref().map(|(_, s)| *s);
                    if !Self::send(&mut socket, &Frame::new(OpCode::Heartbeat, seq)).await {
                        return Outcome::Reconnect;
                    }
                }
                command = self.commands.recv() => match command {
                    Some(Command::Send(frame)) => {
                        if !Self::send(&mut socket, &frame).await {
                            return Outcome::Reconnect;
                        }
                    }
                    Some(Command::Close) | None => {
                        let close = CloseFrame { code: 1000.into(), reason: "bye".into() };
                        let _ = socket.close(Some(close)).await;
                        return Outcome::Closed;
                    }
                },
            }
        }
    }

    /// Handles a dispatch; `false` when nobody reads the events any more.
    async fn dispatch(&mut self, frame: Frame, attempt: &mut u32) -> bool {
        let seq = frame.s.unwrap_or(0);
        let name = frame.t.unwrap_or_default();
        let data = frame.d.unwrap_or_default();
        if let Some((_, last)) = &mut self.session {
            *last = (*last).max(seq);
        }
        let event = match name.as_str() {
            "READY" => match serde_json::from_value::<chat_engine::model::gateway::Ready>(data) {
                Ok(ready) => {
                    self.session = Some((ready.session_id.clone(), seq));
                    *attempt = 0;
                    Ok(GatewayEvent::Ready(Box::new(ready)))
                }
                Err(e) => Err(Error::with_source(ErrorKind::Decode, e)),
            },
            "RESUMED" => {
                *attempt = 0;
                Ok(GatewayEvent::Resumed)
            }
            "MEMBERS_CHUNK" => serde_json::from_value(data)
                .map(|chunk| GatewayEvent::MembersChunk(Box::new(chunk)))
                .map_err(|e| Error::with_source(ErrorKind::Decode, e)),
            _ => Ok(event::decode(&name, seq, data)),
        };
        self.events.send(event).await.is_ok()
    }
}
