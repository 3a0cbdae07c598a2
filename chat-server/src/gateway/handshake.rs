//! The WebSocket handshake at `/ws` (RFC 6455, section 4.2, over HTTP/1.1). The server
//! answers it itself, rather than through axum's extractor, so that the gateway owns the
//! tungstenite stream and can write a large frame straight to the socket (`socket.rs`).

use std::future::Future;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper::upgrade::OnUpgrade;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::socket::Socket;
use crate::error_body::answer;

/// A valid request to open a WebSocket, not yet answered.
pub(crate) struct Handshake {
    key: HeaderValue,
    on_upgrade: OnUpgrade,
}

impl<S: Send + Sync> FromRequestParts<S> for Handshake {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        let not_websocket = || {
            answer(
                StatusCode::UPGRADE_REQUIRED,
                "upgrade_required",
                "the gateway speaks WebSocket: open it with a WebSocket client",
            )
        };
        if parts.method != Method::GET
            || !has_token(&parts.headers, &header::CONNECTION, "upgrade")
            || !has_token(&parts.headers, &header::UPGRADE, "websocket")
        {
            return Err(not_websocket());
        }
        if parts.headers.get(header::SEC_WEBSOCKET_VERSION) != Some(&HeaderValue::from_static("13"))
        {
            return Err(answer(
                StatusCode::BAD_REQUEST,
                "invalid_handshake",
                "Sec-WebSocket-Version must be 13",
            ));
        }
        let Some(key) = parts.headers.get(header::SEC_WEBSOCKET_KEY).cloned() else {
            return Err(answer(
                StatusCode::BAD_REQUEST,
                "invalid_handshake",
                "Sec-WebSocket-Key is missing",
            ));
        };
        let on_upgrade = parts
            .extensions
            .remove::<OnUpgrade>()
            .ok_or_else(not_websocket)?;
        Ok(Self { key, on_upgrade })
    }
}

impl Handshake {
    /// Answers 101 Switching Protocols and runs `connection` on the socket once the
    /// client has switched.
    pub(crate) fn accept<F, Fut>(self, config: WebSocketConfig, connection: F) -> Response
    where
        F: FnOnce(Socket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let accept = derive_accept_key(self.key.as_bytes());
        let on_upgrade = self.on_upgrade;
        // The connection runs in a task of its own: awaited here, it would share a future
        // with the upgrade's leftovers (the config, the closure), and every idle connection
        // would carry them (a task is allocated in steps of 128 bytes).
        tokio::spawn(async move {
            match on_upgrade.await {
                Ok(upgraded) => {
                    tokio::spawn(connection(Socket::accept(upgraded, config).await));
                }
                Err(error) => tracing::debug!(%error, "a gateway upgrade failed"),
            }
        });
        let headers = [
            (header::CONNECTION, HeaderValue::from_static("upgrade")),
            (header::UPGRADE, HeaderValue::from_static("websocket")),
            (
                header::SEC_WEBSOCKET_ACCEPT,
                HeaderValue::from_str(&accept).expect("base64 is a valid header value"),
            ),
        ];
        (StatusCode::SWITCHING_PROTOCOLS, headers).into_response()
    }
}

/// Whether a comma-separated header holds `token`, in any case.
fn has_token(headers: &HeaderMap, name: &HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|part| part.trim().eq_ignore_ascii_case(token))
}
