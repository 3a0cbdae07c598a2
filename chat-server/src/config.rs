//! Server configuration: addresses, limits and timings, with defaults for one machine.

use std::net::IpAddr;
use std::time::Duration;

use chat_engine::notifications::push::PushOptions;

use crate::push::PushWebhook;
use crate::ratelimit::RateLimits;

/// Everything `run` needs besides the engine and the listener.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where to serve the admin socket that `chat` commands use on a running server
    /// (`admin.sock` in the data directory for `chat serve`); `None` serves none.
    pub admin_socket: Option<std::path::PathBuf>,
    /// Largest request body, in bytes (files aside).
    pub body_limit: usize,
    /// Serve `/metrics` on this address instead of the public one (which then has none).
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// Largest upload: all the files of one message, in bytes.
    pub max_upload_bytes: usize,
    /// Most files on one message (1 to 10).
    pub max_upload_files: usize,
    /// How often gateway clients heartbeat.
    pub heartbeat_interval: Duration,
    /// The URL people reach the server at (`https://chat.example`), when it is behind a
    /// proxy: its origin is the one writes by cookie must come from, and `https` makes the
    /// cookies `Secure`.
    pub public_url: Option<String>,
    /// Where push notifications for users with no live session go; none when unset.
    pub push_webhook: Option<PushWebhook>,
    /// How push notifications are retried and how many may wait.
    pub push_options: PushOptions,
    /// Rate limits; `RateLimits::off()` for load tests.
    pub rate_limits: RateLimits,
    /// How long a dropped gateway session stays resumable.
    pub resume_window: Duration,
    /// Proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// How long one write to a gateway socket may take (its 1 MiB write buffer full) before
    /// the client counts as too slow and is disconnected.
    pub write_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            admin_socket: None,
            body_limit: 64 * 1024,
            metrics_addr: None,
            max_upload_bytes: 25 * 1024 * 1024,
            max_upload_files: chat_engine::limits::MAX_FILES,
            heartbeat_interval: Duration::from_secs(41),
            public_url: None,
            push_webhook: None,
            push_options: PushOptions::default(),
            rate_limits: RateLimits::default(),
            resume_window: Duration::from_secs(300),
            trusted_proxies: Vec::new(),
            write_timeout: Duration::from_secs(10),
        }
    }
}
