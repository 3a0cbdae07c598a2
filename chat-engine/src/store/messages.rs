//! Messages with their nonces, edit history, reactions, pins and slow-mode clocks.

use super::keys::{self, ALL, pair, prefix, second_id};
use super::{AttachmentStore, KeyRange, Kv, KvMut, Order, Table};
use crate::error::Result;
use crate::id::{ChannelId, MessageId, UserId};
use crate::model::{Message, MessageEdit, Reaction, Timestamp};

/// Messages with their nonces, edit history, reactions and pins.
pub trait MessageStore: Kv {
    /// Inserts or replaces a message (reactions are kept apart and not stored in it).
    fn update_message(&mut self, message: &Message)
    where
        Self: KvMut,
    {
        self.put(
            Table::Messages,
            pair(message.channel_id, message.id),
            message,
        );
    }

    /// Fetches a message.
    fn fetch_message(&self, channel: ChannelId, id: MessageId) -> Result<Option<Message>> {
        self.get(Table::Messages, &pair(channel, id))
    }

    /// Lists up to `limit` messages of a channel with ids in `(after, before)`, newest first
    /// when descending.
    fn list_messages(
        &self,
        channel: ChannelId,
        after: Option<MessageId>,
        before: Option<MessageId>,
        order: Order,
        limit: usize,
    ) -> Result<Vec<Message>> {
        use std::ops::Bound::Excluded;
        let mut range = prefix(channel);
        if let Some(after) = after {
            range.start = Excluded(pair(channel, after));
        }
        if let Some(before) = before {
            range.end = Excluded(pair(channel, before));
        }
        self.scan(Table::Messages, &range, order, limit)
    }

    /// Lists up to `limit` messages of every channel after `after` (a channel and a message
    /// of it), in key order: for rebuilding the search index.
    fn scan_all_messages(
        &self,
        after: Option<(ChannelId, MessageId)>,
        limit: usize,
    ) -> Result<Vec<Message>> {
        let mut range = KeyRange::all();
        if let Some((channel, message)) = after {
            range.start = std::ops::Bound::Excluded(pair(channel, message));
        }
        self.scan(Table::Messages, &range, Order::Ascending, limit)
    }

    /// Deletes a message, its nonce, its edit history, its reactions and its pin.
    fn delete_message(&mut self, message: &Message) -> Result<()>
    where
        Self: KvMut,
    {
        let k = pair(message.channel_id, message.id);
        self.delete(Table::Messages, k.clone());
        for attachment in &message.attachments {
            self.delete_attachment(message.channel_id, attachment.id)?;
        }
        self.delete(Table::Pins, k.clone());
        if let Some(nonce) = &message.nonce {
            self.delete(
                Table::Nonces,
                keys::nonce(message.channel_id, message.author_id, nonce),
            );
        }
        for edit in self.scan_keys(
            Table::MessageEdits,
            &prefix(message.id),
            Order::Ascending,
            ALL,
        )? {
            self.delete(Table::MessageEdits, edit);
        }
        for reaction in self.scan_keys(
            Table::Reactions,
            &KeyRange::prefix(&k),
            Order::Ascending,
            ALL,
        )? {
            self.delete(Table::Reactions, reaction);
        }
        Ok(())
    }

    /// Records the message a client nonce produced.
    fn insert_nonce(&mut self, channel: ChannelId, author: UserId, nonce: &str, id: MessageId)
    where
        Self: KvMut,
    {
        self.put(Table::Nonces, keys::nonce(channel, author, nonce), &id);
    }

    /// Finds the message a client nonce produced.
    fn fetch_nonce(
        &self,
        channel: ChannelId,
        author: UserId,
        nonce: &str,
    ) -> Result<Option<MessageId>> {
        self.get(Table::Nonces, &keys::nonce(channel, author, nonce))
    }

    /// Keeps the previous version of an edited message.
    fn insert_edit(&mut self, message: MessageId, edit: &MessageEdit)
    where
        Self: KvMut,
    {
        let mut k = message.to_bytes().to_vec();
        k.extend_from_slice(&edit.replaced_at.timestamp_micros().to_be_bytes());
        self.put(Table::MessageEdits, k, edit);
    }

    /// Lists a message's previous versions, oldest first.
    fn list_edits(&self, message: MessageId) -> Result<Vec<MessageEdit>> {
        self.scan(Table::MessageEdits, &prefix(message), Order::Ascending, ALL)
    }

