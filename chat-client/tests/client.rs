//! The SDK against the real server on a loopback port.

use std::time::Duration;

use chat_client::{Client, ErrorKind, Gateway, GatewayConfig, GatewayEvent};
use chat_engine::Engine;
use chat_engine::model::{CreateServer, Event};
use chat_server::ServerConfig;
use chat_server::ratelimit::RateLimits;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

const PASSWORD: &str = "correct horse battery";

struct Running {
    addr: std::net::SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

fn serve(engine: Engine, config: ServerConfig, listener: TcpListener) -> Running {
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(chat_server::run(listener, engine, config, async move {
        let _ = stopped.await;
    }));
    Running { addr, stop, task }
}

impl Running {
    fn client(&self) -> Client {
        Client::builder()
            .base_url(format!("http://{}", self.addr))
            .build()
            .unwrap()
    }

    fn gateway(&self, token: &str) -> Gateway {
        let mut config = GatewayConfig::new(format!("ws://{}/ws", self.addr), token);
        config.min_backoff = Duration::from_millis(50);
        config.max_backoff = Duration::from_millis(500);
        Gateway::connect(config)
    }

    async fn stop(self) {
        self.stop.send(()).unwrap();
        self.task.await.unwrap().unwrap();
    }
}

fn no_limits() -> ServerConfig {
    ServerConfig {
        rate_limits: RateLimits::off(),
        ..ServerConfig::default()
    }
}

async fn start() -> Running {
    serve(
        Engine::in_memory().await.unwrap(),
        no_limits(),
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
    )
}

/// A server on redb with `alice` and her server, for tests that restart the server on the
/// same address and engine.
struct Durable {
    _dir: tempfile::TempDir,
    engine: Engine,
    addr: std::net::SocketAddr,
    alice: chat_engine::model::AuthResponse,
    client: Client,
    channel: chat_engine::id::ChannelId,
}

impl Durable {
    async fn start(server_name: &str) -> (Self, Running) {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(dir.path()).await.unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = serve(engine.clone(), no_limits(), listener);
        let anonymous = server.client();
        let alice = anonymous.register("alice", PASSWORD).await.unwrap();
        let client = anonymous.with_token(&alice.token);
        let request = CreateServer {
            name: server_name.into(),
            ..CreateServer::default()
        };
        let channel = client
            .create_server(&request)
            .await
            .unwrap()
            .system_channel_id
            .unwrap();
        (
            Self {
                _dir: dir,
                engine,
                addr,
                alice,
                client,
                channel,
            },
            server,
        )
    }

    /// Starts the server again on the same address and engine.
    async fn restart(&self) -> Running {
        serve(
            self.engine.clone(),
            no_limits(),
            TcpListener::bind(self.addr).await.unwrap(),
        )
    }
}

/// The next dispatch that is not a presence update.
async fn next_dispatch(gateway: &mut Gateway) -> GatewayEvent {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), gateway.next_event())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .unwrap();
        match &event {
            GatewayEvent::Dispatch { event: e, .. } if matches!(**e, Event::PresenceUpdate(_)) => {}
            GatewayEvent::Reconnecting { .. } => {}
            _ => return event,
        }
    }
}

