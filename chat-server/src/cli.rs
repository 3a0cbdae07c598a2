//! The `chat` command line: `init`, `serve`, `seed`, `admin …`, `invite create`, `status`,
//! `backup`, `restore`, `export`, `import`, `reindex`. Every flag has an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// A realtime chat server on embedded storage.
#[derive(Debug, Parser)]
#[command(name = "chat", version, about)]
pub struct Cli {
    /// Where the database lives (created on first use).
    #[arg(
        long,
        env = "CHAT_DATA_DIR",
        default_value = "./chat-data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Where the records live: `redb` (a file in the data directory) or the URL of a
    /// PostgreSQL database (`postgres://user:password@host:port/database`; add
    /// `?sslmode=require` for TLS, and `&sslrootcert=PATH` to trust a private authority). The
    /// data directory keeps the search index, attachments and the admin socket either way.
    #[arg(
        long,
        env = "CHAT_STORE",
        default_value = "redb",
        hide_env_values = true,
        global = true,
        value_parser = parse_store
    )]
    pub store: Store,
    /// Where attachments' bytes live: a directory (a shared one, for several nodes), or an
    /// S3-compatible bucket, `s3://BUCKET` (credentials from `AWS_ACCESS_KEY_ID` and
    /// `AWS_SECRET_ACCESS_KEY`). By default, `blobs/` in the data directory.
    #[arg(long, env = "CHAT_BLOBS", global = true)]
    pub blobs: Option<String>,
    /// The S3 endpoint of `--blobs s3://…`: AWS's, or a MinIO's address.
    #[arg(
        long,
        env = "CHAT_S3_ENDPOINT",
        default_value = "https://s3.amazonaws.com",
        global = true
    )]
    pub s3_endpoint: String,
    /// The S3 region of `--blobs s3://…`.
    #[arg(
        long,
        env = "CHAT_S3_REGION",
        default_value = "us-east-1",
        global = true
    )]
    pub s3_region: String,
    /// Threads serving requests and gateway connections: all cores by default (the storage
    /// writer's own thread is mostly waiting on the disk, and a large room's deliveries spread
    /// over every worker).
    #[arg(long, env = "CHAT_WORKERS", global = true)]
    pub workers: Option<usize>,
    /// Signs access tokens; made once and kept in the database when unset.
    #[arg(long, env = "CHAT_JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Where the records live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Store {
    /// The redb file in the data directory.
    Redb,
    /// A PostgreSQL database, by URL.
    Postgres(String),
}

fn parse_store(value: &str) -> Result<Store, String> {
    if value == "redb" {
        Ok(Store::Redb)
    } else if value.starts_with("postgres://") || value.starts_with("postgresql://") {
        Ok(Store::Postgres(value.to_owned()))
    } else {
        Err("expected `redb` or a postgres:// URL".to_owned())
    }
}

fn parse_broker(value: &str) -> Result<String, String> {
    if value.starts_with("nats://") || value.starts_with("tls://") {
        Ok(value.to_owned())
    } else {
        Err("expected a nats:// or tls:// URL".to_owned())
    }
}

impl Cli {
    /// How many runtime worker threads to start.
    pub fn worker_threads(&self) -> usize {
        self.workers
            .unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
            })
            .max(1)
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the data directory and database, then exit.
    Init,
    /// Run the server (initializes an empty data directory itself).
    Serve(Box<Serve>),
    /// Fill the database with realistic sample data.
    Seed(Seed),
    /// Administer the instance: administrators, accounts and servers (on the running server
    /// through its admin socket, else on the database).
    #[command(subcommand)]
    Admin(Admin),
    /// Show the instance's figures, and the running server's (sessions, uptime, readiness).
    Status,
    /// Manage invites.
    #[command(subcommand)]
    Invite(Invite),
    /// Rebuild the search index from the stored messages (with the server stopped).
    Reindex,
    /// Write a backup of everything stored (messages, accounts, servers, attachments): from
    /// the running server through its admin socket, else from the database.
    Backup {
        /// The backup file to write.
        #[arg(long)]
        to: PathBuf,
    },
    /// Write one server (its settings, roles, channels, members and messages) as JSON Lines,
    /// to import on another instance: from the running server, else from the database.
    Export {
        /// The server's id.
        #[arg(long)]
        server_id: String,
        /// The file to write.
        #[arg(long)]
        to: PathBuf,
    },
    /// Make a new server of an export from another instance (`chat export`). Its authors and
    /// members who have an account of the same name here become that account; the others
    /// become disabled accounts that keep their names.
    Import {
        /// The export.
        from: PathBuf,
        /// The account, by username or id, who owns the new server.
        #[arg(long)]
        owner: String,
    },
    /// Restore a backup into an empty data directory (the server stopped).
    Restore {
        /// The backup file.
        from: PathBuf,
    },
}

