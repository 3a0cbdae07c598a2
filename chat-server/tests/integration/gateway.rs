//! The gateway lifecycle: READY, dispatch, resume, invalid sessions, close codes, visibility
//! and shutdown.

use std::time::Duration;

use chat_engine::Engine;
use chat_server::ServerConfig;
use chat_server::ratelimit::RateLimits;
use serde_json::{Value, json};

use crate::harness::{Gateway, Incoming, TestServer, test_config};

/// Triggers a `USER_UPDATE` only this user sees and collects the dispatch names before it.
async fn names_until_marker(gateway: &mut Gateway, api: &crate::harness::Api) -> Vec<String> {
    api.ok("PATCH", "/auth/me", Some(json!({ "bio": "marker" })))
        .await;
    let mut names = Vec::new();
    loop {
        let frame = gateway.frame().await;
        if frame["t"] == "USER_UPDATE" && frame["d"]["bio"] == "marker" {
            return names;
        }
        if frame["op"] == 0 && frame["t"] != "PRESENCE_UPDATE" {
            names.push(frame["t"].as_str().unwrap().to_owned());
        }
    }
}

#[tokio::test]
async fn ready_then_messages_reach_other_members_in_sequence() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (guild, general) = alice.server("s").await;
    bob.join(&guild).await;
    alice.say(&general, "before bob connects").await;

    let (mut gateway, ready) = server.identified(&bob).await;
    let d = &ready["d"];
    assert_eq!(d["user"]["id"], bob.id.as_str());
    assert!(d["session_id"].is_string());
    assert_eq!(d["servers"][0]["id"], guild["id"]);
    assert_eq!(d["servers"][0]["channels"][0]["id"], general.as_str());
    let unread = d["read_states"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["channel_id"] == general.as_str())
        .unwrap();
    assert_eq!(
        unread["unread_count"], 1,
        "READY carries read states with counts"
    );

    let sent = alice.say(&general, "hi bob").await;
    let event = gateway.dispatch("MESSAGE_CREATE").await;
    assert_eq!(event["d"]["id"], sent["id"]);
    let first = event["s"].as_u64().unwrap();
    alice
        .ok(
            "PATCH",
            &format!(
                "/channels/{general}/messages/{}",
                sent["id"].as_str().unwrap()
            ),
            Some(json!({ "content": "hi, bob" })),
        )
        .await;
    let update = gateway.dispatch("MESSAGE_UPDATE").await;
    assert!(update["s"].as_u64().unwrap() > first);

    gateway.send(json!({ "op": 1, "d": first })).await;
    let ack = gateway.frame().await;
    assert_eq!(ack["op"], 11);
}

#[tokio::test]
async fn token_in_the_query_string_identifies_at_once() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let mut gateway = server
        .gateway_at(&format!("/ws?token={}", alice.token))
        .await;
    let ready = gateway.dispatch("READY").await;
    assert_eq!(ready["d"]["user"]["username"], "alice");
}

#[tokio::test]
async fn resume_replays_exactly_the_missed_events() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (guild, general) = alice.server("s").await;
    bob.join(&guild).await;
    let (mut gateway, ready) = server.identified(&bob).await;
    let session_id = ready["d"]["session_id"].as_str().unwrap().to_owned();
    alice.say(&general, "seen").await;
    let seen = gateway.dispatch("MESSAGE_CREATE").await["s"]
        .as_u64()
        .unwrap();
    drop(gateway); // the network fails: no close frame

    let missed_1 = alice.say(&general, "missed 1").await;
    let missed_2 = alice.say(&general, "missed 2").await;
    alice
        .ok(
            "PUT",
            &format!(
                "/channels/{general}/messages/{}/reactions/x/@me",
                missed_1["id"].as_str().unwrap()
            ),
            None,
        )
        .await;

    let mut gateway = server.gateway().await;
    gateway
        .send(
            json!({ "op": 6, "d": { "token": bob.token, "session_id": session_id, "seq": seen } }),
        )
        .await;
    let mut replayed = Vec::new();
    loop {
        let frame = gateway.frame().await;
        if frame["t"] == "RESUMED" {
            break;
        }
        if frame["t"] != "PRESENCE_UPDATE" {
            replayed.push((
                frame["t"].as_str().unwrap().to_owned(),
                frame["d"]["id"].clone(),
                frame["s"].as_u64().unwrap(),
            ));
        }
    }
    let names: Vec<_> = replayed.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(
        names,
        vec!["MESSAGE_CREATE", "MESSAGE_CREATE", "MESSAGE_REACTION_ADD"]
    );
    assert_eq!(replayed[0].1, missed_1["id"]);
    assert_eq!(replayed[1].1, missed_2["id"]);
    assert!(replayed.windows(2).all(|w| w[0].2 < w[1].2) && replayed[0].2 > seen);
    // Live again afterwards.
    alice.say(&general, "live").await;
    assert_eq!(
        gateway.dispatch("MESSAGE_CREATE").await["d"]["content"],
        "live"
    );
}

