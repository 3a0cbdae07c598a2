//! The single writer thread: runs queued jobs, commits each group of them at once (group
//! commit), appends their events to the log and calls the commit hooks. A task on the async
//! runtime then fans the events out and answers the callers, in that order: waking the
//! sessions of a room of thousands is then a push onto the runtime's own queue per session
//! instead of a locked push from a foreign thread, and the writer goes on to the next group.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;

use tokio::sync::{Notify, broadcast, mpsc as task_mpsc, oneshot};

use super::cache::ReadCache;
use super::hooks::{Commit, CommitHook};
use super::{Backend, Batch, EventLog, Tx, WriteGroup};
use crate::broker::Node;
use crate::envelope::{Audience, EventEnvelope};
use crate::error::{Error, Result, StorageError};
use crate::model::Event;

/// Most jobs one commit takes.
const MAX_GROUP: usize = 512;
/// How often an engine on a shared store looks for other engines' events in the log.
const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_millis(20);
/// The same, when the store also says when anyone commits (in case a notice is lost).
const FOLLOW_NOTIFIED_EVERY: std::time::Duration = std::time::Duration::from_millis(500);
/// Events read from the shared log at a time.
const FOLLOW_PAGE: usize = 256;

type Deliver = Box<dyn FnOnce(Result<(), StorageError>) + Send>;
/// The events other nodes committed, as the broker brought them.
pub(crate) type RemoteEvents = task_mpsc::UnboundedReceiver<Vec<EventEnvelope>>;
type Job = Box<dyn FnOnce(&mut Tx<'_>) -> (bool, Deliver) + Send>;

/// The sequence numbers the log holds: `oldest..next`.
#[derive(Debug, Default)]
pub(crate) struct LogBounds {
    /// The oldest retained sequence number.
    pub(crate) oldest: AtomicU64,
    /// The sequence number the next event gets.
    pub(crate) next: AtomicU64,
    /// The newest event handed to the hub (it trails `next` while a group is published):
    /// the sequence number that live-only events carry.
    pub(crate) published: AtomicU64,
}

/// Handle to the writer thread; dropping it lets the thread finish its queue and stop.
#[derive(Debug)]
pub(crate) struct Writer {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    /// Starts the writer over a backend, calling `hooks` after each commit and publishing
    /// committed events to `hub` from a task on the current tokio runtime. An engine that is
    /// a node of a community also tells the others through its broker, and publishes what
    /// they committed (`remote`).
    ///
    /// # Errors
    ///
    /// A storage error when no tokio runtime is running or the thread cannot start.
    pub(crate) fn start(
        backend: Arc<dyn Backend>,
        hub: broadcast::Sender<Arc<EventEnvelope>>,
        bounds: Arc<LogBounds>,
        retention: u64,
        hooks: Vec<Box<dyn CommitHook>>,
        community: Option<(Node, RemoteEvents)>,
    ) -> Result<Self> {
        let (first, last) = super::Reader::new(backend.snapshot()?)
            .event_bounds()?
            .unwrap_or((1, 0));
        bounds.oldest.store(first, Ordering::SeqCst);
        bounds.next.store(last + 1, Ordering::SeqCst);
        bounds.published.store(last, Ordering::SeqCst);
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| StorageError::new("the engine must be opened in a tokio runtime"))?;
        let (published, to_publish) = task_mpsc::unbounded_channel();
        let follow = backend.shared().then(|| backend.clone());
        runtime.spawn(publish(
            hub.clone(),
            bounds.clone(),
            to_publish,
            follow,
            community,
        ));
        let (sender, receiver) = mpsc::channel::<Job>();
        let mut state = WriterState {
            backend,
            published,
            hub,
            bounds,
            retention: retention.max(1),
            ids: ulid::Generator::new(),
            hooks,
            cache: ReadCache::default(),
        };
        let thread = std::thread::Builder::new()
            .name("chat-engine-writer".into())
            .spawn(move || {
                while let Ok(job) = receiver.recv() {
                    let mut jobs = vec![job];
                    while jobs.len() < MAX_GROUP {
                        match receiver.try_recv() {
                            Ok(job) => jobs.push(job),
                            Err(_) => break,
                        }
                    }
                    state.run_group(jobs);
                }
            })
            .map_err(StorageError::new)?;
        Ok(Self {
            jobs: Some(sender),
            thread: Some(thread),
        })
    }

    /// Runs `job` in the writer; resolves once its writes are durable (or it failed, having
    /// written nothing).
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Tx<'_>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |tx| {
            let result = job(tx);
            let ok = result.is_ok();
            let deliver: Deliver = Box::new(move |commit| {
                let outcome = match (result, commit) {
                    (Ok(value), Ok(())) => Ok(value),
                    (Err(e), _) => Err(e),
                    (Ok(_), Err(e)) => Err(Error::Storage(e)),
                };
                let _ = reply.send(outcome);
            });
            (ok, deliver)
        });
        let stopped = || Error::Storage(StorageError::new("the writer stopped"));
        self.jobs
            .as_ref()
            .ok_or_else(stopped)?
            .send(job)
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A committed (or failed) group: its events to fan out, then its callers to answer.
struct Outcome {
    envelopes: Vec<Arc<EventEnvelope>>,
    delivers: Vec<Deliver>,
    committed: Result<(), StorageError>,
}

