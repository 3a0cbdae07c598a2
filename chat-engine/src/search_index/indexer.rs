//! The indexer thread: follows committed events (fed by the writer, topped up from the log
//! when it falls behind) and keeps the message index up to date. The index remembers how far
//! it got, so after a restart it replays only the rest of the log, or rebuilds from the
//! messages when the log no longer reaches back that far.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError};
use std::thread::{JoinHandle, Thread};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::index::MessageWriter;
use crate::envelope::EventEnvelope;
use crate::error::{Result, StorageError};
use crate::id::{ChannelId, ServerId};
use crate::model::Event;
use crate::store::hooks::{Commit, CommitHook};
use crate::store::{Backend, ChannelStore, EventLog, MessageStore, Reader};

/// How many events may wait for the indexer before it reads them from the log instead.
const FEED: usize = 65_536;
/// How often the indexer wakes to take what the writer fed it: the writer never wakes it,
/// which would cost a thread switch per commit.
const TICK: Duration = Duration::from_millis(200);
/// Longest time between an indexed event and the commit that makes it durable. A tantivy
/// commit writes and syncs a new segment, and every segment is merged later, so commits are
/// rare; a search that needs newer events asks for one ([`Flusher`]).
const COMMIT_EVERY: Duration = Duration::from_secs(5);

/// What reaches the indexer thread.
enum Feed {
    /// A committed event.
    Event(Arc<EventEnvelope>),
    /// A search waits for everything up to this sequence number to be searchable.
    Flush(u64),
}

/// Asks the indexer to make events searchable now.
#[derive(Clone)]
pub(crate) struct Flusher {
    feed: SyncSender<Feed>,
    thread: Thread,
}

impl Flusher {
    /// Requests a commit once the indexer has seen `seq` and wakes it (when the feed is full,
    /// the indexer is busy catching up and commits when it is done anyway).
    pub(crate) fn flush(&self, seq: u64) {
        let _ = self.feed.try_send(Feed::Flush(seq));
        self.thread.unpark();
    }
}

/// The commit hook that feeds the indexer every committed event, never blocking the writer:
/// when the indexer is behind, it catches up from the log instead.
pub(crate) struct Feeder {
    feed: SyncSender<Feed>,
    lagged: Arc<AtomicBool>,
}

impl CommitHook for Feeder {
    fn committed(&mut self, commit: &Commit<'_>) {
        for envelope in commit.events() {
            if let Err(TrySendError::Full(_)) = self.feed.try_send(Feed::Event(envelope.clone())) {
                self.lagged.store(true, Ordering::Release);
            }
        }
    }
}

/// Starts the indexer; returns the writer's hook that feeds it, the flusher, the indexed
/// sequence and the thread. The thread ends once the feeder and every flusher are dropped
/// (unpark it to end it without waiting for its next tick).
pub(crate) fn start(
    backend: Arc<dyn Backend>,
    writer: MessageWriter,
) -> Result<(Feeder, Flusher, watch::Receiver<u64>, JoinHandle<()>)> {
    let (sender, receiver) = std::sync::mpsc::sync_channel(FEED);
    let lagged = Arc::new(AtomicBool::new(false));
    let (progress, watched) = watch::channel(0);
    let mut indexer = Indexer {
        backend,
        writer,
        seq: 0,
        committed: 0,
        wanted: 0,
        servers: HashMap::new(),
        progress,
        lagged: lagged.clone(),
    };
    let thread = std::thread::Builder::new()
        .name("chat-engine-indexer".into())
        .spawn(move || {
            if let Err(error) = indexer.run(&receiver) {
                tracing::error!(%error, "the search indexer stopped");
            }
        })
        .map_err(StorageError::new)?;
    let flusher = Flusher {
        feed: sender.clone(),
        thread: thread.thread().clone(),
    };
    let feeder = Feeder {
        feed: sender,
        lagged,
    };
    Ok((feeder, flusher, watched, thread))
}

struct Indexer {
    backend: Arc<dyn Backend>,
    writer: MessageWriter,
    /// The last event applied.
    seq: u64,
    /// The last event committed.
    committed: u64,
    /// The highest sequence number a search waits for.
    wanted: u64,
    servers: HashMap<ChannelId, Option<ServerId>>,
    progress: watch::Sender<u64>,
    lagged: Arc<AtomicBool>,
}

