use chat_engine::ErrorCode;
use chat_engine::model::{CreateBot, LoginRequest, RegisterRequest, UpdateProfile};

use crate::harness::{PASSWORD, TestHarness, assert_code};

fn register(name: &str, password: &str) -> RegisterRequest {
    RegisterRequest {
        username: name.into(),
        password: password.into(),
        email: None,
    }
}

#[tokio::test]
async fn register_login_and_authenticate() {
    let h = TestHarness::new().await;
    let auth = h
        .engine
        .register(register("alice", PASSWORD))
        .await
        .unwrap();
    assert_eq!(auth.user.username, "alice");
    assert_eq!(auth.user.discriminator.len(), 4);
    assert!(auth.user.discriminator.chars().all(|c| c.is_ascii_digit()));
    assert!(!auth.user.is_bot);
    let identity = h.engine.authenticate(&auth.token).unwrap();
    assert_eq!(identity.user_id, auth.user.id);

    let login = h
        .engine
        .login(
            LoginRequest {
                username: "ALICE".into(),
                password: PASSWORD.into(),
            },
            "test",
        )
        .await
        .unwrap()
        .tokens()
        .unwrap();
    assert_eq!(login.user.id, auth.user.id);
    assert_ne!(
        login.refresh_token, auth.refresh_token,
        "each login is its own session"
    );
}

#[tokio::test]
async fn registration_refuses_bad_input_and_changes_nothing() {
    let h = TestHarness::new().await;
    assert_code(
        h.engine.register(register("a", PASSWORD)).await,
        ErrorCode::Validation,
    );
    assert_code(
        h.engine.register(register("has space", PASSWORD)).await,
        ErrorCode::Validation,
    );
    assert_code(
        h.engine.register(register(&"x".repeat(33), PASSWORD)).await,
        ErrorCode::Validation,
    );
    assert_code(
        h.engine.register(register("shortpw", "1234567")).await,
        ErrorCode::Validation,
    );
    let bad_email = RegisterRequest {
        email: Some("nope".into()),
        ..register("mailer", PASSWORD)
    };
    assert_code(h.engine.register(bad_email).await, ErrorCode::Validation);
    for name in ["a", "shortpw", "mailer"] {
        let login = h
            .engine
            .login(
                LoginRequest {
                    username: name.into(),
                    password: PASSWORD.into(),
                },
                "test",
            )
            .await;
        assert_code(login, ErrorCode::Unauthorized);
    }
    h.engine.register(register("Bob", PASSWORD)).await.unwrap();
    assert_code(
        h.engine.register(register("bob", PASSWORD)).await,
        ErrorCode::Conflict,
    );
}

#[tokio::test]
async fn login_with_a_wrong_password_is_refused() {
    let h = TestHarness::new().await;
    h.new_user("carol").await;
    let wrong = LoginRequest {
        username: "carol".into(),
        password: "wrong password".into(),
    };
    assert_code(h.engine.login(wrong, "test").await, ErrorCode::Unauthorized);
    let unknown = LoginRequest {
        username: "nobody".into(),
        password: PASSWORD.into(),
    };
    assert_code(
        h.engine.login(unknown, "test").await,
        ErrorCode::Unauthorized,
    );
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_session() {
    let h = TestHarness::new().await;
    let first = h.engine.register(register("dave", PASSWORD)).await.unwrap();
    let second = h.engine.refresh(&first.refresh_token).await.unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);
    assert!(h.engine.authenticate(&second.token).is_ok());
    // The old refresh token is dead, and presenting it ends the whole session.
    assert_code(
        h.engine.refresh(&first.refresh_token).await,
        ErrorCode::Unauthorized,
    );
    assert_code(
        h.engine.refresh(&second.refresh_token).await,
        ErrorCode::Unauthorized,
    );
    assert_code(
        h.engine.authenticate(&second.token),
        ErrorCode::Unauthorized,
    );
    assert_code(h.engine.refresh("garbage").await, ErrorCode::Unauthorized);
}

#[tokio::test]
async fn logout_revokes_access_and_refresh_tokens() {
    let h = TestHarness::new().await;
    let auth = h.engine.register(register("erin", PASSWORD)).await.unwrap();
    let identity = h.engine.authenticate(&auth.token).unwrap();
    h.engine.logout(identity).await.unwrap();
    assert_code(h.engine.authenticate(&auth.token), ErrorCode::Unauthorized);
    assert_code(
        h.engine.refresh(&auth.refresh_token).await,
        ErrorCode::Unauthorized,
    );
    assert_code(h.engine.authenticate("not.a.jwt"), ErrorCode::Unauthorized);
}

#[tokio::test]
async fn expired_access_tokens_are_refused() {
    let engine = chat_engine::Engine::builder()
        .access_token_ttl(std::time::Duration::ZERO)
        .open()
        .await
        .unwrap();
    let auth = engine.register(register("frank", PASSWORD)).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_code(engine.authenticate(&auth.token), ErrorCode::Unauthorized);
}

#[tokio::test]
async fn profiles_update_within_limits() {
    let h = TestHarness::new().await;
    let user = h.new_user("grace").await;
    let update = UpdateProfile {
        display_name: Some("  Grace H.  ".into()),
        bio: Some("compilers".into()),
        ..Default::default()
    };
    let updated = h.engine.update_profile(user, update).await.unwrap();
    assert_eq!(updated.display_name, "Grace H.");
    assert_eq!(h.engine.fetch_user(user, user).unwrap().bio, "compilers");
    let too_long = UpdateProfile {
        bio: Some("b".repeat(191)),
        ..Default::default()
    };
    assert_code(
        h.engine.update_profile(user, too_long).await,
        ErrorCode::Validation,
    );
    assert_eq!(h.engine.fetch_user(user, user).unwrap().bio, "compilers");
}

#[tokio::test]
async fn bots_get_a_revocable_long_lived_token() {
    let h = TestHarness::new().await;
    let owner = h.new_user("henry").await;
    let bot = h
        .engine
        .create_bot(
            owner,
            CreateBot {
                username: "helper-bot".into(),
            },
        )
        .await
        .unwrap();
    assert!(bot.user.is_bot);
    let identity = h.engine.authenticate(&bot.token).unwrap();
    assert_eq!(identity.user_id, bot.user.id);
    // Bots cannot log in with a password, nor refresh with their token, nor make bots.
    let login = LoginRequest {
        username: "helper-bot".into(),
        password: PASSWORD.into(),
    };
    assert_code(h.engine.login(login, "test").await, ErrorCode::Unauthorized);
    assert_code(h.engine.refresh(&bot.token).await, ErrorCode::Unauthorized);
    assert_code(
        h.engine
            .create_bot(
                bot.user.id,
                CreateBot {
                    username: "bot2".into(),
                },
            )
            .await,
        ErrorCode::Forbidden,
    );
    h.engine.logout(identity).await.unwrap();
    assert_code(h.engine.authenticate(&bot.token), ErrorCode::Unauthorized);
    let mut tampered = bot.token.clone();
    tampered.push('0');
    assert_code(h.engine.authenticate(&tampered), ErrorCode::Unauthorized);
}
