//! Storage: the backend seam ([`Backend`]: consistent snapshots and atomic, durable batches),
//! its implementations ([`InMemoryStore`], [`RedbStore`], and `PostgresStore` with the
//! `postgres` feature) and one store trait per
//! aggregate ([`UserStore`], [`AuditLogStore`], [`ServerStore`], [`ChannelStore`], [`MessageStore`],
//! [`ReadStateStore`], [`RelationshipStore`], [`NotificationStore`], [`SettingsStore`], [`EndedSessionStore`],
//! [`EventLog`]) that the domain
//! code talks to.
//!
//! **`Backend` is the seam.** To put the engine on another store, implement [`Backend`] and
//! [`Snapshot`] (a few methods over byte keys in [`Table`]s) and run the conformance suite
//! against it (`store_conformance_tests!`, with the `testing` feature). The aggregate traits
//! are written once over every backend: no backend reimplements them, and no code outside
//! this module names a table or a key.
//!
//! Which backend to use: redb is the default and is durable; PostgreSQL keeps the data on a
//! database server instead; memory is for tests and for embedding where nothing must survive
//! the process.
//!
//! Every engine write runs as one job against a [`Tx`], an overlay over a snapshot. A single
//! writer thread runs queued jobs one after another and commits them together (group commit):
//! a job's writes and events are either all committed or, if the job fails, all dropped, and
//! no job's caller hears back before its commit is durable.

mod attachments;
mod audit_log;
mod cache;
mod channels;
mod ended_sessions;
mod event_log;
pub(crate) mod hooks;
mod keys;
mod memory;
mod messages;
pub(crate) mod migrations;
mod notifications;
#[cfg(feature = "postgres")]
mod postgres;
mod read_states;
#[cfg(feature = "redb")]
mod redb;
mod relationships;
mod servers;
mod settings;
pub(crate) mod tx;
mod users;
pub(crate) mod writer;

#[cfg(any(test, feature = "testing"))]
pub mod conformance;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Bound;
use std::sync::Arc;

use tokio::sync::Notify;

pub use attachments::{AttachmentRecord, AttachmentStore};
pub use audit_log::AuditLogStore;
pub use channels::ChannelStore;
pub use ended_sessions::EndedSessionStore;
pub use event_log::{EventLog, StoredEvent};
pub use memory::InMemoryStore;
pub use messages::MessageStore;
pub use notifications::NotificationStore;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
pub use read_states::ReadStateStore;
#[cfg(feature = "redb")]
pub use redb::RedbStore;
pub use relationships::{RelationshipRecord, RelationshipStore};
pub use servers::ServerStore;
pub use settings::SettingsStore;
pub use tx::{Kv, KvMut, Reader, Tx};
pub use users::UserStore;
pub(crate) use users::{SessionRecord, TotpRecord, UserRecord};

use crate::error::StorageError;

