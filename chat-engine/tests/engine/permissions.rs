//! The permission calculation: property tests of Discord's order, and the engine's use of it.

use chat_engine::ErrorCode;
use chat_engine::id::{Id, RoleId, UserId};
use chat_engine::model::{OverwriteType, PermissionOverwrite, Permissions, Role};
use chat_engine::permissions::{Input, Step, calculate, explain, trace};
use proptest::prelude::*;

use crate::harness::{TestHarness, assert_code};

fn role(id: u64, permissions: Permissions, is_default: bool) -> Role {
    Role {
        color: 0,
        created_at: chrono::Utc::now(),
        id: Id::from_ulid(ulid::Ulid::from_parts(id, 0)),
        is_default,
        is_mentionable: false,
        name: String::new(),
        permissions,
        position: id as i32,
        server_id: Id::from_ulid(ulid::Ulid::from_parts(0, 0)),
    }
}

fn user(n: u64) -> UserId {
    Id::from_ulid(ulid::Ulid::from_parts(1000 + n, 0))
}

fn flags() -> impl Strategy<Value = Permissions> {
    any::<u64>().prop_map(|bits| Permissions::from_bits_truncate(bits) - Permissions::ADMINISTRATOR)
}

fn overwrite(
    id: ulid::Ulid,
    kind: OverwriteType,
    allow: Permissions,
    deny: Permissions,
) -> PermissionOverwrite {
    PermissionOverwrite {
        allow,
        deny,
        id,
        kind,
    }
}

proptest! {
    #[test]
    fn base_is_the_union_of_roles(everyone in flags(), a in flags(), b in flags()) {
        let roles = [role(0, everyone, true), role(1, a, false), role(2, b, false)];
        let refs: Vec<&Role> = roles.iter().collect();
        let input = Input { owner_id: user(0), user_id: user(1), roles: &refs, overwrites: None, timed_out: false, server_disabled: false };
        prop_assert_eq!(calculate(&input), everyone | a | b);
    }

    #[test]
    fn owner_and_administrator_hold_everything(everyone in flags(), deny in flags()) {
        let roles = [role(0, everyone, true), role(1, Permissions::ADMINISTRATOR, false)];
        let overwrites = [overwrite(roles[0].id.ulid(), OverwriteType::Role, Permissions::empty(), deny | Permissions::VIEW_CHANNEL)];
        let just_everyone: Vec<&Role> = roles[..1].iter().collect();
        let owner = Input { owner_id: user(1), user_id: user(1), roles: &just_everyone, overwrites: Some(&overwrites), timed_out: false, server_disabled: false };
        prop_assert_eq!(calculate(&owner), Permissions::all());
        let all: Vec<&Role> = roles.iter().collect();
        let admin = Input { owner_id: user(0), user_id: user(1), roles: &all, overwrites: Some(&overwrites), timed_out: false, server_disabled: false };
        prop_assert_eq!(calculate(&admin), Permissions::all());
    }

    #[test]
    fn overwrites_apply_in_discords_order(
        everyone in flags(), role_perms in flags(),
        e_allow in flags(), e_deny in flags(),
        r1_allow in flags(), r1_deny in flags(), r2_allow in flags(), r2_deny in flags(),
        m_allow in flags(), m_deny in flags(),
    ) {
        let roles = [role(0, everyone, true), role(1, role_perms, false), role(2, Permissions::empty(), false)];
        let refs: Vec<&Role> = roles.iter().collect();
        let me = user(1);
        let overwrites = [
            overwrite(roles[1].id.ulid(), OverwriteType::Role, r1_allow, r1_deny),
            overwrite(me.ulid(), OverwriteType::Member, m_allow, m_deny),
            overwrite(roles[0].id.ulid(), OverwriteType::Role, e_allow, e_deny),
            overwrite(roles[2].id.ulid(), OverwriteType::Role, r2_allow, r2_deny),
        ];
        let input = Input { owner_id: user(0), user_id: me, roles: &refs, overwrites: Some(&overwrites), timed_out: false, server_disabled: false };
        let mut expected = everyone | role_perms;
        expected = (expected & !e_deny) | e_allow;
        expected = (expected & !(r1_deny | r2_deny)) | (r1_allow | r2_allow);
        expected = (expected & !m_deny) | m_allow;
        if !expected.contains(Permissions::VIEW_CHANNEL) {
            expected = Permissions::empty();
        }
        prop_assert_eq!(calculate(&input), expected);
        // The explanation agrees with the calculation for every single flag.
        for flag in Permissions::all().iter() {
            prop_assert_eq!(explain(&input, flag).allowed, expected.contains(flag));
        }
    }

    #[test]
    fn a_member_overwrite_beats_role_overwrites(base in flags(), flag in flags()) {
        let roles = [role(0, base | Permissions::VIEW_CHANNEL, true), role(1, Permissions::empty(), false)];
        let refs: Vec<&Role> = roles.iter().collect();
        let me = user(1);
        let overwrites = [
            overwrite(roles[1].id.ulid(), OverwriteType::Role, Permissions::empty(), flag),
            overwrite(me.ulid(), OverwriteType::Member, flag, Permissions::empty()),
        ];
        let input = Input { owner_id: user(0), user_id: me, roles: &refs, overwrites: Some(&overwrites), timed_out: false, server_disabled: false };
        prop_assert!(calculate(&input).contains(flag));
    }
}

