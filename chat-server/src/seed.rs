//! `chat seed`: realistic sample data (users, servers, channels, conversations with replies,
//! reactions and pins) made through the engine's public API, with a progress bar.

use chat_engine::Engine;
use chat_engine::id::{ChannelId, UserId};
use chat_engine::model::{
    ChannelType, CreateChannel, CreateMessage, CreateServer, RegisterRequest,
};
use indicatif::{ProgressBar, ProgressStyle};

/// The password every seeded user gets.
pub const SEED_PASSWORD: &str = "seed-password";

const NAMES: &[&str] = &[
    "ada", "alan", "barbara", "dennis", "edsger", "frances", "grace", "guido", "john", "ken",
    "linus", "margaret", "niklaus", "radia", "rob", "tony",
];
const SERVERS: &[&str] = &[
    "Rustaceans",
    "Async Club",
    "Systems Lab",
    "Compiler Nerds",
    "Weekend Hackers",
];
const CHANNELS: &[&str] = &["random", "help", "showcase", "off-topic"];
const WORDS: &[&str] = &[
    "borrow",
    "checker",
    "lifetime",
    "tokio",
    "async",
    "trait",
    "macro",
    "crate",
    "release",
    "benchmark",
    "latency",
    "**fast**",
    "`unsafe`",
    "zero-cost",
    "iterator",
    "closure",
    "channel",
    "mutex",
    "arena",
    "allocation",
];
const EMOJIS: &[&str] = &["👍", "🎉", "🦀", "🔥", "👀"];

/// A small deterministic generator, so that seeds are reproducible.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % bound.max(1)
    }
}

fn bar(len: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    let style = ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
        .expect("a valid template")
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(what.to_owned());
    bar
}

/// What a seed made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    /// Users made.
    pub users: usize,
    /// Servers made.
    pub servers: usize,
    /// Messages sent.
    pub messages: usize,
}

/// Seeds `users` users, `servers` servers everyone joins, and `messages` messages.
pub async fn seed(
    engine: &Engine,
    users: usize,
    servers: usize,
    messages: usize,
) -> anyhow::Result<Seeded> {
    let mut rng = Lcg(0x5eed);
    let stamp = chrono::Utc::now().timestamp() % 100_000;
    let progress = bar(users, "users");
    let mut people: Vec<UserId> = Vec::with_capacity(users);
    for i in 0..users {
        let username = format!("{}{}-{stamp}", NAMES[i % NAMES.len()], i / NAMES.len());
        let request = RegisterRequest {
            username,
            password: SEED_PASSWORD.into(),
            email: None,
        };
        people.push(engine.register(request).await?.user.id);
        progress.inc(1);
    }
    progress.finish();
    anyhow::ensure!(
        !people.is_empty() || servers == 0,
        "servers need at least one user"
    );

    let progress = bar(servers, "servers");
    let mut channels: Vec<ChannelId> = Vec::new();
    for i in 0..servers {
        let owner = people[rng.next(people.len())];
        let name = SERVERS[i % SERVERS.len()].to_owned();
        let server = engine
            .create_server(
                owner,
                CreateServer {
                    name,
                    is_public: i % 2 == 0,
                    ..CreateServer::default()
                },
            )
            .await?;
        channels.extend(server.system_channel_id);
        for name in CHANNELS.iter().take(1 + rng.next(CHANNELS.len())) {
            let request = CreateChannel {
                category_id: None,
                is_private: false,
                name: (*name).into(),
                position: None,
                slow_mode_delay: 0,
                topic: format!("All about {name}"),
                kind: ChannelType::Text,
            };
            channels.push(engine.create_channel(owner, server.id, request).await?.id);
        }
        for user in &people {
            engine.accept_invite(*user, &server.invite_code).await?;
        }
        progress.inc(1);
    }
    progress.finish();

    let progress = bar(messages, "messages");
    let mut sent = 0;
    let mut recent: Vec<(ChannelId, chat_engine::id::MessageId)> = Vec::new();
    for _ in 0..messages {
        if channels.is_empty() {
            break;
        }
        let channel = channels[rng.next(channels.len())];
        let author = people[rng.next(people.len())];
        let words: Vec<&str> = (0..3 + rng.next(12))
            .map(|_| WORDS[rng.next(WORDS.len())])
            .collect();
        let reply_to = recent
            .iter()
            .rev()
            .find(|(c, _)| *c == channel)
            .map(|(_, m)| *m)
            .filter(|_| rng.next(5) == 0);
        let request = CreateMessage {
            content: words.join(" "),
            reply_to_id: reply_to,
            ..CreateMessage::default()
        };
        let message = engine.send_message(author, channel, request).await?;
        if rng.next(4) == 0 {
            let reactor = people[rng.next(people.len())];
            engine
                .add_reaction(reactor, channel, message.id, EMOJIS[rng.next(EMOJIS.len())])
                .await?;
        }
        recent.push((channel, message.id));
        if recent.len() > 64 {
            recent.remove(0);
        }
        sent += 1;
        progress.inc(1);
    }
    progress.finish();
    Ok(Seeded {
        users: people.len(),
        servers,
        messages: sent,
    })
}
