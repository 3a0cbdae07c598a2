//! Two engines (two server nodes) on one PostgreSQL database, writing at the same time: one
//! gap-free order of events, nothing lost when both change the same record, a nonce unique
//! across them, and each one's sessions hearing the other's events. Runs against the server
//! `CHAT_TEST_POSTGRES` names, and passes without running without it.

use std::collections::HashSet;
use std::sync::Arc;

use chat_engine::events::Session;
use chat_engine::id::UserId;
use chat_engine::model::{
    CreateMessage, CreateRole, CreateServer, Event, HistoryQuery, RegisterRequest,
};
use chat_engine::store::{EventLog, PostgresStore, Reader};
use chat_engine::{Engine, EngineBuilder};

use crate::harness::PASSWORD;

/// An engine (a node) on the database at `url`, as every node of a community is built.
pub(crate) fn node_builder(url: &str) -> EngineBuilder {
    let store = PostgresStore::connect(url).unwrap();
    Engine::builder()
        .backend(Arc::new(store))
        .jwt_secret(*b"one secret for every node")
}

async fn node(url: &str) -> Engine {
    node_builder(url).open().await.unwrap()
}

pub(crate) async fn user(engine: &Engine, name: &str) -> UserId {
    let request = RegisterRequest {
        username: name.into(),
        password: PASSWORD.into(),
        email: None,
    };
    engine.register(request).await.unwrap().user.id
}

fn say(text: String, nonce: Option<&str>) -> CreateMessage {
    CreateMessage {
        content: text,
        nonce: nonce.map(Into::into),
        ..Default::default()
    }
}

fn shared_server() -> CreateServer {
    CreateServer {
        name: "shared".into(),
        ..Default::default()
    }
}

/// The contents of the messages a session hears until it has heard `count`, in order.
async fn hear(session: &mut Session, count: usize) -> Vec<(u64, String)> {
    let mut heard = Vec::new();
    while heard.len() < count {
        let envelope =
            tokio::time::timeout(std::time::Duration::from_secs(10), session.next_event())
                .await
                .expect("the other node's events arrive")
                .unwrap();
        if let Event::MessageCreate(message) = &envelope.event {
            heard.push((envelope.seq, message.content.clone()));
        }
    }
    heard
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_write_at_once_and_hear_each_other() {
    let Some(url) = PostgresStore::test_url() else {
        return;
    };
    let (a, b) = (node(&url).await, node(&url).await);
    let owner = user(&a, "owner").await;
    let member = user(&b, "member").await;
    let server = a.create_server(owner, shared_server()).await.unwrap();
    b.accept_invite(member, &server.invite_code).await.unwrap();
    let general = server.system_channel_id.unwrap();
    let mut owner_on_a = a.subscribe(owner).unwrap();
    let mut member_on_b = b.subscribe(member).unwrap();

    // Both nodes send at once, the same nonce included, and give the member roles at once
    // (each a rewrite of the same member record).
    let mut roles = Vec::new();
    for i in 0..6 {
        let role = CreateRole {
            name: format!("role {i}"),
            ..Default::default()
        };
        roles.push(a.create_role(owner, server.id, role).await.unwrap().id);
    }
    let sends = |engine: Engine, who: UserId, tag: &'static str| async move {
        let mut ids = Vec::new();
        for i in 0..20 {
            let nonce = (i == 10).then_some("the same nonce");
            let message = engine.send_message(who, general, say(format!("{tag} {i}"), nonce));
            ids.push(message.await.unwrap().id);
        }
        ids
    };
    let grants = |engine: Engine, roles: Vec<_>| async move {
        for role in roles {
            engine
                .add_member_role(owner, server.id, member, role)
                .await
                .unwrap();
        }
    };
    let (from_a, from_b, (), ()) = tokio::join!(
        tokio::spawn(sends(a.clone(), member, "a")),
        tokio::spawn(sends(b.clone(), member, "b")),
        grants(a.clone(), roles[..3].to_vec()),
        grants(b.clone(), roles[3..].to_vec()),
    );
    let (from_a, from_b) = (from_a.unwrap(), from_b.unwrap());

    // The nonce made one message, whichever node wrote it first.
    assert_eq!(from_a[10], from_b[10], "one message for one nonce");
    let distinct: HashSet<_> = from_a.iter().chain(&from_b).collect();
    assert_eq!(distinct.len(), 39);
    // No role grant lost, read through either node.
    for engine in [&a, &b] {
        let held = engine
            .fetch_member(owner, server.id, member)
            .unwrap()
            .role_ids;
        assert_eq!(held.len(), roles.len(), "{held:?}");
    }
    // Each session heard all 39 messages once, in the order of the one log.
    for session in [&mut owner_on_a, &mut member_on_b] {
        let heard = hear(session, 39).await;
        assert!(
            heard.windows(2).all(|w| w[0].0 < w[1].0),
            "in order: {heard:?}"
        );
        let contents: HashSet<_> = heard.iter().map(|(_, content)| content).collect();
        assert_eq!(contents.len(), 39);
    }
    let history = HistoryQuery {
        limit: Some(100),
        ..Default::default()
    };
    let stored = b.list_messages(owner, general, history).unwrap();
    let stored: HashSet<_> = stored.iter().map(|m| m.id).collect();
    assert!(
        distinct.iter().all(|id| stored.contains(id)),
        "every message stored"
    );

    // The log is one gap-free sequence.
    let store = PostgresStore::connect(&url).unwrap();
    let reader = Reader::new(chat_engine::store::Backend::snapshot(&store).unwrap());
    let seqs: Vec<u64> = reader
        .list_events(0, 10_000)
        .unwrap()
        .into_iter()
        .map(|(seq, _)| seq)
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "gap-free: {seqs:?}"
    );
    assert_eq!(a.last_seq(), *seqs.last().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_started_on_one_node_resumes_on_the_other() {
    let Some(url) = PostgresStore::test_url() else {
        return;
    };
    let (a, b) = (node(&url).await, node(&url).await);
    let owner = user(&a, "owner").await;
    let server = a.create_server(owner, shared_server()).await.unwrap();
    let general = server.system_channel_id.unwrap();
    let mut on_a = a.subscribe(owner).unwrap();
    a.send_message(owner, general, say("before".into(), None))
        .await
        .unwrap();
    let (seen, _) = hear(&mut on_a, 1).await[0].clone();
    drop(on_a);
    // Node A goes away; what was sent meanwhile (through B) is there when it resumes on B.
    drop(a);
    b.send_message(owner, general, say("while away".into(), None))
        .await
        .unwrap();
    let mut on_b = b.resume(owner, seen).unwrap();
    let heard = hear(&mut on_b, 1).await;
    assert_eq!(heard[0].1, "while away");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_on_one_node_holds_on_the_other_at_once() {
    let Some(url) = PostgresStore::test_url() else {
        return;
    };
    let (a, b) = (node(&url).await, node(&url).await);
    let request = RegisterRequest {
        username: "leaver".into(),
        password: PASSWORD.into(),
        email: None,
    };
    let token = a.register(request).await.unwrap().token;
    // Node B checks the token (and would have cached its session), then A logs it out.
    b.authenticate(&token).unwrap();
    let identity = a.authenticate(&token).unwrap();
    a.logout(identity).await.unwrap();
    assert!(
        b.authenticate(&token).is_err(),
        "B refuses the logged-out token"
    );
}