#[tokio::test]
async fn rest_routes_work_and_errors_carry_the_servers_code() {
    let server = start().await;
    let anonymous = server.client();
    let alice = anonymous.register("alice", PASSWORD).await.unwrap();
    let bob = anonymous.register("bob", PASSWORD).await.unwrap();
    let alice_client = anonymous.with_token(&alice.token);
    let bob_client = anonymous.with_token(&bob.token);
    assert_eq!(alice_client.current_user().await.unwrap().username, "alice");

    let guild = alice_client
        .create_server(&CreateServer {
            name: "sdk".into(),
            ..CreateServer::default()
        })
        .await
        .unwrap();
    let general = guild.system_channel_id.unwrap();
    bob_client.accept_invite(&guild.invite_code).await.unwrap();
    let first = bob_client
        .create_message(general)
        .content("hello from the sdk")
        .nonce("n1")
        .await
        .unwrap();
    let retried = bob_client
        .create_message(general)
        .content("hello from the sdk")
        .nonce("n1")
        .await
        .unwrap();
    assert_eq!(first.id, retried.id, "a nonce makes the retry safe");
    let reply = alice_client
        .create_message(general)
        .content("hi bob")
        .reply_to(first.id)
        .await
        .unwrap();
    alice_client
        .add_reaction(general, first.id, "🦀")
        .await
        .unwrap();
    assert_eq!(
        alice_client
            .reaction_users(general, first.id, "🦀")
            .await
            .unwrap()[0]
            .id,
        alice.user.id
    );
    let page = alice_client.messages(general).limit(2).await.unwrap();
    assert_eq!(
        page.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![reply.id, first.id]
    );
    let older = alice_client
        .messages(general)
        .before(first.id)
        .await
        .unwrap();
    assert!(older.iter().all(|m| m.id < first.id));

    // The server's refusal comes back with its code.
    let refused = bob_client.delete_server(guild.id).await.unwrap_err();
    assert_eq!(refused.code(), Some("forbidden"));
    assert!(matches!(refused.kind(), ErrorKind::Api { status: 403, .. }));
    let missing = bob_client.pin_message(general, reply.id).await.unwrap_err();
    assert_eq!(missing.code(), Some("missing_permissions"));

    // Bad input is refused before anything is sent.
    for error in [
        bob_client
            .create_message(general)
            .content("   ")
            .await
            .unwrap_err(),
        bob_client
            .create_message(general)
            .content("x".repeat(4001))
            .await
            .unwrap_err(),
        bob_client.messages(general).limit(0).await.unwrap_err(),
        bob_client
            .messages(general)
            .before(first.id)
            .after(first.id)
            .await
            .unwrap_err(),
        anonymous.register("carol", "short").await.unwrap_err(),
    ] {
        assert!(
            matches!(error.kind(), ErrorKind::Validation { .. }),
            "{error:?}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn rate_limited_requests_wait_and_succeed() {
    let config = ServerConfig {
        rate_limits: RateLimits {
            messages_per_5s: 2,
            auth_per_minute: 100,
            ..RateLimits::default()
        },
        ..ServerConfig::default()
    };
    let server = serve(
        Engine::in_memory().await.unwrap(),
        config,
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
    );
    let anonymous = server.client();
    let auth = anonymous.register("hasty", PASSWORD).await.unwrap();
    let client = anonymous.with_token(&auth.token);
    let guild = client
        .create_server(&CreateServer {
            name: "fast".into(),
            ..CreateServer::default()
        })
        .await
        .unwrap();
    let channel = guild.system_channel_id.unwrap();
    for i in 0..3 {
        client
            .create_message(channel)
            .content(format!("message {i}"))
            .await
            .unwrap();
    }
    assert_eq!(
        client.messages(channel).await.unwrap().len(),
        3,
        "the third send waited out its 429"
    );
    let impatient = client.with_token(&auth.token);
    let impatient = Client::builder()
        .base_url(impatient.base_url())
        .token(&auth.token)
        .max_retries(0)
        .build()
        .unwrap();
    let refused = loop {
        if let Err(error) = impatient.create_message(channel).content("again").await {
            break error;
        }
    };
    assert!(
        matches!(refused.kind(), ErrorKind::RateLimited { .. }),
        "{refused:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn the_gateway_client_resumes_after_the_server_drops_it() {
    let (scene, server) = Durable::start("resilient").await;
    let (engine, alice, client, channel) =
        (&scene.engine, &scene.alice, &scene.client, scene.channel);

    let mut gateway = server.gateway(&alice.token);
    assert!(matches!(
        next_dispatch(&mut gateway).await,
        GatewayEvent::Ready(_)
    ));
    client
        .create_message(channel)
        .content("before")
        .await
        .unwrap();
    assert!(matches!(
        next_dispatch(&mut gateway).await,
        GatewayEvent::Dispatch { .. }
    ));

    // The server goes away (telling clients to reconnect); a message is sent meanwhile.
    server.stop().await;
    let request = chat_engine::model::CreateMessage {
        content: "while you were away".into(),
        ..Default::default()
    };
    let missed = engine
        .send_message(alice.user.id, channel, request)
        .await
        .unwrap();
    let server = scene.restart().await;

    let mut replayed = Vec::new();
    loop {
        match next_dispatch(&mut gateway).await {
            GatewayEvent::Resumed => break,
            GatewayEvent::Dispatch { event, .. } => replayed.push(*event),
            GatewayEvent::Ready(_) => panic!("the session should resume, not restart"),
            _ => {}
        }
    }
    assert!(
        replayed
            .iter()
            .any(|e| matches!(e, Event::MessageCreate(m) if m.id == missed.id)),
        "{replayed:?}"
    );
    gateway.close().await;
    server.stop().await;
}

#[tokio::test]
async fn an_invalid_session_makes_the_client_identify_again() {
    let engine = Engine::builder().event_retention(2).open().await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = serve(engine.clone(), no_limits(), listener);
    let anonymous = server.client();
    let alice = anonymous.register("alice", PASSWORD).await.unwrap();
    let mut gateway = server.gateway(&alice.token);
    assert!(matches!(
        next_dispatch(&mut gateway).await,
        GatewayEvent::Ready(_)
    ));
    server.stop().await;
    for i in 0..5 {
        let name = CreateServer {
            name: format!("s{i}"),
            ..CreateServer::default()
        };
        engine.create_server(alice.user.id, name).await.unwrap();
    }
    let server = serve(engine, no_limits(), TcpListener::bind(addr).await.unwrap());
    let ready = loop {
        if let GatewayEvent::Ready(ready) = next_dispatch(&mut gateway).await {
            break ready;
        }
    };
    assert_eq!(
        ready.servers.len(),
        5,
        "a fresh READY after the invalid session"
    );
    gateway.close().await;
    server.stop().await;
}

#[tokio::test]
async fn a_bad_token_ends_the_gateway() {
    let server = start().await;
    let mut gateway = server.gateway("not-a-token");
    let error = tokio::time::timeout(Duration::from_secs(10), gateway.next_event())
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert_eq!(error.kind(), &ErrorKind::GatewayClosed { code: Some(4004) });
    assert!(gateway.next_event().await.is_none());
    server.stop().await;
}

#[tokio::test]
async fn the_outbox_delivers_exactly_once_across_a_server_restart() {
    let (scene, server) = Durable::start("outbox").await;
    let (client, channel) = (&scene.client, scene.channel);
    let outbox = chat_client::Outbox::new(client.clone(), Duration::from_millis(200));

    let sent_before = outbox
        .send(channel, "while up")
        .unwrap()
        .delivered()
        .await
        .unwrap();
    server.stop().await;
    let tickets: Vec<_> = (0..3)
        .map(|i| outbox.send(channel, format!("while down {i}")).unwrap())
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let server = scene.restart().await;
    let mut delivered = Vec::new();
    for ticket in tickets {
        delivered.push(
            tokio::time::timeout(Duration::from_secs(10), ticket.delivered())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    let history = client.messages(channel).await.unwrap();
    let contents: Vec<_> = history.iter().rev().map(|m| m.content.as_str()).collect();
    assert_eq!(
        contents,
        vec!["while up", "while down 0", "while down 1", "while down 2"],
        "in order, once each"
    );
    assert!(delivered.iter().all(|m| m.id > sent_before.id));
    assert!(
        outbox.send(channel, "  ").is_err(),
        "validated before queueing"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_bot_answers_through_its_handlers() {
    let server = start();
    let server = server.await;
    let anonymous = server.client();
    let owner = anonymous.register("owner", PASSWORD).await.unwrap();
    let owner_client = anonymous.with_token(&owner.token);
    let bot_account = owner_client.create_bot("echo").await.unwrap();
    let guild = owner_client
        .create_server(&CreateServer {
            name: "bots".into(),
            ..CreateServer::default()
        })
        .await
        .unwrap();
    let channel = guild.system_channel_id.unwrap();
    let bot_client = anonymous.with_token(&bot_account.token);
    bot_client.accept_invite(&guild.invite_code).await.unwrap();

    let bot = chat_client::Bot::new(bot_client, format!("ws://{}/ws", server.addr)).on_message(
        |ctx, message| async move {
            let me = ctx.me.as_ref().map(|u| u.id);
            if Some(message.author_id) != me && message.content.starts_with("!ping") {
                ctx.client
                    .create_message(message.channel_id)
                    .content("pong")
                    .reply_to(message.id)
                    .await
                    .unwrap();
            }
        },
    );
    let running = tokio::spawn(bot.run());
    // The bot may not be connected yet: ping until it answers.
    let answer = loop {
        let ping = owner_client
            .create_message(channel)
            .content("!ping")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let recent = owner_client.messages(channel).after(ping.id).await.unwrap();
        if let Some(pong) = recent.into_iter().find(|m| m.content == "pong") {
            break (ping, pong);
        }
    };
    assert_eq!(answer.1.reply_to_id, Some(answer.0.id));
    assert_eq!(answer.1.author_id, bot_account.user.id);
    running.abort();
    server.stop().await;
}

#[tokio::test]
async fn the_gateway_url_comes_from_the_server_or_the_base_url() {
    use chat_client::gateway::gateway_url_for;
    assert_eq!(
        gateway_url_for("https://chat.example/"),
        "wss://chat.example/ws"
    );
    assert_eq!(
        gateway_url_for("http://127.0.0.1:8080"),
        "ws://127.0.0.1:8080/ws"
    );
    let running = start().await;
    let client = running.client();
    let url = client.get_gateway().await.unwrap();
    assert_eq!(url, gateway_url_for(client.base_url()));
    // The URL it answers is one the gateway client connects to.
    let alice = client.register("alice", "correct horse").await.unwrap();
    let mut gateway = Gateway::connect(GatewayConfig::new(url, &alice.token));
    match next_dispatch(&mut gateway).await {
        GatewayEvent::Ready(ready) => assert_eq!(ready.user.id, alice.user.id),
        other => panic!("expected READY, got {other:?}"),
    }
    running.stop().await;
}

#[tokio::test]
async fn requests_safe_to_repeat_ride_out_a_server_that_is_not_up_yet() {
    let engine = Engine::in_memory().await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let running = serve(engine.clone(), no_limits(), listener);
    let client = running.client();
    let auth = client.register("alice", "correct horse").await.unwrap();
    let alice = client.with_token(&auth.token);
    let new_server = |name: &str| CreateServer {
        name: name.into(),
        ..CreateServer::default()
    };
    let server = alice.create_server(&new_server("s")).await.unwrap();
    let channel = server.system_channel_id.unwrap();
    running.stop().await;

    // Nothing listens for a moment; then the same engine serves on the same address.
    let later = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        serve(engine, no_limits(), TcpListener::bind(addr).await.unwrap())
    });
    let refused = alice.create_server(&new_server("t")).await.unwrap_err();
    assert_eq!(
        refused.kind(),
        &ErrorKind::Transport,
        "a plain POST is not repeated"
    );
    let sent = alice
        .create_message(channel)
        .content("sent across the outage")
        .nonce("outage-1")
        .await
        .unwrap();
    let me = alice.current_user().await.unwrap();
    assert_eq!(me.id, auth.user.id, "a GET after the outage");
    let history = alice.messages(channel).await.unwrap();
    let copies = history
        .iter()
        .filter(|m| m.content == "sent across the outage");
    assert_eq!(
        copies.map(|m| m.id).collect::<Vec<_>>(),
        vec![sent.id],
        "exactly once"
    );
    later.await.unwrap().stop().await;
}

/// Run only as a child of `bot_reads_its_server_and_token_from_the_environment`, with the
/// environment that test gives it (setting variables in this process would be unsafe).
#[test]
#[ignore = "a child process of another test"]
fn from_env_probe() {
    match chat_client::Bot::from_env() {
        Ok(bot) => println!(
            "FROM_ENV ok {} {} {}",
            bot.client().base_url(),
            bot.gateway_url(),
            bot.client().token().unwrap_or_default()
        ),
        Err(error) => println!("FROM_ENV err {error}"),
    }
}

#[test]
fn bot_reads_its_server_and_token_from_the_environment() {
    let probe = |env: &[(&str, &str)]| {
        let mut command = std::process::Command::new(std::env::current_exe().unwrap());
        command
            .args(["--exact", "from_env_probe", "--ignored", "--nocapture"])
            .env_remove("CHAT_URL")
            .env_remove("CHAT_TOKEN");
        for (name, value) in env {
            command.env(name, value);
        }
        let output = command.output().unwrap();
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .find(|l| l.starts_with("FROM_ENV"))
            .unwrap_or_default()
            .to_owned()
    };
    let ok = probe(&[
        ("CHAT_URL", "https://chat.example/"),
        ("CHAT_TOKEN", "bot.secret"),
    ]);
    assert_eq!(
        ok,
        "FROM_ENV ok https://chat.example wss://chat.example/ws bot.secret"
    );
    let missing = probe(&[("CHAT_URL", "https://chat.example")]);
    assert!(
        missing.starts_with("FROM_ENV err") && missing.contains("CHAT_TOKEN"),
        "{missing}"
    );
}

/// A TLS listener in front of a plain server, as a reverse proxy would be: a self-signed
/// certificate for `localhost`, made here; each connection is decrypted and passed on.
/// Returns its address and the certificate's PEM.
async fn behind_tls(plain: std::net::SocketAddr) -> (std::net::SocketAddr, String) {
    use tokio_rustls::rustls;
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(made.signing_key.serialize_der().into());
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![made.cert.der().clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut upstream = tokio::net::TcpStream::connect(plain).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
            });
        }
    });
    (addr, made.cert.pem())
}

#[tokio::test]
async fn rest_and_gateway_work_over_tls_with_a_trusted_certificate() {
    let server = start().await;
    let (tls_addr, pem) = behind_tls(server.addr).await;
    let base = format!("https://localhost:{}", tls_addr.port());

    // Without the certificate among its roots, the client refuses the server.
    let untrusting = Client::builder().base_url(&base).build().unwrap();
    let refused = untrusting.login("alice", PASSWORD).await.unwrap_err();
    assert!(
        matches!(refused.kind(), ErrorKind::Transport),
        "{refused:?}"
    );

    let client = Client::builder()
        .base_url(&base)
        .add_root_certificate(chat_client::Certificate::from_pem(pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let alice = client.register("alice", PASSWORD).await.unwrap();
    let client = client.with_token(&alice.token);
    let guild = client
        .create_server(&CreateServer {
            name: "over tls".into(),
            ..CreateServer::default()
        })
        .await
        .unwrap();
    let channel = guild.system_channel_id.unwrap();

    let url = chat_client::gateway::gateway_url_for(&base);
    assert!(url.starts_with("wss://localhost:"), "{url}");
    let mut config = GatewayConfig::new(url, &alice.token).with_tls(client.tls_config().clone());
    config.min_backoff = Duration::from_millis(50);
    let mut gateway = Gateway::connect(config);
    let ready = next_dispatch(&mut gateway).await;
    assert!(
        matches!(&ready, GatewayEvent::Ready(r) if r.user.id == alice.user.id),
        "{ready:?}"
    );
    let sent = client
        .create_message(channel)
        .content("through TLS")
        .await
        .unwrap();
    loop {
        if let GatewayEvent::Dispatch { event, .. } = next_dispatch(&mut gateway).await
            && let Event::MessageCreate(message) = *event
        {
            assert_eq!(message.id, sent.id);
            break;
        }
    }
    assert!(
        chat_client::Certificate::from_pem(b"not a certificate").is_err(),
        "a text without a PEM certificate is refused"
    );
    gateway.close().await;
    server.stop().await;
}

#[tokio::test]
async fn notification_preferences_and_notifications_through_the_sdk() {
    use chat_engine::model::{NotificationKind, NotificationLevel, NotificationSetting};
    let server = start().await;
    let client = server.client();
    let alice = client.register("alice", PASSWORD).await.unwrap();
    let bob = client.register("bob", PASSWORD).await.unwrap();
    let (alice_api, bob_api) = (
        client.with_token(&alice.token),
        client.with_token(&bob.token),
    );
    let guild = alice_api
        .create_server(&CreateServer {
            name: "s".into(),
            ..CreateServer::default()
        })
        .await
        .unwrap();
    bob_api
        .join_server(guild.id, Some(&guild.invite_code))
        .await
        .unwrap();
    let setting = NotificationSetting {
        level: NotificationLevel::Mentions,
        muted_until: None,
    };
    assert_eq!(
        bob_api
            .set_server_notifications(guild.id, &setting)
            .await
            .unwrap(),
        setting
    );
    assert_eq!(
        bob_api.notification_settings().await.unwrap().servers[&guild.id],
        setting
    );

    let mut gateway = server.gateway(&bob.token);
    assert!(matches!(
        next_dispatch(&mut gateway).await,
        GatewayEvent::Ready(_)
    ));
    let channel = guild.system_channel_id.unwrap();
    let sent = alice_api
        .create_message(channel)
        .content("@bob look")
        .await
        .unwrap();
    loop {
        if let GatewayEvent::Dispatch { event, .. } = next_dispatch(&mut gateway).await
            && let Event::NotificationCreate(notification) = *event
        {
            assert_eq!(
                (notification.message_id, notification.kind),
                (sent.id, NotificationKind::Mention)
            );
            break;
        }
    }
    gateway.close().await;
    server.stop().await;
}

#[tokio::test]
async fn files_go_with_a_message_and_come_back() {
    let server = start().await;
    let client = server.client();
    let alice = client.register("alice", PASSWORD).await.unwrap();
    let api = client.with_token(&alice.token);
    let guild = api
        .create_server(&CreateServer {
            name: "s".into(),
            ..CreateServer::default()
        })
        .await
        .unwrap();
    let channel = guild.system_channel_id.unwrap();
    let sent = api
        .create_message(channel)
        .nonce("with-a-file")
        .file(chat_client::File::new("hello.txt", "hello, file"))
        .await
        .unwrap();
    let attachment = &sent.attachments[0];
    assert_eq!(
        (attachment.filename.as_str(), attachment.size),
        ("hello.txt", 11)
    );
    assert_eq!(attachment.content_type, "text/plain; charset=utf-8");
    let bytes = reqwest::Client::new()
        .get(format!("http://{}{}", server.addr, attachment.url))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(bytes, "hello, file");
    let lying = chat_client::File {
        content_type: Some("image/png".into()),
        ..chat_client::File::new("cat.png", "not a picture")
    };
    let refused = api
        .create_message(channel)
        .content("a cat")
        .file(lying)
        .await
        .unwrap_err();
    assert!(
        matches!(refused.kind(), ErrorKind::Api { status: 400, .. }),
        "{refused:?}"
    );
    let eleven = (0..11).fold(api.create_message(channel).content("x"), |m, i| {
        m.file(chat_client::File::new(format!("{i}.txt"), "x"))
    });
    assert!(matches!(
        eleven.await.unwrap_err().kind(),
        ErrorKind::Validation { field: "files", .. }
    ));
    server.stop().await;
}

#[tokio::test]
async fn read_receipts_through_the_sdk() {
    use chat_engine::model::UpdateProfile;
    let server = start().await;
    let client = server.client();
    let alice = client.register("alice", PASSWORD).await.unwrap();
    let bob = client.register("bob", PASSWORD).await.unwrap();
    let (alice_api, bob_api) = (
        client.with_token(&alice.token),
        client.with_token(&bob.token),
    );
    let guild = alice_api
        .create_server(&CreateServer {
            name: "s".into(),
            ..CreateServer::default()
        })
        .await
        .unwrap();
    bob_api
        .join_server(guild.id, Some(&guild.invite_code))
        .await
        .unwrap();
    let channel = guild.system_channel_id.unwrap();
    let said = alice_api
        .create_message(channel)
        .content("read me")
        .await
        .unwrap();
    let share = UpdateProfile {
        read_receipts: Some(true),
        ..UpdateProfile::default()
    };
    assert!(
        bob_api
            .update_current_user(&share)
            .await
            .unwrap()
            .read_receipts
    );
    bob_api.ack_message(channel, said.id).await.unwrap();
    let receipts = alice_api.receipts(channel).await.unwrap();
    assert_eq!(
        receipts
            .iter()
            .map(|r| (r.user_id, r.message_id))
            .collect::<Vec<_>>(),
        vec![(bob.user.id, said.id)]
    );
    server.stop().await;
}

#[tokio::test]
async fn dms_are_searched_through_the_sdk() {
    use chat_engine::model::SearchQuery;
    let server = start().await;
    let client = server.client();
    let alice = client.register("alice", PASSWORD).await.unwrap();
    let bob = client.register("bob", PASSWORD).await.unwrap();
    let (alice_api, bob_api) = (
        client.with_token(&alice.token),
        client.with_token(&bob.token),
    );
    let guild = alice_api
        .create_server(&CreateServer {
            name: "s".into(),
            ..CreateServer::default()
        })
        .await
        .unwrap();
    bob_api
        .join_server(guild.id, Some(&guild.invite_code))
        .await
        .unwrap();
    let dm = alice_api.create_dm(bob.user.id).await.unwrap();
    alice_api
        .create_message(dm.id)
        .content("our quokka secret")
        .await
        .unwrap();
    let query = SearchQuery {
        q: "quok".into(),
        sort: Some("date".into()),
        ..SearchQuery::default()
    };
    let found = bob_api.search_private_messages(&query).await.unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.messages[0].message.content, "our quokka secret");
    assert_eq!(
        alice_api
            .search_messages(guild.id, &query)
            .await
            .unwrap()
            .total,
        0
    );
    server.stop().await;
}

#[tokio::test]
async fn moderators_time_out_bulk_delete_and_read_the_audit_log_with_their_reasons() {
    use chat_engine::model::{AuditAction, AuditLogQuery};
    let server = start().await;
    let anonymous = server.client();
    let owner = anonymous.register("owner", PASSWORD).await.unwrap();
    let member = anonymous.register("member", PASSWORD).await.unwrap();
    let owner_client = anonymous.with_token(&owner.token);
    let member_client = anonymous.with_token(&member.token);
    let guild = owner_client
        .create_server(&CreateServer {
            name: "moderated".into(),
            ..CreateServer::default()
        })
        .await
        .unwrap();
    let general = guild.system_channel_id.unwrap();
    member_client
        .accept_invite(&guild.invite_code)
        .await
        .unwrap();

    let until = chrono::Utc::now() + chrono::Duration::minutes(5);
    owner_client
        .with_audit_reason("calm down, ünïcode")
        .timeout_member(guild.id, member.user.id, Some(until))
        .await
        .unwrap();
    let refused = member_client
        .create_message(general)
        .content("let me talk")
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("missing_permissions"));
    owner_client
        .timeout_member(guild.id, member.user.id, None)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for text in ["one", "two"] {
        let sent = member_client.create_message(general).content(text).await;
        ids.push(sent.unwrap().id);
    }
    owner_client
        .bulk_delete_messages(general, ids)
        .await
        .unwrap();

    let query = AuditLogQuery {
        action_type: Some(AuditAction::MemberUpdate),
        ..AuditLogQuery::default()
    };
    let log = owner_client.audit_log(guild.id, &query).await.unwrap();
    assert_eq!(log.len(), 2, "the timeout and its end");
    assert_eq!(log[1].reason.as_deref(), Some("calm down, ünïcode"));
    let everything = owner_client
        .audit_log(guild.id, &AuditLogQuery::default())
        .await
        .unwrap();
    assert_eq!(everything[0].action_type, AuditAction::MessageBulkDelete);
    let denied = member_client
        .audit_log(guild.id, &AuditLogQuery::default())
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Some("missing_permissions"));
}

