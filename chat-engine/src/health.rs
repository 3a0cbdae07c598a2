//! Readiness: whether the engine takes writes (its writer commits a probe, which the disk
//! accepts) and keeps its search index current, each within a deadline.

use std::fmt;
use std::time::Duration;

use crate::engine::Engine;
use crate::store::{KvMut, SettingsStore};

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// It answered in time.
    Ok,
    /// It failed or did not answer in time, and why.
    Failed(String),
}

impl Probe {
    /// Whether it answered in time.
    pub fn is_ok(&self) -> bool {
        matches!(self, Self::Ok)
    }
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ok => f.write_str("ok"),
            Self::Failed(reason) => f.write_str(reason),
        }
    }
}

/// What [`Engine::readiness`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    /// The writer committed a probe (through the disk, durably).
    pub writer: Probe,
    /// The search index caught up with every event committed before the check (`Ok` when the
    /// engine has no search index).
    pub search: Probe,
    /// The broker is connected (`Ok` without one). Without it the engine still delivers
    /// every event, from the shared log, but not the other nodes' live state: it is degraded,
    /// not unready.
    pub broker: Probe,
    /// The blob store answers ([`BlobStore::check`]). Without it, messages without files and
    /// everything else still work: it is degraded, not unready.
    pub blobs: Probe,
}

impl Readiness {
    /// Whether the engine takes writes and searches: every check but the broker's and the
    /// blob store's passed.
    pub fn is_ready(&self) -> bool {
        self.writer.is_ok() && self.search.is_ok()
    }

    /// Whether every check passed, the broker's and the blob store's included.
    pub fn is_whole(&self) -> bool {
        self.is_ready() && self.broker.is_ok() && self.blobs.is_ok()
    }
}

impl Engine {
    /// Checks that the writer commits a probe and that the search index catches up, each
    /// within `within`. A probe is one small durable write, so call this every few seconds at
    /// most (a load balancer's readiness check), not per request.
    pub async fn readiness(&self, within: Duration) -> Readiness {
        let probe = self.write(|tx| {
            let now = tx.now().to_rfc3339();
            tx.update_setting("readiness_probe", &now);
            Ok(())
        });
        let writer = match tokio::time::timeout(within, probe).await {
            Ok(Ok(())) => Probe::Ok,
            Ok(Err(error)) => Probe::Failed(format!("a write failed: {error}")),
            Err(_) => Probe::Failed(format!(
                "the writer did not commit within {} ms",
                within.as_millis()
            )),
        };
        #[cfg(feature = "search")]
        let search = match tokio::time::timeout(within, self.wait_until_searchable()).await {
            Ok(Ok(_)) => Probe::Ok,
            Ok(Err(error)) => Probe::Failed(format!("the search index failed: {error}")),
            Err(_) => Probe::Failed(format!(
                "the search index did not catch up within {} ms",
                within.as_millis()
            )),
        };
        #[cfg(not(feature = "search"))]
        let search = Probe::Ok;
        let broker = self
            .broker_status()
            .map_or_else(Probe::Failed, |()| Probe::Ok);
        let store = self.blobs().clone();
        let check = tokio::task::spawn_blocking(move || store.check());
        let blobs = match tokio::time::timeout(within, check).await {
            Ok(Ok(Ok(()))) => Probe::Ok,
            Ok(Ok(Err(error))) => Probe::Failed(format!("the blob store failed: {error}")),
            Ok(Err(error)) => Probe::Failed(format!("the blob store's check failed: {error}")),
            Err(_) => Probe::Failed(format!(
                "the blob store did not answer within {} ms",
                within.as_millis()
            )),
        };
        Readiness {
            writer,
            search,
            broker,
            blobs,
        }
    }
}
