//! The store's format: a version kept in the database, checked when the engine opens (a
//! database of a newer format is refused, so that an older binary never misreads it) and
//! brought up to date by numbered migrations, all applied in the one write that records the
//! new version: a database is at one format or the next, never between.

use super::{SettingsStore, Tx, UserStore};
use crate::error::{Result, StorageError};

/// The format this version writes and reads.
pub(crate) const FORMAT: u32 = 2;

/// The setting that holds the format.
const SETTING: &str = "format_version";

/// A step from the format before `to` to `to`.
struct Migration {
    to: u32,
    what: &'static str,
    apply: fn(&mut Tx<'_>) -> Result<()>,
}

/// Every migration, in order. Format 1 is every database written before the format was
/// recorded.
const MIGRATIONS: &[Migration] = &[Migration {
    to: 2,
    what: "index every login session under its user (sessions from before the index were \
           missing from the account's list of devices and from logging out everywhere)",
    apply: |tx| tx.index_every_session().map(drop),
}];

/// What opening did to the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Migrated {
    /// The format the database had.
    pub(crate) from: u32,
    /// The format it has now.
    pub(crate) to: u32,
}

/// Checks the database's format and applies the migrations it lacks (a write job).
///
/// # Errors
///
/// A storage error for a database of a newer format, or one whose format is unreadable.
pub(crate) fn migrate(tx: &mut Tx<'_>) -> Result<Migrated> {
    let from = match tx.fetch_setting(SETTING)? {
        None => 1,
        Some(stored) => stored.parse::<u32>().map_err(|_| {
            StorageError::new(format!("the database's format {stored:?} is not a number"))
        })?,
    };
    if from > FORMAT {
        return Err(StorageError::new(format!(
            "the database has format {from}, written by a newer version of chat; this \
             version reads formats up to {FORMAT}: run the newer version, or restore a backup \
             taken with this one"
        ))
        .into());
    }
    for migration in MIGRATIONS.iter().filter(|m| m.to > from) {
        tracing::info!(
            to = migration.to,
            "migrating the database: {}",
            migration.what
        );
        (migration.apply)(tx)?;
    }
    if from != FORMAT {
        tx.update_setting(SETTING, &FORMAT.to_string());
    }
    Ok(Migrated { from, to: FORMAT })
}
