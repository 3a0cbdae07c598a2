//! Channels: text and voice channels in servers with their permission overwrites, DMs and
//! group DMs (`group_dms.rs`: recipients, leaving, renaming, closing).

mod group_dms;
mod positions;

use crate::access::{delete_channel_contents, viewable_channel};
use crate::audit_trail::{Actor, changes, record, record_change, set};
use crate::engine::Engine;
use crate::envelope::Audience;
use crate::error::{Error, ResourceKind, Result, found};
use crate::id::{ChannelId, ServerId, UserId};
use crate::limits::MAX_GROUP_DM;
use crate::model::{
    AuditAction, Channel, ChannelType, CreateChannel, CreateGroupDm, Event, OverwriteType,
    PermissionOverwrite, Permissions, UpdateChannel,
};
use crate::permissions::{Context, context, resolve};
use crate::store::{ChannelStore, KvMut, RelationshipStore, ServerStore, Tx, UserStore};
use crate::validate;

/// Longest slow mode: six hours.
const MAX_SLOW_MODE: u32 = 6 * 3600;

impl Engine {
    /// Creates a text or voice channel (MANAGE_CHANNELS). A private channel denies
    /// VIEW_CHANNEL to @everyone and lets its creator in.
    pub async fn create_channel(
        &self,
        actor: impl Into<Actor>,
        server: ServerId,
        request: CreateChannel,
    ) -> Result<Channel> {
        if !matches!(request.kind, ChannelType::Text | ChannelType::Voice) {
            return Err(Error::validation(
                "type",
                "must be text or voice (threads and DMs have their own calls)",
            ));
        }
        let name = validate::name("name", &request.name, 100)?;
        validate::text("topic", &request.topic, 1024)?;
        slow_mode(request.slow_mode_delay)?;
        let actor = actor.into();
        self.write(move |tx| {
            let ctx = context(tx, server, actor.user())?;
            ctx.require(Permissions::MANAGE_CHANNELS)?;
            if let Some(category) = request.category_id
                && !tx.list_categories(server)?.iter().any(|c| c.id == category)
            {
                return Err(Error::validation(
                    "category_id",
                    "no such category in this server",
                ));
            }
            let position = match request.position {
                Some(p) => p,
                None => tx.list_server_channels(server)?.len() as i32,
            };
            let mut overwrites = Vec::new();
            if request.is_private {
                let view = Permissions::VIEW_CHANNEL;
                overwrites.push(PermissionOverwrite {
                    allow: Permissions::empty(),
                    deny: view,
                    id: server.ulid(),
                    kind: OverwriteType::Role,
                });
                overwrites.push(PermissionOverwrite {
                    allow: view,
                    deny: Permissions::empty(),
                    id: actor.user().ulid(),
                    kind: OverwriteType::Member,
                });
            }
            let now = tx.now();
            let channel = Channel {
                category_id: request.category_id,
                created_at: now,
                id: tx.new_id(),
                icon_url: String::new(),
                is_private: request.is_private,
                last_message_at: None,
                last_message_id: None,
                member_count: None,
                message_count: None,
                name,
                nsfw: false,
                owner_id: None,
                parent_id: None,
                permission_overwrites: overwrites,
                position,
                recipients: Vec::new(),
                server_id: Some(server),
                slow_mode_delay: request.slow_mode_delay,
                thread_metadata: None,
                topic: request.topic.trim().to_owned(),
                kind: request.kind,
                updated_at: now,
            };
            tx.update_channel(&channel);
            record_change(
                tx,
                server,
                &actor,
                AuditAction::ChannelCreate,
                channel.id,
                None,
                Some(&channel),
            );
            tx.emit(
                Event::ChannelCreate(channel.clone()),
                Audience::channel(Some(server), channel.id, &[]),
            );
            Ok(channel)
        })
        .await
    }

