//! Commit hooks: the work that follows a durable commit (the search indexer's feed, the
//! eviction of cached login sessions, and the features to come: notifications, audit log,
//! webhooks). Storage knows nothing above it: a hook sees what a commit wrote and the
//! events it made, and registers with the writer when the engine opens.

use std::sync::Arc;

use tokio::sync::Notify;

use super::{Batch, Table};
use crate::envelope::EventEnvelope;
use crate::id::{Id, SessionId};

/// Called by the writer thread after every durable commit, in the order the hooks were
/// registered, before the commit's callers hear back and before its events reach any
/// session. It runs on the writer's thread, so it only hands work on.
pub(crate) trait CommitHook: Send {
    /// One commit is durable.
    fn committed(&mut self, commit: &Commit<'_>);
}

/// What one commit did.
#[derive(Debug)]
pub(crate) struct Commit<'a> {
    batch: &'a Batch,
    #[cfg_attr(not(feature = "search"), allow(dead_code))]
    events: &'a [Arc<EventEnvelope>],
}

impl<'a> Commit<'a> {
    pub(super) fn new(batch: &'a Batch, events: &'a [Arc<EventEnvelope>]) -> Self {
        Self { batch, events }
    }

    /// Its events, in sequence order.
    // Without search, no hook reads the events yet.
    #[cfg_attr(not(feature = "search"), allow(dead_code))]
    pub(crate) fn events(&self) -> &'a [Arc<EventEnvelope>] {
        self.events
    }

    /// The keys it deleted from a table.
    pub(crate) fn deleted(&self, table: Table) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.batch
            .iter()
            .filter(move |(t, _, value)| *t == table && value.is_none())
            .map(|(_, key, _)| key)
    }

    /// The login sessions it wrote or deleted.
    pub(crate) fn sessions_written(&self) -> impl Iterator<Item = SessionId> + 'a {
        self.batch
            .iter()
            .filter(|(table, _, _)| *table == Table::Sessions)
            .filter_map(|(_, key, _)| Some(Id::from_bytes(key.try_into().ok()?)))
    }
}

/// Wakes a waiting worker whenever a commit writes to a table (the push deliverer watches
/// the push queue).
pub(crate) struct TableWatch {
    table: Table,
    wake: Arc<Notify>,
}

impl TableWatch {
    pub(crate) fn new(table: Table, wake: Arc<Notify>) -> Self {
        Self { table, wake }
    }
}

impl CommitHook for TableWatch {
    fn committed(&mut self, commit: &Commit<'_>) {
        if commit.batch.iter().any(|(table, _, _)| table == self.table) {
            self.wake.notify_one();
        }
    }
}
