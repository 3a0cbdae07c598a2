//! Provisioning through REST: an owner, a server, and bot accounts (no password hashing) that
//! joined it.

use chat_client::Client;
use chat_engine::id::{ChannelId, ServerId, UserId};
use chat_engine::model::CreateServer;
use indicatif::ProgressBar;

/// A server full of bots.
#[derive(Debug, Clone)]
pub struct Room {
    /// The owner's client.
    pub owner: Client,
    /// The server.
    pub server: ServerId,
    /// Its `#general`.
    pub channel: ChannelId,
    /// The members: id and token.
    pub members: Vec<(UserId, String)>,
}

/// Registers an owner, makes a server and `members` bots that join it.
pub async fn room(base_url: &str, members: usize, progress: &ProgressBar) -> anyhow::Result<Room> {
    let anonymous = Client::builder().base_url(base_url).build()?;
    let name = format!("load-{}", chat_engine::id::UserId::from_ulid(ulid_now()));
    let auth = anonymous
        .register(&name[..32.min(name.len())], "load-test-password")
        .await?;
    let owner = anonymous.with_token(&auth.token);
    let server = owner
        .create_server(&CreateServer {
            name: "load".into(),
            ..CreateServer::default()
        })
        .await?;
    let channel = server
        .system_channel_id
        .ok_or_else(|| anyhow::anyhow!("no default channel"))?;
    progress.set_length(members as u64);
    progress.set_message("provisioning");
    let mut joined = Vec::with_capacity(members);
    // A few at a time: the server is on the same two cores.
    for chunk in (0..members).collect::<Vec<_>>().chunks(16) {
        let batch = chunk.iter().map(|i| {
            let (owner, anonymous, invite) =
                (owner.clone(), anonymous.clone(), server.invite_code.clone());
            let suffix = ulid_now().to_string();
            async move {
                let bot = owner.create_bot(&format!("b{i}-{}", &suffix[16..])).await?;
                anonymous
                    .with_token(&bot.token)
                    .accept_invite(&invite)
                    .await?;
                anyhow::Ok((bot.user.id, bot.token))
            }
        });
        for result in futures_util::future::join_all(batch).await {
            joined.push(result?);
            progress.inc(1);
        }
    }
    Ok(Room {
        owner,
        server: server.id,
        channel,
        members: joined,
    })
}

fn ulid_now() -> ulid::Ulid {
    ulid::Ulid::generate()
}
