//! One rate limiter for REST and the gateway: keyed GCRA buckets (governor) per route group,
//! keyed by user, or by IP on the auth routes. Nodes of one community tell one another what
//! they counted, through the engine's broker, so that a user's limits hold across them.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chat_engine::Engine;
use tokio::sync::watch;

use axum::http::{HeaderMap, HeaderValue};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

/// The buckets requests are counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// Register, login and refresh, per IP.
    Auth,
    /// Every other authenticated REST request, per user.
    Global,
    /// Message sends, per user.
    MessageSend,
    /// Frames sent to the gateway, per connection.
    Gateway,
}

impl Bucket {
    /// The bucket's name, sent as `X-RateLimit-Bucket`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::Global => "global",
            Self::MessageSend => "message_send",
            Self::Gateway => "gateway",
        }
    }

    /// The buckets whose keys (an IP, a user) may come to any node; a gateway connection
    /// is on one node only.
    const SHARED: [Self; 3] = [Self::Auth, Self::Global, Self::MessageSend];
}

/// How often a node tells the others what it counted: the most a key can get past its
/// limit, with `n` nodes, is what the other `n - 1` let through in this long.
pub const SHARE_EVERY: Duration = Duration::from_millis(250);

/// How many requests each bucket allows per period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    /// Whether limits apply at all.
    pub enabled: bool,
    /// Auth requests per minute per IP.
    pub auth_per_minute: u32,
    /// Authenticated requests per second per user.
    pub global_per_second: u32,
    /// Message sends per 5 seconds per user.
    pub messages_per_5s: u32,
    /// Gateway frames per minute per connection.
    pub gateway_per_minute: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            enabled: true,
            auth_per_minute: 10,
            global_per_second: 50,
            messages_per_5s: 10,
            gateway_per_minute: 120,
        }
    }
}

impl RateLimits {
    /// No limits: for load tests and test suites.
    pub fn off() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }
}

/// The state of a bucket after a request was let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowed {
    /// The bucket.
    pub bucket: Bucket,
    /// Requests per period.
    pub limit: u32,
    /// Requests left now.
    pub remaining: u32,
    /// Until the bucket is full again.
    pub reset_after: Duration,
}

impl Allowed {
    /// Writes the `X-RateLimit-*` headers.
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        write_headers(
            headers,
            self.bucket,
            self.limit,
            self.remaining,
            self.reset_after,
        );
    }
}

/// A refused request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    /// The bucket.
    pub bucket: Bucket,
    /// Requests per period.
    pub limit: u32,
    /// When to retry.
    pub retry_after: Duration,
}

impl Limited {
    /// Writes the `X-RateLimit-*` headers (`Retry-After` is the error's).
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        write_headers(headers, self.bucket, self.limit, 0, self.retry_after);
    }
}

fn write_headers(
    headers: &mut HeaderMap,
    bucket: Bucket,
    limit: u32,
    remaining: u32,
    reset_after: Duration,
) {
    headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    let reset = format!("{:.3}", reset_after.as_secs_f64());
    if let Ok(reset) = HeaderValue::from_str(&reset) {
        headers.insert("x-ratelimit-reset-after", reset);
    }
    headers.insert(
        "x-ratelimit-bucket",
        HeaderValue::from_static(bucket.name()),
    );
}

type Keyed =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// The limiter; cheap to clone.
#[derive(Debug, Clone)]
pub struct Limiter {
    inner: Option<Arc<Buckets>>,
}

#[derive(Debug)]
struct Buckets {
    auth: Keyed,
    global: Keyed,
    messages: Keyed,
    gateway: Keyed,
    clock: DefaultClock,
    /// Requests counted since the last exchange with the other nodes, per bucket and key,
    /// once the limiter shares them.
    usage: OnceLock<Mutex<HashMap<(Bucket, String), u32>>>,
}

impl Buckets {
    const fn of(&self, bucket: Bucket) -> &Keyed {
        match bucket {
            Bucket::Auth => &self.auth,
            Bucket::Global => &self.global,
            Bucket::MessageSend => &self.messages,
            Bucket::Gateway => &self.gateway,
        }
    }
}

fn quota(per: u32, period: Duration) -> Quota {
    let burst = NonZeroU32::new(per.max(1)).expect("at least one");
    Quota::with_period(period / burst.get())
        .expect("a positive period")
        .allow_burst(burst)
}

impl Limiter {
    /// A limiter with these limits.
    pub fn new(limits: &RateLimits) -> Self {
        if !limits.enabled {
            return Self { inner: None };
        }
        let keyed = |q| RateLimiter::keyed(q).with_middleware::<StateInformationMiddleware>();
        let buckets = Buckets {
            auth: keyed(quota(limits.auth_per_minute, Duration::from_secs(60))),
            global: keyed(quota(limits.global_per_second, Duration::from_secs(1))),
            messages: keyed(quota(limits.messages_per_5s, Duration::from_secs(5))),
            gateway: keyed(quota(limits.gateway_per_minute, Duration::from_secs(60))),
            clock: DefaultClock::default(),
            usage: OnceLock::new(),
        };
        Self {
            inner: Some(Arc::new(buckets)),
        }
    }

