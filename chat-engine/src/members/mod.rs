//! Members: joining public servers, leaving, kicks and bans with the role hierarchy,
//! nicknames, voice moderation flags and role assignment.

use crate::engine::Engine;
use crate::envelope::Audience;
use crate::error::{Error, ResourceKind, Result, found};
use crate::id::{RoleId, ServerId, UserId};
use crate::limits::MAX_MEMBER_PAGE;
use crate::membership::add_member;
use crate::model::{
    Ban, Event, Member, MemberRemove, MessageType, Permissions, Server, ServerDelete, UpdateMember,
};
use crate::permissions::context;
use crate::posting::post_system_message;
use crate::store::{KvMut, ServerStore, Tx, UserStore};
use crate::validate;

impl Engine {
    /// Joins a public server without an invite.
    pub async fn join_server(&self, actor: UserId, server: ServerId) -> Result<Server> {
        self.write(move |tx| {
            let found_server = found(tx.fetch_server(server)?, ResourceKind::Server, server)?;
            if tx.fetch_member(server, actor)?.is_some() {
                return Ok(found_server);
            }
            if !found_server.is_public {
                return Err(Error::not_found(ResourceKind::Server, server));
            }
            add_member(tx, server, actor)
        })
        .await
    }

    /// Leaves a server (the owner cannot; they delete it instead).
    pub async fn leave_server(&self, actor: UserId, server: ServerId) -> Result<()> {
        self.write(move |tx| {
            let ctx = context(tx, server, actor)?;
            if ctx.server.owner_id == actor {
                return Err(Error::forbidden(
                    "the owner cannot leave; delete the server instead",
                ));
            }
            remove_member(tx, ctx.server, actor, None)
        })
        .await
    }

    /// Removes a member (KICK_MEMBERS, and a higher role than theirs).
    pub async fn kick_member(
        &self,
        actor: UserId,
        server: ServerId,
        user: UserId,
        reason: &str,
    ) -> Result<()> {
        validate::text("reason", reason, 512)?;
        let reason = reason.trim().to_owned();
        self.write(move |tx| {
            let ctx = context(tx, server, actor)?;
            ctx.require(Permissions::KICK_MEMBERS)?;
            let target = found(tx.fetch_member(server, user)?, ResourceKind::Member, user)?;
            if user == actor {
                return Err(Error::forbidden("cannot kick yourself; leave instead"));
            }
            ctx.require_outranks(&target, "kick")?;
            remove_member(tx, ctx.server, user, Some(reason))
        })
        .await
    }

    /// Bans a user, removing them if they are a member (BAN_MEMBERS, and a higher role).
    pub async fn ban_member(
        &self,
        actor: UserId,
        server: ServerId,
        user: UserId,
        reason: &str,
    ) -> Result<Ban> {
        validate::text("reason", reason, 512)?;
        let reason = reason.trim().to_owned();
        self.write(move |tx| {
            let ctx = context(tx, server, actor)?;
            ctx.require(Permissions::BAN_MEMBERS)?;
            if user == actor {
                return Err(Error::forbidden("cannot ban yourself"));
            }
            found(tx.fetch_user(user)?, ResourceKind::User, user)?;
            let target = tx.fetch_member(server, user)?;
            if let Some(target) = &target {
                ctx.require_outranks(target, "ban")?;
            }
            let ban = Ban {
                created_at: tx.now(),
                moderator_id: actor,
                reason,
                server_id: server,
                user_id: user,
            };
            tx.update_ban(&ban);
            if target.is_some() {
                remove_member(tx, ctx.server, user, Some(ban.reason.clone()))?;
            }
            Ok(ban)
        })
        .await
    }

    /// Lifts a ban (BAN_MEMBERS).
    pub async fn unban_member(&self, actor: UserId, server: ServerId, user: UserId) -> Result<()> {
        self.write(move |tx| {
            context(tx, server, actor)?.require(Permissions::BAN_MEMBERS)?;
            found(tx.fetch_ban(server, user)?, ResourceKind::User, user)?;
            tx.delete_ban(server, user);
            Ok(())
        })
        .await
    }

    /// Lists a server's bans (BAN_MEMBERS).
    pub fn list_bans(&self, actor: UserId, server: ServerId) -> Result<Vec<Ban>> {
        let reader = self.read()?;
        context(&reader, server, actor)?.require(Permissions::BAN_MEMBERS)?;
        reader.list_bans(server)
    }

    /// Lists up to `limit` (1 to 1,000) members with user ids after `after` (members only).
    pub fn list_members(
        &self,
        actor: UserId,
        server: ServerId,
        after: Option<UserId>,
        limit: usize,
    ) -> Result<Vec<Member>> {
        if !(1..=MAX_MEMBER_PAGE).contains(&limit) {
            return Err(Error::validation(
                "limit",
                format!("must be 1 to {MAX_MEMBER_PAGE}"),
            ));
        }
        let reader = self.read()?;
        context(&reader, server, actor)?;
        reader.list_members(server, after, limit)
    }

