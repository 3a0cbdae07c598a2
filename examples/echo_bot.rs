//! An echo bot: repeats every message it sees.
//!
//! `CHAT_TOKEN=<bot token> cargo run -p examples --example echo-bot` (server at `CHAT_URL`,
//! default `http://127.0.0.1:8080`).

use chat_client::{Bot, Client};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("CHAT_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let client = Client::builder()
        .base_url(&url)
        .token(std::env::var("CHAT_TOKEN")?)
        .build()?;
    echo(client, url.replacen("http", "ws", 1) + "/ws").await
}

async fn echo(client: Client, gateway: String) -> anyhow::Result<()> {
    let bot = Bot::new(client, gateway).on_message(|ctx, message| async move {
        if ctx.me.is_some_and(|me| me.id != message.author_id) {
            let _ = ctx
                .client
                .create_message(message.channel_id)
                .content(message.content)
                .await;
        }
    });
    Ok(bot.run().await?)
}

// Shared by the three bot examples; each uses part of it.
#[cfg(test)]
#[allow(dead_code)]
#[path = "support.rs"]
mod support;

#[cfg(test)]
mod tests {
    use super::support;

    #[tokio::test]
    async fn it_echoes() {
        let scene = support::Scene::start().await;
        let bot = tokio::spawn(super::echo(scene.bot.clone(), scene.gateway_url()));
        let echoed = scene
            .until(|| async {
                scene
                    .owner
                    .create_message(scene.channel)
                    .content("hello, echo")
                    .await
                    .unwrap();
                let recent = scene.owner.messages(scene.channel).limit(5).await.unwrap();
                recent
                    .into_iter()
                    .find(|m| m.author_id == scene.bot_id && m.content == "hello, echo")
            })
            .await;
        assert_eq!(echoed.content, "hello, echo");
        bot.abort();
    }
}