    /// Fetches a channel the caller can view.
    pub fn fetch_channel(&self, actor: UserId, id: ChannelId) -> Result<Channel> {
        let reader = self.read()?;
        Ok(viewable_channel(&reader, actor, id)?.0)
    }

    /// Lists the channels of a server that the caller can view (threads included).
    pub fn list_channels(&self, actor: UserId, server: ServerId) -> Result<Vec<Channel>> {
        let reader = self.read()?;
        let ctx = context(&reader, server, actor)?;
        let mut visible = Vec::new();
        for channel in reader.list_server_channels(server)? {
            if ctx
                .channel_permissions(&reader, &channel)?
                .contains(Permissions::VIEW_CHANNEL)
            {
                visible.push(channel);
            }
        }
        Ok(visible)
    }

    /// Changes a channel's settings (MANAGE_CHANNELS in it); a group DM's name and icon (its
    /// recipients).
    pub async fn update_channel(
        &self,
        actor: impl Into<Actor>,
        id: ChannelId,
        update: UpdateChannel,
    ) -> Result<Channel> {
        let name = update
            .name
            .as_deref()
            .map(|n| validate::name("name", n, 100))
            .transpose()?;
        if let Some(topic) = &update.topic {
            validate::text("topic", topic, 1024)?;
        }
        if let Some(delay) = update.slow_mode_delay {
            slow_mode(delay)?;
        }
        let actor = actor.into();
        self.write(move |tx| {
            let (private, _) = viewable_channel(tx, actor.user(), id)?;
            if private.server_id.is_none() {
                return group_dms::update_private(tx, private, name, update);
            }
            let (ctx, mut channel) = managed_channel(tx, actor.user(), id)?;
            if channel.kind == ChannelType::Thread {
                return Err(Error::validation(
                    "channel_id",
                    "threads change with update_thread",
                ));
            }
            let before = channel.clone();
            if let Some(Some(category)) = update.category_id
                && !tx
                    .list_categories(ctx.server.id)?
                    .iter()
                    .any(|c| c.id == category)
            {
                return Err(Error::validation(
                    "category_id",
                    "no such category in this server",
                ));
            }
            if let Some(name) = name {
                channel.name = name;
            }
            if let Some(topic) = update.topic {
                topic.trim().clone_into(&mut channel.topic);
            }
            if let Some(position) = update.position {
                channel.position = position;
            }
            if let Some(delay) = update.slow_mode_delay {
                channel.slow_mode_delay = delay;
            }
            if let Some(category) = update.category_id {
                channel.category_id = category;
            }
            if let Some(nsfw) = update.nsfw {
                channel.nsfw = nsfw;
            }
            if let Some(private) = update.is_private
                && private != channel.is_private
            {
                set_private(&mut channel, private, actor.user(), ctx.server.id);
            }
            channel.updated_at = tx.now();
            tx.update_channel(&channel);
            record_change(
                tx,
                ctx.server.id,
                &actor,
                AuditAction::ChannelUpdate,
                id,
                Some(&before),
                Some(&channel),
            );
            tx.emit(
                Event::ChannelUpdate(channel.clone()),
                Audience::channel(channel.server_id, id, &[]),
            );
            Ok(channel)
        })
        .await
    }

