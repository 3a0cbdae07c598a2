//! The default, durable backend on redb: one file of copy-on-write B-trees and a write-ahead
//! log beside it (`wal`); a commit returns only once the data is on disk.

mod tables;
mod wal;

use std::fmt;
use std::path::Path;
use std::sync::Mutex;

use redb::{Database, Durability, ReadTransaction, ReadableDatabase, WriteTransaction};

use wal::WriteAheadLog;

use super::{Backend, Batch, Entries, KeyRange, Order, Snapshot, Table};

type OpenTable<'t> = (Table, redb::Table<'t, &'static [u8], &'static [u8]>);
use crate::error::StorageError;

/// The redb store: durable, atomic, crash-safe. The default backend.
pub struct RedbStore {
    db: Database,
    /// Taken by each commit; `None` once the store is closing.
    log: Mutex<Option<WriteAheadLog>>,
}

impl fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedbStore").finish_non_exhaustive()
    }
}

impl RedbStore {
    /// Opens the database file, creating it and its tables if needed, and replays what its
    /// write-ahead log holds beyond redb's last durable commit.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StorageError> {
        let path = path.as_ref();
        let db = Database::create(path).map_err(StorageError::new)?;
        // redb's lock on the file is held: no other store uses the log.
        let (log, replayed) = WriteAheadLog::open(wal::path_for(path))?;
        let tx = db.begin_write().map_err(StorageError::new)?;
        for table in Table::ALL {
            tx.open_table(tables::definition(table))
                .map_err(StorageError::new)?;
        }
        for batch in &replayed {
            write(&tx, batch)?;
        }
        tx.commit().map_err(StorageError::new)?;
        if !replayed.is_empty() {
            tracing::info!(commits = replayed.len(), "replayed the write-ahead log");
        }
        Ok(Self {
            db,
            log: Mutex::new(Some(log)),
        })
    }

    /// Commits through the log: the batch is appended to it and synced, then committed to
    /// redb without a sync of its own, or durably when a checkpoint is due.
    fn commit_logged(&self, log: &mut WriteAheadLog, batch: &Batch) -> Result<(), StorageError> {
        let mut tx = self.db.begin_write().map_err(StorageError::new)?;
        let checkpoint = log.checkpoint_due();
        if !checkpoint {
            tx.set_durability(Durability::None)
                .map_err(StorageError::new)?;
        }
        write(&tx, batch)?;
        log.append(batch)?;
        match tx.commit() {
            Ok(()) if checkpoint => {
                metrics::counter!("chat_store_checkpoints_total").increment(1);
                log.restart();
                Ok(())
            }
            Ok(()) => {
                log.committed();
                Ok(())
            }
            Err(error) => {
                log.retract()?;
                Err(StorageError::new(error))
            }
        }
    }
}

impl Drop for RedbStore {
    /// Makes everything durable in redb itself and removes the log, which then holds nothing
    /// that redb lacks. Should that fail, the log stays and the next open replays it.
    fn drop(&mut self) {
        let Some(log) = self.log.get_mut().ok().and_then(Option::take) else {
            return;
        };
        let checkpoint = self
            .db
            .begin_write()
            .map_err(StorageError::new)
            .and_then(|tx| tx.commit().map_err(StorageError::new))
            .and_then(|()| log.remove());
        if let Err(error) = checkpoint {
            tracing::warn!(%error, "closing the store; the next open replays its log");
        }
    }
}

/// Applies every write of a batch in a redb transaction.
fn write(tx: &WriteTransaction, batch: &Batch) -> Result<(), StorageError> {
    let mut open: Option<OpenTable<'_>> = None;
    for (table, key, value) in batch.iter() {
        if open.as_ref().is_none_or(|(t, _)| *t != table) {
            let handle = tx
                .open_table(tables::definition(table))
                .map_err(StorageError::new)?;
            open = Some((table, handle));
        }
        let Some((_, handle)) = open.as_mut() else {
            return Err(StorageError::new("the table was not opened"));
        };
        match value {
            Some(v) => handle.insert(key, v).map(drop),
            None => handle.remove(key).map(drop),
        }
        .map_err(StorageError::new)?;
    }
    Ok(())
}

struct RedbSnapshot {
    tx: ReadTransaction,
}

