//! The [`Engine`] facade and its [`EngineBuilder`]: owns the store, the writer thread with
//! its commit hooks, the event hub, the token keys, the live state and the search index.
//! Every domain module adds its operations to `Engine`; this file imports none of them.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{Notify, broadcast};

use crate::blobs::{self, BlobStore, InUse, LocalBlobs, MemoryBlobs, Pins, SweeperThread};
use crate::broker::{Broker, Inbox, Node, Topic, decode_committed};
use crate::credentials::{
    LoginThrottle, SessionCache, TokenKeys, load_or_make_community, load_or_make_secret,
};
use crate::envelope::{Audience, EventEnvelope};
use crate::error::{Result, StorageError};
use crate::live::{HEARTBEAT, Realtime, Shared, Signal};
use crate::model::Event;
use crate::previews::LinkPreviewer;
#[cfg(feature = "search")]
use crate::search_index::{SearchHandle, SearchService};
use crate::store::Table;
use crate::store::hooks::{CommitHook, TableWatch};
use crate::store::writer::{LogBounds, Writer};
use crate::store::{AttachmentStore, Backend, EventLog, InMemoryStore, Reader, Tx};

/// How many events the log keeps for resuming, by default.
pub const DEFAULT_EVENT_RETENTION: u64 = 100_000;

/// How long a refresh token stays valid unused, by default (30 days).
pub const DEFAULT_REFRESH_TOKEN_TTL: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// How long the audit log keeps an entry, by default (90 days).
pub const DEFAULT_AUDIT_LOG_RETENTION: Duration = Duration::from_secs(90 * 24 * 60 * 60);

/// The database's file in a data directory.
#[cfg(feature = "redb")]
pub(crate) const DATABASE_FILE: &str = "chat.redb";
/// The attachments' bytes in a data directory.
pub(crate) const BLOB_DIR: &str = "blobs";

/// The chat engine: cheap to clone, shareable across tasks. Every operation checks the
/// caller's permissions.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    // Field order matters: the writer is dropped (and joined) first, which ends the indexer's
    // feed and drops the blob sweeper's hook; then the indexer is joined; then the blobs' pins
    // go and the sweeper's thread is given a few seconds to delete what was queued; then the
    // backend closes.
    writer: Writer,
    #[cfg(feature = "search")]
    search: SearchService,
    /// What uploads hold on blobs against the sweeper.
    blob_pins: Pins,
    /// Held to be waited for when the engine closes.
    _blob_sweeper: SweeperThread,
    backend: Arc<dyn Backend>,
    hub: broadcast::Sender<Arc<EventEnvelope>>,
    bounds: Arc<LogBounds>,
    keys: TokenKeys,
    sessions: Arc<SessionCache>,
    access_token_ttl: Duration,
    refresh_token_ttl: Duration,
    login_throttle: LoginThrottle,
    audit_log_retention: Duration,
    realtime: Arc<Mutex<Realtime>>,
    /// Whether a push deliverer runs, so that messages queue push notifications.
    push_active: AtomicBool,
    /// Woken by commits that queue push notifications.
    push_queued: Arc<Notify>,
    /// Makes the previews of links in new messages, when the application gave one.
    previewer: Option<Arc<dyn LinkPreviewer>>,
    /// The bytes of attachments.
    blobs: Arc<dyn BlobStore>,
    /// The community this engine is a node of, when a broker joins it to others.
    node: Option<Node>,
    /// What the other nodes' applications tell this one, until the application takes it.
    from_applications: Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<Bytes>>>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("backend", &self.inner.backend)
            .finish_non_exhaustive()
    }
}

/// Configures and opens an [`Engine`].
pub struct EngineBuilder {
    access_token_ttl: Duration,
    refresh_token_ttl: Duration,
    audit_log_retention: Duration,
    backend: Option<Arc<dyn Backend>>,
    event_retention: u64,
    hub_capacity: usize,
    jwt_secret: Option<Vec<u8>>,
    path: Option<PathBuf>,
    previewer: Option<Arc<dyn LinkPreviewer>>,
    blobs: Option<Arc<dyn BlobStore>>,
    broker: Option<Arc<dyn Broker>>,
}