#[test]
fn denying_view_channel_denies_everything_and_says_why() {
    let roles = [role(0, Permissions::EVERYONE_DEFAULT, true)];
    let refs: Vec<&Role> = roles.iter().collect();
    let overwrites = [overwrite(
        roles[0].id.ulid(),
        OverwriteType::Role,
        Permissions::empty(),
        Permissions::VIEW_CHANNEL,
    )];
    let input = Input {
        owner_id: user(0),
        user_id: user(1),
        roles: &refs,
        overwrites: Some(&overwrites),
        timed_out: false,
        server_disabled: false,
    };
    assert_eq!(calculate(&input), Permissions::empty());
    let why = explain(&input, Permissions::SEND_MESSAGES);
    assert!(!why.allowed);
    assert_eq!(why.decided_by, Step::ViewChannelDenied);
    let why = explain(&input, Permissions::VIEW_CHANNEL);
    assert!(matches!(why.decided_by, Step::EveryoneOverwrite { .. }));
    // In a disabled server, nobody holds anything: not even its owner.
    let owner = Input {
        user_id: user(0),
        server_disabled: true,
        ..input
    };
    assert_eq!(calculate(&owner), Permissions::empty());
    assert_eq!(trace(&owner), vec![Step::ServerDisabled]);
}

#[tokio::test]
async fn the_engine_explains_a_members_permissions() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
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
    let why = h
        .engine
        .explain_permission(
            owner,
            server.id,
            member,
            Some(general),
            Permissions::SEND_MESSAGES,
        )
        .unwrap();
    assert!(!why.allowed);
    assert!(
        matches!(why.decided_by, Step::MemberOverwrite { .. }),
        "{why:?}"
    );
    let server_wide = h
        .engine
        .explain_permission(member, server.id, member, None, Permissions::SEND_MESSAGES)
        .unwrap();
    assert!(server_wide.allowed);
    let mine = h
        .engine
        .permissions(member, server.id, Some(general))
        .unwrap();
    assert!(!mine.contains(Permissions::SEND_MESSAGES));
    assert!(mine.contains(Permissions::VIEW_CHANNEL));
    // Asking about someone else needs MANAGE_ROLES.
    assert_code(
        h.engine
            .explain_permission(member, server.id, owner, None, Permissions::VIEW_CHANNEL),
        ErrorCode::MissingPermissions,
    );
    let send = chat_engine::model::CreateMessage {
        content: "hi".into(),
        ..Default::default()
    };
    assert_code(
        h.engine.send_message(member, general, send).await,
        ErrorCode::MissingPermissions,
    );
    let _: RoleId = server.id.cast();
}
