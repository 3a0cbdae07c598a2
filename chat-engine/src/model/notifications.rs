//! Notifications: what a message notifies a user of, and each user's preferences per server
//! and per channel.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Timestamp;
use crate::id::{ChannelId, MessageId, ServerId, UserId};

/// Why a message notifies a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// The user is mentioned by name or id.
    Mention,
    /// A role of the user is mentioned.
    Role,
    /// `@everyone`.
    Everyone,
    /// `@here`, while the user was online.
    Here,
    /// An answer to the user's message.
    Reply,
    /// A message in the user's DM or group DM.
    Dm,
}

impl NotificationKind {
    /// Whether it is addressed to the user (not to everyone at once): the kinds a `mentions`
    /// preference keeps.
    pub const fn is_direct(self) -> bool {
        matches!(self, Self::Mention | Self::Role | Self::Reply | Self::Dm)
    }
}

/// `NOTIFICATION_CREATE`: a message notifies the user it is sent to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    /// Who wrote the message.
    pub author_id: UserId,
    /// Its channel.
    pub channel_id: ChannelId,
    /// Why it notifies.
    pub kind: NotificationKind,
    /// The message.
    pub message_id: MessageId,
    /// Its server; `None` in DMs.
    pub server_id: Option<ServerId>,
}

/// How much a server or channel notifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotificationLevel {
    /// Every kind, `@everyone` and `@here` included (the default).
    #[default]
    All,
    /// Only what is addressed to the user: mentions of them or their roles, replies, DMs
    /// (`@everyone` and `@here` are suppressed).
    Mentions,
    /// Nothing.
    Nothing,
}

/// A preference for one server or channel (a channel's wins over its server's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NotificationSetting {
    /// How much it notifies.
    pub level: NotificationLevel,
    /// Nothing notifies before this time.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub muted_until: Option<Timestamp>,
}

/// A user's preferences. Without one for a channel, its server's applies; without that,
/// `all`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationSettings {
    /// By channel.
    #[serde(default)]
    pub channels: BTreeMap<ChannelId, NotificationSetting>,
    /// By server.
    #[serde(default)]
    pub servers: BTreeMap<ServerId, NotificationSetting>,
}

impl NotificationSettings {
    /// Whether a notification of `kind` in this channel reaches the user at `now`.
    pub fn allows(
        &self,
        channel: ChannelId,
        server: Option<ServerId>,
        kind: NotificationKind,
        now: Timestamp,
    ) -> bool {
        let setting = self
            .channels
            .get(&channel)
            .or_else(|| server.and_then(|s| self.servers.get(&s)));
        let (level, muted_until) =
            setting.map_or((NotificationLevel::All, None), |s| (s.level, s.muted_until));
        if muted_until.is_some_and(|until| until > now) {
            return false;
        }
        match level {
            NotificationLevel::All => true,
            NotificationLevel::Mentions => kind.is_direct(),
            NotificationLevel::Nothing => false,
        }
    }
}

/// What the push notifier is handed for a user with no live session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushNotification {
    /// The author's display name.
    pub author_name: String,
    /// The start of the message's text (up to 200 characters).
    pub content: String,
    /// What notifies.
    pub notification: Notification,
    /// The user to notify.
    pub user_id: UserId,
}
