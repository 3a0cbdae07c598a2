//! Request bodies: what callers send to create or change things. Optional fields left out
//! keep their current value.

use serde::{Deserialize, Serialize};

use super::{ChannelType, Embed, Permissions, Timestamp};
use crate::id::{CategoryId, MessageId, UserId};

/// Create an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterRequest {
    /// Optional e-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// At least 8 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 128))]
    pub password: String,
    /// 2 to 32 letters, digits, `_`, `.` or `-`; unique case-insensitively.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 2, max_length = 32, pattern = "^[A-Za-z0-9_.-]+$")
    )]
    pub username: String,
}

/// Log in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// The password.
    pub password: String,
    /// The username, in any case.
    pub username: String,
}

/// Create a bot account owned by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateBot {
    /// The bot's username, with the rules of user names.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 2, max_length = 32, pattern = "^[A-Za-z0-9_.-]+$")
    )]
    pub username: String,
}

/// Change one's profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateProfile {
    /// New avatar URL.
    #[serde(default)]
    pub avatar_url: Option<String>,
    /// New bio (up to 190 characters).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 190))]
    pub bio: Option<String>,
    /// New custom status (up to 128 characters).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 128))]
    pub custom_status: Option<String>,
    /// Share read receipts, or stop.
    #[serde(default)]
    pub read_receipts: Option<bool>,
    /// New display name (up to 32 characters; empty clears it).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 32))]
    pub display_name: Option<String>,
}

/// Create a server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateServer {
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Icon URL.
    #[serde(default)]
    pub icon_url: String,
    /// Whether anyone may join without an invite.
    #[serde(default)]
    pub is_public: bool,
    /// 1 to 100 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
}

/// Change a server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateServer {
    /// New description.
    #[serde(default)]
    pub description: Option<String>,
    /// New icon URL.
    #[serde(default)]
    pub icon_url: Option<String>,
    /// New visibility.
    #[serde(default)]
    pub is_public: Option<bool>,
    /// New name.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: Option<String>,
}

/// Create a category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateCategory {
    /// 1 to 100 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
    /// Sort position; defaults to last.
    #[serde(default)]
    pub position: Option<i32>,
}

/// Rename or move a category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateCategory {
    /// New name, 1 to 100 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: Option<String>,
    /// New sort position.
    #[serde(default)]
    pub position: Option<i32>,
}

/// One line of a bulk reorder (`PATCH /servers/{id}/channels`, Discord's shape): a channel
/// or a category, its new position and, for a channel, its new category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChannelPosition {
    /// A channel's or a category's id.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: ulid::Ulid,
    /// A channel's new category; `null` takes it out of its category; absent keeps it.
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub parent_id: Option<Option<CategoryId>>,
    /// Its new position.
    pub position: i32,
}

/// Create a text or voice channel in a server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateChannel {
    /// Category to put it in.
    #[serde(default)]
    pub category_id: Option<CategoryId>,
    /// Deny VIEW_CHANNEL to @everyone.
    #[serde(default)]
    pub is_private: bool,
    /// 1 to 100 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
    /// Sort position; defaults to last.
    #[serde(default)]
    pub position: Option<i32>,
    /// Seconds between a member's messages (0 to 21,600).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(maximum = 21600))]
    pub slow_mode_delay: u32,
    /// Topic line (up to 1,024 characters).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub topic: String,
    /// `text` or `voice`.
    #[serde(rename = "type", default = "default_channel_type")]
    pub kind: ChannelType,
}

fn default_channel_type() -> ChannelType {
    ChannelType::Text
}

/// Change a channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateChannel {
    /// A thread: archive or unarchive it (its owner or MANAGE_THREADS).
    #[serde(default)]
    pub archived: Option<bool>,
    /// A thread: minutes without activity before it archives itself (60, 1440, 4320, 10080).
    #[serde(default)]
    pub auto_archive_duration: Option<u32>,
    /// A thread: lock or unlock it (MANAGE_THREADS).
    #[serde(default)]
    pub locked: Option<bool>,
    /// Make the channel private (@everyone may not view it) or open it again.
    #[serde(default)]
    pub is_private: Option<bool>,
    /// Mark the channel NSFW or not.
    #[serde(default)]
    pub nsfw: Option<bool>,
    /// A group DM's new icon image URL (empty removes it).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub icon_url: Option<String>,
    /// New category; `Some(None)` takes it out of its category.
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub category_id: Option<Option<CategoryId>>,
    /// New name.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: Option<String>,
    /// New position.
    #[serde(default)]
    pub position: Option<i32>,
    /// New slow mode delay.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(maximum = 21600))]
    pub slow_mode_delay: Option<u32>,
    /// New topic.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub topic: Option<String>,
}