/// The tables of the store. Keys are byte strings, ordered bytewise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Table {
    /// `channel ++ attachment` → attachment record.
    Attachments,
    /// `deadline (ms since the epoch, i64 big-endian) ++ thread` → nothing: threads waiting
    /// to archive themselves, soonest first.
    ArchiveQueue,
    /// `server ++ entry` → audit log entry.
    AuditLog,
    /// `server ++ user` → ban.
    Bans,
    /// `blob key` (hex SHA-256) → how many attachments use it.
    BlobRefs,
    /// `server ++ category` → category.
    Categories,
    /// `channel` → its last message: id (16 bytes) and creation time (nanoseconds since the
    /// epoch, i64 big-endian). Kept apart from the channel so that a message does not rewrite
    /// (and re-encode) its channel's record.
    ChannelActivity,
    /// `channel` → channel.
    Channels,
    /// `user ++ channel` → nothing: a DM the user closed (hidden from their list until a new
    /// message arrives).
    ClosedChannels,
    /// `lower user ++ higher user` → DM channel id.
    DmPairs,
    /// `event session id` → the sequence number it had seen when its client ended it.
    EndedSessions,
    /// `seq` (u64, big-endian) → stored event.
    Events,
    /// `code` → invite.
    Invites,
    /// `server ++ user` → member.
    Members,
    /// `message ++ edit id` → previous version.
    MessageEdits,
    /// `channel ++ message` → message (without reactions).
    Messages,
    /// Engine settings by name.
    Meta,
    /// `user` → the user's notification preferences.
    NotificationSettings,
    /// `channel ++ author ++ nonce` → message id.
    Nonces,
    /// `channel ++ message` → pin time.
    Pins,
    /// `seq` (the notifying event's, u64 big-endian) `++ user` → a push notification waiting
    /// for the push notifier.
    PushQueue,
    /// `channel ++ message ++ emoji length ++ emoji ++ user` → reaction time.
    Reactions,
    /// `user ++ channel` → last read message id.
    ReadStates,
    /// `user ++ other user` → how the user relates to the other (friend, blocked, request).
    Relationships,
    /// `server ++ role` → role.
    Roles,
    /// `server ++ channel` → nothing (channel index of a server).
    ServerChannels,
    /// `server ++ code` → nothing (invite index of a server).
    ServerInvites,
    /// `server` → server.
    Servers,
    /// `session` → session record.
    Sessions,
    /// `channel ++ user` → time of the user's last message (slow mode).
    SlowMode,
    /// `thread` → its auto-archive deadline (ms since the epoch, i64 big-endian), the key of
    /// its entry in `ArchiveQueue`.
    ThreadDeadlines,
    /// `thread ++ user` → nothing.
    ThreadMembers,
    /// `user ++ channel` → nothing (a user's DMs and group DMs).
    UserChannels,
    /// `lowercased username` → user id.
    Usernames,
    /// `user ++ session` → nothing (a user's login sessions).
    UserSessions,
    /// `user ++ server` → nothing (a user's servers).
    UserServers,
    /// `user` → user record.
    Users,
}

impl Table {
    /// Every table, for backends that create them up front.
    pub const ALL: [Self; 37] = [
        Self::ArchiveQueue,
        Self::Attachments,
        Self::AuditLog,
        Self::Bans,
        Self::BlobRefs,
        Self::Categories,
        Self::ChannelActivity,
        Self::Channels,
        Self::ClosedChannels,
        Self::DmPairs,
        Self::EndedSessions,
        Self::Events,
        Self::Invites,
        Self::Members,
        Self::MessageEdits,
        Self::Messages,
        Self::Meta,
        Self::NotificationSettings,
        Self::Nonces,
        Self::Pins,
        Self::PushQueue,
        Self::Reactions,
        Self::ReadStates,
        Self::Relationships,
        Self::Roles,
        Self::ServerChannels,
        Self::ServerInvites,
        Self::Servers,
        Self::Sessions,
        Self::SlowMode,
        Self::ThreadDeadlines,
        Self::ThreadMembers,
        Self::UserChannels,
        Self::Usernames,
        Self::UserSessions,
        Self::UserServers,
        Self::Users,
    ];

    /// The table's stable name, which backups carry.
    pub const fn name(self) -> &'static str {
        match self {
            Self::ArchiveQueue => "archive_queue",
            Self::Attachments => "attachments",
            Self::AuditLog => "audit_log",
            Self::Bans => "bans",
            Self::BlobRefs => "blob_refs",
            Self::Categories => "categories",
            Self::ChannelActivity => "channel_activity",
            Self::Channels => "channels",
            Self::ClosedChannels => "closed_channels",
            Self::DmPairs => "dm_pairs",
            Self::EndedSessions => "ended_sessions",
            Self::Events => "events",
            Self::Invites => "invites",
            Self::Members => "members",
            Self::MessageEdits => "message_edits",
            Self::Messages => "messages",
            Self::Meta => "meta",
            Self::NotificationSettings => "notification_settings",
            Self::Nonces => "nonces",
            Self::Pins => "pins",
            Self::PushQueue => "push_queue",
            Self::Reactions => "reactions",
            Self::ReadStates => "read_states",
            Self::Relationships => "relationships",
            Self::Roles => "roles",
            Self::ServerChannels => "server_channels",
            Self::ServerInvites => "server_invites",
            Self::Servers => "servers",
            Self::Sessions => "sessions",
            Self::SlowMode => "slow_mode",
            Self::ThreadDeadlines => "thread_deadlines",
            Self::ThreadMembers => "thread_members",
            Self::UserChannels => "user_channels",
            Self::Usernames => "usernames",
            Self::UserSessions => "user_sessions",
            Self::UserServers => "user_servers",
            Self::Users => "users",
        }
    }

    /// The table of a name that [`Table::name`] gave.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|table| table.name() == name)
    }
}

