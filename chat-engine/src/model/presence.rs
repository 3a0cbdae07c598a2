//! Presence, typing and voice states: what is live but not stored.

use serde::{Deserialize, Serialize};

use super::{Status, Timestamp};
use crate::id::{ChannelId, ServerId, UserId};

/// A user's aggregated presence over their devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Presence {
    /// What the user is doing.
    pub activities: Vec<Activity>,
    /// Status per kind of client.
    pub client_info: ClientInfo,
    /// Status message.
    pub custom_status: String,
    /// When the user was last seen online.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_seen_at: Option<Timestamp>,
    /// Aggregated status; `invisible` is only ever shown to the user themselves.
    pub status: Status,
    /// The user.
    pub user_id: UserId,
}

/// An activity: playing, streaming, listening or watching.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activity {
    /// Details line.
    #[serde(default)]
    pub details: String,
    /// Name, e.g. the game.
    pub name: String,
    /// State line.
    #[serde(default)]
    pub state: String,
    /// `playing`, `streaming`, `listening` or `watching`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// Status per kind of client; absent kinds are offline.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientInfo {
    /// Desktop client status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desktop: Option<Status>,
    /// Mobile client status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<Status>,
    /// Web client status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web: Option<Status>,
}

/// The kind of client a device is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClientKind {
    /// A desktop app.
    Desktop,
    /// A mobile app.
    Mobile,
    /// A browser (and bots).
    #[default]
    Web,
}

/// Change one device's presence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdatePresence {
    /// Up to 5 activities.
    #[serde(default)]
    pub activities: Vec<Activity>,
    /// Status message (up to 128 characters).
    #[serde(default)]
    pub custom_status: String,
    /// `online`, `idle`, `dnd` or `invisible`.
    pub status: Status,
}

/// Payload of `TYPING_START`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TypingIndicator {
    /// The channel.
    pub channel_id: ChannelId,
    /// When typing started.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub timestamp: Timestamp,
    /// Who types.
    pub user_id: UserId,
}

/// A user's voice connection in a server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[allow(clippy::struct_excessive_bools)] // the wire format's four flags
pub struct VoiceState {
    /// The voice channel; `None` once the user left.
    pub channel_id: Option<ChannelId>,
    /// Server-deafened by a moderator.
    pub is_deafened: bool,
    /// Server-muted by a moderator.
    pub is_muted: bool,
    /// Deafened by themselves.
    pub self_deaf: bool,
    /// Muted by themselves.
    pub self_mute: bool,
    /// The server.
    pub server_id: ServerId,
    /// The user.
    pub user_id: UserId,
}

/// Join, move within or leave (`channel_id: null`) voice in a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateVoiceState {
    /// The voice channel to be in, or `None` to leave.
    #[serde(default)]
    pub channel_id: Option<ChannelId>,
    /// Mute oneself.
    #[serde(default)]
    pub self_deaf: bool,
    /// Deafen oneself.
    #[serde(default)]
    pub self_mute: bool,
    /// The server.
    pub server_id: ServerId,
}