/// Open a group DM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateGroupDm {
    /// Optional name.
    #[serde(default)]
    pub name: String,
    /// The other users (1 to 9).
    pub recipients: Vec<UserId>,
}

/// Start a thread from a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateThread {
    /// Minutes without activity before it archives itself: 60, 1440 (the default), 4320 or
    /// 10080.
    #[serde(default)]
    pub auto_archive_duration: Option<u32>,
    /// The starter message in the parent channel.
    pub message_id: MessageId,
    /// 1 to 100 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
}

/// Start a thread from a message (`POST /channels/{id}/messages/{msg_id}/threads`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StartThread {
    /// Minutes without activity before it archives itself: 60, 1440 (the default), 4320 or
    /// 10080.
    #[serde(default)]
    pub auto_archive_duration: Option<u32>,
    /// 1 to 100 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
}

/// Create an invite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateInvite {
    /// Seconds until it expires; 0 never (default one week).
    #[serde(default = "default_invite_age")]
    pub max_age: u64,
    /// Joins allowed; 0 unlimited.
    #[serde(default)]
    pub max_uses: u32,
}

impl Default for CreateInvite {
    fn default() -> Self {
        Self {
            max_age: default_invite_age(),
            max_uses: 0,
        }
    }
}

fn default_invite_age() -> u64 {
    7 * 24 * 3600
}

/// Create a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateRole {
    /// RGB colour.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(maximum = 16_777_215))]
    pub color: u32,
    /// Whether anyone may mention it.
    #[serde(default)]
    pub is_mentionable: bool,
    /// 1 to 100 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
    /// Permissions it grants (only ones the caller has).
    #[serde(default)]
    pub permissions: Permissions,
}

/// Change a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateRole {
    /// New colour.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(maximum = 16_777_215))]
    pub color: Option<u32>,
    /// New mentionability.
    #[serde(default)]
    pub is_mentionable: Option<bool>,
    /// New name.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: Option<String>,
    /// New permissions.
    #[serde(default)]
    pub permissions: Option<Permissions>,
    /// New position (1 and up; below the caller's highest role).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub position: Option<i32>,
}

/// Change a member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateMember {
    /// Time the member out until then, at most 28 days ahead (MODERATE_MEMBERS); `null`
    /// ends a timeout.
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub communication_disabled_until: Option<Option<Timestamp>>,
    /// Server-deafen (moderators).
    #[serde(default)]
    pub is_deafened: Option<bool>,
    /// Server-mute (moderators).
    #[serde(default)]
    pub is_muted: Option<bool>,
    /// New nickname (up to 32 characters; empty clears it).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 32))]
    pub nickname: Option<String>,
}

/// Delete 2 to 100 messages of a channel at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkDelete {
    /// The messages' ids, 2 to 100 of them, none repeated.
    #[cfg_attr(feature = "openapi", schema(min_items = 2, max_items = 100))]
    pub messages: Vec<MessageId>,
}

/// Send a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateMessage {
    /// Markdown, 1 to 4,000 characters after trimming (may be empty with embeds).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 4000))]
    pub content: String,
    /// Rich embeds (up to 10).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub embeds: Vec<Embed>,
    /// A client token that makes retries idempotent (up to 64 characters).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub nonce: Option<String>,
    /// The message it answers, in the same channel.
    #[serde(default)]
    pub reply_to_id: Option<MessageId>,
}

/// Edit a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditMessage {
    /// The new markdown content.
    #[cfg_attr(feature = "openapi", schema(max_length = 4000))]
    pub content: String,
}

/// Which page of history to read. At most one of `before`, `after` and `around`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct HistoryQuery {
    /// Messages after this id.
    #[serde(default)]
    pub after: Option<MessageId>,
    /// Messages around this id (it included).
    #[serde(default)]
    pub around: Option<MessageId>,
    /// Messages before this id.
    #[serde(default)]
    pub before: Option<MessageId>,
    /// 1 to 100; 50 when left out.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub limit: Option<u32>,
}

// serde's `with` signatures are fixed, and the double option is the point: absent vs null.
#[allow(clippy::option_option, clippy::ref_option)]
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_channel_tells_absent_from_null_category() {
        let keep: UpdateChannel = serde_json::from_str("{}").unwrap();
        assert_eq!(keep.category_id, None);
        let clear: UpdateChannel = serde_json::from_str(r#"{"category_id": null}"#).unwrap();
        assert_eq!(clear.category_id, Some(None));
        // Found by the rest_bodies fuzz target: an absent category must stay absent.
        let again: UpdateChannel =
            serde_json::from_str(&serde_json::to_string(&keep).unwrap()).unwrap();
        assert_eq!(again, keep);
        let again: UpdateChannel =
            serde_json::from_str(&serde_json::to_string(&clear).unwrap()).unwrap();
        assert_eq!(again, clear);
    }
}
