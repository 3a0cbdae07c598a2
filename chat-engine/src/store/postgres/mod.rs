//! The PostgreSQL backend, which several engines (server nodes) can share: each engine table
//! is a table of `(key bytea, value bytea)`, a snapshot is a `REPEATABLE READ` read-only
//! transaction, and a commit group is one `READ COMMITTED` transaction that holds the
//! writers' lock from its first read to its commit, durable when PostgreSQL says so
//! (`synchronous_commit` as the server sets it). Migrations are versioned (`schema.rs`) and
//! run on connecting.
//!
//! Connections come from a small pool. They speak plain TCP unless the URL asks for TLS
//! (`sslmode`, `sslrootcert`: `tls.rs`).

mod connection;
mod schema;
mod tls;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Bound;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio_postgres::Config;
use tokio_postgres::types::ToSql;

use self::connection::{Connection, Driver, Write, describe, failure};
use super::{Backend, Batch, Entries, KeyRange, Order, Snapshot, Table, WriteGroup};
use crate::error::StorageError;

/// Most idle connections the pool keeps.
const MAX_IDLE: usize = 16;
/// How long connecting may take, unless the URL says (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The notification channel every commit notifies.
const COMMITS_CHANNEL: &str = "chat_commits";
/// How long a connection may be silent before TCP keepalives probe it.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(15);

/// The PostgreSQL store. Open it with [`PostgresStore::connect`] and hand it to
/// [`EngineBuilder::backend`](crate::EngineBuilder::backend).
pub struct PostgresStore {
    config: Config,
    /// Woken by every other store's commit to the database.
    commits: Arc<Notify>,
    /// The `NOTIFY` each commit sends, with this store's id.
    notify: String,
    /// The writers' generation of this store's last commit.
    generation: AtomicI64,
    idle: Mutex<Vec<Connection>>,
    // Dropped last: it stops the connections' runtime.
    driver: Driver,
}

/// The configuration of a connection string, and how its connections are made.
fn parse(url: &str) -> Result<(Config, tls::Tls), StorageError> {
    let (url, ssl_mode, tls) = tls::take_tls(url)?;
    let mut config: Config = url.parse().map_err(|error| {
        StorageError::new(format!("invalid PostgreSQL URL: {}", describe(&error)))
    })?;
    config.ssl_mode(ssl_mode);
    Ok((config, tls))
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
    /// The connections are encrypted when the URL asks, as libpq's: `sslmode=require` (or
    /// `prefer`, `verify-ca`, `verify-full`), with `sslrootcert=PATH` naming the authority
    /// to trust when it is not a public one. Over TLS the server's certificate is always
    /// verified, host name included.
    ///
    /// # Errors
    ///
    /// A storage error when the URL is malformed, its `sslrootcert` unreadable, the server
    /// cannot be reached or its certificate is not trusted, or the schema is newer than this
    /// build.
    pub fn connect(url: &str) -> Result<Self, StorageError> {
        let (mut config, tls) = parse(url)?;
        // A database that went away must fail the writer's group, not hang it.
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.keepalives_idle(KEEPALIVE_IDLE);
        let driver = Driver::start(tls)?;
        let mut connection = driver.connect(&config)?;
        let from = schema::migrate(&mut connection)?;
        tracing::debug!(from, "connected to PostgreSQL");
        let commits = Arc::new(Notify::new());
        let node = ulid::Ulid::generate().to_string();
        driver.listen(&config, COMMITS_CHANNEL, node.clone(), commits.clone());
        Ok(Self {
            notify: format!("NOTIFY {COMMITS_CHANNEL}, '{node}'"),
            commits,
            config,
            generation: AtomicI64::new(0),
            idle: Mutex::new(vec![connection]),
            driver,
        })
    }

    /// For tests: the URL of a new, empty schema on the PostgreSQL server that the
    /// `CHAT_TEST_POSTGRES` URL names, or `None` when it is unset (saying why on stderr, once).
    ///
    /// # Panics
    ///
    /// When the server cannot be reached or refuses to create the schema.
    #[cfg(any(test, feature = "testing"))]
    pub fn test_url() -> Option<String> {
        let Ok(base) = std::env::var("CHAT_TEST_POSTGRES") else {
            // Once per test binary, past the test harness's capture of `eprintln!`.
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr(),
                    "skipped: the PostgreSQL tests need CHAT_TEST_POSTGRES (a PostgreSQL URL; \
                     .ci/start-postgres starts a server)"
                );
            });
            return None;
        };
        match Self::new_test_schema(&base) {
            Ok(url) => Some(url),
            // A test asked for a database it was given and cannot have: it fails, saying why.
            Err(error) => panic!("CHAT_TEST_POSTGRES={base}: {error}"),
        }
    }

    /// A new, empty schema on the server at `base`, and the URL that uses it.
    #[cfg(any(test, feature = "testing"))]
    fn new_test_schema(base: &str) -> Result<String, StorageError> {
        let (config, tls) = parse(base)?;
        // The driver runs the connection's socket: it must outlive the connection.
        let driver = Driver::start(tls)?;
        let mut connection = driver.connect(&config)?;
        let schema = format!("chat_test_{}", ulid::Ulid::generate()).to_lowercase();
        connection.batch(&format!("CREATE SCHEMA {schema}"))?;
        let separator = if base.contains('?') { '&' } else { '?' };
        Ok(format!("{base}{separator}options=-csearch_path%3D{schema}"))
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

/// A connection in a transaction, rolled back and returned to the pool when dropped: a
/// snapshot, or a commit group, which holds the writers' lock (the one row of
/// `chat_writer`, whose generation it bumped first) until it commits.
struct Transaction<'a> {
    store: &'a PostgresStore,
    connection: RefCell<Option<Connection>>,
    /// A commit group's generation of the writers' row; `None` for a snapshot.
    generation: Option<i64>,
}

