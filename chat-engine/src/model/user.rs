//! Users, their status and what authentication returns.

use serde::{Deserialize, Serialize};

use super::Timestamp;
use crate::id::UserId;

/// An account: a person or a bot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[allow(clippy::struct_excessive_bools)] // the wire format's flags, as Discord's user object
pub struct User {
    /// Shown instead of the username when set.
    pub avatar_url: String,
    /// Free text about the user.
    pub bio: String,
    /// When the account was made.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// A status message the user set.
    pub custom_status: String,
    /// A 4-digit tag kept for display, as Discord's.
    pub discriminator: String,
    /// Display name; empty means "use the username".
    pub display_name: String,
    /// The user's id.
    pub id: UserId,
    /// Whether this is a bot account.
    pub is_bot: bool,
    /// Whether the user administers the whole instance; only ever `true` for the user
    /// themselves (`GET /auth/me`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub instance_admin: bool,
    /// Whether the user logs in with a second factor; only ever `true` for the user
    /// themselves (`GET /auth/me`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mfa_enabled: bool,
    /// Whether the user shares read receipts (off unless they turn it on): in DMs and small
    /// channels, others see how far they have read.
    #[serde(default)]
    pub read_receipts: bool,
    /// The user's last chosen status.
    pub status: Status,
    /// Unique, case-insensitively.
    pub username: String,
}

/// Online status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Do not disturb.
    Dnd,
    /// Away.
    Idle,
    /// Appears offline to others.
    Invisible,
    /// Offline.
    #[default]
    Offline,
    /// Online.
    Online,
}

/// What register, login and refresh return.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthResponse {
    /// A rotating, revocable token for `refresh`.
    pub refresh_token: String,
    /// A short-lived JWT access token.
    pub token: String,
    /// The authenticated user.
    pub user: User,
}

/// A bot account and its long-lived token (shown once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BotCreated {
    /// The bot's token; revocable by logging it out.
    pub token: String,
    /// The bot user.
    pub user: User,
}

/// An account an instance administrator disabled (`ACCOUNT_DISABLED`, sent to it before its
/// gateway connections close).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountDisabled {
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Why, as the administrator said.
    pub reason: String,
    /// The account.
    pub user_id: UserId,
}

/// A user as an instance administrator sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminUser {
    /// Whether and why the account is disabled.
    pub disabled: Option<AccountDisabled>,
    /// Whether they administer the instance.
    pub instance_admin: bool,
    /// The user.
    pub user: User,
}

/// `PUT /admin/users/{id}/disabled` and `PUT /admin/servers/{id}/disabled`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DisableAccount {
    /// Why (up to 512 characters).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 512))]
    pub reason: String,
}

/// A page of the instance's users or servers for its administrators: `q` in the name, ids
/// after `after`, up to `limit`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct AdminQuery {
    /// Ids after this one.
    #[serde(default)]
    pub after: Option<String>,
    /// How many, 1 to 200 (50).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<usize>,
    /// Words the name contains, in any case.
    #[serde(default)]
    pub q: Option<String>,
}
