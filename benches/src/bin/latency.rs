//! Latency percentiles of engine operations, to go with the criterion means:
//! `cargo run --release -p chat-bench --bin latency`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chat_bench::Fixture;
use chat_engine::model::HistoryQuery;

/// p50, p95, p99 and max of a set of samples.
fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    println!(
        "{name:<36} n={:<6} p50={:>9.1?} p95={:>9.1?} p99={:>9.1?} max={:>9.1?}",
        samples.len(),
        at(0.50),
        at(0.95),
        at(0.99),
        samples[samples.len() - 1],
    );
}

async fn sequential_sends(durable: bool, count: usize) -> Vec<Duration> {
    let fixture = Fixture::new(durable).await;
    let mut samples = Vec::with_capacity(count);
    for _ in 0..count {
        let start = Instant::now();
        fixture.send("a latency sample").await;
        samples.push(start.elapsed());
    }
    samples
}

async fn concurrent_sends(senders: usize, per_sender: usize) -> (Vec<Duration>, f64) {
    let fixture = Arc::new(Fixture::new(true).await);
    let start = Instant::now();
    let tasks: Vec<_> = (0..senders)
        .map(|_| {
            let fixture = fixture.clone();
            tokio::spawn(async move {
                let mut samples = Vec::with_capacity(per_sender);
                for _ in 0..per_sender {
                    let sent = Instant::now();
                    fixture.send("an ingest sample").await;
                    samples.push(sent.elapsed());
                }
                samples
            })
        })
        .collect();
    let mut samples = Vec::new();
    for task in tasks {
        samples.extend(task.await.expect("sender"));
    }
    let rate = samples.len() as f64 / start.elapsed().as_secs_f64();
    (samples, rate)
}

async fn history_pages(count: usize) -> Vec<Duration> {
    let fixture = Fixture::new(true).await;
    fixture.fill(5_000).await;
    (0..count)
        .map(|_| {
            let start = Instant::now();
            let page = fixture.engine.list_messages(
                fixture.owner,
                fixture.channel,
                HistoryQuery::default(),
            );
            assert_eq!(page.expect("history").len(), 50);
            start.elapsed()
        })
        .collect()
}

/// Time from a send until all `sessions` sessions have received the message.
async fn fanout(sessions: usize, messages: usize) -> Vec<Duration> {
    let fixture = Fixture::new(false).await;
    let members = fixture.add_members(sessions).await;
    let delivered = Arc::new(AtomicUsize::new(0));
    for user in members {
        let mut session = fixture.engine.subscribe(user).expect("session");
        let delivered = delivered.clone();
        tokio::spawn(async move {
            while session.next_event().await.is_ok() {
                delivered.fetch_add(1, Ordering::Release);
            }
        });
    }
    let mut samples = Vec::with_capacity(messages);
    for _ in 0..messages {
        let target = delivered.load(Ordering::Acquire) + sessions;
        let start = Instant::now();
        fixture.send("to everyone").await;
        while delivered.load(Ordering::Acquire) < target {
            tokio::task::yield_now().await;
        }
        samples.push(start.elapsed());
    }
    samples
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!(
        "chat-engine latency, {} cores",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    report(
        "send, memory, sequential",
        sequential_sends(false, 5_000).await,
    );
    report(
        "send, redb, sequential (ack = fsync)",
        sequential_sends(true, 2_000).await,
    );
    let (samples, rate) = concurrent_sends(64, 500).await;
    report("send, redb, 64 concurrent (ack)", samples);
    println!("{:<36} {rate:.0} durable messages/s", "  ingest throughput");
    report("history page of 50, redb", history_pages(5_000).await);
    report(
        "fan-out to 1,000 sessions (all got it)",
        fanout(1_000, 1_000).await,
    );
}
