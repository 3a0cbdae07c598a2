//! Notifications: who a message notifies and why, after each user's preferences, and push
//! notifications for users with no live session, retried and kept across a restart.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chat_engine::events::Session;
use chat_engine::model::{
    CreateMessage, CreateRole, Event, Notification, NotificationKind, NotificationLevel,
    NotificationSetting, PushNotification,
};
use chat_engine::notifications::push::{PushError, PushFuture, PushNotifier, PushOptions};
use chat_engine::{Engine, ErrorCode};

use crate::harness::{TestHarness, assert_code};

/// The notifications a session receives until a message with the marker text arrives.
async fn notifications_until_marker(session: &mut Session, marker: &str) -> Vec<Notification> {
    let mut seen = Vec::new();
    loop {
        let envelope = session.next_event().await.unwrap();
        match &envelope.event {
            Event::NotificationCreate(n) => seen.push(n.clone()),
            Event::MessageCreate(m) if m.content == marker => return seen,
            _ => {}
        }
    }
}

#[tokio::test]
async fn each_user_is_notified_once_for_the_strongest_reason() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let other = h.new_user("other").await;
    h.join(&server, other).await;
    let role = h
        .engine
        .create_role(
            owner,
            server.id,
            CreateRole {
                name: "crew".into(),
                is_mentionable: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    h.engine
        .add_member_role(owner, server.id, other, role.id)
        .await
        .unwrap();
    let mut member_session = h.engine.subscribe(member).unwrap();
    let mut other_session = h.engine.subscribe(other).unwrap();
    let mut owner_session = h.engine.subscribe(owner).unwrap();

    let hello = h.say(member, general, "hello").await;
    let reply = h
        .engine
        .send_message(
            owner,
            general,
            CreateMessage {
                content: "@member see <@&ROLE>".replace("ROLE", &role.id.to_string()),
                reply_to_id: Some(hello.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let everyone = h.say(owner, general, "@everyone meeting").await;
    h.say(owner, general, "`@member` in code, and no one else")
        .await;
    h.say(member, general, "done").await;
    h.say(other, general, "done").await;

    let to_member = notifications_until_marker(&mut member_session, "done").await;
    let kinds: Vec<_> = to_member.iter().map(|n| (n.message_id, n.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            (reply.id, NotificationKind::Mention),
            (everyone.id, NotificationKind::Everyone)
        ],
        "one per message, the strongest reason"
    );
    assert_eq!(to_member[0].author_id, owner);
    assert_eq!(to_member[0].server_id, Some(server.id));
    let to_other = notifications_until_marker(&mut other_session, "done").await;
    assert_eq!(
        to_other.iter().map(|n| n.kind).collect::<Vec<_>>(),
        vec![NotificationKind::Role, NotificationKind::Everyone]
    );
    // The author is never notified of their own message.
    assert!(
        notifications_until_marker(&mut owner_session, "done")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn preferences_decide_and_a_channel_wins_over_its_server() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let mentions = NotificationSetting {
        level: NotificationLevel::Mentions,
        muted_until: None,
    };
    h.engine
        .update_server_notifications(member, server.id, mentions)
        .await
        .unwrap();
    let mut session = h.engine.subscribe(member).unwrap();
    h.say(owner, general, "@everyone one").await;
    h.say(owner, general, "@member one").await;
    h.say(member, general, "mark 1").await;
    let kinds: Vec<_> = notifications_until_marker(&mut session, "mark 1")
        .await
        .iter()
        .map(|n| n.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![NotificationKind::Mention],
        "`mentions` suppresses @everyone"
    );
    let all = NotificationSetting {
        level: NotificationLevel::All,
        muted_until: None,
    };

    let nothing = NotificationSetting {
        level: NotificationLevel::Nothing,
        muted_until: None,
    };
    h.engine
        .update_channel_notifications(member, general, nothing)
        .await
        .unwrap();
    h.say(owner, general, "@member two").await;
    h.say(member, general, "mark 2").await;
    assert!(
        notifications_until_marker(&mut session, "mark 2")
            .await
            .is_empty(),
        "the channel's `nothing` wins"
    );

    let muted = NotificationSetting {
        level: NotificationLevel::All,
        muted_until: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
    };
    h.engine
        .update_channel_notifications(member, general, muted)
        .await
        .unwrap();
    h.say(owner, general, "@member three").await;
    h.say(member, general, "mark 3").await;
    assert!(
        notifications_until_marker(&mut session, "mark 3")
            .await
            .is_empty(),
        "muted for an hour"
    );

    let settings = h.engine.notification_settings(member).unwrap();
    assert_eq!(settings.servers[&server.id], mentions);
    assert_eq!(settings.channels[&general], muted);

    // Only one's own servers and channels one can view.
    let stranger = h.new_user("stranger").await;
    assert_code(
        h.engine
            .update_server_notifications(stranger, server.id, all)
            .await,
        ErrorCode::NotFound,
    );
    assert_code(
        h.engine
            .update_channel_notifications(stranger, general, all)
            .await,
        ErrorCode::NotFound,
    );
}

#[tokio::test]
async fn here_pings_members_online_and_everyone_needs_the_permission() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let away = h.new_user("away").await;
    h.join(&server, away).await;
    let device = h
        .engine
        .connect_device(member, chat_engine::model::ClientKind::Web)
        .unwrap();
    let mut member_session = h.engine.subscribe(member).unwrap();
    let mut away_session = h.engine.subscribe(away).unwrap();
    h.say(owner, general, "@here standup").await;
    h.say(member, general, "@everyone from a member who may not")
        .await;
    h.say(away, general, "done").await;
    let to_member = notifications_until_marker(&mut member_session, "done").await;
    assert_eq!(
        to_member.iter().map(|n| n.kind).collect::<Vec<_>>(),
        vec![NotificationKind::Here]
    );
    assert!(
        notifications_until_marker(&mut away_session, "done")
            .await
            .is_empty(),
        "away was offline"
    );
    h.engine.disconnect_device(member, device).unwrap();
}

#[tokio::test]
async fn dms_notify_their_recipients_and_hidden_channels_no_one() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let dm = h.engine.open_dm(owner, member).await.unwrap();
    let hidden = h
        .engine
        .create_channel(
            owner,
            server.id,
            chat_engine::model::CreateChannel {
                name: "staff".into(),
                is_private: true,
                category_id: None,
                position: None,
                slow_mode_delay: 0,
                topic: String::new(),
                kind: chat_engine::model::ChannelType::Text,
            },
        )
        .await
        .unwrap();
    let mut session = h.engine.subscribe(member).unwrap();
    let said = h.say(owner, dm.id, "psst").await;
    let secret = h.say(owner, hidden.id, "@member is not here").await;
    assert_eq!(
        secret.mentions,
        vec![member],
        "mentioned, but cannot see it"
    );
    h.say(member, general, "done").await;
    let got = notifications_until_marker(&mut session, "done").await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        (got[0].message_id, got[0].kind, got[0].server_id),
        (said.id, NotificationKind::Dm, None)
    );
}

/// A notifier that records what it is handed and fails the first `failures` attempts.
struct Recorder {
    delivered: Mutex<Vec<PushNotification>>,
    attempts: Mutex<u32>,
    failures: u32,
}

impl Recorder {
    fn new(failures: u32) -> Arc<Self> {
        Arc::new(Self {
            delivered: Mutex::default(),
            attempts: Mutex::default(),
            failures,
        })
    }

    fn delivered(&self) -> Vec<PushNotification> {
        self.delivered.lock().unwrap().clone()
    }
}

impl PushNotifier for Recorder {
    fn deliver<'a>(&'a self, push: &'a PushNotification) -> PushFuture<'a> {
        Box::pin(async move {
            let mut attempts = self.attempts.lock().unwrap();
            *attempts += 1;
            if *attempts <= self.failures {
                return Err(PushError("not now".into()));
            }
            self.delivered.lock().unwrap().push(push.clone());
            Ok(())
        })
    }
}

fn fast() -> PushOptions {
    PushOptions {
        min_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        ..PushOptions::default()
    }
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..200 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn offline_users_get_push_notifications_retried_and_kept_across_a_restart() {
    let h = TestHarness::durable().await;
    let (_, general, owner, member) = h.scene().await;

    // A notifier that keeps failing: the notification stays queued.
    let failing = Recorder::new(u32::MAX);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let engine = h.engine.clone();
    let delivery_task = tokio::spawn({
        let failing = failing.clone();
        async move {
            engine
                .deliver_pushes(failing, fast(), async {
                    let _ = stopped.await;
                })
                .await
        }
    });
    // The delivery_task announces itself before its first round; give it that moment.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let said = h.say(owner, general, "@member are you there?").await;
    wait_for("a few attempts", || *failing.attempts.lock().unwrap() >= 2).await;
    stop.send(()).unwrap();
    delivery_task.await.unwrap().unwrap();

    // After a restart, a notifier that fails twice delivers it, once.
    let h = h.reopen().await;
    let recorder = Recorder::new(2);
    let engine: Engine = h.engine.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let delivery_task = tokio::spawn({
        let recorder = recorder.clone();
        async move {
            engine
                .deliver_pushes(recorder, fast(), async {
                    let _ = stopped.await;
                })
                .await
        }
    });
    wait_for("the delivery", || !recorder.delivered().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let delivered = recorder.delivered();
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    assert_eq!(delivered[0].user_id, member);
    assert_eq!(delivered[0].notification.message_id, said.id);
    assert_eq!(delivered[0].notification.kind, NotificationKind::Mention);
    assert_eq!(delivered[0].content, "@member are you there?");
    assert_eq!(delivered[0].author_name, "owner");
    assert_eq!(
        *recorder.attempts.lock().unwrap(),
        3,
        "two failures, then the delivery"
    );

    // A user with a live session gets no push.
    let device = h
        .engine
        .connect_device(member, chat_engine::model::ClientKind::Web)
        .unwrap();
    h.say(owner, general, "@member you are here").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(recorder.delivered().len(), 1);
    h.engine.disconnect_device(member, device).unwrap();
    stop.send(()).unwrap();
    delivery_task.await.unwrap().unwrap();
}
