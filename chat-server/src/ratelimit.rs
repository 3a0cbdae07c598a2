//! One rate limiter for REST and the gateway: keyed GCRA buckets (governor) per route group,
//! keyed by user, or by IP on the auth routes.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

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
}

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
        let limiter = match bucket {
            Bucket::Auth => &buckets.auth,
            Bucket::Global => &buckets.global,
            Bucket::MessageSend => &buckets.messages,
            Bucket::Gateway => &buckets.gateway,
        };
        let key = key.to_owned();
        match limiter.check_key(&key) {
            Ok(snapshot) => {
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
}
