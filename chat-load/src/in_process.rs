//! The `ingest` scenario against the engine in this process: an [`Engine`] on a fresh data
//! directory with what `chat serve` opens by default (redb, one fsync per commit group, and
//! the search index fed), driven by the same number of concurrent senders calling
//! [`Engine::send_message`] directly. Beside a run against the server, the ratio is the cost
//! of the HTTP path (connection, routing, authentication, JSON both ways) over the engine's.

use std::path::PathBuf;
use std::time::Duration;

use chat_engine::Engine;
use chat_engine::id::{ChannelId, UserId};
use chat_engine::model::{CreateBot, CreateMessage, CreateServer, RegisterRequest};
use indicatif::ProgressBar;

use crate::report::Report;
use crate::session::load_content;

/// A data directory of its own, removed when dropped.
struct DataDir(PathBuf);

impl DataDir {
    fn new() -> anyhow::Result<Self> {
        let path =
            std::env::temp_dir().join(format!("chat-load-engine-{}", ulid::Ulid::generate()));
        std::fs::create_dir_all(&path)?;
        Ok(Self(path))
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `ingest` in-process: `senders` bots of one server each send into its `#general` for
/// `duration`; durable sends/s and the latency of each send, under the keys of
/// [`crate::scenarios::ingest`].
pub async fn ingest(
    senders: usize,
    duration: Duration,
    progress: &ProgressBar,
) -> anyhow::Result<Report> {
    let dir = DataDir::new()?;
    let engine = Engine::builder().data_dir(&dir.0).open().await?;
    let (channel, members) = provision(&engine, senders, progress).await?;
    progress.set_message("ingest (engine)");
    let senders = members
        .into_iter()
        .map(|member| (engine.clone(), member))
        .collect();
    crate::scenarios::send_for(senders, duration, move |(engine, member), index| {
        let (engine, member) = (engine.clone(), *member);
        let request = CreateMessage {
            content: load_content(index),
            ..CreateMessage::default()
        };
        async move { engine.send_message(member, channel, request).await.is_ok() }
    })
    .await
}

/// An owner, a server and `senders` bots that joined it, as the REST scenarios provision.
async fn provision(
    engine: &Engine,
    senders: usize,
    progress: &ProgressBar,
) -> anyhow::Result<(ChannelId, Vec<UserId>)> {
    let owner = engine
        .register(RegisterRequest {
            email: None,
            password: "load-test-password".into(),
            username: "load-owner".into(),
        })
        .await?
        .user
        .id;
    let server = engine
        .create_server(
            owner,
            CreateServer {
                name: "load".into(),
                ..CreateServer::default()
            },
        )
        .await?;
    let channel = server
        .system_channel_id
        .ok_or_else(|| anyhow::anyhow!("no default channel"))?;
    progress.set_message("provisioning (engine)");
    progress.set_length(senders as u64);
    progress.set_position(0);
    let mut members = Vec::with_capacity(senders);
    for index in 0..senders {
        let bot = engine
            .create_bot(
                owner,
                CreateBot {
                    username: format!("sender-{index}"),
                },
            )
            .await?;
        engine
            .accept_invite(bot.user.id, &server.invite_code)
            .await?;
        members.push(bot.user.id);
        progress.inc(1);
    }
    Ok((channel, members))
}
