//! The views the domain code reads and writes through: [`Reader`] over a snapshot, and
//! [`Tx`], one write job's overlay over a snapshot and the writes of earlier jobs of its group.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::cache::ReadCache;
use super::{Batch, Entries, KeyRange, Order, Snapshot, Table};
use crate::envelope::Audience;
use crate::error::{Result, StorageError};
use crate::id::Id;
use crate::model::{Event, Timestamp};

/// Reads: implemented by [`Reader`] and [`Tx`].
pub trait Kv {
    /// The raw value of a key.
    fn get_raw(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError>;

    /// Up to `limit` raw entries of a range, in the given order.
    fn scan_raw(
        &self,
        table: Table,
        range: &KeyRange,
        order: Order,
        limit: usize,
    ) -> Result<Entries, StorageError>;

    /// A decoded value.
    fn get<T: DeserializeOwned>(&self, table: Table, key: &[u8]) -> Result<Option<T>> {
        self.get_raw(table, key)?
            .map(|bytes| decode(&bytes))
            .transpose()
    }

    /// Decoded values of a range.
    fn scan<T: DeserializeOwned>(
        &self,
        table: Table,
        range: &KeyRange,
        order: Order,
        limit: usize,
    ) -> Result<Vec<T>> {
        self.scan_raw(table, range, order, limit)?
            .iter()
            .map(|(_, v)| decode(v))
            .collect()
    }

    /// A decoded value that the writer may serve from its cache of decoded records (for
    /// the records every permission check reads).
    fn get_shared<T>(&self, table: Table, key: &[u8]) -> Result<Option<T>>
    where
        T: DeserializeOwned + Clone + Send + Sync + 'static,
    {
        self.get(table, key)
    }

    /// Every decoded value of a range, which the writer may serve from its cache.
    fn scan_shared<T>(&self, table: Table, range: &KeyRange) -> Result<Vec<T>>
    where
        T: DeserializeOwned + Clone + Send + Sync + 'static,
    {
        self.scan(table, range, Order::Ascending, usize::MAX)
    }

    /// The keys of a range.
    fn scan_keys(
        &self,
        table: Table,
        range: &KeyRange,
        order: Order,
        limit: usize,
    ) -> Result<Vec<Vec<u8>>> {
        Ok(self
            .scan_raw(table, range, order, limit)?
            .into_iter()
            .map(|(k, _)| k)
            .collect())
    }

    /// Whether a key exists.
    fn contains(&self, table: Table, key: &[u8]) -> Result<bool> {
        Ok(self.get_raw(table, key)?.is_some())
    }
}

/// Writes: implemented by [`Tx`] only.
pub trait KvMut: Kv {
    /// Puts a raw value.
    fn put_raw(&mut self, table: Table, key: Vec<u8>, value: Vec<u8>);

    /// Deletes a key.
    fn delete(&mut self, table: Table, key: Vec<u8>);

    /// Puts an encoded value.
    fn put<T: Serialize>(&mut self, table: Table, key: Vec<u8>, value: &T) {
        self.put_raw(table, key, encode(value));
    }

    /// Queues an event, committed with the job's writes and then fanned out.
    fn emit(&mut self, event: Event, audience: Audience);

    /// A fresh id, greater than every id made before in this process.
    fn new_id<M>(&mut self) -> Id<M>;

    /// The job's clock.
    fn now(&self) -> Timestamp;
}

pub(crate) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("engine records always serialize")
}

pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| StorageError::new(format!("corrupt record: {e}")).into())
}

/// A read-only view of the committed state.
pub struct Reader<'a> {
    snapshot: Box<dyn Snapshot + 'a>,
}

impl<'a> Reader<'a> {
    /// Reads through a snapshot.
    pub fn new(snapshot: Box<dyn Snapshot + 'a>) -> Self {
        Self { snapshot }
    }
}

impl fmt::Debug for Reader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reader").finish_non_exhaustive()
    }
}

impl Kv for Reader<'_> {
    fn get_raw(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        self.snapshot.get(table, key)
    }

    fn scan_raw(
        &self,
        table: Table,
        range: &KeyRange,
        order: Order,
        limit: usize,
    ) -> Result<Entries, StorageError> {
        self.snapshot.scan(table, range, order, limit)
    }
}

