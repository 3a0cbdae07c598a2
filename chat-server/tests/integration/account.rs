//! Account security over HTTP: the two-step login of DESIGN.md, throttled wrong codes, the
//! password change that logs every other session out, and the list of sessions.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{PASSWORD, TestServer};

fn code(secret: &str) -> String {
    crate::authz_matrix::totp_code(secret, 0)
}

fn wrong(secret: &str) -> String {
    let right: u32 = code(secret).parse().unwrap();
    format!("{:06}", (right + 500_000) % 1_000_000)
}

#[tokio::test]
async fn totp_login_is_two_steps_and_wrong_codes_are_refused_then_throttled() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let setup = alice.ok("POST", "/auth/mfa/totp/enable", None).await;
    let secret = setup["secret"].as_str().unwrap().to_owned();
    assert!(
        setup["otpauth_url"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    assert!(setup["qr_svg"].as_str().unwrap().starts_with("<svg"));
    for bad in [
        json!({}),
        json!({ "code": 123_456 }),
        json!({ "code": "1", "x": 1 }),
    ] {
        let (status, _) = alice.post("/auth/mfa/totp/confirm", bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    let (status, _) = alice
        .post("/auth/mfa/totp/confirm", json!({ "code": wrong(&secret) }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let codes = alice
        .ok(
            "POST",
            "/auth/mfa/totp/confirm",
            Some(json!({ "code": code(&secret) })),
        )
        .await;
    assert_eq!(codes["backup_codes"].as_array().unwrap().len(), 10);

    let login = json!({ "username": "alice", "password": PASSWORD });
    let (status, challenge) = alice.post("/auth/login", login).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(challenge["mfa_required"], true);
    assert!(
        challenge.get("token").is_none(),
        "no tokens before the second step"
    );
    let ticket = challenge["ticket"].clone();

    let step = |code: String| json!({ "ticket": ticket, "code": code });
    // The confirming code was used; the next step's is fresh, and works once.
    let (status, _) = alice.post("/auth/mfa/totp", step(code(&secret))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let fresh = crate::authz_matrix::totp_code(&secret, 1);
    let answer = server
        .http
        .post(server.url("/auth/mfa/totp"))
        .json(&step(fresh.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let (status, _) = alice.post("/auth/mfa/totp", step(fresh)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(answer.headers().get_all("set-cookie").iter().count() >= 2);
    let tokens: Value = answer.json().await.unwrap();
    assert_eq!(tokens["user"]["username"], "alice");

    let mut statuses = Vec::new();
    for _ in 0..6 {
        let (status, _) = alice.post("/auth/mfa/totp", step(wrong(&secret))).await;
        statuses.push(status);
    }
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
    let throttled = server
        .http
        .post(server.url("/auth/mfa/totp"))
        .json(&step(code(&secret)))
        .send()
        .await
        .unwrap();
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(throttled.headers().get("retry-after").is_some());
}

#[tokio::test]
async fn a_password_change_logs_every_other_session_out() {
    let server = TestServer::start().await;
    let phone = server.user("bob").await;
    let laptop = server.login("bob").await;
    let sessions = laptop.ok("GET", "/auth/sessions", None).await;
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);

    let (status, _) = laptop
        .post(
            "/auth/password",
            json!({ "current_password": "wrong one!", "new_password": "brand new password" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = laptop
        .post(
            "/auth/password",
            json!({ "current_password": PASSWORD, "new_password": "short" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        phone.get("/auth/me").await.0,
        StatusCode::OK,
        "nothing changed yet"
    );

    let (status, _) = laptop
        .post(
            "/auth/password",
            json!({ "current_password": PASSWORD, "new_password": "brand new password" }),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(phone.get("/auth/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(laptop.get("/auth/me").await.0, StatusCode::OK);
    let (status, _) = laptop
        .call("DELETE", "/auth/sessions/not-an-id", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = laptop.call("DELETE", "/auth/sessions", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}
