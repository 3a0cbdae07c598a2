//! One gateway connection: a `select!` loop over the socket's inbound frames, the session's
//! outbound events, a heartbeat check and the server's shutdown.
//!
//! Outbound events come straight from the engine session (whose shared ring and persisted log
//! are the only buffers behind it) into the socket's bounded write buffer. When a client reads
//! so slowly that a write stays blocked past the write timeout, the connection is closed
//! (4000); the session stays resumable, so the client resumes from its last sequence number,
//! and the server never buffers more than the write buffer for it.

use std::future::Future;
use std::time::Instant;

use std::sync::Arc;

use chat_engine::events::{EventEnvelope, Session};
use chat_engine::id::UserId;
use chat_engine::model::gateway::{
    CloseCode, Frame, Identify, MembersChunk, OpCode, RequestMembers, Resume,
};
use chat_engine::model::{ClientKind, Event};
use chat_engine::{DeviceId, Error, Identity};
use futures_util::FutureExt;
use tokio_tungstenite::tungstenite::{Error as WsError, Utf8Bytes};

use super::registry::{Attached, Detached};
use super::session::{Command, Protocol};
use super::socket::{Inbound, Socket};
use super::ticks::Tick;
use crate::ratelimit::Bucket;
use crate::state::AppState;

/// At most this many queued events go into one socket write.
const MAX_BATCH: usize = 64;
/// A connection adds to the events-sent counter after this many events (and on each tick).
const COUNT_EVERY: u64 = 256;

/// What the session hands the connection.
enum Outbound {
    /// An event to dispatch.
    Event(Arc<EventEnvelope>),
    /// Replay is done: send `RESUMED`.
    Resumed,
    /// The session is past retention: send Invalid Session.
    Invalid,
    /// The engine stopped.
    Stopped,
}

/// The identified side of a connection.
struct Live {
    device: DeviceId,
    /// The kind of client it identified or resumed as.
    client: ClientKind,
    session_id: Arc<str>,
    session: Session,
    /// Counts the session in the registry while it is attached.
    _attached: Attached,
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

/// Runs one connection until it ends. Not an `async fn`: one keeps its arguments twice in
/// its future (as arguments, and as the locals they move into), which every idle
/// connection would pay for; the block below uses them where they were captured.
#[expect(
    clippy::manual_async_fn,
    reason = "an async fn stores its arguments twice in its future"
)]
pub(super) fn run(
    mut socket: Socket,
    state: AppState,
    token: Option<String>,
    client: ClientKind,
) -> impl Future<Output = ()> + Send {
    async move {
        metrics::gauge!("chat_gateway_connections").increment(1.0);
        // Events sent and not yet counted: the shared counter is touched once per
        // `COUNT_EVERY` events and on each tick, not once per write.
        let mut uncounted = 0;
        // The gateway rate limit's key: a ULID, written out only when a frame comes in.
        let conn_key = ulid::Ulid::generate();
        let (mut protocol, hello) = Protocol::new(state.config.heartbeat_interval, Instant::now());
        let mut live: Option<Live> = None;
        let mut last_seq = 0;
        let mut ticks = state.ticks.clone();

        let end = 'conn: {
            if socket.send_text(Utf8Bytes::from(hello)).await.is_err() {
                break 'conn End::Server;
            }
            if let Some(token) = token {
                let command = Command::Identify(Identify {
                    client,
                    intents: None,
                    token,
                });
                if !Box::pin(execute(
                    command,
                    &state,
                    &mut protocol,
                    &mut socket,
                    &mut live,
                    &mut last_seq,
                ))
                .await
                {
                    break 'conn End::Server;
                }
            }
            loop {
                tokio::select! {
                    // Inbound frames: each goes through the protocol machine.
                    inbound = socket.recv() => match inbound {
                        Inbound::Text(text) => {
                            let limited = {
                                let mut key = [0; ulid::ULID_LEN];
                                let key = conn_key.array_to_str(&mut key);
                                state.limiter.check(Bucket::Gateway, key).is_err()
                            };
                            if limited {
                                close(&mut socket, CloseCode::RateLimited).await;
                                break End::Server;
                            }
                            let command = protocol.on_text(&text, Instant::now());
                            if !Box::pin(execute(command, &state, &mut protocol, &mut socket, &mut live, &mut last_seq)).await {
                                break End::Server;
                            }
                        }
                        Inbound::Binary => {
                            close(&mut socket, CloseCode::DecodeError).await;
                            break End::Server;
                        }
                        Inbound::Close(code) => break End::Client(code),
                        Inbound::Control => {}
                        Inbound::Gone => break End::Client(None),
                    },
                    // Outbound events from the session, with whatever else is already queued
                    // behind the first one, in one write. One deadline for the whole batch
                    // (one timer, not one per frame): a socket that does not take it in time
                    // marks a client too slow.
                    outbound = next_outbound(&mut live) => {
                        let batch = write_batch(outbound, &state, &mut protocol, &mut socket, &mut live, &mut last_seq);
                        let Ok((open, events)) = tokio::time::timeout(state.config.write_timeout, batch).await else {
                            tracing::debug!("closing a gateway connection that cannot be written to in time");
                            metrics::counter!("chat_gateway_slow_closes_total").increment(1);
                            break End::Server;
                        };
                        uncounted += events;
                        if uncounted >= COUNT_EVERY {
                            count_sent(&mut uncounted);
                        }
                        if !open {
                            break End::Server;
                        }
                    }
                    Ok(()) = ticks.changed() => {
                        count_sent(&mut uncounted);
                        if *ticks.borrow_and_update() == Tick::Restarting {
                            Box::pin(restarting(&mut socket)).await;
                            break End::Server;
                        }
                        if let Some(command) = protocol.on_tick(Instant::now()) {
                            Box::pin(execute(command, &state, &mut protocol, &mut socket, &mut live, &mut last_seq)).await;
                            break End::Server;
                        }
                    }
                }
            }
        };
        count_sent(&mut uncounted);
        let ended = matches!(end, End::Client(Some(1000 | 1001)));
        end_live(&state, &mut live, ended);
        metrics::gauge!("chat_gateway_connections").decrement(1.0);
    }
}

