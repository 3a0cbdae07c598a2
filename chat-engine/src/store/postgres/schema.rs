//! The versioned migrations of the PostgreSQL schema, run when a store connects. Each is
//! applied once, in order, in one transaction with the others that are due; nodes that start
//! together wait for each other on an advisory lock, so only one of them migrates.

use super::connection::{Connection, failure};
use crate::error::StorageError;

/// The migrations, oldest first: `(version, SQL)`. Never edit one that has shipped; add the
/// next.
const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("migrations/0001_tables.sql")),
    (2, include_str!("migrations/0002_writer.sql")),
];

/// The advisory lock that migrations hold (any fixed number; "chat" in ASCII).
const MIGRATION_LOCK: i64 = 0x6368_6174;

/// Brings the schema to the newest version; returns the version it was at.
pub(super) fn migrate(connection: &mut Connection) -> Result<i32, StorageError> {
    connection.begin("BEGIN")?;
    connection.batch(&format!(
        "SELECT pg_advisory_xact_lock({MIGRATION_LOCK});
         CREATE TABLE IF NOT EXISTS chat_schema_migrations (
             version integer PRIMARY KEY,
             applied_at timestamptz NOT NULL DEFAULT now()
         )"
    ))?;
    let rows = connection.query(
        "SELECT coalesce(max(version), 0) FROM chat_schema_migrations",
        &[],
    )?;
    let current: i32 = rows
        .first()
        .map(|row| row.try_get(0))
        .transpose()
        .map_err(failure)?
        .unwrap_or(0);
    let newest = MIGRATIONS.last().map_or(0, |(version, _)| *version);
    if current > newest {
        return Err(StorageError::new(format!(
            "the database's schema is at version {current}, newer than this build knows ({newest}): \
             run the newer build"
        )));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(version, _)| *version > current) {
        connection.batch(sql)?;
        connection.execute(
            "INSERT INTO chat_schema_migrations (version) VALUES ($1)",
            &[version],
        )?;
        tracing::info!(version, "migrated the PostgreSQL schema");
    }
    connection.commit()?;
    Ok(current)
}
