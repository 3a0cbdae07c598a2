//! Account security: two-step login with TOTP and backup codes, the per-account throttle,
//! password changes, the list of sessions, and refresh tokens that expire.

use std::time::Duration;

use chat_engine::model::{LoginRequest, LoginResponse, PasswordChange};
use chat_engine::{Engine, ErrorCode};
use totp_rs::{Algorithm, Builder, Secret};

use crate::harness::{PASSWORD, TestHarness, assert_code};

/// The code an authenticator app shows now for a base32 secret.
fn code_now(secret: &str) -> String {
    code_later(secret, 0)
}

/// The code it shows `steps` 30-second steps from now: a code works once, so a second code
/// within one step is the next step's (which the server accepts a step early).
fn code_later(secret: &str, steps: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap()
        .generate(now + 30 * steps)
        .to_string()
}

/// A code that is wrong now, whatever the clock says.
fn wrong_code(secret: &str) -> String {
    let right: u32 = code_now(secret).parse().unwrap();
    format!("{:06}", (right + 500_000) % 1_000_000)
}

fn login(name: &str, password: &str) -> LoginRequest {
    LoginRequest {
        username: name.into(),
        password: password.into(),
    }
}

#[tokio::test]
async fn totp_makes_login_two_steps_with_throttled_codes_and_single_use_backup_codes() {
    let h = TestHarness::new().await;
    let alice = h.new_user("alice").await;
    let setup = h.engine.enable_totp(alice).await.unwrap();
    assert!(setup.otpauth_url.starts_with("otpauth://totp/"));
    assert!(setup.otpauth_url.contains(&setup.secret));
    // Not on until a first code confirms it.
    let first = h
        .engine
        .login(login("alice", PASSWORD), "test")
        .await
        .unwrap();
    assert!(first.tokens().is_some());
    assert_code(
        h.engine
            .confirm_totp(alice, &wrong_code(&setup.secret))
            .await,
        ErrorCode::Validation,
    );
    let backup = h
        .engine
        .confirm_totp(alice, &code_now(&setup.secret))
        .await
        .unwrap()
        .backup_codes;
    assert_eq!(backup.len(), 10);
    assert_code(h.engine.enable_totp(alice).await, ErrorCode::Conflict);

    let LoginResponse::MfaRequired(challenge) = h
        .engine
        .login(login("alice", PASSWORD), "test")
        .await
        .unwrap()
    else {
        panic!("a second step is needed");
    };
    assert!(challenge.mfa_required);
    let ticket = challenge.ticket;
    assert_code(
        h.engine
            .totp_login(&ticket, &wrong_code(&setup.secret), "t")
            .await,
        ErrorCode::Unauthorized,
    );
    assert_code(
        h.engine.totp_login("not.a.ticket", "123456", "t").await,
        ErrorCode::Unauthorized,
    );
    // The code that confirmed the setup was used: a login needs a fresh one, once.
    assert_code(
        h.engine
            .totp_login(&ticket, &code_now(&setup.secret), "t")
            .await,
        ErrorCode::Unauthorized,
    );
    let fresh = code_later(&setup.secret, 1);
    let tokens = h
        .engine
        .totp_login(&ticket, &fresh, "Firefox on Linux")
        .await
        .unwrap()
        .tokens()
        .unwrap();
    assert_eq!(tokens.user.id, alice);
    assert_code(
        h.engine.totp_login(&ticket, &fresh, "t").await,
        ErrorCode::Unauthorized,
    );
    // An access token is no ticket, and a backup code works once.
    assert_code(
        h.engine.totp_login(&tokens.token, &backup[0], "t").await,
        ErrorCode::Unauthorized,
    );
    h.engine.totp_login(&ticket, &backup[0], "t").await.unwrap();
    assert_code(
        h.engine.totp_login(&ticket, &backup[0], "t").await,
        ErrorCode::Unauthorized,
    );

    // Too many wrong codes: the account refuses even the right one for a while.
    for _ in 0..5 {
        let _ = h
            .engine
            .totp_login(&ticket, &wrong_code(&setup.secret), "t")
            .await;
    }
    assert_code(
        h.engine
            .totp_login(&ticket, &code_now(&setup.secret), "t")
            .await,
        ErrorCode::RateLimited,
    );
    assert_code(
        h.engine.login(login("alice", PASSWORD), "t").await,
        ErrorCode::RateLimited,
    );
}

