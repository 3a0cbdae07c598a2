//! The admin socket: a Unix socket in the data directory (`admin.sock`, mode 0600, so that
//! only the server's own user reaches it) through which `chat` commands work on a running
//! server, whose database the server holds locked. It answers `GET /backup` and `GET
//! /export/{server_id}` with a backup or a server's export streamed as the engine writes it,
//! `POST /import` with the server it made of the export sent, `GET /status` with the
//! instance's and the running server's figures, and `POST /operator` with what
//! [`crate::operator`] made of the command.

use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chat_engine::id::ServerId;
use chat_engine::{Administrator, Engine};
use futures_util::StreamExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::AsyncWriteExt;
use tokio::net::UnixListener;
use tokio::sync::mpsc;

use crate::operator::{self, Running, Status};
use crate::state::AppState;

/// The socket's file name in the data directory.
pub const SOCKET_FILE: &str = "admin.sock";
/// The bytes of a backup sent at once.
const CHUNK: usize = 256 * 1024;

/// Binds the socket at `path` (replacing a stale one: the database's lock keeps a second
/// server off the data directory) and serves it until the server shuts down, then removes
/// it.
pub(crate) async fn serve(path: PathBuf, state: AppState) -> io::Result<()> {
    match std::fs::remove_file(&path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
        _ => {}
    }
    let listener = UnixListener::bind(&path)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    tracing::info!(socket = %path.display(), "admin socket listening");
    let mut stopped = state.shutdown.clone();
    let app = Router::new()
        .route("/backup", get(backup))
        .route("/export/{server_id}", get(export))
        .route("/import", post(import))
        .route("/status", get(status))
        .route("/operator", post(execute))
        .with_state(state);
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        })
        .await;
    let _ = std::fs::remove_file(&path);
    served
}

/// `GET /backup`: the engine writes the backup on a blocking thread; its chunks are the body.
async fn backup(State(state): State<AppState>) -> Response {
    streamed(state.engine.clone(), |engine, out| {
        let summary = engine.backup(out, &mut |_| {})?;
        tracing::info!(
            entries = summary.counts.entries,
            blobs = summary.counts.blobs,
            bytes = summary.counts.bytes,
            missing_blobs = summary.missing_blobs,
            "backup sent"
        );
        Ok(())
    })
}

/// `GET /export/{server_id}`: the server's export (`chat export`), streamed like a backup.
async fn export(State(state): State<AppState>, UrlPath(server): UrlPath<ServerId>) -> Response {
    // A server that is not there is an answer, not a body cut off.
    if let Err(error) = state.engine.owner_of(server) {
        return (StatusCode::UNPROCESSABLE_ENTITY, error.to_string()).into_response();
    }
    streamed(state.engine.clone(), move |engine, out| {
        let counts = engine.export_server(Administrator::Operator, server, out)?;
        tracing::info!(%server, messages = counts.messages, "server exported");
        Ok(())
    })
}

/// `POST /import?owner=…`: the body, an export, is staged in a file beside the socket (in the
/// data directory, on its disk) and imported from it.
async fn import(
    State(state): State<AppState>,
    Query(owner): Query<operator::ImportOwner>,
    body: Body,
) -> Response {
    let dir = state
        .config
        .admin_socket
        .as_deref()
        .and_then(Path::parent)
        .map_or_else(std::env::temp_dir, Path::to_path_buf);
    let staged = dir.join(format!(".import-{}.partial", ulid::Ulid::generate()));
    let imported = async {
        let mut file = tokio::fs::File::create(&staged).await?;
        let mut chunks = body.into_data_stream();
        while let Some(chunk) = chunks.next().await {
            file.write_all(&chunk?).await?;
        }
        file.sync_all().await?;
        operator::import(&state.engine, &staged, &owner.owner).await
    }
    .await;
    let _ = tokio::fs::remove_file(&staged).await;
    answer(imported)
}

/// Answers with what `write` writes, run on a blocking thread, as the body, chunk by chunk.
/// A failure midway cuts the body off, which the client sees (and a cut-off file is refused
/// by a restore or an import anyway).
fn streamed(
    engine: Engine,
    write: impl FnOnce(&Engine, &mut dyn Write) -> chat_engine::Result<()> + Send + 'static,
) -> Response {
    let (chunks, body) = mpsc::channel::<io::Result<Bytes>>(4);
    tokio::task::spawn_blocking(move || {
        let mut out = ChunkWriter {
            chunks: chunks.clone(),
            buffer: Vec::with_capacity(CHUNK),
        };
        let written = write(&engine, &mut out).and_then(|()| {
            out.flush()
                .map_err(|e| chat_engine::Error::Storage(chat_engine::error::StorageError::new(e)))
        });
        if let Err(error) = written {
            tracing::error!(%error, "streaming to the admin socket failed");
            let _ = chunks.blocking_send(Err(io::Error::other(error.to_string())));
        }
    });
    let stream = futures_util::stream::unfold(body, |mut body| async move {
        body.recv().await.map(|chunk| (chunk, body))
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/octet-stream")],
        Body::from_stream(stream),
    )
        .into_response()
}

/// `POST /operator`: runs the operator's command.
async fn execute(
    State(state): State<AppState>,
    Json(request): Json<operator::Request>,
) -> Response {
    answer(operator::execute(&state.engine, request).await)
}

/// `GET /status`: the instance's figures and the running server's.
async fn status(State(state): State<AppState>) -> Response {
    let readiness = state
        .engine
        .readiness(crate::http::READINESS_DEADLINE)
        .await;
    let running = Running {
        pid: std::process::id(),
        uptime_seconds: state.started.elapsed().as_secs(),
        gateway_sessions: state.sessions.len(),
        gateway_resumable: state.sessions.resumable(),
        ready: readiness.is_ready(),
        writer: readiness.writer.to_string(),
        search: readiness.search.to_string(),
    };
    answer(operator::status(&state.engine, Some(running)))
}

/// 200 with the JSON of what was made, or 422 with why not (the CLI prints it).
fn answer<T: Serialize>(made: anyhow::Result<T>) -> Response {
    match made {
        Ok(made) => Json(made).into_response(),
        Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, format!("{error:#}")).into_response(),
    }
}

/// Runs the operator's command on the running server behind `client`.
pub async fn call(
    client: &reqwest::Client,
    request: &operator::Request,
) -> anyhow::Result<serde_json::Value> {
    let response = client
        .post("http://admin/operator")
        .json(request)
        .send()
        .await?;
    read(response).await
}

/// The running server's status.
pub async fn status_of(client: &reqwest::Client) -> anyhow::Result<Status> {
    read(client.get("http://admin/status").send().await?).await
}

/// The answer's JSON, or its refusal as the error.
pub(crate) async fn read<T: DeserializeOwned>(response: reqwest::Response) -> anyhow::Result<T> {
    if response.status().is_success() {
        Ok(response.json().await?)
    } else {
        anyhow::bail!("{}", response.text().await?)
    }
}

/// Hands what is written to the response body in chunks; fails once the client is gone.
struct ChunkWriter {
    chunks: mpsc::Sender<io::Result<Bytes>>,
    buffer: Vec<u8>,
}

impl Write for ChunkWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        self.chunks
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

/// An HTTP client of the running server's admin socket in `data_dir`, if one answers there.
pub async fn client(data_dir: &Path) -> Option<reqwest::Client> {
    let path = data_dir.join(SOCKET_FILE);
    // A socket file nobody listens on is what a server killed without a clean stop leaves.
    tokio::net::UnixStream::connect(&path).await.ok()?;
    reqwest::Client::builder().unix_socket(path).build().ok()
}
