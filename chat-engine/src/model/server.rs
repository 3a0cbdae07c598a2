//! Servers (workspaces) and what hangs off them: categories, members, roles, invites, bans.

use serde::{Deserialize, Serialize};

use super::{Permissions, Timestamp};
use crate::id::{CategoryId, ChannelId, RoleId, ServerId, UserId};

/// What anyone may see of a public server (discovery).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServerPreview {
    /// What it is about.
    pub description: String,
    /// Its icon.
    pub icon_url: String,
    /// The server.
    pub id: ServerId,
    /// How many members it has.
    pub member_count: u32,
    /// Its name.
    pub name: String,
}

impl From<Server> for ServerPreview {
    fn from(server: Server) -> Self {
        Self {
            description: server.description,
            icon_url: server.icon_url,
            id: server.id,
            member_count: server.member_count,
            name: server.name,
        }
    }
}

/// What anyone may see of an invite before joining: the invite and its server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitePreview {
    /// The invite.
    #[serde(flatten)]
    pub invite: Invite,
    /// Its server.
    pub server: ServerPreview,
}

/// A search of the public servers: `q` in the name or description, up to `limit`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct DiscoveryQuery {
    /// How many to answer, 1 to 100 (25).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub limit: Option<usize>,
    /// Words the name or description contains, in any case.
    #[serde(default)]
    pub q: Option<String>,
}

/// A top-level container of channels and members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Server {
    /// When the server was made.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// Free text.
    pub description: String,
    /// Icon image URL.
    pub icon_url: String,
    /// The server's id; its @everyone role has the same id.
    pub id: ServerId,
    /// The permanent invite made with the server.
    pub invite_code: String,
    /// Whether anyone may join without an invite.
    pub is_public: bool,
    /// Number of members.
    pub member_count: u32,
    /// Display name.
    pub name: String,
    /// The owner, who holds every permission.
    pub owner_id: UserId,
    /// Why and since when an instance administrator disabled the server, if one did: then
    /// nobody, its owner included, may view or do anything in it, and nobody may join it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<ServerDisabled>,
    /// Where join and leave messages go (the default text channel), if it still exists.
    pub system_channel_id: Option<ChannelId>,
    /// Last change.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

/// A server an instance administrator disabled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServerDisabled {
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Why, as the administrator said.
    pub reason: String,
}

/// Groups channels within a server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Category {
    /// When it was made.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// The category's id.
    pub id: CategoryId,
    /// Display name.
    pub name: String,
    /// Sort position.
    pub position: i32,
    /// Its server.
    pub server_id: ServerId,
}

/// A user's membership in a server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    /// Until when a moderator has timed the member out: they read but cannot send, react,
    /// type, join voice or start threads. `None` (or a past time) when they may.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub communication_disabled_until: Option<Timestamp>,
    /// Server-deafened in voice by a moderator.
    pub is_deafened: bool,
    /// Server-muted in voice by a moderator.
    pub is_muted: bool,
    /// When the user joined.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub joined_at: Timestamp,
    /// Server-specific display name; empty for none.
    pub nickname: String,
    /// Roles besides @everyone.
    pub role_ids: Vec<RoleId>,
    /// The server.
    pub server_id: ServerId,
    /// The user.
    pub user_id: UserId,
}

impl Member {
    /// A new member with no roles, nickname or moderation, joined at `at`.
    pub fn joined(server_id: ServerId, user_id: UserId, at: Timestamp) -> Self {
        Self {
            communication_disabled_until: None,
            is_deafened: false,
            is_muted: false,
            joined_at: at,
            nickname: String::new(),
            role_ids: Vec::new(),
            server_id,
            user_id,
        }
    }

    /// Whether the member is timed out at `now`.
    pub fn is_timed_out(&self, now: Timestamp) -> bool {
        self.communication_disabled_until
            .is_some_and(|until| until > now)
    }
}

/// A named set of permissions; higher positions outrank lower ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Role {
    /// RGB colour.
    pub color: u32,
    /// When it was made.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// The role's id.
    pub id: RoleId,
    /// Whether this is the @everyone role (position 0, held by every member).
    pub is_default: bool,
    /// Whether anyone may mention it.
    pub is_mentionable: bool,
    /// Display name.
    pub name: String,
    /// Permissions it grants.
    pub permissions: Permissions,
    /// Rank in the hierarchy.
    pub position: i32,
    /// Its server.
    pub server_id: ServerId,
}

/// A code that lets people join a server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invite {
    /// The code.
    pub code: String,
    /// When it was made.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// When it stops working; `None` never.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub expires_at: Option<Timestamp>,
    /// Who made it.
    pub inviter_id: UserId,
    /// How many joins it allows; 0 is unlimited.
    pub max_uses: u32,
    /// Its server.
    pub server_id: ServerId,
    /// How many joins it has made.
    pub uses: u32,
}

/// A ban of a user from a server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ban {
    /// When the ban was made.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// Who banned.
    pub moderator_id: UserId,
    /// Why.
    pub reason: String,
    /// The server.
    pub server_id: ServerId,
    /// The banned user.
    pub user_id: UserId,
}