#[tokio::test]
async fn totp_is_turned_off_with_a_code_and_never_with_a_wrong_one() {
    let h = TestHarness::new().await;
    let bob = h.new_user("bob").await;
    assert_code(
        h.engine.confirm_totp(bob, "123456").await,
        ErrorCode::Validation,
    );
    assert_code(
        h.engine.disable_totp(bob, "123456").await,
        ErrorCode::Validation,
    );
    let setup = h.engine.enable_totp(bob).await.unwrap();
    h.engine
        .confirm_totp(bob, &code_now(&setup.secret))
        .await
        .unwrap();
    assert_code(
        h.engine.disable_totp(bob, &wrong_code(&setup.secret)).await,
        ErrorCode::Validation,
    );
    h.engine
        .disable_totp(bob, &code_later(&setup.secret, 1))
        .await
        .unwrap();
    let login = h.engine.login(login("bob", PASSWORD), "t").await.unwrap();
    assert!(login.tokens().is_some(), "one step again");
}

#[tokio::test]
async fn wrong_passwords_are_throttled_per_account() {
    let h = TestHarness::new().await;
    h.new_user("carol").await;
    for _ in 0..5 {
        assert_code(
            h.engine
                .login(login("carol", "not the password"), "t")
                .await,
            ErrorCode::Unauthorized,
        );
    }
    assert_code(
        h.engine.login(login("carol", PASSWORD), "t").await,
        ErrorCode::RateLimited,
    );
}

#[tokio::test]
async fn a_password_change_ends_every_other_session_and_sessions_are_listed_and_revoked() {
    let h = TestHarness::new().await;
    h.new_user("dave").await;
    let mut sessions = Vec::new();
    for client in ["Firefox on Linux", "Chrome on Android", "Safari on iOS"] {
        let tokens = h
            .engine
            .login(login("dave", PASSWORD), client)
            .await
            .unwrap()
            .tokens()
            .unwrap();
        sessions.push(h.engine.authenticate(&tokens.token).unwrap());
    }
    let me = sessions[0];
    let listed = h.engine.list_sessions(me).unwrap();
    assert_eq!(listed.len(), 4, "the registration's and three logins");
    let current = listed.iter().find(|s| s.current).unwrap();
    assert_eq!(current.id, me.session_id);
    assert_eq!(current.client, "Firefox on Linux");

    h.engine
        .revoke_session(me, sessions[1].session_id)
        .await
        .unwrap();
    assert_code(
        h.engine.revoke_session(me, sessions[1].session_id).await,
        ErrorCode::NotFound,
    );
    let other = h.new_user("eve").await;
    let eves = h
        .engine
        .login(login("eve", PASSWORD), "t")
        .await
        .unwrap()
        .tokens()
        .unwrap();
    let eve = h.engine.authenticate(&eves.token).unwrap();
    assert_eq!(eve.user_id, other);
    assert_code(
        h.engine.revoke_session(me, eve.session_id).await,
        ErrorCode::NotFound,
    );

    let wrong = PasswordChange {
        current_password: "not it at all".into(),
        new_password: "a new password".into(),
    };
    assert_code(
        h.engine.change_password(me, wrong).await,
        ErrorCode::Unauthorized,
    );
    let short = PasswordChange {
        current_password: PASSWORD.into(),
        new_password: "short".into(),
    };
    assert_code(
        h.engine.change_password(me, short).await,
        ErrorCode::Validation,
    );
    let change = PasswordChange {
        current_password: PASSWORD.into(),
        new_password: "a new password".into(),
    };
    h.engine.change_password(me, change).await.unwrap();
    assert_eq!(h.engine.list_sessions(me).unwrap().len(), 1);
    let revoked = h.engine.refresh(&eves.refresh_token).await;
    assert!(revoked.is_ok(), "another user's session is untouched");
    assert_code(
        h.engine.login(login("dave", PASSWORD), "t").await,
        ErrorCode::Unauthorized,
    );
    h.engine
        .login(login("dave", "a new password"), "t")
        .await
        .unwrap();
    assert_eq!(h.engine.revoke_other_sessions(me).await.unwrap(), 1);
}

#[tokio::test]
async fn refresh_tokens_expire_unused() {
    let engine = Engine::builder()
        .refresh_token_ttl(Duration::ZERO)
        .open()
        .await
        .unwrap();
    let h = TestHarness { engine, dir: None };
    h.new_user("frank").await;
    let tokens = h
        .engine
        .login(login("frank", PASSWORD), "t")
        .await
        .unwrap()
        .tokens()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert_code(
        h.engine.refresh(&tokens.refresh_token).await,
        ErrorCode::Unauthorized,
    );
    let h = TestHarness::new().await;
    h.new_user("gina").await;
    let tokens = h
        .engine
        .login(login("gina", PASSWORD), "t")
        .await
        .unwrap()
        .tokens()
        .unwrap();
    let fresh = h.engine.refresh(&tokens.refresh_token).await.unwrap();
    assert_code(
        h.engine.refresh(&tokens.refresh_token).await,
        ErrorCode::Unauthorized,
    );
    assert_code(
        h.engine.refresh(&fresh.refresh_token).await,
        ErrorCode::Unauthorized,
    );
}
