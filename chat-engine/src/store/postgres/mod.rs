//! The PostgreSQL backend: each engine table is a table of `(key bytea, value bytea)`, a
//! snapshot is a `REPEATABLE READ` read-only transaction, and a commit is one transaction of
//! upserts and deletes, durable when PostgreSQL says so (`synchronous_commit` as the server
//! sets it). Migrations are versioned (`schema.rs`) and run on connecting.
//!
//! Connections come from a small pool and speak plain TCP (no TLS): run it on loopback or a
//! private network.

mod connection;
mod schema;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Bound;
use std::sync::Mutex;

use tokio_postgres::Config;
use tokio_postgres::types::ToSql;

use self::connection::{Connection, Driver};
use super::{Backend, Batch, Entries, KeyRange, Order, Snapshot, Table};
use crate::error::StorageError;

/// Most idle connections the pool keeps.
const MAX_IDLE: usize = 16;

/// The PostgreSQL store. Open it with [`PostgresStore::connect`] and hand it to
/// [`EngineBuilder::backend`](crate::EngineBuilder::backend).
pub struct PostgresStore {
    config: Config,
    idle: Mutex<Vec<Connection>>,
    // Dropped last: it stops the connections' runtime.
    driver: Driver,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("hosts", &self.config.get_hosts())
            .field("dbname", &self.config.get_dbname())
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to the database of a `postgres://user:password@host:port/database` URL (or a
    /// `key=value` connection string) and brings its schema to this build's version.
    ///
    /// # Errors
    ///
    /// A storage error when the URL is malformed, the server cannot be reached, or the schema
    /// is newer than this build.
    pub fn connect(url: &str) -> Result<Self, StorageError> {
        let config: Config = url
            .parse()
            .map_err(|error| StorageError::new(format!("invalid PostgreSQL URL: {error}")))?;
        let driver = Driver::start()?;
        let mut connection = driver.connect(&config)?;
        let from = schema::migrate(&mut connection)?;
        tracing::debug!(from, "connected to PostgreSQL");
        Ok(Self {
            config,
            idle: Mutex::new(vec![connection]),
            driver,
        })
    }

    /// For tests: the URL of a new, empty schema on the PostgreSQL server that the
    /// `CHAT_TEST_POSTGRES` URL names, or `None`, saying why on stderr, when it is unset.
    ///
    /// # Panics
    ///
    /// When the server cannot be reached or refuses to create the schema.
    #[cfg(any(test, feature = "testing"))]
    #[allow(clippy::expect_used)]
    pub fn test_url() -> Option<String> {
        let Ok(base) = std::env::var("CHAT_TEST_POSTGRES") else {
            eprintln!("skipped: CHAT_TEST_POSTGRES (a PostgreSQL URL) is not set");
            return None;
        };
        let config: Config = base
            .parse()
            .expect("CHAT_TEST_POSTGRES is a PostgreSQL URL");
        let driver = Driver::start().expect("the PostgreSQL driver starts");
        let mut connection = driver.connect(&config).expect("CHAT_TEST_POSTGRES answers");
        let schema = format!("chat_test_{}", ulid::Ulid::generate()).to_lowercase();
        connection
            .batch(&format!("CREATE SCHEMA {schema}"))
            .expect("a test schema is created");
        let separator = if base.contains('?') { '&' } else { '?' };
        Some(format!("{base}{separator}options=-csearch_path%3D{schema}"))
    }

    fn take(&self) -> Result<Connection, StorageError> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        match idle {
            Some(connection) if !connection.is_closed() => Ok(connection),
            _ => self.driver.connect(&self.config),
        }
    }

    fn give(&self, connection: Connection) {
        if connection.is_closed() {
            return;
        }
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(connection);
        }
    }
}

/// The name of an engine table in PostgreSQL.
fn name(table: Table) -> String {
    format!("chat_{}", table.name())
}

struct PostgresSnapshot<'a> {
    store: &'a PostgresStore,
    connection: RefCell<Option<Connection>>,
}

