//! The bytes of attachments, behind [`BlobStore`]: content-addressed (the key is the
//! SHA-256 of the bytes, hex), written atomically, shared by every attachment with the same
//! bytes, and deleted once the last attachment using them is gone (a commit hook queues the
//! key, a thread of its own deletes it unless an upload pinned it: [`sweeping`]). The
//! default keeps files under the data directory ([`LocalBlobs`]); an in-memory engine keeps
//! them in memory ([`MemoryBlobs`]); other stores (S3) implement the trait.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

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

/// The commit hook that hands the sweeper each blob a commit removed the last reference to.
/// The deletes run on a thread of their own, so that a slow store (S3 across a network) never
/// holds up the writer; [`sweeping`] starts it.
pub(crate) struct Sweeper {
    pins: Pins,
}

/// What the sweeper is to delete and what it must keep, shared by the commit hook, the
/// sweeper's thread, the engine's blob store and the uploads' pins.
#[derive(Default)]
struct Queue {
    state: Mutex<Sweep>,
    /// Signalled when a delete is done.
    deleted: Condvar,
}

/// The queue's state.
#[derive(Default)]
struct Sweep {
    /// Keys no attachment may use any more, not yet looked at.
    waiting: HashSet<String>,
    /// The key being deleted.
    deleting: Option<String>,
    /// Keys an upload is storing and committing, with how many uploads are.
    pinned: HashMap<String, usize>,
}

