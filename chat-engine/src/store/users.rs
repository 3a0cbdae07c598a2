//! Users, usernames and login sessions.

use serde::{Deserialize, Serialize};

use super::{Kv, KvMut, Table};
use crate::error::Result;
use crate::id::{SessionId, UserId};
use crate::model::{Timestamp, User};

/// A user with what only the engine sees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    /// The owner of a bot account.
    pub bot_owner_id: Option<UserId>,
    /// Optional e-mail address.
    pub email: Option<String>,
    /// The argon2id PHC string; empty for bots.
    pub password_hash: String,
    /// The public part.
    pub user: User,
}

/// A login session (device): its refresh or bot token, stored hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// When the session began.
    pub created_at: Timestamp,
    /// The session's id.
    pub id: SessionId,
    /// Whether the token is a long-lived bot token.
    pub is_bot: bool,
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

    /// Replaces a user.
    fn update_user(&mut self, record: &UserRecord)
    where
        Self: KvMut,
    {
        self.put(Table::Users, record.user.id.to_bytes().to_vec(), record);
    }

    /// Inserts or replaces a session.
    fn update_session(&mut self, session: &SessionRecord)
    where
        Self: KvMut,
    {
        self.put(Table::Sessions, session.id.to_bytes().to_vec(), session);
    }

    /// Fetches a session.
    fn fetch_session(&self, id: SessionId) -> Result<Option<SessionRecord>> {
        self.get(Table::Sessions, &id.to_bytes())
    }

    /// Deletes a session.
    fn delete_session(&mut self, id: SessionId)
    where
        Self: KvMut,
    {
        self.delete(Table::Sessions, id.to_bytes().to_vec());
    }
}

impl<T: Kv + ?Sized> UserStore for T {}
