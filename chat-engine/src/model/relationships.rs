//! Relationships between two users: friends, friend requests each way, and blocks.

use serde::{Deserialize, Serialize};

use super::{Timestamp, User};
use crate::id::UserId;

/// How the user relates to another (Discord's relationship types, as snake_case strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RelationshipType {
    /// Friends: they may DM each other without a shared server.
    Friend,
    /// The user blocked the other: no DMs, no friend requests, no group DMs from them.
    Blocked,
    /// The other sent the user a friend request.
    Incoming,
    /// The user sent the other a friend request.
    Outgoing,
}

/// One of the user's relationships, as listed and as `RELATIONSHIP_ADD` carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Relationship {
    /// The other user's id.
    pub id: UserId,
    /// Since when.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub since: Timestamp,
    /// How the user relates to them.
    #[serde(rename = "type")]
    pub kind: RelationshipType,
    /// The other user.
    pub user: User,
}

/// `RELATIONSHIP_REMOVE`: a relationship of the user ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationshipRemove {
    /// The other user's id.
    pub id: UserId,
    /// What it was.
    #[serde(rename = "type")]
    pub kind: RelationshipType,
}

/// `PUT /users/@me/relationships/{user_id}`: send or accept a friend request, or block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetRelationship {
    /// `friend` (send or accept a request) or `blocked`.
    #[serde(rename = "type")]
    pub kind: RelationshipType,
}

/// `POST /users/@me/relationships`: send a friend request by username.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FriendRequest {
    /// The other user's username, in any case.
    #[cfg_attr(feature = "openapi", schema(min_length = 2, max_length = 32))]
    pub username: String,
}