impl Queue {
    fn lock(&self) -> std::sync::MutexGuard<'_, Sweep> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
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

/// Whether any attachment in the store uses a blob, asked right before it is deleted.
pub(crate) type InUse = Box<dyn Fn(&str) -> io::Result<bool> + Send>;

/// The engine's blob store with what keeps it clean: a blob is deleted only when a commit
/// removed its last reference (or an upload of it is done), no upload holds a pin on it,
/// and the store, asked right before the delete, has no attachment using it.
///
/// An upload pins its keys before storing the bytes and lets go once its attachments are
/// committed or refused, so that bytes stored just before the commit that drops their last
/// attachment are kept for the new one. A put through [`Sweeping::blobs`] waits for a delete of
/// its key under way, then stores the bytes again. Pins are this engine's: on a store that
/// nodes share, another node's upload is seen once committed, not before.
pub(crate) struct Sweeping {
    /// The store to read and put through.
    pub(crate) blobs: Arc<dyn BlobStore>,
    /// The commit hook that queues the blobs whose last attachment went.
    pub(crate) hook: Sweeper,
    /// Pins, for uploads.
    pub(crate) pins: Pins,
    /// The sweeper's thread: it deletes until the hook and every pin are dropped, then ends.
    pub(crate) thread: SweeperThread,
}

/// Starts the sweeper over `blobs`.
///
/// # Errors
///
/// When the sweeper's thread cannot start.
pub(crate) fn sweeping(blobs: Arc<dyn BlobStore>, in_use: InUse) -> io::Result<Sweeping> {
    let queue = Arc::new(Queue::default());
    let (keys, to_delete) = mpsc::channel::<String>();
    let (store, swept) = (blobs.clone(), queue.clone());
    let (finishing, finished) = mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("chat-blob-sweeper".into())
        .spawn(move || {
            // Dropped when the thread returns, which is what `finished` waits for.
            let _finishing = finishing;
            sweep(&*store, &swept, &to_delete, &in_use);
        })?;
    let pins = Pins {
        queue: queue.clone(),
        keys,
    };
    Ok(Sweeping {
        blobs: Arc::new(Guarded {
            inner: blobs,
            queue,
        }),
        hook: Sweeper { pins: pins.clone() },
        pins,
        thread: SweeperThread {
            thread: Some(thread),
            finished: Mutex::new(finished),
        },
    })
}

/// The sweeper's thread. Dropping it (after the hook and the pins) waits for the deletes
/// queued so far, for up to [`FINISH_WITHIN`]: a store that cannot answer then (an S3 request
/// that needs the runtime's workers while the one closing the engine is the only one) is left
/// to finish on its own.
pub(crate) struct SweeperThread {
    thread: Option<JoinHandle<()>>,
    /// Disconnected once the thread returns.
    finished: Mutex<mpsc::Receiver<()>>,
}

/// How long closing an engine waits for its queued blob deletes (less in the unit tests,
/// which wait it out on purpose).
const FINISH_WITHIN: Duration = if cfg!(test) {
    Duration::from_millis(200)
} else {
    Duration::from_secs(5)
};

impl Drop for SweeperThread {
    fn drop(&mut self) {
        let finished = self
            .finished
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .recv_timeout(FINISH_WITHIN);
        if let Err(mpsc::RecvTimeoutError::Timeout) = finished {
            tracing::warn!("the blob sweeper did not finish its deletes in time; leaving it");
            return;
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Deletes each queued key that is not pinned and that no attachment uses, until the hook and
/// every pin are dropped.
fn sweep(blobs: &dyn BlobStore, queue: &Queue, keys: &mpsc::Receiver<String>, in_use: &InUse) {
    for key in keys {
        {
            let mut sweep = queue.lock();
            if !sweep.waiting.remove(&key) {
                continue; // stored again since
            }
            if sweep.pinned.contains_key(&key) {
                continue; // its upload asks again if it is refused
            }
            sweep.deleting = Some(key.clone());
        }
        match in_use(&key) {
            Ok(false) => {
                if let Err(error) = blobs.delete(&key) {
                    tracing::warn!(%error, %key, "cannot delete an unused blob");
                }
            }
            Ok(true) => {}
            Err(error) => tracing::warn!(%error, %key, "cannot tell whether a blob is used"),
        }
        queue.lock().deleting = None;
        queue.deleted.notify_all();
    }
}

impl CommitHook for Sweeper {
    fn committed(&mut self, commit: &Commit<'_>) {
        for key in commit.deleted(Table::BlobRefs) {
            self.pins.forget(&String::from_utf8_lossy(key));
        }
    }
}

/// Pins on blobs: what an upload holds while it stores its bytes and commits their
/// attachments.
#[derive(Clone)]
pub(crate) struct Pins {
    queue: Arc<Queue>,
    /// Tells the sweeper's thread of each key to look at.
    keys: mpsc::Sender<String>,
}

impl Pins {
    /// Asks the sweeper to look at `key`, which no attachment may use any more.
    fn forget(&self, key: &str) {
        if self.queue.lock().waiting.insert(key.to_owned()) {
            let _ = self.keys.send(key.to_owned());
        }
    }

    /// Pins `keys` until the answer is dropped: the sweeper deletes none of them meanwhile.
    pub(crate) fn pin(&self, keys: Vec<String>) -> Pinned {
        let mut sweep = self.queue.lock();
        for key in &keys {
            *sweep.pinned.entry(key.clone()).or_default() += 1;
        }
        drop(sweep);
        Pinned {
            pins: self.clone(),
            keys,
        }
    }
}

/// Blobs pinned for an upload. Dropped once the upload is committed or refused, its keys go
/// to the sweeper, which deletes those that no attachment uses: the bytes of a refused
/// upload, or of one that repeated a message's nonce and stored nothing.
pub(crate) struct Pinned {
    pins: Pins,
    keys: Vec<String>,
}

impl Drop for Pinned {
    fn drop(&mut self) {
        let mut sweep = self.pins.queue.lock();
        for key in &self.keys {
            if let Some(count) = sweep.pinned.get_mut(key) {
                *count -= 1;
                if *count == 0 {
                    sweep.pinned.remove(key);
                }
            }
        }
        drop(sweep);
        for key in &self.keys {
            self.pins.forget(key);
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
            // The test's end drops both ends: the delete then stops waiting.
            if self.release.lock().unwrap().recv().is_ok() {
                let _ = self.deleted.lock().unwrap().send(key.to_owned());
            }
            Ok(())
        }
    }

    /// What the tests hold: the sweeper's handles, and the ends of a [`Gated`] store.
    struct Setup {
        blobs: Arc<dyn BlobStore>,
        pins: Pins,
        release: mpsc::Sender<()>,
        deleted: mpsc::Receiver<String>,
        _thread: SweeperThread,
    }

    /// A sweeper over a [`Gated`] store, where `used` are the keys attachments use.
    fn setup(used: &[&String]) -> Setup {
        let (release, released) = mpsc::channel();
        let (tell, deleted) = mpsc::channel();
        let gated = Arc::new(Gated {
            release: Mutex::new(released),
            deleted: Mutex::new(tell),
        });
        let used: HashSet<String> = used.iter().map(|k| (*k).clone()).collect();
        let in_use: InUse = Box::new(move |key| Ok(used.contains(key)));
        let Sweeping {
            blobs,
            hook: _,
            pins,
            thread,
        } = sweeping(gated, in_use).unwrap();
        Setup {
            blobs,
            pins,
            release,
            deleted,
            _thread: thread,
        }
    }

    impl Setup {
        /// Lets one delete through and answers its key.
        fn next_delete(&self) -> String {
            self.release.send(()).unwrap();
            self.deleted.recv().unwrap()
        }
    }

    fn keys<const N: usize>() -> [String; N] {
        std::array::from_fn(|i| char::from(b'a' + i as u8).to_string().repeat(64))
    }

    #[test]
    fn deletes_run_on_their_own_thread_and_skip_a_key_stored_again() {
        let [a, b, c] = keys();
        let s = setup(&[]);
        // What the commit hook does: queue, never wait (the delete of `a` is held up).
        for key in [&a, &b, &c] {
            s.pins.forget(key);
        }
        // `b` is stored again, for a new attachment, before the sweeper reaches it.
        s.blobs.put(&b, Path::new("unused")).unwrap();
        assert_eq!([s.next_delete(), s.next_delete()], [a, c], "b was kept");
    }

    #[test]
    fn a_pinned_key_is_kept_and_one_in_use_is_never_deleted() {
        let [pinned, shared, other, later] = keys();
        // `shared` has bytes another message uses too.
        let s = setup(&[&shared]);
        // An upload stores `pinned` and `shared`; meanwhile a commit drops the last attachment
        // of `pinned`.
        let upload = s.pins.pin(vec![pinned.clone(), shared.clone()]);
        s.pins.forget(&pinned);
        s.pins.forget(&other);
        assert_eq!(s.next_delete(), other, "pinned is kept");
        // The upload is done: its keys go to the sweeper, which deletes the unused one.
        drop(upload);
        s.pins.forget(&later);
        assert_eq!(
            [s.next_delete(), s.next_delete()],
            [pinned, later],
            "shared is in use"
        );
    }

    #[test]
    fn closing_waits_for_the_queued_deletes_but_not_for_ever() {
        let [done, stuck] = keys();
        let s = setup(&[]);
        s.pins.forget(&done);
        assert_eq!(s.next_delete(), done);
        // The next delete never gets its store's answer while the engine closes.
        s.pins.forget(&stuck);
        let Setup {
            blobs,
            pins,
            release,
            deleted: _deleted,
            _thread: thread,
        } = s;
        drop((blobs, pins));
        let (closed, was_closed) = mpsc::channel();
        std::thread::spawn(move || {
            drop(thread);
            let _ = closed.send(());
        });
        assert!(
            was_closed.recv_timeout(Duration::from_secs(30)).is_ok(),
            "closing gave up waiting"
        );
        drop(release);
    }
}