#[tokio::test]
async fn a_session_ended_by_its_client_or_past_retention_is_invalid() {
    let engine = Engine::builder().event_retention(3).open().await.unwrap();
    let server = TestServer::with(engine, test_config()).await;
    let alice = server.user("alice").await;
    let (_, general) = alice.server("s").await;

    let (gateway, ready) = server.identified(&alice).await;
    let session_id = ready["d"]["session_id"].as_str().unwrap().to_owned();
    let seq = ready["s"].as_u64().unwrap();
    gateway.close(1000).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut again = server.gateway().await;
    again
        .send(
            json!({ "op": 6, "d": { "token": alice.token, "session_id": session_id, "seq": seq } }),
        )
        .await;
    let invalid = again.frame().await;
    assert_eq!(
        (invalid["op"].clone(), invalid["d"].clone()),
        (json!(9), json!(false))
    );
    // The client identifies anew on the same socket.
    again
        .send(json!({ "op": 2, "d": { "token": alice.token } }))
        .await;
    let ready = again.dispatch("READY").await;
    let new_session = ready["d"]["session_id"].as_str().unwrap().to_owned();
    drop(again);

    for i in 0..6 {
        alice.say(&general, &format!("{i}")).await;
    }
    let mut late = server.gateway().await;
    late.send(
        json!({ "op": 6, "d": { "token": alice.token, "session_id": new_session, "seq": seq } }),
    )
    .await;
    let invalid = late.frame().await;
    assert_eq!(
        (invalid["op"].clone(), invalid["d"].clone()),
        (json!(9), json!(false)),
        "past retention"
    );
}

/// Sends Resume on a new socket; the first frame that answers it.
async fn resume_answer(server: &TestServer, token: &str, session_id: &str, seq: u64) -> Value {
    let mut gateway = server.gateway().await;
    gateway
        .send(json!({ "op": 6, "d": { "token": token, "session_id": session_id, "seq": seq } }))
        .await;
    loop {
        let frame = gateway.frame().await;
        if frame["op"] == 9 || frame["t"] == "RESUMED" {
            return frame;
        }
    }
}

fn is_invalid_session(frame: &Value) -> bool {
    frame["op"] == 9 && frame["d"] == false
}

#[tokio::test]
async fn a_resume_needs_a_session_this_server_issued_to_that_user() {
    // The registry forgets a detached session at once: the check must not depend on it.
    let config = ServerConfig {
        resume_window: Duration::ZERO,
        ..test_config()
    };
    let server = TestServer::with(Engine::in_memory().await.unwrap(), config).await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (gateway, ready) = server.identified(&alice).await;
    let session_id = ready["d"]["session_id"].as_str().unwrap().to_owned();
    let seq = ready["s"].as_u64().unwrap();
    drop(gateway); // the network fails: the session stays resumable
    tokio::time::sleep(Duration::from_millis(50)).await;

    let never_issued = resume_answer(&server, &alice.token, "no-such-session", seq).await;
    assert!(is_invalid_session(&never_issued), "{never_issued}");
    // The same id with its MAC's last digit changed.
    let flipped = if session_id.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{flipped}", &session_id[..session_id.len() - 1]);
    let forged = resume_answer(&server, &alice.token, &forged, seq).await;
    assert!(is_invalid_session(&forged), "{forged}");
    let someone_elses = resume_answer(&server, &bob.token, &session_id, seq).await;
    assert!(is_invalid_session(&someone_elses), "{someone_elses}");

    let own = resume_answer(&server, &alice.token, &session_id, seq).await;
    assert_eq!(
        own["t"], "RESUMED",
        "past the registry's window, from the log"
    );
}