    /// Deletes a server channel with its messages and threads (MANAGE_CHANNELS in it); closes
    /// a DM (hidden until a new message) or leaves a group DM.
    pub async fn delete_channel(&self, actor: impl Into<Actor>, id: ChannelId) -> Result<()> {
        let actor = actor.into();
        self.write(move |tx| {
            let (private, _) = viewable_channel(tx, actor.user(), id)?;
            if private.server_id.is_none() {
                return group_dms::close_private(tx, private, actor.user());
            }
            let (ctx, channel) = managed_channel(tx, actor.user(), id)?;
            if channel.kind == ChannelType::Thread {
                return Err(Error::validation(
                    "channel_id",
                    "threads are deleted with delete_thread",
                ));
            }
            let server = ctx.server.id;
            // Once deleted, nobody's view can be computed: name the viewers now.
            let viewers = Audience::users(viewers_of(tx, server, &channel)?);
            for thread in tx
                .list_server_channels(server)?
                .into_iter()
                .filter(|c| c.parent_id == Some(id))
            {
                delete_channel_contents(tx, &thread)?;
                tx.delete_channel(&thread);
                tx.emit(Event::ChannelDelete(thread), viewers.clone());
            }
            delete_channel_contents(tx, &channel)?;
            tx.delete_channel(&channel);
            record_change(
                tx,
                server,
                &actor,
                AuditAction::ChannelDelete,
                id,
                Some(&channel),
                None,
            );
            if ctx.server.system_channel_id == Some(id) {
                let mut updated = ctx.server.clone();
                updated.system_channel_id = None;
                tx.update_server(&updated);
                tx.emit(Event::ServerUpdate(updated), Audience::server(server));
            }
            tx.emit(Event::ChannelDelete(channel), viewers);
            Ok(())
        })
        .await
    }

    /// Sets a role's or member's overwrite in a channel (MANAGE_CHANNELS in it; only flags the
    /// caller holds may be allowed or denied, unless the caller is owner or administrator).
    pub async fn set_permission_overwrite(
        &self,
        actor: impl Into<Actor>,
        id: ChannelId,
        overwrite: PermissionOverwrite,
    ) -> Result<Channel> {
        let actor = actor.into();
        self.write(move |tx| {
            let (ctx, mut channel) = managed_channel(tx, actor.user(), id)?;
            if channel.kind == ChannelType::Thread {
                return Err(Error::validation(
                    "channel_id",
                    "threads take their parent's overwrites",
                ));
            }
            let server = ctx.server.id;
            let target_exists = match overwrite.kind {
                OverwriteType::Role => ctx.roles.iter().any(|r| r.id.ulid() == overwrite.id),
                OverwriteType::Member => tx
                    .fetch_member(server, crate::id::Id::from_ulid(overwrite.id))?
                    .is_some(),
            };
            if !target_exists {
                return Err(Error::validation(
                    "id",
                    "no such role or member in this server",
                ));
            }
            if !ctx.is_above_hierarchy() {
                let held = ctx.channel_permissions(tx, &channel)?;
                crate::permissions::resolve::missing(held, overwrite.allow | overwrite.deny)?;
            }
            let previous = channel
                .permission_overwrites
                .iter()
                .find(|o| o.id == overwrite.id && o.kind == overwrite.kind)
                .copied();
            channel
                .permission_overwrites
                .retain(|o| !(o.id == overwrite.id && o.kind == overwrite.kind));
            channel.permission_overwrites.push(overwrite);
            channel.updated_at = tx.now();
            tx.update_channel(&channel);
            let mut changed = vec![set("id", overwrite.id.to_string())];
            changed.extend(changes(previous.as_ref(), Some(&overwrite)));
            let target = id;
            record(
                tx,
                server,
                &actor,
                AuditAction::OverwriteUpdate,
                target,
                changed,
            );
            let mut audience = Audience::channel(Some(server), id, &[]);
            if overwrite.kind == OverwriteType::Member {
                audience = audience.and_user(crate::id::Id::from_ulid(overwrite.id));
            }
            tx.emit(Event::ChannelUpdate(channel.clone()), audience);
            Ok(channel)
        })
        .await
    }