/// `chat serve`.
#[derive(Debug, Args)]
pub struct Serve {
    /// Address to listen on.
    #[arg(long, env = "CHAT_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Join the other nodes serving the same PostgreSQL store through this NATS server
    /// (`nats://host:port`, with JetStream on), so that each node delivers the others' events
    /// at once and shares presence, typing and voice state with them. A node starts while
    /// NATS is away and joins once it is back. `tls://host:port` always encrypts (`nats://`
    /// does when the server asks); the server's certificate is checked.
    #[arg(long, env = "CHAT_BROKER", value_parser = parse_broker)]
    pub broker: Option<String>,
    /// A PEM file of the certificate authorities to trust for the NATS server's certificate,
    /// instead of the public ones (a private authority's).
    #[arg(long, env = "CHAT_BROKER_CA", requires = "broker")]
    pub broker_ca: Option<PathBuf>,
    /// Serve Prometheus `/metrics` on this address (say, one only the monitoring network
    /// reaches) instead of on `--addr`.
    #[arg(long, env = "CHAT_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    /// Rate limits: `on` or `off` (off is for load tests and test suites).
    #[arg(long, env = "CHAT_RATE_LIMITS", default_value = "on", value_parser = ["on", "off"])]
    pub rate_limits: String,
    /// Turn rate limits off (same as `--rate-limits off`).
    #[arg(long)]
    pub no_rate_limits: bool,
    /// Register, login and refresh requests per minute per IP.
    #[arg(long, env = "CHAT_RATE_AUTH_PER_MINUTE", default_value_t = 10)]
    pub rate_auth_per_minute: u32,
    /// Authenticated requests per second per user.
    #[arg(long, env = "CHAT_RATE_GLOBAL_PER_SECOND", default_value_t = 50)]
    pub rate_global_per_second: u32,
    /// Message sends per 5 seconds per user.
    #[arg(long, env = "CHAT_RATE_MESSAGES_PER_5S", default_value_t = 10)]
    pub rate_messages_per_5s: u32,
    /// Gateway frames per minute per connection.
    #[arg(long, env = "CHAT_RATE_GATEWAY_PER_MINUTE", default_value_t = 120)]
    pub rate_gateway_per_minute: u32,
    /// Milliseconds between gateway heartbeats.
    #[arg(long, env = "CHAT_HEARTBEAT_MS", default_value_t = 41_250)]
    pub heartbeat_ms: u64,
    /// The URL people reach the server at behind a proxy (`https://chat.example`): cookie
    /// writes must come from its origin, and `https` makes the cookies `Secure`.
    #[arg(long, env = "CHAT_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// A proxy whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed (repeat it, or
    /// separate addresses with commas).
    #[arg(
        long = "trusted-proxy",
        env = "CHAT_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Push notifications for users with no live session are POSTed here, signed.
    #[arg(long, env = "CHAT_PUSH_WEBHOOK_URL", requires = "push_webhook_secret")]
    pub push_webhook_url: Option<String>,
    /// The key of the webhook's `X-Chat-Signature` (HMAC-SHA256 of the body).
    #[arg(long, env = "CHAT_PUSH_WEBHOOK_SECRET", hide_env_values = true)]
    pub push_webhook_secret: Option<String>,
    /// Largest upload (all the files of one message), in bytes.
    #[arg(long, env = "CHAT_MAX_UPLOAD_BYTES", default_value_t = 26_214_400)]
    pub max_upload_bytes: usize,
    /// Most files on one message (1 to 10).
    #[arg(long, env = "CHAT_MAX_UPLOAD_FILES", default_value_t = 10, value_parser = clap::value_parser!(u8).range(1..=10))]
    pub max_upload_files: u8,
    /// How many days a refresh token stays valid unused (each refresh starts it anew).
    #[arg(long, env = "CHAT_REFRESH_TOKEN_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub refresh_token_days: u32,
    /// How many days the audit log keeps an entry.
    #[arg(long, env = "CHAT_AUDIT_LOG_RETENTION_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub audit_log_retention_days: u32,
    /// Do not fetch previews of the links in messages.
    #[arg(long, env = "CHAT_NO_LINK_PREVIEWS")]
    pub no_link_previews: bool,
    /// An address link previews may fetch from although it is not public (loopback, private;
    /// repeat it, or separate addresses with commas).
    #[arg(
        long = "preview-allow",
        env = "CHAT_PREVIEW_ALLOW",
        value_delimiter = ','
    )]
    pub preview_allow: Vec<std::net::IpAddr>,
}