impl fmt::Debug for EngineBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineBuilder")
            .field("access_token_ttl", &self.access_token_ttl)
            .field("event_retention", &self.event_retention)
            .field("path", &self.path)
            .field("previews", &self.previewer.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for EngineBuilder {
    fn default() -> Self {
        Self {
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: DEFAULT_REFRESH_TOKEN_TTL,
            audit_log_retention: DEFAULT_AUDIT_LOG_RETENTION,
            backend: None,
            event_retention: DEFAULT_EVENT_RETENTION,
            hub_capacity: 4096,
            jwt_secret: None,
            path: None,
            previewer: None,
            blobs: None,
            broker: None,
        }
    }
}

impl EngineBuilder {
    /// Stores everything in a redb file inside this directory (created if missing).
    #[cfg(feature = "redb")]
    #[must_use]
    pub fn data_dir(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Uses this backend instead of the default.
    #[must_use]
    pub fn backend(mut self, backend: Arc<dyn Backend>) -> Self {
        self.backend = Some(backend);
        self
    }

    /// Signs access tokens with this secret; without it a secret is made once and kept in the
    /// store.
    #[must_use]
    pub fn jwt_secret(mut self, secret: impl Into<Vec<u8>>) -> Self {
        self.jwt_secret = Some(secret.into());
        self
    }

    /// How many events the log keeps for resuming sessions.
    #[must_use]
    pub const fn event_retention(mut self, events: u64) -> Self {
        self.event_retention = events;
        self
    }

    /// How long an access token is valid.
    #[must_use]
    pub const fn access_token_ttl(mut self, ttl: Duration) -> Self {
        self.access_token_ttl = ttl;
        self
    }

    /// How long a refresh token stays valid without being used (each refresh issues a new
    /// one with a new lifetime).
    #[must_use]
    pub const fn refresh_token_ttl(mut self, ttl: Duration) -> Self {
        self.refresh_token_ttl = ttl;
        self
    }

    /// How long the audit log keeps an entry ([`Engine::prune_audit_log`] deletes older
    /// ones, and they are never read).
    #[must_use]
    pub const fn audit_log_retention(mut self, retention: Duration) -> Self {
        self.audit_log_retention = retention;
        self
    }

    /// Keeps attachments' bytes in this store (by default: files under the data directory's
    /// `blobs/`, or memory without a data directory).
    #[must_use]
    pub fn blob_store(mut self, blobs: Arc<dyn BlobStore>) -> Self {
        self.blobs = Some(blobs);
        self
    }

    /// Joins the other engines (server nodes) that share this engine's store through a
    /// broker: each delivers the others' events and live state (presence, typing, voice) to
    /// its own sessions. Opening fails on a store that is not shared.
    #[must_use]
    pub fn broker(mut self, broker: Arc<dyn Broker>) -> Self {
        self.broker = Some(broker);
        self
    }

    /// Adds previews to the links of new messages with this previewer.
    #[must_use]
    pub fn link_previewer(mut self, previewer: Arc<dyn LinkPreviewer>) -> Self {
        self.previewer = Some(previewer);
        self
    }

    /// How many events the in-process hub buffers before a slow session falls back to the log.
    #[must_use]
    pub const fn hub_capacity(mut self, events: usize) -> Self {
        self.hub_capacity = events;
        self
    }

    /// Opens the engine: the given backend, else redb in the data directory, else memory.
    pub async fn open(self) -> Result<Engine> {
        #[cfg(feature = "search")]
        let search_dir = self.path.as_ref().map(|p| p.join("search"));
        let blob_dir = self.path.as_ref().map(|p| p.join(BLOB_DIR));
        let backend: Arc<dyn Backend> = match (self.backend, self.path) {
            (Some(backend), _) => backend,
            #[cfg(feature = "redb")]
            (None, Some(dir)) => {
                std::fs::create_dir_all(&dir).map_err(crate::error::StorageError::new)?;
                Arc::new(crate::store::RedbStore::open(dir.join(DATABASE_FILE))?)
            }
            _ => Arc::new(InMemoryStore::new()),
        };
        let (hub, _) = broadcast::channel(self.hub_capacity.max(16));
        let bounds = Arc::new(LogBounds::default());
        let sessions = Arc::new(if backend.shared() {
            SessionCache::off()
        } else {
            SessionCache::default()
        });
        #[cfg(feature = "search")]
        let (search, feeder) = SearchService::start(search_dir.as_deref(), backend.clone())?;
        let blobs: Arc<dyn BlobStore> = match (self.blobs, blob_dir) {
            (Some(blobs), _) => blobs,
            (None, Some(dir)) => Arc::new(LocalBlobs::new(dir)),
            (None, None) => Arc::new(MemoryBlobs::default()),
        };
        let sweeping =
            blobs::sweeping(blobs, blob_in_use(backend.clone())).map_err(StorageError::new)?;
        let node = node_of(self.broker, &*backend)?;
        let (remote, remote_events) = tokio::sync::mpsc::unbounded_channel();
        let push_queued = Arc::new(Notify::new());
        // The commit hooks, in the order the writer calls them.
        let hooks: Vec<Box<dyn CommitHook>> = vec![
            Box::new(sessions.clone()),
            Box::new(TableWatch::new(Table::PushQueue, push_queued.clone())),
            Box::new(sweeping.hook),
            #[cfg(feature = "search")]
            Box::new(feeder),
        ];
        let writer = Writer::start(
            backend.clone(),
            hub.clone(),
            bounds.clone(),
            self.event_retention,
            hooks,
            node.clone().map(|node| (node, remote_events)),
        )?;
        let migrated = writer.run(crate::store::migrations::migrate).await?;
        if migrated.from != migrated.to {
            tracing::info!(
                from = migrated.from,
                to = migrated.to,
                "the database is at the current format"
            );
        }
        let secret = match self.jwt_secret {
            Some(secret) => secret,
            None => writer.run(load_or_make_secret).await?,
        };
        let keys = TokenKeys::new(&secret);
        let (to_application, from_applications) = tokio::sync::mpsc::unbounded_channel();
        let inbox = match &node {
            Some(node) => Some(
                node.broker
                    .join(&writer.run(load_or_make_community).await?)?,
            ),
            None => None,
        };
        let inner = Inner {
            writer,
            #[cfg(feature = "search")]
            search,
            backend,
            hub,
            bounds,
            keys,
            sessions,
            access_token_ttl: self.access_token_ttl,
            refresh_token_ttl: self.refresh_token_ttl,
            login_throttle: LoginThrottle::default(),
            audit_log_retention: self.audit_log_retention,
            realtime: Arc::default(),
            push_active: AtomicBool::new(false),
            push_queued,
            previewer: self.previewer,
            blobs: sweeping.blobs,
            blob_pins: sweeping.pins,
            _blob_sweeper: sweeping.thread,
            from_applications: Mutex::new(node.is_some().then_some(from_applications)),
            node,
        };
        let engine = Engine {
            inner: Arc::new(inner),
        };
        if let Some(inbox) = inbox {
            let inner = Arc::downgrade(&engine.inner);
            tokio::spawn(follow_nodes(inner, inbox, remote, to_application));
        }
        Ok(engine)
    }
}

impl Engine {
    /// A builder to configure the engine.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// Opens the default durable engine in a data directory.
    #[cfg(feature = "redb")]
    pub async fn open(data_dir: impl Into<PathBuf>) -> Result<Self> {
        Self::builder().data_dir(data_dir).open().await
    }

    /// An engine that keeps everything in memory.
    pub async fn in_memory() -> Result<Self> {
        Self::builder().open().await
    }

    /// The sequence number of the newest committed event (0 before the first).
    pub fn last_seq(&self) -> u64 {
        self.inner
            .bounds
            .next
            .load(std::sync::atomic::Ordering::SeqCst)
            - 1
    }

    /// The sequence number of the newest event in the store's log. On a store that other
    /// engines share, it reads the log, since this engine learns of their newest events only
    /// as it follows them: a session resuming from another node may have seen one already.
    ///
    /// # Errors
    ///
    /// A storage error when the log cannot be read.
    pub fn last_stored_seq(&self) -> Result<u64> {
        let known = self.last_seq();
        if !self.inner.backend.shared() {
            return Ok(known);
        }
        let stored = self.read()?.event_bounds()?.map_or(0, |(_, last)| last);
        self.inner
            .bounds
            .next
            .fetch_max(stored + 1, std::sync::atomic::Ordering::SeqCst);
        Ok(known.max(stored))
    }

    /// A snapshot of everything committed so far.
    pub(crate) fn snapshot(&self) -> Result<Box<dyn crate::store::Snapshot + '_>> {
        Ok(self.inner.backend.snapshot()?)
    }

    pub(crate) fn read(&self) -> Result<Reader<'_>> {
        Ok(Reader::new(self.inner.backend.snapshot()?))
    }

    pub(crate) async fn write<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Tx<'_>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.inner.writer.run(job).await
    }

    pub(crate) fn hub(&self) -> &broadcast::Sender<Arc<EventEnvelope>> {
        &self.inner.hub
    }

    /// Sends a live-only event to this node's sessions that may see it.
    pub(crate) fn publish_live(&self, event: Event, audience: Audience) {
        // The newest event sessions may have seen: a client that resumes from it misses none.
        let seq = self
            .inner
            .bounds
            .published
            .load(std::sync::atomic::Ordering::SeqCst);
        let envelope = EventEnvelope::ephemeral(seq, event, audience);
        let _ = self.inner.hub.send(Arc::new(envelope));
    }

    /// This node's id in its community (0 for an engine on its own).
    pub(crate) fn node_id(&self) -> u64 {
        self.inner.node.as_ref().map_or(0, |node| node.id)
    }

    /// Tells the other nodes of the community of a change of this node's live state.
    pub(crate) fn share(&self, signal: Signal) {
        if let Some(node) = &self.inner.node {
            let shared = Shared {
                node: node.id,
                signal,
                digests: true,
            };
            let payload = serde_json::to_vec(&shared).expect("live signals always serialize");
            node.broker
                .publish(crate::broker::Topic::Live, payload.into());
        }
    }

    /// Tells the other nodes of the community something of the embedding application's own
    /// (the server shares its rate limits' usage this way); nothing without a broker.
    pub fn tell_nodes(&self, payload: &[u8]) {
        if let Some(node) = &self.inner.node {
            let mut message = Vec::with_capacity(8 + payload.len());
            message.extend_from_slice(&node.id.to_le_bytes());
            message.extend_from_slice(payload);
            node.broker.publish(Topic::Application, message.into());
        }
    }

    /// What the other nodes' applications tell this one ([`Engine::tell_nodes`]), in the
    /// order they arrive: `None` without a broker, or once taken.
    pub fn node_messages(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<Bytes>> {
        self.inner
            .from_applications
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }

    /// Whether the broker, if any, is reachable; the reason when it is not.
    ///
    /// # Errors
    ///
    /// What is wrong with the broker.
    pub fn broker_status(&self) -> std::result::Result<(), String> {
        self.inner
            .node
            .as_ref()
            .map_or(Ok(()), |n| n.broker.check())
    }

    pub(crate) fn log_bounds(&self) -> &LogBounds {
        &self.inner.bounds
    }

    #[cfg(feature = "search")]
    pub(crate) fn search_index(&self) -> Option<SearchHandle> {
        self.inner.search.handle()
    }

    /// The live state, for a job that must look at it from the writer's thread.
    pub(crate) fn live(&self) -> Arc<Mutex<Realtime>> {
        self.inner.realtime.clone()
    }

    /// Whether a push deliverer runs (set by the one that runs).
    pub(crate) fn push_active(&self) -> &AtomicBool {
        &self.inner.push_active
    }

    /// The bytes of attachments.
    pub(crate) fn blobs(&self) -> &Arc<dyn BlobStore> {
        &self.inner.blobs
    }

    /// Pins on blobs, for uploads.
    pub(crate) fn blob_pins(&self) -> &Pins {
        &self.inner.blob_pins
    }

    /// The link previewer, if the application gave one.
    pub(crate) fn previewer(&self) -> Option<Arc<dyn LinkPreviewer>> {
        self.inner.previewer.clone()
    }

    /// Woken when a commit queues push notifications.
    pub(crate) fn push_queued(&self) -> &Notify {
        &self.inner.push_queued
    }

    pub(crate) fn realtime(&self) -> MutexGuard<'_, Realtime> {
        // The live maps hold no invariant a panic could break halfway.
        self.inner
            .realtime
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn keys(&self) -> &TokenKeys {
        &self.inner.keys
    }

    pub(crate) fn sessions(&self) -> &SessionCache {
        &self.inner.sessions
    }

    pub(crate) fn access_token_ttl(&self) -> Duration {
        self.inner.access_token_ttl
    }

    pub(crate) fn refresh_token_ttl(&self) -> Duration {
        self.inner.refresh_token_ttl
    }

    pub(crate) fn login_throttle(&self) -> &LoginThrottle {
        &self.inner.login_throttle
    }

    pub(crate) fn audit_log_retention(&self) -> Duration {
        self.inner.audit_log_retention
    }
}

