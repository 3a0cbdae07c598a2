//! The operator's commands on the engine (`chat admin …`, `chat invite create`, `chat
//! status`, `chat import`): one implementation, which the CLI calls on the database when no server runs and
//! the admin socket calls for it when one does. The operator acts as
//! [`Administrator::Operator`]: trusted, with no account.

use std::path::Path;

use anyhow::{Context, Result};
use chat_engine::id::ServerId;
use chat_engine::model::{AdminQuery, CreateInvite, Invite, RegisterRequest, User};
use chat_engine::transfer::ImportSummary;
use chat_engine::{Administrator, Engine, InstanceSummary};
use serde::{Deserialize, Serialize};
use serde_json::Value;

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

/// A command the operator gives; [`execute`] answers its result as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "command", content = "args", rename_all = "snake_case")]
pub enum Request {
    /// Register an instance administrator: answers the [`User`].
    CreateAdmin(NewAdmin),
    /// Make an existing account an instance administrator, or no longer one: answers the
    /// [`AdminUser`].
    SetAdmin {
        /// The account's id or username.
        user: String,
        /// Whether it administers the instance.
        admin: bool,
    },
    /// Create an invite: answers the [`Invite`].
    CreateInvite(NewInvite),
    /// A page of accounts: answers `Vec<AdminUser>`.
    ListUsers(AdminQuery),
    /// Disable an account: answers the [`AdminUser`](chat_engine::model::AdminUser).
    DisableUser {
        /// The account's id or username.
        user: String,
        /// Why, which the user is told.
        reason: String,
    },
    /// Enable a disabled account: answers the [`AdminUser`](chat_engine::model::AdminUser).
    EnableUser {
        /// The account's id or username.
        user: String,
    },
    /// A page of servers: answers `Vec<Server>`.
    ListServers(AdminQuery),
    /// Disable a server: answers the `Server`.
    DisableServer {
        /// The server.
        server_id: ServerId,
        /// Why, which its members are told.
        reason: String,
    },
    /// Enable a disabled server: answers the `Server`.
    EnableServer {
        /// The server.
        server_id: ServerId,
    },
    /// Delete a server with everything in it: answers `null`.
    DeleteServer {
        /// The server.
        server_id: ServerId,
    },
}

/// Runs `request` as the operator; answers what it made or found, as JSON.
pub async fn execute(engine: &Engine, request: Request) -> Result<Value> {
    let operator = Administrator::Operator;
    let answer = match request {
        Request::CreateAdmin(admin) => json(create_admin(engine, admin).await?)?,
        Request::SetAdmin { user, admin } => {
            let id = engine.admin_find_user(operator, &user)?.user.id;
            engine.set_instance_admin(id, admin).await?;
            json(engine.admin_find_user(operator, &user)?)?
        }
        Request::CreateInvite(new) => json(create_invite(engine, new).await?)?,
        Request::ListUsers(query) => json(engine.admin_list_users(operator, &query)?)?,
        Request::DisableUser { user, reason } => {
            let id = engine.admin_find_user(operator, &user)?.user.id;
            json(engine.disable_account(operator, id, &reason).await?)?
        }
        Request::EnableUser { user } => {
            let id = engine.admin_find_user(operator, &user)?.user.id;
            json(engine.enable_account(operator, id).await?)?
        }
        Request::ListServers(query) => json(engine.admin_list_servers(operator, &query)?)?,
        Request::DisableServer { server_id, reason } => {
            json(engine.disable_server(operator, server_id, &reason).await?)?
        }
        Request::EnableServer { server_id } => {
            json(engine.enable_server(operator, server_id).await?)?
        }
        Request::DeleteServer { server_id } => {
            let owner = engine.owner_of(server_id)?;
            engine.delete_server(owner, server_id).await?;
            Value::Null
        }
    };
    Ok(answer)
}

/// Who owns an imported server (`POST /import?owner=…`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportOwner {
    /// An account's id or username.
    pub owner: String,
}

/// Makes a new server, owned by `owner` (an id or a username), of the export in the file at
/// `path`, which is read on a blocking thread.
pub async fn import(engine: &Engine, path: &Path, owner: &str) -> Result<ImportSummary> {
    let owner = engine
        .admin_find_user(Administrator::Operator, owner)
        .context("the new owner")?
        .user
        .id;
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let (engine, runtime) = (engine.clone(), tokio::runtime::Handle::current());
    let imported = tokio::task::spawn_blocking(move || {
        let mut input = std::io::BufReader::new(file);
        runtime.block_on(engine.import_server(Administrator::Operator, owner, &mut input))
    })
    .await?;
    Ok(imported?)
}

/// What `chat status` shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Status {
    /// The `chat` binary's version.
    pub version: String,
    /// What the instance holds.
    pub instance: InstanceSummary,
    /// The running server's figures, when one runs.
    pub running: Option<Running>,
}

/// A running server's figures.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Running {
    /// The server's process id.
    pub pid: u32,
    /// Seconds since it started.
    pub uptime_seconds: u64,
    /// Open gateway sessions (resumable ones included).
    pub gateway_sessions: usize,
    /// Of those, the ones without a socket that wait for their client to resume.
    #[serde(default)]
    pub gateway_resumable: usize,
    /// Whether the writer commits and the search index is current (`/readyz`).
    pub ready: bool,
    /// The writer's check.
    pub writer: String,
    /// The search index's check.
    pub search: String,
}

/// The instance's status; `running` is the server's figures when one runs.
pub fn status(engine: &Engine, running: Option<Running>) -> Result<Status> {
    Ok(Status {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        instance: engine.instance_summary(Administrator::Operator)?,
        running,
    })
}

/// Registers an account and makes it an instance administrator.
async fn create_admin(engine: &Engine, admin: NewAdmin) -> Result<User> {
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
async fn create_invite(engine: &Engine, new: NewInvite) -> Result<Invite> {
    let owner = engine.owner_of(new.server_id)?;
    Ok(engine
        .create_invite(owner, new.server_id, new.invite)
        .await?)
}

/// An answer as JSON.
fn json(answer: impl Serialize) -> Result<Value> {
    Ok(serde_json::to_value(answer)?)
}