/// Adds the events sent and not yet counted to the shared counter (looked up here, not kept
/// by every connection).
fn count_sent(uncounted: &mut u64) {
    if *uncounted > 0 {
        metrics::counter!("chat_gateway_events_sent_total").increment(std::mem::take(uncounted));
    }
}

/// Writes `first` with whatever else is already queued behind it in one socket write, and
/// answers whether the connection stays open and how many events went out.
#[expect(
    clippy::manual_async_fn,
    reason = "an async fn stores its arguments twice in its future"
)]
fn write_batch<'a>(
    first: Outbound,
    state: &'a AppState,
    protocol: &'a mut Protocol,
    socket: &'a mut Socket,
    live: &'a mut Option<Live>,
    last_seq: &'a mut u64,
) -> impl Future<Output = (bool, u64)> + 'a {
    async move {
        let mut next = Some(first);
        let (mut batch, mut events) = (0, 0);
        while let Some(outbound) = next.take() {
            batch += 1;
            events += u64::from(matches!(outbound, Outbound::Event(_)));
            if !queue(outbound, state, protocol, socket, live, last_seq).await {
                return (false, events);
            }
            if batch < MAX_BATCH {
                next = ready_outbound(live);
            }
        }
        (socket.flush().await.is_ok(), events)
    }
}

/// The server is stopping: asks the client to reconnect and resume.
async fn restarting(socket: &mut Socket) {
    let reconnect = Frame {
        d: None,
        op: OpCode::Reconnect as u8,
        s: None,
        t: None,
    };
    let _ = send(socket, &reconnect).await;
    socket.close(1012, "restarting").await;
}

/// Puts one outbound item into the socket's write buffer (written out by the caller's flush,
/// or earlier when the buffer fills); `false` when the connection must end. The rare paths
/// that close the connection are boxed, to keep this future small in every connection's.
#[expect(
    clippy::manual_async_fn,
    reason = "an async fn stores its arguments twice in its future"
)]
fn queue<'a>(
    outbound: Outbound,
    state: &'a AppState,
    protocol: &'a mut Protocol,
    socket: &'a mut Socket,
    live: &'a mut Option<Live>,
    last_seq: &'a mut u64,
) -> impl Future<Output = bool> + 'a {
    async move {
        let text = match outbound {
            Outbound::Event(envelope) => {
                *last_seq = envelope.seq.max(*last_seq);
                // The engine's frame is shared by every recipient: checking that it is UTF-8
                // copies nothing. A session without MESSAGE_CONTENT gets the frame without a
                // message's content (made once per event).
                let frame = match live {
                    Some(live) => {
                        envelope.frame_for(live.session.user_id(), live.session.intents())
                    }
                    None => &envelope.frame,
                };
                let Ok(text) = Utf8Bytes::try_from(frame.bytes()) else {
                    tracing::error!(seq = envelope.seq, "an event frame is not UTF-8");
                    Box::pin(close(socket, CloseCode::UnknownError)).await;
                    return false;
                };
                if matches!(envelope.event, Event::AccountDisabled(_)) {
                    Box::pin(account_gone(socket, text)).await;
                    return false;
                }
                text
            }
            Outbound::Resumed => Frame::dispatch("RESUMED", *last_seq, serde_json::json!({}))
                .to_text()
                .into(),
            Outbound::Invalid => {
                end_live(state, live, true);
                protocol.invalidate();
                Frame::new(OpCode::InvalidSession, false).to_text().into()
            }
            Outbound::Stopped => {
                Box::pin(close(socket, CloseCode::UnknownError)).await;
                return false;
            }
        };
        socket.feed_text(text).await.is_ok()
    }
}