    /// Removes the overwrite for a role or member (MANAGE_CHANNELS in the channel).
    pub async fn delete_permission_overwrite(
        &self,
        actor: impl Into<Actor>,
        id: ChannelId,
        target: ulid::Ulid,
    ) -> Result<Channel> {
        let actor = actor.into();
        self.write(move |tx| {
            let (ctx, mut channel) = managed_channel(tx, actor.user(), id)?;
            let removed = channel
                .permission_overwrites
                .iter()
                .find(|o| o.id == target)
                .copied();
            let Some(removed) = removed else {
                return Err(Error::not_found(ResourceKind::Role, target));
            };
            channel.permission_overwrites.retain(|o| o.id != target);
            channel.updated_at = tx.now();
            tx.update_channel(&channel);
            let mut changed = vec![set("id", target.to_string())];
            changed.extend(changes(Some(&removed), None));
            let entry_target = id;
            record(
                tx,
                ctx.server.id,
                &actor,
                AuditAction::OverwriteUpdate,
                entry_target,
                changed,
            );
            let audience = Audience::channel(Some(ctx.server.id), id, &[]);
            tx.emit(Event::ChannelUpdate(channel.clone()), audience);
            Ok(channel)
        })
        .await
    }

    /// Opens (or returns, shown again if the caller closed it) the DM channel with a friend or
    /// someone who shares a server with the caller, unless either blocked the other.
    pub async fn open_dm(&self, actor: UserId, recipient: UserId) -> Result<Channel> {
        if actor == recipient {
            return Err(Error::validation(
                "recipient_id",
                "cannot open a DM with yourself",
            ));
        }
        self.write(move |tx| {
            if let Some(existing) = tx.fetch_dm_pair(actor, recipient)? {
                let channel = found(tx.fetch_channel(existing)?, ResourceKind::Channel, existing)?;
                if tx.reopen_channel(actor, existing)? {
                    tx.emit(
                        Event::ChannelCreate(channel.clone()),
                        Audience::users(vec![actor]),
                    );
                }
                return Ok(channel);
            }
            found(tx.fetch_user(recipient)?, ResourceKind::User, recipient)?;
            require_reachable(tx, actor, recipient)?;
            let channel = private_channel(
                tx,
                ChannelType::Dm,
                String::new(),
                None,
                vec![actor, recipient],
            );
            tx.update_channel(&channel);
            tx.update_dm_pair(actor, recipient, channel.id);
            tx.emit(
                Event::ChannelCreate(channel.clone()),
                Audience::users(channel.recipients.clone()),
            );
            Ok(channel)
        })
        .await
    }

    /// Opens a group DM with 1 to 9 other users, each a friend of the caller or sharing a
    /// server with them, and neither blocking the other.
    pub async fn create_group_dm(&self, actor: UserId, request: CreateGroupDm) -> Result<Channel> {
        let mut recipients = request.recipients.clone();
        recipients.sort();
        recipients.dedup();
        recipients.retain(|r| *r != actor);
        if !(1..MAX_GROUP_DM).contains(&recipients.len()) {
            return Err(Error::validation(
                "recipients",
                "must name 1 to 9 other users",
            ));
        }
        validate::text("name", &request.name, 100)?;
        self.write(move |tx| {
            for user in &recipients {
                found(tx.fetch_user(*user)?, ResourceKind::User, user)?;
                require_reachable(tx, actor, *user)?;
            }
            recipients.insert(0, actor);
            let channel = private_channel(
                tx,
                ChannelType::GroupDm,
                request.name.trim().to_owned(),
                Some(actor),
                recipients,
            );
            tx.update_channel(&channel);
            tx.emit(
                Event::ChannelCreate(channel.clone()),
                Audience::users(channel.recipients.clone()),
            );
            Ok(channel)
        })
        .await
    }

    /// Lists the caller's DMs and group DMs, but the DMs they closed.
    pub fn list_dm_channels(&self, actor: UserId) -> Result<Vec<Channel>> {
        let reader = self.read()?;
        let mut open = Vec::new();
        for channel in reader.list_user_channels(actor)? {
            if !reader.is_channel_closed(actor, channel.id)? {
                open.push(channel);
            }
        }
        Ok(open)
    }
}

