//! Backups of a running engine and their restore into an empty store.
//!
//! [`Engine::backup`] writes every entry of every table as one snapshot holds it (a commit
//! that lands meanwhile is wholly out of the backup, one before it wholly in), then the bytes
//! of every blob the snapshot references, as an archive whose end carries its counts and a
//! SHA-256 of the rest ([`archive`]). [`restore`] reads an archive into an empty backend and
//! blob store, and [`restore_data_dir`] into an empty data directory, which it changes only
//! once the whole archive has been read and checked. The search index is not in a backup: an
//! engine opened without one rebuilds it from the store.

mod archive;

use std::io::{self, Read, Write};
use std::path::PathBuf;

pub use archive::Counts;
use archive::{ArchiveReader, ArchiveWriter, Record};

use crate::blobs::BlobStore;
use crate::engine::Engine;
#[cfg(feature = "redb")]
use crate::engine::{BLOB_DIR, DATABASE_FILE};
use crate::error::{Error, Result, StorageError};
use crate::store::{Backend, Batch, KeyRange, Order, Table};

/// Entries one scan of a table reads.
const PAGE: usize = 1024;
/// Entries one commit of a restore writes.
const RESTORE_BATCH: usize = 10_000;

/// What a backup wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BackupSummary {
    /// What the archive holds.
    pub counts: Counts,
    /// Blobs the snapshot referenced that were gone when their turn came (their attachments
    /// were deleted after the snapshot was taken).
    pub missing_blobs: u64,
}

impl Engine {
    /// Writes a backup of everything committed when it starts to `out`, calling `progress`
    /// with the counts so far after each page of entries and each blob. Blocking: call it
    /// from a blocking thread. The engine goes on serving meanwhile.
    #[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
    pub fn backup(
        &self,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(Counts),
    ) -> Result<BackupSummary> {
        let snapshot = self.snapshot()?;
        let mut archive = ArchiveWriter::start(out).map_err(storage)?;
        let mut blobs = Vec::new();
        for table in Table::ALL {
            let mut range = KeyRange::all();
            loop {
                let page = snapshot.scan(table, &range, Order::Ascending, PAGE)?;
                for (key, value) in &page {
                    archive.entry(table, key, value).map_err(storage)?;
                    if table == Table::BlobRefs {
                        blobs.push(String::from_utf8_lossy(key).into_owned());
                    }
                }
                progress(archive.counts());
                match page.last() {
                    Some((last, _)) if page.len() == PAGE => {
                        range.start = std::ops::Bound::Excluded(last.clone());
                    }
                    _ => break,
                }
            }
        }
        drop(snapshot);
        let mut missing_blobs = 0;
        for key in blobs {
            match self.blobs().get(&key) {
                Ok(mut bytes) => archive.blob(&key, &mut bytes).map_err(storage)?,
                Err(error) if error.kind() == io::ErrorKind::NotFound => {
                    tracing::warn!(blob = %key, "a blob was deleted during the backup");
                    missing_blobs += 1;
                }
                Err(error) => return Err(storage(error)),
            }
            progress(archive.counts());
        }
        let counts = archive.finish().map_err(storage)?;
        Ok(BackupSummary {
            counts,
            missing_blobs,
        })
    }
}

/// Reads a backup into `backend` and `blobs`, which should be empty (what the backup holds
/// replaces what they hold under the same keys), calling `progress` as it goes. Blocking.
///
/// # Errors
///
/// A validation error when the input is not a whole, intact backup of a format this version
/// reads (whatever was written before the error stays written: restore into a new store, as
/// [`restore_data_dir`] does); a storage error when the backend or blob store fails.
pub fn restore(
    input: &mut dyn Read,
    backend: &dyn Backend,
    blobs: &dyn BlobStore,
    progress: &mut dyn FnMut(Counts),
) -> Result<Counts> {
    let mut archive = ArchiveReader::open(input).map_err(invalid)?;
    let mut batch = Batch::default();
    let staging = Scratch::new(&std::env::temp_dir(), ".chat-restore-blob-");
    loop {
        match archive.next().map_err(invalid)? {
            Record::Entry { table, key, value } => {
                batch.put(table, key, value);
                if batch.len() == RESTORE_BATCH {
                    backend.commit(&std::mem::take(&mut batch))?;
                    progress(archive.counts());
                }
            }
            Record::Blob { key } => {
                let mut file = std::fs::File::create(&staging.0).map_err(storage)?;
                archive.blob_bytes(&mut file).map_err(invalid)?;
                drop(file);
                blobs.put(&key, &staging.0).map_err(storage)?;
                progress(archive.counts());
            }
            Record::End(counts) => {
                if !batch.is_empty() {
                    backend.commit(&batch)?;
                }
                progress(counts);
                return Ok(counts);
            }
        }
    }
}

/// Reads a whole backup and checks it, writing nothing; answers what it holds.
///
/// # Errors
///
/// A validation error when the input is not a whole, intact backup of a format this version
/// reads.
pub fn verify(input: &mut dyn Read) -> Result<Counts> {
    let mut archive = ArchiveReader::open(input).map_err(invalid)?;
    loop {
        match archive.next().map_err(invalid)? {
            Record::Entry { .. } => {}
            Record::Blob { .. } => archive.blob_bytes(&mut io::sink()).map_err(invalid)?,
            Record::End(counts) => return Ok(counts),
        }
    }
}

/// Restores a backup into `dir`, a data directory with no database: into a directory beside
/// it first, moved into place once the whole backup was read and checked, so that a bad or
/// cut-off backup leaves `dir` as it was. Blocking.
///
/// # Errors
///
/// As [`restore`], and a validation error when `dir` already holds a database.
#[cfg(feature = "redb")]
pub fn restore_data_dir(
    input: &mut dyn Read,
    dir: &std::path::Path,
    progress: &mut dyn FnMut(Counts),
) -> Result<Counts> {
    let (database, blob_dir) = (dir.join(DATABASE_FILE), dir.join(BLOB_DIR));
    if database.exists() || blob_dir.exists() {
        return Err(Error::validation(
            "data_dir",
            format!(
                "{} already holds a database or attachments: restore into an empty data \
                 directory",
                dir.display()
            ),
        ));
    }
    std::fs::create_dir_all(dir).map_err(storage)?;
    let staging = Scratch::new(dir, ".restore-");
    std::fs::create_dir(&staging.0).map_err(storage)?;
    let counts = {
        let store = crate::store::RedbStore::open(staging.0.join(DATABASE_FILE))?;
        let blobs = crate::blobs::LocalBlobs::new(staging.0.join(BLOB_DIR));
        restore(input, &store, &blobs, progress)?
    };
    if staging.0.join(BLOB_DIR).exists() {
        std::fs::rename(staging.0.join(BLOB_DIR), &blob_dir).map_err(storage)?;
    }
    std::fs::rename(staging.0.join(DATABASE_FILE), &database).map_err(storage)?;
    Ok(counts)
}

/// A file or directory of a restore's own, removed with whatever is left in it when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(dir: &std::path::Path, prefix: &str) -> Self {
        Self(dir.join(format!("{prefix}{}", ulid::Ulid::generate())))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = if self.0.is_dir() {
            std::fs::remove_dir_all(&self.0)
        } else {
            std::fs::remove_file(&self.0)
        };
    }
}

fn storage(error: impl std::fmt::Display) -> Error {
    Error::Storage(StorageError::new(error))
}

fn invalid(error: io::Error) -> Error {
    match error.kind() {
        io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof => {
            Error::validation("backup", error.to_string())
        }
        _ => storage(error),
    }
}
