//! The bytes of attachments, behind [`BlobStore`]: content-addressed (the key is the
//! SHA-256 of the bytes, hex), written atomically, shared by every attachment with the same
//! bytes, and deleted once the last attachment using them is gone (a commit hook queues the
//! key, a thread of its own deletes it: [`sweeping`]). The
//! default keeps files under the data directory ([`LocalBlobs`]); an in-memory engine keeps
//! them in memory ([`MemoryBlobs`]); other stores (S3) implement the trait.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, mpsc};

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

/// The commit hook that deletes a blob once a commit removed its last reference. The deletes
/// run on a thread of their own, so that a slow store (S3 across a network) never holds up the
/// writer; [`sweeping`] starts it.
pub(crate) struct Sweeper {
    keys: mpsc::Sender<String>,
    queue: Arc<Queue>,
}

/// The keys the sweeper is to delete, shared with the blob store the engine uses.
#[derive(Default)]
struct Queue {
    state: Mutex<Sweep>,
    /// Signalled when a delete is done.
    deleted: Condvar,
}

#[derive(Default)]
struct Sweep {
    /// Keys no attachment uses any more, not yet deleted.
    waiting: HashSet<String>,
    /// The key being deleted.
    deleting: Option<String>,
}

impl Queue {
    fn lock(&self) -> std::sync::MutexGuard<'_, Sweep> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues `key` for deletion; whether it was not queued yet.
    fn forget(&self, key: &str) -> bool {
        self.lock().waiting.insert(key.to_owned())
    }

    /// Takes `key` off the queue, once no delete of it is under way: its bytes are about to be
    /// stored again, for a new attachment.
    fn keep(&self, key: &str) {
        let mut sweep = self.lock();
        while sweep.deleting.as_deref() == Some(key) {
            sweep = self
                .deleted
                .wait(sweep)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        sweep.waiting.remove(key);
    }
}

/// The engine's blob store and the sweeper that deletes from it: puts through the store take
/// their key off the sweeper's queue (waiting for a delete of it under way), so that bytes
/// stored again after their last attachment went are kept. (Bytes stored just before the
/// commit that drops their last attachment are still deleted, as when the hook deleted them
/// itself: the new attachment then has no bytes.)
///
/// # Errors
///
/// When the sweeper's thread cannot start.
pub(crate) fn sweeping(blobs: Arc<dyn BlobStore>) -> io::Result<(Arc<dyn BlobStore>, Sweeper)> {
    let queue = Arc::new(Queue::default());
    let (keys, to_delete) = mpsc::channel::<String>();
    let (store, swept) = (blobs.clone(), queue.clone());
    std::thread::Builder::new()
        .name("chat-blob-sweeper".into())
        .spawn(move || sweep(&*store, &swept, &to_delete))?;
    let guarded = Arc::new(Guarded {
        inner: blobs,
        queue: queue.clone(),
    });
    Ok((guarded, Sweeper { keys, queue }))
}

/// Deletes each queued key that is still unused, until the sweeper is dropped.
fn sweep(blobs: &dyn BlobStore, queue: &Queue, keys: &mpsc::Receiver<String>) {
    for key in keys {
        {
            let mut sweep = queue.lock();
            if !sweep.waiting.remove(&key) {
                continue; // stored again since
            }
            sweep.deleting = Some(key.clone());
        }
        if let Err(error) = blobs.delete(&key) {
            tracing::warn!(%error, %key, "cannot delete an unused blob");
        }
        queue.lock().deleting = None;
        queue.deleted.notify_all();
    }
}

impl CommitHook for Sweeper {
    fn committed(&mut self, commit: &Commit<'_>) {
        for key in commit.deleted(Table::BlobRefs) {
            let key = String::from_utf8_lossy(key);
            if self.queue.forget(&key) {
                let _ = self.keys.send(key.into_owned());
            }
        }
    }
}

/// A blob store whose puts take their key off the sweeper's queue.
struct Guarded {
    inner: Arc<dyn BlobStore>,
    queue: Arc<Queue>,
}

impl BlobStore for Guarded {
    fn put(&self, key: &str, upload: &Path) -> io::Result<()> {
        self.queue.keep(key);
        self.inner.put(key, upload)
    }

    fn get(&self, key: &str) -> io::Result<Box<dyn Read + Send>> {
        self.inner.get(key)
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        self.inner.delete(key)
    }

    fn check(&self) -> io::Result<()> {
        self.inner.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store whose deletes wait for the test's word, then say what they deleted.
    struct Gated {
        release: Mutex<mpsc::Receiver<()>>,
        deleted: Mutex<mpsc::Sender<String>>,
    }

    impl BlobStore for Gated {
        fn put(&self, _key: &str, _upload: &Path) -> io::Result<()> {
            Ok(())
        }

        fn get(&self, _key: &str) -> io::Result<Box<dyn Read + Send>> {
            Err(io::ErrorKind::NotFound.into())
        }

        fn delete(&self, key: &str) -> io::Result<()> {
            self.release.lock().unwrap().recv().unwrap();
            self.deleted.lock().unwrap().send(key.to_owned()).unwrap();
            Ok(())
        }
    }

    #[test]
    fn deletes_run_on_their_own_thread_and_skip_a_key_stored_again() {
        let (release, released) = mpsc::channel();
        let (tell, told) = mpsc::channel();
        let gated = Arc::new(Gated {
            release: Mutex::new(released),
            deleted: Mutex::new(tell),
        });
        let (blobs, sweeper) = sweeping(gated).unwrap();
        let [a, b, c] = ["a", "b", "c"].map(|k| k.repeat(64));
        // What the commit hook does: queue, never wait (the delete of `a` is held up).
        for key in [&a, &b, &c] {
            assert!(sweeper.queue.forget(key));
            sweeper.keys.send(key.clone()).unwrap();
        }
        // `b` is stored again, for a new attachment, before the sweeper reaches it.
        blobs.put(&b, Path::new("unused")).unwrap();
        release.send(()).unwrap();
        release.send(()).unwrap();
        let done: Vec<String> = told.iter().take(2).collect();
        assert_eq!(done, vec![a, c], "b was kept");
    }
}
