//! Moving a server to another instance: an export read back by another engine makes the same
//! server under new ids, with its references followed; a damaged or foreign file changes
//! nothing; only administrators and the operator move servers.

use std::io::Cursor;

use chat_engine::model::{
    AdminQuery, CreateMessage, CreateThread, LoginRequest, Permissions, SearchQuery,
};
use chat_engine::{Administrator, ErrorCode};

use crate::harness::{PASSWORD, TestHarness, assert_code};

/// Exports `server` of `h` as the operator.
fn export(h: &TestHarness, server: chat_engine::id::ServerId) -> Vec<u8> {
    let mut out = Vec::new();
    h.engine
        .export_server(Administrator::Operator, server, &mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn an_exported_server_comes_back_whole_on_another_instance() {
    let source = TestHarness::new().await;
    let (server, general, owner, member) = source.scene().await;
    source
        .grant(&server, member, Permissions::MANAGE_MESSAGES)
        .await;
    let leaver = source.new_user("leaver").await;
    source.join(&server, leaver).await;
    let welcome = source
        .say(owner, general, &format!("welcome, <@{member}>"))
        .await;
    assert_eq!(welcome.mentions, vec![member]);
    let reply = source
        .engine
        .send_message(
            member,
            general,
            CreateMessage {
                content: "thanks".into(),
                reply_to_id: Some(welcome.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    source
        .engine
        .pin_message(owner, general, welcome.id)
        .await
        .unwrap();
    source.say(leaver, general, "bye, searchable words").await;
    source
        .engine
        .add_reaction(leaver, general, welcome.id, "👋")
        .await
        .unwrap();
    source.engine.leave_server(leaver, server.id).await.unwrap();
    let thread_start = source.say(owner, general, "a thread starts here").await;
    let thread = source
        .engine
        .create_thread(
            owner,
            general,
            CreateThread {
                auto_archive_duration: None,
                message_id: thread_start.id,
                name: "details".into(),
            },
        )
        .await
        .unwrap();
    source.say(member, thread.id, "inside the thread").await;
    let file = export(&source, server.id);
    let lines = String::from_utf8(file.clone()).unwrap();
    assert!(lines.lines().next().unwrap().contains("chat-server-export"));

    // Another instance, where "member" is somebody else's name already and the others are
    // unknown.
    let target = TestHarness::new().await;
    let keeper = target.new_user("keeper").await;
    let namesake = target.new_user("member").await;
    let summary = target
        .engine
        .import_server(Administrator::Operator, keeper, &mut Cursor::new(file))
        .await
        .unwrap();
    let exported = lines.matches("\"record\":\"message\"").count();
    assert!(exported >= 7, "{lines}");
    assert_eq!(summary.counts.messages, exported);
    let verified = chat_engine::transfer::verify(&mut Cursor::new(lines.as_bytes())).unwrap();
    assert_eq!(verified, summary.counts);
    assert_eq!((summary.users_matched, summary.users_created), (1, 2));
    let imported = summary.server;
    assert_ne!(imported.id, server.id);
    assert_eq!(imported.name, server.name);
    assert_eq!(imported.owner_id, keeper);
    assert_eq!(
        imported.member_count, 3,
        "keeper, member and owner's stand-in"
    );
    let listed = target
        .engine
        .admin_list_servers(Administrator::Operator, &AdminQuery::default())
        .unwrap();
    assert_eq!(listed.len(), 1);

    // Channels, roles and members follow under their new ids.
    let channels = target.engine.list_channels(keeper, imported.id).unwrap();
    let new_general = imported.system_channel_id.unwrap();
    assert!(
        channels
            .iter()
            .any(|c| c.id == new_general && c.name == "general")
    );
    assert!(channels.iter().all(|c| c.server_id == Some(imported.id)));
    let roles = target.engine.list_roles(keeper, imported.id).unwrap();
    let granted = roles.iter().find(|r| r.name == "granted").unwrap();
    assert!(granted.permissions.contains(Permissions::MANAGE_MESSAGES));
    let namesake_member = target
        .engine
        .fetch_member(keeper, imported.id, namesake)
        .unwrap();
    assert_eq!(namesake_member.role_ids, vec![granted.id]);

    // The messages, in order, with their mentions, reply and pin following them.
    let history = target.history(keeper, new_general);
    let texts: Vec<&str> = history.iter().map(|m| m.content.as_str()).collect();
    assert!(!texts.contains(&"inside the thread"), "{texts:?}");
    let welcome_here = history
        .iter()
        .find(|m| m.content.starts_with("welcome"))
        .unwrap();
    assert_eq!(welcome_here.content, format!("welcome, <@{namesake}>"));
    assert_eq!(welcome_here.mentions, vec![namesake]);
    assert_eq!(welcome_here.created_at, welcome.created_at);
    let reply_here = history.iter().find(|m| m.content == "thanks").unwrap();
    assert_eq!(reply_here.reply_to_id, Some(welcome_here.id));
    assert_eq!(reply_here.author_id, namesake);
    assert!(reply_here.id > welcome_here.id && reply_here.id.to_string() != reply.id.to_string());
    let pins = target.engine.list_pins(keeper, new_general).unwrap();
    assert_eq!(pins[0].id, welcome_here.id);
    let new_thread = channels.iter().find(|c| c.name == "details").unwrap();
    assert_eq!(new_thread.parent_id, Some(new_general));
    assert_eq!(
        target.history(keeper, new_thread.id)[0].content,
        "inside the thread"
    );

    // Who left is kept as a disabled stand-in that nobody can log in to; search finds what
    // they wrote.
    let bye = history
        .iter()
        .find(|m| m.content.starts_with("bye"))
        .unwrap();
    let stand_in = target
        .engine
        .admin_find_user(Administrator::Operator, "leaver")
        .unwrap();
    assert_eq!(bye.author_id, stand_in.user.id);
    assert_eq!(welcome_here.reactions.len(), 1, "{welcome_here:?}");
    assert_eq!(welcome_here.reactions[0].emoji, "👋");
    assert_eq!(welcome_here.reactions[0].users, vec![stand_in.user.id]);
    assert!(stand_in.disabled.is_some());
    let login = LoginRequest {
        username: "leaver".into(),
        password: PASSWORD.into(),
    };
    assert_code(
        target.engine.login(login, "t").await,
        ErrorCode::Unauthorized,
    );
    target.engine.wait_until_searchable().await.unwrap();
    let found = target
        .engine
        .search_messages(
            keeper,
            imported.id,
            SearchQuery {
                q: "searchable".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(found.total, 1);
}

#[tokio::test]
async fn a_damaged_or_foreign_export_changes_nothing() {
    let source = TestHarness::new().await;
    let (server, general, owner, _) = source.scene().await;
    source.say(owner, general, "one").await;
    let good = String::from_utf8(export(&source, server.id)).unwrap();
    let target = TestHarness::new().await;
    let keeper = target.new_user("keeper").await;
    let lines: Vec<&str> = good.lines().collect();
    let end = lines.len() - 1;
    let foreign_message =
        lines[end - 1].replace(&general.to_string(), "01ARZ3NDEKTSV4RRFFQ69G5FAV");
    let cases = [
        String::new(),
        "not json\n".to_owned(),
        good.replace("chat-server-export", "something-else"),
        good.replace("\"version\":1", "\"version\":99"),
        lines[1..].join("\n"),
        format!(
            "{}\n{foreign_message}\n{}",
            lines[..end - 1].join("\n"),
            lines[end]
        ),
        lines[..end].join("\n"),
        lines[..end - 1].join("\n") + "\n" + lines[end],
        format!("{}\n{}", good, lines[1]),
        good[..good.len() - 20].to_owned(),
    ];
    for (i, case) in cases.into_iter().enumerate() {
        let imported = target
            .engine
            .import_server(Administrator::Operator, keeper, &mut Cursor::new(case))
            .await;
        assert_code(imported, ErrorCode::Validation);
        let servers = target
            .engine
            .admin_list_servers(Administrator::Operator, &AdminQuery::default())
            .unwrap();
        assert!(servers.is_empty(), "case {i} made a server");
    }
    let accounts = target
        .engine
        .admin_list_users(Administrator::Operator, &AdminQuery::default())
        .unwrap();
    assert_eq!(accounts.len(), 1, "no stand-in was made");
}

#[tokio::test]
async fn only_administrators_move_servers() {
    let h = TestHarness::new().await;
    let (server, _, owner, member) = h.scene().await;
    let file = export(&h, server.id);
    let mut out = Vec::new();
    assert_code(
        h.engine.export_server(owner, server.id, &mut out),
        ErrorCode::Forbidden,
    );
    assert!(out.is_empty());
    assert_code(
        h.engine
            .import_server(member, member, &mut Cursor::new(file.clone()))
            .await,
        ErrorCode::Forbidden,
    );
    let root = h.new_user("root").await;
    h.engine.set_instance_admin(root, true).await.unwrap();
    let counts = h.engine.export_server(root, server.id, &mut out).unwrap();
    assert_eq!((counts.members, counts.users), (2, 2));
    assert_eq!(out.len(), file.len(), "nothing changed in between");
    let nobody = chat_engine::id::UserId::from_ulid(ulid::Ulid::from_parts(1, 1));
    assert_code(
        h.engine
            .import_server(root, nobody, &mut Cursor::new(file.clone()))
            .await,
        ErrorCode::NotFound,
    );
    let copy = h
        .engine
        .import_server(root, root, &mut Cursor::new(file))
        .await
        .unwrap();
    assert_eq!(copy.server.owner_id, root);
    assert_eq!(copy.users_matched, 2, "the same instance knows everyone");
}
