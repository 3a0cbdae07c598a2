//! A user's event stream: live events from the in-process hub, topped up from the persisted
//! log whenever the session falls behind or resumes.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::broadcast::{
    self,
    error::{RecvError, TryRecvError},
};

use crate::engine::Engine;
use crate::envelope::EventEnvelope;
use crate::error::{Error, Result, StorageError};
use crate::id::{ChannelId, ServerId, UserId};
use crate::model::gateway::Intents;
use crate::model::{Event, Permissions};
use crate::store::{EventLog, ServerStore};

/// How many log entries one top-up reads.
const LOG_PAGE: usize = 1024;

/// A stream of the events one user may see, in sequence order.
pub struct Session {
    engine: Engine,
    user_id: UserId,
    live: broadcast::Receiver<Arc<EventEnvelope>>,
    backlog: VecDeque<Arc<EventEnvelope>>,
    log_has_more: bool,
    last_seq: u64,
    /// Boxed: a session that has seen no event (an idle one) keeps nothing of it.
    seen: Option<Box<Seen>>,
    /// The events the transport's client asked for; `None` for every event.
    intents: Option<Intents>,
}

/// What a session learned of the user's view since the last event that changes it.
#[derive(Default)]
struct Seen {
    /// The channel of the last channel event and whether the user sees it: a burst of
    /// messages in one channel skips hashing its id for every event.
    last_channel: Option<(ChannelId, bool)>,
    channels: HashMap<ChannelId, bool>,
    servers: HashMap<ServerId, bool>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("user_id", &self.user_id)
            .field("last_seq", &self.last_seq)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Starts after `after_seq`; replays the log from there when it is behind the present.
    pub(crate) fn start(engine: Engine, user_id: UserId, after_seq: Option<u64>) -> Result<Self> {
        let live = engine.hub().subscribe();
        let present = engine.log_bounds().next.load(Ordering::SeqCst) - 1;
        let last_seq = after_seq.unwrap_or(present);
        if last_seq > present {
            return Err(Error::validation(
                "seq",
                format!("sequence {last_seq} is in the future"),
            ));
        }
        let mut session = Self {
            engine,
            user_id,
            live,
            backlog: VecDeque::new(),
            log_has_more: last_seq < present,
            last_seq,
            seen: None,
            intents: None,
        };
        if session.log_has_more {
            session.top_up()?;
        }
        Ok(session)
    }

    /// The user the session belongs to.
    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    /// Keeps only the events of these intents (Discord's gateway intents); `None`, the
    /// default, keeps every event.
    pub fn set_intents(&mut self, intents: Option<Intents>) {
        self.intents = intents;
    }

    /// The intents the session keeps events of; `None` for every event.
    pub fn intents(&self) -> Option<Intents> {
        self.intents
    }

    /// The sequence number of the last event the session went past; resume from it.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Waits for the next event the user may see.
    ///
    /// # Errors
    ///
    /// [`Error::ResumeGap`] when the session fell so far behind that the events it missed are
    /// no longer retained; the caller starts a fresh session.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: an event is taken only when it is returned.
    pub async fn next_event(&mut self) -> Result<Arc<EventEnvelope>> {
        // A live wait only ends with an event or an error.
        self.next(true).await?.ok_or_else(stopped)
    }

    /// The next event the user may see if one is already waiting, without waiting: a
    /// transport batches these into one socket write after [`Session::next_event`].
    ///
    /// # Errors
    ///
    /// As [`Session::next_event`].
    pub fn try_next_event(&mut self) -> Result<Option<Arc<EventEnvelope>>> {
        self.next_ready(true)
    }

    /// The next replayed event, or `None` once the session has caught up with the log (it
    /// never waits for live events): a transport sends `RESUMED` after the last one.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`Session::next_event`].
    pub async fn next_replayed(&mut self) -> Result<Option<Arc<EventEnvelope>>> {
        self.next(false).await
    }