/// Makes a channel private (@everyone's overwrite denies VIEW_CHANNEL, and the one who made
/// it private keeps it) or open again (that denial lifted).
fn set_private(channel: &mut Channel, private: bool, actor: UserId, server: ServerId) {
    let view = Permissions::VIEW_CHANNEL;
    channel.is_private = private;
    let everyone = server.ulid();
    let overwrites = &mut channel.permission_overwrites;
    match overwrites
        .iter_mut()
        .find(|o| o.kind == OverwriteType::Role && o.id == everyone)
    {
        Some(o) if private => {
            o.deny |= view;
            o.allow -= view;
        }
        Some(o) => o.deny -= view,
        None if private => overwrites.push(PermissionOverwrite {
            allow: Permissions::empty(),
            deny: view,
            id: everyone,
            kind: OverwriteType::Role,
        }),
        None => {}
    }
    overwrites.retain(|o| !(o.allow.is_empty() && o.deny.is_empty()));
    if private
        && !overwrites
            .iter()
            .any(|o| o.kind == OverwriteType::Member && o.id == actor.ulid())
    {
        overwrites.push(PermissionOverwrite {
            allow: view,
            deny: Permissions::empty(),
            id: actor.ulid(),
            kind: OverwriteType::Member,
        });
    }
}

fn slow_mode(delay: u32) -> Result<()> {
    if delay > MAX_SLOW_MODE {
        return Err(Error::validation(
            "slow_mode_delay",
            format!("must be at most {MAX_SLOW_MODE} seconds"),
        ));
    }
    Ok(())
}

/// A server channel the user may manage, with the user's context.
fn managed_channel(tx: &Tx<'_>, actor: UserId, id: ChannelId) -> Result<(Context, Channel)> {
    let (channel, _) = viewable_channel(tx, actor, id)?;
    let Some(server) = channel.server_id else {
        return Err(Error::forbidden("DM channels cannot be managed"));
    };
    let ctx = context(tx, server, actor)?;
    ctx.require_in(tx, &channel, Permissions::MANAGE_CHANNELS)?;
    Ok((ctx, channel))
}

/// The members of a server who can view a channel.
fn viewers_of(tx: &Tx<'_>, server: ServerId, channel: &Channel) -> Result<Vec<UserId>> {
    let mut viewers = Vec::new();
    for member in tx.list_members(server, None, usize::MAX)? {
        if resolve(tx, member.user_id, channel.id)?.contains(Permissions::VIEW_CHANNEL) {
            viewers.push(member.user_id);
        }
    }
    Ok(viewers)
}

/// Fails unless `a` may bring `b` into a DM or group DM: neither blocked the other, and
/// they are friends or share a server.
fn require_reachable(tx: &Tx<'_>, a: UserId, b: UserId) -> Result<()> {
    if tx.blocked_between(a, b)? {
        return Err(Error::forbidden("you cannot message this user"));
    }
    if tx.are_friends(a, b)? {
        return Ok(());
    }
    let theirs = tx.list_user_servers(b)?;
    if tx.list_user_servers(a)?.iter().any(|s| theirs.contains(s)) {
        Ok(())
    } else {
        Err(Error::forbidden(
            "you are not friends and share no server with this user",
        ))
    }
}

fn private_channel(
    tx: &mut Tx<'_>,
    kind: ChannelType,
    name: String,
    owner: Option<UserId>,
    recipients: Vec<UserId>,
) -> Channel {
    let now = tx.now();
    Channel {
        category_id: None,
        created_at: now,
        id: tx.new_id(),
        icon_url: String::new(),
        is_private: true,
        last_message_at: None,
        last_message_id: None,
        member_count: None,
        message_count: None,
        name,
        nsfw: false,
        owner_id: owner,
        parent_id: None,
        permission_overwrites: Vec::new(),
        position: 0,
        recipients,
        server_id: None,
        slow_mode_delay: 0,
        thread_metadata: None,
        topic: String::new(),
        kind,
        updated_at: now,
    }
}
