//! The default, durable backend on redb: one file, copy-on-write B-trees, and a commit that
//! returns only once the data is on disk.

mod tables;

use std::fmt;
use std::path::Path;

use redb::{Database, ReadTransaction, ReadableDatabase};

use super::{Backend, Batch, Entries, KeyRange, Order, Snapshot, Table};

type OpenTable<'t> = (Table, redb::Table<'t, &'static [u8], &'static [u8]>);
use crate::error::StorageError;

/// The redb store: durable, atomic, crash-safe. The default backend.
pub struct RedbStore {
    db: Database,
}

impl fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedbStore").finish_non_exhaustive()
    }
}

impl RedbStore {
    /// Opens the database file, creating it and its tables if needed.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StorageError> {
        let db = Database::create(path).map_err(StorageError::new)?;
        let tx = db.begin_write().map_err(StorageError::new)?;
        for table in Table::ALL {
            tx.open_table(tables::definition(table))
                .map_err(StorageError::new)?;
        }
        tx.commit().map_err(StorageError::new)?;
        Ok(Self { db })
    }
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
        let tx = self.db.begin_write().map_err(StorageError::new)?;
        {
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
        }
        tx.commit().map_err(StorageError::new)
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