impl Indexer {
    fn run(&mut self, feed: &Receiver<Feed>) -> Result<()> {
        self.seq = self.writer.indexed_seq()?;
        self.catch_up()?;
        let mut last_commit = Instant::now();
        let mut open = true;
        while open {
            std::thread::park_timeout(TICK);
            loop {
                match feed.try_recv() {
                    Ok(next) => self.take(next)?,
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        open = false;
                        break;
                    }
                }
            }
            if self.lagged.swap(false, Ordering::AcqRel) {
                self.catch_up()?;
                last_commit = Instant::now();
            }
            // Events applied to the index but not yet committed to it (not yet searchable).
            metrics::gauge!("chat_search_lag_events")
                .set(self.seq.saturating_sub(self.committed) as f64);
            let wanted_now = self.wanted > self.committed && self.seq >= self.wanted;
            let due = last_commit.elapsed() >= COMMIT_EVERY;
            if self.seq > self.committed && (wanted_now || due) {
                self.commit()?;
                last_commit = Instant::now();
            }
        }
        if self.seq > self.committed {
            self.commit()?;
        }
        Ok(())
    }

    fn take(&mut self, feed: Feed) -> Result<()> {
        match feed {
            // Events of other engines sharing the store come from the log: a gap before
            // this engine's next event, or a search waiting for more than it was fed.
            Feed::Event(envelope) if !envelope.ephemeral && envelope.seq > self.seq + 1 => {
                self.read_log()
            }
            Feed::Event(envelope) => self.apply(&envelope),
            Feed::Flush(seq) => {
                self.wanted = self.wanted.max(seq);
                if seq > self.seq && self.backend.shared() {
                    self.read_log()?;
                }
                Ok(())
            }
        }
    }

    fn commit(&mut self) -> Result<()> {
        self.writer.commit(self.seq)?;
        self.committed = self.seq;
        self.progress.send_replace(self.seq);
        Ok(())
    }

    /// Indexes what the log holds after `seq`, or everything when the log lost it, and
    /// commits the index.
    fn catch_up(&mut self) -> Result<()> {
        self.read_log()?;
        self.commit()
    }

    /// Indexes what the log holds after `seq`, or everything when the log lost it.
    fn read_log(&mut self) -> Result<()> {
        let backend = self.backend.clone();
        let reader = Reader::new(backend.snapshot()?);
        match reader.event_bounds()? {
            Some((oldest, _)) if oldest > self.seq + 1 => self.rebuild(&reader)?,
            _ => loop {
                let page = reader.list_events(self.seq, 1024)?;
                let Some((last, _)) = page.last() else { break };
                let last = *last;
                for (seq, stored) in page {
                    self.apply(&EventEnvelope::new(seq, stored.event, stored.audience))?;
                }
                self.seq = last;
            },
        }
        Ok(())
    }

    /// Reindexes every stored message.
    fn rebuild(&mut self, reader: &Reader<'_>) -> Result<()> {
        tracing::info!("rebuilding the search index");
        self.writer.clear()?;
        let mut after = None;
        loop {
            let page = reader.scan_all_messages(after, 1024)?;
            let Some(last) = page.last() else { break };
            after = Some((last.channel_id, last.id));
            for message in &page {
                let server = self.server_of(reader, message.channel_id)?;
                self.writer.put(server, message)?;
            }
        }
        if let Some((_, last)) = reader.event_bounds()? {
            self.seq = last;
        }
        Ok(())
    }

    fn server_of(&mut self, reader: &Reader<'_>, channel: ChannelId) -> Result<Option<ServerId>> {
        if let Some(server) = self.servers.get(&channel) {
            return Ok(*server);
        }
        let server = reader.fetch_channel(channel)?.and_then(|c| c.server_id);
        self.servers.insert(channel, server);
        Ok(server)
    }

    fn apply(&mut self, envelope: &EventEnvelope) -> Result<()> {
        if envelope.ephemeral || envelope.seq <= self.seq {
            return Ok(());
        }
        self.seq = envelope.seq;
        match &envelope.event {
            // DM messages are indexed too, without a server: their search is by channel.
            Event::MessageCreate(message) => {
                self.writer.put(envelope.audience.server_id, message)?;
            }
            Event::MessageUpdate(message) => {
                self.writer.remove(message.id);
                self.writer.put(envelope.audience.server_id, message)?;
            }
            Event::MessageDelete(deleted) => self.writer.remove(deleted.id),
            Event::MessageDeleteBulk(deleted) => {
                for id in &deleted.ids {
                    self.writer.remove(*id);
                }
            }
            _ => {}
        }
        Ok(())
    }
}