#[tokio::test]
async fn a_session_resumes_after_a_restart_but_an_ended_one_never_does() {
    let dir = tempfile::tempdir().unwrap();
    let start =
        || async { TestServer::with(Engine::open(dir.path()).await.unwrap(), test_config()).await };
    let server = start().await;
    let alice = server.user("alice").await;
    let (_, general) = alice.server("s").await;
    let (gateway, ready) = server.identified(&alice).await;
    let session_id = ready["d"]["session_id"].as_str().unwrap().to_owned();
    let seq = ready["s"].as_u64().unwrap();
    drop(gateway);
    let missed = alice.say(&general, "while you were away").await;

    let (ended, ended_ready) = server.identified(&alice).await;
    let ended_id = ended_ready["d"]["session_id"].as_str().unwrap().to_owned();
    ended.close(1000).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let refused = resume_answer(&server, &alice.token, &ended_id, seq).await;
    assert!(is_invalid_session(&refused), "{refused}");
    server.stop().await;

    let server = start().await;
    let mut gateway = server.gateway().await;
    gateway
        .send(
            json!({ "op": 6, "d": { "token": alice.token, "session_id": session_id, "seq": seq } }),
        )
        .await;
    let replayed = gateway.dispatch("MESSAGE_CREATE").await;
    assert_eq!(replayed["d"]["id"], missed["id"]);
    let never_issued = resume_answer(&server, &alice.token, "no-such-session", seq).await;
    assert!(is_invalid_session(&never_issued), "{never_issued}");
    let still_ended = resume_answer(&server, &alice.token, &ended_id, seq).await;
    assert!(
        is_invalid_session(&still_ended),
        "ended before the restart: {still_ended}"
    );
    server.stop().await;
}

async fn close_code_of(server: &TestServer, frames: &[Value]) -> Option<u16> {
    let mut gateway = server.gateway().await;
    for frame in frames {
        match frame {
            Value::String(text) => gateway.send_text(text).await,
            other => gateway.send(other.clone()).await,
        }
    }
    gateway.closed().await
}

#[tokio::test]
async fn each_protocol_error_has_its_close_code() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let identify = json!({ "op": 2, "d": { "token": alice.token } });
    assert_eq!(
        close_code_of(&server, &[json!({ "op": 42 })]).await,
        Some(4001)
    );
    assert_eq!(
        close_code_of(&server, &[json!("{not json")]).await,
        Some(4002)
    );
    assert_eq!(
        close_code_of(&server, &[json!({ "op": 3, "d": { "status": "online" } })]).await,
        Some(4003)
    );
    assert_eq!(
        close_code_of(&server, &[json!({ "op": 2, "d": { "token": "nope" } })]).await,
        Some(4004)
    );
    assert_eq!(
        close_code_of(&server, &[identify.clone(), identify]).await,
        Some(4005)
    );
    let future =
        json!({ "op": 6, "d": { "token": alice.token, "session_id": "x", "seq": 1_000_000 } });
    assert_eq!(close_code_of(&server, &[future]).await, Some(4007));
}

#[tokio::test]
async fn flooding_the_gateway_closes_with_4008() {
    let config = ServerConfig {
        rate_limits: RateLimits {
            gateway_per_minute: 5,
            ..RateLimits::default()
        },
        ..ServerConfig::default()
    };
    let server = TestServer::with(Engine::in_memory().await.unwrap(), config).await;
    let mut gateway = server.gateway().await;
    for _ in 0..10 {
        gateway.send(json!({ "op": 1, "d": null })).await;
    }
    assert_eq!(gateway.closed().await, Some(4008));
}

#[tokio::test]
async fn a_silent_client_is_closed_as_a_zombie() {
    let config = ServerConfig {
        heartbeat_interval: Duration::from_millis(300),
        ..test_config()
    };
    let server = TestServer::with(Engine::in_memory().await.unwrap(), config).await;
    let mut gateway = server.gateway().await;
    assert_eq!(gateway.closed().await, Some(4009));
}

