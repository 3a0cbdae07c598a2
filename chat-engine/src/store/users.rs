//! Users, usernames and login sessions.

use serde::{Deserialize, Serialize};

use super::keys::{ALL, pair, prefix, second_id};
use super::{Kv, KvMut, Order, Table};
use crate::error::Result;
use crate::id::{SessionId, UserId};
use crate::model::{AccountDisabled, Timestamp, User};

/// A user with what only the engine sees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    /// The owner of a bot account.
    pub bot_owner_id: Option<UserId>,
    /// Why and when an instance administrator disabled the account, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<AccountDisabled>,
    /// Optional e-mail address.
    pub email: Option<String>,
    /// Whether the user administers the whole instance.
    #[serde(default)]
    pub instance_admin: bool,
    /// The argon2id PHC string; empty for bots.
    pub password_hash: String,
    /// The user's authenticator (2FA), when they set one up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<TotpRecord>,
    /// The public part.
    pub user: User,
}

/// A user's TOTP authenticator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpRecord {
    /// SHA-256 (hex) of each backup code not used yet.
    pub backup_codes: Vec<String>,
    /// Whether logins need it (false while it waits for its first code).
    pub enabled: bool,
    /// The shared secret, base32.
    pub secret: String,
    /// The time step of the last code accepted: a code is accepted once (RFC 6238, 5.2), so
    /// one overheard or phished is no use after its owner used it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_step: Option<u64>,
}

/// A login session (device): its refresh or bot token, stored hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// When the session began.
    pub created_at: Timestamp,
    /// The session's id.
    pub id: SessionId,
    /// What logged in (from its User-Agent); empty when unknown.
    #[serde(default)]
    pub client: String,
    /// Whether the token is a long-lived bot token.
    pub is_bot: bool,
    /// When its current refresh token was issued (at login or the last refresh); the token
    /// expires some time after. `None` in sessions older than this field: their creation.
    #[serde(default)]
    pub refreshed_at: Option<Timestamp>,
    /// SHA-256 of the current token secret, hex.
    pub secret_hash: String,
    /// The user.
    pub user_id: UserId,
}

/// Users, usernames and login sessions.
pub trait UserStore: Kv {
    /// Inserts a new user and claims its username.
    fn insert_user(&mut self, record: &UserRecord)
    where
        Self: KvMut,
    {
        let name = record.user.username.to_lowercase().into_bytes();
        self.put(Table::Usernames, name, &record.user.id);
        self.update_user(record);
    }

    /// Fetches a user.
    fn fetch_user(&self, id: UserId) -> Result<Option<UserRecord>> {
        self.get(Table::Users, &id.to_bytes())
    }

    /// Finds a user id by username, in any case.
    fn fetch_user_id_by_name(&self, username: &str) -> Result<Option<UserId>> {
        self.get(Table::Usernames, username.to_lowercase().as_bytes())
    }

    /// Up to `limit` users with ids after `after`, in id order.
    fn list_users(&self, after: Option<UserId>, limit: usize) -> Result<Vec<UserRecord>> {
        let mut range = super::KeyRange::all();
        if let Some(after) = after {
            range.start = std::ops::Bound::Excluded(after.to_bytes().to_vec());
        }
        self.scan(Table::Users, &range, Order::Ascending, limit)
    }

    /// Whether the user administers the instance.
    fn is_instance_admin(&self, user: UserId) -> Result<bool> {
        Ok(self.fetch_user(user)?.is_some_and(|r| r.instance_admin))
    }

    /// Replaces a user.
    fn update_user(&mut self, record: &UserRecord)
    where
        Self: KvMut,
    {
        self.put(Table::Users, record.user.id.to_bytes().to_vec(), record);
    }

    /// Inserts or replaces a session, indexed under its user.
    fn update_session(&mut self, session: &SessionRecord)
    where
        Self: KvMut,
    {
        self.put(Table::Sessions, session.id.to_bytes().to_vec(), session);
        self.put_raw(
            Table::UserSessions,
            pair(session.user_id, session.id),
            Vec::new(),
        );
    }

    /// A user's sessions.
    fn list_user_sessions(&self, user: UserId) -> Result<Vec<SessionRecord>> {
        let keys = self.scan_keys(Table::UserSessions, &prefix(user), Order::Ascending, ALL)?;
        let mut sessions = Vec::with_capacity(keys.len());
        for key in keys {
            sessions.extend(self.fetch_session(second_id(&key)?)?);
        }
        Ok(sessions)
    }

    /// Fetches a session.
    fn fetch_session(&self, id: SessionId) -> Result<Option<SessionRecord>> {
        self.get(Table::Sessions, &id.to_bytes())
    }

    /// Indexes every session under its user, as [`UserStore::update_session`] does; answers
    /// how many sessions there are. For databases written before the index existed.
    fn index_every_session(&mut self) -> Result<usize>
    where
        Self: KvMut,
    {
        let sessions: Vec<SessionRecord> = self.scan(
            Table::Sessions,
            &super::KeyRange::all(),
            Order::Ascending,
            ALL,
        )?;
        for session in &sessions {
            self.put_raw(
                Table::UserSessions,
                pair(session.user_id, session.id),
                Vec::new(),
            );
        }
        Ok(sessions.len())
    }

    /// Deletes a user's session and its index entry.
    fn delete_session(&mut self, user: UserId, id: SessionId)
    where
        Self: KvMut,
    {
        self.delete(Table::UserSessions, pair(user, id));
        self.delete(Table::Sessions, id.to_bytes().to_vec());
    }
}

impl<T: Kv + ?Sized> UserStore for T {}
