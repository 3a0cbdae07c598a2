//! Instance administration: the operator makes administrators (the `chat` CLI); they list
//! every server and every user, and disable accounts, which ends their sessions and closes
//! their gateway connections at once (`ACCOUNT_DISABLED`), and disable servers, in which
//! nobody may then do anything until they are enabled again. Deleting an abusive server is
//! the servers domain's `delete_server`, which lets administrators through. Every operation
//! here is also the operator's ([`Administrator::Operator`]: the `chat` commands on the
//! server's own machine), who needs no account.

use crate::audit_trail::{Administrator, require_administrator};
use crate::engine::Engine;
use crate::envelope::Audience;
use crate::error::{Error, ResourceKind, Result, found};
use crate::id::{ServerId, UserId};
use crate::model::{AccountDisabled, AdminQuery, AdminUser, Event, Server, ServerDisabled};
use crate::store::{KvMut, ServerStore, Tx, UserRecord, UserStore};
use crate::validate;

/// How many of each the instance holds ([`Engine::instance_summary`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InstanceSummary {
    /// Accounts, bots included.
    pub users: usize,
    /// Accounts that are disabled.
    pub disabled_users: usize,
    /// Instance administrators.
    pub administrators: usize,
    /// Servers.
    pub servers: usize,
    /// The newest event's sequence number.
    pub last_seq: u64,
}

/// Most rows one page answers.
const MAX_PAGE: usize = 200;
/// Records read at a time while filtering.
const CHUNK: usize = 512;

impl Engine {
    /// Makes a user an instance administrator, or no longer one. For the operator (the
    /// `chat admin` commands), who is trusted: no caller is checked.
    pub async fn set_instance_admin(&self, user: UserId, admin: bool) -> Result<()> {
        self.write(move |tx| {
            let mut record = found(tx.fetch_user(user)?, ResourceKind::User, user)?;
            record.instance_admin = admin;
            tx.update_user(&record);
            Ok(())
        })
        .await
    }

    /// Every server of the instance, by id, filtered by name (instance administrators).
    pub fn admin_list_servers(
        &self,
        actor: impl Into<Administrator>,
        query: &AdminQuery,
    ) -> Result<Vec<Server>> {
        let (limit, words, after) = page(query)?;
        let reader = self.read()?;
        require_administrator(&reader, actor.into())?;
        let mut after = after.map(ServerId::from_ulid);
        let mut found = Vec::new();
        loop {
            let chunk = reader.list_servers(after, CHUNK)?;
            let Some(last) = chunk.last() else {
                return Ok(found);
            };
            after = Some(last.id);
            for server in chunk {
                if server.name.to_lowercase().contains(&words) {
                    found.push(server);
                    if found.len() == limit {
                        return Ok(found);
                    }
                }
            }
        }
    }

    /// Every user of the instance, by id, filtered by username or display name (instance
    /// administrators).
    pub fn admin_list_users(
        &self,
        actor: impl Into<Administrator>,
        query: &AdminQuery,
    ) -> Result<Vec<AdminUser>> {
        let (limit, words, after) = page(query)?;
        let reader = self.read()?;
        require_administrator(&reader, actor.into())?;
        let mut after = after.map(UserId::from_ulid);
        let mut found = Vec::new();
        loop {
            let chunk = reader.list_users(after, CHUNK)?;
            let Some(last) = chunk.last() else {
                return Ok(found);
            };
            after = Some(last.user.id);
            for record in chunk {
                let user = &record.user;
                let named = user.username.to_lowercase().contains(&words)
                    || user.display_name.to_lowercase().contains(&words);
                if named {
                    found.push(admin_view(record));
                    if found.len() == limit {
                        return Ok(found);
                    }
                }
            }
        }
    }

    /// One account, by its id or its username (instance administrators).
    pub fn admin_find_user(&self, actor: impl Into<Administrator>, key: &str) -> Result<AdminUser> {
        let reader = self.read()?;
        require_administrator(&reader, actor.into())?;
        let key = key.trim();
        let id = match key.parse::<UserId>() {
            Ok(id) => Some(id),
            Err(_) => reader.fetch_user_id_by_name(key)?,
        };
        let record = id.map(|id| reader.fetch_user(id)).transpose()?.flatten();
        record
            .map(admin_view)
            .ok_or_else(|| Error::not_found(ResourceKind::User, key))
    }

    /// How many accounts, administrators and servers the instance holds (instance
    /// administrators). It reads every account and server: for an operator's status, not
    /// for a page anyone can reload.
    pub fn instance_summary(&self, actor: impl Into<Administrator>) -> Result<InstanceSummary> {
        let reader = self.read()?;
        require_administrator(&reader, actor.into())?;
        let mut summary = InstanceSummary {
            users: 0,
            disabled_users: 0,
            administrators: 0,
            servers: 0,
            last_seq: self.last_seq(),
        };
        let mut after = None;
        loop {
            let chunk = reader.list_users(after, CHUNK)?;
            let Some(last) = chunk.last() else { break };
            after = Some(last.user.id);
            for record in &chunk {
                summary.users += 1;
                summary.disabled_users += usize::from(record.disabled.is_some());
                summary.administrators += usize::from(record.instance_admin);
            }
        }
        let mut after = None;
        loop {
            let chunk = reader.list_servers(after, CHUNK)?;
            let Some(last) = chunk.last() else { break };
            after = Some(last.id);
            summary.servers += chunk.len();
        }
        Ok(summary)
    }

