//! Invites: codes with a use limit and an expiry that let users join a server.

use crate::audit_trail::{Actor, record_change};
use crate::engine::Engine;
use crate::envelope::Audience;
use crate::error::{Error, ResourceKind, Result, found};
use crate::id::{ServerId, UserId};
use crate::model::{
    AuditAction, CreateInvite, Event, Invite, InviteDelete, InvitePreview, Permissions, Server,
};
use crate::permissions::context;
use crate::store::{KvMut, ServerStore};

/// Longest invite lifetime: 30 days.
const MAX_AGE: u64 = 30 * 24 * 3600;

fn usable(invite: &Invite, now: crate::model::Timestamp) -> bool {
    invite.expires_at.is_none_or(|at| at > now)
        && (invite.max_uses == 0 || invite.uses < invite.max_uses)
}

impl Engine {
    /// Creates an invite (CREATE_INVITE).
    pub async fn create_invite(
        &self,
        actor: impl Into<Actor>,
        server: ServerId,
        request: CreateInvite,
    ) -> Result<Invite> {
        if request.max_age > MAX_AGE {
            return Err(Error::validation(
                "max_age",
                format!("must be at most {MAX_AGE} seconds"),
            ));
        }
        if request.max_uses > 10_000 {
            return Err(Error::validation("max_uses", "must be at most 10000"));
        }
        let code = crate::credentials::invite_code()?;
        let actor = actor.into();
        self.write(move |tx| {
            context(tx, server, actor.user())?.require(Permissions::CREATE_INVITE)?;
            let now = tx.now();
            let expires_at = (request.max_age > 0)
                .then(|| now + chrono::Duration::seconds(request.max_age as i64));
            let invite = Invite {
                code,
                created_at: now,
                expires_at,
                inviter_id: actor.user(),
                max_uses: request.max_uses,
                server_id: server,
                uses: 0,
            };
            tx.update_invite(&invite);
            record_change(
                tx,
                server,
                &actor,
                AuditAction::InviteCreate,
                &invite.code,
                None,
                Some(&invite),
            );
            tx.emit(
                Event::InviteCreate(invite.clone()),
                Audience::users(vec![actor.user()]),
            );
            Ok(invite)
        })
        .await
    }

    /// Looks an invite up by code (no membership needed). Expired or used-up invites are not
    /// found.
    pub fn fetch_invite(&self, code: &str) -> Result<Invite> {
        let invite = self
            .read()?
            .fetch_invite(code)?
            .filter(|i| usable(i, chrono::Utc::now()));
        found(invite, ResourceKind::Invite, code)
    }

    /// What anyone may see of a usable invite before joining, without an account: the
    /// invite and its server's name, description, icon and member count.
    pub fn preview_invite(&self, code: &str) -> Result<InvitePreview> {
        let invite = self.fetch_invite(code)?;
        let server = self.read()?.fetch_server(invite.server_id)?;
        let server = found(server, ResourceKind::Invite, code)?;
        Ok(InvitePreview {
            invite,
            server: server.into(),
        })
    }

    /// Lists a server's invites (MANAGE_SERVER).
    pub fn list_invites(&self, actor: UserId, server: ServerId) -> Result<Vec<Invite>> {
        let reader = self.read()?;
        context(&reader, server, actor)?.require(Permissions::MANAGE_SERVER)?;
        reader.list_invites(server)
    }

    /// Joins the invite's server. Joining a server one is already in returns it unchanged.
    ///
    /// # Errors
    ///
    /// `NotFound` for an unknown, expired or used-up code; `Forbidden` for a banned user.
    #[tracing::instrument(level = "debug", skip_all, fields(%actor), err(level = "debug"))]
    pub async fn accept_invite(&self, actor: UserId, code: &str) -> Result<Server> {
        let code = code.to_owned();
        self.write(move |tx| {
            let invite = tx.fetch_invite(&code)?.filter(|i| usable(i, tx.now()));
            let mut invite = found(invite, ResourceKind::Invite, &code)?;
            let server = invite.server_id;
            if tx.fetch_member(server, actor)?.is_some() {
                return found(tx.fetch_server(server)?, ResourceKind::Server, server);
            }
            let joined = crate::membership::add_member(tx, server, actor)?;
            invite.uses += 1;
            tx.update_invite(&invite);
            Ok(joined)
        })
        .await
    }

    /// Deletes an invite (its creator, or MANAGE_SERVER).
    pub async fn delete_invite(&self, actor: impl Into<Actor>, code: &str) -> Result<()> {
        let code = code.to_owned();
        let actor = actor.into();
        self.write(move |tx| {
            let invite = found(tx.fetch_invite(&code)?, ResourceKind::Invite, &code)?;
            let ctx = context(tx, invite.server_id, actor.user())?;
            if invite.inviter_id != actor.user() {
                ctx.require(Permissions::MANAGE_SERVER)?;
            }
            tx.delete_invite(&invite);
            record_change(
                tx,
                invite.server_id,
                &actor,
                AuditAction::InviteDelete,
                &invite.code,
                Some(&invite),
                None,
            );
            let payload = InviteDelete {
                code: invite.code.clone(),
                server_id: invite.server_id,
            };
            tx.emit(
                Event::InviteDelete(payload),
                Audience::users(vec![actor.user(), invite.inviter_id]),
            );
            Ok(())
        })
        .await
    }
}
