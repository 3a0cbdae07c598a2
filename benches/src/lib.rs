//! Shared setup for the engine benches: engines on memory or redb, filled with users, a
//! server, members and messages through the public API.

use chat_engine::Engine;
use chat_engine::id::{ChannelId, ServerId, UserId};
use chat_engine::model::{CreateBot, CreateMessage, CreateServer, RegisterRequest};

/// An engine with an owner and a server, and where it lives.
#[derive(Debug)]
pub struct Fixture {
    /// The engine.
    pub engine: Engine,
    /// The server's owner.
    pub owner: UserId,
    /// The server.
    pub server: ServerId,
    /// The server's invite code.
    pub invite: String,
    /// The server's `#general`.
    pub channel: ChannelId,
    /// Keeps a redb engine's directory alive.
    pub dir: Option<tempfile::TempDir>,
}

impl Fixture {
    /// An engine on memory (`durable == false`) or redb in a temp dir, with one server.
    pub async fn new(durable: bool) -> Self {
        let (engine, dir) = if durable {
            let dir = tempfile::tempdir().expect("a temp dir");
            (
                Engine::open(dir.path()).await.expect("engine opens"),
                Some(dir),
            )
        } else {
            (Engine::in_memory().await.expect("engine opens"), None)
        };
        let request = RegisterRequest {
            username: "owner".into(),
            password: "bench password".into(),
            email: None,
        };
        let owner = engine.register(request).await.expect("register").user.id;
        let server = engine
            .create_server(
                owner,
                CreateServer {
                    name: "bench".into(),
                    ..CreateServer::default()
                },
            )
            .await
            .expect("server");
        let channel = server.system_channel_id.expect("a default channel");
        Self {
            engine,
            owner,
            server: server.id,
            invite: server.invite_code,
            channel,
            dir,
        }
    }

    /// Adds `count` members (bot accounts, which skip password hashing) and returns them.
    pub async fn add_members(&self, count: usize) -> Vec<UserId> {
        let mut members = Vec::with_capacity(count);
        for i in 0..count {
            let bot = self
                .engine
                .create_bot(
                    self.owner,
                    CreateBot {
                        username: format!("member-{i}"),
                    },
                )
                .await
                .expect("bot");
            self.engine
                .accept_invite(bot.user.id, &self.invite)
                .await
                .expect("join");
            members.push(bot.user.id);
        }
        members
    }

    /// Sends `count` messages from the owner.
    pub async fn fill(&self, count: usize) {
        for i in 0..count {
            self.send(&format!("message number {i} with some **markdown** in it"))
                .await;
        }
    }

    /// Sends one message from the owner.
    pub async fn send(&self, content: &str) {
        let request = CreateMessage {
            content: content.into(),
            ..CreateMessage::default()
        };
        self.engine
            .send_message(self.owner, self.channel, request)
            .await
            .expect("send");
    }
}
