//! Bulk delete: 2 to 100 messages of one server channel at once, by a moderator.

use crate::access::{delete_messages, textual_channel};
use crate::audit_trail::{Actor, record, set};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::id::{ChannelId, MessageId};
use crate::limits::BULK_DELETE;
use crate::model::{AuditAction, Permissions};
use crate::store::MessageStore;

impl Engine {
    /// Deletes 2 to 100 messages of a server channel (MANAGE_MESSAGES) with one
    /// `MESSAGE_DELETE_BULK`; ids of messages that no longer exist count but are skipped.
    /// Answers how many were deleted.
    pub async fn bulk_delete_messages(
        &self,
        actor: impl Into<Actor>,
        channel: ChannelId,
        ids: Vec<MessageId>,
    ) -> Result<usize> {
        if !BULK_DELETE.contains(&ids.len()) {
            return Err(Error::validation(
                "messages",
                format!(
                    "must hold {} to {} message ids",
                    BULK_DELETE.start(),
                    BULK_DELETE.end()
                ),
            ));
        }
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        if unique.len() != ids.len() {
            return Err(Error::validation("messages", "must not repeat an id"));
        }
        let actor = actor.into();
        self.write(move |tx| {
            let (channel, permissions) = textual_channel(tx, actor.user(), channel)?;
            let Some(server) = channel.server_id else {
                return Err(Error::forbidden("messages of DMs cannot be bulk deleted"));
            };
            crate::permissions::resolve::missing(permissions, Permissions::MANAGE_MESSAGES)?;
            let mut messages = Vec::with_capacity(unique.len());
            for id in unique {
                messages.extend(tx.fetch_message(channel.id, id)?);
            }
            delete_messages(tx, &channel, &messages)?;
            let changed = vec![set("count", messages.len())];
            let target = channel.id;
            record(
                tx,
                server,
                &actor,
                AuditAction::MessageBulkDelete,
                target,
                changed,
            );
            Ok(messages.len())
        })
        .await
    }
}
