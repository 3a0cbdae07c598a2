//! Fixtures for unit tests.

use crate::id::Id;
use crate::model::{Member, Status, User};
use crate::store::UserRecord;

/// A user record with a fresh id.
pub(crate) fn user_record(name: &str) -> UserRecord {
    let user = User {
        avatar_url: String::new(),
        bio: String::new(),
        created_at: chrono::Utc::now(),
        custom_status: String::new(),
        discriminator: "0001".into(),
        display_name: String::new(),
        id: Id::from_ulid(ulid::Ulid::generate()),
        is_bot: false,
        status: Status::Offline,
        username: name.into(),
    };
    UserRecord {
        bot_owner_id: None,
        email: None,
        password_hash: String::new(),
        user,
    }
}

/// A member of server `server` with user `user` (small numbers make readable ids).
pub(crate) fn member(server: u64, user: u64) -> Member {
    Member {
        is_deafened: false,
        is_muted: false,
        joined_at: chrono::Utc::now(),
        nickname: String::new(),
        role_ids: Vec::new(),
        server_id: Id::from_ulid(ulid::Ulid::from_parts(server, 0)),
        user_id: Id::from_ulid(ulid::Ulid::from_parts(user, 0)),
    }
}
