//! The audit log: who changed what in a server, when, and why.

use serde::{Deserialize, Serialize};

use super::Timestamp;
use crate::id::{AuditLogEntryId, UserId};

/// What an audit log entry records (Discord's action types, as snake_case strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditAction {
    /// The server's settings changed.
    ServerUpdate,
    /// A channel or category was made.
    ChannelCreate,
    /// A channel or category changed (name, topic, position, flags).
    ChannelUpdate,
    /// A channel or category was deleted.
    ChannelDelete,
    /// A channel's permission overwrite was set or removed.
    OverwriteUpdate,
    /// A role was made.
    RoleCreate,
    /// A role changed.
    RoleUpdate,
    /// A role was deleted.
    RoleDelete,
    /// A member gained or lost a role.
    MemberRoleUpdate,
    /// A member was kicked.
    MemberKick,
    /// A user was banned.
    MemberBanAdd,
    /// A ban was lifted.
    MemberBanRemove,
    /// A member's nickname, voice mute or deafen, or timeout changed.
    MemberUpdate,
    /// An invite was made.
    InviteCreate,
    /// An invite was deleted.
    InviteDelete,
    /// A moderator deleted another's message.
    MessageDelete,
    /// A moderator deleted several messages at once.
    MessageBulkDelete,
    /// A message was pinned.
    MessagePin,
    /// A message was unpinned.
    MessageUnpin,
}

/// One changed field: its value before and after (absent when there was none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditChange {
    /// The field's name, as on the changed object.
    pub key: String,
    /// The value after the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_value: Option<serde_json::Value>,
    /// The value before the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_value: Option<serde_json::Value>,
}

/// A recorded moderation or settings change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditLogEntry {
    /// What was done.
    pub action_type: AuditAction,
    /// The fields it changed, before and after.
    pub changes: Vec<AuditChange>,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// The entry's id (newer entries have greater ids).
    pub id: AuditLogEntryId,
    /// Why, as the moderator said (`X-Audit-Log-Reason`).
    pub reason: Option<String>,
    /// What it was done to: a user, channel, role, message or invite code.
    pub target_id: Option<String>,
    /// Who did it.
    pub user_id: UserId,
}

/// Which entries to read: newest first, optionally by one actor or of one action, before an
/// entry, up to `limit`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct AuditLogQuery {
    /// Only this action.
    #[serde(default)]
    pub action_type: Option<AuditAction>,
    /// Only entries older than this one.
    #[serde(default)]
    pub before: Option<AuditLogEntryId>,
    /// How many, 1 to 100 (50).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub limit: Option<usize>,
    /// Only entries by this actor.
    #[serde(default)]
    pub user_id: Option<UserId>,
}
