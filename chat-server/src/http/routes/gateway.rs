//! `/gateway`: where a client connects its WebSocket.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::HOST;
use chat_engine::model::gateway::GatewayUrl;

use super::{Route, route};
use crate::http::security::Https;
use crate::state::AppState;

pub(super) fn routes() -> Vec<Route> {
    vec![
        route!(Public(Global), get "/gateway" => get_gateway, ok(GatewayUrl), "The gateway's URL (`wss://` behind https); no token needed"),
    ]
}

async fn get_gateway(
    State(state): State<AppState>,
    https: Https,
    headers: HeaderMap,
) -> Json<GatewayUrl> {
    let scheme = if https.0 { "wss" } else { "ws" };
    let host = state
        .config
        .public_url
        .as_deref()
        .and_then(|url| url.split_once("://"))
        .map(|(_, rest)| rest.to_owned())
        .or_else(|| {
            headers
                .get(HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "localhost".to_owned());
    Json(GatewayUrl {
        url: format!("{scheme}://{host}/ws"),
    })
}
