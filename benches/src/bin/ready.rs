//! READY for a user in many large servers: seeds (by default) 100 servers of 1,000 members
//! each on the durable engine, each with 10 text channels, 5 roles (2 of them the reader's)
//! and one message per channel, then builds the reader's READY repeatedly and reports its
//! p50/p95/p99 time and its size as JSON.
//! `cargo run --release -p chat-bench --bin ready -- [servers] [members]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use chat_bench::Fixture;
use chat_engine::Engine;
use chat_engine::id::UserId;
use chat_engine::model::{
    CreateBot, CreateChannel, CreateMessage, CreateRole, CreateServer, Permissions, RegisterRequest,
};

/// Whatever stops the benchmark: an engine error or a task that died.
type Failure = Box<dyn std::error::Error + Send + Sync>;

/// How many READYs are timed.
const RUNS: usize = 30;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().ok());
    let servers = args.next().flatten().unwrap_or(100);
    let members = args.next().flatten().unwrap_or(1_000);
    let fixture = Fixture::new(true).await;
    let engine = fixture.engine.clone();
    let reader = engine
        .register(RegisterRequest {
            email: None,
            password: "bench password".into(),
            username: "reader".into(),
        })
        .await?
        .user
        .id;
    let started = Instant::now();
    let mut bots = Vec::with_capacity(members.saturating_sub(1));
    for i in 1..members {
        let request = CreateBot {
            username: format!("member-{i}"),
        };
        bots.push(engine.create_bot(fixture.owner, request).await?.user.id);
    }
    let bots = Arc::new(bots);
    for n in 0..servers {
        seed_server(&engine, fixture.owner, reader, &bots, n).await?;
        if (n + 1) % 10 == 0 || n + 1 == servers {
            eprintln!(
                "seeded {}/{servers} servers of {members} members ({:.0?})",
                n + 1,
                started.elapsed()
            );
        }
    }
    measure(&engine, reader, servers, members)
}

/// One server: channels, roles, the reader and every bot as members, a message per channel.
async fn seed_server(
    engine: &Engine,
    owner: UserId,
    reader: UserId,
    bots: &Arc<Vec<UserId>>,
    n: usize,
) -> Result<(), Failure> {
    let request = CreateServer {
        name: format!("community {n}"),
        ..CreateServer::default()
    };
    let server = engine.create_server(owner, request).await?;
    let mut channels = vec![server.system_channel_id.ok_or("no default channel")?];
    for i in 1..10 {
        let request = CreateChannel {
            name: format!("channel-{i}"),
            category_id: None,
            is_private: false,
            position: None,
            slow_mode_delay: 0,
            topic: format!("what channel {i} is about"),
            kind: chat_engine::model::ChannelType::Text,
        };
        channels.push(engine.create_channel(owner, server.id, request).await?.id);
    }
    let mut roles = Vec::new();
    for i in 0..5 {
        let request = CreateRole {
            color: 0x0033_66ff,
            is_mentionable: true,
            name: format!("role {i}"),
            permissions: Permissions::SEND_MESSAGES,
        };
        roles.push(engine.create_role(owner, server.id, request).await?.id);
    }
    engine.accept_invite(reader, &server.invite_code).await?;
    for role in &roles[..2] {
        engine
            .add_member_role(owner, server.id, reader, *role)
            .await?;
    }
    join_all(engine, bots, &server.invite_code).await?;
    for channel in channels {
        let request = CreateMessage {
            content: format!("welcome to community {n}"),
            ..CreateMessage::default()
        };
        engine.send_message(owner, channel, request).await?;
    }
    Ok(())
}

/// Every bot joins, 16 at a time (their writes share commits).
async fn join_all(engine: &Engine, bots: &Arc<Vec<UserId>>, invite: &str) -> Result<(), Failure> {
    let tasks: Vec<_> = (0..16)
        .map(|lane| {
            let (engine, bots, invite) = (engine.clone(), bots.clone(), invite.to_owned());
            tokio::spawn(async move {
                for bot in bots.iter().skip(lane).step_by(16) {
                    engine.accept_invite(*bot, &invite).await?;
                }
                Ok::<(), chat_engine::Error>(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok(())
}

/// Builds the reader's READY `RUNS` times; prints its time and size.
fn measure(engine: &Engine, reader: UserId, servers: usize, members: usize) -> Result<(), Failure> {
    let mut samples = Vec::with_capacity(RUNS);
    let mut bytes = 0;
    for _ in 0..RUNS {
        let began = Instant::now();
        let ready = engine.ready_state(reader, "bench".into())?;
        let json = serde_json::to_vec(&ready)?;
        samples.push(began.elapsed());
        bytes = json.len();
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    println!(
        "READY of a member of {servers} servers of {members} members: n={RUNS} p50={:.2?} p95={:.2?} p99={:.2?} size={bytes} bytes ({:.1} KiB)",
        at(0.50),
        at(0.95),
        at(0.99),
        bytes as f64 / 1024.0,
    );
    let total: Duration = samples.iter().sum();
    println!("mean={:.2?}", total / RUNS as u32);
    Ok(())
}