impl<'a> Transaction<'a> {
    fn begin(store: &'a PostgresStore, begin: &str) -> Result<Self, StorageError> {
        let mut connection = store.take()?;
        connection.begin(begin)?;
        Ok(Self {
            store,
            connection: RefCell::new(Some(connection)),
            generation: None,
        })
    }

    fn query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, StorageError> {
        let mut connection = self.connection.borrow_mut();
        connection
            .as_mut()
            .ok_or_else(|| StorageError::new("the transaction's connection is gone"))?
            .query(sql, params)
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if let Some(mut connection) = self.connection.get_mut().take()
            && connection.rollback().is_ok()
        {
            self.store.give(connection);
        }
    }
}

impl Snapshot for Transaction<'_> {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        let sql = format!("SELECT value FROM {} WHERE key = $1", name(table));
        let rows = self.query(&sql, &[&key])?;
        rows.first()
            .map(|row| row.try_get(0))
            .transpose()
            .map_err(failure)
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
            .map_err(failure)
    }
}

impl WriteGroup for Transaction<'_> {
    fn others_committed(&self) -> bool {
        let last = self.store.generation.load(Ordering::SeqCst);
        self.generation
            .is_some_and(|generation| generation != last + 1)
    }

    fn commit(self: Box<Self>, batch: &Batch) -> Result<(), StorageError> {
        let mut connection = self
            .connection
            .borrow_mut()
            .take()
            .ok_or_else(|| StorageError::new("the transaction's connection is gone"))?;
        // On failure the transaction may stay open; the connection's next `begin` ends it.
        let tables = by_table(batch);
        let written = connection.commit_writes(&writes(&tables), &self.store.notify);
        self.store.give(connection);
        written?;
        if let Some(generation) = self.generation {
            self.store.generation.store(generation, Ordering::SeqCst);
        }
        Ok(())
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

/// The statements that write a batch (grouped by table): a delete and an upsert each.
fn writes<'a>(tables: &'a BTreeMap<Table, TableWrites<'_>>) -> Vec<Write<'a>> {
    let mut statements: Vec<Write<'a>> = Vec::new();
    for (table, writes) in tables {
        let table = name(*table);
        if !writes.deletes.is_empty() {
            let sql = format!("DELETE FROM {table} WHERE key = ANY($1)");
            statements.push((sql, vec![&writes.deletes]));
        }
        if !writes.put_keys.is_empty() {
            let sql = format!(
                "INSERT INTO {table} (key, value) SELECT * FROM unnest($1::bytea[], $2::bytea[]) \
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
            );
            statements.push((sql, vec![&writes.put_keys, &writes.put_values]));
        }
    }
    statements
}

impl Backend for PostgresStore {
    fn snapshot(&self) -> Result<Box<dyn Snapshot + '_>, StorageError> {
        let snapshot =
            Transaction::begin(self, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        Ok(Box::new(snapshot))
    }

    fn commit(&self, batch: &Batch) -> Result<(), StorageError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.begin_write()?.commit(batch)
    }

    /// Read committed: once the lock is granted, every read sees what the groups before
    /// committed, and no other group commits until this one has.
    fn begin_write(&self) -> Result<Box<dyn WriteGroup + '_>, StorageError> {
        let mut connection = self.take()?;
        let rows = connection.begin_with(
            "BEGIN ISOLATION LEVEL READ COMMITTED",
            "UPDATE chat_writer SET generation = generation + 1 RETURNING generation",
            &[],
        )?;
        // Made first, so that a failure below rolls the transaction back.
        let mut group = Transaction {
            store: self,
            connection: RefCell::new(Some(connection)),
            generation: None,
        };
        let generation = rows
            .first()
            .ok_or_else(|| StorageError::new("chat_writer has no row"))?
            .try_get(0)
            .map_err(failure)?;
        group.generation = Some(generation);
        Ok(Box::new(group))
    }

    fn shared(&self) -> bool {
        true
    }

    fn commits(&self) -> Option<Arc<Notify>> {
        Some(self.commits.clone())
    }
}

#[cfg(test)]
mod tests;
