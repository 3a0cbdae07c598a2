//! `chat serve --store postgres://…`: the records live in PostgreSQL, so a node started on
//! another data directory finds them all, searchable, and several nodes serve one community
//! at once: a client of one hears what is sent through another, and the clients of a node
//! killed under load resume on another with nothing lost or doubled. Runs against the server that
//! `CHAT_TEST_POSTGRES` names (`.ci/run` starts one), and passes without running without it.

use std::time::Duration;

use chat_engine::store::PostgresStore;
use serde_json::json;

use crate::cli::{get_json, login, owner_and_channel, refused, say, serve_env, stop};
use crate::harness::{Gateway, Incoming};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_on_another_data_directory_finds_everything_in_postgres() {
    let Some(url) = PostgresStore::test_url() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = [("CHAT_STORE", url.as_str())];
    let (first, base) = serve_env(&dir.path().join("first"), &store);
    let (token, _, channel, server) = owner_and_channel(&base, "founder").await;
    assert!(
        say(&base, &token, &channel, "kept in postgres")
            .await
            .is_success()
    );
    stop(first);

    let (second, base) = serve_env(&dir.path().join("second"), &store);
    let (_, token) = login(&base, "founder").await;
    let token = token.as_str();
    let messages: Vec<serde_json::Value> =
        get_json(&base, token, &format!("/channels/{channel}/messages")).await;
    assert!(
        messages.iter().any(|m| m["content"] == "kept in postgres"),
        "{messages:?}"
    );
    // The new node's search index is built from the store.
    let mut found = serde_json::Value::Null;
    for _ in 0..100 {
        found = get_json(
            &base,
            token,
            &format!("/servers/{server}/messages/search?q=postgres"),
        )
        .await;
        if found["total"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(found["total"], 1, "{found}");
    stop(second);
}

#[test]
fn restore_refuses_a_postgres_store() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let backup = dir.path().join("backup.chat");
    let store = "postgres://nobody@127.0.0.1:1/none";
    let args = ["--store", store, "restore", backup.to_str().unwrap()];
    let stderr = refused(&data, &args);
    assert!(
        stderr.contains("redb store of a data directory only"),
        "{stderr}"
    );
    assert!(!data.exists(), "nothing is written");
}

#[test]
fn a_store_that_is_neither_redb_nor_postgres_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = refused(dir.path(), &["--store", "mysql://localhost/chat", "status"]);
    assert!(
        stderr.contains("expected `redb` or a postgres:// URL"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_speaks_tls_to_postgres_when_its_url_asks() {
    let (Some(url), Ok(authority)) = (
        PostgresStore::test_url(),
        std::env::var("CHAT_TEST_POSTGRES_CA"),
    ) else {
        return; // .ci/start-postgres turns TLS on and says where its authority is
    };
    let dir = tempfile::tempdir().unwrap();
    let missing = format!("{url}&sslmode=verify-full&sslrootcert=/no/such.pem");
    let stderr = refused(dir.path(), &["--store", &missing, "init"]);
    assert!(stderr.contains("sslrootcert /no/such.pem"), "{stderr}");

    let trusted = format!("{url}&sslmode=verify-full&sslrootcert={authority}");
    let (node, base) = serve_env(&dir.path().join("node"), &[("CHAT_STORE", &trusted)]);
    let (token, _, channel, _) = owner_and_channel(&base, "encrypted").await;
    assert!(say(&base, &token, &channel, "over tls").await.is_success());
    stop(node);
}

/// A gateway connection to `base` identified with `token`: the connection, its session id and
/// the sequence number of READY.
pub(crate) async fn identified(base: &str, token: &str) -> (Gateway, String, u64) {
    let mut gateway = Gateway::connect(&format!("{}/ws", base.replacen("http", "ws", 1))).await;
    gateway
        .send(json!({ "op": 2, "d": { "token": token } }))
        .await;
    let ready = gateway.dispatch("READY").await;
    let session = ready["d"]["session_id"].as_str().unwrap().to_owned();
    (gateway, session, ready["s"].as_u64().unwrap_or(0))
}

/// Posts a message with a nonce; answers whether the node acknowledged it.
async fn post(base: &str, token: &str, channel: &str, content: &str) -> bool {
    let sent = reqwest::Client::new()
        .post(format!("{base}/api/v1/channels/{channel}/messages"))
        .bearer_auth(token)
        .timeout(Duration::from_secs(5))
        .json(&json!({ "content": content, "nonce": content }))
        .send()
        .await;
    sent.is_ok_and(|answer| answer.status().is_success())
}

/// Adds the content of each message dispatch to `heard` until it holds `MESSAGES`, or the
/// connection closes; answers the last sequence number seen (`seq` if none).
async fn hear_messages(gateway: &mut Gateway, heard: &mut Vec<String>, mut seq: u64) -> u64 {
    loop {
        let Incoming::Frame(frame) = gateway.next().await else {
            return seq;
        };
        seq = frame["s"].as_u64().unwrap_or(seq);
        if frame["t"] == "MESSAGE_CREATE" {
            heard.push(frame["d"]["content"].as_str().unwrap().to_owned());
            if heard.len() == MESSAGES {
                return seq;
            }
        }
    }
}

const MESSAGES: usize = 60;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_of_a_killed_node_resume_on_another_with_nothing_lost_or_doubled() {
    let Some(url) = PostgresStore::test_url() else {
        return;
    };
    resume_after_a_kill(&[("CHAT_STORE", url.as_str())]).await;
}

/// Two nodes started with `env` (a shared store, and a broker or none): a message sent
/// through A reaches a client of B; A is killed under load, and its client resumes on B with
/// nothing lost or doubled, every acknowledged message stored once.
pub(crate) async fn resume_after_a_kill(env: &[(&str, &str)]) {
    let dir = tempfile::tempdir().unwrap();
    let (node_a, a) = serve_env(&dir.path().join("a"), env);
    let (node_b, b) = serve_env(&dir.path().join("b"), env);
    let (token, _, channel, _) = owner_and_channel(&a, "founder").await;

    // A message sent through A reaches a client of B.
    let (mut on_b, _, _) = identified(&b, &token).await;
    assert!(post(&a, &token, &channel, "through a").await);
    let arrived = on_b.dispatch("MESSAGE_CREATE").await;
    assert_eq!(arrived["d"]["content"], "through a");

    // A client of A hears a sender posting through A; A is killed (SIGKILL) midway. The
    // sender retries what A did not acknowledge on B with the same nonce, and the client
    // resumes on B from the last sequence number it saw.
    let (mut on_a, session, ready_seq) = identified(&a, &token).await;
    let sender = {
        let (a, b, token, channel) = (a.clone(), b.clone(), token.clone(), channel.clone());
        tokio::spawn(async move {
            let mut node_a = Some(node_a);
            for i in 0..MESSAGES {
                let content = format!("message {i}");
                if i == MESSAGES / 2 {
                    drop(node_a.take()); // SIGKILL
                }
                let through_a = node_a.is_some() && post(&a, &token, &channel, &content).await;
                while !through_a && !post(&b, &token, &channel, &content).await {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        })
    };
    let mut heard = Vec::new();
    let seen = hear_messages(&mut on_a, &mut heard, ready_seq).await;
    assert!(
        heard.len() < MESSAGES,
        "A was killed before it delivered everything"
    );
    let mut resumed = Gateway::connect(&format!("{}/ws", b.replacen("http", "ws", 1))).await;
    resumed
        .send(json!({ "op": 6, "d": { "token": token, "session_id": session, "seq": seen } }))
        .await;
    hear_messages(&mut resumed, &mut heard, seen).await;
    sender.await.unwrap();

    let expected: Vec<String> = (0..MESSAGES).map(|i| format!("message {i}")).collect();
    assert_eq!(heard, expected, "every message once, in order");
    // Every acknowledged message is stored exactly once.
    let stored: Vec<serde_json::Value> = get_json(
        &b,
        &token,
        &format!("/channels/{channel}/messages?limit=100"),
    )
    .await;
    for content in &expected {
        let copies = stored.iter().filter(|m| m["content"] == *content).count();
        assert_eq!(copies, 1, "{content}");
    }
    stop(node_b);
}

/// A TCP proxy to PostgreSQL that a test can cut (closing its listener and every connection
/// through it) and restore on the same port: an outage of the database.
struct Proxy {
    addr: std::net::SocketAddr,
    target: String,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Proxy {
    async fn to(target: &str) -> Self {
        let mut proxy = Self {
            addr: "127.0.0.1:0".parse().unwrap(),
            target: target.to_owned(),
            task: None,
        };
        proxy.restore().await;
        proxy
    }

    async fn restore(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.addr = listener.local_addr().unwrap();
        let target = self.target.clone();
        self.task = Some(tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                connections.spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        }));
    }

    /// Closes the listener and every connection (dropping the join set aborts them).
    async fn cut(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

/// `url` with its `host:port` replaced by `addr`.
fn through(url: &str, addr: std::net::SocketAddr) -> (String, String) {
    let start = url.find('@').unwrap() + 1;
    let end = start + url[start..].find('/').unwrap();
    let target = url[start..end].to_owned();
    (format!("{}{addr}{}", &url[..start], &url[end..]), target)
}

pub(crate) async fn readiness(base: &str) -> (reqwest::StatusCode, serde_json::Value) {
    let answer = reqwest::get(format!("{base}/readyz")).await.unwrap();
    (answer.status(), answer.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_reports_a_database_outage_and_recovers_when_it_returns() {
    let Some(url) = PostgresStore::test_url() else {
        return;
    };
    let (_, target) = through(&url, "127.0.0.1:1".parse().unwrap());
    let mut proxy = Proxy::to(&target).await;
    let (via_proxy, _) = through(&url, proxy.addr);
    let dir = tempfile::tempdir().unwrap();
    let (node, base) = serve_env(dir.path(), &[("CHAT_STORE", via_proxy.as_str())]);
    let (token, _, channel, _) = owner_and_channel(&base, "founder").await;
    assert_eq!(readiness(&base).await.0, reqwest::StatusCode::OK);

    proxy.cut().await;
    let (status, body) = readiness(&base).await;
    assert_eq!(status, reqwest::StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body["writer"].as_str().unwrap().contains("a write failed"),
        "{body}"
    );
    assert!(!say(&base, &token, &channel, "lost?").await.is_success());
    let alive = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert!(alive.status().is_success(), "the process stays up");

    proxy.restore().await;
    let mut status = reqwest::StatusCode::SERVICE_UNAVAILABLE;
    for _ in 0..50 {
        status = readiness(&base).await.0;
        if status.is_success() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(status, reqwest::StatusCode::OK, "ready again");
    assert!(say(&base, &token, &channel, "back").await.is_success());
    let messages: Vec<serde_json::Value> =
        get_json(&base, &token, &format!("/channels/{channel}/messages")).await;
    assert!(messages.iter().any(|m| m["content"] == "back"));
    assert!(
        messages.iter().all(|m| m["content"] != "lost?"),
        "a refused send is not stored"
    );
    stop(node);
}
