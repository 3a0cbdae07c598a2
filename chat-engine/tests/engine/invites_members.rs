use chat_engine::Actor;
use chat_engine::ErrorCode;
use chat_engine::model::{CreateInvite, MessageType, Permissions, UpdateMember, UpdateRole};

use crate::harness::{TestHarness, assert_code};

#[tokio::test]
async fn invites_limit_uses_and_expire() {
    let h = TestHarness::new().await;
    let (server, _, owner, member) = h.scene().await;
    let once = h
        .engine
        .create_invite(
            owner,
            server.id,
            CreateInvite {
                max_age: 0,
                max_uses: 1,
            },
        )
        .await
        .unwrap();
    let first = h.new_user("first").await;
    let second = h.new_user("second").await;
    assert_eq!(
        h.engine
            .accept_invite(first, &once.code)
            .await
            .unwrap()
            .member_count,
        3
    );
    assert_code(
        h.engine.accept_invite(second, &once.code).await,
        ErrorCode::NotFound,
    );
    assert_code(h.engine.fetch_invite(&once.code), ErrorCode::NotFound);
    assert_code(
        h.engine.accept_invite(second, "no-such-code").await,
        ErrorCode::NotFound,
    );
    assert_eq!(h.server_of(owner, server.id).member_count, 3);

    let bad = CreateInvite {
        max_age: 31 * 24 * 3600,
        max_uses: 0,
    };
    assert_code(
        h.engine.create_invite(owner, server.id, bad).await,
        ErrorCode::Validation,
    );
    let short = h
        .engine
        .create_invite(
            member,
            server.id,
            CreateInvite {
                max_age: 1,
                max_uses: 0,
            },
        )
        .await
        .unwrap();
    assert!(short.expires_at.is_some());
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_code(
        h.engine.accept_invite(second, &short.code).await,
        ErrorCode::NotFound,
    );
}

#[tokio::test]
async fn invite_management_is_checked() {
    let h = TestHarness::new().await;
    let (server, _, owner, member) = h.scene().await;
    let outsider = h.new_user("outsider").await;
    assert_code(
        h.engine
            .create_invite(outsider, server.id, CreateInvite::default())
            .await,
        ErrorCode::NotFound,
    );
    assert_code(
        h.engine.list_invites(member, server.id),
        ErrorCode::MissingPermissions,
    );
    let mine = h
        .engine
        .create_invite(member, server.id, CreateInvite::default())
        .await
        .unwrap();
    let owners = h
        .engine
        .create_invite(owner, server.id, CreateInvite::default())
        .await
        .unwrap();
    assert_eq!(h.engine.list_invites(owner, server.id).unwrap().len(), 3);
    assert_code(
        h.engine.delete_invite(member, &owners.code).await,
        ErrorCode::MissingPermissions,
    );
    h.engine.delete_invite(member, &mine.code).await.unwrap();
    h.engine.delete_invite(owner, &owners.code).await.unwrap();
    assert_eq!(h.engine.list_invites(owner, server.id).unwrap().len(), 1);

    // Without CREATE_INVITE on @everyone, members cannot invite.
    let everyone = server.id.cast();
    let perms = UpdateRole {
        permissions: Some(Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES),
        ..Default::default()
    };
    h.engine
        .update_role(owner, server.id, everyone, perms)
        .await
        .unwrap();
    assert_code(
        h.engine
            .create_invite(member, server.id, CreateInvite::default())
            .await,
        ErrorCode::MissingPermissions,
    );
}

#[tokio::test]
async fn joining_and_leaving_post_system_messages() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    h.engine
        .accept_invite(member, &server.invite_code)
        .await
        .unwrap();
    assert_eq!(
        h.server_of(owner, server.id).member_count,
        2,
        "joining twice changes nothing"
    );
    assert_code(
        h.engine.leave_server(owner, server.id).await,
        ErrorCode::Forbidden,
    );
    h.engine.leave_server(member, server.id).await.unwrap();
    let kinds: Vec<_> = h
        .history(owner, general)
        .iter()
        .map(|m| (m.kind, m.author_id))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (MessageType::SystemJoin, member),
            (MessageType::SystemLeave, member)
        ]
    );
    assert_eq!(h.server_of(owner, server.id).member_count, 1);
    assert_code(
        h.engine.leave_server(member, server.id).await,
        ErrorCode::NotFound,
    );
}

