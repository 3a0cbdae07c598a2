//! The state every handler and connection shares.

use std::sync::Arc;

use chat_engine::Engine;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::watch;

use crate::config::ServerConfig;
use crate::gateway::registry::Registry;
use crate::ratelimit::Limiter;

/// Shared by every request and gateway connection; cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct AppState {
    /// The engine.
    pub(crate) engine: Engine,
    /// The configuration.
    pub(crate) config: Arc<ServerConfig>,
    /// The rate limiter.
    pub(crate) limiter: Limiter,
    /// Resumable gateway sessions.
    pub(crate) sessions: Registry,
    /// Renders `/metrics`.
    pub(crate) metrics: Option<PrometheusHandle>,
    /// Becomes `true` when the server shuts down.
    pub(crate) shutdown: watch::Receiver<bool>,
}
