//! The in-memory reference backend: every table a `BTreeMap` behind one lock.

use std::collections::{BTreeMap, HashMap};
use std::sync::{RwLock, RwLockReadGuard};

use super::{Backend, Batch, Entries, KeyRange, Order, Snapshot, Table};
use crate::error::StorageError;

type Tables = HashMap<Table, BTreeMap<Vec<u8>, Vec<u8>>>;

/// Keeps everything in memory; nothing survives the process. For tests and for embedding
/// where durability is not wanted.
#[derive(Debug, Default)]
pub struct InMemoryStore {
    tables: RwLock<Tables>,
}

impl InMemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

struct MemorySnapshot<'a> {
    tables: RwLockReadGuard<'a, Tables>,
}

impl Snapshot for MemorySnapshot<'_> {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.tables.get(&table).and_then(|t| t.get(key)).cloned())
    }

    fn scan(
        &self,
        table: Table,
        range: &KeyRange,
        order: Order,
        limit: usize,
    ) -> Result<Entries, StorageError> {
        let Some(entries) = self.tables.get(&table) else {
            return Ok(Vec::new());
        };
        let iter = entries.range::<[u8], _>(range.as_slices());
        let pairs = |(k, v): (&Vec<u8>, &Vec<u8>)| (k.clone(), v.clone());
        Ok(match order {
            Order::Ascending => iter.take(limit).map(pairs).collect(),
            Order::Descending => iter.rev().take(limit).map(pairs).collect(),
        })
    }
}

impl Backend for InMemoryStore {
    fn snapshot(&self) -> Result<Box<dyn Snapshot + '_>, StorageError> {
        let tables = self
            .tables
            .read()
            .map_err(|_| StorageError::new("memory store poisoned"))?;
        Ok(Box::new(MemorySnapshot { tables }))
    }

    fn commit(&self, batch: &Batch) -> Result<(), StorageError> {
        let mut tables = self
            .tables
            .write()
            .map_err(|_| StorageError::new("memory store poisoned"))?;
        for (table, key, value) in batch.iter() {
            let entries = tables.entry(table).or_default();
            match value {
                Some(v) => entries.insert(key.to_vec(), v.to_vec()),
                None => entries.remove(key),
            };
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    crate::store_conformance_tests!(crate::store::InMemoryStore::new);
}
