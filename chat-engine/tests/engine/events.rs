use chat_engine::Actor;
use chat_engine::events::Session;
use chat_engine::model::{ChannelType, CreateChannel, EditMessage, Event, UpdateProfile};
use chat_engine::{Engine, ErrorCode};

use crate::harness::{TestHarness, assert_code};

async fn next_name(session: &mut Session) -> (&'static str, u64) {
    let envelope = session.next_event().await.unwrap();
    (envelope.event.name(), envelope.seq)
}

/// Makes an event only `user` sees and returns once the session has reached it: everything
/// the session yields before it is everything it was sent.
async fn drain_until_marker(engine: &Engine, session: &mut Session) -> Vec<&'static str> {
    let user = session.user_id();
    engine
        .update_profile(
            user,
            UpdateProfile {
                bio: Some("marker".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut seen = Vec::new();
    loop {
        let envelope = session.next_event().await.unwrap();
        if let Event::UserUpdate(u) = &envelope.event
            && u.id == user
            && u.bio == "marker"
        {
            return seen;
        }
        seen.push(envelope.event.name());
    }
}

#[tokio::test]
async fn sessions_receive_changes_in_sequence_with_one_shared_frame() {
    let h = TestHarness::new().await;
    let (_, general, owner, member) = h.scene().await;
    let mut a = h.engine.subscribe(owner).unwrap();
    let mut b = h.engine.subscribe(member).unwrap();
    let message = h.say(owner, general, "hello").await;
    let ea = a.next_event().await.unwrap();
    let eb = b.next_event().await.unwrap();
    assert_eq!(ea.seq, eb.seq);
    assert!(
        std::sync::Arc::ptr_eq(&ea, &eb),
        "fan-out shares one envelope"
    );
    match &ea.event {
        Event::MessageCreate(m) => assert_eq!(m.id, message.id),
        other => panic!("unexpected {other:?}"),
    }
    let frame: serde_json::Value = serde_json::from_slice(ea.frame.as_bytes()).unwrap();
    assert_eq!(frame["op"], 0);
    assert_eq!(frame["t"], "MESSAGE_CREATE");
    assert_eq!(frame["s"], ea.seq);
    assert_eq!(frame["d"]["content"], "hello");
    h.engine
        .edit_message(
            owner,
            general,
            message.id,
            EditMessage {
                content: "hi".into(),
            },
        )
        .await
        .unwrap();
    let (name, seq) = next_name(&mut b).await;
    assert_eq!(name, "MESSAGE_UPDATE");
    assert!(seq > eb.seq);
}

#[tokio::test]
async fn members_never_see_channels_they_cannot_view_and_outsiders_see_nothing() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let outsider = h.new_user("outsider").await;
    let mut member_session = h.engine.subscribe(member).unwrap();
    let mut outsider_session = h.engine.subscribe(outsider).unwrap();
    let private = CreateChannel {
        category_id: None,
        is_private: true,
        name: "staff".into(),
        position: None,
        slow_mode_delay: 0,
        topic: String::new(),
        kind: ChannelType::Text,
    };
    let staff = h
        .engine
        .create_channel(owner, server.id, private)
        .await
        .unwrap();
    let secret = h.say(owner, staff.id, "secret").await;
    h.engine
        .add_reaction(owner, staff.id, secret.id, "🤫")
        .await
        .unwrap();
    h.engine
        .delete_message(owner, staff.id, secret.id)
        .await
        .unwrap();
    let topic = chat_engine::model::UpdateChannel {
        topic: Some("hush".into()),
        ..Default::default()
    };
    h.engine
        .update_channel(owner, staff.id, topic)
        .await
        .unwrap();
    h.engine.delete_channel(owner, staff.id).await.unwrap();
    h.say(owner, general, "public").await;

    assert_eq!(
        drain_until_marker(&h.engine, &mut member_session).await,
        vec!["MESSAGE_CREATE"]
    );
    assert_eq!(
        drain_until_marker(&h.engine, &mut outsider_session).await,
        Vec::<&str>::new()
    );
}

#[tokio::test]
async fn a_kicked_member_hears_of_it_and_then_nothing_more() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let mut session = h.engine.subscribe(member).unwrap();
    let mut watcher = h.engine.subscribe(owner).unwrap();
    h.engine
        .kick_member(
            Actor::with_reason(owner, "  too much spam ").unwrap(),
            server.id,
            member,
        )
        .await
        .unwrap();
    h.say(owner, general, "after the kick").await;
    match &session.next_event().await.unwrap().event {
        Event::MemberRemove(removed) => {
            assert_eq!(removed.reason.as_deref(), Some("too much spam"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        drain_until_marker(&h.engine, &mut session).await,
        vec!["SERVER_DELETE"]
    );
    assert_eq!(
        watcher.next_event().await.unwrap().event.name(),
        "MEMBER_REMOVE"
    );
}

#[tokio::test]
async fn resume_replays_every_missed_event_in_order() {
    let h = TestHarness::new().await;
    let (_, general, owner, member) = h.scene().await;
    let mut session = h.engine.subscribe(member).unwrap();
    let first = h.say(owner, general, "seen").await;
    session.next_event().await.unwrap();
    let resume_from = session.last_seq();
    drop(session);

    let missed = h.say(owner, general, "missed").await;
    h.engine
        .edit_message(
            owner,
            general,
            missed.id,
            EditMessage {
                content: "edited".into(),
            },
        )
        .await
        .unwrap();
    h.engine
        .add_reaction(owner, general, missed.id, "👀")
        .await
        .unwrap();
    h.engine
        .delete_message(owner, general, first.id)
        .await
        .unwrap();
    let gone = h.say(owner, general, "gone").await;
    h.engine
        .delete_message(owner, general, gone.id)
        .await
        .unwrap();

    let mut resumed = h.engine.resume(member, resume_from).unwrap();
    let mut seqs = Vec::new();
    let mut events = Vec::new();
    for _ in 0..6 {
        let envelope = resumed.next_event().await.unwrap();
        seqs.push(envelope.seq);
        events.push(envelope.event.clone());
    }
    let names: Vec<_> = events.iter().map(Event::name).collect();
    assert_eq!(
        names,
        vec![
            "MESSAGE_CREATE",
            "MESSAGE_UPDATE",
            "MESSAGE_REACTION_ADD",
            "MESSAGE_DELETE",
            "MESSAGE_DELETE",
            "MESSAGE_DELETE"
        ]
    );
    // The log keeps new messages by reference: a replayed one is as it is now, and one
    // deleted since is replayed as its deletion.
    let Event::MessageCreate(replayed) = &events[0] else {
        unreachable!()
    };
    assert_eq!(
        (replayed.id, replayed.content.as_str()),
        (missed.id, "edited")
    );
    let Event::MessageDelete(deleted) = &events[4] else {
        unreachable!()
    };
    assert_eq!(deleted.id, gone.id);
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    assert!(seqs[0] > resume_from);
    // Then it goes on live.
    h.say(owner, general, "live").await;
    assert_eq!(next_name(&mut resumed).await.0, "MESSAGE_CREATE");
    assert_code(
        h.engine.resume(member, h.engine.last_seq() + 10),
        ErrorCode::Validation,
    );
}

#[tokio::test]
async fn resume_past_retention_is_a_gap() {
    let engine = Engine::builder().event_retention(5).open().await.unwrap();
    let h = TestHarness { engine, dir: None };
    let (_, general, owner, member) = h.scene().await;
    let old = h.engine.last_seq();
    for i in 0..10 {
        h.say(owner, general, &format!("{i}")).await;
    }
    assert_code(h.engine.resume(member, old), ErrorCode::ResumeGap);
    let recent = h.engine.last_seq() - 3;
    let mut session = h.engine.resume(member, recent).unwrap();
    assert_eq!(next_name(&mut session).await.1, recent + 1);
}

#[tokio::test]
async fn a_session_that_falls_behind_catches_up_from_the_log() {
    let engine = Engine::builder().hub_capacity(16).open().await.unwrap();
    let h = TestHarness { engine, dir: None };
    let (_, general, owner, member) = h.scene().await;
    let mut session = h.engine.subscribe(member).unwrap();
    let mut sent = Vec::new();
    for i in 0..100 {
        sent.push(h.say(owner, general, &format!("{i}")).await.id);
    }
    let mut received = Vec::new();
    while received.len() < sent.len() {
        if let Event::MessageCreate(m) = &session.next_event().await.unwrap().event {
            received.push(m.id);
        }
    }
    assert_eq!(received, sent);
}

#[tokio::test]
async fn dm_events_reach_only_their_recipients() {
    let h = TestHarness::new().await;
    let (server, _, owner, member) = h.scene().await;
    let third = h.new_user("third").await;
    h.join(&server, third).await;
    let mut third_session = h.engine.subscribe(third).unwrap();
    let mut member_session = h.engine.subscribe(member).unwrap();
    let dm = h.engine.open_dm(owner, member).await.unwrap();
    h.say(owner, dm.id, "just us").await;
    assert_eq!(
        drain_until_marker(&h.engine, &mut member_session).await,
        vec!["CHANNEL_CREATE", "MESSAGE_CREATE", "NOTIFICATION_CREATE"]
    );
    assert_eq!(
        drain_until_marker(&h.engine, &mut third_session).await,
        Vec::<&str>::new()
    );
}

#[tokio::test]
async fn try_next_event_takes_what_is_queued_without_waiting() {
    let h = TestHarness::new().await;
    let (_, general, owner, member) = h.scene().await;
    let mut session = h.engine.subscribe(member).unwrap();
    assert!(session.try_next_event().unwrap().is_none());
    let first = h.say(owner, general, "one").await;
    let second = h.say(owner, general, "two").await;
    let mut ids = Vec::new();
    while let Some(envelope) = session.try_next_event().unwrap() {
        if let Event::MessageCreate(message) = &envelope.event {
            ids.push(message.id);
        }
    }
    assert_eq!(ids, [first.id, second.id]);
    assert_eq!(session.last_seq(), h.engine.last_seq());
}

#[tokio::test]
async fn a_message_update_carries_its_reactions_for_every_reader() {
    let h = TestHarness::new().await;
    let (_, general, owner, member) = h.scene().await;
    let said = h.say(owner, general, "react to me").await;
    h.engine
        .add_reaction(member, general, said.id, "👍")
        .await
        .unwrap();
    let mut session = h.engine.subscribe(member).unwrap();
    let edit = EditMessage {
        content: "react to me, edited".into(),
    };
    h.engine
        .edit_message(owner, general, said.id, edit)
        .await
        .unwrap();
    loop {
        if let Event::MessageUpdate(message) = &session.next_event().await.unwrap().event {
            assert_eq!(message.reactions.len(), 1, "{message:?}");
            assert_eq!(message.reactions[0].users, vec![member]);
            assert!(
                !message.reactions[0].me,
                "an event is the same for every reader"
            );
            break;
        }
    }
}

#[tokio::test]
async fn a_session_with_intents_gets_only_their_events_and_no_content_without_message_content() {
    use chat_engine::model::gateway::Intents;
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let mut everything = h.engine.subscribe(member).unwrap();
    let mut messages_only = h.engine.subscribe(member).unwrap();
    messages_only.set_intents(Some(Intents::GUILD_MESSAGES));

    h.engine.start_typing(owner, general).unwrap();
    let newcomer = h.new_user("newcomer").await;
    h.join(&server, newcomer).await;
    h.say(owner, general, "secret plans").await;

    let drain = |session: &mut chat_engine::events::Session| {
        let mut seen = Vec::new();
        while let Ok(Some(envelope)) = session.try_next_event() {
            seen.push(envelope);
        }
        seen
    };
    let all = drain(&mut everything);
    let names: Vec<&str> = all.iter().map(|e| e.event.name()).collect();
    assert!(
        names.contains(&"TYPING_START") && names.contains(&"MEMBER_ADD"),
        "{names:?}"
    );
    let few = drain(&mut messages_only);
    let few_names: Vec<&str> = few.iter().map(|e| e.event.name()).collect();
    assert!(
        few_names.iter().all(|n| n.starts_with("MESSAGE_")),
        "{few_names:?}"
    );

    // The frame: without MESSAGE_CONTENT, a server message comes without its content,
    // unless it is the user's own; with it, or with no intents, the shared frame.
    let created = few
        .iter()
        .find(|e| matches!(&e.event, Event::MessageCreate(m) if m.content == "secret plans"))
        .unwrap();
    let text =
        |frame: &chat_engine::events::Frame| String::from_utf8(frame.as_bytes().to_vec()).unwrap();
    let bare = text(created.frame_for(member, Some(Intents::GUILD_MESSAGES)));
    assert!(!bare.contains("secret plans"), "{bare}");
    assert!(bare.contains("MESSAGE_CREATE"));
    let full = Intents::GUILD_MESSAGES | Intents::MESSAGE_CONTENT;
    let shared = text(created.frame_for(member, Some(full)));
    assert!(shared.contains("secret plans"), "{shared}");
    assert!(text(created.frame_for(member, None)).contains("secret plans"));
    assert!(text(created.frame_for(owner, Some(Intents::GUILD_MESSAGES))).contains("secret plans"));
}
