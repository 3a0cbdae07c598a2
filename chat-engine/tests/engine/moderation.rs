//! Moderation and the audit log: timeouts, bulk delete, bans that delete recent messages,
//! nicknames by MANAGE_NICKNAMES, and the entries every change leaves.

use chat_engine::model::{
    AuditAction, AuditLogQuery, CreateRole, CreateThread, Event, HistoryQuery, Permissions,
    UpdateMember, UpdateServer, UpdateVoiceState,
};
use chat_engine::{Actor, Engine, ErrorCode};

use crate::harness::{TestHarness, assert_code};

fn timeout_until(seconds: i64) -> UpdateMember {
    UpdateMember {
        communication_disabled_until: Some(Some(
            chrono::Utc::now() + chrono::Duration::seconds(seconds),
        )),
        ..UpdateMember::default()
    }
}

fn query(action: AuditAction) -> AuditLogQuery {
    AuditLogQuery {
        action_type: Some(action),
        ..AuditLogQuery::default()
    }
}

#[tokio::test]
async fn changes_are_audited_with_actor_target_changes_and_reason() {
    let h = TestHarness::new().await;
    let (server, _, owner, member) = h.scene().await;
    let actor = Actor::with_reason(owner, "rebrand").unwrap();
    let update = UpdateServer {
        name: Some("Renamed".into()),
        ..UpdateServer::default()
    };
    h.engine
        .update_server(actor, server.id, update)
        .await
        .unwrap();
    let log = h
        .engine
        .audit_log(owner, server.id, &AuditLogQuery::default())
        .unwrap();
    let entry = &log[0];
    assert_eq!(entry.action_type, AuditAction::ServerUpdate);
    assert_eq!(entry.user_id, owner);
    assert_eq!(entry.reason.as_deref(), Some("rebrand"));
    assert_eq!(entry.target_id, Some(server.id.to_string()));
    let name = entry.changes.iter().find(|c| c.key == "name").unwrap();
    assert_eq!(name.old_value, Some(server.name.clone().into()));
    assert_eq!(name.new_value, Some("Renamed".into()));
    assert!(
        entry.changes.iter().all(|c| c.key != "updated_at"),
        "only what changed: {:?}",
        entry.changes
    );

    // A refused change records nothing; a plain member may not read the log.
    let before = log.len();
    let renamed = h
        .engine
        .update_server(member, server.id, UpdateServer::default())
        .await;
    assert_code(renamed, ErrorCode::MissingPermissions);
    assert_code(
        h.engine
            .audit_log(member, server.id, &AuditLogQuery::default()),
        ErrorCode::MissingPermissions,
    );
    let log = h
        .engine
        .audit_log(owner, server.id, &AuditLogQuery::default())
        .unwrap();
    assert_eq!(log.len(), before);
}

#[tokio::test]
async fn the_audit_log_filters_pages_and_refuses_bad_limits() {
    let h = TestHarness::new().await;
    let (server, _, owner, _) = h.scene().await;
    let reader = h
        .member_with(&server, "moderator", Permissions::VIEW_AUDIT_LOG)
        .await;
    for name in ["a", "b", "c"] {
        let request = CreateRole {
            name: name.into(),
            ..Default::default()
        };
        h.engine
            .create_role(owner, server.id, request)
            .await
            .unwrap();
    }
    let roles = h
        .engine
        .audit_log(reader, server.id, &query(AuditAction::RoleCreate))
        .unwrap();
    // The moderator's own role, then a, b and c: newest first.
    assert_eq!(roles.len(), 4);
    assert!(roles.windows(2).all(|w| w[0].id > w[1].id));
    let page = AuditLogQuery {
        before: Some(roles[1].id),
        limit: Some(1),
        ..query(AuditAction::RoleCreate)
    };
    let next = h.engine.audit_log(reader, server.id, &page).unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].id, roles[2].id);
    let by_reader = AuditLogQuery {
        user_id: Some(reader),
        ..AuditLogQuery::default()
    };
    assert!(
        h.engine
            .audit_log(reader, server.id, &by_reader)
            .unwrap()
            .is_empty()
    );
    for limit in [0, 101] {
        let bad = AuditLogQuery {
            limit: Some(limit),
            ..AuditLogQuery::default()
        };
        assert_code(
            h.engine.audit_log(reader, server.id, &bad),
            ErrorCode::Validation,
        );
    }
}

