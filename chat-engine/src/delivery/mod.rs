//! Delivery tracking: read states that only move forward, with unread and mention counts.

use crate::access::{audience, textual_channel};
use crate::engine::Engine;
use crate::envelope::Audience;
use crate::error::{ResourceKind, Result, found};
use crate::id::{ChannelId, MessageId, RoleId, UserId};
use crate::limits::{MAX_UNREAD_COUNT, SMALL_CHANNEL};
use crate::model::{Channel, Event, Message, MessageAck, Permissions, ReadState};
use crate::permissions::context;
use crate::store::{
    ChannelStore, Kv, KvMut, MessageStore, Order, ReadStateStore, ServerStore, UserStore,
};

impl Engine {
    /// Marks a channel read up to a message. A read state never moves back: acking an older
    /// message returns the current state unchanged. `MESSAGE_ACK` and `READ_STATE_UPDATE` go
    /// to the user's sessions (`MESSAGE_ACK` to the channel's participants too, in a DM or
    /// small channel, when the user shares read receipts).
    pub async fn ack_message(
        &self,
        actor: UserId,
        channel: ChannelId,
        message: MessageId,
    ) -> Result<ReadState> {
        let moved = self
            .write(move |tx| {
                let (channel, _) = textual_channel(tx, actor, channel)?;
                found(
                    tx.fetch_message(channel.id, message)?,
                    ResourceKind::Message,
                    message,
                )?;
                if tx
                    .fetch_read_state(actor, channel.id)?
                    .is_some_and(|last| last >= message)
                {
                    return Ok(channel.id);
                }
                tx.update_read_state(actor, channel.id, message);
                let payload = MessageAck {
                    channel_id: channel.id,
                    message_id: message,
                    user_id: actor,
                };
                // With receipts on, the participants of a DM or a small channel see it too.
                let shares = tx.fetch_user(actor)?.is_some_and(|r| r.user.read_receipts)
                    && receipts_shown(tx, &channel)?;
                let readers = if shares {
                    audience(&channel)
                } else {
                    Audience::users(vec![actor])
                };
                tx.emit(Event::MessageAck(payload), readers);
                let state = compute(tx, actor, &channel)?;
                tx.emit(Event::ReadStateUpdate(state), Audience::users(vec![actor]));
                Ok(channel.id)
            })
            .await?;
        self.read_state(actor, moved)
    }

    /// How far the participants who share read receipts have read a DM or a small channel
    /// the caller can view (empty for a larger channel): each as a `MESSAGE_ACK`.
    pub fn list_receipts(&self, actor: UserId, channel: ChannelId) -> Result<Vec<MessageAck>> {
        let reader = self.read()?;
        let (channel, _) = textual_channel(&reader, actor, channel)?;
        if !receipts_shown(&reader, &channel)? {
            return Ok(Vec::new());
        }
        let participants: Vec<UserId> = match channel.server_id {
            Some(server) => reader
                .list_members(server, None, SMALL_CHANNEL + 1)?
                .into_iter()
                .map(|m| m.user_id)
                .collect(),
            None => channel.recipients.clone(),
        };
        let mut receipts = Vec::new();
        for user in participants {
            if user == actor
                || !reader
                    .fetch_user(user)?
                    .is_some_and(|r| r.user.read_receipts)
            {
                continue;
            }
            if let Some(last) = reader.fetch_read_state(user, channel.id)? {
                receipts.push(MessageAck {
                    channel_id: channel.id,
                    message_id: last,
                    user_id: user,
                });
            }
        }
        Ok(receipts)
    }

    /// The caller's read state in a channel, with unread and mention counts.
    pub fn read_state(&self, actor: UserId, channel: ChannelId) -> Result<ReadState> {
        let reader = self.read()?;
        let (channel, _) = textual_channel(&reader, actor, channel)?;
        compute(&reader, actor, &channel)
    }

    /// The caller's read states in every text channel they can view (servers and DMs).
    pub fn read_states(&self, actor: UserId) -> Result<Vec<ReadState>> {
        let reader = self.read()?;
        let mut states = Vec::new();
        for server in reader.list_user_servers(actor)? {
            let ctx = context(&reader, server, actor)?;
            for channel in reader.list_server_channels(server)? {
                let visible = ctx
                    .channel_permissions(&reader, &channel)?
                    .contains(Permissions::VIEW_CHANNEL);
                if visible && channel.kind.is_textual() {
                    states.push(compute(&reader, actor, &channel)?);
                }
            }
        }
        for channel in reader.list_user_channels(actor)? {
            states.push(compute(&reader, actor, &channel)?);
        }
        Ok(states)
    }
}

fn compute(kv: &(impl Kv + ?Sized), user: UserId, channel: &Channel) -> Result<ReadState> {
    let last_read = kv.fetch_read_state(user, channel.id)?;
    let unread = kv.list_messages(
        channel.id,
        last_read,
        None,
        Order::Ascending,
        MAX_UNREAD_COUNT,
    )?;
    let roles: Vec<RoleId> = match channel.server_id {
        Some(server) => kv
            .fetch_member(server, user)?
            .map(|m| m.role_ids)
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let others: Vec<&Message> = unread.iter().filter(|m| m.author_id != user).collect();
    let mentioned = |m: &&Message| {
        m.mention_everyone
            || m.mentions.contains(&user)
            || m.mention_roles.iter().any(|r| roles.contains(r))
    };
    let last_pin = kv.list_pins(channel.id)?.first().copied();
    let last_pin_timestamp = match last_pin {
        Some(id) => kv
            .fetch_message(channel.id, id)?
            .map(|m: Message| m.created_at),
        None => None,
    };
    Ok(ReadState {
        channel_id: channel.id,
        last_read_id: last_read,
        last_pin_timestamp,
        mention_count: others.iter().copied().filter(mentioned).count() as u32,
        unread_count: others.len() as u32,
        user_id: user,
    })
}

/// Whether read receipts show in a channel: DMs, group DMs, and channels of servers with at
/// most [`SMALL_CHANNEL`] members.
fn receipts_shown(kv: &(impl Kv + ?Sized), channel: &Channel) -> Result<bool> {
    Ok(match channel.server_id {
        None => true,
        Some(server) => kv
            .fetch_server(server)?
            .is_some_and(|s| s.member_count as usize <= SMALL_CHANNEL),
    })
}
