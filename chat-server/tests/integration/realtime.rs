//! Presence, typing, voice states, member requests and acks across sessions.

use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{Gateway, TestServer};

/// The next presence update about `user`, skipping others (such as one's own).
async fn presence_of(gateway: &mut Gateway, user: &str) -> serde_json::Value {
    loop {
        let frame = gateway.dispatch("PRESENCE_UPDATE").await;
        if frame["d"]["user_id"] == user {
            return frame;
        }
    }
}

#[tokio::test]
async fn presence_follows_connections_and_hides_invisible_users() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (guild, _) = alice.server("s").await;
    bob.join(&guild).await;
    let (mut watcher, _) = server.identified(&alice).await;

    let (mut bob_gw, _) = server.identified(&bob).await;
    let online = presence_of(&mut watcher, &bob.id).await;
    assert_eq!(
        (
            online["d"]["user_id"].as_str(),
            online["d"]["status"].as_str()
        ),
        (Some(bob.id.as_str()), Some("online"))
    );

    bob_gw.send(json!({ "op": 3, "d": { "status": "dnd", "custom_status": "focus", "activities": [{ "type": "playing", "name": "chess" }] } })).await;
    let dnd = presence_of(&mut watcher, &bob.id).await;
    assert_eq!(
        (
            dnd["d"]["status"].as_str(),
            dnd["d"]["custom_status"].as_str()
        ),
        (Some("dnd"), Some("focus"))
    );
    assert_eq!(dnd["d"]["activities"][0]["name"], "chess");

    bob_gw
        .send(json!({ "op": 3, "d": { "status": "invisible" } }))
        .await;
    let hidden = presence_of(&mut watcher, &bob.id).await;
    assert_eq!(
        hidden["d"]["status"], "offline",
        "invisible looks offline to others"
    );
    let own = presence_of(&mut bob_gw, &bob.id).await;
    assert!(["dnd", "invisible", "online"].contains(&own["d"]["status"].as_str().unwrap()));

    bob_gw
        .send(json!({ "op": 3, "d": { "status": "online" } }))
        .await;
    assert_eq!(
        presence_of(&mut watcher, &bob.id).await["d"]["status"],
        "online"
    );
    drop(bob_gw);
    assert_eq!(
        presence_of(&mut watcher, &bob.id).await["d"]["status"],
        "offline",
        "offline after the last session"
    );
}

#[tokio::test]
async fn typing_is_broadcast_to_viewers_once_per_five_seconds() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (guild, general) = alice.server("s").await;
    bob.join(&guild).await;
    let (mut gateway, _) = server.identified(&alice).await;
    for _ in 0..3 {
        let (status, _) = bob
            .call("POST", &format!("/channels/{general}/typing"), None)
            .await;
        assert_eq!(status, reqwest::StatusCode::NO_CONTENT);
    }
    bob.say(&general, "done typing").await;
    let mut names = Vec::new();
    loop {
        let frame = gateway.frame().await;
        let t = frame["t"].as_str().unwrap_or_default().to_owned();
        if t == "TYPING_START" {
            assert_eq!(frame["d"]["user_id"], bob.id.as_str());
            assert_eq!(frame["d"]["channel_id"], general.as_str());
        }
        if t == "MESSAGE_CREATE" {
            break;
        }
        if t != "PRESENCE_UPDATE" {
            names.push(t);
        }
    }
    assert_eq!(names, vec!["TYPING_START"]);
}

#[tokio::test]
async fn voice_states_are_broadcast_and_listed_in_ready() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (guild, _) = alice.server("s").await;
    bob.join(&guild).await;
    let sid = guild["id"].as_str().unwrap();
    let voice = alice
        .ok(
            "POST",
            &format!("/servers/{sid}/channels"),
            Some(json!({ "name": "Lounge", "type": "voice" })),
        )
        .await;
    let (mut watcher, _) = server.identified(&alice).await;
    let (mut bob_gw, _) = server.identified(&bob).await;
    bob_gw.send(json!({ "op": 4, "d": { "server_id": sid, "channel_id": voice["id"], "self_mute": true } })).await;
    let joined = watcher.dispatch("VOICE_STATE_UPDATE").await;
    assert_eq!(
        (
            joined["d"]["channel_id"].clone(),
            joined["d"]["self_mute"].clone()
        ),
        (voice["id"].clone(), json!(true))
    );

    alice
        .ok(
            "PATCH",
            &format!("/servers/{sid}/members/{}", bob.id),
            Some(json!({ "is_deafened": true })),
        )
        .await;
    let deafened = watcher.dispatch("VOICE_STATE_UPDATE").await;
    assert_eq!(deafened["d"]["is_deafened"], true);

    let (_, ready) = server.identified(&alice).await;
    let states = ready["d"]["servers"][0]["voice_states"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(states.len(), 1);
    assert_eq!(states[0]["user_id"], bob.id.as_str());

    bob_gw
        .send(json!({ "op": 4, "d": { "server_id": sid, "channel_id": null } }))
        .await;
    let left = watcher.dispatch("VOICE_STATE_UPDATE").await;
    assert!(left["d"]["channel_id"].is_null());
}