#[tokio::test]
async fn outsiders_and_members_without_access_receive_nothing() {
    let server = TestServer::start().await;
    let owner = server.user("owner").await;
    let member = server.user("member").await;
    let outsider = server.user("outsider").await;
    let (guild, general) = owner.server("s").await;
    member.join(&guild).await;
    let sid = guild["id"].as_str().unwrap();
    let (mut member_gw, _) = server.identified(&member).await;
    let (mut outsider_gw, _) = server.identified(&outsider).await;

    let staff = owner
        .ok(
            "POST",
            &format!("/servers/{sid}/channels"),
            Some(json!({ "name": "staff", "is_private": true })),
        )
        .await;
    owner.say(staff["id"].as_str().unwrap(), "secret").await;
    owner.say(&general, "public").await;

    assert_eq!(
        names_until_marker(&mut member_gw, &member).await,
        vec!["MESSAGE_CREATE"]
    );
    assert_eq!(
        names_until_marker(&mut outsider_gw, &outsider).await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn shutdown_asks_clients_to_reconnect() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let (mut gateway, _) = server.identified(&alice).await;
    let stopping = tokio::spawn(server.stop());
    loop {
        match gateway.next().await {
            Incoming::Frame(frame) if frame["op"] == 7 => break,
            Incoming::Frame(_) => {}
            Incoming::Closed(code) => panic!("closed with {code:?} before op 7"),
        }
    }
    stopping.await.unwrap();
}

#[tokio::test]
async fn a_client_too_slow_to_read_is_dropped_and_resumes() {
    let engine = Engine::in_memory().await.unwrap();
    let config = ServerConfig {
        write_timeout: Duration::from_millis(200),
        ..test_config()
    };
    let server = TestServer::with(engine.clone(), config).await;
    let alice = server.user("alice").await;
    let (_, general) = alice.server("s").await;
    let (mut gateway, ready) = server.identified(&alice).await;
    let session_id = ready["d"]["session_id"].as_str().unwrap().to_owned();

    // Far more than the socket buffers hold, while the client reads nothing.
    let me: chat_engine::id::UserId = alice.id.parse().unwrap();
    let channel: chat_engine::id::ChannelId = general.parse().unwrap();
    let sent = 20_000;
    for i in 0..sent {
        let request = chat_engine::model::CreateMessage {
            content: format!("flood {i} {}", "x".repeat(200)),
            ..Default::default()
        };
        engine.send_message(me, channel, request).await.unwrap();
    }
    let mut received = 0;
    let mut last = 0;
    loop {
        match gateway.next().await {
            Incoming::Frame(frame) if frame["t"] == "MESSAGE_CREATE" => {
                received += 1;
                last = frame["s"].as_u64().unwrap();
            }
            Incoming::Frame(_) => {}
            Incoming::Closed(_) => break,
        }
    }
    assert!(
        received < sent,
        "the server dropped the slow client instead of buffering ({received} of {sent})"
    );

    let mut again = server.gateway().await;
    again.send(json!({ "op": 6, "d": { "token": alice.token, "session_id": session_id, "seq": last } })).await;
    let mut replayed = 0;
    loop {
        let frame = again.frame().await;
        if frame["t"] == "RESUMED" {
            break;
        }
        if frame["t"] == "MESSAGE_CREATE" {
            replayed += 1;
        }
    }
    assert_eq!(
        received + replayed,
        sent,
        "resume delivers the rest exactly"
    );
}

#[tokio::test]
async fn intents_choose_the_events_and_message_content_the_content() {
    let server = TestServer::start().await;
    let owner = server.user("owner").await;
    let member = server.user("member").await;
    let (guild, general) = owner.server("intents").await;
    member.join(&guild).await;
    // GUILD_MESSAGES alone (1 << 9), then with MESSAGE_CONTENT (1 << 15), then none named.
    let mut bare = server.gateway().await;
    bare.send(json!({ "op": 2, "d": { "token": member.token, "intents": 512 } }))
        .await;
    bare.dispatch("READY").await;
    let mut content = server.gateway().await;
    content
        .send(json!({ "op": 2, "d": { "token": member.token, "intents": 512 | 32768 } }))
        .await;
    content.dispatch("READY").await;
    let (mut everything, _) = server.identified(&member).await;

    let (status, _) = owner
        .post(&format!("/channels/{general}/typing"), Value::Null)
        .await;
    assert!(status.is_success());
    owner.say(&general, "the plan").await;

    let first = everything.frame().await;
    assert_eq!(
        first["t"], "TYPING_START",
        "a session naming no intents gets everything"
    );
    // Neither the typing nor anyone's presence: the message is the next frame.
    let message = bare.frame().await;
    assert_eq!(message["t"], "MESSAGE_CREATE", "{message}");
    assert_eq!(
        message["d"]["content"], "",
        "no MESSAGE_CONTENT, no content"
    );
    assert!(message["d"]["id"].is_string());
    let message = content.dispatch("MESSAGE_CREATE").await;
    assert_eq!(message["d"]["content"], "the plan");
}

#[tokio::test]
async fn a_dropped_session_is_counted_and_resumes_with_its_intents() {
    let server = TestServer::start().await;
    let owner = server.user("owner").await;
    let member = server.user("member").await;
    let (guild, general) = owner.server("dropped").await;
    member.join(&guild).await;
    let health = |figure: &'static str| {
        let server = &server;
        async move { server.health().await[figure].as_u64().unwrap() }
    };
    let sessions = || health("gateway_sessions");

    // GUILD_MESSAGES without MESSAGE_CONTENT.
    let mut gateway = server.gateway().await;
    gateway
        .send(json!({ "op": 2, "d": { "token": member.token, "intents": 512 } }))
        .await;
    let ready = gateway.dispatch("READY").await;
    let session_id = ready["d"]["session_id"].as_str().unwrap().to_owned();
    let seq = ready["s"].as_u64().unwrap();
    assert_eq!(sessions().await, 1, "a session on its socket");
    assert_eq!(health("gateway_resumable").await, 0);
    drop(gateway); // the network fails: no close frame
    // Once the server sees the socket gone, the session waits for its resume.
    for _ in 0..500 {
        if health("gateway_resumable").await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(health("gateway_resumable").await, 1, "kept for its resume");
    assert_eq!(sessions().await, 1, "and counted once");

    owner.say(&general, "while away").await;
    let mut gateway = server.gateway().await;
    gateway
        .send(json!({ "op": 6, "d": { "token": member.token, "session_id": session_id, "seq": seq } }))
        .await;
    let missed = gateway.dispatch("MESSAGE_CREATE").await;
    assert_eq!(
        missed["d"]["content"], "",
        "the resumed session keeps the intents it identified with"
    );
    gateway.dispatch("RESUMED").await;
    assert_eq!(sessions().await, 1, "resumed, and counted once");
    assert_eq!(health("gateway_resumable").await, 0, "on its socket again");
}

#[tokio::test]
async fn a_request_that_is_not_a_websocket_handshake_is_refused_with_the_reason() {
    let server = TestServer::start().await;
    let url = format!("http://{}/ws", server.addr);
    let refused = |response: reqwest::Response| async move {
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        (status, body["code"].as_str().unwrap().to_owned())
    };

    // A browser opening the address as a page.
    let plain = server.http.get(&url).send().await.unwrap();
    assert_eq!(refused(plain).await, (426, "upgrade_required".into()));

    let handshake = |version: &'static str| {
        server
            .http
            .get(&url)
            .header("connection", "keep-alive, Upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-version", version)
    };
    let old_version = handshake("8")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused(old_version).await,
        (400, "invalid_handshake".into())
    );
    let no_key = handshake("13").send().await.unwrap();
    assert_eq!(refused(no_key).await, (400, "invalid_handshake".into()));

    // The server still opens gateways after refusing those. READY, larger than the
    // connection's write buffer keeps, goes straight to the socket and arrives whole, and
    // the dispatches queued after it follow in order.
    let alice = server.user("alice").await;
    let (_, general) = alice.server("s").await;
    let (mut gateway, ready) = server.identified(&alice).await;
    assert!(ready.to_string().len() > 512, "{ready}");
    assert_eq!(ready["d"]["servers"][0]["name"], "s");
    for n in 0..3 {
        alice.say(&general, &format!("after READY {n}")).await;
    }
    for n in 0..3 {
        let created = gateway.dispatch("MESSAGE_CREATE").await;
        assert_eq!(created["d"]["content"], format!("after READY {n}"));
    }
    server.stop().await;
}
