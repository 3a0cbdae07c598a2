//! The WebSocket gateway at `/ws`: Hello, Identify (or `?token=`), READY, sequenced
//! dispatches, heartbeats, Resume, presence, voice states and member requests.

mod connection;
mod handshake;
mod readable;
pub(crate) mod registry;
mod session;
mod socket;
pub(crate) mod ticks;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chat_engine::model::ClientKind;
use serde::Deserialize;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use handshake::Handshake;

use crate::error_body::answer;
use crate::state::AppState;

/// The query string of `/ws`.
#[derive(Debug, Deserialize)]
pub(crate) struct Connect {
    /// Identify right away with this token.
    #[serde(default)]
    token: Option<String>,
    /// The kind of client identifying with `token` (`web` when left out).
    #[serde(default)]
    client: ClientKind,
}

/// Upgrades to a WebSocket with small buffers: an idle connection costs little memory.
pub(crate) async fn upgrade(
    State(state): State<AppState>,
    connect: Result<Query<Connect>, QueryRejection>,
    handshake: Handshake,
) -> Response {
    let connect = match connect {
        Ok(Query(connect)) => connect,
        Err(rejection) => {
            return answer(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                &rejection.body_text(),
            );
        }
    };
    let config = WebSocketConfig::default()
        .read_buffer_size(2 * 1024)
        .write_buffer_size(4 * 1024)
        .max_write_buffer_size(1024 * 1024)
        .max_message_size(Some(64 * 1024))
        .max_frame_size(Some(64 * 1024));
    handshake.accept(config, move |socket| {
        connection::run(socket, state, connect.token, connect.client)
    })
}
