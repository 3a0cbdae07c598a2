//! Rate-limit middleware for REST: each route counts in the bucket its entry in the route
//! table names, per IP on the public routes and per user on the others. Every limited
//! response carries the `X-RateLimit-*` headers.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::extract::token_of;
use super::security::{client_ip, peer_of};
use crate::ratelimit::Bucket;
use crate::state::AppState;

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
            if let Some(allowed) = allowed {
                allowed.write_headers(response.headers_mut());
            }
            response
        }
    }
}

/// Limits a public route per client IP (behind a trusted proxy, the forwarded one).
pub(crate) async fn per_ip(
    State((state, bucket)): State<(AppState, Bucket)>,
    request: Request,
    next: Next,
) -> Response {
    let ip = client_ip(request.headers(), peer_of(&request), &state.config)
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    limited(&state, bucket, &ip, request, next).await
}

/// Limits an authenticated route per user (and hands the handler the identity it checked).
pub(crate) async fn per_user(
    State((state, bucket)): State<(AppState, Bucket)>,
    mut request: Request,
    next: Next,
) -> Response {
    let identity = token_of(request.headers()).and_then(|t| state.engine.authenticate(&t).ok());
    let Some(identity) = identity else {
        // No valid token: the handler answers 401.
        return next.run(request).await;
    };
    request.extensions_mut().insert(identity);
    limited(&state, bucket, &identity.user_id.to_string(), request, next).await
}
