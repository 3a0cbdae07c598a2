//! What an operator watches: `/readyz` (and it failing while the writer is stuck),
//! `chat_`-prefixed metrics with the engine's figures, `/metrics` on its own address, and a
//! request id on every answer.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chat_engine::Engine;
use chat_engine::error::StorageError;
use chat_engine::store::{Backend, Batch, InMemoryStore, Snapshot};
use chat_server::ServerConfig;
use reqwest::StatusCode;

use crate::harness::{TestServer, test_config};

/// The in-memory store, whose commits wait while the test says it is stuck: a stuck disk.
#[derive(Debug, Default)]
struct Gated {
    store: InMemoryStore,
    stuck: Arc<AtomicBool>,
}

impl Backend for Gated {
    fn snapshot(&self) -> Result<Box<dyn Snapshot + '_>, StorageError> {
        self.store.snapshot()
    }

    fn commit(&self, batch: &Batch) -> Result<(), StorageError> {
        while self.stuck.load(Ordering::Acquire) {
            std::thread::sleep(Duration::from_millis(5));
        }
        self.store.commit(batch)
    }
}

async fn get(server: &TestServer, path: &str) -> (StatusCode, String) {
    let response = server
        .http
        .get(format!("http://{}{path}", server.addr))
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_fails_while_the_writer_is_stuck_and_recovers() {
    let backend = Arc::new(Gated::default());
    let stuck = backend.stuck.clone();
    let engine = Engine::builder().backend(backend).open().await.unwrap();
    let server = TestServer::with(engine, test_config()).await;
    let (status, body) = get(&server, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["writer"], "ok");

    stuck.store(true, Ordering::Release);
    let (status, body) = get(&server, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["status"], "not_ready");
    assert!(
        body["writer"].as_str().unwrap().contains("did not commit"),
        "{body}"
    );
    // Liveness is another matter: the process answers.
    assert_eq!(get(&server, "/healthz").await.0, StatusCode::OK);
    stuck.store(false, Ordering::Release);
    // The probe queued behind the stuck commit goes through; the next check is ready again.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, body) = get(&server, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    server.stop().await;
}

#[tokio::test]
async fn metrics_carry_the_engines_figures_under_the_chat_prefix() {
    let server = TestServer::start().await;
    let user = server.user("metered").await;
    let (_, channel) = user.server("s").await;
    user.say(&channel, "counted").await;
    let (status, metrics) = get(&server, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    for name in [
        "chat_http_requests_total",
        "chat_http_request_duration_seconds",
        "chat_commits_total",
        "chat_commit_jobs_total",
        "chat_commit_group_size",
        "chat_commit_duration_seconds",
        "chat_event_log_events",
        "chat_process_resident_memory_bytes",
        "chat_process_cpu_seconds_total",
        "chat_process_open_fds",
        "chat_gateway_sessions",
        "chat_gateway_resumable_sessions",
        "chat_last_seq",
    ] {
        assert!(metrics.contains(name), "{name} is missing from\n{metrics}");
    }
    for line in metrics
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        assert!(line.starts_with("chat_"), "an unprefixed metric: {line}");
    }
    server.stop().await;
}

#[tokio::test]
async fn metrics_move_to_their_own_address_and_every_answer_has_a_request_id() {
    let metrics_addr = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap()
    };
    let config = ServerConfig {
        metrics_addr: Some(metrics_addr),
        ..test_config()
    };
    let server = TestServer::with(Engine::in_memory().await.unwrap(), config).await;
    // Give the metrics listener its moment to bind.
    let mut answer = None;
    for _ in 0..50 {
        if let Ok(response) = reqwest::get(format!("http://{metrics_addr}/metrics")).await {
            answer = Some(response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let answer = answer.expect("the metrics listener answers");
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(
        answer
            .text()
            .await
            .unwrap()
            .contains("chat_process_open_fds")
    );
    // The public address no longer serves them (the web client's fallback answers instead).
    let (_, public) = get(&server, "/metrics").await;
    assert!(!public.contains("chat_process_open_fds"));

    let response = server
        .http
        .get(format!("http://{}/healthz", server.addr))
        .send()
        .await
        .unwrap();
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 26, "a ULID: {id}");
    let response = server
        .http
        .get(format!("http://{}/healthz", server.addr))
        .header("x-request-id", "from-the-proxy")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "from-the-proxy");
    server.stop().await;
}
