//! Wire types shared by the engine, the server and the SDK: the blueprint's entities with its
//! exact JSON field names, request bodies, events and permission flags. This module compiles
//! without any of the engine's features.

mod audit;
mod channel;
mod event;
pub mod gateway;
mod message;
mod notifications;
mod permissions;
mod presence;
mod relationships;
mod requests;
mod search;
mod security;
mod server;
mod user;

pub use audit::{AuditAction, AuditChange, AuditLogEntry, AuditLogQuery};
pub use channel::{
    AUTO_ARCHIVE_DURATIONS, Channel, ChannelType, OverwriteType, PermissionOverwrite,
    ThreadMetadata,
};
pub use event::{
    ChannelRecipient, Event, InviteDelete, MemberRemove, MessageAck, MessageDelete,
    MessageDeleteBulk, ReactionEvent, RoleDelete, ServerDelete, ThreadDelete, ThreadMembersUpdate,
};
pub use message::{Attachment, Embed, Message, MessageEdit, MessageType, Reaction, ReadState};
pub use notifications::{
    Notification, NotificationKind, NotificationLevel, NotificationSetting, NotificationSettings,
    PushNotification,
};
pub use permissions::Permissions;
pub use presence::{
    Activity, ClientInfo, ClientKind, Presence, TypingIndicator, UpdatePresence, UpdateVoiceState,
    VoiceState,
};
pub use relationships::{
    FriendRequest, Relationship, RelationshipRemove, RelationshipType, SetRelationship,
};
pub use requests::{
    BulkDelete, ChannelPosition, CreateBot, CreateCategory, CreateChannel, CreateGroupDm,
    CreateInvite, CreateMessage, CreateRole, CreateServer, CreateThread, EditMessage, HistoryQuery,
    LoginRequest, RegisterRequest, StartThread, UpdateCategory, UpdateChannel, UpdateMember,
    UpdateProfile, UpdateRole, UpdateServer,
};
pub use search::{SearchHit, SearchQuery, SearchResults};
pub use security::{
    BackupCodes, LoginResponse, LoginSession, MfaChallenge, MfaLogin, PasswordChange, TotpCode,
    TotpSetup,
};
pub use server::{
    Ban, Category, DiscoveryQuery, Invite, InvitePreview, Member, Role, Server, ServerDisabled,
    ServerPreview,
};
pub use user::{
    AccountDisabled, AdminQuery, AdminUser, AuthResponse, BotCreated, DisableAccount, Status, User,
};

/// Timestamps are UTC and RFC 3339 on the wire.
pub type Timestamp = chrono::DateTime<chrono::Utc>;
