//! The HTTP side: the REST API under `/api/v1`, its OpenAPI document, `/healthz`,
//! `/metrics`, and the gateway upgrade at `/ws`.

pub(crate) mod error;
pub(crate) mod extract;
mod openapi;
pub(crate) mod ratelimit;
pub(crate) mod routes;
pub(crate) mod security;
pub(crate) mod upload;

use std::collections::BTreeMap;
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use axum::{Json, Router};
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use self::error::ApiError;
use self::routes::Access;
use crate::state::AppState;

/// The whole HTTP application.
pub(crate) fn router(state: AppState) -> Router {
    // Each route is limited in its own bucket; the methods of one path share a router.
    let mut paths: BTreeMap<&str, MethodRouter<AppState>> = BTreeMap::new();
    for route in routes::all() {
        let limit = (state.clone(), route.bucket);
        let handler = match route.access {
            Access::Public => route
                .handler
                .layer(middleware::from_fn_with_state(limit, ratelimit::per_ip)),
            Access::User => route
                .handler
                .layer(middleware::from_fn_with_state(limit, ratelimit::per_user)),
        };
        let merged = match paths.remove(route.path) {
            Some(existing) => existing.merge(handler),
            None => handler,
        };
        paths.insert(route.path, merged);
    }
    let api = paths
        .into_iter()
        .fold(Router::new(), |router, (path, handler)| {
            router.route(path, handler)
        })
        .route("/openapi.json", get(openapi::document))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::same_origin,
        ));
    let mut app = Router::new()
        .nest("/api/v1", api)
        .route("/ws", get(crate::gateway::upgrade))
        .route("/healthz", get(health))
        .route("/readyz", get(ready));
    if state.config.metrics_addr.is_none() {
        app = app.route("/metrics", get(metrics));
    }
    app.fallback(crate::web::serve)
        .layer(middleware::from_fn(record_metrics))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .layer(DefaultBodyLimit::max(state.config.body_limit))
        .layer(access_log())
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), UlidRequestId))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error; it has been logged",
            )
            .into_response()
        }))
        .with_state(state)
}

/// The header that carries a request's id: the client's, or a new ULID.
static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Gives each request without an `X-Request-Id` a new ULID.
#[derive(Debug, Clone, Copy)]
struct UlidRequestId;

impl MakeRequestId for UlidRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&ulid::Ulid::generate().to_string())
            .ok()
            .map(RequestId::new)
    }
}

/// The access log's layer: requests' spans from [`request_span`], a line per response.
type AccessLog = TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    fn(&axum::http::Request<axum::body::Body>) -> tracing::Span,
    (),
    DefaultOnResponse,
>;

/// The access log: one line at info per answered request, in a span with the request's id,
/// method and path (never the query string, which may carry a token).
fn access_log() -> AccessLog {
    TraceLayer::new_for_http()
        .make_span_with(request_span as fn(&axum::http::Request<axum::body::Body>) -> _)
        .on_request(())
        .on_response(
            DefaultOnResponse::new()
                .level(tracing::Level::INFO)
                .latency_unit(LatencyUnit::Micros),
        )
}

fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|id| id.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        id,
        method = %request.method(),
        path = request.uri().path(),
    )
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no_route", "no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method",
    )
}

async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "status": "ok",
        "broker": state.engine.broker_status().err().unwrap_or_else(|| "ok".to_owned()),
        "last_seq": state.engine.last_seq(),
        "gateway_sessions": state.sessions.len(),
        "gateway_resumable": state.sessions.resumable(),
        "rss_bytes": resident_bytes(),
        "cpu_seconds": cpu_seconds(),
    }))
}

/// Readiness: the writer commits a probe and the search index catches up, each within
/// two seconds (200), or which did not and why (503). A node whose broker or blob store is
/// away answers 200 `degraded`: it still delivers every event (from the shared log) and
/// every message without files.
async fn ready(State(state): State<AppState>) -> Response {
    let readiness = state.engine.readiness(READINESS_DEADLINE).await;
    let ready = readiness.is_ready();
    let status = match (ready, readiness.is_whole()) {
        (false, _) => "not_ready",
        (true, false) => "degraded",
        (true, true) => "ready",
    };
    let body = serde_json::json!({
        "status": status,
        "writer": readiness.writer.to_string(),
        "search": readiness.search.to_string(),
        "broker": readiness.broker.to_string(),
        "blobs": readiness.blobs.to_string(),
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// How long each readiness check may take.
pub(crate) const READINESS_DEADLINE: std::time::Duration = std::time::Duration::from_secs(2);

/// CPU time the process used so far (user + system), from `/proc/self/stat`.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// The process's resident memory, from `/proc/self/statm` (0 where that is missing).
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// The Prometheus text of every metric, with the process's and the gateway's figures read now.
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    metrics::gauge!("chat_process_resident_memory_bytes").set(resident_bytes() as f64);
    metrics::gauge!("chat_process_cpu_seconds_total").set(cpu_seconds());
    let open_fds = std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count);
    metrics::gauge!("chat_process_open_fds").set(open_fds as f64);
    metrics::gauge!("chat_gateway_sessions").set(state.sessions.len() as f64);
    metrics::gauge!("chat_gateway_resumable_sessions").set(state.sessions.resumable() as f64);
    metrics::gauge!("chat_last_seq").set(state.engine.last_seq() as f64);
    match &state.metrics {
        Some(handle) => handle.render().into_response(),
        None => {
            ApiError::new(StatusCode::NOT_FOUND, "no_metrics", "metrics are off").into_response()
        }
    }
}

/// Counts requests and times them by route and status.
async fn record_metrics(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let path = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().to_string();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", path), ("status", status)];
    metrics::counter!("chat_http_requests_total", &labels).increment(1);
    metrics::histogram!("chat_http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    response
}
