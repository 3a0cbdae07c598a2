//! Every class of bad input gets a 4xx with a reason, and nothing is stored.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::TestServer;

async fn raw(
    server: &TestServer,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: &str,
) -> (StatusCode, Value) {
    let response = server
        .http
        .request(method, server.url(path))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn bad_input_is_a_4xx_and_stores_nothing() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let (guild, general) = alice.server("s").await;
    let sid = guild["id"].as_str().unwrap();
    let messages = format!("/channels/{general}/messages");
    let post = reqwest::Method::POST;

    let cases: Vec<(reqwest::Method, String, String, StatusCode, &str)> = vec![
        (
            post.clone(),
            messages.clone(),
            "{not json".into(),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            post.clone(),
            messages.clone(),
            r#"{"content": 42}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            post.clone(),
            messages.clone(),
            r#"{"content": ""}"#.into(),
            StatusCode::BAD_REQUEST,
            "validation",
        ),
        (
            post.clone(),
            messages.clone(),
            format!(r#"{{"content": "{}"}}"#, "x".repeat(4001)),
            StatusCode::BAD_REQUEST,
            "validation",
        ),
        (
            post.clone(),
            messages.clone(),
            r#"{"content": "hi", "reply_to_id": "not-an-id"}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            post.clone(),
            "/channels/not-an-id/messages".into(),
            r#"{"content": "hi"}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_id",
        ),
        (
            reqwest::Method::PATCH,
            format!("{messages}/not-an-id"),
            r#"{"content": "hi"}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_id",
        ),
        (
            reqwest::Method::PATCH,
            format!("/servers/{sid}/members/@you"),
            r#"{"nickname": "x"}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_id",
        ),
        (
            post.clone(),
            "/servers".into(),
            r#"{"name": ["array"]}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            post.clone(),
            "/servers".into(),
            r"{}".into(),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            post.clone(),
            format!("/servers/{sid}/roles"),
            r#"{"name": "r", "permissions": -1}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            post.clone(),
            format!("/servers/{sid}/roles"),
            r#"{"name": "r", "color": 99999999}"#.into(),
            StatusCode::BAD_REQUEST,
            "validation",
        ),
        (
            reqwest::Method::PUT,
            format!("/channels/{general}/permissions/{sid}"),
            r#"{"type": "everyone", "allow": 1}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            post.clone(),
            format!("/servers/{sid}/channels"),
            r#"{"name": "x", "type": "dm"}"#.into(),
            StatusCode::BAD_REQUEST,
            "validation",
        ),
        (
            post.clone(),
            format!("/servers/{sid}/invites"),
            r#"{"max_uses": -5}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            post.clone(),
            "/users/@me/channels".into(),
            r#"{"recipient_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "recipients": []}"#.into(),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            reqwest::Method::PATCH,
            "/auth/me".into(),
            format!(r#"{{"bio": "{}"}}"#, "b".repeat(191)),
            StatusCode::BAD_REQUEST,
            "validation",
        ),
    ];
    for (method, path, body, status, code) in &cases {
        let (got, error) = raw(&server, &alice.token, method.clone(), path, body).await;
        assert_eq!(got, *status, "{method} {path} {body}: {error}");
        assert_eq!(error["code"], *code, "{method} {path}: {error}");
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{error}"
        );
    }

    for query in [
        "limit=0",
        "limit=101",
        "limit=abc",
        "limit=-1",
        "before=nope",
        "before=01ARZ3NDEKTSV4RRFFQ69G5FAV&after=01ARZ3NDEKTSV4RRFFQ69G5FAV",
    ] {
        let (status, error) = alice.get(&format!("{messages}?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {error}");
    }
    let (status, _) = alice
        .get(&format!("/servers/{sid}/members?limit=1001"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Too large a body is refused before it is parsed.
    let huge = format!(r#"{{"content": "{}"}}"#, "x".repeat(100_000));
    let (status, _) = raw(&server, &alice.token, post.clone(), &messages, &huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    // Without a token, with a bad one, and on unknown routes.
    let anonymous = server
        .http
        .get(server.url("/servers"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let (status, _) = raw(&server, "garbage", reqwest::Method::GET, "/servers", "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, error) = alice.get("/no/such/route").await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("no_route"))
    );
    let (status, _) = alice.call("PATCH", "/servers", Some(json!({}))).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);

    // Nothing was stored.
    let history = alice.ok("GET", &messages, None).await;
    assert!(history.as_array().unwrap().is_empty(), "{history}");
    assert_eq!(
        alice
            .ok("GET", "/servers", None)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        alice
            .ok("GET", &format!("/servers/{sid}/roles"), None)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        alice
            .ok("GET", &format!("/servers/{sid}/channels"), None)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(alice.ok("GET", "/auth/me", None).await["bio"], "");
}

#[tokio::test]
async fn registration_input_is_checked() {
    let server = TestServer::start().await;
    server.user("taken").await;
    let cases = [
        (
            json!({ "username": "x", "password": "long enough" }),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({ "username": "fine", "password": "short" }),
            StatusCode::BAD_REQUEST,
        ),
        (json!({ "username": "fine" }), StatusCode::BAD_REQUEST),
        (
            json!({ "username": "TAKEN", "password": "long enough" }),
            StatusCode::CONFLICT,
        ),
        (
            json!({ "username": "fine", "password": "long enough", "email": "no-at-sign" }),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (body, status) in cases {
        let response = server
            .http
            .post(server.url("/auth/register"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{body}");
        let error: Value = response.json().await.unwrap();
        assert!(error["code"].is_string() && error["message"].is_string());
    }
    let login = server
        .http
        .post(server.url("/auth/login"))
        .json(&json!({ "username": "fine", "password": "long enough" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        login.status(),
        StatusCode::UNAUTHORIZED,
        "no account was made"
    );
}
