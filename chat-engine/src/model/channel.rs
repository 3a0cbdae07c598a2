//! Channels of all five types and their permission overwrites.

use serde::{Deserialize, Serialize};

use super::{Permissions, Timestamp};
use crate::id::{CategoryId, ChannelId, MessageId, ServerId, UserId};

/// The five channel types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChannelType {
    /// A direct message between two users.
    Dm,
    /// A direct message among several users.
    GroupDm,
    /// A text channel in a server.
    Text,
    /// A thread started from a message of a text channel.
    Thread,
    /// A voice channel in a server.
    Voice,
}

impl ChannelType {
    /// Whether the channel lives outside any server.
    pub const fn is_private(self) -> bool {
        matches!(self, Self::Dm | Self::GroupDm)
    }

    /// Whether messages can be sent in it.
    pub const fn is_textual(self) -> bool {
        !matches!(self, Self::Voice)
    }
}

/// A communication space.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Channel {
    /// Its category, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_id: Option<CategoryId>,
    /// When it was made.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// The channel's id.
    pub id: ChannelId,
    /// A group DM's icon image URL; empty for none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub icon_url: String,
    /// Whether @everyone is denied VIEW_CHANNEL by default.
    pub is_private: bool,
    /// Time of the latest message.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_message_at: Option<Timestamp>,
    /// Id of the latest message.
    pub last_message_id: Option<MessageId>,
    /// A thread's members; absent on other channels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_count: Option<u32>,
    /// How many messages a thread has had; absent on other channels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_count: Option<u32>,
    /// Display name.
    pub name: String,
    /// Whether the channel is marked NSFW (clients ask once before showing it).
    #[serde(default)]
    pub nsfw: bool,
    /// The owner of a group DM or the creator of a thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<UserId>,
    /// A thread's parent channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<ChannelId>,
    /// Per-role and per-member permission overwrites.
    #[serde(default)]
    pub permission_overwrites: Vec<PermissionOverwrite>,
    /// Sort position.
    pub position: i32,
    /// The users of a DM or group DM.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<UserId>,
    /// Its server; `None` for DMs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_id: Option<ServerId>,
    /// Seconds a member waits between messages; 0 is off.
    pub slow_mode_delay: u32,
    /// A thread's archive state; absent on other channels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_metadata: Option<ThreadMetadata>,
    /// The topic line.
    pub topic: String,
    /// The channel type.
    #[serde(rename = "type")]
    pub kind: ChannelType,
    /// Last change.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

/// Whether an overwrite targets a role or a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OverwriteType {
    /// A member (user id).
    Member,
    /// A role (role id; the @everyone role has the server's id).
    Role,
}

/// A thread's archive state (Discord's `thread_metadata`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThreadMetadata {
    /// Whether the thread is archived: it leaves the active list; a message brings it back
    /// unless it is locked.
    pub archived: bool,
    /// When `archived` last changed.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub archive_timestamp: Timestamp,
    /// Minutes without activity after which it archives itself: 60, 1440, 4320 or 10080.
    pub auto_archive_duration: u32,
    /// Whether only MANAGE_THREADS holders may post and unarchive it.
    pub locked: bool,
}

/// The auto-archive durations a thread may have, in minutes (Discord's).
pub const AUTO_ARCHIVE_DURATIONS: [u32; 4] = [60, 1440, 4320, 10080];

/// Allows and denies on top of the server-wide permissions in one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PermissionOverwrite {
    /// Flags granted.
    pub allow: Permissions,
    /// Flags taken away.
    pub deny: Permissions,
    /// The role or user id.
    pub id: ulid::Ulid,
    /// What `id` names.
    #[serde(rename = "type")]
    pub kind: OverwriteType,
}