impl Outcome {
    fn publish(self, hub: &broadcast::Sender<Arc<EventEnvelope>>, bounds: &LogBounds) {
        for envelope in self.envelopes {
            let seq = envelope.seq;
            if seq <= bounds.published.load(Ordering::SeqCst) {
                continue; // published already, read back from a shared log
            }
            // No receiver is fine: nobody is listening.
            let _ = hub.send(envelope);
            bounds.published.store(seq, Ordering::SeqCst);
        }
        for deliver in self.delivers {
            deliver(self.committed.clone());
        }
    }
}

/// The task that publishes each group's outcome, in commit order. On a store that other
/// engines share (`follow`), it also publishes their events, in sequence: those before each
/// of this engine's groups first, and the others as the broker brings them or as it finds
/// them in the log (which fills any gap the broker leaves).
async fn publish(
    hub: broadcast::Sender<Arc<EventEnvelope>>,
    bounds: Arc<LogBounds>,
    mut outcomes: task_mpsc::UnboundedReceiver<Outcome>,
    follow: Option<Arc<dyn Backend>>,
    community: Option<(Node, RemoteEvents)>,
) {
    let (node, mut remote) = community.unzip();
    let commits = follow.as_ref().and_then(|backend| backend.commits());
    let interval = if commits.is_some() {
        FOLLOW_NOTIFIED_EVERY
    } else {
        FOLLOW_EVERY
    };
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    let mut follow_to = |before: u64| {
        let Some(backend) = &follow else { return };
        let read = follow_log(&**backend, &hub, &bounds, before);
        match (&read, failing) {
            (Ok(()), true) => tracing::info!("reading the shared event log again"),
            (Err(error), false) => {
                tracing::warn!(%error, "cannot read the shared event log; retrying");
            }
            _ => {}
        }
        failing = read.is_err();
    };
    loop {
        tokio::select! {
            outcome = outcomes.recv() => {
                let Some(outcome) = outcome else { break };
                if let Some(first) = outcome.envelopes.first() {
                    follow_to(first.seq);
                }
                if let Some(node) = &node {
                    node.publish_committed(&outcome.envelopes);
                }
                outcome.publish(&hub, &bounds);
            }
            events = next_remote(remote.as_mut()) => {
                let Some(first) = events.first() else { continue };
                follow_to(first.seq);
                publish_in_sequence(&hub, &bounds, events);
            }
            _ = tick.tick(), if follow.is_some() => follow_to(u64::MAX),
            // With a broker at hand the others' events come through it; the store's notices
            // are for when it is away (each would cost every node a read of the log).
            () = notified(commits.as_deref()), if node.as_ref().is_none_or(|n| n.broker.check().is_err()) => {
                follow_to(u64::MAX);
            }
        }
    }
}

