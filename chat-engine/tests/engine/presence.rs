use chat_engine::ErrorCode;
use chat_engine::model::{
    Activity, ChannelType, ClientKind, CreateChannel, Event, Status, UpdateMember, UpdatePresence,
    UpdateVoiceState,
};

use crate::harness::{TestHarness, assert_code};

fn status(s: Status) -> UpdatePresence {
    UpdatePresence {
        activities: Vec::new(),
        custom_status: String::new(),
        status: s,
    }
}

async fn next_presence(
    session: &mut chat_engine::events::Session,
) -> (Status, chat_engine::id::UserId) {
    loop {
        if let Event::PresenceUpdate(p) = &session.next_event().await.unwrap().event {
            return (p.status, p.user_id);
        }
    }
}

#[tokio::test]
async fn presence_aggregates_devices_and_hides_invisible_users() {
    let h = TestHarness::new().await;
    let (server, _, owner, member) = h.scene().await;
    let mut watcher = h.engine.subscribe(owner).unwrap();
    let mut own = h.engine.subscribe(member).unwrap();

    let phone = h.engine.connect_device(member, ClientKind::Mobile).unwrap();
    assert_eq!(next_presence(&mut watcher).await, (Status::Online, member));
    assert_eq!(next_presence(&mut own).await, (Status::Online, member));
    let desk = h
        .engine
        .connect_device(member, ClientKind::Desktop)
        .unwrap();
    let p = h.engine.presence(owner, member);
    assert_eq!(
        (
            p.client_info.mobile,
            p.client_info.desktop,
            p.client_info.web
        ),
        (Some(Status::Online), Some(Status::Online), None)
    );

    // One idle device of two leaves the user online; both idle make them idle.
    h.engine
        .update_presence(member, phone, status(Status::Idle))
        .unwrap();
    assert_eq!(h.engine.presence(owner, member).status, Status::Online);
    h.engine
        .update_presence(member, desk, status(Status::Idle))
        .unwrap();
    // Earlier updates (the desktop connecting, the phone idling) came first, all online.
    loop {
        let (seen, user) = next_presence(&mut watcher).await;
        assert_eq!(user, member);
        if seen == Status::Idle {
            break;
        }
        assert_eq!(seen, Status::Online);
    }

    let busy = UpdatePresence {
        activities: vec![Activity {
            details: String::new(),
            name: "Factorio".into(),
            state: String::new(),
            kind: "playing".into(),
        }],
        custom_status: "in the zone".into(),
        status: Status::Dnd,
    };
    h.engine.update_presence(member, desk, busy).unwrap();
    let seen = h.engine.presence(owner, member);
    assert_eq!(
        (
            seen.status,
            seen.custom_status.as_str(),
            seen.activities.len()
        ),
        (Status::Dnd, "in the zone", 1)
    );

    h.engine
        .update_presence(member, desk, status(Status::Invisible))
        .unwrap();
    assert_eq!(h.engine.presence(owner, member).status, Status::Offline);
    assert_eq!(h.engine.presence(member, member).status, Status::Invisible);
    assert!(
        h.engine
            .list_presences(owner, server.id)
            .unwrap()
            .iter()
            .all(|p| p.user_id != member)
    );

    h.engine
        .update_presence(member, desk, status(Status::Online))
        .unwrap();
    h.engine.disconnect_device(member, phone).unwrap();
    assert_eq!(h.engine.presence(owner, member).status, Status::Online);
    h.engine.disconnect_device(member, desk).unwrap();
    let gone = h.engine.presence(owner, member);
    assert_eq!(gone.status, Status::Offline);
    assert!(gone.last_seen_at.is_some());
}

#[tokio::test]
async fn bad_presence_updates_are_refused() {
    let h = TestHarness::new().await;
    let user = h.new_user("someone").await;
    let device = h.engine.connect_device(user, ClientKind::Web).unwrap();
    assert_code(
        h.engine
            .update_presence(user, device, status(Status::Offline)),
        ErrorCode::Validation,
    );
    let long = UpdatePresence {
        custom_status: "s".repeat(129),
        ..status(Status::Online)
    };
    assert_code(
        h.engine.update_presence(user, device, long),
        ErrorCode::Validation,
    );
    let weird = UpdatePresence {
        activities: vec![Activity {
            details: String::new(),
            name: "x".into(),
            state: String::new(),
            kind: "sleeping".into(),
        }],
        ..status(Status::Online)
    };
    assert_code(
        h.engine.update_presence(user, device, weird),
        ErrorCode::Validation,
    );
    assert_eq!(h.engine.presence(user, user).custom_status, "");
}

#[tokio::test]
async fn typing_reaches_viewers_at_most_every_five_seconds() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let mut session = h.engine.subscribe(owner).unwrap();
    let mut own = h.engine.subscribe(member).unwrap();
    h.engine.start_typing(member, general).unwrap();
    h.engine.start_typing(member, general).unwrap();
    h.say(member, general, "typed").await;
    let names: Vec<_> = [
        session.next_event().await.unwrap(),
        session.next_event().await.unwrap(),
    ]
    .iter()
    .map(|e| e.event.name())
    .collect();
    assert_eq!(
        names,
        vec!["TYPING_START", "MESSAGE_CREATE"],
        "the second indicator was absorbed"
    );
    assert_eq!(
        own.next_event().await.unwrap().event.name(),
        "MESSAGE_CREATE",
        "typists do not hear themselves"
    );

    let outsider = h.new_user("outsider").await;
    assert_code(
        h.engine.start_typing(outsider, general),
        ErrorCode::NotFound,
    );
    let read_only = chat_engine::model::UpdateRole {
        permissions: Some(chat_engine::model::Permissions::VIEW_CHANNEL),
        ..Default::default()
    };
    h.engine
        .update_role(owner, server.id, server.id.cast(), read_only)
        .await
        .unwrap();
    assert_code(
        h.engine.start_typing(member, general),
        ErrorCode::MissingPermissions,
    );
}

