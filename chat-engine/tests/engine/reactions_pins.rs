use chat_engine::ErrorCode;
use chat_engine::model::{MessageType, Permissions, UpdateRole};

use crate::harness::{TestHarness, assert_code};

#[tokio::test]
async fn reactions_count_users_and_me() {
    let h = TestHarness::new().await;
    let (_, general, owner, member) = h.scene().await;
    let message = h.say(owner, general, "react to me").await;
    h.engine
        .add_reaction(owner, general, message.id, "👍")
        .await
        .unwrap();
    h.engine
        .add_reaction(member, general, message.id, "👍")
        .await
        .unwrap();
    h.engine
        .add_reaction(member, general, message.id, "👍")
        .await
        .unwrap();
    h.engine
        .add_reaction(member, general, message.id, "🎉")
        .await
        .unwrap();
    let seen = h
        .engine
        .fetch_message(owner, general, message.id)
        .unwrap()
        .reactions;
    assert_eq!(seen.len(), 2);
    assert_eq!(
        (seen[0].emoji.as_str(), seen[0].count, seen[0].me),
        ("👍", 2, true)
    );
    assert_eq!(seen[0].users, vec![owner, member]);
    assert_eq!(
        (seen[1].emoji.as_str(), seen[1].count, seen[1].me),
        ("🎉", 1, false)
    );
    let users: Vec<_> = h
        .engine
        .list_reaction_users(owner, general, message.id, "👍")
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(users, vec![owner, member]);

    h.engine
        .remove_reaction(member, general, message.id, "👍", member)
        .await
        .unwrap();
    assert_code(
        h.engine
            .remove_reaction(member, general, message.id, "🎉", owner)
            .await,
        ErrorCode::MissingPermissions,
    );
    h.engine
        .remove_reaction(owner, general, message.id, "🎉", member)
        .await
        .unwrap();
    let seen = h
        .engine
        .fetch_message(member, general, message.id)
        .unwrap()
        .reactions;
    assert_eq!(seen.len(), 1);
    assert_eq!((seen[0].count, seen[0].me), (1, false));
}

#[tokio::test]
async fn reactions_need_permission_and_a_valid_emoji() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let message = h.say(owner, general, "hi").await;
    for bad in ["", "two words", &"x".repeat(65)] {
        assert_code(
            h.engine.add_reaction(owner, general, message.id, bad).await,
            ErrorCode::Validation,
        );
    }
    h.engine
        .add_reaction(owner, general, message.id, "👍")
        .await
        .unwrap();
    let no_reactions = UpdateRole {
        permissions: Some(Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES),
        ..Default::default()
    };
    h.engine
        .update_role(owner, server.id, server.id.cast(), no_reactions)
        .await
        .unwrap();
    assert_code(
        h.engine
            .add_reaction(member, general, message.id, "🔥")
            .await,
        ErrorCode::MissingPermissions,
    );
    // Joining an existing reaction needs no ADD_REACTIONS, as in Discord.
    h.engine
        .add_reaction(member, general, message.id, "👍")
        .await
        .unwrap();
    let outsider = h.new_user("outsider").await;
    assert_code(
        h.engine
            .add_reaction(outsider, general, message.id, "👍")
            .await,
        ErrorCode::NotFound,
    );
    let missing = chat_engine::id::Id::from_ulid(ulid::Ulid::generate());
    assert_code(
        h.engine.add_reaction(owner, general, missing, "👍").await,
        ErrorCode::NotFound,
    );
    assert_eq!(
        h.engine
            .fetch_message(owner, general, message.id)
            .unwrap()
            .reactions
            .len(),
        1
    );
}

#[tokio::test]
async fn pins_need_manage_messages_and_stop_at_fifty() {
    let h = TestHarness::new().await;
    let (_, general, owner, member) = h.scene().await;
    let message = h.say(member, general, "pin me").await;
    assert_code(
        h.engine.pin_message(member, general, message.id).await,
        ErrorCode::MissingPermissions,
    );
    let pinned = h
        .engine
        .pin_message(owner, general, message.id)
        .await
        .unwrap();
    assert!(pinned.is_pinned);
    let notice = h.history(owner, general).pop().unwrap();
    assert_eq!(notice.kind, MessageType::ChannelPinned);
    assert_eq!(notice.reply_to_id, Some(message.id));
    assert_eq!(
        h.engine.list_pins(member, general).unwrap()[0].id,
        message.id
    );
    assert_code(
        h.engine.unpin_message(member, general, message.id).await,
        ErrorCode::MissingPermissions,
    );
    h.engine
        .unpin_message(owner, general, message.id)
        .await
        .unwrap();
    assert!(h.engine.list_pins(owner, general).unwrap().is_empty());
    assert_code(
        h.engine.unpin_message(owner, general, message.id).await,
        ErrorCode::NotFound,
    );

    for i in 0..50 {
        let m = h.say(owner, general, &format!("p{i}")).await;
        h.engine.pin_message(owner, general, m.id).await.unwrap();
    }
    let extra = h.say(owner, general, "one too many").await;
    assert_code(
        h.engine.pin_message(owner, general, extra.id).await,
        ErrorCode::Conflict,
    );
    assert_eq!(h.engine.list_pins(owner, general).unwrap().len(), 50);
    assert!(
        !h.engine
            .fetch_message(owner, general, extra.id)
            .unwrap()
            .is_pinned
    );
}