    /// Counts one request against a bucket; `Ok(None)` when limits are off.
    pub fn check(&self, bucket: Bucket, key: &str) -> Result<Option<Allowed>, Limited> {
        let Some(buckets) = &self.inner else {
            return Ok(None);
        };
        let limiter = buckets.of(bucket);
        let key = key.to_owned();
        match limiter.check_key(&key) {
            Ok(snapshot) => {
                if let Some(usage) = buckets.usage.get()
                    && Bucket::SHARED.contains(&bucket)
                {
                    let mut usage = usage
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    *usage.entry((bucket, key)).or_default() += 1;
                }
                let q = snapshot.quota();
                let limit = q.burst_size().get();
                let remaining = snapshot.remaining_burst_capacity();
                let reset_after = q.replenish_interval() * (limit - remaining);
                Ok(Some(Allowed {
                    bucket,
                    limit,
                    remaining,
                    reset_after,
                }))
            }
            Err(not_until) => {
                metrics::counter!("chat_rate_limited_total", "bucket" => bucket.name())
                    .increment(1);
                let retry_after = not_until.wait_time_from(buckets.clock.now());
                Err(Limited {
                    bucket,
                    limit: not_until.quota().burst_size().get(),
                    retry_after,
                })
            }
        }
    }

    /// Shares this node's counts with the other nodes of the engine's community, and counts
    /// theirs here, until `stopped`: a key's limit then holds across the nodes, within what
    /// they let through in [`SHARE_EVERY`]. Nothing without limits or a broker.
    pub fn share_through(&self, engine: &Engine, mut stopped: watch::Receiver<bool>) {
        let (Some(buckets), Some(mut theirs)) = (&self.inner, engine.node_messages()) else {
            return;
        };
        let _ = buckets.usage.set(Mutex::default());
        let (buckets, engine) = (buckets.clone(), engine.clone());
        tokio::spawn(async move {
            let mut every = tokio::time::interval(SHARE_EVERY);
            loop {
                tokio::select! {
                    _ = every.tick() => {
                        if let Some(counts) = buckets.take_usage() {
                            engine.tell_nodes(&counts);
                        }
                    }
                    message = theirs.recv() => match message {
                        Some(counts) => buckets.count_theirs(&counts),
                        None => return,
                    },
                    _ = stopped.changed() => return,
                }
            }
        });
    }

    /// Forgets idle keys; call now and then.
    pub fn shrink(&self) {
        if let Some(b) = &self.inner {
            for limiter in [&b.auth, &b.global, &b.messages, &b.gateway] {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        }
    }
}

/// What a node counted since its last exchange, as the other nodes read it.
type Usage = Vec<(String, String, u32)>;

impl Buckets {
    /// The counts since the last exchange, encoded; `None` when there were none.
    fn take_usage(&self) -> Option<Vec<u8>> {
        let counted = std::mem::take(
            &mut *self
                .usage
                .get()?
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        if counted.is_empty() {
            return None;
        }
        let usage: Usage = counted
            .into_iter()
            .map(|((bucket, key), n)| (bucket.name().to_owned(), key, n))
            .collect();
        serde_json::to_vec(&usage).ok()
    }

    /// Takes from this node's buckets what another node counted.
    fn count_theirs(&self, counts: &[u8]) {
        let Ok(usage) = serde_json::from_slice::<Usage>(counts) else {
            tracing::warn!("ignoring another node's malformed rate-limit counts");
            return;
        };
        for (name, key, n) in usage {
            let Some(bucket) = Bucket::SHARED.into_iter().find(|b| b.name() == name) else {
                continue;
            };
            let limiter = self.of(bucket);
            for _ in 0..n {
                if limiter.check_key(&key).is_err() {
                    break; // empty already
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_refuse_past_their_burst_and_report_state() {
        let limits = RateLimits {
            auth_per_minute: 2,
            ..RateLimits::default()
        };
        let limiter = Limiter::new(&limits);
        let first = limiter.check(Bucket::Auth, "1.2.3.4").unwrap().unwrap();
        assert_eq!((first.limit, first.remaining), (2, 1));
        limiter.check(Bucket::Auth, "1.2.3.4").unwrap();
        let refused = limiter.check(Bucket::Auth, "1.2.3.4").unwrap_err();
        assert!(
            refused.retry_after > Duration::ZERO && refused.retry_after <= Duration::from_secs(30)
        );
        assert!(
            limiter.check(Bucket::Auth, "5.6.7.8").is_ok(),
            "keys are separate"
        );
        assert!(
            Limiter::new(&RateLimits::off())
                .check(Bucket::Auth, "x")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn one_nodes_counts_take_from_anothers_buckets() {
        let limits = RateLimits {
            messages_per_5s: 3,
            ..RateLimits::default()
        };
        let (a, b) = (Limiter::new(&limits), Limiter::new(&limits));
        let (ours, theirs) = (a.inner.as_ref().unwrap(), b.inner.as_ref().unwrap());
        let _ = ours.usage.set(Mutex::default());
        for _ in 0..3 {
            a.check(Bucket::MessageSend, "alice").unwrap();
        }
        let counts = ours.take_usage().unwrap();
        assert!(ours.take_usage().is_none(), "counts go out once");
        theirs.count_theirs(&counts);
        assert!(b.check(Bucket::MessageSend, "alice").is_err(), "spent on A");
        assert!(
            b.check(Bucket::MessageSend, "bob").is_ok(),
            "keys are separate"
        );
        theirs.count_theirs(b"not counts");
        assert!(
            b.check(Bucket::MessageSend, "carol").is_ok(),
            "garbage changes nothing"
        );
    }
}
