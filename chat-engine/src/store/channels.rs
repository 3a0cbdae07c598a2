//! Channels of every type, their last message, DM pairs, closed DMs, thread members and the
//! queue of threads waiting to archive themselves.

use super::keys::{self, ALL, pair, prefix, second_id};
use super::{KeyRange, Kv, KvMut, Order, Table};
use crate::error::{Result, StorageError};
use crate::id::{ChannelId, Id, MessageId, ServerId, UserId};
use crate::model::{Channel, Message, Timestamp};

/// A `ChannelActivity` value: the last message's id and creation time.
fn decode_activity(value: &[u8]) -> Result<(MessageId, Timestamp)> {
    let corrupt = || StorageError::new("corrupt channel activity record");
    let id: [u8; 16] = value
        .get(..16)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(corrupt)?;
    let nanos: [u8; 8] = value
        .get(16..24)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(corrupt)?;
    let at = chrono::DateTime::from_timestamp_nanos(i64::from_be_bytes(nanos));
    Ok((Id::from_bytes(id), at))
}

/// Channels of every type, with the indexes that find them.
pub trait ChannelStore: Kv {
    /// Inserts or replaces a channel, indexing it under its server or its recipients.
    fn update_channel(&mut self, channel: &Channel)
    where
        Self: KvMut,
    {
        self.put(Table::Channels, channel.id.to_bytes().to_vec(), channel);
        if let Some(server) = channel.server_id {
            self.put_raw(Table::ServerChannels, pair(server, channel.id), Vec::new());
        }
        for user in &channel.recipients {
            self.put_raw(Table::UserChannels, pair(*user, channel.id), Vec::new());
        }
    }

    /// Replaces a channel's record only, when its server and recipients did not change (its
    /// index entries stay as they are).
    fn update_channel_record(&mut self, channel: &Channel)
    where
        Self: KvMut,
    {
        self.put(Table::Channels, channel.id.to_bytes().to_vec(), channel);
    }

    /// Fetches a channel, with its last message.
    fn fetch_channel(&self, id: ChannelId) -> Result<Option<Channel>> {
        let Some(mut channel) = self.get_shared::<Channel>(Table::Channels, &id.to_bytes())? else {
            return Ok(None);
        };
        if let Some(activity) = self.get_raw(Table::ChannelActivity, &id.to_bytes())? {
            let (message, at) = decode_activity(&activity)?;
            channel.last_message_id = Some(message);
            channel.last_message_at = Some(at);
        }
        Ok(Some(channel))
    }

    /// Records a channel's newest message.
    fn record_last_message(&mut self, message: &Message)
    where
        Self: KvMut,
    {
        let nanos = message.created_at.timestamp_nanos_opt().unwrap_or(i64::MAX);
        let mut value = message.id.to_bytes().to_vec();
        value.extend_from_slice(&nanos.to_be_bytes());
        self.put_raw(
            Table::ChannelActivity,
            message.channel_id.to_bytes().to_vec(),
            value,
        );
    }

    /// Lists a server's channels (threads included), by position then id.
    fn list_server_channels(&self, server: ServerId) -> Result<Vec<Channel>> {
        let keys = self.scan_keys(
            Table::ServerChannels,
            &prefix(server),
            Order::Ascending,
            ALL,
        )?;
        let mut channels = Vec::with_capacity(keys.len());
        for k in keys {
            if let Some(channel) = self.fetch_channel(second_id(&k)?)? {
                channels.push(channel);
            }
        }
        channels.sort_by_key(|c: &Channel| (c.position, c.id));
        Ok(channels)
    }

    /// Hides a DM from the user's list until [`reopen_channel`](Self::reopen_channel).
    fn close_channel(&mut self, user: UserId, channel: ChannelId)
    where
        Self: KvMut,
    {
        self.put_raw(Table::ClosedChannels, pair(user, channel), Vec::new());
    }

    /// Shows a closed DM in the user's list again; answers whether it was closed.
    fn reopen_channel(&mut self, user: UserId, channel: ChannelId) -> Result<bool>
    where
        Self: KvMut,
    {
        let key = pair(user, channel);
        let closed = self.contains(Table::ClosedChannels, &key)?;
        if closed {
            self.delete(Table::ClosedChannels, key);
        }
        Ok(closed)
    }

    /// Whether the user closed the DM.
    fn is_channel_closed(&self, user: UserId, channel: ChannelId) -> Result<bool> {
        self.contains(Table::ClosedChannels, &pair(user, channel))
    }

