//! Instance administration: administrators see every server and user, delete abusive
//! servers and disable accounts; nobody else may.

use chat_engine::model::{AdminQuery, Event, LoginRequest};
use chat_engine::{Administrator, ErrorCode};

use crate::harness::{PASSWORD, TestHarness, assert_code};

#[tokio::test]
async fn administrators_see_everything_delete_servers_and_disable_accounts() {
    let h = TestHarness::new().await;
    let (server, _, owner, member) = h.scene().await;
    let admin = h.new_user("root").await;
    let all = AdminQuery::default();
    assert_code(
        h.engine.admin_list_servers(admin, &all),
        ErrorCode::Forbidden,
    );
    assert_code(h.engine.admin_list_users(owner, &all), ErrorCode::Forbidden);
    assert_code(
        h.engine.disable_account(owner, member, "no").await,
        ErrorCode::Forbidden,
    );
    h.engine.set_instance_admin(admin, true).await.unwrap();

    let servers = h.engine.admin_list_servers(admin, &all).unwrap();
    assert_eq!(servers[0].id, server.id);
    assert_eq!(
        h.engine.fetch_server(admin, server.id).unwrap().id,
        server.id
    );
    let named = AdminQuery {
        q: Some("MEMB".into()),
        ..AdminQuery::default()
    };
    let users = h.engine.admin_list_users(admin, &named).unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].user.id, member);
    let bad = AdminQuery {
        limit: Some(0),
        ..AdminQuery::default()
    };
    assert_code(
        h.engine.admin_list_users(admin, &bad),
        ErrorCode::Validation,
    );
    assert!(h.engine.fetch_user(admin, admin).unwrap().instance_admin);
    assert!(!h.engine.fetch_user(owner, admin).unwrap().instance_admin);

    // Disabling ends the sessions, tells the user, and refuses logins.
    let login = |name: &str| LoginRequest {
        username: name.into(),
        password: PASSWORD.into(),
    };
    let tokens = h
        .engine
        .login(login("member"), "t")
        .await
        .unwrap()
        .tokens()
        .unwrap();
    let mut session = h.engine.subscribe(member).unwrap();
    assert_code(
        h.engine.disable_account(admin, admin, "").await,
        ErrorCode::Forbidden,
    );
    let nobody = chat_engine::id::UserId::from_ulid(ulid::Ulid::from_parts(1, 1));
    assert_code(
        h.engine.disable_account(admin, nobody, "").await,
        ErrorCode::NotFound,
    );
    assert_code(
        h.engine
            .disable_account(admin, member, &"r".repeat(513))
            .await,
        ErrorCode::Validation,
    );
    let disabled = h
        .engine
        .disable_account(admin, member, "spam")
        .await
        .unwrap();
    assert_eq!(disabled.disabled.unwrap().reason, "spam");
    assert_code(
        h.engine.authenticate(&tokens.token),
        ErrorCode::Unauthorized,
    );
    assert_code(
        h.engine.login(login("member"), "t").await,
        ErrorCode::Forbidden,
    );
    let heard = loop {
        if let Event::AccountDisabled(d) = &session.next_event().await.unwrap().event {
            break d.clone();
        }
    };
    assert_eq!(heard.user_id, member);
    h.engine.enable_account(admin, member).await.unwrap();
    h.engine.login(login("member"), "t").await.unwrap();

    // An abusive server goes, though the administrator is not in it.
    h.engine.delete_server(admin, server.id).await.unwrap();
    assert_code(h.engine.fetch_server(owner, server.id), ErrorCode::NotFound);
    assert!(h.engine.admin_list_servers(admin, &all).unwrap().is_empty());
}

#[tokio::test]
async fn the_operator_administers_without_an_account() {
    let h = TestHarness::new().await;
    let (server, _, owner, member) = h.scene().await;
    let admin = h.new_user("root").await;
    h.engine.set_instance_admin(admin, true).await.unwrap();
    let operator = Administrator::Operator;

    // Only administrators and the operator read the instance's figures or look anyone up.
    assert_code(h.engine.instance_summary(owner), ErrorCode::Forbidden);
    assert_code(
        h.engine.admin_find_user(member, "owner"),
        ErrorCode::Forbidden,
    );
    let summary = h.engine.instance_summary(operator).unwrap();
    assert_eq!(
        (
            summary.users,
            summary.administrators,
            summary.disabled_users
        ),
        (3, 1, 0)
    );
    assert_eq!(summary.servers, 1);
    assert_eq!(h.engine.instance_summary(admin).unwrap(), summary);

    // By username (in any spacing) or by id; an unknown one is not found.
    let by_name = h.engine.admin_find_user(operator, " member ").unwrap();
    assert_eq!(by_name.user.id, member);
    let by_id = h
        .engine
        .admin_find_user(admin, &member.to_string())
        .unwrap();
    assert_eq!(by_id.user.username, "member");
    assert_code(
        h.engine.admin_find_user(operator, "nobody"),
        ErrorCode::NotFound,
    );

    // An administrator cannot disable another; the operator can.
    let second = h.new_user("second").await;
    h.engine.set_instance_admin(second, true).await.unwrap();
    assert_code(
        h.engine.disable_account(admin, second, "").await,
        ErrorCode::Forbidden,
    );
    let disabled = h
        .engine
        .disable_account(operator, second, "left")
        .await
        .unwrap();
    assert_eq!(disabled.disabled.unwrap().reason, "left");
    assert_eq!(
        h.engine.instance_summary(operator).unwrap().disabled_users,
        1
    );
    h.engine.enable_account(operator, second).await.unwrap();
    let servers = h
        .engine
        .admin_list_servers(operator, &AdminQuery::default())
        .unwrap();
    assert_eq!(servers[0].id, server.id);
    let users = h
        .engine
        .admin_list_users(operator, &AdminQuery::default())
        .unwrap();
    assert_eq!(users.len(), 4);
    assert!(users.iter().all(|user| user.disabled.is_none()));
}
