//! Engines joined by a broker (here a `LocalBroker`, as NATS joins server nodes): each one's
//! sessions hear the others' presence, typing and voice state at once, a node that joins
//! later learns what the others hold, and committed events come through the broker. Runs
//! against the PostgreSQL server `CHAT_TEST_POSTGRES` names, and passes without running
//! without it.

use std::sync::Arc;
use std::time::Duration;

use chat_engine::Engine;
use chat_engine::broker::{Broker, LocalBroker};
use chat_engine::events::Session;
use chat_engine::id::{ChannelId, UserId};
use chat_engine::model::{
    ChannelType, ClientKind, CreateChannel, CreateMessage, CreateServer, Event, Server, Status,
    UpdateMember, UpdatePresence, UpdateVoiceState,
};
use chat_engine::store::{InMemoryStore, PostgresStore};

use crate::shared_store::{node_builder, user};

async fn node(url: &str, broker: &LocalBroker) -> Engine {
    node_builder(url)
        .broker(Arc::new(broker.clone()))
        .open()
        .await
        .unwrap()
}

/// Two nodes joined by one broker, an owner registered on A with a server, and a member
/// registered on B who joined it.
struct Community {
    broker: LocalBroker,
    a: Engine,
    b: Engine,
    owner: UserId,
    member: UserId,
    server: Server,
}

impl Community {
    async fn new(url: &str) -> Self {
        let broker = LocalBroker::default();
        let (a, b) = (node(url, &broker).await, node(url, &broker).await);
        let owner = user(&a, "owner").await;
        let member = user(&b, "member").await;
        let create = CreateServer {
            name: "nodes".into(),
            ..Default::default()
        };
        let server = a.create_server(owner, create).await.unwrap();
        b.accept_invite(member, &server.invite_code).await.unwrap();
        Self {
            broker,
            a,
            b,
            owner,
            member,
            server,
        }
    }

    /// A voice channel of the server, made through A.
    async fn voice_channel(&self) -> ChannelId {
        let voice = CreateChannel {
            category_id: None,
            is_private: false,
            name: "voice".into(),
            position: None,
            slow_mode_delay: 0,
            topic: String::new(),
            kind: ChannelType::Voice,
        };
        let channel = self.a.create_channel(self.owner, self.server.id, voice);
        channel.await.unwrap().id
    }
}

/// The next event the session hears that `wanted` picks, within ten seconds.
async fn hear<T>(session: &mut Session, mut wanted: impl FnMut(&Event) -> Option<T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let envelope = session.next_event().await.unwrap();
            if let Some(found) = wanted(&envelope.event) {
                return found;
            }
        }
    })
    .await
    .expect("the other node's signal arrives")
}

