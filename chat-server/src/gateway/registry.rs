//! Gateway sessions: which are attached to a socket, and which were ended by their client
//! (and so can never be resumed). Session ids are issued and signed by the engine, so a
//! resume names a session this server issued to that user or is refused; a session this
//! registry no longer knows (detached past its window, or issued before a restart) resumes
//! from the engine's persisted log while its events are retained.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chat_engine::id::UserId;
use chat_engine::model::ClientKind;
use chat_engine::model::gateway::Intents;

#[derive(Debug)]
struct Entry {
    user: UserId,
    /// The kind of client it identified (or last resumed) as.
    client: ClientKind,
    /// The intents it identified with (a resume keeps them).
    intents: Option<Intents>,
    /// The client closed it with 1000 or 1001: kept until its events leave the log.
    ended: Option<u64>,
    /// When a detached session is forgotten (an ended one never is before its events are).
    expires: Option<Instant>,
}

/// The registry; cheap to clone.
#[derive(Debug, Clone, Default)]
pub(crate) struct Registry {
    entries: Arc<Mutex<HashMap<Arc<str>, Entry>>>,
}

/// Why a resume is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The client ended it, or it belongs to another user.
    Invalid,
}

impl Registry {
    fn entries(&self) -> MutexGuard<'_, HashMap<Arc<str>, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records a session the engine just issued to `user`'s client of this kind (the
    /// connection holds the same id).
    pub(crate) fn open(
        &self,
        id: Arc<str>,
        user: UserId,
        client: ClientKind,
        intents: Option<Intents>,
    ) {
        let entry = Entry {
            user,
            client,
            intents,
            ended: None,
            expires: None,
        };
        self.entries().insert(id, entry);
    }

    /// Attaches a resumed session to a new socket and answers its client's kind (`client`
    /// when the Resume names one, else the kind it identified as; web for a session issued
    /// before a restart) and the intents it identified with (all for one issued before a
    /// restart). `issued` says whether the engine issued the id to this user;
    /// `oldest` is the oldest event the log still holds.
    pub(crate) fn resume(
        &self,
        id: &Arc<str>,
        user: UserId,
        issued: bool,
        oldest: u64,
        client: Option<ClientKind>,
    ) -> Result<(ClientKind, Option<Intents>), Refusal> {
        if !issued {
            return Err(Refusal::Invalid);
        }
        let mut entries = self.entries();
        let now = Instant::now();
        entries.retain(|_, e| match e.ended {
            Some(last_seq) => last_seq + 1 >= oldest,
            None => e.expires.is_none_or(|at| at > now),
        });
        let entry = entries.entry(Arc::clone(id)).or_insert(Entry {
            user,
            client: ClientKind::default(),
            intents: None,
            ended: None,
            expires: None,
        });
        if entry.ended.is_some() || entry.user != user {
            return Err(Refusal::Invalid);
        }
        entry.expires = None;
        if let Some(client) = client {
            entry.client = client;
        }
        Ok((entry.client, entry.intents))
    }

    /// The socket went away after the session saw `last_seq`: a session its client ended
    /// (close 1000/1001) can never be resumed; any other stays attached in the registry for
    /// `window`, and resumable while its events are retained.
    pub(crate) fn detach(&self, id: &str, ended: bool, last_seq: u64, window: Duration) {
        if let Some(entry) = self.entries().get_mut(id) {
            if ended {
                entry.ended = Some(last_seq);
            }
            entry.expires = Some(Instant::now() + window);
        }
    }

    /// How many sessions are known.
    pub(crate) fn len(&self) -> usize {
        self.entries().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_engine::id::Id;

    fn user(n: u64) -> UserId {
        Id::from_ulid(ulid::Ulid::from_parts(n, 1))
    }

    #[test]
    fn ended_sessions_stay_refused_until_their_events_are_gone() {
        let registry = Registry::default();
        registry.open("a".into(), user(1), ClientKind::Web, None);
        registry.detach("a", true, 10, Duration::ZERO);
        assert_eq!(
            registry.resume(&"a".into(), user(1), true, 1, None),
            Err(Refusal::Invalid)
        );
        assert_eq!(registry.len(), 1, "an ended session outlives its window");
        // Its events left the log: forgetting it is safe, the engine refuses the resume.
        assert_eq!(
            registry.resume(&"b".into(), user(1), true, 12, None),
            Ok((ClientKind::Web, None))
        );
        assert_eq!(registry.len(), 1);
    }

    #[test]
    fn ids_not_issued_to_the_user_are_refused() {
        let registry = Registry::default();
        registry.open("a".into(), user(1), ClientKind::Mobile, None);
        assert_eq!(
            registry.resume(&"a".into(), user(2), true, 1, None),
            Err(Refusal::Invalid)
        );
        assert_eq!(
            registry.resume(&"x".into(), user(1), false, 1, None),
            Err(Refusal::Invalid)
        );
        assert_eq!(
            registry.resume(&"a".into(), user(1), true, 1, None),
            Ok((ClientKind::Mobile, None)),
            "a resume keeps the kind the session identified as"
        );
        assert_eq!(
            registry.resume(&"a".into(), user(1), true, 1, Some(ClientKind::Desktop)),
            Ok((ClientKind::Desktop, None))
        );
    }
}
