//! The writer's cache of decoded records (servers, members, channels, role lists): every
//! write job checks permissions, and decoding the same records from JSON for every message
//! cost more than the rest of the job. The writer is the only writer, so it evicts exactly
//! what each commit changed and the cache never serves a stale record.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use super::{Batch, KeyRange, Order, Table};

/// Entries kept before the cache starts over (a few MB at most).
const CAPACITY: usize = 16_384;

type Shared = Arc<dyn Any + Send + Sync>;

/// Decoded records as of the last commit, keyed by table and key (or scanned range).
#[derive(Default)]
pub(crate) struct ReadCache {
    inner: RefCell<Entries>,
}

#[derive(Default)]
struct Entries {
    values: HashMap<(Table, Vec<u8>), Shared>,
    scans: HashMap<(Table, KeyRange, Order), Shared>,
}

impl ReadCache {
    /// A cached record, or the one `load` decodes (then cached).
    pub(crate) fn value<T, E>(
        &self,
        table: Table,
        key: &[u8],
        load: impl FnOnce() -> Result<Option<T>, E>,
    ) -> Result<Option<T>, E>
    where
        T: Clone + Send + Sync + 'static,
    {
        let cache_key = (table, key.to_vec());
        if let Some(hit) = self.inner.borrow().values.get(&cache_key)
            && let Some(value) = hit.downcast_ref::<Option<T>>()
        {
            return Ok(value.clone());
        }
        let value = load()?;
        let mut entries = self.inner.borrow_mut();
        entries.make_room();
        entries.values.insert(cache_key, Arc::new(value.clone()));
        Ok(value)
    }

    /// A cached scan of a whole range, or the one `load` decodes (then cached).
    pub(crate) fn scan<T, E>(
        &self,
        table: Table,
        range: &KeyRange,
        order: Order,
        load: impl FnOnce() -> Result<Vec<T>, E>,
    ) -> Result<Vec<T>, E>
    where
        T: Clone + Send + Sync + 'static,
    {
        let cache_key = (table, range.clone(), order);
        if let Some(hit) = self.inner.borrow().scans.get(&cache_key)
            && let Some(values) = hit.downcast_ref::<Vec<T>>()
        {
            return Ok(values.clone());
        }
        let values = load()?;
        let mut entries = self.inner.borrow_mut();
        entries.make_room();
        entries.scans.insert(cache_key, Arc::new(values.clone()));
        Ok(values)
    }

    /// Forgets what a committed batch changed: its keys, and every scan of a table it wrote.
    pub(crate) fn committed(&self, batch: &Batch) {
        let mut entries = self.inner.borrow_mut();
        let mut tables = Vec::new();
        for (table, key, _) in batch.iter() {
            entries.values.remove(&(table, key.to_vec()));
            if !tables.contains(&table) {
                tables.push(table);
            }
        }
        entries
            .scans
            .retain(|(scanned, _, _), _| !tables.contains(scanned));
    }

    /// Forgets everything (after a failed commit, to be safe).
    pub(crate) fn clear(&self) {
        let mut entries = self.inner.borrow_mut();
        entries.values.clear();
        entries.scans.clear();
    }
}

impl Entries {
    fn make_room(&mut self) {
        if self.values.len() + self.scans.len() >= CAPACITY {
            self.values.clear();
            self.scans.clear();
        }
    }
}