/// The account is gone from under the connection: says why, then closes it.
async fn account_gone(socket: &mut Socket, disabled: Utf8Bytes) {
    let _ = socket.send_text(disabled).await;
    close(socket, CloseCode::AuthenticationFailed).await;
}

/// The next thing to send. Cancel safe, as the session's reads are.
async fn next_outbound(live: &mut Option<Live>) -> Outbound {
    let Some(live) = live else {
        return std::future::pending().await;
    };
    if live.replaying {
        let next = live.session.next_replayed().await;
        return replayed(live, next);
    }
    match live.session.next_event().await {
        Ok(envelope) => Outbound::Event(envelope),
        Err(error) => failed(&error),
    }
}

/// The next thing to send if it is ready without waiting.
fn ready_outbound(live: &mut Option<Live>) -> Option<Outbound> {
    let live = live.as_mut()?;
    if live.replaying {
        // Replay reads the log and never waits for live events.
        let next = live.session.next_replayed().now_or_never()?;
        return Some(replayed(live, next));
    }
    match live.session.try_next_event() {
        Ok(envelope) => envelope.map(Outbound::Event),
        Err(error) => Some(failed(&error)),
    }
}

fn replayed(live: &mut Live, next: Result<Option<Arc<EventEnvelope>>, Error>) -> Outbound {
    match next {
        Ok(Some(envelope)) => Outbound::Event(envelope),
        Ok(None) => {
            live.replaying = false;
            Outbound::Resumed
        }
        Err(_) => Outbound::Invalid,
    }
}

fn failed(error: &Error) -> Outbound {
    match error {
        Error::ResumeGap { .. } => Outbound::Invalid,
        _ => Outbound::Stopped,
    }
}

/// Forgets the device and detaches (or ends) the gateway session.
fn end_live(state: &AppState, live: &mut Option<Live>, ended: bool) {
    if let Some(live) = live.take() {
        let _ = state
            .engine
            .disconnect_device(live.session.user_id(), live.device);
        let last_seq = live.session.last_seq();
        let detached = Detached {
            user: live.session.user_id(),
            client: live.client,
            intents: live.session.intents(),
        };
        state.sessions.detach(
            Arc::clone(&live.session_id),
            detached,
            ended,
            last_seq,
            state.config.resume_window,
        );
        if ended {
            // Durable, so that the session stays ended after a restart too.
            let engine = state.engine.clone();
            tokio::spawn(async move {
                if let Err(error) = engine.end_session_id(&live.session_id, last_seq).await {
                    tracing::warn!(%error, "cannot record an ended session");
                }
            });
        }
    }
}

async fn send(socket: &mut Socket, frame: &Frame) -> Result<(), WsError> {
    socket.send_text(Utf8Bytes::from(frame.to_text())).await
}

async fn close(socket: &mut Socket, code: CloseCode) {
    socket.close(code as u16, code.reason()).await;
}