#[tokio::test]
async fn a_gateway_config_with_intents_receives_only_those_events() {
    use chat_engine::model::gateway::Intents;
    let server = start().await;
    let anonymous = server.client();
    let owner = anonymous.register("owner", PASSWORD).await.unwrap();
    let bot = anonymous.register("listener", PASSWORD).await.unwrap();
    let owner_client = anonymous.with_token(&owner.token);
    let guild = owner_client
        .create_server(&CreateServer {
            name: "intents".into(),
            ..CreateServer::default()
        })
        .await
        .unwrap();
    let general = guild.system_channel_id.unwrap();
    anonymous
        .with_token(&bot.token)
        .accept_invite(&guild.invite_code)
        .await
        .unwrap();
    let mut config = GatewayConfig::new(format!("ws://{}/ws", server.addr), bot.token.clone());
    config.intents = Some(Intents::GUILD_MESSAGES);
    let mut gateway = Gateway::connect(config);
    // READY first, then the message: no typing, no presence, no content.
    loop {
        let event = gateway.next_event().await.unwrap().unwrap();
        if matches!(event, GatewayEvent::Ready(_)) {
            break;
        }
    }
    owner_client.trigger_typing(general).await.unwrap();
    owner_client
        .create_message(general)
        .content("for your eyes only")
        .await
        .unwrap();
    let event = tokio::time::timeout(Duration::from_secs(10), gateway.next_event())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    match event {
        GatewayEvent::Dispatch { event, .. } => match *event {
            Event::MessageCreate(message) => assert_eq!(message.content, "", "no MESSAGE_CONTENT"),
            other => panic!("only messages were asked for: {other:?}"),
        },
        other => panic!("unexpected {other:?}"),
    }
    server.stop().await;
}