#[tokio::test]
async fn entries_past_the_retention_are_neither_read_nor_kept() {
    let engine = Engine::builder()
        .audit_log_retention(std::time::Duration::ZERO)
        .open()
        .await
        .unwrap();
    let h = TestHarness { engine, dir: None };
    let (server, _, owner, _) = h.scene().await;
    let update = UpdateServer {
        name: Some("Renamed".into()),
        ..UpdateServer::default()
    };
    h.engine
        .update_server(owner, server.id, update)
        .await
        .unwrap();
    let all = AuditLogQuery::default();
    assert!(
        h.engine
            .audit_log(owner, server.id, &all)
            .unwrap()
            .is_empty()
    );
    assert!(h.engine.prune_audit_log().await.unwrap() >= 1);
    assert_eq!(h.engine.prune_audit_log().await.unwrap(), 0);
}

#[tokio::test]
async fn a_timed_out_member_reads_but_cannot_send_react_type_start_threads_or_join_voice() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let moderator = h
        .member_with(&server, "moderator", Permissions::MODERATE_MEMBERS)
        .await;
    let starter = h.say(owner, general, "hello").await;
    h.engine
        .add_reaction(owner, general, starter.id, "👍")
        .await
        .unwrap();

    let plain = h.new_user("plain").await;
    h.join(&server, plain).await;
    assert_code(
        h.engine
            .update_member(plain, server.id, member, timeout_until(60))
            .await,
        ErrorCode::MissingPermissions,
    );
    assert_code(
        h.engine
            .update_member(moderator, server.id, owner, timeout_until(60))
            .await,
        ErrorCode::Forbidden,
    );
    assert_code(
        h.engine
            .update_member(moderator, server.id, member, timeout_until(29 * 86_400))
            .await,
        ErrorCode::Validation,
    );
    let timed_out = h
        .engine
        .update_member(
            Actor::with_reason(moderator, "cool down").unwrap(),
            server.id,
            member,
            timeout_until(600),
        )
        .await
        .unwrap();
    assert!(timed_out.is_timed_out(chrono::Utc::now()));

    let send = h
        .engine
        .send_message(
            member,
            general,
            chat_engine::model::CreateMessage {
                content: "still here?".into(),
                ..Default::default()
            },
        )
        .await;
    assert_code(send, ErrorCode::MissingPermissions);
    assert_code(
        h.engine
            .add_reaction(member, general, starter.id, "👍")
            .await,
        ErrorCode::Forbidden,
    );
    assert_code(
        h.engine
            .add_reaction(member, general, starter.id, "🎉")
            .await,
        ErrorCode::Forbidden,
    );
    assert_code(
        h.engine.start_typing(member, general),
        ErrorCode::MissingPermissions,
    );
    let thread = CreateThread {
        auto_archive_duration: None,
        message_id: starter.id,
        name: "side".into(),
    };
    assert_code(
        h.engine.create_thread(member, general, thread).await,
        ErrorCode::MissingPermissions,
    );
    let voice = h
        .engine
        .create_channel(
            owner,
            server.id,
            chat_engine::model::CreateChannel {
                category_id: None,
                is_private: false,
                name: "lounge".into(),
                position: None,
                slow_mode_delay: 0,
                topic: String::new(),
                kind: chat_engine::model::ChannelType::Voice,
            },
        )
        .await
        .unwrap();
    let join = || UpdateVoiceState {
        channel_id: Some(voice.id),
        self_deaf: false,
        self_mute: false,
        server_id: server.id,
    };
    assert_code(
        h.engine.update_voice_state(member, join()),
        ErrorCode::Forbidden,
    );
    // Reading goes on.
    let history = h
        .engine
        .list_messages(member, general, HistoryQuery::default())
        .unwrap();
    assert!(history.iter().any(|m| m.id == starter.id));

    let entry = &h
        .engine
        .audit_log(owner, server.id, &query(AuditAction::MemberUpdate))
        .unwrap()[0];
    assert_eq!(entry.reason.as_deref(), Some("cool down"));
    assert_eq!(entry.target_id, Some(member.to_string()));
    assert!(
        entry
            .changes
            .iter()
            .any(|c| c.key == "communication_disabled_until")
    );

    // Ending the timeout gives everything back.
    let end = UpdateMember {
        communication_disabled_until: Some(None),
        ..UpdateMember::default()
    };
    h.engine
        .update_member(moderator, server.id, member, end)
        .await
        .unwrap();
    h.say(member, general, "back").await;
    h.engine
        .add_reaction(member, general, starter.id, "👍")
        .await
        .unwrap();
    h.engine.update_voice_state(member, join()).unwrap();
}