impl PostgresSnapshot<'_> {
    fn query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, StorageError> {
        let mut connection = self.connection.borrow_mut();
        let connection = connection
            .as_mut()
            .ok_or_else(|| StorageError::new("the snapshot's connection is gone"))?;
        connection.query(sql, params)
    }
}

impl Drop for PostgresSnapshot<'_> {
    fn drop(&mut self) {
        if let Some(mut connection) = self.connection.get_mut().take() {
            if connection.rollback().is_ok() {
                self.store.give(connection);
            }
        }
    }
}

impl Snapshot for PostgresSnapshot<'_> {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        let sql = format!("SELECT value FROM {} WHERE key = $1", name(table));
        let rows = self.query(&sql, &[&key])?;
        rows.first()
            .map(|row| row.try_get(0))
            .transpose()
            .map_err(StorageError::new)
    }

    fn scan(
        &self,
        table: Table,
        range: &KeyRange,
        order: Order,
        limit: usize,
    ) -> Result<Entries, StorageError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut conditions = Vec::new();
        let mut params: Vec<&(dyn ToSql + Sync)> = Vec::new();
        for (bound, inclusive, exclusive) in [(&range.start, ">=", ">"), (&range.end, "<=", "<")] {
            let (operator, key) = match bound {
                Bound::Included(key) => (inclusive, key),
                Bound::Excluded(key) => (exclusive, key),
                Bound::Unbounded => continue,
            };
            params.push(key);
            conditions.push(format!("key {operator} ${}", params.len()));
        }
        params.push(&limit);
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let direction = match order {
            Order::Ascending => "ASC",
            Order::Descending => "DESC",
        };
        let sql = format!(
            "SELECT key, value FROM {} {filter} ORDER BY key {direction} LIMIT ${}",
            name(table),
            params.len()
        );
        self.query(&sql, &params)?
            .iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect::<Result<_, tokio_postgres::Error>>()
            .map_err(StorageError::new)
    }
}

/// A batch's writes to one table: the keys to put with their values, and the keys to delete.
#[derive(Default)]
struct TableWrites<'a> {
    put_keys: Vec<&'a [u8]>,
    put_values: Vec<&'a [u8]>,
    deletes: Vec<&'a [u8]>,
}

fn by_table(batch: &Batch) -> BTreeMap<Table, TableWrites<'_>> {
    let mut tables: BTreeMap<Table, TableWrites<'_>> = BTreeMap::new();
    for (table, key, value) in batch.iter() {
        let writes = tables.entry(table).or_default();
        match value {
            Some(value) => {
                writes.put_keys.push(key);
                writes.put_values.push(value);
            }
            None => writes.deletes.push(key),
        }
    }
    tables
}

/// Writes a batch in one transaction.
fn write(connection: &mut Connection, batch: &Batch) -> Result<(), StorageError> {
    connection.begin("BEGIN")?;
    for (table, writes) in by_table(batch) {
        let table = name(table);
        if !writes.deletes.is_empty() {
            connection.execute(
                &format!("DELETE FROM {table} WHERE key = ANY($1)"),
                &[&writes.deletes],
            )?;
        }
        if !writes.put_keys.is_empty() {
            connection.execute(
                &format!(
                    "INSERT INTO {table} (key, value) SELECT * FROM unnest($1::bytea[], $2::bytea[]) \
                     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
                ),
                &[&writes.put_keys, &writes.put_values],
            )?;
        }
    }
    connection.commit()
}

impl Backend for PostgresStore {
    fn snapshot(&self) -> Result<Box<dyn Snapshot + '_>, StorageError> {
        let mut connection = self.take()?;
        connection.begin("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        Ok(Box::new(PostgresSnapshot {
            store: self,
            connection: RefCell::new(Some(connection)),
        }))
    }

    fn commit(&self, batch: &Batch) -> Result<(), StorageError> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut connection = self.take()?;
        let written = write(&mut connection, batch);
        self.give(connection);
        written
    }
}

#[cfg(test)]
mod tests;
