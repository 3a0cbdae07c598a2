//! The `chat` binary: every command runs, has `--help`, and `serve` stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use chat_engine::Engine;
use chat_engine::model::CreateServer;

use crate::harness::Api;

/// Runs `chat args` on `dir` to its end.
fn run(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    run_logging(dir, args, "warn")
}

/// Runs `chat args` on `dir` to its end, logging at `level`.
fn run_logging(dir: &std::path::Path, args: &[&str], level: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_chat"))
        .args(args)
        .env("CHAT_DATA_DIR", dir)
        .env("RUST_LOG", level)
        .output()
        .unwrap()
}

#[test]
fn logs_off_a_terminal_are_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let output = run_logging(dir.path(), &["init"], "info");
    assert!(output.status.success());
    let log = String::from_utf8(output.stderr).unwrap();
    assert!(log.contains(" INFO "), "{log}");
    assert!(
        !log.contains('\u{1b}'),
        "no colour codes in a pipe: {log:?}"
    );
}

/// Runs `chat args` on `dir`, which must succeed; answers what it printed on stdout.
pub(crate) fn chat(dir: &std::path::Path, args: &[&str]) -> String {
    let output = run(dir, args);
    assert!(
        output.status.success(),
        "chat {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Runs `chat args` on `dir`, which must fail; answers what it printed on stderr.
pub(crate) fn refused(dir: &std::path::Path, args: &[&str]) -> String {
    let output = run(dir, args);
    assert!(!output.status.success(), "chat {args:?} succeeded");
    String::from_utf8(output.stderr).unwrap()
}

/// A `chat serve` child, killed when dropped (so that a failing test leaves no server
/// holding the test's output open).
pub(crate) struct Served(std::process::Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `chat serve` on a free port over `data`; answers the child and its base URL.
pub(crate) fn serve(data: &std::path::Path) -> (Served, String) {
    serve_env(data, &[])
}

/// Starts `chat serve` on a free port over `data`, with these environment variables.
pub(crate) fn serve_env(data: &std::path::Path, env: &[(&str, &str)]) -> (Served, String) {
    serve_args(data, env, &["--no-rate-limits"])
}

/// `chat serve` with `env` and these arguments of `serve`'s.
pub(crate) fn serve_args(
    data: &std::path::Path,
    env: &[(&str, &str)],
    args: &[&str],
) -> (Served, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chat"));
    command.arg("serve").args(args);
    command.envs(env.iter().copied());
    match crate::harness::test_log("serve") {
        Some(log) => command
            .env("RUST_LOG", "debug")
            .env("CHAT_LOG_FORMAT", "json")
            .stderr(log),
        None => command.env("RUST_LOG", "warn"),
    };
    serve_with(command, data)
}

/// Starts `command` (a `chat serve`) on a free port over `data`, without link previews.
fn serve_with(mut command: Command, data: &std::path::Path) -> (Served, String) {
    let mut child = command
        .args(["--addr", "127.0.0.1:0", "--no-link-previews"])
        .env("CHAT_DATA_DIR", data)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");
    (Served(child), base)
}

/// Stops a `chat serve` with SIGTERM; it exits cleanly.
pub(crate) fn stop(mut served: Served) {
    let status = Command::new("kill")
        .args(["-TERM", &served.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = served.0.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn every_command_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["--help"][..],
        &["init", "--help"],
        &["serve", "--help"],
        &["seed", "--help"],
        &["admin", "create", "--help"],
        &["admin", "grant", "--help"],
        &["admin", "revoke", "--help"],
        &["admin", "users", "--help"],
        &["admin", "disable", "--help"],
        &["admin", "enable", "--help"],
        &["admin", "servers", "--help"],
        &["admin", "delete-server", "--help"],
        &["admin", "disable-server", "--help"],
        &["admin", "enable-server", "--help"],
        &["status", "--help"],
        &["invite", "create", "--help"],
        &["reindex", "--help"],
        &["backup", "--help"],
        &["restore", "--help"],
        &["export", "--help"],
        &["import", "--help"],
    ] {
        let help = chat(dir.path(), args);
        assert!(help.contains("Usage"), "{args:?}: {help}");
    }
    assert!(chat(dir.path(), &["serve", "--help"]).contains("CHAT_ADDR"));
}

#[tokio::test]
async fn init_admin_seed_and_invite_work_on_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(chat(&data, &["init"]).contains("initialized"));
    assert!(data.join("chat.redb").exists());
    assert!(
        chat(
            &data,
            &[
                "admin",
                "create",
                "--username",
                "root",
                "--password",
                "long password"
            ]
        )
        .contains("created the instance administrator root")
    );
    let seeded = chat(
        &data,
        &["seed", "--users", "4", "--servers", "2", "--messages", "30"],
    );
    assert!(
        seeded.contains("seeded 4 users, 2 servers, 30 messages"),
        "{seeded}"
    );

    let engine = Engine::open(&data).await.unwrap();
    let login = engine
        .login(
            chat_engine::model::LoginRequest {
                username: "root".into(),
                password: "long password".into(),
            },
            "test",
        )
        .await
        .unwrap()
        .tokens()
        .unwrap();
    let me = engine.fetch_user(login.user.id, login.user.id).unwrap();
    assert!(
        me.instance_admin,
        "admin create makes an instance administrator"
    );
    let server = engine
        .create_server(
            login.user.id,
            CreateServer {
                name: "ops".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    drop(engine);
    let code = chat(
        &data,
        &[
            "invite",
            "create",
            "--server-id",
            &server.id.to_string(),
            "--max-uses",
            "3",
        ],
    );
    let engine = Engine::open(&data).await.unwrap();
    let invite = engine.fetch_invite(code.trim()).unwrap();
    assert_eq!((invite.server_id, invite.max_uses), (server.id, 3));
    engine
        .send_message(
            login.user.id,
            server.system_channel_id.unwrap(),
            chat_engine::model::CreateMessage {
                content: "findable after a reindex".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    drop(engine);

    // `reindex` rebuilds the index from the store: a message is found afterwards.
    std::fs::remove_dir_all(data.join("search")).unwrap();
    std::fs::create_dir_all(data.join("search")).unwrap();
    std::fs::write(data.join("search").join("meta.json"), "not an index").unwrap();
    chat(&data, &["reindex"]);
    let engine = Engine::open(&data).await.unwrap();
    let query = chat_engine::model::SearchQuery {
        q: "reinde".into(),
        ..Default::default()
    };
    let found = engine
        .search_messages(login.user.id, server.id, query)
        .await
        .unwrap();
    assert_eq!(found.total, 1);
}

#[tokio::test]
async fn serve_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (child, base) = serve(&dir.path().join("fresh"));
    let health: serde_json::Value = reqwest::get(format!("{base}/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    // An acknowledged write, seen on the gateway, then SIGTERM.
    let (token, owner, channel, _) = owner_and_channel(&base, "survivor").await;
    let (mut gateway, _, _) = crate::postgres::identified(&base, &token).await;
    assert_eq!(
        say(&base, &token, &channel, "acknowledged").await,
        reqwest::StatusCode::CREATED
    );
    gateway.dispatch("MESSAGE_CREATE").await;
    gateway.close(1000).await;
    // A connection counts the events it sent when it ends (this process's own recorder).
    let mut sent = 0.0;
    for _ in 0..50 {
        sent = metric(&base, "chat_gateway_events_sent_total").await;
        if sent > 0.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(sent >= 1.0, "the gateway's sent events are counted");
    stop(child);

    let engine = Engine::open(dir.path().join("fresh")).await.unwrap();
    let owner = owner.parse().unwrap();
    let history = engine
        .list_messages(
            owner,
            channel.parse().unwrap(),
            chat_engine::model::HistoryQuery::default(),
        )
        .unwrap();
    assert_eq!(
        history[0].content, "acknowledged",
        "no acknowledged write is lost"
    );
}

/// The value of one series (`name{labels}`) in the server's `/metrics`; 0 before its first.
pub(crate) async fn metric(base: &str, series: &str) -> f64 {
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.trim().parse().unwrap())
}

/// The server's resident memory, from its `/healthz`.
async fn resident(base: &str) -> u64 {
    let health: serde_json::Value = reqwest::get(format!("{base}/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    health["rss_bytes"].as_u64().unwrap()
}

#[tokio::test]
async fn a_25_mib_file_goes_up_and_down_streamed() {
    const SIZE: usize = 25 * 1024 * 1024;
    let dir = tempfile::tempdir().unwrap();
    // mimalloc hands freed pages back to the system at once, so that resident memory says
    // what the server holds, not what the allocator kept for later.
    let mut command = Command::new(env!("CARGO_BIN_EXE_chat"));
    command
        .args(["serve", "--no-rate-limits"])
        .env("RUST_LOG", "warn")
        .env("MIMALLOC_PURGE_DELAY", "0");
    let (child, base) = serve_with(command, &dir.path().join("data"));
    let http = reqwest::Client::new();
    let (token, _, channel, _) = owner_and_channel(&base, "uploader").await;
    // The search index allocates its writer's memory with the first message it indexes: a
    // message first, indexed (`/readyz` waits for the index), so that what is measured is
    // the file's transfer alone.
    assert_eq!(
        say(&base, &token, &channel, "warming up").await,
        reqwest::StatusCode::CREATED
    );
    let ready = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(ready.status(), reqwest::StatusCode::OK);
    let before = resident(&base).await;

    // The file is made as it is sent, 64 KiB at a time.
    let chunks = futures_util::stream::iter(
        (0..SIZE / 65_536).map(|i| Ok::<_, std::io::Error>(vec![(i % 251) as u8; 65_536])),
    );
    let part = reqwest::multipart::Part::stream_with_length(
        reqwest::Body::wrap_stream(chunks),
        SIZE as u64,
    )
    .file_name("big.bin");
    let form = reqwest::multipart::Form::new()
        .text("payload_json", r#"{"content":"big"}"#)
        .part("files[0]", part);
    let sent: serde_json::Value = http
        .post(format!("{base}/api/v1/channels/{channel}/messages"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sent["attachments"][0]["size"], SIZE, "{sent}");
    let mut download = http
        .get(format!(
            "{base}{}",
            sent["attachments"][0]["url"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let mut received = 0;
    while let Some(chunk) = download.chunk().await.unwrap() {
        received += chunk.len();
    }
    assert_eq!(received, SIZE);
    let ready = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(ready.status(), reqwest::StatusCode::OK);
    // The allocator hands freed pages back to the system a little later, later still when
    // the machine is busy: look again for a while before saying the file stayed in memory.
    let mut grown = u64::MAX;
    for _ in 0..20 {
        grown = resident(&base).await.saturating_sub(before);
        if grown < 16 * 1024 * 1024 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        grown < 16 * 1024 * 1024,
        "the server grew by {grown} bytes for a {SIZE}-byte file"
    );
    drop(child);
}

/// Posts a message with `content` to `channel` as the token's user; answers the status.
pub(crate) async fn say(
    base: &str,
    token: &str,
    channel: &str,
    content: &str,
) -> reqwest::StatusCode {
    reqwest::Client::new()
        .post(format!("{base}/api/v1/channels/{channel}/messages"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "content": content }))
        .send()
        .await
        .unwrap()
        .status()
}

/// The JSON answer of `GET /api/v1{path}` as the token's user.
pub(crate) async fn get_json<T: serde::de::DeserializeOwned>(
    base: &str,
    token: &str,
    path: &str,
) -> T {
    reqwest::Client::new()
        .get(format!("{base}/api/v1{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Logs in as `name`: the answer's status, and its access token when it has one.
pub(crate) async fn login(base: &str, name: &str) -> (reqwest::StatusCode, String) {
    let answer = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({ "username": name, "password": "long password" }))
        .send()
        .await
        .unwrap();
    let status = answer.status();
    let body: serde_json::Value = answer.json().await.unwrap();
    (
        status,
        body["token"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Registers `name` on the server (a node) at `base`: their REST client there.
pub(crate) async fn register(base: &str, name: &str) -> Api {
    let http = reqwest::Client::new();
    let auth: serde_json::Value = http
        .post(format!("{base}/api/v1/auth/register"))
        .json(&serde_json::json!({ "username": name, "password": "long password" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Api {
        base: format!("{base}/api/v1"),
        http,
        token: auth["token"].as_str().unwrap().to_owned(),
        refresh: auth["refresh_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        id: auth["user"]["id"].as_str().unwrap().to_owned(),
    }
}

/// Registers `name` and makes a server: the token, the user's id, `#general` and the server.
pub(crate) async fn owner_and_channel(base: &str, name: &str) -> (String, String, String, String) {
    let owner = register(base, name).await;
    let (server, channel) = owner.server("backed up").await;
    let server = server["id"].as_str().unwrap().to_owned();
    (owner.token, owner.id, channel, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_of_a_running_server_restores_into_a_new_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("live");
    let (child, base) = serve(&data);
    let (token, owner, channel, server) = owner_and_channel(&base, "operator").await;
    // A sender keeps posting through the backup.
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sender = {
        let (base, token, channel, acknowledged) = (
            base.clone(),
            token.clone(),
            channel.clone(),
            acknowledged.clone(),
        );
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            for i in 0.. {
                let sent = http
                    .post(format!("{base}/api/v1/channels/{channel}/messages"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({ "content": format!("message {i}") }))
                    .send()
                    .await;
                let Ok(sent) = sent else { return };
                if sent.status() != reqwest::StatusCode::CREATED {
                    return;
                }
                let message: serde_json::Value = sent.json().await.unwrap();
                acknowledged
                    .lock()
                    .unwrap()
                    .push(message["id"].as_str().unwrap().to_owned());
            }
        })
    };
    while acknowledged.lock().unwrap().len() < 50 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let before = acknowledged.lock().unwrap().clone();
    let file = dir.path().join("chat.backup");
    let data_for_cli = data.clone();
    let file_for_cli = file.clone();
    let out = tokio::task::spawn_blocking(move || {
        chat(
            &data_for_cli,
            &["backup", "--to", file_for_cli.to_str().unwrap()],
        )
    })
    .await
    .unwrap();
    assert!(out.contains("backed up"), "{out}");
    assert!(
        !dir.path().join(".chat.backup.partial").exists(),
        "the partial file is renamed into place"
    );
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "only its owner reads a backup");
    // The other operator commands work on the running server too, through the same socket
    // (the database itself is locked by the server).
    let (data_for_cli, server_for_cli) = (data.clone(), server.clone());
    let (admin, code) = tokio::task::spawn_blocking(move || {
        let admin = chat(
            &data_for_cli,
            &[
                "admin",
                "create",
                "--username",
                "ops",
                "--password",
                "long password",
            ],
        );
        let code = chat(
            &data_for_cli,
            &[
                "invite",
                "create",
                "--server-id",
                &server_for_cli,
                "--max-uses",
                "2",
            ],
        );
        (admin, code)
    })
    .await
    .unwrap();
    assert!(
        admin.contains("created the instance administrator ops"),
        "{admin}"
    );
    let http = reqwest::Client::new();
    let login = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({ "username": "ops", "password": "long password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), reqwest::StatusCode::OK);
    let invite: serde_json::Value = http
        .get(format!("{base}/api/v1/invites/{}", code.trim()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(invite["max_uses"], 2, "{invite}");
    sender.abort();
    stop(child);
    assert!(
        !data.join("admin.sock").exists(),
        "the socket goes with the server"
    );
    // With no server running, the backup comes from the database itself.
    let offline = dir.path().join("offline.backup");
    let out = chat(&data, &["backup", "--to", offline.to_str().unwrap()]);
    assert!(out.contains("backed up"), "{out}");
    assert!(std::fs::metadata(&offline).unwrap().len() > 0);

    // Into a data directory that holds a database: refused, nothing touched.
    let refused = Command::new(env!("CARGO_BIN_EXE_chat"))
        .args(["restore", file.to_str().unwrap()])
        .env("CHAT_DATA_DIR", &data)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("already holds a database"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    let restored = dir.path().join("restored");
    let out = chat(&restored, &["restore", file.to_str().unwrap()]);
    assert!(out.contains("restored"), "{out}");
    // The restored server answers with every message acknowledged before the backup, and
    // the same tokens still work: the signing secret is part of the backup.
    let (child, base) = serve(&restored);
    let http = reqwest::Client::new();
    let mut seen = std::collections::HashSet::new();
    let mut after = String::from("00000000000000000000000000");
    loop {
        let page: Vec<serde_json::Value> = http
            .get(format!(
                "{base}/api/v1/channels/{channel}/messages?after={after}&limit=100"
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let Some(last) = page.iter().filter_map(|m| m["id"].as_str()).max() else {
            break;
        };
        after = last.to_owned();
        seen.extend(
            page.iter()
                .filter_map(|m| m["id"].as_str().map(str::to_owned)),
        );
    }
    for id in &before {
        assert!(seen.contains(id), "{id} was acknowledged before the backup");
    }
    let me: serde_json::Value = http
        .get(format!("{base}/api/v1/auth/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["id"], owner.as_str(), "{me}");
    stop(child);
}

#[tokio::test]
async fn json_logs_carry_request_ids_and_never_a_password_or_token() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let mut command = Command::new(env!("CARGO_BIN_EXE_chat"));
    command
        .arg("serve")
        .env("RUST_LOG", "debug")
        .env("CHAT_LOG_FORMAT", "json")
        .stderr(std::fs::File::create(&log).unwrap());
    let (served, base) = serve_with(command, &dir.path().join("data"));
    let (token, _, channel, _) = owner_and_channel(&base, "secretive").await;
    let http = reqwest::Client::new();
    let login: serde_json::Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({ "username": "secretive", "password": "long password" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refresh = login["refresh_token"].as_str().unwrap().to_owned();
    // A token in a query string (the gateway's `?token=`) and in a wrong login.
    let ws = base.replace("http://", "ws://");
    let (socket, _) = tokio_tungstenite::connect_async(format!("{ws}/ws?token={token}"))
        .await
        .unwrap();
    drop(socket);
    http.post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({ "username": "secretive", "password": "wrong password!" }))
        .send()
        .await
        .unwrap();
    http.post(format!("{base}/api/v1/channels/{channel}/messages"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "content": "logged?" }))
        .send()
        .await
        .unwrap();
    stop(served);

    let text = std::fs::read_to_string(&log).unwrap();
    for secret in [
        "long password",
        "wrong password!",
        token.as_str(),
        refresh.as_str(),
    ] {
        assert!(!text.contains(secret), "the log holds a secret: {secret}");
    }
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let access: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "finished processing request")
        .collect();
    assert!(access.len() >= 4, "{text}");
    assert!(
        access
            .iter()
            .all(|l| l["span"]["id"].as_str().is_some_and(|id| id.len() == 26)),
        "every access line has its request id: {text}"
    );
    assert!(
        access
            .iter()
            .any(|l| l["span"]["path"] == format!("/api/v1/channels/{channel}/messages")),
        "{text}"
    );
    // The wrong login's refusal is logged inside the engine's `login` span, itself inside
    // the request's, whose id it carries.
    let refusal = lines
        .iter()
        .find(|l| l["span"]["name"] == "login")
        .unwrap_or_else(|| panic!("no line in the engine's login span: {text}"));
    assert_eq!(refusal["span"]["username"], "secretive", "{refusal}");
    assert!(
        refusal["fields"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("wrong username or password")),
        "{refusal}"
    );
    assert!(
        refusal["spans"][0]["id"]
            .as_str()
            .is_some_and(|id| id.len() == 26),
        "{refusal}"
    );
}