#[tokio::test]
async fn a_timeout_that_has_passed_stops_nothing() {
    let h = TestHarness::new().await;
    let (server, general, _, member) = h.scene().await;
    let moderator = h
        .member_with(&server, "moderator", Permissions::MODERATE_MEMBERS)
        .await;
    h.engine
        .update_member(moderator, server.id, member, timeout_until(-5))
        .await
        .unwrap();
    h.say(member, general, "free").await;
}

#[tokio::test]
async fn bulk_delete_takes_2_to_100_distinct_ids_from_moderators() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let mut session = h.engine.subscribe(owner).unwrap();
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(h.say(member, general, &format!("spam {n}")).await.id);
    }
    let kept = h.say(owner, general, "keep me").await;
    let too_many: Vec<_> = (0..101).map(|_| ids[0]).collect();
    for bad in [vec![ids[0]], vec![ids[0], ids[0]], too_many] {
        assert_code(
            h.engine.bulk_delete_messages(owner, general, bad).await,
            ErrorCode::Validation,
        );
    }
    assert_code(
        h.engine
            .bulk_delete_messages(member, general, ids.clone())
            .await,
        ErrorCode::MissingPermissions,
    );
    assert_eq!(h.history(owner, general).len(), 5, "nothing deleted yet");

    let deleted = h
        .engine
        .bulk_delete_messages(owner, general, ids.clone())
        .await
        .unwrap();
    assert_eq!(deleted, 3);
    let left: Vec<_> = h.history(owner, general).iter().map(|m| m.id).collect();
    assert!(left.contains(&kept.id));
    assert!(ids.iter().all(|id| !left.contains(id)));
    let bulk = loop {
        let envelope = session.next_event().await.unwrap();
        if let Event::MessageDeleteBulk(bulk) = &envelope.event {
            break bulk.clone();
        }
    };
    assert_eq!(bulk.ids.len(), 3);
    assert_eq!(bulk.channel_id, general);
    let entry = &h
        .engine
        .audit_log(owner, server.id, &query(AuditAction::MessageBulkDelete))
        .unwrap()[0];
    assert_eq!(entry.target_id, Some(general.to_string()));
}

#[tokio::test]
async fn a_ban_deletes_the_users_recent_messages_when_asked() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let spam = h.say(member, general, "spam").await;
    let mine = h.say(owner, general, "mine").await;
    assert_code(
        h.engine
            .ban_member(owner, server.id, member, 7 * 86_400 + 1)
            .await,
        ErrorCode::Validation,
    );
    let ban = h
        .engine
        .ban_member(
            Actor::with_reason(owner, "spam bot").unwrap(),
            server.id,
            member,
            3600,
        )
        .await
        .unwrap();
    assert_eq!(ban.reason, "spam bot");
    let left: Vec<_> = h.history(owner, general).iter().map(|m| m.id).collect();
    assert!(left.contains(&mine.id));
    assert!(!left.contains(&spam.id));
    let entry = &h
        .engine
        .audit_log(owner, server.id, &query(AuditAction::MemberBanAdd))
        .unwrap()[0];
    assert_eq!(entry.reason.as_deref(), Some("spam bot"));
    assert!(entry.changes.iter().any(|c| c.key == "messages_deleted"
        && c.new_value.as_ref().and_then(serde_json::Value::as_u64) >= Some(1)));
}

#[tokio::test]
async fn nicknames_of_others_need_manage_nicknames_above_them() {
    let h = TestHarness::new().await;
    let (server, _, owner, member) = h.scene().await;
    let manager = h
        .member_with(&server, "moderator", Permissions::MANAGE_SERVER)
        .await;
    let rename = UpdateMember {
        nickname: Some("renamed".into()),
        ..UpdateMember::default()
    };
    assert_code(
        h.engine
            .update_member(manager, server.id, member, rename.clone())
            .await,
        ErrorCode::MissingPermissions,
    );
    h.grant(&server, manager, Permissions::MANAGE_NICKNAMES)
        .await;
    let renamed = h
        .engine
        .update_member(manager, server.id, member, rename.clone())
        .await
        .unwrap();
    assert_eq!(renamed.nickname, "renamed");
    assert_code(
        h.engine
            .update_member(manager, server.id, owner, rename)
            .await,
        ErrorCode::Forbidden,
    );
    let entry = &h
        .engine
        .audit_log(owner, server.id, &query(AuditAction::MemberUpdate))
        .unwrap()[0];
    assert_eq!(entry.user_id, manager);
}