/// Carries out a command; `false` when the connection must end. Its callers box it: its
/// futures (identify with READY, resume, member chunks) are large and rare, and every idle
/// connection would otherwise carry their space.
async fn execute(
    command: Command,
    state: &AppState,
    protocol: &mut Protocol,
    socket: &mut Socket,
    live: &mut Option<Live>,
    last_seq: &mut u64,
) -> bool {
    match command {
        Command::Send(frame) => send(socket, &frame).await.is_ok(),
        Command::Close(code) => {
            close(socket, code).await;
            false
        }
        Command::Identify(request) => {
            let Ok(identity) = state.engine.authenticate(&request.token) else {
                close(socket, CloseCode::AuthenticationFailed).await;
                return false;
            };
            let subscribed = state
                .engine
                .subscribe(identity.user_id)
                .and_then(|session| Ok((session, state.engine.new_session_id(identity.user_id)?)));
            let Ok((mut session, session_id)) = subscribed else {
                close(socket, CloseCode::UnknownError).await;
                return false;
            };
            let session_id = Arc::<str>::from(session_id);
            session.set_intents(request.intents);
            *last_seq = session.last_seq();
            let started = start(
                state,
                identity,
                request.client,
                Arc::clone(&session_id),
                session,
                false,
                live,
            );
            let ready = started.and_then(|()| {
                state
                    .engine
                    .ready_state(identity.user_id, session_id.to_string())
            });
            match ready {
                Ok(ready) => {
                    protocol.activate();
                    send(socket, &Frame::dispatch("READY", *last_seq, ready))
                        .await
                        .is_ok()
                }
                Err(error) => {
                    tracing::error!(%error, "cannot build READY");
                    close(socket, CloseCode::UnknownError).await;
                    false
                }
            }
        }
        Command::Resume(resume) => {
            resume_session(resume, state, protocol, socket, live, last_seq).await
        }
        Command::UpdatePresence(update) => {
            if let Some(l) = live
                && let Err(error) =
                    state
                        .engine
                        .update_presence(l.session.user_id(), l.device, update)
            {
                tracing::debug!(%error, "presence update refused");
                close(socket, CloseCode::DecodeError).await;
                return false;
            }
            true
        }
        Command::UpdateVoice(update) => {
            if let Some(l) = live
                && let Err(error) = state.engine.update_voice_state(l.session.user_id(), update)
            {
                tracing::debug!(%error, "voice state update refused");
            }
            true
        }
        Command::RequestMembers(request) => match live {
            Some(l) => members_chunk(state, l.session.user_id(), request, socket, *last_seq).await,
            None => true,
        },
    }
}

async fn resume_session(
    resume: Resume,
    state: &AppState,
    protocol: &mut Protocol,
    socket: &mut Socket,
    live: &mut Option<Live>,
    last_seq: &mut u64,
) -> bool {
    let Ok(identity) = state.engine.authenticate(&resume.token) else {
        close(socket, CloseCode::AuthenticationFailed).await;
        return false;
    };
    if resume.seq > state.engine.last_seq()
        && resume.seq > state.engine.last_stored_seq().unwrap_or(0)
    {
        close(socket, CloseCode::InvalidSeq).await;
        return false;
    }
    let invalid = || Frame::new(OpCode::InvalidSession, false);
    let user = identity.user_id;
    // An unreadable mark counts as ended: refusing a resume only costs a fresh READY.
    let issued = state.engine.issued_session_id(user, &resume.session_id)
        && !state
            .engine
            .session_id_ended(&resume.session_id)
            .unwrap_or(true);
    let oldest = state.engine.oldest_retained_seq();
    let Ok((client, intents)) =
        state
            .sessions
            .resume(&resume.session_id, user, issued, oldest, resume.client)
    else {
        protocol.invalidate();
        return send(socket, &invalid()).await.is_ok();
    };
    let session_id = Arc::<str>::from(resume.session_id);
    // Handed back to the registry if the resume goes no further.
    let detached = Detached {
        user,
        client,
        intents,
    };
    let window = state.config.resume_window;
    let started = state
        .engine
        .resume(user, resume.seq)
        .and_then(|mut session| {
            session.set_intents(intents);
            let id = Arc::clone(&session_id);
            start(state, identity, client, id, session, true, live)
        });
    match started {
        Ok(()) => {
            *last_seq = resume.seq;
            protocol.activate();
            true
        }
        Err(Error::ResumeGap { .. }) => {
            let seq = resume.seq;
            state
                .sessions
                .detach(session_id, detached, true, seq, window);
            protocol.invalidate();
            send(socket, &invalid()).await.is_ok()
        }
        Err(_) => {
            let seq = resume.seq;
            state
                .sessions
                .detach(session_id, detached, false, seq, window);
            close(socket, CloseCode::UnknownError).await;
            false
        }
    }
}

/// Registers the device and makes the connection live.
fn start(
    state: &AppState,
    identity: Identity,
    client: ClientKind,
    session_id: Arc<str>,
    session: Session,
    resuming: bool,
    live: &mut Option<Live>,
) -> Result<(), Error> {
    let device = state.engine.connect_device(identity.user_id, client)?;
    *live = Some(Live {
        device,
        client,
        session_id,
        session,
        _attached: state.sessions.attach(),
        replaying: resuming,
    });
    Ok(())
}

async fn members_chunk(
    state: &AppState,
    user: UserId,
    request: RequestMembers,
    socket: &mut Socket,
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
            send(socket, &Frame::dispatch("MEMBERS_CHUNK", seq, chunk))
                .await
                .is_ok()
        }
        Err(error) => {
            tracing::debug!(%error, "member request refused");
            close(socket, CloseCode::DecodeError).await;
            false
        }
    }
}
