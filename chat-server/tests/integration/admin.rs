//! Instance administration over HTTP and the gateway: a disabled account's socket closes at
//! once; administrators list and delete what they must, and no one else may.

use chat_engine::Engine;
use chat_engine::id::UserId;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{TestServer, test_config};

#[tokio::test]
async fn an_administrator_disables_an_account_and_its_socket_closes_at_once() {
    let engine = Engine::in_memory().await.unwrap();
    let server = TestServer::with(engine.clone(), test_config()).await;
    let admin = server.user("root").await;
    let root: UserId = admin.id.parse().unwrap();
    let abuser = server.user("abuser").await;
    let (guild, _) = abuser.server("spam central").await;

    // Not an administrator yet: every admin route refuses.
    assert_eq!(admin.get("/admin/users").await.0, StatusCode::FORBIDDEN);
    engine.set_instance_admin(root, true).await.unwrap();
    let me = admin.ok("GET", "/auth/me", None).await;
    assert_eq!(me["instance_admin"], true);
    let (status, _) = admin.get("/admin/users?limit=500").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let users = admin.ok("GET", "/admin/users?q=abu", None).await;
    assert_eq!(users[0]["user"]["username"], "abuser");
    assert_eq!(users[0]["disabled"], serde_json::Value::Null);
    let servers = admin.ok("GET", "/admin/servers", None).await;
    assert_eq!(servers[0]["name"], "spam central");

    let (mut socket, _) = server.identified(&abuser).await;
    let path = format!("/admin/users/{}/disabled", abuser.id);
    let (status, _) = abuser
        .call("PUT", &path, Some(json!({ "reason": "self" })))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = admin.call("PUT", &path, Some(json!({ "reason": 7 }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let disabled = admin
        .ok("PUT", &path, Some(json!({ "reason": "spam" })))
        .await;
    assert_eq!(disabled["disabled"]["reason"], "spam");
    let heard = socket.dispatch("ACCOUNT_DISABLED").await;
    assert_eq!(heard["d"]["reason"], "spam");
    assert_eq!(socket.closed().await, Some(4004));
    assert_eq!(abuser.get("/auth/me").await.0, StatusCode::UNAUTHORIZED);
    let (status, _) = abuser
        .post(
            "/auth/login",
            json!({ "username": "abuser", "password": crate::harness::PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let id = guild["id"].as_str().unwrap();
    assert_eq!(
        admin
            .call("DELETE", &format!("/servers/{id}"), None)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(admin.ok("GET", "/admin/servers", None).await, json!([]));
    admin.ok("DELETE", &path, None).await;
}

#[tokio::test]
async fn an_administrator_disables_a_server_and_its_members_are_told() {
    let engine = Engine::in_memory().await.unwrap();
    let server = TestServer::with(engine.clone(), test_config()).await;
    let admin = server.user("root").await;
    engine
        .set_instance_admin(admin.id.parse().unwrap(), true)
        .await
        .unwrap();
    let owner = server.user("founder").await;
    let (guild, channel) = owner.server("raided").await;
    let id = guild["id"].as_str().unwrap();
    let path = format!("/admin/servers/{id}/disabled");
    let (mut socket, _) = server.identified(&owner).await;

    let (status, _) = owner
        .call("PUT", &path, Some(json!({ "reason": "mine" })))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = admin.call("PUT", &path, Some(json!({ "why": "x" }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = admin
        .call(
            "PUT",
            "/admin/servers/01ARZ3NDEKTSV4RRFFQ69G5FAV/disabled",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let disabled = admin
        .ok("PUT", &path, Some(json!({ "reason": "raid" })))
        .await;
    assert_eq!(disabled["disabled"]["reason"], "raid");
    let heard = socket.dispatch("SERVER_UPDATE").await;
    assert_eq!(heard["d"]["disabled"]["reason"], "raid");

    // Its owner can no longer write in it; the server itself still shows why.
    let messages = format!("/channels/{channel}/messages");
    let (status, _) = owner
        .call("POST", &messages, Some(json!({ "content": "hello?" })))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let shown = owner.ok("GET", &format!("/servers/{id}"), None).await;
    assert_eq!(shown["disabled"]["reason"], "raid");

    admin.ok("DELETE", &path, None).await;
    let enabled = owner.ok("GET", &format!("/servers/{id}"), None).await;
    assert!(enabled.get("disabled").is_none(), "{enabled}");
    let (status, _) = owner
        .call("POST", &messages, Some(json!({ "content": "back" })))
        .await;
    assert_eq!(status, StatusCode::CREATED);
}
