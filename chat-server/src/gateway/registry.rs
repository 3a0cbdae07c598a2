//! Gateway sessions: how many are attached to a socket, and the ones without a socket (which
//! can be resumed for a while, or were ended by their client and never can be). Session ids
//! are issued and signed by the engine, so a resume names a session this server issued to
//! that user or is refused; a session this registry does not hold (detached past its window,
//! issued before a restart, or still attached to a socket the server has not yet seen close)
//! resumes from the engine's persisted log while its events are retained.
//!
//! An attached session is only counted: its connection holds what a resume needs and hands
//! it over when its socket goes away, so an idle connection costs the registry nothing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chat_engine::id::UserId;
use chat_engine::model::ClientKind;
use chat_engine::model::gateway::Intents;

/// What a session without a socket keeps for its resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Detached {
    pub(crate) user: UserId,
    /// The kind of client it identified (or last resumed) as.
    pub(crate) client: ClientKind,
    /// The intents it identified with (a resume keeps them).
    pub(crate) intents: Option<Intents>,
}

#[derive(Debug)]
struct Entry {
    session: Detached,
    /// The client closed it with 1000 or 1001 after this event: kept until its events
    /// leave the log.
    ended: Option<u64>,
    /// When it is forgotten (an ended one never is before its events are).
    expires: Instant,
}

/// The registry; cheap to clone.
#[derive(Debug, Clone, Default)]
pub(crate) struct Registry {
    detached: Arc<Mutex<HashMap<Arc<str>, Entry>>>,
    attached: Arc<AtomicUsize>,
}

/// Why a resume is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The client ended it, or it belongs to another user.
    Invalid,
}

/// Counts a session as attached while it lives: the connection holds one beside the session.
#[derive(Debug)]
pub(crate) struct Attached(Arc<AtomicUsize>);

impl Drop for Attached {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Registry {
    fn detached(&self) -> MutexGuard<'_, HashMap<Arc<str>, Entry>> {
        self.detached
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts a session attached to a socket until the guard is dropped.
    pub(crate) fn attach(&self) -> Attached {
        self.attached.fetch_add(1, Ordering::Relaxed);
        Attached(Arc::clone(&self.attached))
    }

    /// What a resume of `id` by `user` continues: the client's kind (`client` when the
    /// Resume names one, else the kind it identified as; web for a session this registry
    /// does not hold) and the intents it identified with (all for one it does not hold).
    /// `issued` says whether the engine issued the id to this user; `oldest` is the oldest
    /// event the log still holds. A session handed out here is attached again: it leaves
    /// the registry until its new socket detaches it.
    pub(crate) fn resume(
        &self,
        id: &str,
        user: UserId,
        issued: bool,
        oldest: u64,
        client: Option<ClientKind>,
    ) -> Result<(ClientKind, Option<Intents>), Refusal> {
        if !issued {
            return Err(Refusal::Invalid);
        }
        let mut detached = self.detached();
        let now = Instant::now();
        detached.retain(|_, e| match e.ended {
            Some(last_seq) => last_seq + 1 >= oldest,
            None => e.expires > now,
        });
        let session = match detached.get(id) {
            Some(entry) if entry.ended.is_some() || entry.session.user != user => {
                return Err(Refusal::Invalid);
            }
            Some(_) => detached.remove(id).map(|entry| entry.session),
            None => None,
        };
        let (kind, intents) =
            session.map_or((ClientKind::default(), None), |s| (s.client, s.intents));
        Ok((client.unwrap_or(kind), intents))
    }

    /// The socket of session `id` went away after the session saw `last_seq`: a session its
    /// client ended (close 1000/1001) can never be resumed; any other is kept for `window`,
    /// and resumable while its events are retained.
    pub(crate) fn detach(
        &self,
        id: Arc<str>,
        session: Detached,
        ended: bool,
        last_seq: u64,
        window: Duration,
    ) {
        let entry = Entry {
            session,
            ended: ended.then_some(last_seq),
            expires: Instant::now() + window,
        };
        self.detached().insert(id, entry);
    }

    /// How many sessions are known: attached to a socket, or kept without one.
    pub(crate) fn len(&self) -> usize {
        self.attached.load(Ordering::Relaxed) + self.detached().len()
    }

    /// How many sessions wait for a resume: kept without a socket, not ended by their
    /// client, and within their window.
    pub(crate) fn resumable(&self) -> usize {
        let now = Instant::now();
        self.detached()
            .values()
            .filter(|e| e.ended.is_none() && e.expires > now)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_engine::id::Id;

    fn user(n: u64) -> UserId {
        Id::from_ulid(ulid::Ulid::from_parts(n, 1))
    }

    fn session(user: UserId, client: ClientKind) -> Detached {
        Detached {
            user,
            client,
            intents: None,
        }
    }

    #[test]
    fn ended_sessions_stay_refused_until_their_events_are_gone() {
        let registry = Registry::default();
        let attached = registry.attach();
        assert_eq!(registry.len(), 1);
        drop(attached);
        let ended = session(user(1), ClientKind::Web);
        registry.detach("a".into(), ended, true, 10, Duration::ZERO);
        assert_eq!(
            registry.resume("a", user(1), true, 1, None),
            Err(Refusal::Invalid)
        );
        assert_eq!(registry.len(), 1, "an ended session outlives its window");
        // Its events left the log: forgetting it is safe, the engine refuses the resume.
        assert_eq!(
            registry.resume("b", user(1), true, 12, None),
            Ok((ClientKind::Web, None))
        );
        assert_eq!(registry.len(), 0);
    }

    #[test]
    fn only_sessions_within_their_window_and_not_ended_wait_for_a_resume() {
        let registry = Registry::default();
        let _attached = registry.attach();
        let web = session(user(1), ClientKind::Web);
        registry.detach("waiting".into(), web, false, 1, Duration::from_secs(60));
        registry.detach("ended".into(), web, true, 1, Duration::from_secs(60));
        registry.detach("expired".into(), web, false, 1, Duration::ZERO);
        assert_eq!(registry.len(), 4);
        assert_eq!(registry.resumable(), 1);
    }

    #[test]
    fn ids_not_issued_to_the_user_are_refused() {
        let registry = Registry::default();
        let window = Duration::from_secs(60);
        let mobile = session(user(1), ClientKind::Mobile);
        registry.detach("a".into(), mobile, false, 1, window);
        assert_eq!(
            registry.resume("a", user(2), true, 1, None),
            Err(Refusal::Invalid)
        );
        assert_eq!(
            registry.resume("x", user(1), false, 1, None),
            Err(Refusal::Invalid)
        );
        assert_eq!(
            registry.resume("a", user(1), true, 1, None),
            Ok((ClientKind::Mobile, None)),
            "a resume keeps the kind the session identified as"
        );
        assert_eq!(registry.len(), 0, "a resumed session is attached again");
        registry.detach("a".into(), mobile, false, 1, window);
        assert_eq!(
            registry.resume("a", user(1), true, 1, Some(ClientKind::Desktop)),
            Ok((ClientKind::Desktop, None))
        );
    }
}
