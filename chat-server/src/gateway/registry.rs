//! Gateway sessions: which are attached to a socket, which were ended by their client (and so
//! cannot be resumed). Sessions not known here (after a restart) resume from the engine's
//! persisted log.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chat_engine::id::UserId;

#[derive(Debug)]
struct Entry {
    user: UserId,
    ended: bool,
    /// When a detached session is forgotten.
    expires: Option<Instant>,
}

/// The registry; cheap to clone.
#[derive(Debug, Clone, Default)]
pub(crate) struct Registry {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
}

/// Why a resume is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The client ended it, or it belongs to another user.
    Invalid,
}

impl Registry {
    fn entries(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts a session for a user and returns its id.
    pub(crate) fn open(&self, user: UserId) -> String {
        let id = ulid::Ulid::generate().to_string();
        self.entries().insert(
            id.clone(),
            Entry {
                user,
                ended: false,
                expires: None,
            },
        );
        id
    }

    /// Attaches a resumed session to a new socket.
    pub(crate) fn resume(&self, id: &str, user: UserId) -> Result<(), Refusal> {
        let mut entries = self.entries();
        let now = Instant::now();
        entries.retain(|_, e| e.expires.is_none_or(|at| at > now));
        match entries.get_mut(id) {
            Some(entry) if entry.ended || entry.user != user => Err(Refusal::Invalid),
            Some(entry) => {
                entry.expires = None;
                Ok(())
            }
            None => {
                entries.insert(
                    id.to_owned(),
                    Entry {
                        user,
                        ended: false,
                        expires: None,
                    },
                );
                Ok(())
            }
        }
    }

    /// The socket went away: a session its client ended (close 1000/1001) can never be
    /// resumed; any other stays resumable for `window`.
    pub(crate) fn detach(&self, id: &str, ended: bool, window: Duration) {
        if let Some(entry) = self.entries().get_mut(id) {
            entry.ended |= ended;
            entry.expires = Some(Instant::now() + window);
        }
    }

    /// How many sessions are known.
    pub(crate) fn len(&self) -> usize {
        self.entries().len()
    }
}