/// The next events another node committed, or never without a broker.
async fn next_remote(remote: Option<&mut RemoteEvents>) -> Vec<EventEnvelope> {
    match remote {
        Some(remote) => match remote.recv().await {
            Some(events) => events,
            None => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

/// Publishes the events that follow the last one published without a gap; the log brings
/// the rest later.
fn publish_in_sequence(
    hub: &broadcast::Sender<Arc<EventEnvelope>>,
    bounds: &LogBounds,
    events: Vec<EventEnvelope>,
) {
    for envelope in events {
        let seq = envelope.seq;
        let published = bounds.published.load(Ordering::SeqCst);
        if seq <= published {
            continue;
        }
        if seq != published + 1 {
            return;
        }
        let _ = hub.send(Arc::new(envelope));
        bounds.next.fetch_max(seq + 1, Ordering::SeqCst);
        bounds.published.store(seq, Ordering::SeqCst);
        metrics::counter!("chat_events_from_other_nodes_total", "via" => "broker").increment(1);
    }
}

/// The next commit notification, or never without a notifier.
async fn notified(commits: Option<&Notify>) {
    match commits {
        Some(commits) => commits.notified().await,
        None => std::future::pending().await,
    }
}

/// Publishes the events that the shared log holds after the last one published and before
/// `before`: other engines' commits.
fn follow_log(
    backend: &dyn Backend,
    hub: &broadcast::Sender<Arc<EventEnvelope>>,
    bounds: &LogBounds,
    before: u64,
) -> Result<()> {
    let reader = super::Reader::new(backend.snapshot()?);
    loop {
        let after = bounds.published.load(Ordering::SeqCst);
        if after + 1 >= before {
            return Ok(());
        }
        let page = reader.list_events(after, FOLLOW_PAGE)?;
        let full = page.len() == FOLLOW_PAGE;
        for (seq, stored) in page.into_iter().take_while(|(seq, _)| *seq < before) {
            let _ = hub.send(Arc::new(EventEnvelope::new(
                seq,
                stored.event,
                stored.audience,
            )));
            bounds.next.fetch_max(seq + 1, Ordering::SeqCst);
            bounds.published.store(seq, Ordering::SeqCst);
            metrics::counter!("chat_events_from_other_nodes_total", "via" => "log").increment(1);
        }
        if !full {
            return Ok(());
        }
    }
}

struct WriterState {
    backend: Arc<dyn Backend>,
    /// To the publishing task.
    published: task_mpsc::UnboundedSender<Outcome>,
    /// The hub, for publishing from the writer once the runtime (and its task) is gone.
    hub: broadcast::Sender<Arc<EventEnvelope>>,
    bounds: Arc<LogBounds>,
    retention: u64,
    ids: ulid::Generator,
    hooks: Vec<Box<dyn CommitHook>>,
    /// Decoded records as of the last commit.
    cache: ReadCache,
}

impl WriterState {
    /// Takes in what other engines sharing the store committed: the log's end moved, and
    /// the decoded records may be stale.
    fn adopt_others_commits(&mut self, group: &dyn WriteGroup) -> Result<(), StorageError> {
        self.cache.clear();
        let earlier = Batch::default();
        let bounds = Tx::new(group, &self.cache, &earlier, &mut self.ids).event_bounds();
        let (first, last) = bounds.map_err(StorageError::new)?.unwrap_or((1, 0));
        self.bounds.oldest.store(first, Ordering::SeqCst);
        self.bounds.next.fetch_max(last + 1, Ordering::SeqCst);
        Ok(())
    }

    fn run_group(&mut self, jobs: Vec<Job>) {
        let backend = self.backend.clone();
        let group = backend.begin_write().and_then(|group| {
            if group.others_committed() {
                self.adopt_others_commits(&*group)?;
            }
            Ok(group)
        });
        let group = match group {
            Ok(group) => group,
            Err(error) => {
                tracing::error!(%error, "cannot start a commit group; failing {} jobs", jobs.len());
                return; // dropping the jobs answers their callers with a storage error
            }
        };
        let mut batch = Batch::default();
        let mut events: Vec<(Event, Audience)> = Vec::new();
        let mut delivers = Vec::with_capacity(jobs.len());
        for job in jobs {
            let mut tx = Tx::new(&*group, &self.cache, &batch, &mut self.ids);
            // A panicking job (a bug) loses its writes and its caller hears "the writer
            // stopped"; the writer and the other jobs of the group go on.
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut tx)));
            let (writes, emitted) = tx.into_parts();
            if let Ok((ok, deliver)) = outcome {
                if ok {
                    batch.absorb(writes);
                    events.extend(emitted);
                }
                delivers.push(deliver);
            } else {
                tracing::error!("a write job panicked; its writes are dropped");
            }
        }

        let first_seq = self.bounds.next.load(Ordering::SeqCst);
        let envelopes: Vec<_> = events
            .into_iter()
            .zip(first_seq..)
            .map(|((event, audience), seq)| Arc::new(EventEnvelope::new(seq, event, audience)))
            .collect();
        for envelope in &envelopes {
            batch.append_event(envelope);
        }
        let next = first_seq + envelopes.len() as u64;
        let oldest = self.bounds.oldest.load(Ordering::SeqCst);
        let keep_from = next.saturating_sub(self.retention).max(oldest);
        batch.trim_events(oldest, keep_from);

        let started = std::time::Instant::now();
        let committed = if batch.is_empty() {
            Ok(())
        } else {
            group.commit(&batch)
        };
        if !batch.is_empty() {
            metrics::counter!("chat_commits_total").increment(1);
            metrics::counter!("chat_commit_jobs_total").increment(delivers.len() as u64);
            metrics::histogram!("chat_commit_group_size").record(delivers.len() as f64);
            metrics::histogram!("chat_commit_duration_seconds")
                .record(started.elapsed().as_secs_f64());
        }
        let envelopes = if committed.is_ok() {
            self.cache.committed(&batch);
            self.bounds.next.store(next, Ordering::SeqCst);
            self.bounds.oldest.store(keep_from, Ordering::SeqCst);
            metrics::gauge!("chat_event_log_events").set((next - keep_from) as f64);
            let commit = Commit::new(&batch, &envelopes);
            for hook in &mut self.hooks {
                // A panicking hook (a bug) misses this commit; the writer, the other hooks and
                // the commit's callers go on.
                let called = std::panic::catch_unwind(AssertUnwindSafe(|| hook.committed(&commit)));
                if called.is_err() {
                    tracing::error!("a commit hook panicked; it missed one commit");
                }
            }
            envelopes
        } else {
            if let Err(error) = &committed {
                tracing::error!(%error, "commit failed");
            }
            self.cache.clear();
            Vec::new()
        };
        let outcome = Outcome {
            envelopes,
            delivers,
            committed,
        };
        if let Err(task_mpsc::error::SendError(outcome)) = self.published.send(outcome) {
            // The runtime stopped: publish and answer from this thread.
            outcome.publish(&self.hub, &self.bounds);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::sync::broadcast;

    use super::{LogBounds, Writer};
    use crate::store::hooks::{Commit, CommitHook};
    use crate::store::{Backend, InMemoryStore, KvMut, Table};

    /// Panics on the first commit it sees, then counts the others.
    struct Faulty(Arc<AtomicUsize>);

    impl CommitHook for Faulty {
        fn committed(&mut self, _commit: &Commit<'_>) {
            assert!(self.0.fetch_add(1, Ordering::SeqCst) > 0, "a bug in a hook");
        }
    }

    #[tokio::test]
    async fn a_panicking_commit_hook_does_not_stop_the_writer() {
        let backend: Arc<dyn Backend> = Arc::new(InMemoryStore::new());
        let seen = Arc::new(AtomicUsize::new(0));
        let hooks: Vec<Box<dyn CommitHook>> = vec![Box::new(Faulty(seen.clone()))];
        let (hub, _) = broadcast::channel(16);
        let bounds = Arc::new(LogBounds::default());
        let writer = Writer::start(backend.clone(), hub, bounds, 100, hooks, None).unwrap();
        for key in [1u8, 2] {
            writer
                .run(move |tx| {
                    tx.put_raw(Table::Meta, vec![key], vec![key]);
                    Ok(())
                })
                .await
                .unwrap();
        }
        assert_eq!(seen.load(Ordering::SeqCst), 2, "the hook saw both commits");
        let snapshot = backend.snapshot().unwrap();
        assert_eq!(snapshot.get(Table::Meta, &[2]).unwrap(), Some(vec![2]));
    }
}
