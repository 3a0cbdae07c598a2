//! Reactions: add (ADD_REACTIONS for a new emoji), remove one's own or, with
//! MANAGE_MESSAGES, anyone's; counts, users and `me`.

use crate::access::{audience, require_not_timed_out, textual_channel};
use crate::engine::Engine;
use crate::error::{Error, ResourceKind, Result, found};
use crate::id::{ChannelId, MessageId, UserId};
use crate::limits::MAX_EMOJIS;
use crate::model::{Event, Permissions, ReactionEvent, User};
use crate::store::{KvMut, MessageStore, UserStore};

impl Engine {
    /// Adds the caller's reaction. Adding it twice changes nothing.
    pub async fn add_reaction(
        &self,
        actor: UserId,
        channel: ChannelId,
        message: MessageId,
        emoji: &str,
    ) -> Result<()> {
        crate::validate::emoji(emoji)?;
        let emoji = emoji.to_owned();
        self.write(move |tx| {
            let (channel, permissions) = textual_channel(tx, actor, channel)?;
            require_not_timed_out(tx, actor, &channel)?;
            found(
                tx.fetch_message(channel.id, message)?,
                ResourceKind::Message,
                message,
            )?;
            if tx.fetch_reaction(channel.id, message, &emoji, actor)? {
                return Ok(());
            }
            let existing = tx.list_reaction_summary(channel.id, message, actor)?;
            if !existing.iter().any(|r| r.emoji == emoji) {
                crate::permissions::resolve::missing(permissions, Permissions::ADD_REACTIONS)?;
                if existing.len() >= MAX_EMOJIS {
                    return Err(Error::conflict(format!(
                        "a message holds at most {MAX_EMOJIS} different emojis"
                    )));
                }
            }
            let now = tx.now();
            tx.insert_reaction(channel.id, message, &emoji, actor, now);
            let payload = ReactionEvent {
                channel_id: channel.id,
                emoji,
                message_id: message,
                user_id: actor,
            };
            tx.emit(Event::MessageReactionAdd(payload), audience(&channel));
            Ok(())
        })
        .await
    }

    /// Removes a reaction: the caller's own, or another user's with MANAGE_MESSAGES. Removing
    /// a reaction that is not there changes nothing.
    pub async fn remove_reaction(
        &self,
        actor: UserId,
        channel: ChannelId,
        message: MessageId,
        emoji: &str,
        user: UserId,
    ) -> Result<()> {
        crate::validate::emoji(emoji)?;
        let emoji = emoji.to_owned();
        self.write(move |tx| {
            let (channel, permissions) = textual_channel(tx, actor, channel)?;
            if user != actor {
                crate::permissions::resolve::missing(permissions, Permissions::MANAGE_MESSAGES)?;
            }
            found(
                tx.fetch_message(channel.id, message)?,
                ResourceKind::Message,
                message,
            )?;
            if !tx.fetch_reaction(channel.id, message, &emoji, user)? {
                return Ok(());
            }
            tx.delete_reaction(channel.id, message, &emoji, user);
            let payload = ReactionEvent {
                channel_id: channel.id,
                emoji,
                message_id: message,
                user_id: user,
            };
            tx.emit(Event::MessageReactionRemove(payload), audience(&channel));
            Ok(())
        })
        .await
    }

    /// The users who reacted with an emoji, in order (VIEW_CHANNEL).
    pub fn list_reaction_users(
        &self,
        actor: UserId,
        channel: ChannelId,
        message: MessageId,
        emoji: &str,
    ) -> Result<Vec<User>> {
        crate::validate::emoji(emoji)?;
        let reader = self.read()?;
        let (channel, _) = textual_channel(&reader, actor, channel)?;
        found(
            reader.fetch_message(channel.id, message)?,
            ResourceKind::Message,
            message,
        )?;
        let reactions = reader.list_reaction_summary(channel.id, message, actor)?;
        let Some(reaction) = reactions.into_iter().find(|r| r.emoji == emoji) else {
            return Ok(Vec::new());
        };
        let mut users = Vec::with_capacity(reaction.users.len());
        for id in reaction.users {
            users.extend(reader.fetch_user(id)?.map(|r| r.user));
        }
        let realtime = self.realtime();
        for user in &mut users {
            user.status = realtime.status_seen_by(actor, user.id);
        }
        Ok(users)
    }
}
