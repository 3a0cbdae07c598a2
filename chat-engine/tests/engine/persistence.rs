//! Durability: data, nonces and the event log survive reopening; a process killed mid-write
//! loses no acknowledged message and duplicates none.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use chat_engine::Engine;
use chat_engine::id::{ChannelId, UserId};
use chat_engine::model::{CreateMessage, HistoryQuery, LoginRequest, SearchQuery};

use crate::harness::{PASSWORD, TestHarness};

#[tokio::test]
async fn everything_survives_reopening() {
    let h = TestHarness::durable().await;
    let (server, general, owner, member) = h.scene().await;
    let message = h.say(member, general, "kept").await;
    h.engine
        .add_reaction(owner, general, message.id, "💾")
        .await
        .unwrap();
    h.engine
        .ack_message(owner, general, message.id)
        .await
        .unwrap();
    let nonce = CreateMessage {
        content: "once".into(),
        nonce: Some("n-1".into()),
        ..Default::default()
    };
    let original = h
        .engine
        .send_message(owner, general, nonce.clone())
        .await
        .unwrap();
    let seq = h.engine.last_seq();

    let h = h.reopen().await;
    assert_eq!(h.engine.last_seq(), seq);
    let login = h
        .engine
        .login(
            LoginRequest {
                username: "member".into(),
                password: PASSWORD.into(),
            },
            "test",
        )
        .await
        .unwrap()
        .tokens()
        .unwrap();
    assert_eq!(login.user.id, member);
    assert_eq!(h.server_of(owner, server.id).member_count, 2);
    let kept = h.engine.fetch_message(owner, general, message.id).unwrap();
    assert_eq!(kept.content, "kept");
    assert_eq!(kept.reactions[0].emoji, "💾");
    assert_eq!(
        h.engine.read_state(owner, general).unwrap().last_read_id,
        Some(message.id)
    );
    let retry = h.engine.send_message(owner, general, nonce).await.unwrap();
    assert_eq!(
        retry, original,
        "a nonce retry after a restart returns the original"
    );
    assert_eq!(
        h.history(owner, general)
            .iter()
            .filter(|m| m.content == "once")
            .count(),
        1
    );
    let newer = h.say(owner, general, "after restart").await;
    assert!(newer.id > original.id, "ids keep growing after a restart");
}

#[tokio::test]
async fn sessions_resume_across_a_restart() {
    let h = TestHarness::durable().await;
    let (_, general, owner, member) = h.scene().await;
    let from = h.engine.last_seq();
    h.say(owner, general, "while you were away").await;
    let h = h.reopen().await;
    let mut session = h.engine.resume(member, from).unwrap();
    let envelope = session.next_event().await.unwrap();
    assert_eq!(envelope.event.name(), "MESSAGE_CREATE");
    assert_eq!(envelope.seq, from + 1);
}

