//! The reference server: a bare broadcast server to measure ours against. No storage, no
//! authentication, no permission checks; it speaks just enough of the REST API (register,
//! bots, servers, invites, sending a message, `/healthz`) and of the gateway (Hello,
//! Identify → READY, Resume → RESUMED, heartbeats, dispatches with `s`) for every scenario
//! but `crash` to drive it unchanged. Its `MESSAGE_CREATE` frames are our wire type,
//! serialized once per message and shared by every session, so they are the size of ours.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::Router;
use axum::extract::ws::{Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chat_engine::id::{ChannelId, Id, ServerId};
use chat_engine::model::{
    AuthResponse, BotCreated, CreateMessage, Message, MessageType, Server, Status, User,
};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::broadcast;

/// How often clients are asked to heartbeat, in milliseconds (our default).
const HEARTBEAT_MS: u64 = 41_250;

/// What every connection shares.
#[derive(Clone)]
struct Hub {
    frames: broadcast::Sender<Utf8Bytes>,
    seq: Arc<AtomicU64>,
}

/// Serves the reference on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener) -> anyhow::Result<()> {
    let (frames, _) = broadcast::channel(4096);
    let hub = Hub {
        frames,
        seq: Arc::new(AtomicU64::new(0)),
    };
    let app = Router::new()
        .route("/healthz", get(health))
        .route("/api/v1/auth/register", post(register))
        .route("/api/v1/bots", post(bot))
        .route("/api/v1/servers", post(server))
        .route("/api/v1/invites/{code}", post(join))
        .route("/api/v1/channels/{channel_id}/messages", post(send))
        .route("/ws", get(gateway))
        .with_state(hub);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await?;
    Ok(())
}

fn new_id<M>() -> Id<M> {
    Id::from_ulid(ulid::Ulid::generate())
}

fn user(name: &str, is_bot: bool) -> User {
    User {
        avatar_url: String::new(),
        bio: String::new(),
        created_at: chrono_now(),
        custom_status: String::new(),
        discriminator: "0001".into(),
        display_name: String::new(),
        id: new_id(),
        instance_admin: false,
        is_bot,
        mfa_enabled: false,
        read_receipts: false,
        status: Status::Offline,
        username: name.to_owned(),
    }
}

fn chrono_now() -> chat_engine::model::Timestamp {
    chat_engine::model::Timestamp::from(std::time::SystemTime::now())
}

async fn register(Json(body): Json<Value>) -> (StatusCode, Json<AuthResponse>) {
    let name = body["username"].as_str().unwrap_or("someone");
    let answer = AuthResponse {
        refresh_token: ulid::Ulid::generate().to_string(),
        token: ulid::Ulid::generate().to_string(),
        user: user(name, false),
    };
    (StatusCode::CREATED, Json(answer))
}

async fn bot(Json(body): Json<Value>) -> (StatusCode, Json<BotCreated>) {
    let name = body["username"].as_str().unwrap_or("bot");
    let answer = BotCreated {
        token: ulid::Ulid::generate().to_string(),
        user: user(name, true),
    };
    (StatusCode::CREATED, Json(answer))
}

fn a_server(id: ServerId, name: &str) -> Server {
    let now = chrono_now();
    Server {
        created_at: now,
        description: String::new(),
        icon_url: String::new(),
        id,
        invite_code: id.to_string(),
        is_public: false,
        member_count: 1,
        name: name.to_owned(),
        owner_id: new_id(),
        disabled: None,
        system_channel_id: Some(new_id()),
        updated_at: now,
    }
}

async fn server(Json(body): Json<Value>) -> (StatusCode, Json<Server>) {
    let name = body["name"].as_str().unwrap_or("reference");
    (StatusCode::CREATED, Json(a_server(new_id(), name)))
}

async fn join(Path(code): Path<String>) -> Json<Server> {
    let id = code.parse().unwrap_or_else(|_| new_id());
    Json(a_server(id, "reference"))
}

