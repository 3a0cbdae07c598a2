//! `crash`: senders send while the server is killed with SIGKILL and restarted on the same
//! data directory, `kills` times. Each sender retries a send with its nonce until the server
//! acknowledges it; gateway watchers of the channel reconnect and resume by themselves.
//! Afterwards every acknowledged message must exist exactly once, no nonce may have made two
//! messages, and every watcher must have seen every acknowledged message.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chat_client::{Client, Gateway, GatewayConfig, GatewayEvent};
use chat_engine::id::{ChannelId, MessageId, UserId};
use chat_engine::model::{Event, Message};
use indicatif::ProgressBar;
use tokio::process::{Child, Command};
use tokio::sync::{Mutex, watch};
use tokio::task::JoinSet;

use crate::provision::room;
use crate::report::{Report, histogram};

/// How the scenario runs.
#[derive(Debug, Clone)]
pub struct CrashOptions {
    /// The `chat` binary to start, kill and restart.
    pub server_bin: PathBuf,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Concurrent senders.
    pub senders: usize,
    /// Gateway sessions watching the channel.
    pub watchers: usize,
    /// How many times the server is killed.
    pub kills: u32,
    /// How long the senders send.
    pub duration: Duration,
    /// Shows progress.
    pub progress: ProgressBar,
}

/// The server under test, on a data directory of its own.
struct ServerProcess {
    bin: PathBuf,
    addr: SocketAddr,
    dir: PathBuf,
    child: Option<Child>,
}

