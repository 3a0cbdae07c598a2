//! Roles: creation, changes, deletion and the hierarchy rules that guard them; and
//! explanations of permissions.

use crate::access::viewable_channel;
use crate::audit_trail::{Actor, record_change};
use crate::engine::Engine;
use crate::envelope::Audience;
use crate::error::{Error, ResourceKind, Result, found};
use crate::id::{ChannelId, RoleId, ServerId, UserId};
use crate::model::{AuditAction, CreateRole, Event, Permissions, Role, RoleDelete, UpdateRole};
use crate::permissions::{Context, Explanation, context, explain_for};
use crate::store::{KvMut, ServerStore};
use crate::validate;

impl Engine {
    /// Creates a role just above @everyone (MANAGE_ROLES; only flags the caller holds).
    pub async fn create_role(
        &self,
        actor: impl Into<Actor>,
        server: ServerId,
        request: CreateRole,
    ) -> Result<Role> {
        let name = validate::name("name", &request.name, 100)?;
        color(request.color)?;
        let actor = actor.into();
        self.write(move |tx| {
            let ctx = context(tx, server, actor.user())?;
            ctx.require(Permissions::MANAGE_ROLES)?;
            grantable(&ctx, request.permissions)?;
            for mut other in ctx.roles.iter().filter(|r| !r.is_default).cloned() {
                other.position += 1;
                tx.update_role(&other);
                tx.emit(Event::RoleUpdate(other.clone()), Audience::server(server));
            }
            let role = Role {
                color: request.color,
                created_at: tx.now(),
                id: tx.new_id(),
                is_default: false,
                is_mentionable: request.is_mentionable,
                name,
                permissions: request.permissions,
                position: 1,
                server_id: server,
            };
            tx.update_role(&role);
            record_change(
                tx,
                server,
                &actor,
                AuditAction::RoleCreate,
                role.id,
                None,
                Some(&role),
            );
            tx.emit(Event::RoleCreate(role.clone()), Audience::server(server));
            Ok(role)
        })
        .await
    }

    /// Lists a server's roles by position (members only).
    pub fn list_roles(&self, actor: UserId, server: ServerId) -> Result<Vec<Role>> {
        let reader = self.read()?;
        Ok(context(&reader, server, actor)?.roles)
    }

    /// Changes a role below the caller's highest (MANAGE_ROLES). @everyone keeps its name and
    /// position.
    pub async fn update_role(
        &self,
        actor: impl Into<Actor>,
        server: ServerId,
        role: RoleId,
        update: UpdateRole,
    ) -> Result<Role> {
        let name = update
            .name
            .as_deref()
            .map(|n| validate::name("name", n, 100))
            .transpose()?;
        if let Some(c) = update.color {
            color(c)?;
        }
        let actor = actor.into();
        self.write(move |tx| {
            let ctx = context(tx, server, actor.user())?;
            ctx.require(Permissions::MANAGE_ROLES)?;
            let mut target = found(
                ctx.roles.iter().find(|r| r.id == role).cloned(),
                ResourceKind::Role,
                role,
            )?;
            if !target.is_default {
                ctx.require_above(target.position, "the role")?;
            }
            let before = target.clone();
            if let Some(permissions) = update.permissions {
                grantable(&ctx, permissions ^ target.permissions)?;
                target.permissions = permissions;
            }
            if target.is_default && (name.is_some() || update.position.is_some()) {
                return Err(Error::validation(
                    "name",
                    "@everyone cannot be renamed or moved",
                ));
            }
            if let Some(position) = update.position {
                if position < 1 {
                    return Err(Error::validation("position", "must be 1 or more"));
                }
                ctx.require_above(position, "the new position")?;
                target.position = position;
            }
            if let Some(name) = name {
                target.name = name;
            }
            if let Some(c) = update.color {
                target.color = c;
            }
            if let Some(m) = update.is_mentionable {
                target.is_mentionable = m;
            }
            tx.update_role(&target);
            record_change(
                tx,
                server,
                &actor,
                AuditAction::RoleUpdate,
                role,
                Some(&before),
                Some(&target),
            );
            tx.emit(Event::RoleUpdate(target.clone()), Audience::server(server));
            Ok(target)
        })
        .await
    }

    /// Deletes a role below the caller's highest, taking it from every member (MANAGE_ROLES).
    pub async fn delete_role(
        &self,
        actor: impl Into<Actor>,
        server: ServerId,
        role: RoleId,
    ) -> Result<()> {
        let actor = actor.into();
        self.write(move |tx| {
            let ctx = context(tx, server, actor.user())?;
            ctx.require(Permissions::MANAGE_ROLES)?;
            let target = found(
                ctx.roles.iter().find(|r| r.id == role),
                ResourceKind::Role,
                role,
            )?;
            if target.is_default {
                return Err(Error::forbidden("@everyone cannot be deleted"));
            }
            ctx.require_above(target.position, "the role")?;
            for mut member in tx.list_members(server, None, usize::MAX)? {
                if member.role_ids.contains(&role) {
                    member.role_ids.retain(|r| *r != role);
                    tx.update_member(&member);
                    tx.emit(Event::MemberUpdate(member), Audience::server(server));
                }
            }
            tx.delete_role(server, role);
            record_change(
                tx,
                server,
                &actor,
                AuditAction::RoleDelete,
                role,
                Some(target),
                None,
            );
            tx.emit(
                Event::RoleDelete(RoleDelete {
                    role_id: role,
                    server_id: server,
                }),
                Audience::server(server),
            );
            Ok(())
        })
        .await
    }

    /// The caller's own permissions server-wide, or in a channel.
    pub fn permissions(
        &self,
        actor: UserId,
        server: ServerId,
        channel: Option<ChannelId>,
    ) -> Result<Permissions> {
        let reader = self.read()?;
        let ctx = context(&reader, server, actor)?;
        match channel {
            None => Ok(ctx.server_permissions()),
            Some(id) => {
                let (channel, _) = viewable_channel(&reader, actor, id)?;
                ctx.channel_permissions(&reader, &channel)
            }
        }
    }

    /// Explains why `user` has or lacks `permission` server-wide or in a channel. Members may
    /// ask about themselves; asking about others needs MANAGE_ROLES.
    pub fn explain_permission(
        &self,
        actor: UserId,
        server: ServerId,
        user: UserId,
        channel: Option<ChannelId>,
        permission: Permissions,
    ) -> Result<Explanation> {
        let reader = self.read()?;
        let ctx = context(&reader, server, actor)?;
        if user != actor {
            ctx.require(Permissions::MANAGE_ROLES)?;
        }
        let channel = channel
            .map(|id| viewable_channel(&reader, actor, id).map(|(channel, _)| channel))
            .transpose()?;
        if channel
            .as_ref()
            .is_some_and(|c| c.server_id != Some(server))
        {
            return Err(Error::validation(
                "channel_id",
                "the channel is not in this server",
            ));
        }
        explain_for(&reader, server, user, channel.as_ref(), permission)
    }
}

fn color(c: u32) -> Result<()> {
    if c > 0xFF_FFFF {
        return Err(Error::validation(
            "color",
            "must be an RGB value up to 0xFFFFFF",
        ));
    }
    Ok(())
}

/// Only the owner and administrators may grant flags they do not hold.
fn grantable(ctx: &Context, flags: Permissions) -> Result<()> {
    if ctx.is_above_hierarchy() {
        return Ok(());
    }
    crate::permissions::resolve::missing(ctx.server_permissions(), flags)
}
