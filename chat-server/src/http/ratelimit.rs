//! Rate-limit middleware for REST: auth routes per IP, everything else per user, message
//! sends in their own bucket. Every limited response carries the `X-RateLimit-*` headers.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::extract::token_of;
use crate::ratelimit::{Allowed, Bucket};
use crate::state::AppState;

/// Writes the `X-RateLimit-*` headers.
pub(crate) fn set_headers(
    headers: &mut HeaderMap,
    bucket: Bucket,
    limit: u32,
    remaining: u32,
    reset_after: Duration,
) {
    headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    let reset = format!("{:.3}", reset_after.as_secs_f64());
    headers.insert(
        "x-ratelimit-reset-after",
        HeaderValue::from_str(&reset).expect("a number"),
    );
    headers.insert(
        "x-ratelimit-bucket",
        HeaderValue::from_static(bucket.name()),
    );
}

async fn limited(
    state: &AppState,
    bucket: Bucket,
    key: &str,
    request: Request,
    next: Next,
) -> Response {
    match state.limiter.check(bucket, key) {
        Err(limited) => ApiError::limited(limited).into_response(),
        Ok(allowed) => {
            let mut response = next.run(request).await;
            if let Some(Allowed {
                bucket,
                limit,
                remaining,
                reset_after,
            }) = allowed
            {
                set_headers(
                    response.headers_mut(),
                    bucket,
                    limit,
                    remaining,
                    reset_after,
                );
            }
            response
        }
    }
}

/// Limits the auth routes per client IP.
pub(crate) async fn per_ip(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string());
    limited(&state, Bucket::Auth, &ip, request, next).await
}

/// Limits authenticated routes per user; message sends also count in their own bucket.
pub(crate) async fn per_user(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let identity = token_of(&parts.headers).and_then(|t| state.engine.authenticate(&t).ok());
    let Some(identity) = identity else {
        // No valid token: the handler answers 401 (or serves a public route).
        return next.run(Request::from_parts(parts, body)).await;
    };
    parts.extensions.insert(identity);
    // Nested under /api/v1, the path here starts at /channels.
    let path = parts.uri.path();
    let is_send = parts.method == axum::http::Method::POST
        && path.contains("/channels/")
        && path.ends_with("/messages");
    request = Request::from_parts(parts, body);
    let bucket = if is_send {
        Bucket::MessageSend
    } else {
        Bucket::Global
    };
    limited(&state, bucket, &identity.user_id.to_string(), request, next).await
}
