//! Criterion benches of engine operations: send, history page, permission calculation and
//! fan-out to 1,000 sessions. Run with `cargo bench -p chat-bench`.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chat_bench::Fixture;
use chat_engine::id::Id;
use chat_engine::model::{
    CreateMessage, HistoryQuery, OverwriteType, PermissionOverwrite, Permissions, Role,
};
use chat_engine::permissions::{Input, calculate};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokio::runtime::Runtime;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn send(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("send_message");
    group.throughput(Throughput::Elements(1));
    for durable in [false, true] {
        let fixture = rt.block_on(Fixture::new(durable));
        let name = if durable {
            "redb_sequential"
        } else {
            "memory_sequential"
        };
        group.bench_function(name, |b| {
            b.to_async(&rt).iter(|| fixture.send("a benchmark message"));
        });
    }
    // 64 concurrent senders: the writer commits their sends together (group commit).
    let fixture = Arc::new(rt.block_on(Fixture::new(true)));
    group.bench_function("redb_64_concurrent", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let fixture = fixture.clone();
            async move {
                let start = Instant::now();
                let per_task = iters.div_ceil(64);
                let tasks: Vec<_> = (0..64)
                    .map(|_| {
                        let fixture = fixture.clone();
                        tokio::spawn(async move {
                            for _ in 0..per_task {
                                fixture.send("a concurrent message").await;
                            }
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.expect("sender");
                }
                start
                    .elapsed()
                    .mul_f64(iters as f64 / (per_task * 64) as f64)
            }
        });
    });
    group.finish();
}

fn history(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("history_page_50");
    for durable in [false, true] {
        let fixture = rt.block_on(async {
            let fixture = Fixture::new(durable).await;
            fixture.fill(10_000).await;
            fixture
        });
        let name = if durable { "redb" } else { "memory" };
        group.bench_function(name, |b| {
            b.iter(|| {
                let page = fixture.engine.list_messages(
                    fixture.owner,
                    fixture.channel,
                    HistoryQuery::default(),
                );
                black_box(page.expect("history"))
            });
        });
    }
    group.finish();
}

fn permissions(c: &mut Criterion) {
    let role = |n: u64, permissions| Role {
        color: 0,
        created_at: chrono::Utc::now(),
        id: Id::from_ulid(ulid::Ulid::from_parts(n, 0)),
        is_default: n == 0,
        is_mentionable: false,
        name: String::new(),
        permissions,
        position: n as i32,
        server_id: Id::from_ulid(ulid::Ulid::from_parts(0, 0)),
    };
    let roles: Vec<Role> = (0..10)
        .map(|n| role(n, Permissions::from_bits_truncate(1 << n)))
        .collect();
    let refs: Vec<&Role> = roles.iter().collect();
    let overwrites: Vec<PermissionOverwrite> = roles
        .iter()
        .map(|r| PermissionOverwrite {
            allow: Permissions::VIEW_CHANNEL,
            deny: Permissions::SEND_MESSAGES,
            id: r.id.ulid(),
            kind: OverwriteType::Role,
        })
        .collect();
    let user = Id::from_ulid(ulid::Ulid::from_parts(99, 0));
    let input = Input {
        owner_id: Id::from_ulid(ulid::Ulid::from_parts(98, 0)),
        user_id: user,
        roles: &refs,
        overwrites: Some(&overwrites),
        timed_out: false,
        server_disabled: false,
    };
    c.bench_function("permissions/10_roles_10_overwrites", |b| {
        b.iter(|| calculate(black_box(&input)));
    });
}

fn fanout(c: &mut Criterion) {
    const SESSIONS: usize = 1000;
    let rt = runtime();
    let (fixture, members) = rt.block_on(async {
        let fixture = Fixture::new(false).await;
        let members = fixture.add_members(SESSIONS).await;
        (fixture, members)
    });
    let delivered = Arc::new(AtomicUsize::new(0));
    let _receivers: Vec<_> = rt.block_on(async {
        members
            .iter()
            .map(|user| {
                let mut session = fixture.engine.subscribe(*user).expect("session");
                let delivered = delivered.clone();
                tokio::spawn(async move {
                    while let Ok(envelope) = session.next_event().await {
                        black_box(&envelope.frame);
                        delivered.fetch_add(1, Ordering::Release);
                    }
                })
            })
            .collect()
    });
    let mut group = c.benchmark_group("fanout");
    group.throughput(Throughput::Elements(SESSIONS as u64));
    group.bench_function("1000_sessions", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (fixture, delivered) = (&fixture, delivered.clone());
            async move {
                let start = Instant::now();
                for _ in 0..iters {
                    let target = delivered.load(Ordering::Acquire) + SESSIONS;
                    let request = CreateMessage {
                        content: "to everyone".into(),
                        ..CreateMessage::default()
                    };
                    fixture
                        .engine
                        .send_message(fixture.owner, fixture.channel, request)
                        .await
                        .expect("send");
                    while delivered.load(Ordering::Acquire) < target {
                        tokio::task::yield_now().await;
                    }
                }
                start.elapsed()
            }
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5)).sample_size(20);
    targets = send, history, permissions, fanout
}
criterion_main!(benches);
