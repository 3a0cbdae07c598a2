use chat_engine::ErrorCode;

use crate::harness::{TestHarness, assert_code};

#[tokio::test]
async fn read_states_count_unread_and_mentions_and_only_move_forward() {
    let h = TestHarness::new().await;
    let (_, general, owner, member) = h.scene().await;
    let first = h.say(owner, general, "one").await;
    h.say(owner, general, &format!("<@{member}> two")).await;
    let third = h.say(owner, general, "@everyone three").await;
    h.say(member, general, "my own message is not unread").await;

    let state = h.engine.read_state(member, general).unwrap();
    // The member's own join message and own message do not count.
    assert_eq!(
        (state.unread_count, state.mention_count, state.last_read_id),
        (3, 2, None)
    );

    let acked = h
        .engine
        .ack_message(member, general, third.id)
        .await
        .unwrap();
    assert_eq!(acked.last_read_id, Some(third.id));
    assert_eq!((acked.unread_count, acked.mention_count), (0, 0));
    let back = h
        .engine
        .ack_message(member, general, first.id)
        .await
        .unwrap();
    assert_eq!(
        back.last_read_id,
        Some(third.id),
        "read states never move back"
    );

    let states = h.engine.read_states(member).unwrap();
    assert_eq!(states.len(), 1);
    assert_eq!(states[0].channel_id, general);
}

#[tokio::test]
async fn acks_are_checked() {
    let h = TestHarness::new().await;
    let (_, general, owner, _) = h.scene().await;
    let message = h.say(owner, general, "x").await;
    let outsider = h.new_user("outsider").await;
    assert_code(
        h.engine.ack_message(outsider, general, message.id).await,
        ErrorCode::NotFound,
    );
    let missing = chat_engine::id::Id::from_ulid(ulid::Ulid::generate());
    assert_code(
        h.engine.ack_message(owner, general, missing).await,
        ErrorCode::NotFound,
    );
    assert_eq!(
        h.engine.read_state(owner, general).unwrap().last_read_id,
        None
    );
}
