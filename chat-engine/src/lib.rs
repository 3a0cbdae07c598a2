//! # chat-engine
//!
//! The whole chat domain as an embeddable, transport-agnostic library: accounts, servers,
//! channels, members, roles and permissions, messages, reactions, pins, threads, read states
//! and a sequenced, resumable event stream per user. Every operation checks permissions here,
//! in the engine, so every transport built on it enforces the same rules.
//!
//! ```no_run
//! # async fn demo() -> chat_engine::Result<()> {
//! use chat_engine::Engine;
//! use chat_engine::model::{CreateMessage, CreateServer, RegisterRequest};
//!
//! let engine = Engine::open("./chat-data").await?;
//! let alice = engine
//!     .register(RegisterRequest { username: "alice".into(), password: "correct horse".into(), email: None })
//!     .await?;
//! let server = engine
//!     .create_server(alice.user.id, CreateServer { name: "Rustaceans".into(), ..Default::default() })
//!     .await?;
//! let general = server.system_channel_id.expect("a new server has a default channel");
//! let mut events = engine.subscribe(alice.user.id)?;
//! engine
//!     .send_message(alice.user.id, general, CreateMessage { content: "hello".into(), ..Default::default() })
//!     .await?;
//! let event = events.next_event().await?;
//! println!("{} #{}", event.event.name(), event.seq);
//! # Ok(()) }
//! ```
//!
//! # Layout
//!
//! Layers from the bottom up (`ARCHITECTURE.md` at the repository root has the whole map):
//!
//! - [`model`], [`id`], [`error`], [`limits`]: the wire types, typed ULID ids, the error and
//!   its stable codes; the only part compiled with `default-features = false`.
//! - `envelope` (public through [`events`]): an event with its audience, sequence number,
//!   dispatch frame (shared bytes) and log record, encoded in one place.
//! - [`broker`]: the seam that joins the engines (server nodes) of one community, with
//!   [`broker::LocalBroker`] in one process and NATS JetStream between processes.
//! - [`store`]: the backend seam ([`store::Backend`]), the in-memory, redb and PostgreSQL
//!   backends, one trait per aggregate, the group-committing writer and its commit hooks.
//! - [`permissions`]: the calculation and its explanation; `credentials`, `live` and
//!   `search_index`: the state the engine holds (token keys, presence maps, the index).
//! - [`Engine`] (`engine.rs`): the facade that owns all of it.
//! - `access` (channel access), `posting`, `membership` and [`events`] (the per-user
//!   [`Session`](events::Session) stream and resume): what several domains share.
//! - The domains, siblings that never use one another, each adding its operations to
//!   `Engine`: `accounts`, `admin` (the instance's administrators and the operator), `audit`,
//!   `relationships`, `servers`, `channels`, `members`, `roles`, `invites`, `messages`,
//!   `reactions`, `threads`, `delivery` (read states), [`notifications`], `presence` (live
//!   only), `search`, [`transfer`] (a server out of one instance and into another).
//!
//! # Features
//!
//! - `redb` (default): the durable redb backend; implies `engine`.
//! - `postgres`: the PostgreSQL backend (`store::PostgresStore`), which several engines (server
//!   nodes) can share; implies `engine`.
//! - `nats`: the NATS JetStream broker (`broker::NatsBroker`), which joins server nodes on
//!   one store so that each delivers the others' events and live state; implies `engine`.
//! - `search` (default): full-text search of messages with tantivy; implies `engine`.
//! - `engine`: the engine itself (argon2, JWT, markdown, tokio). Without it the crate is only
//!   [`model`], [`id`] and [`error`].
//! - `testing`: the store conformance suite (`store::conformance` and the
//!   `store_conformance_tests!` macro) for anyone writing another backend.

// The wire types, compiled without the engine.
pub mod error;
pub mod id;
pub mod limits;
pub mod model;

// The shared layers every domain builds on.
#[cfg(feature = "engine")]
mod access;
#[cfg(feature = "engine")]
mod audit_trail;
#[cfg(feature = "engine")]
pub mod backup;
#[cfg(feature = "engine")]
pub mod blobs;
#[cfg(feature = "engine")]
pub mod broker;
#[cfg(feature = "engine")]
mod credentials;
#[cfg(feature = "engine")]
mod engine;
#[cfg(feature = "engine")]
mod envelope;
#[cfg(feature = "engine")]
pub mod events;
#[cfg(feature = "engine")]
pub mod health;
#[cfg(feature = "engine")]
mod live;
#[cfg(feature = "engine")]
mod markup;
#[cfg(feature = "engine")]
mod membership;
#[cfg(feature = "engine")]
mod notify;
#[cfg(feature = "engine")]
pub mod permissions;
#[cfg(feature = "engine")]
mod posting;
#[cfg(feature = "engine")]
pub mod previews;
#[cfg(feature = "search")]
mod search_index;
#[cfg(feature = "engine")]
pub mod store;
#[cfg(any(feature = "postgres", feature = "nats"))]
mod tls;
#[cfg(feature = "engine")]
mod validate;

// The domains: siblings that never import one another.
#[cfg(feature = "engine")]
mod accounts;
#[cfg(feature = "engine")]
mod admin;
#[cfg(feature = "engine")]
mod audit;
#[cfg(feature = "engine")]
mod channels;
#[cfg(feature = "engine")]
mod delivery;
#[cfg(feature = "engine")]
mod invites;
#[cfg(feature = "engine")]
mod members;
#[cfg(feature = "engine")]
mod messages;
#[cfg(feature = "engine")]
pub mod notifications;
#[cfg(feature = "engine")]
mod presence;
#[cfg(feature = "engine")]
mod reactions;
#[cfg(feature = "engine")]
mod relationships;
#[cfg(feature = "engine")]
mod roles;
#[cfg(feature = "search")]
mod search;
#[cfg(feature = "engine")]
mod servers;
#[cfg(feature = "engine")]
mod threads;
#[cfg(feature = "engine")]
pub mod transfer;

#[cfg(feature = "engine")]
pub use accounts::Identity;
#[cfg(feature = "engine")]
pub use admin::InstanceSummary;
#[cfg(feature = "engine")]
pub use audit_trail::{Actor, Administrator, MAX_REASON};
#[cfg(feature = "engine")]
pub use engine::{
    DEFAULT_AUDIT_LOG_RETENTION, DEFAULT_EVENT_RETENTION, DEFAULT_REFRESH_TOKEN_TTL, Engine,
    EngineBuilder,
};
pub use error::{Error, ErrorCode, ResourceKind, Result};
#[cfg(feature = "engine")]
pub use live::DeviceId;
#[cfg(feature = "engine")]
pub use messages::Upload;

/// Renders message markdown to the sanitized HTML the engine stores as `content_html`
/// (for previews and tools; the engine renders every message itself).
#[cfg(feature = "engine")]
pub fn render_markdown(markdown: &str) -> String {
    markup::render(markdown, &mut markup::Nobody).html
}
