//! `TestServer`: the real server on `127.0.0.1:0`, plus HTTP and gateway clients.

use std::net::SocketAddr;
use std::time::Duration;

use chat_engine::Engine;
use chat_server::ServerConfig;
use chat_server::ratelimit::RateLimits;
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub(crate) const PASSWORD: &str = "correct horse battery";

/// A new file for a log of this test run, when `CHAT_TEST_LOG_DIR` names where (`.ci/run`
/// searches those logs for secrets once every test has run).
pub(crate) fn test_log(name: &str) -> Option<std::fs::File> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = std::env::var_os("CHAT_TEST_LOG_DIR")?;
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::path::Path::new(&dir).join(format!("{name}-{}-{n}.jsonl", std::process::id()));
    std::fs::File::create(path).ok()
}

/// Under `CHAT_TEST_LOG_DIR`, the in-process servers of this test binary log at debug, as
/// JSON, as `chat serve` would, into one file.
fn log_the_test_run() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        if let Some(log) = test_log("integration") {
            let _ = tracing_subscriber::fmt()
                .json()
                .with_env_filter("debug")
                .with_writer(std::sync::Mutex::new(log))
                .try_init();
        }
    });
}

pub(crate) struct TestServer {
    pub(crate) addr: SocketAddr,
    pub(crate) http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// A server on the in-memory store, without rate limits.
    pub(crate) async fn start() -> Self {
        Self::with(Engine::in_memory().await.unwrap(), test_config()).await
    }

    /// A server with this engine and configuration.
    pub(crate) async fn with(engine: Engine, config: ServerConfig) -> Self {
        log_the_test_run();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(chat_server::run(listener, engine, config, async move {
            let _ = stopped.await;
        }));
        Self {
            addr,
            http: reqwest::Client::new(),
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops the server and waits until it has.
    pub(crate) async fn stop(mut self) {
        self.stop.take().unwrap().send(()).unwrap();
        self.task.take().unwrap().await.unwrap().unwrap();
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}/api/v1{path}", self.addr)
    }

    /// Registers a user; returns a client acting as them.
    pub(crate) async fn user(&self, name: &str) -> Api {
        self.session("/auth/register", StatusCode::CREATED, name)
            .await
    }

    /// Logs a registered user in again: a new session of theirs.
    pub(crate) async fn login(&self, name: &str) -> Api {
        self.session("/auth/login", StatusCode::OK, name).await
    }

    /// Posts the user's credentials to `path`; returns a client on the session it answers.
    async fn session(&self, path: &str, expected: StatusCode, name: &str) -> Api {
        let body = json!({ "username": name, "password": PASSWORD });
        let response = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), expected, "{path} for {name}");
        let auth: Value = response.json().await.unwrap();
        Api {
            base: self.url(""),
            http: self.http.clone(),
            token: auth["token"].as_str().unwrap().to_owned(),
            refresh: auth["refresh_token"].as_str().unwrap().to_owned(),
            id: auth["user"]["id"].as_str().unwrap().to_owned(),
        }
    }

    /// A gateway connection that has read Hello.
    pub(crate) async fn gateway(&self) -> Gateway {
        self.gateway_at("/ws").await
    }

    pub(crate) async fn gateway_at(&self, path: &str) -> Gateway {
        Gateway::connect(&format!("ws://{}{path}", self.addr)).await
    }

    /// A gateway connection identified as `api`'s user; returns it with READY's payload.
    pub(crate) async fn identified(&self, api: &Api) -> (Gateway, Value) {
        let mut gateway = self.gateway().await;
        gateway
            .send(json!({ "op": 2, "d": { "token": api.token } }))
            .await;
        let ready = gateway.dispatch("READY").await;
        (gateway, ready)
    }

    /// The server's `/healthz` answer.
    pub(crate) async fn health(&self) -> Value {
        let url = format!("http://{}/healthz", self.addr);
        let response = self.http.get(url).send().await.unwrap();
        response.json().await.unwrap()
    }
}

/// Rate limits off, the rest default.
pub(crate) fn test_config() -> ServerConfig {
    ServerConfig {
        rate_limits: RateLimits::off(),
        ..ServerConfig::default()
    }
}

