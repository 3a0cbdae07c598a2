//! Test support shared by the examples: a real server on a loopback port, an owner, a bot
//! account that joined the owner's server, and their clients.

use std::future::Future;
use std::time::Duration;

use chat_client::Client;
use chat_engine::id::{ChannelId, ServerId, UserId};
use chat_engine::model::CreateServer;

pub(crate) struct Scene {
    pub(crate) addr: std::net::SocketAddr,
    pub(crate) owner: Client,
    pub(crate) bot: Client,
    pub(crate) bot_id: UserId,
    pub(crate) server: ServerId,
    pub(crate) channel: ChannelId,
    pub(crate) invite: String,
}

impl Scene {
    pub(crate) async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let engine = chat_engine::Engine::in_memory().await.unwrap();
        let config = chat_server::ServerConfig {
            rate_limits: chat_server::ratelimit::RateLimits::off(),
            ..Default::default()
        };
        tokio::spawn(chat_server::run(
            listener,
            engine,
            config,
            std::future::pending(),
        ));
        let anonymous = Client::builder()
            .base_url(format!("http://{addr}"))
            .build()
            .unwrap();
        let auth = anonymous
            .register("owner", "correct horse battery")
            .await
            .unwrap();
        let owner = anonymous.with_token(&auth.token);
        let bot_account = owner.create_bot("example-bot").await.unwrap();
        let bot = anonymous.with_token(&bot_account.token);
        let server = owner
            .create_server(&CreateServer {
                name: "examples".into(),
                ..CreateServer::default()
            })
            .await
            .unwrap();
        bot.accept_invite(&server.invite_code).await.unwrap();
        Self {
            addr,
            owner,
            bot,
            bot_id: bot_account.user.id,
            server: server.id,
            channel: server.system_channel_id.unwrap(),
            invite: server.invite_code,
        }
    }

    pub(crate) fn gateway_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    pub(crate) fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Retries `step` until it yields something (a bot may still be connecting), for 10 s.
    pub(crate) async fn until<T, F: Future<Output = Option<T>>>(&self, step: impl Fn() -> F) -> T {
        for _ in 0..50 {
            if let Some(value) = step().await {
                return value;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("nothing happened within 10 s");
    }
}
