//! Events: every change the engine makes, as dispatched to sessions (`t` and `d` on the wire).

use serde::{Deserialize, Serialize};

use super::{
    AccountDisabled, Category, Channel, Invite, Member, Message, Notification, Presence, ReadState,
    Relationship, RelationshipRemove, Role, Server, TypingIndicator, User, VoiceState,
};
use crate::id::{ChannelId, MessageId, RoleId, ServerId, UserId};

/// A change, named by its dispatch type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "d", rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum Event {
    /// An instance administrator disabled the user's account (sent to that user; their
    /// gateway connections close after it).
    AccountDisabled(AccountDisabled),
    /// A category was made.
    CategoryCreate(Category),
    /// A category was deleted; its channels left it.
    CategoryDelete(Category),
    /// A category was renamed or moved.
    CategoryUpdate(Category),
    /// A channel was made.
    ChannelCreate(Channel),
    /// Someone joined a group DM (sent to its recipients, the new one included).
    ChannelRecipientAdd(ChannelRecipient),
    /// Someone left or was removed from a group DM (sent to its recipients and to them).
    ChannelRecipientRemove(ChannelRecipient),
    /// A channel was deleted.
    ChannelDelete(Channel),
    /// A channel's settings or overwrites changed.
    ChannelUpdate(Channel),
    /// An invite was made.
    InviteCreate(Invite),
    /// An invite was deleted.
    InviteDelete(InviteDelete),
    /// A user joined a server.
    MemberAdd(Member),
    /// A user left or was removed from a server.
    MemberRemove(MemberRemove),
    /// A member's nickname, roles or voice flags changed.
    MemberUpdate(Member),
    /// The user read a channel up to a message (sent to the user's own sessions, and to the
    /// channel's participants in a DM or small channel when the user shares read receipts).
    MessageAck(MessageAck),
    /// A message was sent.
    MessageCreate(Message),
    /// A message was deleted.
    MessageDelete(MessageDelete),
    /// Several messages of one channel were deleted at once (bulk delete, or a ban that
    /// deletes the user's recent messages).
    MessageDeleteBulk(MessageDeleteBulk),
    /// A reaction was added.
    MessageReactionAdd(ReactionEvent),
    /// A reaction was removed.
    MessageReactionRemove(ReactionEvent),
    /// A message was edited, pinned, unpinned or got a thread.
    MessageUpdate(Message),
    /// A message notifies the user (sent to that user, after their preferences).
    NotificationCreate(Notification),
    /// A user's presence changed (not stored; not replayed on resume).
    PresenceUpdate(Presence),
    /// A relationship of the user began or changed (sent to that user).
    RelationshipAdd(Relationship),
    /// A relationship of the user ended (sent to that user).
    RelationshipRemove(RelationshipRemove),
    /// The user's read state in a channel, with its counts (sent to the user's own sessions
    /// when they read).
    ReadStateUpdate(ReadState),
    /// A role was made.
    RoleCreate(Role),
    /// A role was deleted.
    RoleDelete(RoleDelete),
    /// A role changed.
    RoleUpdate(Role),
    /// The user joined or made a server (sent to that user).
    ServerCreate(Server),
    /// A server was deleted, or the user lost access to it.
    ServerDelete(ServerDelete),
    /// A server's settings changed.
    ServerUpdate(Server),
    /// A thread was started.
    ThreadCreate(Channel),
    /// A thread was deleted.
    ThreadDelete(ThreadDelete),
    /// Someone joined or left a thread.
    ThreadMembersUpdate(ThreadMembersUpdate),
    /// A thread was renamed, archived, unarchived, locked or unlocked.
    ThreadUpdate(Channel),
    /// Someone started typing (not stored; not replayed on resume).
    TypingStart(TypingIndicator),
    /// A user's profile changed.
    UserUpdate(User),
    /// Someone joined, left or changed their state in voice (not stored).
    VoiceStateUpdate(VoiceState),
}