    /// Lists the DMs and group DMs a user is in.
    fn list_user_channels(&self, user: UserId) -> Result<Vec<Channel>> {
        let keys = self.scan_keys(Table::UserChannels, &prefix(user), Order::Ascending, ALL)?;
        let mut channels = Vec::with_capacity(keys.len());
        for k in keys {
            if let Some(channel) = self.fetch_channel(second_id(&k)?)? {
                channels.push(channel);
            }
        }
        Ok(channels)
    }

    /// Deletes a channel and its index entries.
    fn delete_channel(&mut self, channel: &Channel)
    where
        Self: KvMut,
    {
        self.delete(Table::Channels, channel.id.to_bytes().to_vec());
        self.delete(Table::ChannelActivity, channel.id.to_bytes().to_vec());
        if let Some(server) = channel.server_id {
            self.delete(Table::ServerChannels, pair(server, channel.id));
        }
        for user in &channel.recipients {
            self.delete(Table::UserChannels, pair(*user, channel.id));
            self.delete(Table::ClosedChannels, pair(*user, channel.id));
        }
    }

    /// Takes a user out of a group DM's index (the caller updates the channel's recipients).
    fn delete_user_channel(&mut self, user: UserId, channel: ChannelId)
    where
        Self: KvMut,
    {
        self.delete(Table::UserChannels, pair(user, channel));
        self.delete(Table::ClosedChannels, pair(user, channel));
    }

    /// Records the DM channel of a pair of users.
    fn update_dm_pair(&mut self, a: UserId, b: UserId, channel: ChannelId)
    where
        Self: KvMut,
    {
        self.put(Table::DmPairs, pair(a.min(b), a.max(b)), &channel);
    }

    /// Finds the DM channel of a pair of users.
    fn fetch_dm_pair(&self, a: UserId, b: UserId) -> Result<Option<ChannelId>> {
        self.get(Table::DmPairs, &pair(a.min(b), a.max(b)))
    }

    /// Adds a user to a thread's member list.
    fn insert_thread_member(&mut self, thread: ChannelId, user: UserId)
    where
        Self: KvMut,
    {
        self.put_raw(Table::ThreadMembers, pair(thread, user), Vec::new());
    }

    /// How many members a thread has.
    fn count_thread_members(&self, thread: ChannelId) -> Result<u32> {
        let keys = self.scan_keys(Table::ThreadMembers, &prefix(thread), Order::Ascending, ALL)?;
        Ok(u32::try_from(keys.len()).unwrap_or(u32::MAX))
    }

    /// Sets (or, with `None`, clears) when a thread archives itself.
    fn schedule_archive(&mut self, thread: ChannelId, deadline: Option<Timestamp>) -> Result<()>
    where
        Self: KvMut,
    {
        let id = thread.to_bytes();
        if let Some(old) = self.get_raw(Table::ThreadDeadlines, &id)? {
            let mut key = old;
            key.extend_from_slice(&id);
            self.delete(Table::ArchiveQueue, key);
            self.delete(Table::ThreadDeadlines, id.to_vec());
        }
        if let Some(deadline) = deadline {
            let ms = deadline.timestamp_millis().to_be_bytes().to_vec();
            let mut key = ms.clone();
            key.extend_from_slice(&id);
            self.put_raw(Table::ArchiveQueue, key, Vec::new());
            self.put_raw(Table::ThreadDeadlines, id.to_vec(), ms);
        }
        Ok(())
    }

    /// Up to `limit` threads whose auto-archive deadline is at or before `now`, soonest first.
    fn due_archives(&self, now: Timestamp, limit: usize) -> Result<Vec<ChannelId>> {
        let mut end = now.timestamp_millis().to_be_bytes().to_vec();
        end.extend_from_slice(&[0xff; 16]);
        let range = KeyRange {
            start: std::ops::Bound::Unbounded,
            end: std::ops::Bound::Included(end),
        };
        self.scan_keys(Table::ArchiveQueue, &range, Order::Ascending, limit)?
            .iter()
            .map(|key| keys::id_at(key, 8))
            .collect()
    }

    /// Lists a thread's members.
    fn list_thread_members(&self, thread: ChannelId) -> Result<Vec<UserId>> {
        let keys = self.scan_keys(Table::ThreadMembers, &prefix(thread), Order::Ascending, ALL)?;
        keys.iter().map(|k| second_id(k)).collect()
    }

    /// Removes a user from a thread's member list.
    fn delete_thread_member(&mut self, thread: ChannelId, user: UserId)
    where
        Self: KvMut,
    {
        self.delete(Table::ThreadMembers, pair(thread, user));
    }
}

impl<T: Kv + ?Sized> ChannelStore for T {}
