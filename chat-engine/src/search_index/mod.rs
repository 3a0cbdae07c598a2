//! The search index the engine holds: the tantivy index of messages and the indexer thread
//! that keeps it up to date from committed events (fed by a commit hook, topped up from the
//! log). The search domain queries it through [`SearchHandle`].

mod index;
mod indexer;

use std::path::Path;
use std::sync::Arc;

use tokio::sync::watch;

pub(crate) use index::{MessageIndex, Scope};
pub(crate) use indexer::{Feeder, Flusher};

use crate::error::Result;
use crate::store::Backend;

/// The index and its indexer thread, joined on drop.
pub(crate) struct SearchService {
    index: MessageIndex,
    /// Dropped before the join: the thread ends when its last sender is gone.
    flusher: Option<Flusher>,
    indexed: watch::Receiver<u64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// What a search needs: the index, a way to ask for a commit and how far it is committed.
pub(crate) struct SearchHandle {
    pub(crate) index: MessageIndex,
    pub(crate) flusher: Flusher,
    pub(crate) indexed: watch::Receiver<u64>,
}

impl SearchService {
    /// Opens the index (in `dir`, or in memory) and starts its indexer over `backend`;
    /// returns the service and the commit hook that feeds it.
    pub(crate) fn start(dir: Option<&Path>, backend: Arc<dyn Backend>) -> Result<(Self, Feeder)> {
        let (index, writer) = MessageIndex::open(dir)?;
        let (feeder, flusher, indexed, thread) = indexer::start(backend, writer)?;
        let service = Self {
            index,
            flusher: Some(flusher),
            indexed,
            thread: Some(thread),
        };
        Ok((service, feeder))
    }

    /// A handle for one search.
    pub(crate) fn handle(&self) -> Option<SearchHandle> {
        Some(SearchHandle {
            index: self.index.clone(),
            flusher: self.flusher.clone()?,
            indexed: self.indexed.clone(),
        })
    }
}

impl Drop for SearchService {
    fn drop(&mut self) {
        self.flusher = None;
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}
