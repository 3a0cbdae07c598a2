//! DMs and group DMs after they are made: the owner adds and removes recipients (up to 10
//! participants), anyone leaves, recipients rename a group DM and set its icon, and closing a
//! DM hides it from one's list until a new message arrives.

use super::require_reachable;
use crate::access::viewable_channel;
use crate::engine::Engine;
use crate::envelope::Audience;
use crate::error::{Error, ResourceKind, Result, found};
use crate::id::{ChannelId, UserId};
use crate::limits::MAX_GROUP_DM;
use crate::model::{Channel, ChannelRecipient, ChannelType, Event, UpdateChannel};
use crate::store::{ChannelStore, KvMut, Tx, UserStore};
use crate::validate;

impl Engine {
    /// Adds a user to a group DM (its owner; a friend of theirs or someone sharing a server
    /// with them, who has not blocked them; 10 participants at most). Adding a recipient again
    /// changes nothing.
    pub async fn add_recipient(
        &self,
        actor: UserId,
        channel: ChannelId,
        user: UserId,
    ) -> Result<Channel> {
        self.write(move |tx| {
            let mut channel = owned_group_dm(tx, actor, channel)?;
            if channel.recipients.contains(&user) {
                return Ok(channel);
            }
            let joined = found(tx.fetch_user(user)?, ResourceKind::User, user)?.user;
            if channel.recipients.len() >= MAX_GROUP_DM {
                return Err(Error::validation(
                    "user_id",
                    format!("a group DM has at most {MAX_GROUP_DM} participants"),
                ));
            }
            require_reachable(tx, actor, user)?;
            channel.recipients.push(user);
            channel.updated_at = tx.now();
            tx.update_channel(&channel);
            tx.emit(
                Event::ChannelCreate(channel.clone()),
                Audience::users(vec![user]),
            );
            let payload = ChannelRecipient {
                channel_id: channel.id,
                user: joined,
            };
            tx.emit(
                Event::ChannelRecipientAdd(payload),
                Audience::users(channel.recipients.clone()),
            );
            Ok(channel)
        })
        .await
    }

    /// Takes a user out of a group DM: the owner removes anyone, anyone removes themselves
    /// (leaves). When the owner leaves, the next recipient owns it; the last one out deletes it.
    pub async fn remove_recipient(
        &self,
        actor: UserId,
        channel: ChannelId,
        user: UserId,
    ) -> Result<()> {
        self.write(move |tx| {
            let (channel, _) = viewable_channel(tx, actor, channel)?;
            if channel.kind != ChannelType::GroupDm {
                return Err(Error::validation("channel_id", "not a group DM"));
            }
            if user != actor && channel.owner_id != Some(actor) {
                return Err(Error::forbidden("only the group's owner removes others"));
            }
            if !channel.recipients.contains(&user) {
                return Err(Error::not_found(ResourceKind::User, user));
            }
            leave(tx, channel, user)
        })
        .await
    }
}

/// Renames a group DM or changes its icon (any recipient).
pub(super) fn update_private(
    tx: &mut Tx<'_>,
    mut channel: Channel,
    name: Option<String>,
    update: UpdateChannel,
) -> Result<Channel> {
    if channel.kind != ChannelType::GroupDm {
        return Err(Error::forbidden("only group DMs are renamed"));
    }
    let server_only = update.category_id.is_some()
        || update.position.is_some()
        || update.slow_mode_delay.is_some()
        || update.topic.is_some();
    if server_only {
        return Err(Error::validation(
            "body",
            "a group DM has only a name and an icon",
        ));
    }
    if let Some(name) = name {
        channel.name = name;
    }
    if let Some(icon) = update.icon_url {
        validate::text("icon_url", &icon, 2048)?;
        icon.trim().clone_into(&mut channel.icon_url);
    }
    channel.updated_at = tx.now();
    tx.update_channel_record(&channel);
    tx.emit(
        Event::ChannelUpdate(channel.clone()),
        Audience::users(channel.recipients.clone()),
    );
    Ok(channel)
}

/// `DELETE /channels/{id}` on a DM closes it for the caller; on a group DM, leaves it.
pub(super) fn close_private(tx: &mut Tx<'_>, channel: Channel, actor: UserId) -> Result<()> {
    if channel.kind == ChannelType::GroupDm {
        return leave(tx, channel, actor);
    }
    tx.close_channel(actor, channel.id);
    tx.emit(Event::ChannelDelete(channel), Audience::users(vec![actor]));
    Ok(())
}

/// A group DM the actor owns.
fn owned_group_dm(tx: &Tx<'_>, actor: UserId, id: ChannelId) -> Result<Channel> {
    let (channel, _) = viewable_channel(tx, actor, id)?;
    if channel.kind != ChannelType::GroupDm {
        return Err(Error::validation("channel_id", "not a group DM"));
    }
    if channel.owner_id != Some(actor) {
        return Err(Error::forbidden("only the group's owner adds people"));
    }
    Ok(channel)
}

/// Takes `user` out of the group DM, handing ownership on, or deletes it with the last one.
fn leave(tx: &mut Tx<'_>, mut channel: Channel, user: UserId) -> Result<()> {
    let audience = Audience::users(channel.recipients.clone());
    let left = found(tx.fetch_user(user)?, ResourceKind::User, user)?.user;
    channel.recipients.retain(|r| *r != user);
    tx.delete_user_channel(user, channel.id);
    if channel.recipients.is_empty() {
        crate::access::delete_channel_contents(tx, &channel)?;
        tx.delete_channel(&channel);
    } else {
        if channel.owner_id == Some(user) {
            channel.owner_id = channel.recipients.first().copied();
        }
        channel.updated_at = tx.now();
        tx.update_channel(&channel);
        tx.emit(
            Event::ChannelUpdate(channel.clone()),
            Audience::users(channel.recipients.clone()),
        );
    }
    let payload = ChannelRecipient {
        channel_id: channel.id,
        user: left,
    };
    tx.emit(Event::ChannelRecipientRemove(payload), audience);
    tx.emit(Event::ChannelDelete(channel), Audience::users(vec![user]));
    Ok(())
}
