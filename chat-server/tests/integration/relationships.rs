//! Friends, blocks and group DMs over HTTP and the gateway, with their bad input.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::TestServer;

#[tokio::test]
async fn friends_dm_without_a_server_and_a_block_stops_them() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (mut bobs, _) = server.identified(&bob).await;
    let dm = json!({ "recipient_id": bob.id });
    assert_eq!(
        alice.post("/users/@me/channels", dm.clone()).await.0,
        StatusCode::FORBIDDEN
    );

    for bad in [
        json!({}),
        json!({ "username": 7 }),
        json!({ "username": "bob", "extra": 1 }),
    ] {
        let (status, body) = alice.post("/users/@me/relationships", bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    let (status, _) = alice
        .post("/users/@me/relationships", json!({ "username": "nobody" }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = alice
        .post("/users/@me/relationships", json!({ "username": "alice" }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = alice
        .post("/users/@me/relationships", json!({ "username": "Bob" }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let heard = bobs.dispatch("RELATIONSHIP_ADD").await;
    assert_eq!(heard["d"]["type"], "incoming");
    assert_eq!(heard["d"]["id"], alice.id);
    assert_eq!(heard["d"]["user"]["username"], "alice");

    let accept = format!("/users/@me/relationships/{}", alice.id);
    let (status, _) = bob
        .call("PUT", &accept, Some(json!({ "type": "incoming" })))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = bob
        .call("PUT", &accept, Some(json!({ "type": "friend" })))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let list = alice.ok("GET", "/users/@me/relationships", None).await;
    assert_eq!(list[0]["type"], "friend");

    let channel = alice.ok("POST", "/users/@me/channels", Some(dm)).await;
    let channel = channel["id"].as_str().unwrap().to_owned();
    alice.say(&channel, "friends now").await;

    let (status, _) = bob
        .call("PUT", &accept, Some(json!({ "type": "blocked" })))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = alice
        .post(
            &format!("/channels/{channel}/messages"),
            json!({ "content": "hello?" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let blocked = bob.ok("GET", "/users/@me/relationships", None).await;
    assert_eq!(blocked[0]["type"], "blocked");
    assert_eq!(
        alice.ok("GET", "/users/@me/relationships", None).await,
        json!([])
    );
    let (status, _) = bob.call("DELETE", &accept, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = bob.call("DELETE", &accept, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn group_dm_recipients_come_and_go_and_each_side_hears_of_it() {
    let server = TestServer::start().await;
    let owner = server.user("owner").await;
    let friend = server.user("friend").await;
    let newcomer = server.user("newcomer").await;
    for other in ["friend", "newcomer"] {
        owner
            .ok(
                "POST",
                "/users/@me/relationships",
                Some(json!({ "username": other })),
            )
            .await;
    }
    for api in [&friend, &newcomer] {
        let accept = format!("/users/@me/relationships/{}", owner.id);
        api.ok("PUT", &accept, Some(json!({ "type": "friend" })))
            .await;
    }
    let group = owner
        .ok(
            "POST",
            "/users/@me/channels",
            Some(json!({ "recipients": [friend.id], "name": "pals" })),
        )
        .await;
    let group = group["id"].as_str().unwrap().to_owned();
    let (mut friends, _) = server.identified(&friend).await;
    let (mut newcomers, _) = server.identified(&newcomer).await;

    let add = format!("/channels/{group}/recipients/{}", newcomer.id);
    assert_eq!(
        friend.call("PUT", &add, None).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, _) = owner
        .call("PUT", &format!("/channels/{group}/recipients/nope"), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        owner.call("PUT", &add, None).await.0,
        StatusCode::NO_CONTENT
    );
    let added = friends.dispatch("CHANNEL_RECIPIENT_ADD").await;
    assert_eq!(added["d"]["user"]["id"], newcomer.id);
    let created = newcomers.dispatch("CHANNEL_CREATE").await;
    assert_eq!(created["d"]["id"], group);

    let (status, _) = newcomer
        .call(
            "PATCH",
            &format!("/channels/{group}"),
            Some(json!({ "name": "best pals", "icon_url": "https://example.com/i.png" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = newcomer
        .call(
            "PATCH",
            &format!("/channels/{group}"),
            Some(json!({ "topic": "no topics here" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let leave = format!("/channels/{group}/recipients/@me");
    assert_eq!(
        newcomer.call("DELETE", &leave, None).await.0,
        StatusCode::NO_CONTENT
    );
    let removed = friends.dispatch("CHANNEL_RECIPIENT_REMOVE").await;
    assert_eq!(removed["d"]["user"]["id"], newcomer.id);
    let (status, _) = newcomer.get(&format!("/channels/{group}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let listed: Value = friend.ok("GET", "/users/@me/channels", None).await;
    assert_eq!(listed[0]["name"], "best pals");
    assert_eq!(listed[0]["recipients"].as_array().unwrap().len(), 2);
}
