//! `chat serve --store postgres://… --broker nats://…`: server processes that share
//! PostgreSQL and a NATS server (with JetStream) deliver one another's events through it and
//! share presence, typing and voice state; a node starts while NATS is away and joins once it
//! is back; the clients of a node killed under load resume on another. Each test starts its
//! own `nats-server` (the binary `CHAT_TEST_NATS_SERVER` names; `.ci/run` installs it) on a
//! free loopback port, with the PostgreSQL server `CHAT_TEST_POSTGRES` names; without either
//! the tests pass without running, and say why.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::Duration;

use chat_engine::store::PostgresStore;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::cli::{Served, metric, refused, register, serve_args, serve_env, stop};
use crate::harness::{Api, Gateway, free_port};
use crate::postgres::{identified, readiness, resume_after_a_kill};

/// A `nats-server -js` of a test's own, killed when dropped.
struct Nats {
    binary: String,
    port: u16,
    store: tempfile::TempDir,
    process: Option<Child>,
}

impl Nats {
    /// The binary to run and a free port, or `None` (saying why, once) without
    /// `CHAT_TEST_NATS_SERVER`.
    fn prepare() -> Option<Self> {
        static SAID: Once = Once::new();
        let Ok(binary) = std::env::var("CHAT_TEST_NATS_SERVER") else {
            SAID.call_once(|| {
                eprintln!(
                    "skipping the NATS tests: CHAT_TEST_NATS_SERVER names no nats-server binary"
                );
            });
            return None;
        };
        Some(Self {
            binary,
            port: free_port(),
            store: tempfile::tempdir().unwrap(),
            process: None,
        })
    }

