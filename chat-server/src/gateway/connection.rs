//! One gateway connection: a `select!` loop over the socket's inbound frames, the session's
//! outbound events, a heartbeat check and the server's shutdown.
//!
//! Outbound events come straight from the engine session (whose shared ring and persisted log
//! are the only buffers behind it) into the socket's bounded write buffer. When a client reads
//! so slowly that a write stays blocked past the write timeout, the connection is closed
//! (4000); the session stays resumable, so the client resumes from its last sequence number,
//! and the server never buffers more than the write buffer for it.

use std::time::Instant;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use std::sync::Arc;

use chat_engine::events::{EventEnvelope, Session};
use chat_engine::id::UserId;
use chat_engine::model::gateway::{
    CloseCode, Frame, Identify, MembersChunk, OpCode, RequestMembers, Resume,
};
use chat_engine::{DeviceId, Error, Identity};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};

use super::session::{Command, Protocol};
use crate::ratelimit::Bucket;
use crate::state::AppState;

/// What the session hands the connection.
enum Outbound {
    /// An event to dispatch.
    Event(Arc<EventEnvelope>),
    /// Replay is done: send `RESUMED`.
    Resumed,
    /// The session is past retention: send Invalid Session.
    Invalid,
}

/// The identified side of a connection.
struct Live {
    user: UserId,
    device: DeviceId,
    session_id: String,
    session: Session,
    /// Replaying missed events after a resume; `RESUMED` follows the last one.
    replaying: bool,
}

/// How the connection ended.
enum End {
    /// The client closed it with this code (1000/1001 end the session).
    Client(Option<u16>),
    /// We closed it.
    Server,
}

pub(super) async fn run(socket: WebSocket, state: AppState, token: Option<String>) {
    metrics::gauge!("gateway_connections").increment(1.0);
    let conn_key = ulid::Ulid::generate().to_string();
    let (mut sink, mut stream) = socket.split();
    let (mut protocol, hello) = Protocol::new(state.config.heartbeat_interval, Instant::now());
    let mut live: Option<Live> = None;
    let mut last_seq = 0;
    let mut shutdown = state.shutdown.clone();
    let mut tick = tokio::time::interval(state.config.heartbeat_interval / 4);

    let end = 'conn: {
        if send(&mut sink, &hello).await.is_err() {
            break 'conn End::Server;
        }
        if let Some(token) = token {
            let command = Command::Identify(Identify {
                client: chat_engine::model::ClientKind::Web,
                token,
            });
            if !execute(
                command,
                &state,
                &mut protocol,
                &mut sink,
                &mut live,
                &mut last_seq,
            )
            .await
            {
                break 'conn End::Server;
            }
        }
        loop {
            tokio::select! {
                // Inbound frames: each goes through the protocol machine.
                inbound = stream.next() => match inbound {
                    Some(Ok(Message::Text(text))) => {
                        if state.limiter.check(Bucket::Gateway, &conn_key).is_err() {
                            close(&mut sink, CloseCode::RateLimited).await;
                            break End::Server;
                        }
                        let command = protocol.on_text(&text, Instant::now());
                        if !execute(command, &state, &mut protocol, &mut sink, &mut live, &mut last_seq).await {
                            break End::Server;
                        }
                    }
                    Some(Ok(Message::Binary(_))) => {
                        close(&mut sink, CloseCode::DecodeError).await;
                        break End::Server;
                    }
                    Some(Ok(Message::Close(frame))) => break End::Client(frame.map(|f| f.code)),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Err(_)) | None => break End::Client(None),
                },
                // Outbound events from the session; `None` when the engine stopped.
                outbound = next_outbound(&mut live) => {
                    let sent = match outbound {
                        Some(Outbound::Event(envelope)) => {
                            last_seq = envelope.seq.max(last_seq);
                            let frame = envelope.frame.clone();
                            metrics::counter!("gateway_events_sent_total").increment(1);
                            // A socket that does not drain in time marks a client too slow.
                            let write = sink.send(Message::Text(Utf8Bytes::from(frame)));
                            matches!(tokio::time::timeout(state.config.write_timeout, write).await, Ok(Ok(())))
                        }
                        Some(Outbound::Resumed) => send(&mut sink, &Frame::dispatch("RESUMED", last_seq, serde_json::json!({}))).await.is_ok(),
                        Some(Outbound::Invalid) => {
                            end_live(&state, &mut live, true);
                            protocol.invalidate();
                            send(&mut sink, &Frame::new(OpCode::InvalidSession, false)).await.is_ok()
                        }
                        None => {
                            close(&mut sink, CloseCode::UnknownError).await;
                            false
                        }
                    };
                    if !sent {
                        tracing::debug!("closing a gateway connection that cannot be written to in time");
                        break End::Server;
                    }
                }
                _ = tick.tick() => {
                    if let Some(command) = protocol.on_tick(Instant::now()) {
                        execute(command, &state, &mut protocol, &mut sink, &mut live, &mut last_seq).await;
                        break End::Server;
                    }
                }
                _ = shutdown.changed() => {
                    // The server is stopping: ask the client to reconnect and resume.
                    let _ = send(&mut sink, &Frame { d: None, op: OpCode::Reconnect as u8, s: None, t: None }).await;
                    let _ = sink.send(Message::Close(Some(CloseFrame { code: 1012, reason: Utf8Bytes::from_static("restarting") }))).await;
                    break End::Server;
                }
            }
        }
    };
    let ended = matches!(end, End::Client(Some(1000 | 1001)));
    end_live(&state, &mut live, ended);
    metrics::gauge!("gateway_connections").decrement(1.0);
}