impl ServerProcess {
    async fn start(bin: &Path, addr: SocketAddr) -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("chat-crash-{}", ulid::Ulid::generate()));
        let mut server = Self {
            bin: bin.to_owned(),
            addr,
            dir,
            child: None,
        };
        server.spawn().await?;
        Ok(server)
    }

    async fn spawn(&mut self) -> anyhow::Result<()> {
        let child = Command::new(&self.bin)
            .arg("--data-dir")
            .arg(&self.dir)
            .args([
                "serve",
                "--addr",
                &self.addr.to_string(),
                "--no-rate-limits",
            ])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if tokio::net::TcpStream::connect(self.addr).await.is_ok() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("the server did not start on {}", self.addr)
    }

    /// SIGKILL, then a restart on the same data directory and address.
    async fn kill_and_restart(&mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.child.take() {
            child.start_kill()?;
            child.wait().await?;
        }
        self.spawn().await
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One acknowledged send.
#[derive(Debug, Clone)]
struct Acked {
    id: MessageId,
    nonce: String,
}

/// Sends `nonce`'s message until the server acknowledges it (or `give_up` passes).
async fn send_until_acked(
    client: &Client,
    channel: ChannelId,
    nonce: &str,
    give_up: Instant,
) -> Option<Message> {
    loop {
        match client
            .create_message(channel)
            .content(format!("crash test {nonce}"))
            .nonce(nonce)
            .await
        {
            Ok(message) => return Some(message),
            Err(_) if Instant::now() < give_up => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(_) => return None,
        }
    }
}

/// Every message of a channel, oldest first.
async fn history(client: &Client, channel: ChannelId) -> anyhow::Result<Vec<Message>> {
    let mut all: Vec<Message> = Vec::new();
    let mut after: Option<MessageId> = None;
    loop {
        let request = client.messages(channel).limit(100);
        let mut page = match after {
            Some(id) => request.after(id).await?,
            None => {
                request
                    .after(MessageId::from_ulid(ulid::Ulid::nil()))
                    .await?
            }
        };
        page.sort_by_key(|m| m.id);
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        let full = page.len() == 100;
        all.extend(page);
        if !full {
            break;
        }
    }
    Ok(all)
}

/// Gateway sessions of the channel, each collecting the message ids it sees; they reconnect
/// and resume by themselves when the server goes away.
struct Watchers {
    seen: Arc<Mutex<Vec<HashSet<MessageId>>>>,
    reconnects: Arc<AtomicU64>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl Watchers {
    fn start(addr: SocketAddr, members: &[(UserId, String)], channel: ChannelId) -> Self {
        let seen = Arc::new(Mutex::new(vec![HashSet::new(); members.len()]));
        let reconnects = Arc::new(AtomicU64::new(0));
        let (stop, stopped) = watch::channel(false);
        let mut tasks = JoinSet::new();
        for (index, (_, token)) in members.iter().enumerate() {
            let mut config = GatewayConfig::new(format!("ws://{addr}/ws"), token);
            config.min_backoff = Duration::from_millis(50);
            config.max_backoff = Duration::from_millis(500);
            let (seen, mut stopped, reconnects) =
                (seen.clone(), stopped.clone(), reconnects.clone());
            tasks.spawn(async move {
                let mut gateway = Gateway::connect(config);
                loop {
                    tokio::select! {
                        event = gateway.next_event() => match event {
                            Some(Ok(GatewayEvent::Dispatch { event, .. })) => {
                                if let Event::MessageCreate(message) = *event
                                    && message.channel_id == channel
                                {
                                    seen.lock().await[index].insert(message.id);
                                }
                            }
                            Some(Ok(GatewayEvent::Reconnecting { .. })) => {
                                reconnects.fetch_add(1, Ordering::Relaxed);
                            }
                            Some(_) => {}
                            None => break,
                        },
                        _ = stopped.changed() => break,
                    }
                }
            });
        }
        Self {
            seen,
            reconnects,
            stop,
            tasks,
        }
    }

    /// Stops them; what each saw, and how often they reconnected in all.
    async fn stop(mut self) -> (Vec<HashSet<MessageId>>, u64) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
        let seen = std::mem::take(&mut *self.seen.lock().await);
        (seen, self.reconnects.load(Ordering::Relaxed))
    }
}

/// What the stored history says of the sends.
struct Tally {
    /// Acknowledged sends stored exactly once, under the acknowledged id.
    found: usize,
    /// Nonces that made more than one message.
    duplicated: usize,
    /// Sends never acknowledged that were stored anyway (once, at most: see `duplicated`).
    unacknowledged_stored: usize,
}

impl Tally {
    fn of(stored: &[Message], acked: &[Acked], unacked: &[String]) -> Self {
        let mut by_nonce: HashMap<&str, Vec<MessageId>> = HashMap::new();
        for message in stored {
            if let Some(nonce) = message.nonce.as_deref() {
                by_nonce.entry(nonce).or_default().push(message.id);
            }
        }
        Self {
            found: acked
                .iter()
                .filter(|a| {
                    by_nonce
                        .get(a.nonce.as_str())
                        .is_some_and(|ids| ids == &[a.id])
                })
                .count(),
            duplicated: by_nonce.values().filter(|ids| ids.len() > 1).count(),
            unacknowledged_stored: unacked
                .iter()
                .filter(|n| by_nonce.contains_key(n.as_str()))
                .count(),
        }
    }
}

/// Runs the scenario; see the module documentation.
pub async fn crash(options: &CrashOptions) -> anyhow::Result<Report> {
    let mut server = ServerProcess::start(&options.server_bin, options.addr).await?;
    let base_url = format!("http://{}", options.addr);
    let room = room(
        &base_url,
        options.senders + options.watchers,
        &options.progress,
    )
    .await?;
    let channel = room.channel;
    let (senders, watchers) = room.members.split_at(options.senders);

    let watchers = Watchers::start(options.addr, watchers, channel);
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Senders, each with its own nonces; a send that fails is retried with the same nonce.
    options.progress.set_message("crash");
    let start = Instant::now();
    let give_up = start + options.duration + Duration::from_secs(30);
    let mut sending = JoinSet::new();
    for (sender, (_, token)) in senders.iter().enumerate() {
        let client = room.owner.with_token(token);
        let duration = options.duration;
        sending.spawn(async move {
            let (mut acked, mut unacked, mut latency) = (Vec::new(), Vec::new(), histogram());
            let mut index = 0;
            while start.elapsed() < duration {
                let nonce = format!("s{sender}-{index}");
                let began = Instant::now();
                match send_until_acked(&client, channel, &nonce, give_up).await {
                    Some(message) => {
                        latency.record(began.elapsed().as_micros() as u64).ok();
                        acked.push(Acked {
                            id: message.id,
                            nonce,
                        });
                    }
                    None => unacked.push(nonce),
                }
                index += 1;
            }
            (acked, unacked, latency)
        });
    }
    let mut restarts = 0u32;
    for kill in 1..=options.kills {
        let at = options
            .duration
            .mul_f64(f64::from(kill) / f64::from(options.kills + 1));
        tokio::time::sleep(at.saturating_sub(start.elapsed())).await;
        server.kill_and_restart().await?;
        restarts += 1;
        options.progress.set_message(format!("killed {kill}"));
    }
    let (mut acked, mut unacked, mut ack_latency) = (Vec::new(), Vec::new(), histogram());
    while let Some(result) = sending.join_next().await {
        let (a, u, l) = result?;
        acked.extend(a);
        unacked.extend(u);
        ack_latency.add(l).ok();
    }

    // Let the watchers catch up (resume replays what they missed), then compare.
    let wanted: HashSet<MessageId> = acked.iter().map(|a| a.id).collect();
    let settle = Instant::now() + Duration::from_secs(20);
    while Instant::now() < settle
        && watchers
            .seen
            .lock()
            .await
            .iter()
            .any(|s| !wanted.is_subset(s))
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (seen, reconnects) = watchers.stop().await;

    let stored = history(&room.owner, channel).await?;
    let tally = Tally::of(&stored, &acked, &unacked);
    let watcher_missed: usize = seen.iter().map(|s| wanted.difference(s).count()).sum();

    let mut report = Report::new("crash");
    report
        .set("kills", restarts)
        .set("senders", options.senders)
        .set("watchers", options.watchers)
        .set("acknowledged", acked.len())
        .set("found", tally.found)
        .set("duplicated", tally.duplicated)
        .set("lost", acked.len() - tally.found)
        .set("unacknowledged", unacked.len())
        .set("unacknowledged_stored", tally.unacknowledged_stored)
        .set("watcher_missed", watcher_missed)
        .set("watcher_reconnects", reconnects);
    report.latencies("ack", &ack_latency);
    Ok(report)
}
