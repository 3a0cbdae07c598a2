//! Instance administration: administrators see every server and user, delete abusive
//! servers and disable accounts; nobody else may.

use chat_engine::model::{AdminQuery, CreateMessage, Event, LoginRequest};
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

#[tokio::test]
async fn a_disabled_server_is_closed_to_everyone_until_it_is_enabled() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let admin = h.new_user("root").await;
    h.engine.set_instance_admin(admin, true).await.unwrap();
    let outsider = h.new_user("outsider").await;
    h.engine
        .update_server(
            owner,
            server.id,
            chat_engine::model::UpdateServer {
                is_public: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut session = h.engine.subscribe(member).unwrap();

    // Only administrators and the operator disable servers.
    assert_code(
        h.engine.disable_server(owner, server.id, "no").await,
        ErrorCode::Forbidden,
    );
    assert_code(
        h.engine
            .disable_server(admin, server.id, &"r".repeat(513))
            .await,
        ErrorCode::Validation,
    );
    let disabled = h
        .engine
        .disable_server(Administrator::Operator, server.id, "spam ring")
        .await
        .unwrap();
    assert_eq!(disabled.disabled.unwrap().reason, "spam ring");

    // Its members hear why; nobody, its owner included, reads, writes or joins.
    let heard = loop {
        if let Event::ServerUpdate(s) = &session.next_event().await.unwrap().event {
            break s.clone();
        }
    };
    assert_eq!(heard.disabled.unwrap().reason, "spam ring");
    for user in [owner, member] {
        assert_code(
            h.engine
                .send_message(user, general, text("still here?"))
                .await,
            ErrorCode::Forbidden,
        );
        assert!(h.engine.list_channels(user, server.id).unwrap().is_empty());
    }
    assert_code(
        h.engine.accept_invite(outsider, &server.invite_code).await,
        ErrorCode::Forbidden,
    );
    let everyone = chat_engine::model::DiscoveryQuery::default();
    assert!(h.engine.discover_servers(&everyone).unwrap().is_empty());
    let listed = h
        .engine
        .admin_list_servers(admin, &AdminQuery::default())
        .unwrap();
    assert!(listed[0].disabled.is_some(), "administrators still see it");
    let refusal = h
        .engine
        .list_messages(member, general, chat_engine::model::HistoryQuery::default())
        .unwrap_err();
    assert!(refusal.to_string().contains("spam ring"), "{refusal}");

    // Enabled again, everything works as before, and a live session sees its channel again.
    h.engine.enable_server(admin, server.id).await.unwrap();
    h.say(member, general, "back").await;
    let back = loop {
        if let Event::MessageCreate(m) = &session.next_event().await.unwrap().event {
            break m.clone();
        }
    };
    assert_eq!(back.content, "back");
    h.engine
        .accept_invite(outsider, &server.invite_code)
        .await
        .unwrap();
    assert_eq!(h.engine.discover_servers(&everyone).unwrap().len(), 1);
}

fn text(content: &str) -> CreateMessage {
    CreateMessage {
        content: content.into(),
        ..Default::default()
    }
}