/// Whether any attachment in `backend` uses a blob: the sweeper asks before each delete.
fn blob_in_use(backend: Arc<dyn Backend>) -> InUse {
    Box::new(move |key| {
        let reader = Reader::new(backend.snapshot().map_err(io::Error::other)?);
        Ok(reader.fetch_blob_refs(key).map_err(io::Error::other)? > 0)
    })
}

/// The engine's place in a community when a broker joins it to others, which needs a store
/// they share.
fn node_of(broker: Option<Arc<dyn Broker>>, backend: &dyn Backend) -> Result<Option<Node>> {
    let Some(broker) = broker else {
        return Ok(None);
    };
    if !backend.shared() {
        let refused = "a broker joins engines that share one store; this store is their own";
        return Err(StorageError::new(refused).into());
    }
    Ok(Some(Node {
        broker,
        id: crate::credentials::random_u64()?,
    }))
}

/// Takes in what the other nodes of the community publish, for as long as the engine lives:
/// their committed events go to the writer's publishing task, their live state into the
/// live maps (with the events that tell this node's sessions). Every heartbeat this node
/// tells the others the digest of its live state (or all of it, now and then), and forgets
/// the nodes fallen silent.
async fn follow_nodes(
    inner: Weak<Inner>,
    mut inbox: Inbox,
    remote: tokio::sync::mpsc::UnboundedSender<Vec<EventEnvelope>>,
    application: tokio::sync::mpsc::UnboundedSender<Bytes>,
) {
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut beats = 0_u64;
    loop {
        let message = tokio::select! {
            message = inbox.recv() => message,
            _ = heartbeat.tick() => None,
        };
        let Some(engine) = inner.upgrade().map(|inner| Engine { inner }) else {
            return;
        };
        let Some(node) = engine.inner.node.as_ref().map(|n| n.id) else {
            return;
        };
        match message {
            None if inbox.is_closed() => return,
            None => {
                beats += 1;
                let (heartbeat, forgotten) = {
                    let mut realtime = engine.realtime();
                    (
                        realtime.heartbeat(beats),
                        realtime.forget_silent(std::time::Instant::now()),
                    )
                };
                engine.share(heartbeat);
                for (event, audience) in forgotten {
                    engine.publish_live(event, audience);
                }
            }
            Some((Topic::Committed, payload)) => match decode_committed(&payload) {
                Ok((from, envelopes)) if from != node => {
                    let _ = remote.send(envelopes);
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "ignoring a message from the broker"),
            },
            Some((Topic::Live, payload)) => match serde_json::from_slice::<Shared>(&payload) {
                Ok(shared) if shared.node != node => {
                    let now = std::time::Instant::now();
                    let applied = engine.realtime().apply(node, shared, now);
                    for answer in applied.answers {
                        engine.share(answer);
                    }
                    for (event, audience) in applied.changes {
                        engine.publish_live(event, audience);
                    }
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "ignoring a live signal from the broker"),
            },
            Some((Topic::Application, mut payload)) => {
                if payload.len() >= 8 && payload.split_to(8).as_ref() != node.to_le_bytes() {
                    let _ = application.send(payload);
                }
            }
        }
    }
}