/// One write job's view: its own writes over those of earlier jobs of the group, over the
/// committed snapshot.
pub struct Tx<'a> {
    base: &'a dyn Snapshot,
    cache: &'a ReadCache,
    earlier: &'a Batch,
    own: Batch,
    events: Vec<(Event, Audience)>,
    ids: &'a mut ulid::Generator,
    now: Timestamp,
}

impl<'a> Tx<'a> {
    /// A job's view of `base` (decoded through `cache`, which holds the same state) and
    /// the `earlier` jobs' writes.
    pub(crate) fn new(
        base: &'a dyn Snapshot,
        cache: &'a ReadCache,
        earlier: &'a Batch,
        ids: &'a mut ulid::Generator,
    ) -> Self {
        Self {
            base,
            cache,
            earlier,
            own: Batch::default(),
            events: Vec::new(),
            ids,
            now: chrono::Utc::now(),
        }
    }

    pub(crate) fn into_parts(self) -> (Batch, Vec<(Event, Audience)>) {
        (self.own, self.events)
    }
}

impl fmt::Debug for Tx<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tx")
            .field("writes", &self.own.len())
            .finish_non_exhaustive()
    }
}

impl Kv for Tx<'_> {
    fn get_raw(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        if let Some(value) = self
            .own
            .lookup(table, key)
            .or_else(|| self.earlier.lookup(table, key))
        {
            return Ok(value.map(<[u8]>::to_vec));
        }
        self.base.get(table, key)
    }

    fn scan_raw(
        &self,
        table: Table,
        range: &KeyRange,
        order: Order,
        limit: usize,
    ) -> Result<Entries, StorageError> {
        let overlay: Vec<_> = self
            .earlier
            .range(table, range)
            .chain(self.own.range(table, range))
            .collect();
        // Each overlay entry can hide at most one base entry, so this many base entries
        // always hold the first `limit` survivors.
        let base = self
            .base
            .scan(table, range, order, limit.saturating_add(overlay.len()))?;
        if overlay.is_empty() {
            return Ok(base);
        }
        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = base.into_iter().collect();
        for (key, value) in overlay {
            match value {
                Some(v) => merged.insert(key.to_vec(), v.to_vec()),
                None => merged.remove(key),
            };
        }
        Ok(match order {
            Order::Ascending => merged.into_iter().take(limit).collect(),
            Order::Descending => merged.into_iter().rev().take(limit).collect(),
        })
    }

    fn get_shared<T>(&self, table: Table, key: &[u8]) -> Result<Option<T>>
    where
        T: DeserializeOwned + Clone + Send + Sync + 'static,
    {
        let written =
            self.own.lookup(table, key).is_some() || self.earlier.lookup(table, key).is_some();
        if written {
            return self.get(table, key);
        }
        self.cache.value(table, key, || {
            self.base
                .get(table, key)?
                .map(|bytes| decode(&bytes))
                .transpose()
        })
    }

    fn scan_shared<T>(&self, table: Table, range: &KeyRange) -> Result<Vec<T>>
    where
        T: DeserializeOwned + Clone + Send + Sync + 'static,
    {
        let written = self.own.range(table, range).next().is_some()
            || self.earlier.range(table, range).next().is_some();
        if written {
            return self.scan(table, range, Order::Ascending, usize::MAX);
        }
        self.cache.scan(table, range, Order::Ascending, || {
            self.base
                .scan(table, range, Order::Ascending, usize::MAX)?
                .iter()
                .map(|(_, v)| decode(v))
                .collect()
        })
    }
}

impl KvMut for Tx<'_> {
    fn put_raw(&mut self, table: Table, key: Vec<u8>, value: Vec<u8>) {
        self.own.put(table, key, value);
    }

    fn delete(&mut self, table: Table, key: Vec<u8>) {
        self.own.delete(table, key);
    }

    fn emit(&mut self, event: Event, audience: Audience) {
        self.events.push((event, audience));
    }

    fn new_id<M>(&mut self) -> Id<M> {
        // The generator only fails after 2^80 ids in one millisecond; a fresh one then
        // starts from the next random point.
        let ulid = self
            .ids
            .generate()
            .unwrap_or_else(|_| ulid::Ulid::generate());
        Id::from_ulid(ulid)
    }

    fn now(&self) -> Timestamp {
        self.now
    }
}
