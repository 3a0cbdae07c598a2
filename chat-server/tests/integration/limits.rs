//! Rate limits: 429 with `Retry-After` and the `X-RateLimit-*` headers.

use chat_engine::Engine;
use chat_server::ServerConfig;
use chat_server::ratelimit::RateLimits;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{PASSWORD, TestServer};

fn limited(limits: RateLimits) -> ServerConfig {
    ServerConfig {
        rate_limits: limits,
        ..ServerConfig::default()
    }
}

#[tokio::test]
async fn auth_routes_are_limited_per_ip() {
    let config = limited(RateLimits {
        auth_per_minute: 3,
        ..RateLimits::default()
    });
    let server = TestServer::with(Engine::in_memory().await.unwrap(), config).await;
    let attempt = || {
        server
            .http
            .post(server.url("/auth/login"))
            .json(&json!({ "username": "nobody", "password": PASSWORD }))
            .send()
    };
    for remaining in [2, 1, 0] {
        let response = attempt().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()["x-ratelimit-limit"], "3");
        assert_eq!(
            response.headers()["x-ratelimit-remaining"],
            remaining.to_string().as_str()
        );
        assert_eq!(response.headers()["x-ratelimit-bucket"], "auth");
    }
    let refused = attempt().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(refused.headers().contains_key("x-ratelimit-reset-after"));
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
}

#[tokio::test]
async fn message_sends_are_limited_per_user() {
    let config = limited(RateLimits {
        messages_per_5s: 2,
        auth_per_minute: 100,
        ..RateLimits::default()
    });
    let server = TestServer::with(Engine::in_memory().await.unwrap(), config).await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (guild, general) = alice.server("s").await;
    bob.join(&guild).await;
    alice.say(&general, "one").await;
    alice.say(&general, "two").await;
    let (status, body) = alice
        .post(
            &format!("/channels/{general}/messages"),
            json!({ "content": "three" }),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    // Another user has their own bucket; reads are not message sends.
    bob.say(&general, "mine").await;
    assert_eq!(
        alice.get(&format!("/channels/{general}/messages")).await.0,
        StatusCode::OK
    );
    let history = alice
        .ok("GET", &format!("/channels/{general}/messages"), None)
        .await;
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["content"] != "three")
    );
}

#[tokio::test]
async fn slow_mode_answers_429_with_retry_after() {
    let server = TestServer::start().await;
    let owner = server.user("owner").await;
    let member = server.user("member").await;
    let (guild, general) = owner.server("s").await;
    member.join(&guild).await;
    owner
        .ok(
            "PATCH",
            &format!("/channels/{general}"),
            Some(json!({ "slow_mode_delay": 30 })),
        )
        .await;
    member.say(&general, "first").await;
    let response = member
        .http
        .post(server.url(&format!("/channels/{general}/messages")))
        .bearer_auth(&member.token)
        .json(&json!({ "content": "second" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry));
}

#[tokio::test]
async fn each_route_counts_in_the_bucket_its_table_entry_names() {
    let config = limited(RateLimits {
        auth_per_minute: 100,
        ..RateLimits::default()
    });
    let server = TestServer::with(Engine::in_memory().await.unwrap(), config).await;
    let alice = server.user("alice").await;
    let (_, general) = alice.server("s").await;
    let bucket = |method: reqwest::Method, path: String, body: Option<serde_json::Value>| {
        let request = server
            .http
            .request(method, server.url(&path))
            .bearer_auth(&alice.token);
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        async move {
            let response = request.send().await.unwrap();
            assert!(
                response.status().is_success(),
                "{path}: {}",
                response.status()
            );
            response.headers()["x-ratelimit-bucket"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    let messages = format!("/channels/{general}/messages");
    let sent = bucket(
        reqwest::Method::POST,
        messages.clone(),
        Some(json!({ "content": "hi" })),
    );
    assert_eq!(sent.await, "message_send");
    let read = bucket(reqwest::Method::GET, messages.clone(), None);
    assert_eq!(read.await, "global");
    let history = alice.ok("GET", &messages, None).await;
    let id = history[0]["id"].as_str().unwrap();
    let ack = bucket(reqwest::Method::POST, format!("{messages}/{id}/ack"), None);
    assert_eq!(ack.await, "global", "a POST under /messages is not a send");
    let login = server
        .http
        .post(server.url("/auth/login"))
        .json(&json!({ "username": "alice", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.headers()["x-ratelimit-bucket"], "auth");
}