/// A range of keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyRange {
    /// Lower bound.
    pub start: Bound<Vec<u8>>,
    /// Upper bound.
    pub end: Bound<Vec<u8>>,
}

impl KeyRange {
    /// Every key that starts with `prefix`.
    pub fn prefix(prefix: &[u8]) -> Self {
        let end = prefix_end(prefix).map_or(Bound::Unbounded, Bound::Excluded);
        Self {
            start: Bound::Included(prefix.to_vec()),
            end,
        }
    }

    /// Every key.
    pub const fn all() -> Self {
        Self {
            start: Bound::Unbounded,
            end: Bound::Unbounded,
        }
    }

    /// Whether `key` lies in the range.
    pub fn contains(&self, key: &[u8]) -> bool {
        let above = match &self.start {
            Bound::Included(s) => key >= s.as_slice(),
            Bound::Excluded(s) => key > s.as_slice(),
            Bound::Unbounded => true,
        };
        let below = match &self.end {
            Bound::Included(e) => key <= e.as_slice(),
            Bound::Excluded(e) => key < e.as_slice(),
            Bound::Unbounded => true,
        };
        above && below
    }

    /// The bounds as borrowed slices.
    pub fn as_slices(&self) -> (Bound<&[u8]>, Bound<&[u8]>) {
        (
            self.start.as_ref().map(Vec::as_slice),
            self.end.as_ref().map(Vec::as_slice),
        )
    }
}

/// The smallest key greater than every key with this prefix, if there is one.
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// The direction of a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    /// Smallest keys first.
    Ascending,
    /// Largest keys first.
    Descending,
}

/// A set of writes applied together: `Some(value)` puts, `None` deletes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    writes: BTreeMap<(Table, Vec<u8>), Option<Vec<u8>>>,
}

impl Batch {
    /// Records a put.
    pub fn put(&mut self, table: Table, key: Vec<u8>, value: Vec<u8>) {
        self.writes.insert((table, key), Some(value));
    }

    /// Records a delete.
    pub fn delete(&mut self, table: Table, key: Vec<u8>) {
        self.writes.insert((table, key), None);
    }

    /// The pending write of a key: `Some(None)` for a delete, `None` when untouched.
    pub fn lookup(&self, table: Table, key: &[u8]) -> Option<Option<&[u8]>> {
        self.writes
            .get(&(table, key.to_vec()))
            .map(Option::as_deref)
    }

    /// The writes in key order.
    pub fn iter(&self) -> impl Iterator<Item = (Table, &[u8], Option<&[u8]>)> {
        self.writes
            .iter()
            .map(|((t, k), v)| (*t, k.as_slice(), v.as_deref()))
    }

    /// The writes to one table within a range, in key order.
    pub fn range<'a>(
        &'a self,
        table: Table,
        range: &'a KeyRange,
    ) -> impl Iterator<Item = (&'a [u8], Option<&'a [u8]>)> + 'a {
        let start = (table, Vec::new());
        self.writes
            .range(start..)
            .take_while(move |((t, _), _)| *t == table)
            .filter(move |((_, k), _)| range.contains(k))
            .map(|((_, k), v)| (k.as_slice(), v.as_deref()))
    }

    /// Moves every write of `other` into `self`, later writes winning.
    pub fn absorb(&mut self, other: Self) {
        self.writes.extend(other.writes);
    }

    /// Whether nothing is written.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// How many keys are written.
    pub fn len(&self) -> usize {
        self.writes.len()
    }
}

