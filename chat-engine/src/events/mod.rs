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
use crate::store::EndedSessionStore;

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

    /// Records that a session's client ended it (a clean close): it never resumes again, also
    /// after a restart.
    pub async fn end_session_id(&self, session_id: &str, last_seq: u64) -> Result<()> {
        let session_id = session_id.to_owned();
        self.write(move |tx| {
            tx.insert_ended_session(&session_id, last_seq);
            Ok(())
        })
        .await
    }

    /// Whether a session's client ended it.
    pub fn session_id_ended(&self, session_id: &str) -> Result<bool> {
        self.read()?.fetch_ended_session(session_id)
    }

    /// Forgets the ended sessions whose events are no longer retained (they cannot resume
    /// anyway); returns how many.
    pub async fn prune_ended_session_ids(&self) -> Result<usize> {
        let oldest = self.oldest_retained_seq();
        self.write(move |tx| tx.delete_ended_sessions_before(oldest))
            .await
    }

    /// The oldest sequence number the log still holds: a session that last saw an event
    /// before it can no longer resume.
    pub fn oldest_retained_seq(&self) -> u64 {
        self.log_bounds()
            .oldest
            .load(std::sync::atomic::Ordering::SeqCst)
    }
}
