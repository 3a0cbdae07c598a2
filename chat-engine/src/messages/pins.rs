//! Pins: up to 50 per channel, by MANAGE_MESSAGES holders (any recipient in a DM).

use super::with_reactions;
use crate::access::textual_channel;
use crate::audit_trail::{Actor, record};
use crate::engine::Engine;
use crate::error::{Error, ResourceKind, Result, found};
use crate::id::{ChannelId, MessageId, UserId};
use crate::limits::MAX_PINS;
use crate::model::{AuditAction, Channel, Message, MessageType, Permissions};
use crate::posting::{post_notice, store_changed_message};
use crate::store::{KvMut, MessageStore, Tx};

impl Engine {
    /// Pins a message and posts a pin notice. Pinning a pinned message changes nothing.
    ///
    /// # Errors
    ///
    /// `Conflict` when the channel already holds 50 pins.
    pub async fn pin_message(
        &self,
        actor: impl Into<Actor>,
        channel: ChannelId,
        id: MessageId,
    ) -> Result<Message> {
        let by = actor.into();
        self.write(move |tx| {
            let actor = by.user();
            let (channel, mut message) = pinnable(tx, actor, channel, id)?;
            if message.is_pinned {
                return with_reactions(tx, message, actor);
            }
            if tx.list_pins(channel.id)?.len() >= MAX_PINS {
                return Err(Error::conflict(format!(
                    "a channel holds at most {MAX_PINS} pins"
                )));
            }
            let now = tx.now();
            tx.insert_pin(channel.id, id, now);
            message.is_pinned = true;
            store_changed_message(tx, &channel, &message)?;
            let message = with_reactions(tx, message, actor)?;
            post_notice(tx, &channel, actor, MessageType::ChannelPinned, Some(id))?;
            audit_pin(tx, &channel, &by, AuditAction::MessagePin, id);
            Ok(message)
        })
        .await
    }

    /// Unpins a message. Unpinning a message that is not pinned is `NotFound`.
    pub async fn unpin_message(
        &self,
        actor: impl Into<Actor>,
        channel: ChannelId,
        id: MessageId,
    ) -> Result<()> {
        let by = actor.into();
        self.write(move |tx| {
            let (channel, mut message) = pinnable(tx, by.user(), channel, id)?;
            if !message.is_pinned {
                return Err(Error::not_found(ResourceKind::Pin, id));
            }
            tx.delete_pin(channel.id, id);
            message.is_pinned = false;
            store_changed_message(tx, &channel, &message)?;
            audit_pin(tx, &channel, &by, AuditAction::MessageUnpin, id);
            Ok(())
        })
        .await
    }

    /// Lists a channel's pinned messages, latest pin first (VIEW_CHANNEL).
    pub fn list_pins(&self, actor: UserId, channel: ChannelId) -> Result<Vec<Message>> {
        let reader = self.read()?;
        let (channel, _) = textual_channel(&reader, actor, channel)?;
        let mut pinned = Vec::new();
        for id in reader.list_pins(channel.id)? {
            if let Some(message) = reader.fetch_message(channel.id, id)? {
                pinned.push(with_reactions(&reader, message, actor)?);
            }
        }
        Ok(pinned)
    }
}

fn pinnable(
    tx: &Tx<'_>,
    actor: UserId,
    channel: ChannelId,
    id: MessageId,
) -> Result<(Channel, Message)> {
    let (channel, permissions) = textual_channel(tx, actor, channel)?;
    if channel.server_id.is_some() {
        crate::permissions::resolve::missing(permissions, Permissions::MANAGE_MESSAGES)?;
    }
    let message = found(tx.fetch_message(channel.id, id)?, ResourceKind::Message, id)?;
    if message.kind.is_system() {
        return Err(Error::validation(
            "message_id",
            "system messages cannot be pinned",
        ));
    }
    Ok((channel, message))
}

/// Records a pin or unpin in a server channel's audit log (DMs have none).
fn audit_pin(tx: &mut Tx<'_>, channel: &Channel, by: &Actor, action: AuditAction, id: MessageId) {
    if let Some(server) = channel.server_id {
        let changes = vec![crate::audit_trail::set("channel_id", channel.id)];
        record(tx, server, by, action, id, changes);
    }
}
