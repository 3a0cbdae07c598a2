//! How far each user has read each channel.

use super::keys::pair;
use super::{Kv, KvMut, Table};
use crate::error::Result;
use crate::id::{ChannelId, MessageId, UserId};

/// How far each user has read each channel.
pub trait ReadStateStore: Kv {
    /// Records the newest message a user has read in a channel.
    fn update_read_state(&mut self, user: UserId, channel: ChannelId, last_read: MessageId)
    where
        Self: KvMut,
    {
        self.put(Table::ReadStates, pair(user, channel), &last_read);
    }

    /// The newest message a user has read in a channel.
    fn fetch_read_state(&self, user: UserId, channel: ChannelId) -> Result<Option<MessageId>> {
        self.get(Table::ReadStates, &pair(user, channel))
    }
}

impl<T: Kv + ?Sized> ReadStateStore for T {}