/// The next thing to send. Cancel safe, as the session's reads are.
async fn next_outbound(live: &mut Option<Live>) -> Option<Outbound> {
    let Some(live) = live else {
        return std::future::pending().await;
    };
    if live.replaying {
        return Some(match live.session.next_replayed().await {
            Ok(Some(envelope)) => Outbound::Event(envelope),
            Ok(None) => {
                live.replaying = false;
                Outbound::Resumed
            }
            Err(_) => Outbound::Invalid,
        });
    }
    match live.session.next_event().await {
        Ok(envelope) => Some(Outbound::Event(envelope)),
        Err(Error::ResumeGap { .. }) => Some(Outbound::Invalid),
        Err(_) => None,
    }
}

/// Forgets the device and detaches (or ends) the gateway session.
fn end_live(state: &AppState, live: &mut Option<Live>, ended: bool) {
    if let Some(live) = live.take() {
        let _ = state.engine.disconnect_device(live.user, live.device);
        state
            .sessions
            .detach(&live.session_id, ended, state.config.resume_window);
    }
}

type Sink = SplitSink<WebSocket, Message>;

async fn send(sink: &mut Sink, frame: &Frame) -> Result<(), axum::Error> {
    sink.send(Message::Text(Utf8Bytes::from(frame.to_text())))
        .await
}

async fn close(sink: &mut Sink, code: CloseCode) {
    let frame = CloseFrame {
        code: code as u16,
        reason: Utf8Bytes::from_static(code.reason()),
    };
    let _ = sink.send(Message::Close(Some(frame))).await;
}