#[tokio::test]
async fn voice_states_follow_joins_leaves_and_moderation() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let voice = CreateChannel {
        category_id: None,
        is_private: false,
        name: "Lounge".into(),
        position: None,
        slow_mode_delay: 0,
        topic: String::new(),
        kind: ChannelType::Voice,
    };
    let lounge = h
        .engine
        .create_channel(owner, server.id, voice)
        .await
        .unwrap();
    let mut session = h.engine.subscribe(owner).unwrap();
    let join = |channel| UpdateVoiceState {
        channel_id: channel,
        self_deaf: false,
        self_mute: true,
        server_id: server.id,
    };
    assert_code(
        h.engine.update_voice_state(member, join(Some(general))),
        ErrorCode::Validation,
    );
    let state = h
        .engine
        .update_voice_state(member, join(Some(lounge.id)))
        .unwrap();
    assert!(state.self_mute);
    match &session.next_event().await.unwrap().event {
        Event::VoiceStateUpdate(v) => {
            assert_eq!((v.user_id, v.channel_id), (member, Some(lounge.id)));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        h.engine.list_voice_states(owner, server.id).unwrap().len(),
        1
    );

    let mute = UpdateMember {
        is_muted: Some(true),
        ..Default::default()
    };
    h.engine
        .update_member(owner, server.id, member, mute)
        .await
        .unwrap();
    let muted = loop {
        if let Event::VoiceStateUpdate(v) = &session.next_event().await.unwrap().event {
            break v.clone();
        }
    };
    assert!(muted.is_muted);

    h.engine.update_voice_state(member, join(None)).unwrap();
    assert_eq!(next_voice_state(&mut session).await.channel_id, None);
    assert!(
        h.engine
            .list_voice_states(owner, server.id)
            .unwrap()
            .is_empty()
    );
    // A member timed out, kicked or banned leaves voice at once, and everyone hears it.
    h.engine
        .update_voice_state(member, join(Some(lounge.id)))
        .unwrap();
    next_voice_state(&mut session).await;
    let timeout = UpdateMember {
        communication_disabled_until: Some(Some(chrono::Utc::now() + chrono::Duration::hours(1))),
        ..Default::default()
    };
    h.engine
        .update_member(owner, server.id, member, timeout)
        .await
        .unwrap();
    let timed_out = next_voice_state(&mut session).await;
    assert_eq!((timed_out.user_id, timed_out.channel_id), (member, None));
    assert!(
        h.engine
            .list_voice_states(owner, server.id)
            .unwrap()
            .is_empty()
    );
    let lift = UpdateMember {
        communication_disabled_until: Some(None),
        ..Default::default()
    };
    h.engine
        .update_member(owner, server.id, member, lift)
        .await
        .unwrap();
    h.engine
        .update_voice_state(member, join(Some(lounge.id)))
        .unwrap();
    next_voice_state(&mut session).await;
    h.engine
        .kick_member(owner, server.id, member)
        .await
        .unwrap();
    let kicked = next_voice_state(&mut session).await;
    assert_eq!((kicked.user_id, kicked.channel_id), (member, None));
    assert!(
        h.engine
            .list_voice_states(owner, server.id)
            .unwrap()
            .is_empty()
    );

    let outsider = h.new_user("outsider").await;
    assert_code(
        h.engine.update_voice_state(outsider, join(Some(lounge.id))),
        ErrorCode::NotFound,
    );
    assert_code(
        h.engine.list_voice_states(outsider, server.id),
        ErrorCode::NotFound,
    );
}

#[tokio::test]
async fn large_servers_get_no_presence_fan_out_or_ready_presences() {
    let h = TestHarness::new().await;
    let owner = h.new_user("owner").await;
    let server = h.new_server(owner).await;
    let mut bots = Vec::new();
    for i in 0..chat_engine::limits::LARGE_SERVER {
        let bot = h
            .engine
            .create_bot(
                owner,
                chat_engine::model::CreateBot {
                    username: format!("bot{i}"),
                },
            )
            .await
            .unwrap();
        h.engine
            .accept_invite(bot.user.id, &server.invite_code)
            .await
            .unwrap();
        bots.push(bot.user.id);
    }
    let mut session = h.engine.subscribe(owner).unwrap();
    h.engine.connect_device(owner, ClientKind::Web).unwrap();
    h.engine.connect_device(bots[0], ClientKind::Web).unwrap();
    // 251 members now: a large server.
    let ready = h.engine.ready_state(owner, "s".into()).unwrap();
    assert!(ready.servers[0].presences.is_empty());
    assert_eq!(
        h.engine.list_presences(owner, server.id).unwrap().len(),
        2,
        "still available on request"
    );
    h.engine
        .update_profile(
            owner,
            chat_engine::model::UpdateProfile {
                bio: Some("marker".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    loop {
        let envelope = session.next_event().await.unwrap();
        match &envelope.event {
            Event::PresenceUpdate(p) => assert_eq!(p.user_id, owner, "only one's own presence"),
            Event::UserUpdate(_) => break,
            _ => {}
        }
    }
}

/// The next voice state change the session hears.
async fn next_voice_state(
    session: &mut chat_engine::events::Session,
) -> chat_engine::model::VoiceState {
    loop {
        if let Event::VoiceStateUpdate(v) = &session.next_event().await.unwrap().event {
            return v.clone();
        }
    }
}