    /// Fetches a member (members only).
    pub fn fetch_member(&self, actor: UserId, server: ServerId, user: UserId) -> Result<Member> {
        let reader = self.read()?;
        context(&reader, server, actor)?;
        found(
            reader.fetch_member(server, user)?,
            ResourceKind::Member,
            user,
        )
    }

    /// Changes a member. Anyone may change their own nickname; another's nickname needs
    /// MANAGE_SERVER, and server mute and deafen need KICK_MEMBERS, both above the target.
    pub async fn update_member(
        &self,
        actor: UserId,
        server: ServerId,
        user: UserId,
        update: UpdateMember,
    ) -> Result<Member> {
        if let Some(nick) = &update.nickname {
            validate::text("nickname", nick, 32)?;
        }
        let member = self
            .write(move |tx| {
                let ctx = context(tx, server, actor)?;
                let mut member = found(tx.fetch_member(server, user)?, ResourceKind::Member, user)?;
                if update.nickname.is_some() && user != actor {
                    ctx.require(Permissions::MANAGE_SERVER)?;
                    ctx.require_outranks(&member, "rename")?;
                }
                if update.is_muted.is_some() || update.is_deafened.is_some() {
                    ctx.require(Permissions::KICK_MEMBERS)?;
                    if user != actor {
                        ctx.require_outranks(&member, "mute or deafen")?;
                    }
                }
                if let Some(nick) = update.nickname {
                    nick.trim().clone_into(&mut member.nickname);
                }
                if let Some(muted) = update.is_muted {
                    member.is_muted = muted;
                }
                if let Some(deafened) = update.is_deafened {
                    member.is_deafened = deafened;
                }
                tx.update_member(&member);
                tx.emit(
                    Event::MemberUpdate(member.clone()),
                    Audience::server(server),
                );
                Ok(member)
            })
            .await?;
        self.refresh_voice_state(server, user, member.is_muted, member.is_deafened);
        Ok(member)
    }

    /// Gives a member a role below the caller's highest (MANAGE_ROLES).
    pub async fn add_member_role(
        &self,
        actor: UserId,
        server: ServerId,
        user: UserId,
        role: RoleId,
    ) -> Result<Member> {
        self.change_member_roles(actor, server, user, role, true)
            .await
    }

    /// Takes a role below the caller's highest from a member (MANAGE_ROLES).
    pub async fn remove_member_role(
        &self,
        actor: UserId,
        server: ServerId,
        user: UserId,
        role: RoleId,
    ) -> Result<Member> {
        self.change_member_roles(actor, server, user, role, false)
            .await
    }

    async fn change_member_roles(
        &self,
        actor: UserId,
        server: ServerId,
        user: UserId,
        role: RoleId,
        add: bool,
    ) -> Result<Member> {
        self.write(move |tx| {
            let ctx = context(tx, server, actor)?;
            ctx.require(Permissions::MANAGE_ROLES)?;
            let target_role = ctx.roles.iter().find(|r| r.id == role);
            let target_role = found(target_role, ResourceKind::Role, role)?;
            if target_role.is_default {
                return Err(Error::validation("role_id", "every member holds @everyone"));
            }
            ctx.require_above(target_role.position, "the role")?;
            let mut member = found(tx.fetch_member(server, user)?, ResourceKind::Member, user)?;
            let had = member.role_ids.contains(&role);
            if add && !had {
                member.role_ids.push(role);
            } else if !add && had {
                member.role_ids.retain(|r| *r != role);
            } else {
                return Ok(member);
            }
            tx.update_member(&member);
            tx.emit(
                Event::MemberUpdate(member.clone()),
                Audience::server(server),
            );
            Ok(member)
        })
        .await
    }
}

/// Removes a member: membership, count, events (with the moderator's reason), and a leave
/// message when they left by choice (no reason).
fn remove_member(
    tx: &mut Tx<'_>,
    mut server: Server,
    user: UserId,
    reason: Option<String>,
) -> Result<()> {
    tx.delete_member(server.id, user);
    server.member_count = server.member_count.saturating_sub(1);
    tx.update_server(&server);
    let left = reason.is_none();
    let reason = reason.filter(|r| !r.is_empty());
    let payload = MemberRemove {
        reason,
        server_id: server.id,
        user_id: user,
    };
    tx.emit(
        Event::MemberRemove(payload),
        Audience::server(server.id).and_user(user),
    );
    tx.emit(
        Event::ServerDelete(ServerDelete { id: server.id }),
        Audience::users(vec![user]),
    );
    if left {
        post_system_message(tx, &server, user, MessageType::SystemLeave)?;
    }
    Ok(())
}
