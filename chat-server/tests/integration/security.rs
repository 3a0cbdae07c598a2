//! What answers carry for the browser's safety and what browsers' requests must show:
//! security headers with a strict CSP, the same-origin check on cookie writes, `Secure`
//! cookies over https, and forwarded addresses believed only from trusted proxies.

use chat_engine::Engine;
use chat_server::ServerConfig;
use chat_server::ratelimit::RateLimits;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{PASSWORD, TestServer, test_config};

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let server = TestServer::start().await;
    let root = server.url("").replace("/api/v1", "");
    for url in [
        format!("{root}/"),
        format!("{root}/js/main.js"),
        format!("{root}/healthz"),
        server.url("/servers"),
        server.url("/no-such-route"),
    ] {
        let response = server.http.get(&url).send().await.unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{url}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{url}");
        assert_eq!(headers["x-frame-options"], "DENY", "{url}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self' 'sha256-"), "{url}: {csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    }
}

/// Registers over plain HTTP and returns the `chat_token` cookie header.
async fn cookie_of(server: &TestServer, name: &str) -> (String, reqwest::header::HeaderMap) {
    let response = server
        .http
        .post(server.url("/auth/register"))
        .json(&json!({ "username": name, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let headers = response.headers().clone();
    let cookie = headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .find(|c| c.starts_with("chat_token="))
        .unwrap();
    (cookie, headers)
}

#[tokio::test]
async fn cookie_writes_must_come_from_the_servers_own_origin() {
    let server = TestServer::start().await;
    let (cookie, _) = cookie_of(&server, "alice").await;
    let create = |origin: Option<&str>| {
        let mut request = server
            .http
            .post(server.url("/servers"))
            .header("cookie", &cookie)
            .json(&json!({ "name": "s" }));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    let refused = create(None).await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        refused.json::<serde_json::Value>().await.unwrap()["code"],
        "csrf"
    );
    let forged = create(Some("http://evil.example")).await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let host = server.url("").replace("/api/v1", "");
    let own = create(Some(&host)).await.unwrap();
    assert_eq!(own.status(), StatusCode::CREATED);
    // Reads by cookie need no Origin; the refused writes stored nothing.
    let servers: serde_json::Value = server
        .http
        .get(server.url("/servers"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(servers.as_array().unwrap().len(), 1);
}

fn set_cookies(headers: &reqwest::header::HeaderMap) -> Vec<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn cookies_are_secure_when_people_come_over_https() {
    let plain = TestServer::start().await;
    let (_, headers) = cookie_of(&plain, "alice").await;
    assert!(set_cookies(&headers).iter().all(|c| !c.contains("Secure")));

    let config = ServerConfig {
        public_url: Some("https://chat.example".into()),
        ..test_config()
    };
    let behind = TestServer::with(Engine::in_memory().await.unwrap(), config).await;
    let (_, headers) = cookie_of(&behind, "alice").await;
    let cookies = set_cookies(&headers);
    assert_eq!(cookies.len(), 2);
    assert!(
        cookies.iter().all(|c| c.contains("; Secure")),
        "{cookies:?}"
    );

    // X-Forwarded-Proto counts only from a trusted proxy.
    let proto = |server: &TestServer| {
        server
            .http
            .post(server.url("/auth/register"))
            .header("x-forwarded-proto", "https")
            .json(&json!({ "username": "bob", "password": PASSWORD }))
            .send()
    };
    let untrusted = proto(&plain).await.unwrap();
    assert!(
        set_cookies(untrusted.headers())
            .iter()
            .all(|c| !c.contains("Secure"))
    );
    let config = ServerConfig {
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..test_config()
    };
    let proxied = TestServer::with(Engine::in_memory().await.unwrap(), config).await;
    let trusted = proto(&proxied).await.unwrap();
    assert!(
        set_cookies(trusted.headers())
            .iter()
            .all(|c| c.contains("; Secure"))
    );
}

#[tokio::test]
async fn the_gateway_url_follows_how_people_reach_the_server() {
    let gateway = |server: &TestServer| {
        let request = server.http.get(server.url("/gateway"));
        async move {
            request
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    let plain = TestServer::start().await;
    let host = plain.url("").replace("/api/v1", "").replace("http://", "");
    assert_eq!(gateway(&plain).await["url"], format!("ws://{host}/ws"));
    let config = ServerConfig {
        public_url: Some("https://chat.example".into()),
        ..test_config()
    };
    let behind = TestServer::with(Engine::in_memory().await.unwrap(), config).await;
    assert_eq!(gateway(&behind).await["url"], "wss://chat.example/ws");
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let limits = RateLimits {
        auth_per_minute: 2,
        ..RateLimits::default()
    };
    let attempts = |server: &TestServer, from: &'static str| {
        let request = server
            .http
            .post(server.url("/auth/login"))
            .header("x-forwarded-for", from)
            .json(&json!({ "username": "nobody", "password": PASSWORD }));
        async move { request.send().await.unwrap().status() }
    };
    let direct = ServerConfig {
        rate_limits: limits.clone(),
        ..ServerConfig::default()
    };
    let server = TestServer::with(Engine::in_memory().await.unwrap(), direct).await;
    // A client cannot dodge its limit by naming other addresses.
    assert_eq!(
        attempts(&server, "198.51.100.1").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        attempts(&server, "198.51.100.2").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        attempts(&server, "198.51.100.3").await,
        StatusCode::TOO_MANY_REQUESTS
    );

    let proxied = ServerConfig {
        rate_limits: limits,
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..ServerConfig::default()
    };
    let server = TestServer::with(Engine::in_memory().await.unwrap(), proxied).await;
    for _ in 0..2 {
        assert_eq!(
            attempts(&server, "198.51.100.1").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        attempts(&server, "198.51.100.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        attempts(&server, "198.51.100.2").await,
        StatusCode::UNAUTHORIZED,
        "behind the proxy, each client has its own bucket"
    );
}
