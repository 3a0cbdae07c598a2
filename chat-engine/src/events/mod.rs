//! Events and sessions: every committed change becomes an [`EventEnvelope`] with a global,
//! increasing sequence number, serialized once; a [`Session`] streams the envelopes its user
//! may see, and can resume from a sequence number out of the persisted log.

mod ready;
mod session;

pub use session::Session;

use crate::engine::Engine;
pub use crate::envelope::{Audience, EventEnvelope, Frame};
use crate::error::Result;
use crate::id::UserId;

impl Engine {
    /// Opens a stream of the events `user` may see, starting now.
    pub fn subscribe(&self, user: UserId) -> Result<Session> {
        Session::start(self.clone(), user, None)
    }

    /// Opens a stream that first replays every event after `seq` that `user` may see.
    ///
    /// # Errors
    ///
    /// [`crate::Error::ResumeGap`] when events after `seq` are no longer retained.
    pub fn resume(&self, user: UserId, seq: u64) -> Result<Session> {
        Session::start(self.clone(), user, Some(seq))
    }

    /// A new id for a resumable session of `user`, for a transport to hand its client. It is
    /// signed with the engine's token secret, so that [`Engine::issued_session_id`] knows it
    /// later, after a restart too.
    pub fn new_session_id(&self, user: UserId) -> Result<String> {
        self.keys().session_id(user)
    }

    /// Whether this engine issued `session_id` to `user` (a resume of any other id, or of
    /// someone else's, is refused).
    pub fn issued_session_id(&self, user: UserId, session_id: &str) -> bool {
        self.keys().issued_session_id(user, session_id)
    }

    /// The oldest sequence number the log still holds: a session that last saw an event
    /// before it can no longer resume.
    pub fn oldest_retained_seq(&self) -> u64 {
        self.log_bounds()
            .oldest
            .load(std::sync::atomic::Ordering::SeqCst)
    }
}
