//! Recently checked login sessions, so that authenticating a request does not read and decode
//! its session from storage. Readers fill the cache; the writer evicts every session a commit
//! wrote before it answers that commit's callers (so a logout is in force when it returns),
//! and a generation number keeps a reader from caching a record it read before such a commit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::id::SessionId;
use crate::store::SessionRecord;
use crate::store::hooks::{Commit, CommitHook};

/// Sessions kept before the cache starts over.
const CAPACITY: usize = 65_536;

/// The cache; see the module documentation.
#[derive(Debug, Default)]
pub(crate) struct SessionCache {
    state: Mutex<State>,
    /// Caches nothing: on a store other engines share, their logouts would not evict.
    off: bool,
}

#[derive(Debug, Default)]
struct State {
    /// Bumped by every commit that wrote a session.
    generation: u64,
    sessions: HashMap<SessionId, SessionRecord>,
}

impl SessionCache {
    fn state(&self) -> MutexGuard<'_, State> {
        // The map holds no invariant a panic could break halfway.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A cache that keeps nothing, for a store that other engines share.
    pub(crate) fn off() -> Self {
        Self {
            off: true,
            ..Self::default()
        }
    }

    /// A cached session.
    pub(crate) fn get(&self, id: SessionId) -> Option<SessionRecord> {
        self.state().sessions.get(&id).cloned()
    }

    /// The generation to pass to [`SessionCache::insert`]; read it before reading storage.
    pub(crate) fn generation(&self) -> u64 {
        self.state().generation
    }

    /// Caches a session read from storage, unless a session was written since `generation`.
    pub(crate) fn insert(&self, generation: u64, session: SessionRecord) {
        if self.off {
            return;
        }
        let mut state = self.state();
        if state.generation != generation {
            return;
        }
        if state.sessions.len() >= CAPACITY {
            state.sessions.clear();
        }
        state.sessions.insert(session.id, session);
    }

    /// Forgets sessions a commit wrote or deleted.
    fn evict(&self, written: impl IntoIterator<Item = SessionId>) {
        let mut written = written.into_iter().peekable();
        if written.peek().is_none() {
            return;
        }
        let mut state = self.state();
        state.generation += 1;
        for id in written {
            state.sessions.remove(&id);
        }
    }
}

/// The writer evicts every session a commit wrote, before that commit's callers hear back.
impl CommitHook for Arc<SessionCache> {
    fn committed(&mut self, commit: &Commit<'_>) {
        self.evict(commit.sessions_written());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::Id;

    fn session(n: u64) -> SessionRecord {
        SessionRecord {
            client: String::new(),
            created_at: chrono::Utc::now(),
            id: Id::from_ulid(ulid::Ulid::from_parts(n, 1)),
            is_bot: false,
            refreshed_at: None,
            secret_hash: String::new(),
            user_id: Id::from_ulid(ulid::Ulid::from_parts(n, 2)),
        }
    }

    #[test]
    fn a_read_that_raced_a_session_write_is_not_cached() {
        let cache = SessionCache::default();
        let (a, b) = (session(1), session(2));

        let before = cache.generation();
        cache.insert(before, a.clone());
        assert_eq!(cache.get(a.id), Some(a.clone()));

        // A reader reads `b` as of `before`; meanwhile a commit writes sessions.
        cache.evict([a.id]);
        cache.insert(before, b.clone());
        assert_eq!(cache.get(a.id), None, "evicted");
        assert_eq!(
            cache.get(b.id),
            None,
            "read before the write, so maybe stale"
        );

        cache.insert(cache.generation(), b.clone());
        assert_eq!(cache.get(b.id), Some(b));
    }
}
