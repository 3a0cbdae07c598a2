//! The state every handler and connection shares.

use std::sync::Arc;

use axum::http::HeaderValue;
use chat_engine::Engine;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::watch;

use crate::config::ServerConfig;
use crate::gateway::registry::Registry;
use crate::ratelimit::Limiter;

/// Shared by every request and gateway connection; one reference count to clone (axum
/// clones the state for every middleware layer of every request).
#[derive(Clone, Debug)]
pub(crate) struct AppState(Arc<Shared>);

impl AppState {
    pub(crate) fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] shares.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The engine.
    pub(crate) engine: Engine,
    /// The configuration.
    pub(crate) config: ServerConfig,
    /// The Content-Security-Policy every answer carries.
    pub(crate) csp: HeaderValue,
    /// The rate limiter.
    pub(crate) limiter: Limiter,
    /// Resumable gateway sessions.
    pub(crate) sessions: Registry,
    /// Renders `/metrics`.
    pub(crate) metrics: Option<PrometheusHandle>,
    /// Becomes `true` when the server shuts down.
    pub(crate) shutdown: watch::Receiver<bool>,
    /// Ticks every quarter heartbeat interval, and tells of the shutdown, for every gateway
    /// connection ([`crate::gateway::ticks`]).
    pub(crate) ticks: watch::Receiver<crate::gateway::ticks::Tick>,
    /// When the server started.
    pub(crate) started: std::time::Instant,
}