    /// Starts a NATS server with JetStream, ready for clients.
    fn start() -> Option<Self> {
        let mut nats = Self::prepare()?;
        nats.run();
        Some(nats)
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Runs the server on its port and store, and waits until it takes connections.
    fn run(&mut self) {
        self.run_with(&[]);
    }

    /// Runs the server with more options (`--tls`, say).
    fn run_with(&mut self, options: &[&str]) {
        let child = Command::new(&self.binary)
            .args(options)
            .args([
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-sd",
            ])
            .arg(self.store.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.process = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("nats-server did not start on port {}", self.port);
    }

    /// Kills the server (SIGKILL).
    fn kill(&mut self) {
        if let Some(mut child) = self.process.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.kill();
    }
}

/// PostgreSQL's URL and a NATS server of the test's own, or `None` when either is missing.
fn services() -> Option<(String, Nats)> {
    let url = PostgresStore::test_url()?;
    Some((url, Nats::start()?))
}

/// The same, with the NATS server not started yet.
fn services_to_start() -> Option<(String, Nats)> {
    let url = PostgresStore::test_url()?;
    Some((url, Nats::prepare()?))
}

/// The next `PRESENCE_UPDATE` of `user` with `status`.
async fn hear_status(gateway: &mut Gateway, user: &str, status: &str) {
    loop {
        let update = gateway.dispatch("PRESENCE_UPDATE").await;
        if update["d"]["user_id"] == user && update["d"]["status"] == status {
            return;
        }
    }
}

/// How many events the node at `base` delivered that other nodes committed, by the way
/// they came (`broker` or `log`), from its `/metrics`.
async fn from_other_nodes(base: &str, via: &str) -> f64 {
    metric(
        base,
        &format!("chat_events_from_other_nodes_total{{via=\"{via}\"}}"),
    )
    .await
}

/// Polls `/readyz` until its `status` is `wanted`, for up to 30 s.
async fn wait_for_readiness(base: &str, wanted: &str) -> (StatusCode, Value) {
    let mut last = readiness(base).await;
    for _ in 0..150 {
        if last.1["status"] == wanted {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        last = readiness(base).await;
    }
    last
}

/// Nodes A and B (`chat serve` with `args`) on the PostgreSQL at `url`, joined through
/// `nats`, once both say they are ready with the broker connected.
async fn joined(dir: &Path, url: &str, nats: &Nats, args: &[&str]) -> [(Served, String); 2] {
    let nats_url = nats.url();
    let env = [("CHAT_STORE", url), ("CHAT_BROKER", nats_url.as_str())];
    let nodes = [
        serve_args(&dir.join("a"), &env, args),
        serve_args(&dir.join("b"), &env, args),
    ];
    for (_, base) in &nodes {
        let (status, body) = wait_for_readiness(base, "ready").await;
        assert_eq!(
            (status, &body["broker"]),
            (StatusCode::OK, &json!("ok")),
            "{body}"
        );
    }
    nodes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_events_presence_typing_and_voice_through_nats() {
    let Some((url, nats)) = services() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let [(node_a, a), (node_b, b)] = joined(dir.path(), &url, &nats, &["--no-rate-limits"]).await;
    let health: Value = reqwest::get(format!("{b}/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["broker"], "ok", "{health}");

    let owner = register(&a, "owner").await;
    let member = register(&b, "member").await;
    let (server, general) = owner.server("across nodes").await;
    member.join(&server).await;
    let server_id = server["id"].as_str().unwrap();
    let (mut member_on_b, _, _) = identified(&b, &member.token).await;

    // The owner comes online on A: the member's client on B hears it, and B lists it.
    let (mut owner_on_a, _, _) = identified(&a, &owner.token).await;
    hear_status(&mut member_on_b, &owner.id, "online").await;
    let presences = member
        .ok("GET", &format!("/servers/{server_id}/presences"), None)
        .await;
    assert!(
        presences
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["user_id"] == owner.id),
        "{presences}"
    );

    // Typing on A, and messages sent through A, reach the member on B through NATS.
    owner
        .ok("POST", &format!("/channels/{general}/typing"), None)
        .await;
    let typing = member_on_b.dispatch("TYPING_START").await;
    assert_eq!(typing["d"]["user_id"], owner.id);
    send_until_through_nats(&owner, &general, &mut member_on_b, &b).await;
    let sent = owner.say(&general, "react to me").await;
    let heard = member_on_b.dispatch("MESSAGE_CREATE").await;
    assert_eq!(heard["d"]["id"], sent["id"]);

    // Voice joined through the gateway on A is announced and listed on B.
    let voice = owner
        .ok(
            "POST",
            &format!("/servers/{server_id}/channels"),
            Some(json!({ "name": "voice", "type": "voice" })),
        )
        .await;
    let join = json!({ "server_id": server_id, "channel_id": voice["id"], "self_mute": true, "self_deaf": false });
    owner_on_a.send(json!({ "op": 4, "d": join })).await;
    let joined = member_on_b.dispatch("VOICE_STATE_UPDATE").await;
    assert_eq!(joined["d"]["channel_id"], voice["id"]);
    assert_eq!(joined["d"]["user_id"], owner.id);

    // Both nodes react to one message at once: every reaction is kept.
    let emojis = ["👍", "🎉", "🚀", "👀", "🔥", "✅"];
    let path = |emoji: &str| {
        format!(
            "/channels/{general}/messages/{}/reactions/{emoji}/@me",
            sent["id"].as_str().unwrap()
        )
    };
    let reactions = emojis
        .iter()
        .flat_map(|emoji| [(owner.clone(), path(emoji)), (member.clone(), path(emoji))]);
    let answers = futures_util::future::join_all(
        reactions.map(|(api, path)| async move { api.call("PUT", &path, None).await.0 }),
    )
    .await;
    assert!(answers.iter().all(StatusCode::is_success), "{answers:?}");
    let message = member
        .ok(
            "GET",
            &format!(
                "/channels/{general}/messages/{}",
                sent["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    let counts: Vec<u64> = message["reactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, vec![2; emojis.len()], "{message}");

    // The owner's client on A closes: the member on B hears them go offline and leave voice.
    owner_on_a.close(1000).await;
    let (mut offline, mut left) = (false, false);
    while !(offline && left) {
        let frame = member_on_b.frame().await;
        let d = &frame["d"];
        match frame["t"].as_str() {
            Some("PRESENCE_UPDATE") if d["user_id"] == owner.id => {
                offline = d["status"] == "offline";
            }
            Some("VOICE_STATE_UPDATE") => left = d["channel_id"].is_null(),
            _ => {}
        }
    }
    stop(node_a);
    stop(node_b);
    drop(nats);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_starts_while_nats_is_away_and_joins_when_it_returns() {
    let Some((url, mut nats)) = services_to_start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let nats_url = nats.url();
    let env = [
        ("CHAT_STORE", url.as_str()),
        ("CHAT_BROKER", nats_url.as_str()),
    ];

    // Nothing listens on NATS's port yet: the node starts, degraded, and takes writes.
    let (node_a, a) = serve_env(&dir.path().join("a"), &env);
    let (status, body) = readiness(&a).await;
    assert_eq!(
        (status, &body["status"]),
        (StatusCode::OK, &json!("degraded")),
        "{body}"
    );
    assert!(
        body["broker"].as_str().unwrap().contains("not connected"),
        "{body}"
    );
    let owner = register(&a, "founder").await;
    let (_, channel) = owner.server("away").await;
    let token = owner.token.clone();
    owner.say(&channel, "while nats is away").await;

    // NATS comes up: the node joins by itself; a second node's client hears A's events
    // through it.
    nats.run();
    let (status, body) = wait_for_readiness(&a, "ready").await;
    assert_eq!(
        (status, &body["broker"]),
        (StatusCode::OK, &json!("ok")),
        "{body}"
    );
    let (node_b, b) = serve_env(&dir.path().join("b"), &env);
    wait_for_readiness(&b, "ready").await;
    let (mut on_b, _, _) = identified(&b, &token).await;
    send_until_through_nats(&owner, &channel, &mut on_b, &b).await;

    // NATS dies: both nodes go on, degraded, and B still hears A's messages (from the log).
    nats.kill();
    let (status, body) = wait_for_readiness(&b, "degraded").await;
    assert_eq!(
        (status, &body["status"]),
        (StatusCode::OK, &json!("degraded")),
        "{body}"
    );
    let before = from_other_nodes(&b, "log").await;
    owner.say(&channel, "while nats is down").await;
    let heard = on_b.dispatch("MESSAGE_CREATE").await;
    assert_eq!(heard["d"]["content"], "while nats is down");
    assert!(from_other_nodes(&b, "log").await > before, "from the log");

    // It returns, its in-memory stream gone: both nodes set it up again and rejoin.
    nats.run();
    for base in [&a, &b] {
        let (status, body) = wait_for_readiness(base, "ready").await;
        assert_eq!(
            (status, &body["broker"]),
            (StatusCode::OK, &json!("ok")),
            "{body}"
        );
    }
    send_until_through_nats(&owner, &channel, &mut on_b, &b).await;
    stop(node_a);
    stop(node_b);
}

/// Sends messages through `api` until the client of the node at `base` hears one that came
/// through NATS: right after a node (re)joins, its consumer may start a moment after a send,
/// and that message comes from the log.
async fn send_until_through_nats(api: &Api, channel: &str, gateway: &mut Gateway, base: &str) {
    for attempt in 0..50 {
        let before = from_other_nodes(base, "broker").await;
        let content = format!("attempt {attempt}");
        api.say(channel, &content).await;
        let heard = gateway.dispatch("MESSAGE_CREATE").await;
        assert_eq!(heard["d"]["content"], content);
        if from_other_nodes(base, "broker").await > before {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no message came through NATS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_of_a_killed_node_resume_through_nats_with_nothing_lost_or_doubled() {
    let Some((url, nats)) = services() else {
        return;
    };
    let nats_url = nats.url();
    resume_after_a_kill(&[
        ("CHAT_STORE", url.as_str()),
        ("CHAT_BROKER", nats_url.as_str()),
    ])
    .await;
    drop(nats);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_message_limit_holds_across_nodes() {
    let Some((url, nats)) = services() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let limited = ["--rate-messages-per-5s", "4"];
    let [(node_a, a), (node_b, b)] = joined(dir.path(), &url, &nats, &limited).await;
    let owner = register(&a, "owner").await;
    let (_, general) = owner.server("limited").await;
    let on_b = owner.on(&b);
    let send = |api: &Api, n: usize| {
        let (api, general) = (api.clone(), general.clone());
        async move {
            let path = format!("/channels/{general}/messages");
            api.post(&path, json!({ "content": format!("message {n}") }))
                .await
                .0
        }
    };
    for n in 0..4 {
        assert_eq!(send(&owner, n).await, StatusCode::CREATED);
    }
    // Once A has told B (every 250 ms), B refuses the fifth message of the five seconds.
    tokio::time::sleep(Duration::from_millis(750)).await;
    assert_eq!(send(&on_b, 4).await, StatusCode::TOO_MANY_REQUESTS);
    stop(node_a);
    stop(node_b);
}

#[test]
fn a_broker_that_is_not_nats_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = refused(dir.path(), &["serve", "--broker", "redis://127.0.0.1:6379"]);
    assert!(
        stderr.contains("expected a nats:// or tls:// URL"),
        "{stderr}"
    );
    let no_certificate = dir.path().join("empty.pem");
    std::fs::write(&no_certificate, "").unwrap();
    let args = ["serve", "--broker", "tls://127.0.0.1:4222", "--broker-ca"];
    let stderr = refused(
        dir.path(),
        &[&args[..], &[no_certificate.to_str().unwrap()]].concat(),
    );
    assert!(
        stderr.contains("NATS authority") && stderr.contains("holds no certificate"),
        "{stderr}"
    );
    // An authority without a broker to trust it for is a mistake, not a setting to ignore.
    let alone = ["serve", "--broker-ca", no_certificate.to_str().unwrap()];
    let stderr = refused(dir.path(), &alone);
    assert!(stderr.contains("--broker <BROKER>"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_joins_nats_over_tls_trusting_the_authority_it_is_given() {
    let Some((url, mut nats)) = services_to_start() else {
        return;
    };
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let (certificate, key) = (
        nats.store.path().join("cert.pem"),
        nats.store.path().join("key.pem"),
    );
    std::fs::write(&certificate, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    let (certificate, key) = (certificate.to_str().unwrap(), key.to_str().unwrap());
    // The server takes TLS clients only.
    nats.run_with(&["--tls", "--tlscert", certificate, "--tlskey", key]);
    let tls_url = format!("tls://127.0.0.1:{}", nats.port);
    let dir = tempfile::tempdir().unwrap();

    let trusting = [
        ("CHAT_STORE", url.as_str()),
        ("CHAT_BROKER", tls_url.as_str()),
        ("CHAT_BROKER_CA", certificate),
    ];
    let (joined, base) = serve_args(&dir.path().join("a"), &trusting, &[]);
    let (status, body) = wait_for_readiness(&base, "ready").await;
    assert_eq!(
        (status, &body["broker"]),
        (StatusCode::OK, &json!("ok")),
        "{body}"
    );

    // Without the authority the certificate is not trusted: the node runs, degraded, and
    // says why.
    let (unjoined, other) = serve_env(&dir.path().join("b"), &trusting[..2]);
    let mut said = false;
    for _ in 0..50 {
        let (status, body) = readiness(&other).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "degraded", "{body}");
        let broker = body["broker"].as_str().unwrap_or_default();
        said = broker.contains("invalid peer certificate: UnknownIssuer");
        if said {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(said, "readiness names the certificate it does not trust");
    stop(joined);
    stop(unjoined);
}