/// What `check` finds once it finds something, polling for up to ten seconds.
async fn until<T>(awaited: &str, mut check: impl FnMut() -> Option<T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Some(found) = check() {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{awaited}"))
}

/// Waits for the session to hear that `user` has `status`.
async fn hear_status(session: &mut Session, user: UserId, status: Status) {
    hear(session, |event| match event {
        Event::PresenceUpdate(p) if p.user_id == user && p.status == status => Some(()),
        _ => None,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_share_presence_typing_voice_and_events() {
    let Some(url) = PostgresStore::test_url() else {
        return;
    };
    let community = Community::new(&url).await;
    let (a, b) = (&community.a, &community.b);
    let (owner, member, server) = (community.owner, community.member, &community.server);
    let general = server.system_channel_id.unwrap();
    let mut member_on_b = b.subscribe(member).unwrap();

    // Presence: the owner comes online on A; the member on B hears it and B lists it.
    let phone = a.connect_device(owner, ClientKind::Mobile).unwrap();
    hear_status(&mut member_on_b, owner, Status::Online).await;
    let listed = b.list_presences(member, server.id).unwrap();
    assert!(
        listed
            .iter()
            .any(|p| p.user_id == owner && p.status == Status::Online)
    );

    // A device on B too: the presence merges both nodes' devices. The phone on A going
    // idle leaves the owner online, since the device on B is not.
    let laptop = b.connect_device(owner, ClientKind::Desktop).unwrap();
    let idle = UpdatePresence {
        activities: Vec::new(),
        custom_status: String::new(),
        status: Status::Idle,
    };
    a.update_presence(owner, phone, idle).unwrap();
    let seen = b.presence(owner, owner);
    assert_eq!(seen.status, Status::Online);
    assert_eq!(seen.client_info.desktop, Some(Status::Online));
    let on_a = until("A learns of the device on B", || {
        let p = a.presence(owner, owner);
        (p.client_info.mobile == Some(Status::Idle) && p.client_info.desktop.is_some()).then_some(p)
    })
    .await;
    assert_eq!(on_a.status, Status::Online);
    until("B learns that the phone is idle", || {
        let p = b.presence(owner, owner);
        (p.client_info.mobile == Some(Status::Idle)).then_some(())
    })
    .await;

    // Do not disturb chosen on B (after it heard of the phone) holds on every device, A's
    // included.
    let dnd = UpdatePresence {
        activities: Vec::new(),
        custom_status: "focus".into(),
        status: Status::Dnd,
    };
    b.update_presence(owner, laptop, dnd).unwrap();
    hear_status(&mut member_on_b, owner, Status::Dnd).await;
    let mut member_on_a = a.subscribe(member).unwrap();

    // Typing on A reaches the member's session on B.
    a.start_typing(owner, general).unwrap();
    let typing = hear(&mut member_on_b, |e| match e {
        Event::TypingStart(t) => Some(t.clone()),
        _ => None,
    })
    .await;
    assert_eq!((typing.user_id, typing.channel_id), (owner, general));

    // Voice joined on A is listed on B and announced there.
    let voice = community.voice_channel().await;
    let join = UpdateVoiceState {
        channel_id: Some(voice),
        self_deaf: false,
        self_mute: true,
        server_id: server.id,
    };
    a.update_voice_state(owner, join).unwrap();
    let joined = hear(&mut member_on_b, |e| match e {
        Event::VoiceStateUpdate(v) => Some(v.clone()),
        _ => None,
    })
    .await;
    assert_eq!((joined.user_id, joined.channel_id), (owner, Some(voice)));
    let in_voice = b.list_voice_states(member, server.id).unwrap();
    assert_eq!(in_voice.len(), 1);
    assert!(in_voice[0].self_mute);

    // A node that joins now learns all the others hold: A's voice state and phone, and the
    // laptop on B that chose do not disturb. The two nodes answer separately, so it waits
    // for both.
    let c = node(&url, &community.broker).await;
    let learned = until("the new node hears both others' state", || {
        let voice = c.list_voice_states(member, server.id).unwrap();
        let devices = c.presence(owner, owner).client_info;
        let both = devices.mobile.is_some() && devices.desktop.is_some();
        (!voice.is_empty() && both).then(|| c.list_presences(member, server.id).unwrap())
    })
    .await;
    assert!(
        learned
            .iter()
            .any(|p| p.user_id == owner && p.status == Status::Dnd)
    );

    // The phone disconnects on A: the owner leaves voice everywhere. The laptop on B keeps
    // them online; once it goes too, A's member hears them go offline.
    a.disconnect_device(owner, phone).unwrap();
    let left = hear(&mut member_on_b, |e| match e {
        Event::VoiceStateUpdate(v) => Some(v.channel_id),
        _ => None,
    })
    .await;
    assert_eq!(left, None);
    assert!(b.list_voice_states(member, server.id).unwrap().is_empty());
    b.disconnect_device(owner, laptop).unwrap();
    hear_status(&mut member_on_a, owner, Status::Offline).await;

    // A message sent on A reaches the member on B, in sequence.
    let sent = a
        .send_message(
            owner,
            general,
            CreateMessage {
                content: "through the broker".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let heard = hear(&mut member_on_b, |e| match e {
        Event::MessageCreate(m) => Some(m.id),
        _ => None,
    })
    .await;
    assert_eq!(heard, sent.id);
}

#[tokio::test]
async fn a_broker_needs_a_shared_store() {
    let broker: Arc<dyn Broker> = Arc::new(LocalBroker::default());
    let refused = Engine::builder()
        .backend(Arc::new(InMemoryStore::new()))
        .broker(broker)
        .open()
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("share one store"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_on_one_node_mutes_and_kicks_a_user_in_voice_on_another() {
    let Some(url) = PostgresStore::test_url() else {
        return;
    };
    let community = Community::new(&url).await;
    let (a, b) = (&community.a, &community.b);
    let (owner, member, server) = (community.owner, community.member, &community.server);
    let voice = community.voice_channel().await;
    let mut owner_on_a = a.subscribe(owner).unwrap();
    let join = UpdateVoiceState {
        channel_id: Some(voice),
        self_deaf: false,
        self_mute: false,
        server_id: server.id,
    };
    b.update_voice_state(member, join).unwrap();
    let voice_update = |e: &Event| match e {
        Event::VoiceStateUpdate(v) => Some(v.clone()),
        _ => None,
    };
    assert_eq!(
        hear(&mut owner_on_a, voice_update).await.channel_id,
        Some(voice)
    );

    // The owner mutes the member through A: B, which holds the member's voice state,
    // refreshes it, and A hears and lists it.
    let mute = UpdateMember {
        is_muted: Some(true),
        ..Default::default()
    };
    a.update_member(owner, server.id, member, mute)
        .await
        .unwrap();
    let muted = hear(&mut owner_on_a, voice_update).await;
    assert!(muted.is_muted, "{muted:?}");
    assert!(b.list_voice_states(member, server.id).unwrap()[0].is_muted);

    // Kicked through A, the member leaves voice on B.
    a.kick_member(owner, server.id, member).await.unwrap();
    let left = hear(&mut owner_on_a, voice_update).await;
    assert_eq!(left.channel_id, None);
    assert!(a.list_voice_states(owner, server.id).unwrap().is_empty());
    assert!(b.list_voice_states(owner, server.id).unwrap().is_empty());
}