/// `chat seed`.
#[derive(Debug, Args)]
pub struct Seed {
    /// How many users.
    #[arg(long, env = "CHAT_SEED_USERS", default_value_t = 20)]
    pub users: usize,
    /// How many servers.
    #[arg(long, env = "CHAT_SEED_SERVERS", default_value_t = 3)]
    pub servers: usize,
    /// How many messages in all.
    #[arg(long, env = "CHAT_SEED_MESSAGES", default_value_t = 500)]
    pub messages: usize,
}

/// `chat admin ...`.
#[derive(Debug, Subcommand)]
pub enum Admin {
    /// Create an instance administrator: they see every server, delete abusive ones and
    /// disable accounts (in the web client's Administration page and under `/api/v1/admin`).
    Create {
        /// Its username.
        #[arg(long, env = "CHAT_ADMIN_USERNAME")]
        username: String,
        /// Its password (at least 8 characters).
        #[arg(long, env = "CHAT_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Make an existing account an instance administrator.
    Grant {
        /// The account's username or id.
        user: String,
    },
    /// Make an instance administrator an ordinary account again.
    Revoke {
        /// The account's username or id.
        user: String,
    },
    /// List accounts, by id.
    Users(Page),
    /// Disable an account: it cannot log in, its sessions end and its connections close.
    Disable {
        /// The account's username or id.
        user: String,
        /// Why, which the user is told.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Enable a disabled account again.
    Enable {
        /// The account's username or id.
        user: String,
    },
    /// List servers, by id.
    Servers(Page),
    /// Disable a server: nobody, its owner included, may view or do anything in it or join
    /// it until it is enabled again.
    DisableServer {
        /// The server's id.
        server_id: String,
        /// Why, which its members are told.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Enable a disabled server again.
    EnableServer {
        /// The server's id.
        server_id: String,
    },
    /// Delete a server with its channels, messages, roles and invites, for good.
    DeleteServer {
        /// The server's id.
        server_id: String,
        /// Confirm: nothing of the server can be recovered but from a backup.
        #[arg(long)]
        yes: bool,
    },
}

/// Which page of a list.
#[derive(Debug, Args)]
pub struct Page {
    /// Only those whose name contains these words, in any case.
    #[arg(long)]
    pub name: Option<String>,
    /// How many, 1 to 200.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Those after this id (the last id of the previous page).
    #[arg(long)]
    pub after: Option<String>,
}

/// `chat invite ...`.
#[derive(Debug, Subcommand)]
pub enum Invite {
    /// Create an invite to a server, on its owner's behalf.
    Create {
        /// The server.
        #[arg(long, env = "CHAT_INVITE_SERVER_ID")]
        server_id: String,
        /// How many joins it allows (0 is unlimited).
        #[arg(long, env = "CHAT_INVITE_MAX_USES", default_value_t = 0)]
        max_uses: u32,
        /// Seconds until it expires (0 never).
        #[arg(long, env = "CHAT_INVITE_MAX_AGE", default_value_t = 0)]
        max_age: u64,
    },
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Cli;

    #[test]
    fn workers_default_to_all_cores_and_never_zero() {
        let parse = |args: &[&str]| Cli::try_parse_from(args).unwrap().worker_threads();
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        assert_eq!(parse(&["chat", "serve"]), cores);
        assert_eq!(parse(&["chat", "serve", "--workers", "3"]), 3);
        assert_eq!(parse(&["chat", "--workers", "0", "serve"]), 1);
    }
}
