//! The REST lifecycle, cookie auth, the service routes and persistence across restarts.

use chat_engine::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{PASSWORD, TestServer, test_config};

#[tokio::test]
async fn register_login_server_invite_join_send_and_read() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;

    let login = server
        .http
        .post(server.url("/auth/login"))
        .json(&json!({ "username": "alice", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let login: serde_json::Value = login.json().await.unwrap();
    assert_eq!(login["user"]["id"], alice.id.as_str());
    assert!(login["token"].is_string() && login["refresh_token"].is_string());

    let (guild, general) = alice.server("Rustaceans").await;
    let invite = alice
        .ok(
            "POST",
            &format!("/servers/{}/invites", guild["id"].as_str().unwrap()),
            Some(json!({ "max_uses": 5 })),
        )
        .await;
    let code = invite["code"].as_str().unwrap();
    assert_eq!(
        bob.ok("GET", &format!("/invites/{code}"), None).await["server_id"],
        guild["id"]
    );
    let joined = bob.ok("POST", &format!("/invites/{code}"), None).await;
    assert_eq!(joined["member_count"], 2);

    let sent = bob.say(&general, "hello **alice**").await;
    assert_eq!(
        sent["content_html"],
        "<p>hello <strong>alice</strong></p>\n"
    );
    let history = alice
        .ok(
            "GET",
            &format!("/channels/{general}/messages?limit=10"),
            None,
        )
        .await;
    let contents: Vec<_> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(contents, vec!["default", "system_join"], "newest first");
    let id = sent["id"].as_str().unwrap();
    assert_eq!(
        alice
            .ok("GET", &format!("/channels/{general}/messages/{id}"), None)
            .await["content"],
        "hello **alice**"
    );

    let me = bob.ok("GET", "/auth/me", None).await;
    assert_eq!(me["username"], "bob");
    let servers = bob.ok("GET", "/servers", None).await;
    assert_eq!(servers.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn messages_edit_delete_react_pin_and_ack() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let (_, general) = alice.server("s").await;
    let message = alice.say(&general, "frist").await;
    let id = message["id"].as_str().unwrap();
    let base = format!("/channels/{general}/messages/{id}");
    let edited = alice
        .ok("PATCH", &base, Some(json!({ "content": "first" })))
        .await;
    assert_eq!(
        (edited["is_edited"].as_bool(), edited["content"].as_str()),
        (Some(true), Some("first"))
    );
    assert_eq!(
        alice.ok("GET", &format!("{base}/edits"), None).await[0]["content"],
        "frist"
    );
    let (status, _) = alice
        .call("PUT", &format!("{base}/reactions/%F0%9F%A6%80/@me"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let reacted = alice.ok("GET", &base, None).await;
    assert_eq!(reacted["reactions"][0]["emoji"], "🦀");
    assert_eq!(reacted["reactions"][0]["me"], true);
    assert_eq!(
        alice
            .ok("GET", &format!("{base}/reactions/%F0%9F%A6%80"), None)
            .await[0]["id"],
        alice.id.as_str()
    );
    alice
        .ok("PUT", &format!("/channels/{general}/pins/{id}"), None)
        .await;
    assert_eq!(
        alice
            .ok("GET", &format!("/channels/{general}/pins"), None)
            .await[0]["id"],
        id
    );
    let state = alice.ok("POST", &format!("{base}/ack"), None).await;
    assert_eq!(state["last_read_id"], id);
    let (status, _) = alice.call("DELETE", &base, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(alice.get(&base).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn roles_members_channels_and_overwrites() {
    let server = TestServer::start().await;
    let owner = server.user("owner").await;
    let member = server.user("member").await;
    let (guild, _) = owner.server("s").await;
    member.join(&guild).await;
    let sid = guild["id"].as_str().unwrap();
    let role = owner
        .ok(
            "POST",
            &format!("/servers/{sid}/roles"),
            Some(json!({ "name": "mods", "permissions": 4 })),
        )
        .await;
    let rid = role["id"].as_str().unwrap();
    let patched = owner
        .ok(
            "PATCH",
            &format!("/servers/{sid}/roles/{rid}"),
            Some(json!({ "color": 255 })),
        )
        .await;
    assert_eq!(patched["color"], 255);
    let assigned = owner
        .ok(
            "PUT",
            &format!("/servers/{sid}/members/{}/roles/{rid}", member.id),
            None,
        )
        .await;
    assert_eq!(assigned["role_ids"][0], rid);
    owner
        .ok(
            "DELETE",
            &format!("/servers/{sid}/members/{}/roles/{rid}", member.id),
            None,
        )
        .await;
    let channel = owner
        .ok(
            "POST",
            &format!("/servers/{sid}/channels"),
            Some(json!({ "name": "staff", "is_private": true })),
        )
        .await;
    let cid = channel["id"].as_str().unwrap();
    assert_eq!(
        member.get(&format!("/channels/{cid}")).await.0,
        StatusCode::NOT_FOUND
    );
    owner
        .ok(
            "PUT",
            &format!("/channels/{cid}/permissions/{rid}"),
            Some(json!({ "type": "role", "allow": 1, "deny": 0 })),
        )
        .await;
    owner
        .ok(
            "PUT",
            &format!("/servers/{sid}/members/{}/roles/{rid}", member.id),
            None,
        )
        .await;
    assert_eq!(
        member.ok("GET", &format!("/channels/{cid}"), None).await["name"],
        "staff"
    );
    let explained = owner
        .ok(
            "GET",
            &format!(
                "/servers/{sid}/permissions?permission=1&user_id={}&channel_id={cid}",
                member.id
            ),
            None,
        )
        .await;
    assert_eq!(explained["allowed"], true);
    assert_eq!(explained["decided_by"]["step"], "role_overwrites");
    let (status, _) = owner
        .call("DELETE", &format!("/servers/{sid}/roles/{rid}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let members = owner
        .ok("GET", &format!("/servers/{sid}/members?limit=10"), None)
        .await;
    assert_eq!(members.as_array().unwrap().len(), 2);
    let (status, _) = member
        .call("DELETE", &format!("/servers/{sid}/members/@me"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        owner.ok("GET", &format!("/servers/{sid}"), None).await["member_count"],
        1
    );
}

#[tokio::test]
async fn dms_threads_and_read_states() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (guild, general) = alice.server("s").await;
    bob.join(&guild).await;
    let dm = alice
        .ok(
            "POST",
            "/users/@me/channels",
            Some(json!({ "recipient_id": bob.id })),
        )
        .await;
    assert_eq!(dm["type"], "dm");
    bob.say(dm["id"].as_str().unwrap(), "hi").await;
    assert_eq!(
        alice
            .ok("GET", "/users/@me/channels", None)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let starter = alice.say(&general, "topic").await;
    let thread = bob
        .ok(
            "POST",
            &format!("/channels/{general}/threads"),
            Some(json!({ "message_id": starter["id"], "name": "talk" })),
        )
        .await;
    let tid = thread["id"].as_str().unwrap();
    alice
        .ok("PUT", &format!("/channels/{tid}/thread-members/@me"), None)
        .await;
    assert_eq!(
        alice
            .ok("GET", &format!("/channels/{tid}/thread-members"), None)
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let states = alice.ok("GET", "/users/@me/read-states", None).await;
    let dm_state = states
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["channel_id"] == dm["id"])
        .unwrap()
        .clone();
    assert_eq!(dm_state["unread_count"], 1);
}

#[tokio::test]
async fn cookies_authenticate_the_web_ui() {
    let server = TestServer::start().await;
    server.user("carol").await;
    let login = server
        .http
        .post(server.url("/auth/login"))
        .json(&json!({ "username": "carol", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let cookies: Vec<String> = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        cookies.iter().all(|c| c.contains("HttpOnly")),
        "{cookies:?}"
    );
    let token = cookies
        .iter()
        .find(|c| c.starts_with("chat_token="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let refresh = cookies
        .iter()
        .find(|c| c.starts_with("chat_refresh="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let me = server
        .http
        .get(server.url("/auth/me"))
        .header("cookie", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let refreshed = server
        .http
        .post(server.url("/auth/refresh"))
        .header("cookie", &refresh)
        .header("origin", server.url("").replace("/api/v1", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), StatusCode::OK);
    let again = server
        .http
        .post(server.url("/auth/refresh"))
        .header("cookie", &refresh)
        .header("origin", server.url("").replace("/api/v1", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        StatusCode::UNAUTHORIZED,
        "the old refresh token is rotated out"
    );
}

#[tokio::test]
async fn refresh_and_logout() {
    let server = TestServer::start().await;
    let dave = server.user("dave").await;
    let refreshed = server
        .http
        .post(server.url("/auth/refresh"))
        .json(&json!({ "refresh_token": dave.refresh }))
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), StatusCode::OK);
    let reuse = server
        .http
        .post(server.url("/auth/refresh"))
        .json(&json!({ "refresh_token": dave.refresh }))
        .send()
        .await
        .unwrap();
    assert_eq!(reuse.status(), StatusCode::UNAUTHORIZED);
    let (status, body) = dave.call("POST", "/auth/logout", None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "reusing the old refresh token revoked the session: {body}"
    );

    let erin = server.user("erin").await;
    assert_eq!(
        erin.call("POST", "/auth/logout", None).await.0,
        StatusCode::NO_CONTENT
    );
    let (status, body) = erin.get("/auth/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "unauthorized");
}

#[tokio::test]
async fn health_metrics_and_openapi() {
    let server = TestServer::start().await;
    let health: serde_json::Value = server
        .http
        .get(format!("http://{}/healthz", server.addr))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let user = server.user("metered").await;
    user.server("s").await;
    let metrics = server
        .http
        .get(format!("http://{}/metrics", server.addr))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("chat_http_requests_total"), "{metrics}");
    assert!(
        metrics.contains("chat_http_request_duration_seconds"),
        "{metrics}"
    );
    let doc: serde_json::Value = server
        .http
        .get(server.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/channels/{channel_id}/messages"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/servers/{server_id}/roles/{role_id}"]["patch"].is_object());
}

#[tokio::test]
async fn data_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::with(Engine::open(dir.path()).await.unwrap(), test_config()).await;
    let alice = server.user("alice").await;
    let (_, general) = alice.server("kept").await;
    let message = alice.say(&general, "still here?").await;
    server.stop().await;

    let server = TestServer::with(Engine::open(dir.path()).await.unwrap(), test_config()).await;
    let login: serde_json::Value = server
        .http
        .post(server.url("/auth/login"))
        .json(&json!({ "username": "alice", "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let alice = crate::harness::Api {
        token: login["token"].as_str().unwrap().to_owned(),
        ..alice
    };
    let alice = crate::harness::Api {
        base: server.url(""),
        ..alice
    };
    let fetched = alice
        .ok(
            "GET",
            &format!(
                "/channels/{general}/messages/{}",
                message["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(fetched["content"], "still here?");
    server.stop().await;
}

#[tokio::test]
async fn search_answers_total_and_messages() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let outsider = server.user("outsider").await;
    let (guild, general) = alice.server("s").await;
    bob.join(&guild).await;
    let sid = guild["id"].as_str().unwrap();
    alice.say(&general, "ferris the crab").await;
    bob.say(&general, "a crab rave").await;
    bob.say(&general, "nothing here").await;
    let found = bob
        .ok(
            "GET",
            &format!("/servers/{sid}/messages/search?q=crab"),
            None,
        )
        .await;
    assert_eq!(found["total"], 2);
    assert_eq!(found["messages"].as_array().unwrap().len(), 2);
    assert!(
        found["messages"][0]["highlight"]
            .as_str()
            .unwrap()
            .contains("<b>crab</b>")
    );
    assert!(
        found["messages"][0]["channel_id"].is_string(),
        "hits are messages"
    );
    let by_alice = bob
        .ok(
            "GET",
            &format!(
                "/servers/{sid}/messages/search?q=crab&author_id={}",
                alice.id
            ),
            None,
        )
        .await;
    assert_eq!(by_alice["total"], 1);
    for bad in [
        "q=",
        "q=crab&limit=0",
        "q=crab&limit=x",
        "q=crab&has=cats",
        "q=crab&channel_id=nope",
    ] {
        let (status, body) = bob
            .get(&format!("/servers/{sid}/messages/search?{bad}"))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    assert_eq!(
        outsider
            .get(&format!("/servers/{sid}/messages/search?q=crab"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_invite_is_previewed_without_an_account() {
    let server = TestServer::start().await;
    let owner = server.user("owner").await;
    let (guild, _) = owner.server("previewed").await;
    let code = guild["invite_code"].as_str().unwrap();
    let anonymous = server
        .http
        .get(server.url(&format!("/invites/{code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::OK);
    let preview: Value = anonymous.json().await.unwrap();
    assert_eq!(preview["code"], code);
    assert_eq!(preview["server"]["name"], "previewed");
    assert_eq!(preview["server"]["member_count"], 1);
    assert!(
        preview["server"].get("invite_code").is_none(),
        "a preview, not the server"
    );
    let unknown = server
        .http
        .get(server.url("/invites/no-such-code"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}
