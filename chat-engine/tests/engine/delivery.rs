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

#[tokio::test]
async fn read_receipts_are_shared_only_by_those_who_turn_them_on() {
    use chat_engine::model::{Event, UpdateProfile};
    let h = TestHarness::new().await;
    let (_, general, owner, member) = h.scene().await;
    let dm = h.engine.open_dm(owner, member).await.unwrap();
    let hello = h.say(owner, dm.id, "hello").await;
    let answer = h.say(member, dm.id, "hi").await;
    let share = UpdateProfile {
        read_receipts: Some(true),
        ..Default::default()
    };
    h.engine.update_profile(member, share).await.unwrap();
    let mut owner_session = h.engine.subscribe(owner).unwrap();
    let mut member_session = h.engine.subscribe(member).unwrap();

    h.engine.ack_message(member, dm.id, hello.id).await.unwrap();
    h.engine.ack_message(owner, dm.id, answer.id).await.unwrap();
    let said = h.say(member, general, "marker").await;
    let mut acks_seen_by_owner = Vec::new();
    loop {
        match &owner_session.next_event().await.unwrap().event {
            Event::MessageAck(ack) => acks_seen_by_owner.push((ack.user_id, ack.message_id)),
            Event::MessageCreate(m) if m.id == said.id => break,
            _ => {}
        }
    }
    assert_eq!(
        acks_seen_by_owner,
        vec![(member, hello.id), (owner, answer.id)],
        "the member shares, and the owner sees their own"
    );
    let mut member_saw = Vec::new();
    loop {
        match &member_session.next_event().await.unwrap().event {
            Event::MessageAck(ack) => member_saw.push(ack.user_id),
            Event::ReadStateUpdate(state) => {
                assert_eq!((state.channel_id, state.unread_count), (dm.id, 0));
            }
            Event::MessageCreate(m) if m.id == said.id => break,
            _ => {}
        }
    }
    assert_eq!(member_saw, vec![member], "the owner does not share");

    let receipts = h.engine.list_receipts(owner, dm.id).unwrap();
    assert_eq!(
        receipts
            .iter()
            .map(|r| (r.user_id, r.message_id))
            .collect::<Vec<_>>(),
        vec![(member, hello.id)]
    );
    assert!(h.engine.list_receipts(member, dm.id).unwrap().is_empty());
    // A small server's channel shows them too.
    h.engine
        .ack_message(member, general, said.id)
        .await
        .unwrap();
    assert_eq!(
        h.engine.list_receipts(owner, general).unwrap()[0].message_id,
        said.id
    );
}