impl Snapshot for RedbSnapshot {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        let table = self
            .tx
            .open_table(tables::definition(table))
            .map_err(StorageError::new)?;
        let value = table.get(key).map_err(StorageError::new)?;
        Ok(value.map(|v| v.value().to_vec()))
    }

    fn scan(
        &self,
        table: Table,
        range: &KeyRange,
        order: Order,
        limit: usize,
    ) -> Result<Entries, StorageError> {
        let table = self
            .tx
            .open_table(tables::definition(table))
            .map_err(StorageError::new)?;
        let iter = table
            .range::<&[u8]>(range.as_slices())
            .map_err(StorageError::new)?;
        let rows: Box<dyn Iterator<Item = _>> = match order {
            Order::Ascending => Box::new(iter),
            Order::Descending => Box::new(iter.rev()),
        };
        rows.take(limit)
            .map(|entry| {
                let (k, v) = entry.map_err(StorageError::new)?;
                Ok((k.value().to_vec(), v.value().to_vec()))
            })
            .collect()
    }
}

impl Backend for RedbStore {
    fn snapshot(&self) -> Result<Box<dyn Snapshot + '_>, StorageError> {
        let tx = self.db.begin_read().map_err(StorageError::new)?;
        Ok(Box::new(RedbSnapshot { tx }))
    }

    fn commit(&self, batch: &Batch) -> Result<(), StorageError> {
        let mut log = self
            .log
            .lock()
            .map_err(|_| StorageError::new("a commit panicked"))?;
        let log = log
            .as_mut()
            .ok_or_else(|| StorageError::new("the store is closing"))?;
        self.commit_logged(log, batch)
    }
}

#[cfg(test)]
mod tests {
    use super::RedbStore;
    use crate::store::{Backend, Batch, Table};

    struct Temp {
        store: RedbStore,
        _dir: tempfile::TempDir,
    }

    impl std::fmt::Debug for Temp {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            self.store.fmt(f)
        }
    }

    impl Backend for Temp {
        fn snapshot(
            &self,
        ) -> Result<Box<dyn crate::store::Snapshot + '_>, crate::error::StorageError> {
            self.store.snapshot()
        }

        fn commit(&self, batch: &Batch) -> Result<(), crate::error::StorageError> {
            self.store.commit(batch)
        }
    }

    fn temp() -> Temp {
        let dir = tempfile::tempdir().unwrap();
        let store = RedbStore::open(dir.path().join("chat.redb")).unwrap();
        Temp { store, _dir: dir }
    }

    crate::store_conformance_tests!(temp);

    fn put(store: &RedbStore, key: u32) {
        let mut batch = Batch::default();
        batch.put(Table::Meta, key.to_be_bytes().to_vec(), b"yes".to_vec());
        store.commit(&batch).unwrap();
    }

    fn has(store: &RedbStore, key: u32) -> bool {
        let snapshot = store.snapshot().unwrap();
        snapshot
            .get(Table::Meta, &key.to_be_bytes())
            .unwrap()
            .is_some()
    }

    /// What a crash leaves on disk: a copy of the database file (and of the log, with `log`)
    /// taken while the store is open, opened as a store of its own.
    fn crash_copy(path: &std::path::Path, log: bool) -> (RedbStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("chat.redb");
        std::fs::copy(path, &copy).unwrap();
        if log {
            std::fs::copy(super::wal::path_for(path), super::wal::path_for(&copy)).unwrap();
        }
        (RedbStore::open(&copy).unwrap(), dir)
    }

    #[test]
    fn commits_since_the_last_checkpoint_come_back_from_the_log_after_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chat.redb");
        let store = RedbStore::open(&path).unwrap();
        let checkpointed = super::wal::CHECKPOINT_COMMITS;
        for key in 0..checkpointed + 3 {
            put(&store, key);
        }
        let (without_log, _dir) = crash_copy(&path, false);
        assert!(
            has(&without_log, checkpointed - 1),
            "the checkpoint is in redb"
        );
        assert!(
            !has(&without_log, checkpointed),
            "later commits are only in the log"
        );
        drop(without_log);

        let (recovered, _dir) = crash_copy(&path, true);
        assert!((0..checkpointed + 3).all(|key| has(&recovered, key)));
        put(&recovered, 9_999);
        assert!(has(&recovered, 9_999));
    }

    #[test]
    fn closing_makes_everything_durable_and_removes_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chat.redb");
        let store = RedbStore::open(&path).unwrap();
        put(&store, 1);
        assert!(super::wal::path_for(&path).exists());
        drop(store);
        assert!(!super::wal::path_for(&path).exists());
        let (reopened, _dir) = crash_copy(&path, false);
        assert!(has(&reopened, 1));
    }

    #[test]
    fn committed_data_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chat.redb");
        let mut batch = Batch::default();
        batch.put(Table::Meta, b"kept".to_vec(), b"yes".to_vec());
        RedbStore::open(&path).unwrap().commit(&batch).unwrap();
        let reopened = RedbStore::open(&path).unwrap();
        assert_eq!(
            reopened
                .snapshot()
                .unwrap()
                .get(Table::Meta, b"kept")
                .unwrap()
                .as_deref(),
            Some(&b"yes"[..])
        );
    }
}
