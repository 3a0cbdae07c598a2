//! Friends, friend requests and blocks, and what they allow: DMs between friends without a
//! shared server, no DMs or group DMs from a blocked user; group DM recipients, leaving,
//! renaming; closing a DM.

use chat_engine::id::UserId;
use chat_engine::model::{
    ChannelType, CreateGroupDm, CreateMessage, Event, RelationshipType, SetRelationship,
    UpdateChannel,
};
use chat_engine::{Engine, ErrorCode};

use crate::harness::{TestHarness, assert_code};

const FRIEND: SetRelationship = SetRelationship {
    kind: RelationshipType::Friend,
};
const BLOCK: SetRelationship = SetRelationship {
    kind: RelationshipType::Blocked,
};

fn kinds(engine: &Engine, user: UserId) -> Vec<(UserId, RelationshipType)> {
    engine
        .list_relationships(user)
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r.kind))
        .collect()
}

fn text(content: &str) -> CreateMessage {
    CreateMessage {
        content: content.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_friend_request_accepted_lets_two_strangers_dm() {
    let h = TestHarness::new().await;
    let alice = h.new_user("alice").await;
    let bob = h.new_user("bob").await;
    let mut bobs = h.engine.subscribe(bob).unwrap();
    assert_code(h.engine.open_dm(alice, bob).await, ErrorCode::Forbidden);

    let sent = h.engine.send_friend_request(alice, "BOB").await.unwrap();
    assert_eq!(sent, RelationshipType::Outgoing);
    assert_eq!(kinds(&h.engine, alice), [(bob, RelationshipType::Outgoing)]);
    assert_eq!(kinds(&h.engine, bob), [(alice, RelationshipType::Incoming)]);
    let heard = bobs.next_event().await.unwrap();
    match &heard.event {
        Event::RelationshipAdd(r) => {
            assert_eq!((r.id, r.kind), (alice, RelationshipType::Incoming));
            assert_eq!(r.user.username, "alice");
        }
        other => panic!("unexpected {other:?}"),
    }
    // Asking twice changes nothing; accepting makes both friends.
    h.engine.set_relationship(alice, bob, FRIEND).await.unwrap();
    let accepted = h.engine.set_relationship(bob, alice, FRIEND).await.unwrap();
    assert_eq!(accepted, RelationshipType::Friend);
    assert_eq!(kinds(&h.engine, alice), [(bob, RelationshipType::Friend)]);
    assert_eq!(kinds(&h.engine, bob), [(alice, RelationshipType::Friend)]);

    let dm = h.engine.open_dm(alice, bob).await.unwrap();
    h.engine
        .send_message(bob, dm.id, text("hi friend"))
        .await
        .unwrap();

    // Friends see each other come online without sharing a server.
    let mut alices = h.engine.subscribe(alice).unwrap();
    h.engine
        .connect_device(bob, chat_engine::model::ClientKind::Web)
        .unwrap();
    let online = loop {
        let envelope = alices.next_event().await.unwrap();
        if let Event::PresenceUpdate(presence) = &envelope.event {
            break presence.clone();
        }
    };
    assert_eq!(online.user_id, bob);

    // Unfriending ends it for both.
    h.engine.remove_relationship(bob, alice).await.unwrap();
    assert!(kinds(&h.engine, alice).is_empty());
    assert!(kinds(&h.engine, bob).is_empty());
}

#[tokio::test]
async fn requests_are_declined_or_cancelled_for_both_and_bad_ones_refused() {
    let h = TestHarness::new().await;
    let alice = h.new_user("alice").await;
    let bob = h.new_user("bob").await;
    h.engine.send_friend_request(alice, "bob").await.unwrap();
    h.engine.remove_relationship(bob, alice).await.unwrap();
    assert!(kinds(&h.engine, alice).is_empty(), "declined");
    h.engine.send_friend_request(alice, "bob").await.unwrap();
    h.engine.remove_relationship(alice, bob).await.unwrap();
    assert!(kinds(&h.engine, bob).is_empty(), "cancelled");

    assert_code(
        h.engine.send_friend_request(alice, "alice").await,
        ErrorCode::Validation,
    );
    assert_code(
        h.engine.send_friend_request(alice, "nobody").await,
        ErrorCode::NotFound,
    );
    let incoming = SetRelationship {
        kind: RelationshipType::Incoming,
    };
    assert_code(
        h.engine.set_relationship(alice, bob, incoming).await,
        ErrorCode::Validation,
    );
    assert_code(
        h.engine.remove_relationship(alice, bob).await,
        ErrorCode::NotFound,
    );
    assert!(kinds(&h.engine, alice).is_empty());
}

#[tokio::test]
async fn a_blocked_user_cannot_dm_befriend_or_group_the_blocker() {
    let h = TestHarness::new().await;
    let (server, _, alice, bob) = h.scene().await;
    let carol = h.new_user("carol").await;
    h.join(&server, carol).await;
    let dm = h.engine.open_dm(alice, bob).await.unwrap();
    h.engine.send_friend_request(alice, "member").await.unwrap();

    h.engine.set_relationship(bob, alice, BLOCK).await.unwrap();
    assert_eq!(kinds(&h.engine, bob), [(alice, RelationshipType::Blocked)]);
    assert!(kinds(&h.engine, alice).is_empty(), "the request is gone");

    assert_code(
        h.engine.send_message(alice, dm.id, text("hello?")).await,
        ErrorCode::Forbidden,
    );
    assert_code(
        h.engine.send_message(bob, dm.id, text("go away")).await,
        ErrorCode::Forbidden,
    );
    assert_code(
        h.engine.send_friend_request(alice, "member").await,
        ErrorCode::Forbidden,
    );
    let group = CreateGroupDm {
        name: String::new(),
        recipients: vec![bob, carol],
    };
    assert_code(
        h.engine.create_group_dm(alice, group).await,
        ErrorCode::Forbidden,
    );
    let group = CreateGroupDm {
        name: String::new(),
        recipients: vec![carol],
    };
    let group = h.engine.create_group_dm(alice, group).await.unwrap();
    assert_code(
        h.engine.add_recipient(alice, group.id, bob).await,
        ErrorCode::Forbidden,
    );

    // Unblocking is the blocker's alone, and lets them talk again.
    h.engine.remove_relationship(bob, alice).await.unwrap();
    h.engine
        .send_message(alice, dm.id, text("friends again?"))
        .await
        .unwrap();
}

#[tokio::test]
async fn group_dm_owners_add_and_remove_anyone_leaves_and_the_last_one_out_deletes_it() {
    let h = TestHarness::new().await;
    let (server, _, owner, member) = h.scene().await;
    let mut others = Vec::new();
    for n in 0..9 {
        let user = h.new_user(&format!("user{n}")).await;
        h.join(&server, user).await;
        others.push(user);
    }
    let group = CreateGroupDm {
        name: "pals".into(),
        recipients: vec![member],
    };
    let group = h.engine.create_group_dm(owner, group).await.unwrap();
    let mut members_session = h.engine.subscribe(member).unwrap();
    assert_code(
        h.engine.add_recipient(member, group.id, others[0]).await,
        ErrorCode::Forbidden,
    );
    for user in &others[..8] {
        h.engine
            .add_recipient(owner, group.id, *user)
            .await
            .unwrap();
    }
    let full = h.engine.fetch_channel(owner, group.id).unwrap();
    assert_eq!(full.recipients.len(), 10);
    assert_code(
        h.engine.add_recipient(owner, group.id, others[8]).await,
        ErrorCode::Validation,
    );
    let added = loop {
        let envelope = members_session.next_event().await.unwrap();
        if let Event::ChannelRecipientAdd(added) = &envelope.event {
            break added.clone();
        }
    };
    assert_eq!(added.channel_id, group.id);

    // Any recipient renames; only the owner removes others; anyone leaves.
    let rename = UpdateChannel {
        name: Some("best pals".into()),
        ..Default::default()
    };
    let renamed = h
        .engine
        .update_channel(member, group.id, rename)
        .await
        .unwrap();
    assert_eq!(renamed.name, "best pals");
    let huge_icon = UpdateChannel {
        icon_url: Some("x".repeat(2049)),
        ..Default::default()
    };
    assert_code(
        h.engine.update_channel(member, group.id, huge_icon).await,
        ErrorCode::Validation,
    );
    assert_code(
        h.engine.remove_recipient(member, group.id, others[0]).await,
        ErrorCode::Forbidden,
    );
    h.engine
        .remove_recipient(owner, group.id, others[0])
        .await
        .unwrap();
    assert_code(
        h.engine.fetch_channel(others[0], group.id),
        ErrorCode::NotFound,
    );
    h.engine
        .remove_recipient(owner, group.id, owner)
        .await
        .unwrap();
    let after = h.engine.fetch_channel(member, group.id).unwrap();
    assert_eq!(after.owner_id, Some(member), "the next recipient owns it");
    for user in after.recipients {
        h.engine
            .remove_recipient(user, group.id, user)
            .await
            .unwrap();
    }
    assert!(h.engine.list_dm_channels(member).unwrap().is_empty());
}

#[tokio::test]
async fn a_closed_dm_is_hidden_until_a_new_message_arrives() {
    let h = TestHarness::new().await;
    let (_, _, alice, bob) = h.scene().await;
    let dm = h.engine.open_dm(alice, bob).await.unwrap();
    assert_eq!(dm.kind, ChannelType::Dm);
    h.engine.delete_channel(alice, dm.id).await.unwrap();
    assert!(h.engine.list_dm_channels(alice).unwrap().is_empty());
    assert_eq!(
        h.engine.list_dm_channels(bob).unwrap().len(),
        1,
        "only closed for alice"
    );
    h.engine
        .send_message(bob, dm.id, text("still there?"))
        .await
        .unwrap();
    assert_eq!(h.engine.list_dm_channels(alice).unwrap()[0].id, dm.id);
}
