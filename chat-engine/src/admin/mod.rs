//! Instance administration: the operator makes administrators (the `chat` CLI); they list
//! every server and every user, and disable accounts, which ends their sessions and closes
//! their gateway connections at once (`ACCOUNT_DISABLED`). Deleting an abusive server is
//! the servers domain's `delete_server`, which lets administrators through.

use crate::engine::Engine;
use crate::envelope::Audience;
use crate::error::{Error, ResourceKind, Result, found};
use crate::id::{ServerId, UserId};
use crate::model::{AccountDisabled, AdminQuery, AdminUser, Event, Server};
use crate::store::{Kv, KvMut, ServerStore, Tx, UserRecord, UserStore};
use crate::validate;

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
    pub fn admin_list_servers(&self, actor: UserId, query: &AdminQuery) -> Result<Vec<Server>> {
        let (limit, words, after) = page(query)?;
        let reader = self.read()?;
        require_admin(&reader, actor)?;
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
    pub fn admin_list_users(&self, actor: UserId, query: &AdminQuery) -> Result<Vec<AdminUser>> {
        let (limit, words, after) = page(query)?;
        let reader = self.read()?;
        require_admin(&reader, actor)?;
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

    /// Disables an account (instance administrators; not another administrator's): it can
    /// no longer log in, every session ends, and its gateway connections close after
    /// `ACCOUNT_DISABLED`.
    pub async fn disable_account(
        &self,
        actor: UserId,
        user: UserId,
        reason: &str,
    ) -> Result<AdminUser> {
        validate::text("reason", reason, 512)?;
        let reason = reason.trim().to_owned();
        self.write(move |tx| {
            require_admin(tx, actor)?;
            let mut record = found(tx.fetch_user(user)?, ResourceKind::User, user)?;
            if record.instance_admin {
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
    pub async fn enable_account(&self, actor: UserId, user: UserId) -> Result<AdminUser> {
        self.write(move |tx| {
            require_admin(tx, actor)?;
            let mut record = found(tx.fetch_user(user)?, ResourceKind::User, user)?;
            record.disabled = None;
            tx.update_user(&record);
            Ok(admin_view(record))
        })
        .await
    }
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

fn require_admin(kv: &(impl Kv + ?Sized), actor: UserId) -> Result<()> {
    if kv.is_instance_admin(actor)? {
        Ok(())
    } else {
        Err(Error::forbidden("only instance administrators may"))
    }
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