#[tokio::test]
async fn kicks_and_bans_follow_the_hierarchy() {
    let h = TestHarness::new().await;
    let (server, _, owner, member) = h.scene().await;
    let moderator = h.new_user("moderator").await;
    h.join(&server, moderator).await;

    assert_code(
        h.engine.kick_member(member, server.id, moderator).await,
        ErrorCode::MissingPermissions,
    );
    let mod_role = h
        .engine
        .create_role(
            owner,
            server.id,
            chat_engine::model::CreateRole {
                name: "mods".into(),
                permissions: Permissions::KICK_MEMBERS | Permissions::BAN_MEMBERS,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    h.engine
        .add_member_role(owner, server.id, moderator, mod_role.id)
        .await
        .unwrap();
    // Equal rank cannot act; the owner is untouchable.
    let peer = h.new_user("peer").await;
    h.join(&server, peer).await;
    h.engine
        .add_member_role(owner, server.id, peer, mod_role.id)
        .await
        .unwrap();
    assert_code(
        h.engine.kick_member(moderator, server.id, peer).await,
        ErrorCode::Forbidden,
    );
    assert_code(
        h.engine.kick_member(moderator, server.id, owner).await,
        ErrorCode::Forbidden,
    );
    assert_code(
        h.engine.ban_member(moderator, server.id, owner, 0).await,
        ErrorCode::Forbidden,
    );

    h.engine
        .kick_member(
            Actor::with_reason(moderator, "spam").unwrap(),
            server.id,
            member,
        )
        .await
        .unwrap();
    assert_code(
        h.engine.fetch_member(owner, server.id, member),
        ErrorCode::NotFound,
    );
    h.join(&server, member).await;
    let ban = h
        .engine
        .ban_member(
            Actor::with_reason(moderator, "more spam").unwrap(),
            server.id,
            member,
            0,
        )
        .await
        .unwrap();
    assert_eq!(ban.reason, "more spam");
    assert_code(
        h.engine.accept_invite(member, &server.invite_code).await,
        ErrorCode::Forbidden,
    );
    assert_eq!(h.engine.list_bans(owner, server.id).unwrap().len(), 1);
    assert_eq!(h.engine.list_bans(peer, server.id).unwrap().len(), 1);
    let plain = h.new_user("plain").await;
    h.join(&server, plain).await;
    assert_code(
        h.engine.list_bans(plain, server.id),
        ErrorCode::MissingPermissions,
    );
    assert_code(
        h.engine.unban_member(plain, server.id, member).await,
        ErrorCode::MissingPermissions,
    );
    assert_code(
        h.engine.unban_member(member, server.id, member).await,
        ErrorCode::NotFound,
    );
    h.engine
        .unban_member(moderator, server.id, member)
        .await
        .unwrap();
    h.join(&server, member).await;
    assert_code(
        h.engine.kick_member(owner, server.id, owner).await,
        ErrorCode::Forbidden,
    );
    assert_code(
        Actor::with_reason(owner, &"r".repeat(513)).map(drop),
        ErrorCode::Validation,
    );
    assert!(h.engine.fetch_member(owner, server.id, member).is_ok());
}

#[tokio::test]
async fn member_updates_are_checked() {
    let h = TestHarness::new().await;
    let (server, _, owner, member) = h.scene().await;
    let nick = |n: &str| UpdateMember {
        nickname: Some(n.into()),
        ..Default::default()
    };
    assert_eq!(
        h.engine
            .update_member(member, server.id, member, nick("me"))
            .await
            .unwrap()
            .nickname,
        "me"
    );
    assert_code(
        h.engine
            .update_member(member, server.id, owner, nick("boss"))
            .await,
        ErrorCode::MissingPermissions,
    );
    assert_code(
        h.engine
            .update_member(member, server.id, member, nick(&"n".repeat(33)))
            .await,
        ErrorCode::Validation,
    );
    let mute = UpdateMember {
        is_muted: Some(true),
        ..Default::default()
    };
    assert_code(
        h.engine
            .update_member(member, server.id, member, mute.clone())
            .await,
        ErrorCode::MissingPermissions,
    );
    assert!(
        h.engine
            .update_member(owner, server.id, member, mute)
            .await
            .unwrap()
            .is_muted
    );
    assert_code(
        h.engine.list_members(member, server.id, None, 0),
        ErrorCode::Validation,
    );
    assert_eq!(
        h.engine
            .list_members(member, server.id, None, 10)
            .unwrap()
            .len(),
        2
    );
}
