//! The scenarios: `idle`, `fanout`, `ramp`, `churn` and `ingest`. Each provisions what it
//! needs through REST, drives gateway sessions over real sockets, and returns a [`Report`].

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::provision::{Room, room};
use crate::report::{Report, histogram};
use crate::session::{self, Arrival, Target, hold, load_content};

/// Where the server is and how to reach it.
#[derive(Debug, Clone)]
pub struct Options {
    /// `http://host:port`.
    pub base_url: String,
    /// The gateway's address and the source addresses to use.
    pub target: Target,
    /// Shows progress.
    pub progress: ProgressBar,
    /// The gateway intents sessions identify with; `None` for every event.
    pub intents: Option<u64>,
}

/// The server's resident memory and CPU seconds, from `/healthz` (a bare HTTP GET keeps this
/// tool lean).
async fn server_health(base_url: &str) -> anyhow::Result<(u64, f64)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base_url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await?;
    stream
        .write_all(
            format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    let health: serde_json::Value = serde_json::from_str(body.trim())?;
    Ok((
        health["rss_bytes"].as_u64().unwrap_or(0),
        health["cpu_seconds"].as_f64().unwrap_or(0.0),
    ))
}

/// The CPU seconds of the server and, when the sessions are on another node
/// (`--gateway-addr`), of that node too.
async fn servers_cpu(options: &Options) -> anyhow::Result<f64> {
    let (_, cpu) = server_health(&options.base_url).await?;
    let gateway = format!("http://{}", options.target.addr);
    if gateway == options.base_url {
        return Ok(cpu);
    }
    let (_, other) = server_health(&gateway).await?;
    Ok(cpu + other)
}

/// Connected sessions of a room's members.
struct Connected {
    // Held, not read: dropping the set closes every session.
    _tasks: JoinSet<()>,
    sessions: Vec<(String, u64)>,
    arrivals: mpsc::UnboundedReceiver<(usize, Arrival)>,
    connect: hdrhistogram::Histogram<u64>,
}

async fn connect_all(options: &Options, room: &Room) -> anyhow::Result<Connected> {
    let (sink, arrivals) = mpsc::unbounded_channel::<(usize, Arrival)>();
    let dispatched = Arc::new(AtomicU64::new(0));
    let mut tasks = JoinSet::new();
    let mut sessions = Vec::with_capacity(room.members.len());
    let mut connect = histogram();
    options.progress.set_message("connecting");
    options.progress.set_length(room.members.len() as u64);
    options.progress.set_position(0);
    for (chunk_start, chunk) in room
        .members
        .chunks(64)
        .enumerate()
        .map(|(i, c)| (i * 64, c))
    {
        let mut opening = JoinSet::new();
        for (offset, (_, token)) in chunk.iter().enumerate() {
            let (target, token, intents) = (options.target.clone(), token.clone(), options.intents);
            let index = chunk_start + offset;
            opening.spawn(async move {
                let start = Instant::now();
                let (mut ws, interval) = session::open(&target, index).await?;
                let (session_id, seq) = session::identify(&mut ws, &token, intents).await?;
                anyhow::Ok((index, ws, interval, session_id, seq, start.elapsed()))
            });
        }
        let mut opened = Vec::new();
        while let Some(result) = opening.join_next().await {
            opened.push(result??);
        }
        opened.sort_by_key(|o| o.0);
        for (index, ws, interval, session_id, seq, took) in opened {
            connect.record(took.as_micros() as u64).ok();
            tasks.spawn(hold(
                ws,
                interval,
                Some((index, sink.clone())),
                dispatched.clone(),
            ));
            sessions.push((session_id, seq));
            options.progress.inc(1);
        }
    }
    Ok(Connected {
        _tasks: tasks,
        sessions,
        arrivals,
        connect,
    })
}

/// `idle`: N sessions held; server memory per session.
pub async fn idle(options: &Options, sessions: usize) -> anyhow::Result<Report> {
    let room = room(&options.base_url, sessions, &options.progress).await?;
    let (before, _) = server_health(&options.base_url).await?;
    let connected = connect_all(options, &room).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (after, _) = server_health(&options.base_url).await?;
    let mut report = Report::new("idle");
    report.set("sessions", sessions);
    report.set("server_rss_kib", after / 1024);
    report.set(
        "rss_per_session_kib",
        (after.saturating_sub(before)) as f64 / 1024.0 / sessions.max(1) as f64,
    );
    report.latencies("connect", &connected.connect);
    drop(connected);
    Ok(report)
}

