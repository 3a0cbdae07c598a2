use chat_engine::Actor;
use chat_engine::ErrorCode;
use chat_engine::model::{CreateRole, Permissions, UpdateRole};

use crate::harness::{TestHarness, assert_code};

fn role(name: &str, permissions: Permissions) -> CreateRole {
    CreateRole {
        name: name.into(),
        permissions,
        ..Default::default()
    }
}

#[tokio::test]
async fn roles_are_created_above_everyone_and_listed_by_position() {
    let h = TestHarness::new().await;
    let (server, _, owner, _) = h.scene().await;
    let first = h
        .engine
        .create_role(owner, server.id, role("first", Permissions::empty()))
        .await
        .unwrap();
    let second = h
        .engine
        .create_role(owner, server.id, role("second", Permissions::empty()))
        .await
        .unwrap();
    let names: Vec<_> = h
        .engine
        .list_roles(owner, server.id)
        .unwrap()
        .into_iter()
        .map(|r| (r.name, r.position))
        .collect();
    assert_eq!(
        names,
        vec![
            ("@everyone".into(), 0),
            ("second".into(), 1),
            ("first".into(), 2)
        ]
    );
    assert_ne!(first.id, second.id);
}

#[tokio::test]
async fn nobody_manages_roles_at_or_above_their_own() {
    let h = TestHarness::new().await;
    let (server, _, owner, member) = h.scene().await;
    let low = h
        .engine
        .create_role(owner, server.id, role("low", Permissions::empty()))
        .await
        .unwrap();
    let managers = h
        .engine
        .create_role(
            owner,
            server.id,
            role("managers", Permissions::MANAGE_ROLES),
        )
        .await
        .unwrap();
    let high = h
        .engine
        .create_role(owner, server.id, role("high", Permissions::empty()))
        .await
        .unwrap();
    // Positions now: high 1, managers 2, low 3. Move high to the top.
    h.engine
        .update_role(
            owner,
            server.id,
            high.id,
            UpdateRole {
                position: Some(10),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    h.engine
        .update_role(
            owner,
            server.id,
            low.id,
            UpdateRole {
                position: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_code(
        h.engine
            .add_member_role(member, server.id, member, low.id)
            .await,
        ErrorCode::MissingPermissions,
    );
    h.engine
        .add_member_role(owner, server.id, member, managers.id)
        .await
        .unwrap();

    h.engine
        .add_member_role(member, server.id, member, low.id)
        .await
        .unwrap();
    assert_code(
        h.engine
            .add_member_role(member, server.id, member, high.id)
            .await,
        ErrorCode::Forbidden,
    );
    assert_code(
        h.engine
            .add_member_role(member, server.id, member, managers.id)
            .await,
        ErrorCode::Forbidden,
    );
    let rename = || UpdateRole {
        name: Some("renamed".into()),
        ..Default::default()
    };
    assert_code(
        h.engine
            .update_role(member, server.id, managers.id, rename())
            .await,
        ErrorCode::Forbidden,
    );
    assert_code(
        h.engine
            .update_role(member, server.id, high.id, rename())
            .await,
        ErrorCode::Forbidden,
    );
    assert_code(
        h.engine.delete_role(member, server.id, high.id).await,
        ErrorCode::Forbidden,
    );
    let above = UpdateRole {
        position: Some(5),
        ..Default::default()
    };
    assert_code(
        h.engine.update_role(member, server.id, low.id, above).await,
        ErrorCode::Forbidden,
    );
    // Nobody grants what they do not hold.
    let admin = UpdateRole {
        permissions: Some(Permissions::ADMINISTRATOR),
        ..Default::default()
    };
    assert_code(
        h.engine.update_role(member, server.id, low.id, admin).await,
        ErrorCode::MissingPermissions,
    );
    assert_code(
        h.engine
            .create_role(member, server.id, role("x", Permissions::BAN_MEMBERS))
            .await,
        ErrorCode::MissingPermissions,
    );
    assert_eq!(
        h.engine
            .update_role(member, server.id, low.id, rename())
            .await
            .unwrap()
            .name,
        "renamed"
    );
    h.engine
        .delete_role(member, server.id, low.id)
        .await
        .unwrap();
    let member_roles = h
        .engine
        .fetch_member(owner, server.id, member)
        .unwrap()
        .role_ids;
    assert_eq!(
        member_roles,
        vec![managers.id],
        "a deleted role leaves its members"
    );
}

#[tokio::test]
async fn everyone_cannot_be_renamed_moved_deleted_or_assigned() {
    let h = TestHarness::new().await;
    let (server, _, owner, member) = h.scene().await;
    let everyone = server.id.cast();
    let rename = UpdateRole {
        name: Some("all".into()),
        ..Default::default()
    };
    assert_code(
        h.engine
            .update_role(owner, server.id, everyone, rename)
            .await,
        ErrorCode::Validation,
    );
    assert_code(
        h.engine.delete_role(owner, server.id, everyone).await,
        ErrorCode::Forbidden,
    );
    assert_code(
        h.engine
            .add_member_role(owner, server.id, member, everyone)
            .await,
        ErrorCode::Validation,
    );
    assert_code(
        h.engine
            .create_role(
                owner,
                server.id,
                CreateRole {
                    color: 0x100_0000,
                    ..role("c", Permissions::empty())
                },
            )
            .await,
        ErrorCode::Validation,
    );
    assert_code(
        h.engine
            .create_role(owner, server.id, role("", Permissions::empty()))
            .await,
        ErrorCode::Validation,
    );
    assert_eq!(h.engine.list_roles(owner, server.id).unwrap().len(), 1);
}

#[tokio::test]
async fn roles_are_taken_back_within_the_hierarchy() {
    let h = TestHarness::new().await;
    let (server, _, owner, member) = h.scene().await;
    let helper = h
        .engine
        .create_role(owner, server.id, role("helper", Permissions::empty()))
        .await
        .unwrap();
    h.engine
        .add_member_role(owner, server.id, member, helper.id)
        .await
        .unwrap();
    assert_code(
        h.engine
            .remove_member_role(member, server.id, member, helper.id)
            .await,
        ErrorCode::MissingPermissions,
    );
    assert_eq!(
        h.engine
            .fetch_member(owner, server.id, member)
            .unwrap()
            .role_ids,
        vec![helper.id]
    );
    let removed = h
        .engine
        .remove_member_role(owner, server.id, member, helper.id)
        .await
        .unwrap();
    assert!(removed.role_ids.is_empty());
    let unknown = chat_engine::id::Id::from_ulid(ulid::Ulid::generate());
    assert_code(
        h.engine
            .remove_member_role(owner, server.id, member, unknown)
            .await,
        ErrorCode::NotFound,
    );
    assert_code(
        h.engine.delete_role(owner, server.id, unknown).await,
        ErrorCode::NotFound,
    );
}

/// The writer caches the records permission checks read; each change must reach the very
/// next write, whichever record it touched.
#[tokio::test]
async fn permission_changes_reach_the_next_write() {
    use chat_engine::model::{CreateMessage, OverwriteType, PermissionOverwrite};

    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let send = |text: &str| {
        let engine = h.engine.clone();
        let content = CreateMessage {
            content: text.into(),
            ..Default::default()
        };
        async move { engine.send_message(member, general, content).await }
    };
    send("warm the cache").await.unwrap();

    // A role change (the role list).
    let everyone = server.id.cast();
    let set_everyone = |permissions| UpdateRole {
        permissions: Some(permissions),
        ..Default::default()
    };
    h.engine
        .update_role(
            owner,
            server.id,
            everyone,
            set_everyone(Permissions::VIEW_CHANNEL),
        )
        .await
        .unwrap();
    assert_code(send("muted").await, ErrorCode::MissingPermissions);
    h.engine
        .update_role(
            owner,
            server.id,
            everyone,
            set_everyone(Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES),
        )
        .await
        .unwrap();
    send("allowed again").await.unwrap();

    // A channel change (its overwrites).
    let deny = PermissionOverwrite {
        allow: Permissions::empty(),
        deny: Permissions::SEND_MESSAGES,
        id: member.ulid(),
        kind: OverwriteType::Member,
    };
    h.engine
        .set_permission_overwrite(owner, general, deny)
        .await
        .unwrap();
    assert_code(send("denied here").await, ErrorCode::MissingPermissions);
    h.engine
        .delete_permission_overwrite(owner, general, member.ulid())
        .await
        .unwrap();
    send("allowed here again").await.unwrap();

    // A membership change.
    h.engine
        .kick_member(
            Actor::with_reason(owner, "test").unwrap(),
            server.id,
            member,
        )
        .await
        .unwrap();
    assert!(send("gone").await.is_err());
    let texts: Vec<_> = h
        .history(owner, general)
        .into_iter()
        .filter(|m| m.author_id == member && !m.kind.is_system())
        .map(|m| m.content)
        .collect();
    assert_eq!(
        texts,
        ["warm the cache", "allowed again", "allowed here again"]
    );
}