/// A loopback port nothing listens on now, for a server a test starts.
pub(crate) fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A REST client acting as one user.
#[derive(Clone)]
pub(crate) struct Api {
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
    pub(crate) token: String,
    pub(crate) refresh: String,
    pub(crate) id: String,
}

impl Api {
    /// The same user's client on the server (another node) at `base`.
    pub(crate) fn on(&self, base: &str) -> Self {
        Self {
            base: format!("{base}/api/v1"),
            ..self.clone()
        }
    }

    /// Sends a request; returns the status and the JSON body (`Null` when empty).
    pub(crate) async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    pub(crate) async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call("GET", path, None).await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call("POST", path, Some(body)).await
    }

    /// Asserts success and returns the body.
    pub(crate) async fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self.call(method, path, body).await;
        assert!(status.is_success(), "{method} {path}: {status} {value}");
        value
    }

    /// Creates a server; returns (server, its #general id).
    pub(crate) async fn server(&self, name: &str) -> (Value, String) {
        let server = self
            .ok("POST", "/servers", Some(json!({ "name": name })))
            .await;
        let general = server["system_channel_id"].as_str().unwrap().to_owned();
        (server, general)
    }

    /// Joins a server with its invite code.
    pub(crate) async fn join(&self, server: &Value) {
        let code = server["invite_code"].as_str().unwrap();
        self.ok("POST", &format!("/invites/{code}"), None).await;
    }

    /// Sends a message; returns it.
    pub(crate) async fn say(&self, channel: &str, content: &str) -> Value {
        self.ok(
            "POST",
            &format!("/channels/{channel}/messages"),
            Some(json!({ "content": content })),
        )
        .await
    }
}

/// A gateway client.
pub(crate) struct Gateway {
    pub(crate) ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// What came from the server.
#[derive(Debug)]
pub(crate) enum Incoming {
    Frame(Value),
    Closed(Option<u16>),
}

impl Gateway {
    /// Connects to a gateway URL and reads Hello.
    pub(crate) async fn connect(url: &str) -> Self {
        let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let mut gateway = Self { ws };
        let hello = gateway.frame().await;
        assert_eq!(hello["op"], 10, "{hello}");
        assert!(hello["d"]["heartbeat_interval"].as_u64().unwrap() > 0);
        gateway
    }

    pub(crate) async fn send(&mut self, frame: Value) {
        self.ws
            .send(Message::text(frame.to_string()))
            .await
            .unwrap();
    }

    pub(crate) async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text.to_owned())).await.unwrap();
    }

    /// The next frame or close, waiting at most 10 s.
    pub(crate) async fn next(&mut self) -> Incoming {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(10), self.ws.next())
                .await
                .expect("the server answers within 10 s");
            match message {
                Some(Ok(Message::Text(text))) => {
                    return Incoming::Frame(serde_json::from_str(&text).unwrap());
                }
                Some(Ok(Message::Close(frame))) => {
                    return Incoming::Closed(frame.map(|f| u16::from(f.code)));
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return Incoming::Closed(None),
            }
        }
    }

    /// The next frame; panics on close.
    pub(crate) async fn frame(&mut self) -> Value {
        match self.next().await {
            Incoming::Frame(frame) => frame,
            Incoming::Closed(code) => panic!("closed with {code:?}"),
        }
    }

    /// The next dispatch named `t`, skipping others.
    pub(crate) async fn dispatch(&mut self, t: &str) -> Value {
        loop {
            let frame = self.frame().await;
            if frame["op"] == 0 && frame["t"] == t {
                return frame;
            }
        }
    }

    /// Waits for the close and returns its code.
    pub(crate) async fn closed(&mut self) -> Option<u16> {
        loop {
            if let Incoming::Closed(code) = self.next().await {
                return code;
            }
        }
    }

    /// Closes from the client side with a code.
    pub(crate) async fn close(mut self, code: u16) {
        let frame = CloseFrame {
            code: code.into(),
            reason: "bye".into(),
        };
        let _ = self.ws.close(Some(frame)).await;
    }
}
