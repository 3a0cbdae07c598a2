//! Push notifications through the webhook, to a real HTTP receiver on a loopback port: the
//! body is signed, failed deliveries are retried, and nothing is lost across a restart.
//! Notification preferences over REST, with their bad input.

use std::fmt::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use chat_engine::Engine;
use chat_engine::notifications::push::PushOptions;
use chat_server::ServerConfig;
use chat_server::push::PushWebhook;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::harness::{TestServer, test_config};

const SECRET: &str = "the webhook's secret";

/// A signature and the body it signs.
type Delivery = (String, Vec<u8>);

/// A webhook receiver that answers 503 while `failures` lasts, else records what it got.
#[derive(Clone, Default)]
struct Receiver {
    failures: Arc<AtomicU32>,
    attempts: Arc<AtomicU32>,
    received: Arc<Mutex<Vec<Delivery>>>,
}

impl Receiver {
    async fn start(&self) -> String {
        let this = self.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let this = this.clone();
                async move {
                    this.attempts.fetch_add(1, Ordering::SeqCst);
                    let failing = this
                        .failures
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    if failing {
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    let signature = headers
                        .get("x-chat-signature")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    this.received
                        .lock()
                        .unwrap()
                        .push((signature, body.to_vec()));
                    StatusCode::NO_CONTENT
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}/hook")
    }

    fn received(&self) -> Vec<Value> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .map(|(signature, body)| {
                let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
                mac.update(body);
                let expected =
                    mac.finalize()
                        .into_bytes()
                        .iter()
                        .fold(String::new(), |mut hex, b| {
                            let _ = write!(hex, "{b:02x}");
                            hex
                        });
                assert_eq!(signature, &format!("sha256={expected}"), "a signed body");
                serde_json::from_slice(body).unwrap()
            })
            .collect()
    }
}

async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..250 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

fn config(url: &str) -> ServerConfig {
    ServerConfig {
        push_webhook: Some(PushWebhook {
            url: url.to_owned(),
            secret: SECRET.to_owned(),
        }),
        push_options: PushOptions {
            min_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(100),
            ..PushOptions::default()
        },
        ..test_config()
    }
}

#[tokio::test]
async fn an_offline_user_is_pushed_a_signed_notification_retried_and_kept_across_a_restart() {
    let receiver = Receiver::default();
    let url = receiver.start().await;
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::with(Engine::open(dir.path()).await.unwrap(), config(&url)).await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (guild, general) = alice.server("s").await;
    bob.join(&guild).await;

    receiver.failures.store(2, Ordering::SeqCst);
    let first = alice.say(&general, "@bob ping").await;
    eventually("the first push", || {
        !receiver.received.lock().unwrap().is_empty()
    })
    .await;
    assert_eq!(
        receiver.attempts.load(Ordering::SeqCst),
        3,
        "two 503s, then delivered"
    );
    let pushed = receiver.received();
    assert_eq!(pushed[0]["user_id"], bob.id.as_str());
    assert_eq!(pushed[0]["notification"]["message_id"], first["id"]);
    assert_eq!(pushed[0]["notification"]["kind"], "mention");
    assert_eq!(pushed[0]["content"], "@bob ping");
    assert_eq!(pushed[0]["author_name"], "alice");

    // The receiver is down when the server stops: the notification waits in the store.
    receiver.failures.store(u32::MAX, Ordering::SeqCst);
    let before = receiver.attempts.load(Ordering::SeqCst);
    let second = alice.say(&general, "@bob again").await;
    eventually("a failed attempt", || {
        receiver.attempts.load(Ordering::SeqCst) > before
    })
    .await;
    server.stop().await;

    receiver.failures.store(0, Ordering::SeqCst);
    let server = TestServer::with(Engine::open(dir.path()).await.unwrap(), config(&url)).await;
    eventually("the push after the restart", || {
        receiver.received.lock().unwrap().len() == 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let pushed = receiver.received();
    assert_eq!(pushed.len(), 2, "each push once: {pushed:?}");
    assert_eq!(pushed[1]["notification"]["message_id"], second["id"]);

    // A user online in the gateway gets NOTIFICATION_CREATE there and no push.
    let alice = server.login("alice").await;
    let (mut gateway, _) = server.identified(&bob).await;
    let third = alice.say(&general, "@bob online now").await;
    let notification = gateway.dispatch("NOTIFICATION_CREATE").await;
    assert_eq!(notification["d"]["message_id"], third["id"]);
    assert_eq!(notification["d"]["kind"], "mention");
    assert_eq!(notification["d"]["author_id"], alice.id.as_str());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.received().len(), 2);
    server.stop().await;
}

#[tokio::test]
async fn preferences_are_read_and_set_and_bad_ones_refused() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let outsider = server.user("outsider").await;
    let (guild, general) = alice.server("s").await;
    let sid = guild["id"].as_str().unwrap();
    let muted = json!({ "level": "nothing", "muted_until": "2030-01-01T00:00:00Z" });
    let (status, set) = alice
        .call(
            "PUT",
            &format!("/users/@me/notification-settings/channels/{general}"),
            Some(muted.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{set}");
    let mentions = json!({ "level": "mentions", "muted_until": null });
    alice
        .ok(
            "PUT",
            &format!("/users/@me/notification-settings/servers/{sid}"),
            Some(mentions.clone()),
        )
        .await;
    let all = alice.get("/users/@me/notification-settings").await.1;
    assert_eq!(all["servers"][sid], mentions);
    assert_eq!(all["channels"][&general]["level"], "nothing");

    for bad in [
        json!({ "level": "loud" }),
        json!({ "level": "all", "muted_until": "tomorrow" }),
        json!({ "level": "all", "extra": 1 }),
        json!({}),
    ] {
        let (status, error) = alice
            .call(
                "PUT",
                &format!("/users/@me/notification-settings/servers/{sid}"),
                Some(bad.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {error}");
        assert_eq!(error["code"], "invalid_body");
    }
    let (status, _) = outsider
        .call(
            "PUT",
            &format!("/users/@me/notification-settings/servers/{sid}"),
            Some(mentions),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not the outsider's server");
    assert_eq!(
        alice.get("/users/@me/notification-settings").await.1,
        all,
        "nothing changed"
    );
    server.stop().await;
}