/// Carries out a command; `false` when the connection must end.
async fn execute(
    command: Command,
    state: &AppState,
    protocol: &mut Protocol,
    sink: &mut Sink,
    live: &mut Option<Live>,
    last_seq: &mut u64,
) -> bool {
    match command {
        Command::Send(frame) => send(sink, &frame).await.is_ok(),
        Command::Close(code) => {
            close(sink, code).await;
            false
        }
        Command::Identify(request) => {
            let Ok(identity) = state.engine.authenticate(&request.token) else {
                close(sink, CloseCode::AuthenticationFailed).await;
                return false;
            };
            let Ok(session) = state.engine.subscribe(identity.user_id) else {
                close(sink, CloseCode::UnknownError).await;
                return false;
            };
            let session_id = state.sessions.open(identity.user_id);
            *last_seq = session.last_seq();
            let started = start(
                state,
                identity,
                request.client,
                session_id.clone(),
                session,
                false,
                live,
            );
            let ready =
                started.and_then(|()| state.engine.ready_state(identity.user_id, session_id));
            match ready {
                Ok(ready) => {
                    protocol.activate();
                    send(sink, &Frame::dispatch("READY", *last_seq, ready))
                        .await
                        .is_ok()
                }
                Err(error) => {
                    tracing::error!(%error, "cannot build READY");
                    close(sink, CloseCode::UnknownError).await;
                    false
                }
            }
        }
        Command::Resume(resume) => {
            resume_session(resume, state, protocol, sink, live, last_seq).await
        }
        Command::UpdatePresence(update) => {
            if let Some(l) = live
                && let Err(error) = state.engine.update_presence(l.user, l.device, update)
            {
                tracing::debug!(%error, "presence update refused");
                close(sink, CloseCode::DecodeError).await;
                return false;
            }
            true
        }
        Command::UpdateVoice(update) => {
            if let Some(l) = live
                && let Err(error) = state.engine.update_voice_state(l.user, update)
            {
                tracing::debug!(%error, "voice state update refused");
            }
            true
        }
        Command::RequestMembers(request) => match live {
            Some(l) => members_chunk(state, l.user, request, sink, *last_seq).await,
            None => true,
        },
    }
}

async fn resume_session(
    resume: Resume,
    state: &AppState,
    protocol: &mut Protocol,
    sink: &mut Sink,
    live: &mut Option<Live>,
    last_seq: &mut u64,
) -> bool {
    let Ok(identity) = state.engine.authenticate(&resume.token) else {
        close(sink, CloseCode::AuthenticationFailed).await;
        return false;
    };
    if resume.seq > state.engine.last_seq() {
        close(sink, CloseCode::InvalidSeq).await;
        return false;
    }
    let invalid = || Frame::new(OpCode::InvalidSession, false);
    if state
        .sessions
        .resume(&resume.session_id, identity.user_id)
        .is_err()
    {
        protocol.invalidate();
        return send(sink, &invalid()).await.is_ok();
    }
    match state.engine.resume(identity.user_id, resume.seq) {
        Ok(session) => {
            *last_seq = resume.seq;
            let client = chat_engine::model::ClientKind::Web;
            if start(
                state,
                identity,
                client,
                resume.session_id,
                session,
                true,
                live,
            )
            .is_err()
            {
                close(sink, CloseCode::UnknownError).await;
                return false;
            }
            protocol.activate();
            true
        }
        Err(Error::ResumeGap { .. }) => {
            state
                .sessions
                .detach(&resume.session_id, true, state.config.resume_window);
            protocol.invalidate();
            send(sink, &invalid()).await.is_ok()
        }
        Err(_) => {
            close(sink, CloseCode::UnknownError).await;
            false
        }
    }
}

/// Registers the device and makes the connection live.
fn start(
    state: &AppState,
    identity: Identity,
    client: chat_engine::model::ClientKind,
    session_id: String,
    session: Session,
    resuming: bool,
    live: &mut Option<Live>,
) -> Result<(), Error> {
    let device = state.engine.connect_device(identity.user_id, client)?;
    *live = Some(Live {
        user: identity.user_id,
        device,
        session_id,
        session,
        replaying: resuming,
    });
    Ok(())
}

async fn members_chunk(
    state: &AppState,
    user: UserId,
    request: RequestMembers,
    sink: &mut Sink,
    seq: u64,
) -> bool {
    let limit = request.limit.unwrap_or(100);
    let members = state
        .engine
        .list_members(user, request.server_id, request.after, limit);
    let presences = state.engine.list_presences(user, request.server_id);
    match members.and_then(|m| presences.map(|p| (m, p))) {
        Ok((members, presences)) => {
            let chunk = MembersChunk {
                members,
                presences,
                server_id: request.server_id,
            };
            send(sink, &Frame::dispatch("MEMBERS_CHUNK", seq, chunk))
                .await
                .is_ok()
        }
        Err(error) => {
            tracing::debug!(%error, "member request refused");
            close(sink, CloseCode::DecodeError).await;
            false
        }
    }
}
