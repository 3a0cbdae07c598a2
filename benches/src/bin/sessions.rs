//! Many sessions in one engine: opens N sessions (default 100,000) of members of one server,
//! sends messages, and reports how long until every session had each one, and the process's
//! memory per session. `cargo run --release -p chat-bench --bin sessions -- 100000`

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use chat_bench::Fixture;

fn resident_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(0)
        * 4
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let fixture = Fixture::new(false).await;
    let members = fixture.add_members(count).await;
    let before = resident_kib();
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
    let after = resident_kib();
    println!(
        "{count} sessions: {:.2} KiB each (engine sessions and their tasks)",
        (after - before) as f64 / count as f64
    );
    let mut samples = Vec::new();
    for _ in 0..20 {
        let target = delivered.load(Ordering::Acquire) + count;
        let start = Instant::now();
        fixture.send("to everyone").await;
        while delivered.load(Ordering::Acquire) < target {
            tokio::task::yield_now().await;
        }
        samples.push(start.elapsed());
    }
    samples.sort();
    println!(
        "one message to all {count}: p50 {:?}, p95 {:?}, max {:?} ({:.0} ns per delivery at p50)",
        samples[samples.len() / 2],
        samples[samples.len() * 95 / 100],
        samples[samples.len() - 1],
        samples[samples.len() / 2].as_nanos() as f64 / count as f64
    );
}