    /// Records a user's reaction.
    fn insert_reaction(
        &mut self,
        channel: ChannelId,
        message: MessageId,
        emoji: &str,
        user: UserId,
        at: Timestamp,
    ) where
        Self: KvMut,
    {
        self.put(
            Table::Reactions,
            keys::reaction(channel, message, emoji, user),
            &at,
        );
    }

    /// Whether a user reacted with an emoji.
    fn fetch_reaction(
        &self,
        channel: ChannelId,
        message: MessageId,
        emoji: &str,
        user: UserId,
    ) -> Result<bool> {
        self.contains(
            Table::Reactions,
            &keys::reaction(channel, message, emoji, user),
        )
    }

    /// Lists a message's reactions as `(emoji, user, time)`.
    fn list_reactions(
        &self,
        channel: ChannelId,
        message: MessageId,
    ) -> Result<Vec<(String, UserId, Timestamp)>> {
        let entries = self.scan_raw(
            Table::Reactions,
            &KeyRange::prefix(&pair(channel, message)),
            Order::Ascending,
            ALL,
        )?;
        let mut out = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            let (emoji, user) = keys::reaction_of(&k)?;
            out.push((emoji, user, super::tx::decode(&v)?));
        }
        Ok(out)
    }

    /// A message's reactions as `viewer` sees them (counts, users, `me`), in the order each
    /// emoji was first used.
    fn list_reaction_summary(
        &self,
        channel: ChannelId,
        message: MessageId,
        viewer: UserId,
    ) -> Result<Vec<Reaction>> {
        Ok(summarize(self.list_reactions(channel, message)?, viewer))
    }

    /// Removes a user's reaction.
    fn delete_reaction(&mut self, channel: ChannelId, message: MessageId, emoji: &str, user: UserId)
    where
        Self: KvMut,
    {
        self.delete(
            Table::Reactions,
            keys::reaction(channel, message, emoji, user),
        );
    }

    /// Pins a message.
    fn insert_pin(&mut self, channel: ChannelId, message: MessageId, at: Timestamp)
    where
        Self: KvMut,
    {
        self.put(Table::Pins, pair(channel, message), &at);
    }

    /// Lists a channel's pinned message ids, newest pin first.
    fn list_pins(&self, channel: ChannelId) -> Result<Vec<MessageId>> {
        let entries = self.scan_raw(Table::Pins, &prefix(channel), Order::Ascending, ALL)?;
        let mut pins = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            pins.push((super::tx::decode::<Timestamp>(&v)?, second_id(&k)?));
        }
        pins.sort_by(|a, b| b.cmp(a));
        Ok(pins.into_iter().map(|(_, id)| id).collect())
    }

    /// Unpins a message.
    fn delete_pin(&mut self, channel: ChannelId, message: MessageId)
    where
        Self: KvMut,
    {
        self.delete(Table::Pins, pair(channel, message));
    }

    /// Records when a user last sent in a channel (slow mode).
    fn update_last_send(&mut self, channel: ChannelId, user: UserId, at: Timestamp)
    where
        Self: KvMut,
    {
        self.put(Table::SlowMode, pair(channel, user), &at);
    }

    /// When a user last sent in a channel.
    fn fetch_last_send(&self, channel: ChannelId, user: UserId) -> Result<Option<Timestamp>> {
        self.get(Table::SlowMode, &pair(channel, user))
    }
}

impl<T: Kv + ?Sized> MessageStore for T {}

/// Groups `(emoji, user, time)` rows into reactions, in order of each emoji's first use.
fn summarize(mut rows: Vec<(String, UserId, Timestamp)>, viewer: UserId) -> Vec<Reaction> {
    rows.sort_by_key(|a| a.2);
    let mut reactions: Vec<Reaction> = Vec::new();
    for (emoji, user, _) in rows {
        let index = if let Some(i) = reactions.iter().position(|r| r.emoji == emoji) {
            i
        } else {
            reactions.push(Reaction {
                count: 0,
                emoji,
                me: false,
                users: Vec::new(),
            });
            reactions.len() - 1
        };
        let reaction = &mut reactions[index];
        reaction.count += 1;
        reaction.me |= user == viewer;
        reaction.users.push(user);
    }
    reactions
}