/// Key-value pairs as a scan returns them.
pub type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// A consistent, read-only view of the committed state.
pub trait Snapshot {
    /// The value of a key.
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError>;

    /// Up to `limit` entries of a range, in the given order.
    fn scan(
        &self,
        table: Table,
        range: &KeyRange,
        order: Order,
        limit: usize,
    ) -> Result<Entries, StorageError>;
}

/// A storage backend: snapshots to read and atomic, durable batches to write. Implement this
/// to put the engine on another key-value store.
pub trait Backend: Send + Sync + fmt::Debug + 'static {
    /// Opens a snapshot of everything committed so far.
    fn snapshot(&self) -> Result<Box<dyn Snapshot + '_>, StorageError>;

    /// Applies every write of the batch, all or nothing; returns once they are durable.
    fn commit(&self, batch: &Batch) -> Result<(), StorageError>;

    /// Opens what one group of the writer's jobs reads from and commits to. The default, a
    /// snapshot and then [`Backend::commit`], suits a store that only this engine writes; a
    /// store that several engines share overrides it to run one group at a time across them
    /// (see [`Backend::shared`]).
    fn begin_write(&self) -> Result<Box<dyn WriteGroup + '_>, StorageError> {
        Ok(Box::new(SnapshotGroup {
            snapshot: self.snapshot()?,
            backend: self,
        }))
    }

    /// Whether other engines (other server nodes) commit to this store too. The engine then
    /// follows the events they append to the log, delivering them to its own sessions, and
    /// keeps no cache that their commits could make stale.
    fn shared(&self) -> bool {
        false
    }

    /// On a shared store, woken when any engine commits, so that this one reads the others'
    /// events at once; without it, it looks every few milliseconds.
    fn commits(&self) -> Option<Arc<Notify>> {
        None
    }
}

/// One group of the writer's jobs: what they read, then their writes, applied at once.
pub trait WriteGroup: Snapshot {
    /// Whether another engine committed to the store since this engine's last commit, so that
    /// what this engine remembers of the store (the log's end, decoded records) is stale.
    fn others_committed(&self) -> bool {
        false
    }

    /// Applies every write of the batch, all or nothing, ending the group; returns once they
    /// are durable. Dropping a group without committing it writes nothing.
    fn commit(self: Box<Self>, batch: &Batch) -> Result<(), StorageError>;
}

/// The default write group: a snapshot, then the backend's commit.
struct SnapshotGroup<'a, B: ?Sized> {
    snapshot: Box<dyn Snapshot + 'a>,
    backend: &'a B,
}

impl<B: Backend + ?Sized> Snapshot for SnapshotGroup<'_, B> {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        self.snapshot.get(table, key)
    }

    fn scan(
        &self,
        table: Table,
        range: &KeyRange,
        order: Order,
        limit: usize,
    ) -> Result<Entries, StorageError> {
        self.snapshot.scan(table, range, order, limit)
    }
}

impl<B: Backend + ?Sized> WriteGroup for SnapshotGroup<'_, B> {
    fn commit(self: Box<Self>, batch: &Batch) -> Result<(), StorageError> {
        let Self { snapshot, backend } = *self;
        // A snapshot may hold the store's read lock (memory): end it before writing.
        drop(snapshot);
        backend.commit(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_ranges_cover_exactly_their_prefix() {
        let range = KeyRange::prefix(&[1, 255]);
        assert!(range.contains(&[1, 255]));
        assert!(range.contains(&[1, 255, 0, 7]));
        assert!(!range.contains(&[2]));
        assert!(!range.contains(&[1, 254, 9]));
        assert_eq!(KeyRange::prefix(&[255, 255]).end, Bound::Unbounded);
    }
}
