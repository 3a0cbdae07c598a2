//! A moderation bot: deletes messages that contain a banned word and kicks an author after
//! repeated offences, with the reason.
//!
//! `CHAT_TOKEN=<bot token> CHAT_BANNED=spam,scam cargo run -p examples --example moderation-bot`
//! (the bot needs MANAGE_MESSAGES and KICK_MEMBERS, and a role above the offenders').

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chat_client::{Bot, Client};
use chat_engine::id::{ServerId, UserId};

/// Offences before a kick.
const STRIKES: u32 = 3;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("CHAT_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let client = Client::builder()
        .base_url(&url)
        .token(std::env::var("CHAT_TOKEN")?)
        .build()?;
    let banned = std::env::var("CHAT_BANNED").unwrap_or_else(|_| "spam".into());
    let words = banned
        .split(',')
        .map(|w| w.trim().to_lowercase())
        .filter(|w| !w.is_empty())
        .collect();
    moderate(client, url.replacen("http", "ws", 1) + "/ws", words).await
}

async fn moderate(client: Client, gateway: String, banned: Vec<String>) -> anyhow::Result<()> {
    let banned = Arc::new(banned);
    let strikes: Arc<Mutex<HashMap<(ServerId, UserId), u32>>> = Arc::default();
    let bot = Bot::new(client, gateway).on_message(move |ctx, message| {
        let (banned, strikes) = (banned.clone(), strikes.clone());
        async move {
            let text = message.content.to_lowercase();
            let Some(word) = banned.iter().find(|w| text.contains(w.as_str())) else {
                return;
            };
            if ctx.me.as_ref().is_some_and(|me| me.id == message.author_id) {
                return;
            }
            if ctx
                .client
                .delete_message(message.channel_id, message.id)
                .await
                .is_err()
            {
                return;
            }
            let Ok(channel) = ctx.client.channel(message.channel_id).await else {
                return;
            };
            let Some(server) = channel.server_id else {
                return;
            };
            let count = {
                let mut strikes = strikes
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let count = strikes.entry((server, message.author_id)).or_default();
                *count += 1;
                *count
            };
            if count >= STRIKES {
                let reason = format!("{count} messages with the banned word {word:?}");
                let _ = ctx
                    .client
                    .kick_member(server, message.author_id, &reason)
                    .await;
            }
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

    use chat_engine::model::{CreateRole, Permissions};

    #[tokio::test]
    async fn it_deletes_banned_words_and_kicks_repeat_offenders() {
        let scene = support::Scene::start().await;
        let moderators = CreateRole {
            name: "mods".into(),
            permissions: Permissions::MANAGE_MESSAGES | Permissions::KICK_MEMBERS,
            ..Default::default()
        };
        let role = scene
            .owner
            .create_role(scene.server, &moderators)
            .await
            .unwrap();
        scene
            .owner
            .add_member_role(scene.server, scene.bot_id, role.id)
            .await
            .unwrap();
        let anonymous = chat_client::Client::builder()
            .base_url(scene.base_url())
            .build()
            .unwrap();
        let spammer_auth = anonymous
            .register("spammer", "correct horse battery")
            .await
            .unwrap();
        let spammer = anonymous.with_token(&spammer_auth.token);
        spammer.accept_invite(&scene.invite).await.unwrap();
        let bot = tokio::spawn(super::moderate(
            scene.bot.clone(),
            scene.gateway_url(),
            vec!["spam".into()],
        ));

        // Wait until the bot is connected and deletes a first offence.
        let first = scene
            .until(|| async {
                let sent = spammer
                    .create_message(scene.channel)
                    .content("buy SPAM now")
                    .await
                    .ok()?;
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                scene
                    .owner
                    .message(scene.channel, sent.id)
                    .await
                    .is_err()
                    .then_some(sent)
            })
            .await;
        let clean = spammer
            .create_message(scene.channel)
            .content("a fine message")
            .await
            .unwrap();
        for _ in 0..3 {
            if spammer
                .create_message(scene.channel)
                .content("more spam")
                .await
                .is_err()
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        let kicked = scene
            .until(|| async {
                scene
                    .owner
                    .member(scene.server, spammer_auth.user.id)
                    .await
                    .is_err()
                    .then_some(())
            })
            .await;
        let () = kicked;
        assert!(
            scene.owner.message(scene.channel, first.id).await.is_err(),
            "the offence is gone"
        );
        assert_eq!(
            scene
                .owner
                .message(scene.channel, clean.id)
                .await
                .unwrap()
                .content,
            "a fine message"
        );
        bot.abort();
    }
}
