//! The operator's commands on the engine (`chat admin create`, `chat invite create`): one
//! implementation, which the CLI calls on the database when no server runs and the admin
//! socket calls for it when one does.

use anyhow::{Context, Result};
use chat_engine::Engine;
use chat_engine::id::ServerId;
use chat_engine::model::{CreateInvite, Invite, RegisterRequest, User};
use serde::{Deserialize, Serialize};

/// An instance administrator to create.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewAdmin {
    /// Its username.
    pub username: String,
    /// Its password.
    pub password: String,
}

/// An invite to create on a server's owner's behalf.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewInvite {
    /// The server.
    pub server_id: ServerId,
    /// Its limits.
    pub invite: CreateInvite,
}

/// Registers an account and makes it an instance administrator.
pub async fn create_admin(engine: &Engine, admin: NewAdmin) -> Result<User> {
    let request = RegisterRequest {
        username: admin.username,
        password: admin.password,
        email: None,
    };
    let user = engine
        .register(request)
        .await
        .context("creating the account")?
        .user;
    engine
        .set_instance_admin(user.id, true)
        .await
        .context("making the account an instance administrator")?;
    Ok(user)
}

/// Creates an invite to a server as its owner.
pub async fn create_invite(engine: &Engine, new: NewInvite) -> Result<Invite> {
    let owner = engine.owner_of(new.server_id)?;
    Ok(engine
        .create_invite(owner, new.server_id, new.invite)
        .await?)
}
