//! Attachments on storage that several nodes share (`--blobs`): a file sent through one node
//! downloads through another, from a shared directory or from an S3-compatible bucket, and
//! deleting its message deletes it from the bucket. The S3 test runs against the moto server
//! that `CHAT_TEST_S3_SERVER` names (`.ci/run` installs it from PyPI), on a free loopback port;
//! both need the PostgreSQL server of `CHAT_TEST_POSTGRES`. Without them the tests pass
//! without running, and say why.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chat_engine::store::PostgresStore;
use reqwest::StatusCode;
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::cli::{Served, refused, register, serve_env, stop};
use crate::harness::{Api, free_port};
use crate::postgres::readiness;
use crate::uploads::{PNG, send};

/// A moto S3 server of the test's own, killed when dropped.
struct S3Server {
    process: Child,
    endpoint: String,
}

impl S3Server {
    fn start() -> Option<Self> {
        static SAID: std::sync::Once = std::sync::Once::new();
        let Ok(binary) = std::env::var("CHAT_TEST_S3_SERVER") else {
            SAID.call_once(|| {
                eprintln!("skipping the S3 tests: CHAT_TEST_S3_SERVER names no moto_server");
            });
            return None;
        };
        let port = free_port();
        let process = Command::new(binary)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Killed and waited for when dropped, also by the panic below.
        let server = Self {
            process,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(server);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("moto_server did not start on port {port}");
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Sends a picture through node A and downloads it through node B, both started with `env`:
/// answers the message, B (still running) and the owner's client on it.
async fn through_two_nodes(dir: &std::path::Path, env: &[(&str, &str)]) -> (Value, Served, Api) {
    let (node_a, a) = serve_env(&dir.join("a"), env);
    let (node_b, b) = serve_env(&dir.join("b"), env);
    let owner = register(&a, "founder").await;
    let (_, channel) = owner.server("pictures").await;
    let (status, sent) = send(
        &owner,
        &channel,
        json!({ "content": "a picture" }),
        &[("dot.png", "image/png", PNG)],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    stop(node_a);
    let on_b = owner.on(&b);
    let url = sent["attachments"][0]["url"].as_str().unwrap();
    let got = on_b
        .http
        .get(format!("{b}{url}"))
        .bearer_auth(&on_b.token)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap().as_ref(), PNG, "the same bytes");
    (sent, node_b, on_b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_sent_through_one_node_downloads_through_another_from_a_shared_directory() {
    let Some(url) = PostgresStore::test_url() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("shared-blobs");
    let env = [
        ("CHAT_STORE", url.as_str()),
        ("CHAT_BLOBS", shared.to_str().unwrap()),
    ];
    let (_, node_b, _) = through_two_nodes(dir.path(), &env).await;
    let key = hex(&Sha256::digest(PNG));
    assert!(
        shared.join(&key[..2]).join(&key).exists(),
        "kept in the shared directory"
    );
    stop(node_b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_sent_through_one_node_downloads_through_another_from_s3() {
    let Some(url) = PostgresStore::test_url() else {
        return;
    };
    let Some(s3) = S3Server::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("CHAT_STORE", url.as_str()),
        ("CHAT_BLOBS", "s3://chat-attachments"),
        ("CHAT_S3_ENDPOINT", s3.endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "test-key"),
        ("AWS_SECRET_ACCESS_KEY", "test-secret"),
    ];
    let (sent, node_b, on_b) = through_two_nodes(dir.path(), &env).await;

    // The bucket holds the bytes under their SHA-256, until the message goes.
    let bucket = Bucket::new(
        s3.endpoint.parse().unwrap(),
        UrlStyle::Path,
        "chat-attachments",
        "us-east-1",
    )
    .unwrap();
    let credentials = Credentials::new("test-key", "test-secret");
    let key = hex(&Sha256::digest(PNG));
    let object = bucket
        .get_object(Some(&credentials), &key)
        .sign(Duration::from_secs(600));
    let stored = reqwest::get(object.clone()).await.unwrap();
    assert_eq!(stored.status(), StatusCode::OK);
    assert_eq!(stored.bytes().await.unwrap().as_ref(), PNG);
    let message = format!(
        "/channels/{}/messages/{}",
        sent["channel_id"].as_str().unwrap(),
        sent["id"].as_str().unwrap()
    );
    on_b.ok("DELETE", &message, None).await;
    let mut status = StatusCode::OK;
    for _ in 0..50 {
        status = reqwest::get(object.clone()).await.unwrap().status();
        if status == StatusCode::NOT_FOUND {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "deleted with its last message"
    );

    // /readyz reports the bucket: degraded, not unready, while S3 is away.
    let b = on_b.base.trim_end_matches("/api/v1");
    let (status, body) = readiness(b).await;
    assert_eq!(
        (status, &body["blobs"]),
        (StatusCode::OK, &json!("ok")),
        "{body}"
    );
    drop(s3);
    let (status, body) = readiness(b).await;
    assert_eq!(
        (status, &body["status"]),
        (StatusCode::OK, &json!("degraded")),
        "{body}"
    );
    assert!(body["blobs"].as_str().unwrap().contains("S3"), "{body}");
    stop(node_b);
}

#[test]
fn an_unreachable_s3_endpoint_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--blobs",
        "s3://chat-attachments",
        "--s3-endpoint",
        "http://127.0.0.1:1",
        "init",
    ];
    let stderr = refused(dir.path(), &args);
    assert!(
        stderr.contains("cannot reach S3 at http://127.0.0.1:1"),
        "{stderr}"
    );
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}
