//! A user's login sessions: the list with their client and last use, revoking one or every
//! other, and changing the password (which revokes every other session).

use super::{Identity, hash_password, verify_password};
use crate::engine::Engine;
use crate::error::{Error, ResourceKind, Result, found};
use crate::id::SessionId;
use crate::model::{LoginSession, PasswordChange};
use crate::store::{Tx, UserStore};
use crate::validate;

impl Engine {
    /// The caller's login sessions (devices), the current one marked, newest first.
    pub fn list_sessions(&self, identity: Identity) -> Result<Vec<LoginSession>> {
        let mut sessions: Vec<LoginSession> = self
            .read()?
            .list_user_sessions(identity.user_id)?
            .into_iter()
            .filter(|s| !s.is_bot)
            .map(|s| LoginSession {
                client: s.client,
                created_at: s.created_at,
                current: s.id == identity.session_id,
                id: s.id,
                last_used_at: s.refreshed_at.unwrap_or(s.created_at),
            })
            .collect();
        sessions.sort_by_key(|s| std::cmp::Reverse(s.last_used_at));
        Ok(sessions)
    }

    /// Ends one of the caller's sessions: its tokens stop working at once.
    pub async fn revoke_session(&self, identity: Identity, session: SessionId) -> Result<()> {
        self.write(move |tx| {
            let found_session = tx
                .fetch_session(session)?
                .filter(|s| s.user_id == identity.user_id && !s.is_bot);
            found(found_session, ResourceKind::Session, session)?;
            tx.delete_session(identity.user_id, session);
            Ok(())
        })
        .await
    }

    /// Ends every session of the caller but the current one; answers how many.
    pub async fn revoke_other_sessions(&self, identity: Identity) -> Result<usize> {
        self.write(move |tx| end_others(tx, identity)).await
    }

    /// Changes the caller's password and ends every other session.
    ///
    /// # Errors
    ///
    /// `Unauthorized` for a wrong current password; `Validation` for a new one that is too
    /// short or too long; `RateLimited` after too many wrong passwords.
    pub async fn change_password(&self, identity: Identity, change: PasswordChange) -> Result<()> {
        validate::password(&change.new_password)?;
        let user = identity.user_id;
        self.login_throttle().check(user)?;
        let record = found(self.read()?.fetch_user(user)?, ResourceKind::User, user)?;
        if record.password_hash.is_empty() {
            return Err(Error::forbidden("bots have no password"));
        }
        if verify_password(change.current_password, record.password_hash)
            .await
            .is_err()
        {
            self.login_throttle().failed(user);
            return Err(Error::unauthorized("the current password is wrong"));
        }
        let hash = hash_password(change.new_password).await?;
        self.write(move |tx| {
            let mut record = found(tx.fetch_user(user)?, ResourceKind::User, user)?;
            record.password_hash = hash;
            tx.update_user(&record);
            end_others(tx, identity)?;
            Ok(())
        })
        .await
    }
}

/// Deletes every session of the user but the current one.
fn end_others(tx: &mut Tx<'_>, identity: Identity) -> Result<usize> {
    let others: Vec<SessionId> = tx
        .list_user_sessions(identity.user_id)?
        .into_iter()
        .filter(|s| s.id != identity.session_id && !s.is_bot)
        .map(|s| s.id)
        .collect();
    for id in &others {
        tx.delete_session(identity.user_id, *id);
    }
    Ok(others.len())
}
