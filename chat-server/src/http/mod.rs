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
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use axum::{Json, Router};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

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
    Router::new()
        .nest("/api/v1", api)
        .route("/ws", get(crate::gateway::upgrade))
        .route("/healthz", get(health))
        .route("/metrics", get(metrics))
        .fallback(crate::web::serve)
        .layer(middleware::from_fn(record_metrics))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .layer(DefaultBodyLimit::max(state.config.body_limit))
        .layer(TraceLayer::new_for_http())
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
        "last_seq": state.engine.last_seq(),
        "gateway_sessions": state.sessions.len(),
        "rss_bytes": resident_bytes(),
        "cpu_seconds": cpu_seconds(),
    }))
}

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

async fn metrics(State(state): State<AppState>) -> Response {
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
    let labels = [("method", method), ("path", path), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    response
}
