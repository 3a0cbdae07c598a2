//! Messages, their parts, their edit history and per-user read states.

use serde::{Deserialize, Serialize};

use super::Timestamp;
use crate::id::{AttachmentId, ChannelId, MessageId, RoleId, UserId};

/// A message in a channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    /// Files attached to it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// Who sent it.
    pub author_id: UserId,
    /// Its channel.
    pub channel_id: ChannelId,
    /// The markdown source, trimmed.
    pub content: String,
    /// The content rendered to sanitized HTML.
    pub content_html: String,
    /// When it was sent.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// When it was last edited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub edited_at: Option<Timestamp>,
    /// Rich embeds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub embeds: Vec<Embed>,
    /// The message's id; ids grow strictly within a channel.
    pub id: MessageId,
    /// Whether it was edited.
    pub is_edited: bool,
    /// Whether it is pinned.
    pub is_pinned: bool,
    /// Whether it pings everyone (only when the author may).
    pub mention_everyone: bool,
    /// Roles it mentions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mention_roles: Vec<RoleId>,
    /// Users it mentions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<UserId>,
    /// The client's nonce, echoed so that it can match its optimistic copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Reactions, with `me` from the reader's point of view (in an event, which all readers
    /// share, `me` is false: a reader finds itself in `users`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<Reaction>,
    /// The message it answers, in the same channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to_id: Option<MessageId>,
    /// The thread started from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<ChannelId>,
    /// The message type.
    #[serde(rename = "type")]
    pub kind: MessageType,
}

/// What kind of message it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageType {
    /// A pin notice.
    ChannelPinned,
    /// An ordinary message.
    Default,
    /// An answer to another message.
    Reply,
    /// A member joined.
    SystemJoin,
    /// A member left.
    SystemLeave,
}

impl MessageType {
    /// Whether the engine, not a person, wrote it.
    pub const fn is_system(self) -> bool {
        matches!(
            self,
            Self::ChannelPinned | Self::SystemJoin | Self::SystemLeave
        )
    }
}

/// A file attached to a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    /// MIME type.
    pub content_type: String,
    /// File name.
    pub filename: String,
    /// Image height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// The attachment's id.
    pub id: AttachmentId,
    /// Size in bytes.
    pub size: u64,
    /// Where to fetch it.
    pub url: String,
    /// Image width.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
}

/// A rich embed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Embed {
    /// Accent colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<u32>,
    /// Body text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Image URL.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub image_url: String,
    /// Title.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// `rich`, `image`, `video` or `link`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Link target.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    /// Video URL.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub video_url: String,
}

/// One emoji's reactions on a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reaction {
    /// How many users reacted.
    pub count: u32,
    /// The emoji.
    pub emoji: String,
    /// Whether the reader is among them.
    pub me: bool,
    /// Who reacted, in order.
    pub users: Vec<UserId>,
}

/// A previous version of an edited message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageEdit {
    /// The content before the edit.
    pub content: String,
    /// When the edit replaced it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub replaced_at: Timestamp,
}

/// How far a user has read a channel, with what is unread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadState {
    /// The channel.
    pub channel_id: ChannelId,
    /// The newest message the user has read; it only moves forward.
    pub last_read_id: Option<MessageId>,
    /// When the channel's pins last changed.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_pin_timestamp: Option<Timestamp>,
    /// Unread messages that mention the user (capped like `unread_count`).
    pub mention_count: u32,
    /// Unread messages, counted up to 1,000.
    pub unread_count: u32,
    /// The user.
    pub user_id: UserId,
}
