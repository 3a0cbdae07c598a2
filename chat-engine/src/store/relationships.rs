//! Relationships between users, each stored from both sides.

use serde::{Deserialize, Serialize};

use super::keys::{ALL, pair, prefix, second_id};
use super::{Kv, KvMut, Order, Table};
use crate::error::Result;
use crate::id::UserId;
use crate::model::{RelationshipType, Timestamp};

/// How a user relates to another, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationshipRecord {
    /// What it is.
    pub kind: RelationshipType,
    /// Since when.
    pub since: Timestamp,
}

/// Friends, friend requests and blocks.
pub trait RelationshipStore: Kv {
    /// How `user` relates to `other`, if at all.
    fn fetch_relationship(
        &self,
        user: UserId,
        other: UserId,
    ) -> Result<Option<RelationshipRecord>> {
        self.get(Table::Relationships, &pair(user, other))
    }

    /// Sets how `user` relates to `other`.
    fn update_relationship(&mut self, user: UserId, other: UserId, record: RelationshipRecord)
    where
        Self: KvMut,
    {
        self.put(Table::Relationships, pair(user, other), &record);
    }

    /// Ends how `user` relates to `other`.
    fn delete_relationship(&mut self, user: UserId, other: UserId)
    where
        Self: KvMut,
    {
        self.delete(Table::Relationships, pair(user, other));
    }

    /// Every relationship of `user`, by the other user's id.
    fn list_relationships(&self, user: UserId) -> Result<Vec<(UserId, RelationshipRecord)>> {
        let range = prefix(user);
        self.scan_raw(Table::Relationships, &range, Order::Ascending, ALL)?
            .iter()
            .map(|(key, value)| Ok((second_id(key)?, super::tx::decode(value)?)))
            .collect()
    }

    /// Whether either user blocked the other.
    fn blocked_between(&self, a: UserId, b: UserId) -> Result<bool> {
        let blocks = |x, y| -> Result<bool> {
            Ok(self
                .fetch_relationship(x, y)?
                .is_some_and(|r| r.kind == RelationshipType::Blocked))
        };
        Ok(blocks(a, b)? || blocks(b, a)?)
    }

    /// Whether the two users are friends.
    fn are_friends(&self, a: UserId, b: UserId) -> Result<bool> {
        Ok(self
            .fetch_relationship(a, b)?
            .is_some_and(|r| r.kind == RelationshipType::Friend))
    }
}

impl<T: Kv + ?Sized> RelationshipStore for T {}
