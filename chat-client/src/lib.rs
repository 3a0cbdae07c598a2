//! # chat-client
//!
//! The SDK for bots and apps talking to a chat server: a typed REST client whose builders
//! validate before sending and are awaited directly, and a gateway client that heartbeats,
//! reconnects with backoff and resumes, over plain connections or TLS (`https://` and
//! `wss://`, with rustls). It uses `chat-engine` only for its wire types, so it
//! compiles without redb, tantivy or any engine code.
//!
//! ```no_run
//! # async fn demo() -> chat_client::Result<()> {
//! use chat_client::{Client, Gateway, GatewayConfig, GatewayEvent};
//! use chat_engine::model::Event;
//!
//! let client = Client::builder().base_url("http://127.0.0.1:8080").build()?;
//! let auth = client.login("echo-bot", "correct horse").await?;
//! let client = client.with_token(&auth.token);
//! let mut gateway = Gateway::connect(GatewayConfig::new("ws://127.0.0.1:8080/ws", &auth.token));
//! while let Some(event) = gateway.next_event().await {
//!     if let GatewayEvent::Dispatch { event, .. } = event? {
//!         if let Event::MessageCreate(message) = *event {
//!             if message.author_id != auth.user.id {
//!                 client.create_message(message.channel_id).content(message.content).await?;
//!             }
//!         }
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! # Layout
//!
//! - `client.rs`: [`Client`], its builder and the request plumbing (errors, 429 waits).
//! - `routes.rs`: every REST route as a method; `messages.rs`: the builders with options.
//! - `gateway/`: [`Gateway`] and its events; `bot.rs`: [`Bot`], handlers per event.
//! - `outbox.rs`: [`Outbox`], exactly-once delivery across outages.
//! - `error.rs`: [`Error`] with [`ErrorKind`].
//! - `tls.rs` (feature `rustls`, on by default): [`TlsConfig`], the one rustls configuration
//!   that https and wss share, and [`Certificate`], a root to trust besides Mozilla's.

pub mod bot;
mod client;
mod error;
pub mod gateway;
mod messages;
mod outbox;
mod routes;
#[cfg(feature = "rustls")]
mod tls;

pub use bot::{Bot, Context};
pub use client::{Client, ClientBuilder, File};
pub use error::{Error, ErrorKind, Result};
pub use gateway::{Gateway, GatewayConfig, GatewayEvent};
pub use messages::{CreateMessage, GetMessages};
pub use outbox::{Outbox, Ticket};
#[cfg(feature = "rustls")]
pub use tls::{Certificate, TlsConfig};
