//! `chat-load`: the load tool's command line.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use chat_load::report::Report;
use chat_load::scenarios::{self, Options};
use chat_load::session::Target;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

/// mimalloc: the load tool shares the machine with the server it measures, and glibc's
/// malloc was a tenth of its CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Drives a running chat server over real sockets (loopback only).
#[derive(Debug, Parser)]
#[command(name = "chat-load", version, about)]
struct Cli {
    /// The server (start it with `chat serve --no-rate-limits`).
    #[arg(long, env = "CHAT_LOAD_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// How many 127.0.0.x source addresses to spread sessions over (each allows ~28k).
    #[arg(long, env = "CHAT_LOAD_SOURCES", default_value_t = 4)]
    sources: u8,
    /// Open the gateway sessions on this server instead: another node sharing the first's
    /// database, so that every delivery crosses nodes (the server CPU reported is still the
    /// first's only).
    #[arg(long, env = "CHAT_LOAD_GATEWAY_ADDR")]
    gateway_addr: Option<SocketAddr>,
    /// Also run the scenario against a second server (such as `chat-load reference`) and
    /// report ours, the second's and their ratio.
    #[arg(long, env = "CHAT_LOAD_COMPARE")]
    compare: Option<SocketAddr>,
    /// The gateway intents sessions identify with (Discord's bits, e.g. 65279 is every
    /// intent but GUILD_PRESENCES); without it, every event.
    #[arg(long, env = "CHAT_LOAD_INTENTS")]
    intents: Option<u64>,
    /// The scenario.
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Debug, Clone, Subcommand)]
enum Scenario {
    /// Serve the reference on `--addr`: a bare broadcast server (no storage, no auth, no
    /// permissions) that every scenario but `crash` drives like ours, to measure ours against.
    Reference,
    /// Hold N idle sessions; report server memory per session.
    Idle {
        /// Sessions.
        #[arg(long, default_value_t = 1000)]
        sessions: usize,
    },
    /// A room of M members and one sender at R msgs/s: latency and delivery.
    Fanout {
        /// Members (each one session).
        #[arg(long, default_value_t = 100)]
        members: usize,
        /// Messages per second.
        #[arg(long, default_value_t = 10)]
        rate: u32,
        /// Seconds to send for.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Raise the rate until p99 > 100 ms or a delivery is lost.
    Ramp {
        /// Members.
        #[arg(long, default_value_t = 100)]
        members: usize,
        /// First rate.
        #[arg(long, default_value_t = 100)]
        start: u32,
        /// Increase per step.
        #[arg(long, default_value_t = 100)]
        step: u32,
        /// Highest rate tried.
        #[arg(long, default_value_t = 5000)]
        max: u32,
        /// Seconds per step.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// Sessions drop and resume in a loop.
    Churn {
        /// Sessions.
        #[arg(long, default_value_t = 200)]
        sessions: usize,
        /// Seconds.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Sends while the server (started here on `--addr`) is killed with SIGKILL and
    /// restarted: every acknowledged message exactly once, and seen by every watcher.
    Crash {
        /// The `chat` binary to run.
        #[arg(long, default_value = "target/release/chat")]
        server_bin: std::path::PathBuf,
        /// Concurrent senders.
        #[arg(long, default_value_t = 8)]
        senders: usize,
        /// Gateway sessions watching the channel.
        #[arg(long, default_value_t = 4)]
        watchers: usize,
        /// How many times the server is killed.
        #[arg(long, default_value_t = 2)]
        kills: u32,
        /// Seconds the senders send.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Concurrent durable sends: throughput and ack latency.
    Ingest {
        /// Concurrent senders.
        #[arg(long, default_value_t = 64)]
        senders: usize,
        /// Seconds.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Then the same senders against the engine in this process (fresh data directory,
        /// `chat serve`'s defaults): reports `server_*`, `engine_*` and `ratio_*` (server /
        /// engine), the HTTP path's cost over the engine's.
        #[arg(long)]
        versus_engine: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    anyhow::ensure!(
        cli.addr.ip().is_loopback(),
        "the load tool only targets loopback addresses"
    );
    let progress = ProgressBar::new(0);
    progress.set_style(
        ProgressStyle::with_template("{msg:>14} [{bar:40}] {pos}/{len} ({per_sec})")
            .context("template")?
            .progress_chars("=> "),
    );
    if let Some(reference) = cli.compare {
        anyhow::ensure!(
            reference.ip().is_loopback(),
            "the load tool only targets loopback addresses"
        );
        anyhow::ensure!(
            !matches!(
                cli.scenario,
                Scenario::Crash { .. }
                    | Scenario::Reference
                    | Scenario::Ingest {
                        versus_engine: true,
                        ..
                    }
            ),
            "crash starts its own server, the reference compares with nothing, and ingest \
             compares with one of the reference and the engine at a time"
        );
    }
    if matches!(cli.scenario, Scenario::Reference) {
        let listener = tokio::net::TcpListener::bind(cli.addr).await?;
        eprintln!("the reference server is listening on {}", cli.addr);
        return chat_load::reference::serve(listener).await;
    }
    let gateway = cli.gateway_addr.unwrap_or(cli.addr);
    anyhow::ensure!(
        gateway.ip().is_loopback(),
        "the load tool only targets loopback addresses"
    );
    let ours = run(&cli, cli.addr, gateway, &progress).await?;
    let reports = match cli.compare {
        Some(reference) => {
            let theirs = run(&cli, reference, reference, &progress).await?;
            let mut all = Vec::new();
            for (ours, theirs) in ours.into_iter().zip(theirs) {
                all.push(Report::compare(&ours, &theirs));
            }
            all
        }
        None => ours,
    };
    progress.finish_and_clear();
    for report in &reports {
        eprintln!("{}", report.summary());
        println!("{}", report.json());
    }
    Ok(())
}

/// Runs the command line's scenario against the server at `addr`, with its gateway sessions
/// on `gateway`.
async fn run(
    cli: &Cli,
    addr: SocketAddr,
    gateway: SocketAddr,
    progress: &ProgressBar,
) -> anyhow::Result<Vec<Report>> {
    let options = Options {
        base_url: format!("http://{addr}"),
        target: Target {
            addr: gateway,
            sources: cli.sources,
        },
        progress: progress.clone(),
        intents: cli.intents,
    };
    Ok(match cli.scenario.clone() {
        Scenario::Reference => Vec::new(),
        Scenario::Idle { sessions } => vec![scenarios::idle(&options, sessions).await?],
        Scenario::Fanout {
            members,
            rate,
            seconds,
        } => vec![scenarios::fanout(&options, members, rate, Duration::from_secs(seconds)).await?],
        Scenario::Ramp {
            members,
            start,
            step,
            max,
            seconds,
        } => {
            scenarios::ramp(
                &options,
                members,
                start,
                step,
                max,
                Duration::from_secs(seconds),
            )
            .await?
        }
        Scenario::Churn { sessions, seconds } => {
            vec![scenarios::churn(&options, sessions, Duration::from_secs(seconds)).await?]
        }
        Scenario::Crash {
            server_bin,
            senders,
            watchers,
            kills,
            seconds,
        } => {
            let crash = chat_load::crash::CrashOptions {
                server_bin,
                addr,
                senders,
                watchers,
                kills,
                duration: Duration::from_secs(seconds),
                progress: progress.clone(),
            };
            vec![chat_load::crash::crash(&crash).await?]
        }
        Scenario::Ingest {
            senders,
            seconds,
            versus_engine,
        } => {
            let duration = Duration::from_secs(seconds);
            let server = scenarios::ingest(&options, senders, duration).await?;
            if versus_engine {
                let engine = chat_load::in_process::ingest(senders, duration, progress).await?;
                vec![Report::beside(("server", &server), ("engine", &engine))]
            } else {
                vec![server]
            }
        }
    })
}
