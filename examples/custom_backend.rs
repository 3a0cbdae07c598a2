//! Puts the engine on a storage backend written outside it, and proves the backend right
//! with the engine's own conformance suite.
//!
//! `Backend` is the storage seam: a consistent snapshot to read and an atomic batch to
//! write, over byte keys in named tables. Every aggregate store (users, servers, messages,
//! the event log...) is written once on top of it, so a new backend implements these few
//! methods and nothing else. This one keeps its tables in sorted maps behind an `Arc` that a
//! commit swaps whole (copy on write: simple, and fine for a demo; a real backend would use
//! its database's own snapshots). Run it with `cargo run -p examples --example
//! custom-backend`; `cargo test` runs it and the conformance suite against it
//! (`chat_engine::store_conformance_tests!`, from the engine's `testing` feature).

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Arc, RwLock};

use chat_engine::Engine;
use chat_engine::error::StorageError;
use chat_engine::model::{CreateMessage, CreateServer, HistoryQuery, RegisterRequest};
use chat_engine::store::{Backend, Batch, Entries, KeyRange, Order, Snapshot, Table};

type Tables = HashMap<Table, BTreeMap<Vec<u8>, Vec<u8>>>;

/// Sorted maps, replaced whole by each commit.
#[derive(Debug, Default)]
struct SortedMapStore {
    tables: RwLock<Arc<Tables>>,
}

/// A snapshot is the maps as they were when it was taken.
struct MapSnapshot(Arc<Tables>);

impl Snapshot for MapSnapshot {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.0.get(&table).and_then(|t| t.get(key)).cloned())
    }

    fn scan(
        &self,
        table: Table,
        range: &KeyRange,
        order: Order,
        limit: usize,
    ) -> Result<Entries, StorageError> {
        let Some(map) = self.0.get(&table) else {
            return Ok(Vec::new());
        };
        let (start, end): (Bound<&[u8]>, Bound<&[u8]>) = range.as_slices();
        let entries = map.range::<[u8], _>((start, end));
        let pair = |(k, v): (&Vec<u8>, &Vec<u8>)| (k.clone(), v.clone());
        Ok(match order {
            Order::Ascending => entries.take(limit).map(pair).collect(),
            Order::Descending => entries.rev().take(limit).map(pair).collect(),
        })
    }
}

impl Backend for SortedMapStore {
    fn snapshot(&self) -> Result<Box<dyn Snapshot + '_>, StorageError> {
        let tables = self
            .tables
            .read()
            .map_err(|_| StorageError::new("poisoned"))?;
        Ok(Box::new(MapSnapshot(tables.clone())))
    }

    fn commit(&self, batch: &Batch) -> Result<(), StorageError> {
        let mut current = self
            .tables
            .write()
            .map_err(|_| StorageError::new("poisoned"))?;
        let mut next = Tables::clone(&current);
        for (table, key, value) in batch.iter() {
            let map = next.entry(table).or_default();
            match value {
                Some(value) => map.insert(key.to_vec(), value.to_vec()),
                None => map.remove(key),
            };
        }
        *current = Arc::new(next);
        Ok(())
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}

async fn run() -> anyhow::Result<()> {
    let engine = Engine::builder()
        .backend(Arc::new(SortedMapStore::default()))
        .open()
        .await?;
    let alice = engine
        .register(RegisterRequest {
            username: "alice".into(),
            password: "correct horse".into(),
            email: None,
        })
        .await?;
    let server = engine
        .create_server(
            alice.user.id,
            CreateServer {
                name: "On my own store".into(),
                ..CreateServer::default()
            },
        )
        .await?;
    let general = server
        .system_channel_id
        .ok_or_else(|| anyhow::anyhow!("a new server has a default channel"))?;
    let sent = engine
        .send_message(
            alice.user.id,
            general,
            CreateMessage {
                content: "stored by a backend the engine never saw".into(),
                ..CreateMessage::default()
            },
        )
        .await?;
    let history = engine.list_messages(alice.user.id, general, HistoryQuery::default())?;
    anyhow::ensure!(
        history.iter().any(|m| m.id == sent.id),
        "the message reads back"
    );
    println!(
        "{} message(s) in #general, read back from SortedMapStore",
        history.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::SortedMapStore;

    #[tokio::test]
    async fn the_example_runs() {
        super::run().await.unwrap();
    }

    chat_engine::store_conformance_tests!(SortedMapStore::default);
}
