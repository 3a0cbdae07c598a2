//! Presence, typing, voice states, member requests and acks across sessions.

use serde_json::json;

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