    /// Disables an account (instance administrators; an administrator's only by the
    /// operator): it can no longer log in, every session ends, and its gateway connections
    /// close after `ACCOUNT_DISABLED`.
    #[tracing::instrument(level = "debug", skip_all, fields(%user), err(level = "debug"))]
    pub async fn disable_account(
        &self,
        actor: impl Into<Administrator>,
        user: UserId,
        reason: &str,
    ) -> Result<AdminUser> {
        validate::text("reason", reason, 512)?;
        let reason = reason.trim().to_owned();
        let actor = actor.into();
        self.write(move |tx| {
            require_administrator(tx, actor)?;
            let mut record = found(tx.fetch_user(user)?, ResourceKind::User, user)?;
            if record.instance_admin && actor != Administrator::Operator {
                return Err(Error::forbidden("administrators cannot be disabled"));
            }
            let disabled = AccountDisabled {
                at: tx.now(),
                reason,
                user_id: user,
            };
            record.disabled = Some(disabled.clone());
            tx.update_user(&record);
            end_sessions(tx, user)?;
            tx.emit(
                Event::AccountDisabled(disabled),
                Audience::users(vec![user]),
            );
            Ok(admin_view(record))
        })
        .await
    }

    /// Enables a disabled account again (instance administrators).
    pub async fn enable_account(
        &self,
        actor: impl Into<Administrator>,
        user: UserId,
    ) -> Result<AdminUser> {
        let actor = actor.into();
        self.write(move |tx| {
            require_administrator(tx, actor)?;
            let mut record = found(tx.fetch_user(user)?, ResourceKind::User, user)?;
            record.disabled = None;
            tx.update_user(&record);
            Ok(admin_view(record))
        })
        .await
    }

    /// Disables a server (instance administrators and the operator): nobody, its owner
    /// included, may view or do anything in it, nobody may join it, and it leaves the public
    /// directory. Its members keep their membership and hear a `SERVER_UPDATE` that carries
    /// the reason. Answers the server.
    #[tracing::instrument(level = "debug", skip_all, fields(%server), err(level = "debug"))]
    pub async fn disable_server(
        &self,
        actor: impl Into<Administrator>,
        server: ServerId,
        reason: &str,
    ) -> Result<Server> {
        validate::text("reason", reason, 512)?;
        let reason = reason.trim().to_owned();
        let actor = actor.into();
        self.write(move |tx| {
            require_administrator(tx, actor)?;
            let mut found_server = found(tx.fetch_server(server)?, ResourceKind::Server, server)?;
            found_server.disabled = Some(ServerDisabled {
                at: tx.now(),
                reason,
            });
            announce_server(tx, &found_server);
            Ok(found_server)
        })
        .await
    }

    /// Enables a disabled server again (instance administrators and the operator).
    pub async fn enable_server(
        &self,
        actor: impl Into<Administrator>,
        server: ServerId,
    ) -> Result<Server> {
        let actor = actor.into();
        self.write(move |tx| {
            require_administrator(tx, actor)?;
            let mut found_server = found(tx.fetch_server(server)?, ResourceKind::Server, server)?;
            found_server.disabled = None;
            announce_server(tx, &found_server);
            Ok(found_server)
        })
        .await
    }
}

/// Stores a server whose state an administrator changed and tells its members.
fn announce_server(tx: &mut Tx<'_>, server: &Server) {
    tx.update_server(server);
    tx.emit(
        Event::ServerUpdate(server.clone()),
        Audience::server(server.id),
    );
}

/// A page's limit, lowercased search words and starting id.
fn page(query: &AdminQuery) -> Result<(usize, String, Option<ulid::Ulid>)> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Error::validation(
            "limit",
            format!("must be 1 to {MAX_PAGE}"),
        ));
    }
    let words = query.q.as_deref().unwrap_or("").trim().to_lowercase();
    let after = query
        .after
        .as_deref()
        .map(|a| {
            a.parse()
                .map_err(|_| Error::validation("after", "must be an id"))
        })
        .transpose()?;
    Ok((limit, words, after))
}

fn admin_view(record: UserRecord) -> AdminUser {
    AdminUser {
        disabled: record.disabled,
        instance_admin: record.instance_admin,
        user: record.user,
    }
}

/// Ends every session of the user, bot tokens included.
fn end_sessions(tx: &mut Tx<'_>, user: UserId) -> Result<()> {
    for session in tx.list_user_sessions(user)? {
        tx.delete_session(user, session.id);
    }
    Ok(())
}
