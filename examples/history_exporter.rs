//! A history exporter: pages through a channel, oldest first, and writes JSON Lines.
//!
//! `CHAT_TOKEN=<token> cargo run -p examples --example history-exporter -- <channel id> > out.jsonl`

use std::io::Write;

use chat_client::Client;
use chat_engine::id::{ChannelId, MessageId};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("CHAT_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let client = Client::builder()
        .base_url(&url)
        .token(std::env::var("CHAT_TOKEN")?)
        .build()?;
    let channel: ChannelId = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: history-exporter <channel id>"))?
        .parse()?;
    let written = export(&client, channel, &mut std::io::stdout().lock()).await?;
    eprintln!("exported {written} messages");
    Ok(())
}

/// Writes every message of `channel`, oldest first, one JSON object per line.
async fn export(
    client: &Client,
    channel: ChannelId,
    out: &mut impl Write,
) -> anyhow::Result<usize> {
    // Paging forward from the smallest possible id visits every message once, in order.
    let mut after = MessageId::from_ulid(ulid::Ulid::nil());
    let mut written = 0;
    loop {
        let mut page = client.messages(channel).after(after).limit(100).await?;
        if page.is_empty() {
            return Ok(written);
        }
        page.reverse();
        for message in &page {
            serde_json::to_writer(&mut *out, message)?;
            out.write_all(b"\n")?;
        }
        written += page.len();
        after = page.last().map_or(after, |m| m.id);
    }
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
    async fn it_exports_every_message_in_order() {
        let scene = support::Scene::start().await;
        for i in 0..250 {
            scene
                .owner
                .create_message(scene.channel)
                .content(format!("line {i}"))
                .await
                .unwrap();
        }
        let mut out = Vec::new();
        let written = super::export(&scene.owner, scene.channel, &mut out)
            .await
            .unwrap();
        let lines: Vec<serde_json::Value> = out
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        assert_eq!(written, lines.len());
        let texts: Vec<_> = lines
            .iter()
            .filter(|m| m["type"] == "default")
            .map(|m| m["content"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            texts,
            (0..250).map(|i| format!("line {i}")).collect::<Vec<_>>()
        );
        assert_eq!(lines.len(), 251, "the bot's join notice too");
    }
}
