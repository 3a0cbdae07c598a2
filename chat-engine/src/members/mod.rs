//! Members: joining public servers, leaving, kicks and bans (with the deletion of the user's
//! recent messages) with the role hierarchy, timeouts, nicknames, voice moderation flags and
//! role assignment. Every moderation is recorded in the audit log.

use crate::access::delete_messages;
use crate::audit_trail::{Actor, record, record_change, set};
use crate::engine::Engine;
use crate::envelope::Audience;
use crate::error::{Error, ResourceKind, Result, found};
use crate::id::{MessageId, RoleId, ServerId, UserId};
use crate::limits::{MAX_BAN_DELETE_SECONDS, MAX_MEMBER_PAGE, MAX_TIMEOUT_SECONDS};
use crate::membership::add_member;
use crate::model::{
    AuditAction, Ban, Event, Member, MemberRemove, Message, MessageType, Permissions, Server,
    ServerDelete, Timestamp, UpdateMember,
};
use crate::permissions::{Context, context};
use crate::posting::post_system_message;
use crate::store::{ChannelStore, KvMut, MessageStore, Order, ServerStore, Tx, UserStore};
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
        .await?;
        self.refresh_voice_state(server, actor, None);
        Ok(())
    }

    /// Removes a member (KICK_MEMBERS, and a higher role than theirs). The actor's reason
    /// goes into `MEMBER_REMOVE` and the audit log.
    pub async fn kick_member(
        &self,
        actor: impl Into<Actor>,
        server: ServerId,
        user: UserId,
    ) -> Result<()> {
        let actor = actor.into();
        self.write(move |tx| {
            let ctx = context(tx, server, actor.user())?;
            ctx.require(Permissions::KICK_MEMBERS)?;
            let target = found(tx.fetch_member(server, user)?, ResourceKind::Member, user)?;
            if user == actor.user() {
                return Err(Error::forbidden("cannot kick yourself; leave instead"));
            }
            ctx.require_outranks(&target, "kick")?;
            let reason = actor.reason().unwrap_or_default().to_owned();
            remove_member(tx, ctx.server, user, Some(reason))?;
            record(
                tx,
                server,
                &actor,
                AuditAction::MemberKick,
                user,
                Vec::new(),
            );
            Ok(())
        })
        .await?;
        self.refresh_voice_state(server, user, None);
        Ok(())
    }

    /// Bans a user, removing them if they are a member (BAN_MEMBERS, and a higher role), and
    /// deletes their messages of the last `delete_message_seconds` (up to 7 days) in every
    /// channel of the server. The actor's reason is the ban's.
    pub async fn ban_member(
        &self,
        actor: impl Into<Actor>,
        server: ServerId,
        user: UserId,
        delete_message_seconds: u32,
    ) -> Result<Ban> {
        if delete_message_seconds > MAX_BAN_DELETE_SECONDS {
            return Err(Error::validation(
                "delete_message_seconds",
                format!("must be at most {MAX_BAN_DELETE_SECONDS} (7 days)"),
            ));
        }
        let actor = actor.into();
        let ban = self
            .write(move |tx| {
                let ctx = context(tx, server, actor.user())?;
                ctx.require(Permissions::BAN_MEMBERS)?;
                if user == actor.user() {
                    return Err(Error::forbidden("cannot ban yourself"));
                }
                found(tx.fetch_user(user)?, ResourceKind::User, user)?;
                let target = tx.fetch_member(server, user)?;
                if let Some(target) = &target {
                    ctx.require_outranks(target, "ban")?;
                }
                let ban = Ban {
                    created_at: tx.now(),
                    moderator_id: actor.user(),
                    reason: actor.reason().unwrap_or_default().to_owned(),
                    server_id: server,
                    user_id: user,
                };
                tx.update_ban(&ban);
                if target.is_some() {
                    remove_member(tx, ctx.server, user, Some(ban.reason.clone()))?;
                }
                let since = tx.now() - chrono::Duration::seconds(i64::from(delete_message_seconds));
                let deleted = delete_recent_messages(tx, server, user, since)?;
                let mut changed = Vec::new();
                if delete_message_seconds > 0 {
                    changed.push(set("delete_message_seconds", delete_message_seconds));
                    changed.push(set("messages_deleted", deleted));
                }
                let target = user;
                record(
                    tx,
                    server,
                    &actor,
                    AuditAction::MemberBanAdd,
                    target,
                    changed,
                );
                Ok(ban)
            })
            .await?;
        self.refresh_voice_state(server, user, None);
        Ok(ban)
    }

    /// Lifts a ban (BAN_MEMBERS).
    pub async fn unban_member(
        &self,
        actor: impl Into<Actor>,
        server: ServerId,
        user: UserId,
    ) -> Result<()> {
        let actor = actor.into();
        self.write(move |tx| {
            context(tx, server, actor.user())?.require(Permissions::BAN_MEMBERS)?;
            found(tx.fetch_ban(server, user)?, ResourceKind::User, user)?;
            tx.delete_ban(server, user);
            let target = user;
            record(
                tx,
                server,
                &actor,
                AuditAction::MemberBanRemove,
                target,
                Vec::new(),
            );
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
    /// MANAGE_NICKNAMES, server mute and deafen need KICK_MEMBERS, and a timeout needs
    /// MODERATE_MEMBERS, each above the target in the role hierarchy. Changes to another
    /// member go into the audit log.
    pub async fn update_member(
        &self,
        actor: impl Into<Actor>,
        server: ServerId,
        user: UserId,
        update: UpdateMember,
    ) -> Result<Member> {
        if let Some(nick) = &update.nickname {
            validate::text("nickname", nick, 32)?;
        }
        let actor = actor.into();
        let member = self
            .write(move |tx| {
                let ctx = context(tx, server, actor.user())?;
                let mut member = found(tx.fetch_member(server, user)?, ResourceKind::Member, user)?;
                let before = member.clone();
                let other = user != actor.user();
                if update.nickname.is_some() && other {
                    ctx.require(Permissions::MANAGE_NICKNAMES)?;
                    ctx.require_outranks(&member, "rename")?;
                }
                if update.is_muted.is_some() || update.is_deafened.is_some() {
                    ctx.require(Permissions::KICK_MEMBERS)?;
                    if other {
                        ctx.require_outranks(&member, "mute or deafen")?;
                    }
                }
                if let Some(until) = update.communication_disabled_until {
                    check_timeout(&ctx, &member, until, tx.now())?;
                    member.communication_disabled_until = until;
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
                if other {
                    let (before, after) = (Some(&before), Some(&member));
                    let action = AuditAction::MemberUpdate;
                    record_change(tx, server, &actor, action, user, before, after);
                }
                tx.emit(
                    Event::MemberUpdate(member.clone()),
                    Audience::server(server),
                );
                Ok(member)
            })
            .await?;
        self.refresh_voice_state(server, user, Some(&member));
        Ok(member)
    }

    /// Gives a member a role below the caller's highest (MANAGE_ROLES).
    pub async fn add_member_role(
        &self,
        actor: impl Into<Actor>,
        server: ServerId,
        user: UserId,
        role: RoleId,
    ) -> Result<Member> {
        self.change_member_roles(actor.into(), server, user, role, true)
            .await
    }

    /// Takes a role below the caller's highest from a member (MANAGE_ROLES).
    pub async fn remove_member_role(
        &self,
        actor: impl Into<Actor>,
        server: ServerId,
        user: UserId,
        role: RoleId,
    ) -> Result<Member> {
        self.change_member_roles(actor.into(), server, user, role, false)
            .await
    }

    async fn change_member_roles(
        &self,
        actor: Actor,
        server: ServerId,
        user: UserId,
        role: RoleId,
        add: bool,
    ) -> Result<Member> {
        self.write(move |tx| {
            let ctx = context(tx, server, actor.user())?;
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
            // Discord's keys: the roles added or removed.
            let key = if add { "$add" } else { "$remove" };
            let changed = vec![set(key, [role])];
            let target = user;
            record(
                tx,
                server,
                &actor,
                AuditAction::MemberRoleUpdate,
                target,
                changed,
            );
            tx.emit(
                Event::MemberUpdate(member.clone()),
                Audience::server(server),
            );
            Ok(member)
        })
        .await
    }
}

/// Checks a timeout (or its end) set on a member: MODERATE_MEMBERS, above the member, who
/// must not be an administrator, and no further than 28 days ahead.
fn check_timeout(
    ctx: &Context,
    member: &Member,
    until: Option<Timestamp>,
    now: Timestamp,
) -> Result<()> {
    ctx.require(Permissions::MODERATE_MEMBERS)?;
    if member.user_id == ctx.member.user_id {
        return Err(Error::forbidden("cannot time yourself out"));
    }
    ctx.require_outranks(member, "time out")?;
    let admin = ctx
        .roles_of(member)
        .iter()
        .any(|r| r.permissions.contains(Permissions::ADMINISTRATOR));
    if admin {
        return Err(Error::forbidden("administrators cannot be timed out"));
    }
    if let Some(until) = until
        && until > now + chrono::Duration::seconds(MAX_TIMEOUT_SECONDS)
    {
        return Err(Error::validation(
            "communication_disabled_until",
            "must be at most 28 days from now",
        ));
    }
    Ok(())
}

/// Deletes the user's messages sent since `since` in every channel and thread of the server;
/// answers how many.
fn delete_recent_messages(
    tx: &mut Tx<'_>,
    server: ServerId,
    user: UserId,
    since: Timestamp,
) -> Result<usize> {
    let since_ms = u64::try_from(since.timestamp_millis()).unwrap_or(0);
    // The smallest id made at `since`: message ids are ULIDs, ordered by time.
    let after = MessageId::from_ulid(ulid::Ulid::from_parts(since_ms, 0));
    let mut deleted = 0;
    for channel in tx.list_server_channels(server)? {
        let mut theirs: Vec<Message> = Vec::new();
        let mut cursor = Some(after);
        loop {
            let page = tx.list_messages(channel.id, cursor, None, Order::Ascending, 512)?;
            let Some(last) = page.last() else { break };
            cursor = Some(last.id);
            theirs.extend(page.into_iter().filter(|m| m.author_id == user));
        }
        deleted += theirs.len();
        delete_messages(tx, &channel, &theirs)?;
    }
    Ok(deleted)
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