#[tokio::test]
async fn members_can_be_requested_over_the_gateway() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (guild, _) = alice.server("s").await;
    bob.join(&guild).await;
    let (mut gateway, _) = server.identified(&alice).await;
    gateway
        .send(json!({ "op": 8, "d": { "server_id": guild["id"], "limit": 10 } }))
        .await;
    let chunk = gateway.dispatch("MEMBERS_CHUNK").await;
    assert_eq!(chunk["d"]["members"].as_array().unwrap().len(), 2);
    assert!(
        chunk["d"]["presences"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["user_id"] == alice.id.as_str())
    );
}

#[tokio::test]
async fn an_ack_reaches_the_users_other_sessions() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (guild, general) = alice.server("s").await;
    bob.join(&guild).await;
    let message = alice.say(&general, "read me").await;
    let (mut other_device, _) = server.identified(&bob).await;
    let id = message["id"].as_str().unwrap();
    let state = bob
        .ok(
            "POST",
            &format!("/channels/{general}/messages/{id}/ack"),
            None,
        )
        .await;
    assert_eq!(state["unread_count"], 0);
    let ack = other_device.dispatch("MESSAGE_ACK").await;
    assert_eq!(
        (
            ack["d"]["channel_id"].as_str(),
            ack["d"]["message_id"].as_str()
        ),
        (Some(general.as_str()), Some(id))
    );
}

#[tokio::test]
async fn the_client_kind_holds_across_resume_and_users_show_their_live_status() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (guild, _) = alice.server("s").await;
    bob.join(&guild).await;
    let sid = guild["id"].as_str().unwrap();
    let alice_seen_by_bob = || async { bob.get(&format!("/users/{}", alice.id)).await.1 };
    let client_info = || async {
        let presences = bob.get(&format!("/servers/{sid}/presences")).await.1;
        let mine = presences
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["user_id"] == alice.id.as_str())
            .cloned();
        mine.map(|p| p["client_info"].clone()).unwrap_or_default()
    };
    assert_eq!(alice_seen_by_bob().await["status"], "offline");

    // `?token=` with `client=mobile` identifies as a mobile client.
    let mut mobile = server
        .gateway_at(&format!("/ws?token={}&client=mobile", alice.token))
        .await;
    let ready = mobile.dispatch("READY").await;
    assert_eq!(
        ready["d"]["user"]["status"], "online",
        "READY's user is live"
    );
    assert_eq!(client_info().await, json!({ "mobile": "online" }));
    assert_eq!(alice_seen_by_bob().await["status"], "online");

    // A resume that names no kind keeps the one the session identified with.
    let session_id = ready["d"]["session_id"].as_str().unwrap().to_owned();
    let seq = ready["s"].as_u64().unwrap();
    drop(mobile);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut again = server.gateway().await;
    again
        .send(
            json!({ "op": 6, "d": { "token": alice.token, "session_id": session_id, "seq": seq } }),
        )
        .await;
    again.dispatch("RESUMED").await;
    assert_eq!(client_info().await, json!({ "mobile": "online" }));

    // Invisible: others see offline, the user sees invisible.
    again
        .send(json!({ "op": 3, "d": { "status": "invisible" } }))
        .await;
    let mut status = Value::Null;
    for _ in 0..50 {
        status = alice_seen_by_bob().await["status"].clone();
        if status == "offline" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status, "offline");
    assert_eq!(alice.get("/auth/me").await.1["status"], "invisible");

    // An unknown kind is refused before the upgrade.
    let refused =
        tokio_tungstenite::connect_async(format!("ws://{}/ws?client=toaster", server.addr)).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 400);
            let body = String::from_utf8(response.body().clone().unwrap_or_default()).unwrap();
            assert!(body.contains("invalid_query"), "{body}");
        }
        other => panic!("expected a 400, got {other:?}"),
    }
    server.stop().await;
}
