//! The bytes of attachments, behind [`BlobStore`]: content-addressed (the key is the
//! SHA-256 of the bytes, hex), written atomically, shared by every attachment with the same
//! bytes, and deleted by a commit hook once the last attachment using them is gone. The
//! default keeps files under the data directory ([`LocalBlobs`]); an in-memory engine keeps
//! them in memory ([`MemoryBlobs`]); other stores (S3) implement the trait.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::store::Table;
use crate::store::hooks::{Commit, CommitHook};

/// Where attachments' bytes live.
pub trait BlobStore: Send + Sync + 'static {
    /// Stores the bytes of the local file `upload` under `key` (their SHA-256, hex),
    /// atomically: a reader sees all of them or none. Storing a key that exists keeps one copy.
    fn put(&self, key: &str, upload: &Path) -> io::Result<()>;

    /// Reads a blob.
    fn get(&self, key: &str) -> io::Result<Box<dyn Read + Send>>;

    /// Deletes a blob; a missing one is no error.
    fn delete(&self, key: &str) -> io::Result<()>;

    /// Whether the store answers, for readiness checks; cheap, and fine to call every few
    /// seconds. By default it always does.
    ///
    /// # Errors
    ///
    /// What keeps the store from answering.
    fn check(&self) -> io::Result<()> {
        Ok(())
    }
}

/// Whether a key is a SHA-256 in hex, so that it is safe as a file name.
pub(crate) fn is_key(key: &str) -> bool {
    key.len() == 64
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn bad_key() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "not a blob key")
}

/// Blobs as files: `<dir>/<first two hex digits>/<key>`.
#[derive(Debug)]
pub struct LocalBlobs {
    dir: PathBuf,
}

impl LocalBlobs {
    /// Blobs under `dir` (created on the first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn path(&self, key: &str) -> io::Result<PathBuf> {
        if !is_key(key) {
            return Err(bad_key());
        }
        Ok(self.dir.join(&key[..2]).join(key))
    }
}

impl BlobStore for LocalBlobs {
    fn put(&self, key: &str, upload: &Path) -> io::Result<()> {
        let path = self.path(key)?;
        if path.exists() {
            return Ok(());
        }
        let parent = path.parent().ok_or_else(bad_key)?;
        std::fs::create_dir_all(parent)?;
        // Copied beside its final name, synced, then renamed into place: atomic.
        let partial = parent.join(format!(".{key}.{}", ulid::Ulid::generate()));
        std::fs::copy(upload, &partial)?;
        File::open(&partial)?.sync_all()?;
        std::fs::rename(&partial, &path)
    }

    fn get(&self, key: &str) -> io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(File::open(self.path(key)?)?))
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        match std::fs::remove_file(self.path(key)?) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
}

/// Blobs in memory, for an engine that keeps nothing.
#[derive(Debug, Default)]
pub struct MemoryBlobs {
    blobs: Mutex<HashMap<String, Arc<[u8]>>>,
}

impl MemoryBlobs {
    fn blobs(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<[u8]>>> {
        self.blobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl BlobStore for MemoryBlobs {
    fn put(&self, key: &str, upload: &Path) -> io::Result<()> {
        if !is_key(key) {
            return Err(bad_key());
        }
        let bytes = std::fs::read(upload)?;
        self.blobs()
            .entry(key.to_owned())
            .or_insert_with(|| bytes.into());
        Ok(())
    }

    fn get(&self, key: &str) -> io::Result<Box<dyn Read + Send>> {
        let bytes = self
            .blobs()
            .get(key)
            .cloned()
            .ok_or(io::ErrorKind::NotFound)?;
        Ok(Box::new(Cursor::new(bytes)))
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        self.blobs().remove(key);
        Ok(())
    }
}

/// The commit hook that deletes a blob once a commit removed its last reference.
pub(crate) struct Sweeper(pub(crate) Arc<dyn BlobStore>);

impl CommitHook for Sweeper {
    fn committed(&mut self, commit: &Commit<'_>) {
        for key in commit.deleted(Table::BlobRefs) {
            let key = String::from_utf8_lossy(key);
            if let Err(error) = self.0.delete(&key) {
                tracing::warn!(%error, %key, "cannot delete an unused blob");
            }
        }
    }
}