impl Event {
    /// The dispatch type, e.g. `MESSAGE_CREATE`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::AccountDisabled(_) => "ACCOUNT_DISABLED",
            Self::CategoryCreate(_) => "CATEGORY_CREATE",
            Self::CategoryDelete(_) => "CATEGORY_DELETE",
            Self::CategoryUpdate(_) => "CATEGORY_UPDATE",
            Self::ChannelCreate(_) => "CHANNEL_CREATE",
            Self::ChannelRecipientAdd(_) => "CHANNEL_RECIPIENT_ADD",
            Self::ChannelRecipientRemove(_) => "CHANNEL_RECIPIENT_REMOVE",
            Self::ChannelDelete(_) => "CHANNEL_DELETE",
            Self::ChannelUpdate(_) => "CHANNEL_UPDATE",
            Self::InviteCreate(_) => "INVITE_CREATE",
            Self::InviteDelete(_) => "INVITE_DELETE",
            Self::MemberAdd(_) => "MEMBER_ADD",
            Self::MemberRemove(_) => "MEMBER_REMOVE",
            Self::MemberUpdate(_) => "MEMBER_UPDATE",
            Self::MessageAck(_) => "MESSAGE_ACK",
            Self::MessageCreate(_) => "MESSAGE_CREATE",
            Self::MessageDelete(_) => "MESSAGE_DELETE",
            Self::MessageDeleteBulk(_) => "MESSAGE_DELETE_BULK",
            Self::MessageReactionAdd(_) => "MESSAGE_REACTION_ADD",
            Self::MessageReactionRemove(_) => "MESSAGE_REACTION_REMOVE",
            Self::MessageUpdate(_) => "MESSAGE_UPDATE",
            Self::NotificationCreate(_) => "NOTIFICATION_CREATE",
            Self::PresenceUpdate(_) => "PRESENCE_UPDATE",
            Self::ReadStateUpdate(_) => "READ_STATE_UPDATE",
            Self::RelationshipAdd(_) => "RELATIONSHIP_ADD",
            Self::RelationshipRemove(_) => "RELATIONSHIP_REMOVE",
            Self::RoleCreate(_) => "ROLE_CREATE",
            Self::RoleDelete(_) => "ROLE_DELETE",
            Self::RoleUpdate(_) => "ROLE_UPDATE",
            Self::ServerCreate(_) => "SERVER_CREATE",
            Self::ServerDelete(_) => "SERVER_DELETE",
            Self::ServerUpdate(_) => "SERVER_UPDATE",
            Self::ThreadCreate(_) => "THREAD_CREATE",
            Self::ThreadDelete(_) => "THREAD_DELETE",
            Self::ThreadMembersUpdate(_) => "THREAD_MEMBERS_UPDATE",
            Self::ThreadUpdate(_) => "THREAD_UPDATE",
            Self::TypingStart(_) => "TYPING_START",
            Self::UserUpdate(_) => "USER_UPDATE",
            Self::VoiceStateUpdate(_) => "VOICE_STATE_UPDATE",
        }
    }
}

/// Payload of `CHANNEL_RECIPIENT_ADD` and `CHANNEL_RECIPIENT_REMOVE`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelRecipient {
    /// The group DM.
    pub channel_id: ChannelId,
    /// Who joined or left.
    pub user: User,
}

/// Payload of `THREAD_DELETE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadDelete {
    /// The thread.
    pub id: ChannelId,
    /// Its parent channel.
    pub parent_id: ChannelId,
    /// Its server.
    pub server_id: ServerId,
}

/// Payload of `THREAD_MEMBERS_UPDATE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadMembersUpdate {
    /// Who joined.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added_member_ids: Vec<UserId>,
    /// The thread.
    pub id: ChannelId,
    /// How many members it has now.
    pub member_count: u32,
    /// Who left.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed_member_ids: Vec<UserId>,
    /// Its server.
    pub server_id: ServerId,
}

/// Payload of `INVITE_DELETE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteDelete {
    /// The code.
    pub code: String,
    /// Its server.
    pub server_id: ServerId,
}

/// Payload of `MEMBER_REMOVE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRemove {
    /// Why a moderator removed them (kicks and bans); absent when they left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The server.
    pub server_id: ServerId,
    /// Who left.
    pub user_id: UserId,
}

/// Payload of `MESSAGE_ACK`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageAck {
    /// The channel read.
    pub channel_id: ChannelId,
    /// The newest message read.
    pub message_id: MessageId,
    /// The reader.
    pub user_id: UserId,
}

/// Payload of `MESSAGE_DELETE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageDelete {
    /// Its channel.
    pub channel_id: ChannelId,
    /// The deleted message.
    pub id: MessageId,
    /// Its server; `None` in DMs.
    pub server_id: Option<ServerId>,
}

/// Payload of `MESSAGE_DELETE_BULK`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageDeleteBulk {
    /// Their channel.
    pub channel_id: ChannelId,
    /// The deleted messages.
    pub ids: Vec<MessageId>,
    /// Their server; `None` in DMs.
    pub server_id: Option<ServerId>,
}

/// Payload of `MESSAGE_REACTION_ADD` and `MESSAGE_REACTION_REMOVE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactionEvent {
    /// The message's channel.
    pub channel_id: ChannelId,
    /// The emoji.
    pub emoji: String,
    /// The message.
    pub message_id: MessageId,
    /// Who reacted.
    pub user_id: UserId,
}

/// Payload of `ROLE_DELETE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleDelete {
    /// The deleted role.
    pub role_id: RoleId,
    /// Its server.
    pub server_id: ServerId,
}

/// Payload of `SERVER_DELETE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerDelete {
    /// The server.
    pub id: ServerId,
}
