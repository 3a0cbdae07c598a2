//! Embeds the chat engine in-process: two users, a server, an invite, and a conversation
//! streamed to the second user as events, all on the durable redb store in a temp directory.
//!
//! Run it with `cargo run -p examples --example embedded-engine`.

use anyhow::{Context, Result};
use chat_engine::Engine;
use chat_engine::model::{CreateMessage, CreateServer, Event, HistoryQuery, RegisterRequest};

#[tokio::main]
async fn main() -> Result<()> {
    run().await
}

async fn run() -> Result<()> {
    // The engine keeps its redb file in this directory; `Engine::in_memory()` keeps nothing.
    let dir = tempfile::tempdir()?;
    let engine = Engine::open(dir.path()).await?;

    let register = |name: &str| RegisterRequest {
        username: name.into(),
        password: "correct horse battery".into(),
        email: None,
    };
    let alice = engine.register(register("alice")).await?.user;
    let bob = engine.register(register("bob")).await?.user;

    // Creating a server makes its @everyone role, #general and a permanent invite.
    let server = engine
        .create_server(
            alice.id,
            CreateServer {
                name: "Rustaceans".into(),
                ..Default::default()
            },
        )
        .await?;
    let general = server
        .system_channel_id
        .context("a new server has #general")?;
    engine.accept_invite(bob.id, &server.invite_code).await?;

    // Bob's session sees what Bob may see, in sequence order.
    let mut bob_events = engine.subscribe(bob.id)?;
    for text in ["Hello, **Bob**!", "Welcome to the server."] {
        let message = CreateMessage {
            content: text.into(),
            ..Default::default()
        };
        engine.send_message(alice.id, general, message).await?;
    }
    for _ in 0..2 {
        let envelope = bob_events.next_event().await?;
        if let Event::MessageCreate(message) = &envelope.event {
            println!(
                "#{} bob received: {} -> {}",
                envelope.seq,
                message.content,
                message.content_html.trim()
            );
        }
    }

    // History is paged newest first.
    let history = engine.list_messages(bob.id, general, HistoryQuery::default())?;
    println!(
        "#general holds {} messages (the join notice included)",
        history.len()
    );
    anyhow::ensure!(
        history.len() == 3,
        "expected a join notice and two messages"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_example_runs() {
        super::run().await.unwrap();
    }
}