/// Sends a message: one `MESSAGE_CREATE` frame, serialized once, to every session.
async fn send(
    State(hub): State<Hub>,
    Path(channel): Path<ChannelId>,
    Json(request): Json<CreateMessage>,
) -> (StatusCode, Json<Message>) {
    let html = format!("<p>{}</p>", request.content);
    let message = Message {
        attachments: Vec::new(),
        author_id: new_id::<chat_engine::id::UserMarker>(),
        channel_id: channel,
        content: request.content,
        content_html: html,
        created_at: chrono_now(),
        edited_at: None,
        embeds: request.embeds,
        id: new_id(),
        is_edited: false,
        is_pinned: false,
        mention_everyone: false,
        mention_roles: Vec::new(),
        mentions: Vec::new(),
        nonce: request.nonce,
        reactions: Vec::new(),
        reply_to_id: request.reply_to_id,
        thread_id: None,
        kind: MessageType::Default,
    };
    let seq = hub.seq.fetch_add(1, Ordering::SeqCst) + 1;
    let frame = json!({ "op": 0, "s": seq, "t": "MESSAGE_CREATE", "d": &message }).to_string();
    let _ = hub.frames.send(Utf8Bytes::from(frame));
    (StatusCode::CREATED, Json(message))
}

/// The process's resident memory and CPU seconds, as our `/healthz` reports them.
async fn health() -> Json<Value> {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let number = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    Json(json!({
        "status": "ok",
        "rss_bytes": pages * 4096,
        "cpu_seconds": (number(11) + number(12)) / 100.0,
    }))
}

/// The upgrade, with our gateway's socket buffers, so that memory compares the servers and
/// not their buffer settings.
async fn gateway(State(hub): State<Hub>, upgrade: WebSocketUpgrade) -> Response {
    upgrade
        .read_buffer_size(2 * 1024)
        .write_buffer_size(4 * 1024)
        .max_write_buffer_size(1024 * 1024)
        .max_message_size(64 * 1024)
        .on_upgrade(move |socket| connection(socket, hub))
}

/// One session: Hello, then Identify or Resume, then every frame of the hub, and heartbeat
/// acknowledgements.
async fn connection(socket: WebSocket, hub: Hub) {
    let (mut sink, mut stream) = socket.split();
    let hello = json!({ "op": 10, "d": { "heartbeat_interval": HEARTBEAT_MS } }).to_string();
    if sink.send(WsMessage::Text(hello.into())).await.is_err() {
        return;
    }
    let mut frames: Option<broadcast::Receiver<Utf8Bytes>> = None;
    loop {
        let next = async {
            match &mut frames {
                Some(frames) => frames.recv().await.ok(),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            frame = next => {
                let Some(frame) = frame else { return };
                if sink.send(WsMessage::Text(frame)).await.is_err() {
                    return;
                }
            }
            incoming = stream.next() => {
                let Some(Ok(WsMessage::Text(text))) = incoming else {
                    match incoming {
                        Some(Ok(_)) => continue,
                        _ => return,
                    }
                };
                let frame: Value = serde_json::from_str(&text).unwrap_or_default();
                let seq = hub.seq.load(Ordering::SeqCst);
                let answer = match frame["op"].as_u64() {
                    Some(1) => json!({ "op": 11 }),
                    Some(2) => {
                        frames = Some(hub.frames.subscribe());
                        let ready = json!({
                            "session_id": ulid::Ulid::generate().to_string(),
                            "user": user("reference", false),
                            "servers": [],
                        });
                        json!({ "op": 0, "s": seq, "t": "READY", "d": ready })
                    }
                    Some(6) => {
                        frames = Some(hub.frames.subscribe());
                        json!({ "op": 0, "s": seq, "t": "RESUMED", "d": {} })
                    }
                    _ => continue,
                };
                if sink.send(WsMessage::Text(answer.to_string().into())).await.is_err() {
                    return;
                }
            }
        }
    }
}
