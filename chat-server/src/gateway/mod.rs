//! The WebSocket gateway at `/ws`: Hello, Identify (or `?token=`), READY, sequenced
//! dispatches, heartbeats, Resume, presence, voice states and member requests.

mod connection;
pub(crate) mod registry;
mod session;

use axum::extract::{Query, State, WebSocketUpgrade};
use axum::response::Response;
use serde::Deserialize;

use crate::state::AppState;

/// The query string of `/ws`.
#[derive(Debug, Deserialize)]
pub(crate) struct Connect {
    /// Identify right away with this token.
    #[serde(default)]
    token: Option<String>,
}

/// Upgrades to a WebSocket with small buffers: an idle connection costs little memory.
pub(crate) async fn upgrade(
    State(state): State<AppState>,
    Query(connect): Query<Connect>,
    ws: WebSocketUpgrade,
) -> Response {
    ws.read_buffer_size(2 * 1024)
        .write_buffer_size(4 * 1024)
        .max_write_buffer_size(1024 * 1024)
        .max_message_size(64 * 1024)
        .max_frame_size(64 * 1024)
        .on_upgrade(move |socket| connection::run(socket, state, connect.token))
}
