//! Running the server: accept loop with graceful shutdown, shared state, metrics recorder.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use chat_engine::Engine;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::ServerConfig;
use crate::gateway::registry::Registry;
use crate::ratelimit::Limiter;
use crate::state::{AppState, Shared};

/// The process-wide Prometheus recorder (installed once, shared by every server in the
/// process, as in tests).
fn metrics_handle() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    const LATENCY_BUCKETS: [f64; 12] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    ];
    // Jobs per commit group: the writer takes at most 512.
    const GROUP_BUCKETS: [f64; 10] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets(&LATENCY_BUCKETS)
                .ok()?
                .set_buckets_for_metric(
                    Matcher::Full("chat_commit_group_size".into()),
                    &GROUP_BUCKETS,
                )
                .ok()?;
            builder.install_recorder().ok()
        })
        .clone()
}

/// Serves the API and the gateway on `listener` until `shutdown` completes. Gateway clients
/// are told to reconnect; in-flight requests finish; every acknowledged write is already
/// committed, so nothing acknowledged is lost.
pub async fn run(
    listener: TcpListener,
    engine: Engine,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopped) = watch::channel(false);
    let limiter = Limiter::new(&config.rate_limits);
    limiter.share_through(&engine, stopped.clone());
    let pruner = engine.clone();
    let pusher = push_deliverer(&engine, &config, stopped.clone())?;
    let ticks = crate::gateway::ticks::start(config.heartbeat_interval / 4, stopped.clone());
    let state = AppState::new(Shared {
        engine,
        config,
        csp: crate::web::content_security_policy(),
        limiter: limiter.clone(),
        sessions: Registry::default(),
        metrics: metrics_handle(),
        ticks,
        shutdown: stopped,
        started: std::time::Instant::now(),
    });
    let admin = state.config.admin_socket.clone().map(|path| {
        let state = state.clone();
        tokio::spawn(async move {
            if let Err(error) = crate::admin_socket::serve(path, state).await {
                tracing::error!(%error, "the admin socket failed");
            }
        })
    });
    let metrics = match state.config.metrics_addr {
        Some(addr) => {
            let listener = TcpListener::bind(addr).await?;
            tracing::info!(%addr, "serving /metrics");
            let app = axum::Router::new()
                .route("/metrics", axum::routing::get(crate::http::metrics))
                .with_state(state.clone());
            let mut stopped = state.shutdown.clone();
            Some(tokio::spawn(async move {
                let until_stopped = async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                };
                if let Err(error) = axum::serve(listener, app)
                    .with_graceful_shutdown(until_stopped)
                    .await
                {
                    tracing::error!(%error, "the metrics listener failed");
                }
            }))
        }
        None => None,
    };
    let app = crate::http::router(state);
    let janitor = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        for minute in 0_u64.. {
            every.tick().await;
            limiter.shrink();
            if let Err(error) = pruner.prune_ended_session_ids().await {
                tracing::warn!(%error, "cannot prune ended gateway sessions");
            }
            match pruner.archive_idle_threads().await {
                Ok(0) => {}
                Ok(threads) => tracing::debug!(threads, "idle threads archived"),
                Err(error) => tracing::warn!(%error, "cannot archive idle threads"),
            }
            if minute % 60 == 0 {
                match pruner.prune_audit_log().await {
                    Ok(0) => {}
                    Ok(entries) => {
                        tracing::info!(entries, "audit log entries past the retention deleted");
                    }
                    Err(error) => tracing::warn!(%error, "cannot prune the audit log"),
                }
            }
        }
    });
    tracing::info!(addr = %listener.local_addr()?, "serving");
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!("shutting down");
        let _ = stop.send(true);
    })
    .await;
    janitor.abort();
    for task in [admin, metrics].into_iter().flatten() {
        let _ = task.await;
    }
    if let Some(pusher) = pusher {
        let _ = pusher.await;
    }
    served
}

/// Starts delivering push notifications to the configured webhook, until the server stops.
fn push_deliverer(
    engine: &Engine,
    config: &ServerConfig,
    mut stopped: watch::Receiver<bool>,
) -> std::io::Result<Option<tokio::task::JoinHandle<()>>> {
    let Some(webhook) = config.push_webhook.clone() else {
        return Ok(None);
    };
    let notifier = crate::push::WebhookNotifier::new(webhook)?;
    let (engine, options) = (engine.clone(), config.push_options);
    Ok(Some(tokio::spawn(async move {
        let until_stopped = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        if let Err(error) = engine
            .deliver_pushes(std::sync::Arc::new(notifier), options, until_stopped)
            .await
        {
            tracing::error!(%error, "push notifications stopped");
        }
    })))
}

/// Resolves on SIGINT or SIGTERM.
pub async fn signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler");
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