#[tokio::test]
async fn ended_session_ids_stay_ended_across_a_restart_until_their_events_are_gone() {
    let h = TestHarness::durable().await;
    let (_, general, owner, member) = h.scene().await;
    let ended = h.engine.new_session_id(member).unwrap();
    let other = h.engine.new_session_id(member).unwrap();
    h.engine
        .end_session_id(&ended, h.engine.last_seq())
        .await
        .unwrap();
    let h = h.reopen().await;
    assert!(h.engine.issued_session_id(member, &ended), "still ours");
    assert!(
        h.engine.session_id_ended(&ended).unwrap(),
        "and still ended"
    );
    assert!(!h.engine.session_id_ended(&other).unwrap());
    assert_eq!(
        h.engine.prune_ended_session_ids().await.unwrap(),
        0,
        "its events are kept"
    );

    // Once the log no longer holds what came after it, the mark goes.
    let TestHarness { engine, dir } = h;
    drop(engine);
    let dir = dir.unwrap();
    let engine = Engine::builder()
        .data_dir(dir.path())
        .event_retention(2)
        .open()
        .await
        .unwrap();
    for text in ["one", "two", "three"] {
        engine
            .send_message(
                owner,
                general,
                CreateMessage {
                    content: text.into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    assert_eq!(engine.prune_ended_session_ids().await.unwrap(), 1);
    assert!(!engine.session_id_ended(&ended).unwrap());
}

#[tokio::test]
async fn tokens_stay_valid_across_a_restart() {
    let h = TestHarness::durable().await;
    let auth = h
        .engine
        .register(chat_engine::model::RegisterRequest {
            username: "keeper".into(),
            password: PASSWORD.into(),
            email: None,
        })
        .await
        .unwrap();
    let h = h.reopen().await;
    assert_eq!(
        h.engine.authenticate(&auth.token).unwrap().user_id,
        auth.user.id
    );
    assert!(h.engine.refresh(&auth.refresh_token).await.is_ok());
}

const CRASH_DIR: &str = "CHAT_ENGINE_CRASH_DIR";
const WRITERS: usize = 4;

/// The child side of the crash test: sends messages from several tasks until killed, printing
/// each one's nonce once its send has returned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by crash_loses_no_acknowledged_message"]
async fn crash_child() {
    let Ok(dir) = std::env::var(CRASH_DIR) else {
        return;
    };
    let engine = Engine::open(dir).await.unwrap();
    let h = TestHarness { engine, dir: None };
    let owner = h.new_user("crasher").await;
    let server = h.new_server(owner).await;
    let channel = server.system_channel_id.unwrap();
    println!("SETUP {owner} {channel}");
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let engine = h.engine.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0.. {
                let nonce = format!("{writer}-{i}");
                let request = CreateMessage {
                    content: format!("pineapple {nonce}"),
                    nonce: Some(nonce.clone()),
                    ..Default::default()
                };
                engine.send_message(owner, channel, request).await.unwrap();
                println!("SENT {nonce}");
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

#[tokio::test]
async fn crash_loses_no_acknowledged_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "persistence::crash_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CRASH_DIR, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut setup = None;
    let mut acknowledged = Vec::new();
    while acknowledged.len() < 300 {
        let line = lines.next().expect("the child stopped early").unwrap();
        // libtest may print the test's name on the same line, before its output.
        if let Some(rest) = line.split_once("SETUP ").map(|(_, r)| r) {
            let (user, channel) = rest.split_once(' ').unwrap();
            setup = Some((
                user.parse::<UserId>().unwrap(),
                channel.parse::<ChannelId>().unwrap(),
            ));
        } else if let Some(nonce) = line.split_once("SENT ").map(|(_, r)| r) {
            acknowledged.push(nonce.to_owned());
        }
    }
    child.kill().unwrap(); // SIGKILL: no destructor, no flush
    child.wait().unwrap();
    // Lines the child printed after we stopped reading were acknowledged too, but we only
    // need to check the ones we saw.
    let (owner, channel) = setup.expect("the child printed its setup");

    let engine = Engine::open(dir.path()).await.unwrap();
    let mut stored = Vec::new();
    let mut before = None;
    loop {
        let query = HistoryQuery {
            before,
            limit: Some(100),
            ..Default::default()
        };
        let page = engine.list_messages(owner, channel, query).unwrap();
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        stored.extend(page.into_iter().filter_map(|m| m.nonce));
    }
    for nonce in &acknowledged {
        let copies = stored.iter().filter(|c| *c == nonce).count();
        assert_eq!(
            copies, 1,
            "message {nonce} was acknowledged but is stored {copies} times"
        );
    }
    let mut unique = stored.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), stored.len(), "no message is stored twice");
    // The search index, never committed before the kill, catches up from the log.
    let server = engine
        .fetch_channel(owner, channel)
        .unwrap()
        .server_id
        .unwrap();
    let query = SearchQuery {
        q: "pineapple".into(),
        ..Default::default()
    };
    let found = engine.search_messages(owner, server, query).await.unwrap();
    assert_eq!(found.total, stored.len() as u64);
    // The engine goes on working on the recovered file.
    let request = CreateMessage {
        content: "after the crash".into(),
        ..Default::default()
    };
    engine.send_message(owner, channel, request).await.unwrap();
}