/// `fanout`: a room of `members` sessions, one sender at `rate` messages/s for `duration`.
pub async fn fanout(
    options: &Options,
    members: usize,
    rate: u32,
    duration: Duration,
) -> anyhow::Result<Report> {
    let room = room(&options.base_url, members, &options.progress).await?;
    let (_, cpu_before) = server_health(&options.base_url).await?;
    let mut connected = connect_all(options, &room).await?;
    let (_, cpu_after) = server_health(&options.base_url).await?;
    let mut report = run_fanout(options, &room, &mut connected, rate, duration).await?;
    // Each session that comes online is announced to every member online (in servers of
    // up to 250 members): what the intents without GUILD_PRESENCES save.
    report.set("connect_server_cpu_s", cpu_after - cpu_before);
    report.latencies("connect", &connected.connect);
    Ok(report)
}

async fn run_fanout(
    options: &Options,
    room: &Room,
    connected: &mut Connected,
    rate: u32,
    duration: Duration,
) -> anyhow::Result<Report> {
    let members = connected.sessions.len();
    let total = (f64::from(rate) * duration.as_secs_f64()).round().max(1.0) as u64;
    options.progress.set_message(format!("fanout {rate}/s"));
    options.progress.set_length(total);
    options.progress.set_position(0);
    let cpu_before = servers_cpu(options).await?;
    let start = Instant::now();
    let mut sends = JoinSet::new();
    for index in 0..total {
        let due = start + Duration::from_secs_f64(index as f64 / f64::from(rate.max(1)));
        tokio::time::sleep_until(due.into()).await;
        let (owner, channel) = (room.owner.clone(), room.channel);
        sends.spawn(async move {
            owner
                .create_message(channel)
                .content(load_content(index))
                .await
                .is_ok()
        });
        options.progress.inc(1);
    }
    let mut sent = 0u64;
    while let Some(ok) = sends.join_next().await {
        sent += u64::from(ok.unwrap_or(false));
    }
    let mut seen = vec![vec![false; total as usize]; members];
    let (mut delivered, mut duplicated) = (0u64, 0u64);
    let mut latency = histogram();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while delivered < sent * members as u64 {
        let Ok(Some((receiver, arrival))) =
            tokio::time::timeout_at(deadline, connected.arrivals.recv()).await
        else {
            break;
        };
        let Some(slot) = seen
            .get_mut(receiver)
            .and_then(|s| s.get_mut(arrival.index as usize))
        else {
            continue;
        };
        if *slot {
            duplicated += 1;
        } else {
            *slot = true;
            delivered += 1;
            latency.record(arrival.latency_us.max(1)).ok();
        }
    }
    let cpu_after = servers_cpu(options).await?;
    let expected = sent * members as u64;
    let mut report = Report::new("fanout");
    // Server CPU per delivered event, sends included (the server does both).
    report.set(
        "server_cpu_us_per_delivery",
        (cpu_after - cpu_before) * 1e6 / delivered.max(1) as f64,
    );
    report
        .set("members", members)
        .set("rate", rate)
        .set("sent", sent);
    report
        .set("expected", expected)
        .set("delivered", delivered)
        .set("lost", expected - delivered)
        .set("duplicated", duplicated);
    report.set(
        "delivery_pct",
        if expected == 0 {
            100.0
        } else {
            delivered as f64 * 100.0 / expected as f64
        },
    );
    report.latencies("latency", &latency);
    Ok(report)
}

/// `ramp`: raises the rate by `step` from `start` until p99 exceeds 100 ms or a delivery is
/// lost; returns every step's report.
pub async fn ramp(
    options: &Options,
    members: usize,
    start: u32,
    step: u32,
    max: u32,
    step_duration: Duration,
) -> anyhow::Result<Vec<Report>> {
    let room = room(&options.base_url, members, &options.progress).await?;
    let mut connected = connect_all(options, &room).await?;
    let mut reports = Vec::new();
    let mut rate = start.max(1);
    while rate <= max {
        let mut report = run_fanout(options, &room, &mut connected, rate, step_duration).await?;
        let p99 = report
            .get("latency_p99_ms")
            .and_then(serde_json::Value::as_f64)
            .unwrap_or(f64::MAX);
        let complete = report.get("lost").and_then(serde_json::Value::as_u64) == Some(0);
        report.set("scenario", "ramp");
        reports.push(report);
        if p99 > 100.0 || !complete {
            break;
        }
        rate += step.max(1);
    }
    Ok(reports)
}

