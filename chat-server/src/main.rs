//! The `chat` binary: parses the command line and runs the command.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use chat_engine::blobs::LocalBlobs;
use chat_engine::broker::NatsBroker;
use chat_engine::model::CreateInvite;
use chat_engine::store::PostgresStore;
use chat_engine::{Engine, EngineBuilder};
use chat_server::cli::{Cli, Command, Invite, Serve, Store};
use chat_server::previews::PagePreviewer;
use chat_server::push::PushWebhook;
use chat_server::ratelimit::RateLimits;
use chat_server::s3::S3Blobs;
use chat_server::{ServerConfig, administer, backups, run, seed, signal, transfers};
use clap::Parser;
use tracing_subscriber::EnvFilter;

/// mimalloc: the writer and the gateway allocate and free many small buffers per message,
/// where glibc's malloc spent about a tenth of the server's CPU (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<()> {
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Colours for a person at a terminal; none in a file, a pipe or the journal.
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        );
    // `CHAT_LOG_FORMAT=json`: one JSON object per line, for log shippers.
    if std::env::var("CHAT_LOG_FORMAT").is_ok_and(|format| format == "json") {
        logs.json().init();
    } else {
        logs.init();
    }
    let cli = Cli::parse();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cli.worker_threads())
        .enable_all()
        .build()
        .context("starting the runtime")?
        .block_on(execute(&cli))
}

/// The engine `chat serve` opens: retention and token lifetimes from its flags, and link
/// previews unless they are off.
async fn serving(builder: EngineBuilder, serve: &Serve) -> Result<EngineBuilder> {
    let builder = match &serve.broker {
        Some(url) => {
            let broker = match &serve.broker_ca {
                Some(authority) => NatsBroker::connect_trusting(url, authority).await,
                None => NatsBroker::connect(url).await,
            };
            builder.broker(Arc::new(broker.context("joining NATS")?))
        }
        None => builder,
    };
    let retention = u64::from(serve.audit_log_retention_days) * 24 * 3600;
    let refresh = u64::from(serve.refresh_token_days) * 24 * 3600;
    let builder = builder
        .audit_log_retention(Duration::from_secs(retention))
        .refresh_token_ttl(Duration::from_secs(refresh));
    Ok(if serve.no_link_previews {
        builder
    } else {
        let previewer = PagePreviewer::new(serve.preview_allow.clone());
        builder.link_previewer(Arc::new(previewer))
    })
}

/// The server's configuration from `chat serve`'s flags, with the admin socket in the data
/// directory.
fn server_config(serve: &Serve, data_dir: &std::path::Path) -> ServerConfig {
    ServerConfig {
        admin_socket: Some(data_dir.join(chat_server::admin_socket::SOCKET_FILE)),
        rate_limits: RateLimits {
            enabled: !(serve.no_rate_limits || serve.rate_limits == "off"),
            auth_per_minute: serve.rate_auth_per_minute,
            global_per_second: serve.rate_global_per_second,
            messages_per_5s: serve.rate_messages_per_5s,
            gateway_per_minute: serve.rate_gateway_per_minute,
        },
        heartbeat_interval: std::time::Duration::from_millis(serve.heartbeat_ms.max(1000)),
        public_url: serve
            .public_url
            .as_deref()
            .map(|url| url.trim_end_matches('/').to_owned()),
        trusted_proxies: serve.trusted_proxies.clone(),
        metrics_addr: serve.metrics_addr,
        max_upload_bytes: serve.max_upload_bytes,
        max_upload_files: usize::from(serve.max_upload_files),
        push_webhook: serve.push_webhook_url.clone().map(|url| PushWebhook {
            url,
            secret: serve.push_webhook_secret.clone().unwrap_or_default(),
        }),
        ..ServerConfig::default()
    }
}

/// Waits, with a spinner, while an engine opened without its search index rebuilds it.
async fn reindex(engine: Engine) -> Result<()> {
    let started = std::time::Instant::now();
    let spinner = indicatif::ProgressBar::new_spinner()
        .with_message("rebuilding the search index from the stored messages");
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    engine.wait_until_searchable().await?;
    drop(engine);
    spinner.finish_with_message(format!(
        "search index rebuilt in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// The engine's builder for the command line's data directory, store, blobs and secret.
async fn builder(cli: &Cli) -> Result<EngineBuilder> {
    let mut builder = Engine::builder().data_dir(&cli.data_dir);
    if let Store::Postgres(url) = &cli.store {
        let store = PostgresStore::connect(url).context("opening the PostgreSQL store")?;
        builder = builder.backend(Arc::new(store));
    }
    match cli.blobs.as_deref() {
        Some(bucket) if bucket.starts_with("s3://") => {
            let name = bucket.trim_start_matches("s3://").trim_end_matches('/');
            let bucket = S3Blobs::open(&cli.s3_endpoint, name, &cli.s3_region).await?;
            builder = builder.blob_store(Arc::new(bucket));
        }
        Some(dir) => builder = builder.blob_store(Arc::new(LocalBlobs::new(dir))),
        None => {}
    }
    Ok(match &cli.jwt_secret {
        Some(secret) => builder.jwt_secret(secret.as_bytes()),
        None => builder,
    })
}

async fn execute(cli: &Cli) -> Result<()> {
    let open_with = |builder: EngineBuilder| async move {
        builder
            .open()
            .await
            .with_context(|| format!("opening the data directory {}", cli.data_dir.display()))
    };
    let open = || async { open_with(builder(cli).await?).await };
    match &cli.command {
        Command::Init => {
            open().await?;
            println!("initialized {}", cli.data_dir.display());
        }
        Command::Reindex => {
            let search = cli.data_dir.join("search");
            if search.exists() {
                std::fs::remove_dir_all(&search)
                    .with_context(|| format!("removing {}", search.display()))?;
            }
            reindex(open().await?).await?;
        }
        Command::Serve(serve) => {
            let engine = open_with(serving(builder(cli).await?, serve).await?).await?;
            let config = server_config(serve, &cli.data_dir);
            let listener = tokio::net::TcpListener::bind(serve.addr)
                .await
                .with_context(|| format!("binding {}", serve.addr))?;
            println!("chat is listening on http://{}", listener.local_addr()?);
            run(listener, engine, config, signal()).await?;
        }
        Command::Backup { to } => backups::backup(&cli.data_dir, to, open).await?,
        Command::Restore { from } => {
            if cli.store != Store::Redb {
                anyhow::bail!("chat restore restores into the redb store of a data directory only");
            }
            backups::restore(&cli.data_dir, from)?;
        }
        Command::Export { server_id, to } => {
            transfers::export(&cli.data_dir, server_id, to, open).await?;
        }
        Command::Import { from, owner } => {
            transfers::import(&cli.data_dir, from, owner, open).await?;
        }
        Command::Seed(options) => {
            let engine = open().await?;
            let made =
                seed::seed(&engine, options.users, options.servers, options.messages).await?;
            println!(
                "seeded {} users, {} servers, {} messages (password: {})",
                made.users,
                made.servers,
                made.messages,
                seed::SEED_PASSWORD
            );
        }
        Command::Admin(command) => administer::admin(&cli.data_dir, command, open).await?,
        Command::Invite(Invite::Create {
            server_id,
            max_uses,
            max_age,
        }) => {
            let invite = CreateInvite {
                max_age: *max_age,
                max_uses: *max_uses,
            };
            administer::create_invite(&cli.data_dir, server_id, invite, open).await?;
        }
        Command::Status => administer::status(&cli.data_dir, open).await?,
    }
    Ok(())
}
