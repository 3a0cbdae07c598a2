//! Push notifications for users with no live session: the notifier an application plugs in
//! ([`PushNotifier`]; the server's default is a signed webhook) and the loop that delivers
//! the queue to it, retrying with backoff. The queue is stored, so what a restart interrupts
//! is delivered after it; it is bounded, dropping the oldest when full.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::time::Instant;

use crate::engine::Engine;
use crate::error::Result;
use crate::id::{MessageId, UserId};
use crate::model::PushNotification;
use crate::store::NotificationStore;

/// A delivery in progress.
pub type PushFuture<'a> =
    Pin<Box<dyn Future<Output = std::result::Result<(), PushError>> + Send + 'a>>;

/// Delivers push notifications somewhere (a webhook, a mobile push service).
pub trait PushNotifier: Send + Sync + 'static {
    /// Delivers one; an error means "try again later".
    fn deliver<'a>(&'a self, push: &'a PushNotification) -> PushFuture<'a>;
}

/// A delivery failed; it is retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("push delivery failed: {0}")]
pub struct PushError(pub String);

/// How the queue is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PushOptions {
    /// The first wait after a failure; it doubles up to `max_backoff`.
    pub min_backoff: Duration,
    /// The longest wait between attempts.
    pub max_backoff: Duration,
    /// Attempts before a notification is given up (and dropped, with a warning).
    pub max_attempts: u32,
    /// Most notifications the queue holds; beyond, the oldest are dropped.
    pub capacity: usize,
}

impl Default for PushOptions {
    fn default() -> Self {
        Self {
            min_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(300),
            max_attempts: 12,
            capacity: 10_000,
        }
    }
}

/// Marks the deliverer as running while it lives.
struct Running<'a>(&'a Engine);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.push_active().store(false, Ordering::Release);
    }
}

impl Engine {
    /// Delivers queued push notifications to `notifier` until `shutdown` completes. While it
    /// runs, messages queue a push notification for each user they notify who has no live
    /// session; after a restart it delivers what was left.
    pub async fn deliver_pushes(
        &self,
        notifier: Arc<dyn PushNotifier>,
        options: PushOptions,
        shutdown: impl Future<Output = ()>,
    ) -> Result<()> {
        self.push_active().store(true, Ordering::Release);
        let _running = Running(self);
        let mut retries: HashMap<(MessageId, UserId), (u32, Instant)> = HashMap::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let wake = self.push_queued().notified();
            let next = self
                .deliver_round(&*notifier, &options, &mut retries)
                .await?;
            let wait = next.unwrap_or_else(|| Instant::now() + Duration::from_secs(60));
            tokio::select! {
                () = &mut shutdown => return Ok(()),
                () = wake => {}
                () = tokio::time::sleep_until(wait) => {}
            }
        }
    }

    /// Tries every queued notification that is due; answers when the next retry is.
    async fn deliver_round(
        &self,
        notifier: &dyn PushNotifier,
        options: &PushOptions,
        retries: &mut HashMap<(MessageId, UserId), (u32, Instant)>,
    ) -> Result<Option<Instant>> {
        let queued = self.read()?.list_pushes(usize::MAX)?;
        let overflow = queued.len().saturating_sub(options.capacity);
        let (dropped, queued) = queued.split_at(overflow);
        for push in dropped {
            tracing::warn!(user = %push.user_id, "the push queue is full: dropping its oldest notification");
            self.forget_push(push, retries).await?;
        }
        let mut next: Option<Instant> = None;
        for push in queued {
            let key = (push.notification.message_id, push.user_id);
            let now = Instant::now();
            if let Some(&(_, due)) = retries.get(&key)
                && due > now
            {
                next = Some(next.map_or(due, |n| n.min(due)));
                continue;
            }
            match notifier.deliver(push).await {
                Ok(()) => self.forget_push(push, retries).await?,
                Err(error) => {
                    let attempts = retries.get(&key).map_or(1, |(n, _)| n + 1);
                    if attempts >= options.max_attempts {
                        tracing::warn!(%error, user = %push.user_id, attempts, "giving up a push notification");
                        self.forget_push(push, retries).await?;
                        continue;
                    }
                    let backoff = options
                        .min_backoff
                        .saturating_mul(1 << (attempts - 1).min(16))
                        .min(options.max_backoff);
                    tracing::debug!(%error, attempts, ?backoff, "a push notification will be retried");
                    let due = Instant::now() + backoff;
                    retries.insert(key, (attempts, due));
                    next = Some(next.map_or(due, |n| n.min(due)));
                }
            }
        }
        Ok(next)
    }

    async fn forget_push(
        &self,
        push: &PushNotification,
        retries: &mut HashMap<(MessageId, UserId), (u32, Instant)>,
    ) -> Result<()> {
        let (message, user) = (push.notification.message_id, push.user_id);
        retries.remove(&(message, user));
        self.write(move |tx| {
            tx.delete_push(message, user);
            Ok(())
        })
        .await
    }
}