/// `churn`: sessions drop and resume in a loop for `duration`; resume latency and rate.
pub async fn churn(
    options: &Options,
    sessions: usize,
    duration: Duration,
) -> anyhow::Result<Report> {
    let room = room(&options.base_url, sessions, &options.progress).await?;
    let connected = connect_all(options, &room).await?;
    let states = connected.sessions.clone();
    drop(connected); // every socket drops without a close frame: all stay resumable
    options.progress.set_message("churn");
    let (_, cpu_before) = server_health(&options.base_url).await?;
    let mut resume = histogram();
    let (mut resumed, mut failed) = (0u64, 0u64);
    let start = Instant::now();
    let mut index = 0;
    while start.elapsed() < duration {
        let (session_id, seq) = &states[index % states.len()];
        let token = &room.members[index % states.len()].1;
        let began = Instant::now();
        let outcome = async {
            let (mut ws, _) = session::open(&options.target, index).await?;
            session::resume(&mut ws, token, session_id, *seq).await
        }
        .await;
        match outcome {
            Ok(_) => {
                resumed += 1;
                resume.record(began.elapsed().as_micros() as u64).ok();
            }
            Err(_) => failed += 1,
        }
        index += 1;
        options.progress.inc(1);
    }
    let (_, cpu_after) = server_health(&options.base_url).await?;
    let mut report = Report::new("churn");
    report
        .set("sessions", sessions)
        .set("resumed", resumed)
        .set("failed", failed);
    // Each drop and resume is a presence change announced to the room (up to 250 members):
    // what the intents without GUILD_PRESENCES save.
    report.set(
        "server_cpu_us_per_resume",
        (cpu_after - cpu_before) * 1e6 / resumed.max(1) as f64,
    );
    report.set(
        "resumes_per_s",
        resumed as f64 / start.elapsed().as_secs_f64(),
    );
    report.latencies("resume", &resume);
    Ok(report)
}

/// `ingest`: `senders` concurrent senders for `duration`; durable sends/s and ack latency.
pub async fn ingest(
    options: &Options,
    senders: usize,
    duration: Duration,
) -> anyhow::Result<Report> {
    let room = room(&options.base_url, senders, &options.progress).await?;
    options.progress.set_message("ingest");
    let channel = room.channel;
    let clients = room
        .members
        .iter()
        .map(|(_, token)| room.owner.with_token(token))
        .collect();
    let cpu_before = servers_cpu(options).await?;
    let mut report = send_for(
        clients,
        duration,
        move |client: &chat_client::Client, index| {
            let client = client.clone();
            async move {
                client
                    .create_message(channel)
                    .content(load_content(index))
                    .await
                    .is_ok()
            }
        },
    )
    .await?;
    let cpu = servers_cpu(options).await? - cpu_before;
    let acknowledged = report
        .get("acknowledged")
        .and_then(serde_json::Value::as_f64);
    report.set(
        "server_cpu_us_per_msg",
        cpu * 1e6 / acknowledged.unwrap_or(0.0).max(1.0),
    );
    Ok(report)
}

/// Each sender sends one message at a time for `duration` (`send` answers whether the send
/// was acknowledged); the `ingest` report of the acknowledged sends and their latency.
pub(crate) async fn send_for<S, F, Fut>(
    senders: Vec<S>,
    duration: Duration,
    send: F,
) -> anyhow::Result<Report>
where
    S: Send + 'static,
    F: Fn(&S, u64) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let count = senders.len();
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for sender in senders {
        let send = send.clone();
        tasks.spawn(async move {
            let mut latency = histogram();
            let mut index = 0u64;
            while start.elapsed() < duration {
                let began = Instant::now();
                if send(&sender, index).await {
                    latency.record(began.elapsed().as_micros() as u64).ok();
                }
                index += 1;
            }
            latency
        });
    }
    let mut ack = histogram();
    while let Some(latency) = tasks.join_next().await {
        ack.add(latency?).ok();
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut report = Report::new("ingest");
    report
        .set("senders", count)
        .set("acknowledged", ack.len())
        .set("msgs_per_s", ack.len() as f64 / elapsed);
    report.latencies("ack", &ack);
    Ok(report)
}