    async fn next(&mut self, wait_live: bool) -> Result<Option<Arc<EventEnvelope>>> {
        loop {
            if let Some(envelope) = self.next_ready(wait_live)? {
                return Ok(Some(envelope));
            }
            if !wait_live {
                return Ok(None);
            }
            match self.live.recv().await {
                Ok(envelope) => {
                    if self.admit(&envelope)? {
                        return Ok(Some(envelope));
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    // Not lost: the session reads them from the log.
                    metrics::counter!("chat_session_events_lagged_total").increment(missed);
                    self.log_has_more = true;
                }
                Err(RecvError::Closed) => return Err(stopped()),
            }
        }
    }

    /// The next visible event from the backlog, the log, or (with `live`) the live events
    /// already received; `None` when there is none without waiting.
    fn next_ready(&mut self, live: bool) -> Result<Option<Arc<EventEnvelope>>> {
        loop {
            let envelope = if let Some(envelope) = self.backlog.pop_front() {
                envelope
            } else if self.log_has_more {
                self.top_up()?;
                continue;
            } else if !live {
                return Ok(None);
            } else {
                match self.live.try_recv() {
                    Ok(envelope) => envelope,
                    Err(TryRecvError::Empty) => return Ok(None),
                    Err(TryRecvError::Lagged(missed)) => {
                        metrics::counter!("chat_session_events_lagged_total").increment(missed);
                        self.log_has_more = true;
                        continue;
                    }
                    Err(TryRecvError::Closed) => return Err(stopped()),
                }
            };
            if self.admit(&envelope)? {
                return Ok(Some(envelope));
            }
        }
    }

    /// Moves the cursor past a stored event; whether the user may see it.
    fn admit(&mut self, envelope: &EventEnvelope) -> Result<bool> {
        if envelope.ephemeral {
            // Live-only events are not in the log: they never advance the cursor.
            return self.may_see(envelope);
        }
        if envelope.seq <= self.last_seq {
            return Ok(false);
        }
        self.last_seq = envelope.seq;
        self.may_see(envelope)
    }

    /// Reads the next page of missed events from the log.
    fn top_up(&mut self) -> Result<()> {
        let oldest = self.engine.log_bounds().oldest.load(Ordering::SeqCst);
        if self.last_seq + 1 < oldest {
            return Err(Error::ResumeGap {
                requested: self.last_seq,
                oldest,
            });
        }
        let page = self.engine.read()?.list_events(self.last_seq, LOG_PAGE)?;
        self.log_has_more = page.len() == LOG_PAGE;
        self.backlog.extend(
            page.into_iter().map(|(seq, stored)| {
                Arc::new(EventEnvelope::new(seq, stored.event, stored.audience))
            }),
        );
        Ok(())
    }

    fn may_see(&mut self, envelope: &EventEnvelope) -> Result<bool> {
        let audience = &envelope.audience;
        if affects_visibility(&envelope.event) {
            self.seen = None;
        }
        if audience.exclude == Some(self.user_id) {
            return Ok(false);
        }
        if let Some(intents) = self.intents
            && !intents.contains(envelope.intent)
        {
            return Ok(false);
        }
        if audience.users.contains(&self.user_id) {
            return Ok(true);
        }
        for server in &audience.servers {
            if self.is_member(*server)? {
                return Ok(true);
            }
        }
        let Some(server) = audience.server_id else {
            return Ok(false);
        };
        match audience.channel_id {
            None => self.is_member(server),
            Some(channel) => self.can_view(channel),
        }
    }

    fn is_member(&mut self, server: ServerId) -> Result<bool> {
        let seen = self.seen.get_or_insert_default();
        if let Some(known) = seen.servers.get(&server) {
            return Ok(*known);
        }
        let member = self
            .engine
            .read()?
            .fetch_member(server, self.user_id)?
            .is_some();
        seen.servers.insert(server, member);
        Ok(member)
    }

    fn can_view(&mut self, channel: ChannelId) -> Result<bool> {
        let seen = self.seen.get_or_insert_default();
        if let Some((last, visible)) = seen.last_channel
            && last == channel
        {
            return Ok(visible);
        }
        let visible = if let Some(known) = seen.channels.get(&channel) {
            *known
        } else {
            let reader = self.engine.read()?;
            let visible = match crate::permissions::resolve(&reader, self.user_id, channel) {
                Ok(permissions) => permissions.contains(Permissions::VIEW_CHANNEL),
                Err(Error::NotFound { .. }) => false,
                Err(other) => return Err(other),
            };
            seen.channels.insert(channel, visible);
            visible
        };
        seen.last_channel = Some((channel, visible));
        Ok(visible)
    }
}

fn stopped() -> Error {
    StorageError::new("the engine stopped").into()
}

/// Whether the event can change who sees what.
fn affects_visibility(event: &Event) -> bool {
    matches!(
        event,
        Event::ChannelCreate(_)
            | Event::ChannelDelete(_)
            | Event::ChannelUpdate(_)
            | Event::MemberAdd(_)
            | Event::MemberRemove(_)
            | Event::MemberUpdate(_)
            | Event::RoleCreate(_)
            | Event::RoleDelete(_)
            | Event::RoleUpdate(_)
            | Event::ServerCreate(_)
            | Event::ServerDelete(_)
            | Event::ServerUpdate(_)
            | Event::ThreadCreate(_)
    )
}
