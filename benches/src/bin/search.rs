//! Search latency over many messages: seeds a server (default 1,000,000 messages in 10
//! channels from 20 authors, words drawn from a fixed vocabulary, a link in one message of 20)
//! on the durable engine, waits until all are indexed, then reports p50/p95/p99 of word,
//! prefix (part of a word) and filtered (an author and `has=link`) searches.
//! `cargo run --release -p chat-bench --bin search -- [messages]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use chat_bench::Fixture;
use chat_engine::model::{CreateChannel, CreateMessage, SearchQuery};

const WORDS: &[&str] = &[
    "rust",
    "borrow",
    "checker",
    "lifetime",
    "quokka",
    "async",
    "tokio",
    "channel",
    "server",
    "message",
    "search",
    "index",
    "tantivy",
    "thread",
    "gateway",
    "session",
    "presence",
    "permission",
    "overwrite",
    "category",
    "invite",
    "member",
    "reaction",
    "pinned",
    "typing",
    "voice",
    "embed",
    "attachment",
    "notification",
    "markdown",
    "spoiler",
    "emoji",
    "mention",
    "compiler",
    "trait",
    "generic",
    "closure",
    "iterator",
    "vector",
    "string",
];

/// p50, p95 and p99 of a set of samples.
fn report(name: &str, mut samples: Vec<Duration>, total: u64) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    println!(
        "{name:<28} n={:<5} p50={:>9.2?} p95={:>9.2?} p99={:>9.2?} matches={total}",
        samples.len(),
        at(0.50),
        at(0.95),
        at(0.99),
    );
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let fixture = Arc::new(Fixture::new(true).await);
    let authors = seed(&fixture, count).await?;
    let indexing = Instant::now();
    fixture.engine.wait_until_searchable().await?;
    eprintln!("indexed in {:.1?}", indexing.elapsed());
    measure(&fixture, &authors).await
}

/// Whatever stops the benchmark: an engine error or a sender task that died.
type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Sends `count` messages from 64 senders; answers the authors.
async fn seed(
    fixture: &Arc<Fixture>,
    count: usize,
) -> Result<Vec<chat_engine::id::UserId>, Failure> {
    let authors = fixture.add_members(20).await;
    let mut channels = vec![fixture.channel];
    for i in 1..10 {
        let request = CreateChannel {
            name: format!("channel-{i}"),
            category_id: None,
            is_private: false,
            position: None,
            slow_mode_delay: 0,
            topic: String::new(),
            kind: chat_engine::model::ChannelType::Text,
        };
        channels.push(
            fixture
                .engine
                .create_channel(fixture.owner, fixture.server, request)
                .await?
                .id,
        );
    }
    let started = Instant::now();
    let senders = 64;
    let tasks: Vec<_> = (0..senders)
        .map(|sender| {
            let (fixture, authors, channels) = (fixture.clone(), authors.clone(), channels.clone());
            tokio::spawn(async move {
                let mut state = 0x9E37_79B9_7F4A_7C15_u64 ^ sender as u64;
                let mut next = move || {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state
                };
                for n in (sender..count).step_by(senders) {
                    let words: Vec<&str> = (0..8)
                        .map(|_| WORDS[(next() % WORDS.len() as u64) as usize])
                        .collect();
                    let mut content = words.join(" ");
                    if n % 20 == 0 {
                        content.push_str(" https://example.com/docs");
                    }
                    let author = authors[(next() % authors.len() as u64) as usize];
                    let channel = channels[(next() % channels.len() as u64) as usize];
                    let request = CreateMessage {
                        content,
                        ..CreateMessage::default()
                    };
                    fixture
                        .engine
                        .send_message(author, channel, request)
                        .await?;
                    if sender == 0 && n % 100_000 < senders {
                        eprintln!("seeded about {n} messages in {:.0?}", started.elapsed());
                    }
                }
                Ok::<(), chat_engine::Error>(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    eprintln!(
        "seeded {count} messages in {:.1?}; indexing…",
        started.elapsed()
    );
    Ok(authors)
}

/// Times each kind of search over the seeded messages.
async fn measure(fixture: &Fixture, authors: &[chat_engine::id::UserId]) -> Result<(), Failure> {
    let runs = 200;
    for kind in ["word", "prefix", "filtered (author, has=link)"] {
        let mut samples = Vec::with_capacity(runs);
        let mut total = 0;
        for i in 0..runs {
            let word = WORDS[i % WORDS.len()];
            let query = match kind {
                "word" => SearchQuery {
                    q: word.into(),
                    ..SearchQuery::default()
                },
                "prefix" => SearchQuery {
                    q: word[..4].into(),
                    ..SearchQuery::default()
                },
                _ => SearchQuery {
                    q: word.into(),
                    author_id: Some(authors[i % authors.len()]),
                    has: Some("link".into()),
                    ..SearchQuery::default()
                },
            };
            let start = Instant::now();
            let found = fixture
                .engine
                .search_messages(fixture.owner, fixture.server, query)
                .await?;
            samples.push(start.elapsed());
            total = found.total;
        }
        report(kind, samples, total);
    }
    Ok(())
}
