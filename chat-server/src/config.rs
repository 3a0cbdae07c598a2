//! Server configuration: addresses, limits and timings, with defaults for one machine.

use std::time::Duration;

use crate::ratelimit::RateLimits;

/// Everything `run` needs besides the engine and the listener.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest request body, in bytes.
    pub body_limit: usize,
    /// How often gateway clients heartbeat.
    pub heartbeat_interval: Duration,
    /// Rate limits; `RateLimits::off()` for load tests.
    pub rate_limits: RateLimits,
    /// How long a dropped gateway session stays resumable.
    pub resume_window: Duration,
    /// How long one write to a gateway socket may take (its 1 MiB write buffer full) before
    /// the client counts as too slow and is disconnected.
    pub write_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            body_limit: 64 * 1024,
            heartbeat_interval: Duration::from_secs(41),
            rate_limits: RateLimits::default(),
            resume_window: Duration::from_secs(300),
            write_timeout: Duration::from_secs(10),
        }
    }
}
