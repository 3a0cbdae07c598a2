//! Every redb table, versioned by name so that migrations are explicit.

use redb::TableDefinition;

use crate::store::Table;

type Def = TableDefinition<'static, &'static [u8], &'static [u8]>;

const ARCHIVE_QUEUE: Def = TableDefinition::new("archive_queue_v1");
const ATTACHMENTS: Def = TableDefinition::new("attachments_v1");
const AUDIT_LOG: Def = TableDefinition::new("audit_log_v1");
const BANS: Def = TableDefinition::new("bans_v1");
const BLOB_REFS: Def = TableDefinition::new("blob_refs_v1");
const CATEGORIES: Def = TableDefinition::new("categories_v1");
const CHANNEL_ACTIVITY: Def = TableDefinition::new("channel_activity_v1");
const CHANNELS: Def = TableDefinition::new("channels_v1");
const CLOSED_CHANNELS: Def = TableDefinition::new("closed_channels_v1");
const DM_PAIRS: Def = TableDefinition::new("dm_pairs_v1");
const ENDED_SESSIONS: Def = TableDefinition::new("ended_sessions_v1");
const EVENTS: Def = TableDefinition::new("events_v1");
const INVITES: Def = TableDefinition::new("invites_v1");
const MEMBERS: Def = TableDefinition::new("members_v1");
const MESSAGE_EDITS: Def = TableDefinition::new("message_edits_v1");
const MESSAGES: Def = TableDefinition::new("messages_v1");
const META: Def = TableDefinition::new("meta_v1");
const NONCES: Def = TableDefinition::new("nonces_v1");
const NOTIFICATION_SETTINGS: Def = TableDefinition::new("notification_settings_v1");
const PINS: Def = TableDefinition::new("pins_v1");
const PUSH_QUEUE: Def = TableDefinition::new("push_queue_v1");
const REACTIONS: Def = TableDefinition::new("reactions_v1");
const READ_STATES: Def = TableDefinition::new("read_states_v1");
const RELATIONSHIPS: Def = TableDefinition::new("relationships_v1");
const ROLES: Def = TableDefinition::new("roles_v1");
const SERVER_CHANNELS: Def = TableDefinition::new("server_channels_v1");
const SERVER_INVITES: Def = TableDefinition::new("server_invites_v1");
const SERVERS: Def = TableDefinition::new("servers_v1");
const SESSIONS: Def = TableDefinition::new("sessions_v1");
const SLOW_MODE: Def = TableDefinition::new("slow_mode_v1");
const THREAD_DEADLINES: Def = TableDefinition::new("thread_deadlines_v1");
const THREAD_MEMBERS: Def = TableDefinition::new("thread_members_v1");
const USER_CHANNELS: Def = TableDefinition::new("user_channels_v1");
const USERNAMES: Def = TableDefinition::new("usernames_v1");
const USER_SESSIONS: Def = TableDefinition::new("user_sessions_v1");
const USER_SERVERS: Def = TableDefinition::new("user_servers_v1");
const USERS: Def = TableDefinition::new("users_v1");

/// The redb definition of a table.
pub(super) const fn definition(table: Table) -> Def {
    match table {
        Table::ArchiveQueue => ARCHIVE_QUEUE,
        Table::Attachments => ATTACHMENTS,
        Table::AuditLog => AUDIT_LOG,
        Table::Bans => BANS,
        Table::BlobRefs => BLOB_REFS,
        Table::Categories => CATEGORIES,
        Table::ChannelActivity => CHANNEL_ACTIVITY,
        Table::Channels => CHANNELS,
        Table::ClosedChannels => CLOSED_CHANNELS,
        Table::DmPairs => DM_PAIRS,
        Table::EndedSessions => ENDED_SESSIONS,
        Table::Events => EVENTS,
        Table::Invites => INVITES,
        Table::Members => MEMBERS,
        Table::MessageEdits => MESSAGE_EDITS,
        Table::Messages => MESSAGES,
        Table::Meta => META,
        Table::Nonces => NONCES,
        Table::NotificationSettings => NOTIFICATION_SETTINGS,
        Table::Pins => PINS,
        Table::PushQueue => PUSH_QUEUE,
        Table::Reactions => REACTIONS,
        Table::ReadStates => READ_STATES,
        Table::Relationships => RELATIONSHIPS,
        Table::Roles => ROLES,
        Table::ServerChannels => SERVER_CHANNELS,
        Table::ServerInvites => SERVER_INVITES,
        Table::Servers => SERVERS,
        Table::Sessions => SESSIONS,
        Table::SlowMode => SLOW_MODE,
        Table::ThreadDeadlines => THREAD_DEADLINES,
        Table::ThreadMembers => THREAD_MEMBERS,
        Table::UserChannels => USER_CHANNELS,
        Table::Usernames => USERNAMES,
        Table::UserSessions => USER_SESSIONS,
        Table::UserServers => USER_SERVERS,
        Table::Users => USERS,
    }
}
