//! # chat-server
//!
//! The reference server over [`chat_engine`]: the REST API under `/api/v1` (with its OpenAPI
//! document at `/api/v1/openapi.json`), the WebSocket gateway at `/ws`, `/healthz` and
//! Prometheus `/metrics`, and the `chat` CLI. It is thin: it parses, authenticates, calls the
//! engine and serializes; every rule lives in the engine.
//!
//! # Layout
//!
//! - `server.rs`: [`run`] with graceful shutdown; `config.rs`; `state.rs`.
//! - `http/`: the router, the error table, extractors, rate-limit middleware, one route file
//!   per resource, and the OpenAPI document generated from the same route table.
//! - `gateway/`: the protocol state machine (`session.rs`, no I/O), the connection loop, and
//!   the registry of resumable sessions.
//! - `ratelimit.rs`: one limiter for REST and the gateway.
//! - `s3.rs`: attachments' bytes in an S3-compatible bucket, for several nodes.
//! - `web.rs` and `web/`: the web client, embedded and served at `/`.
//! - `cli.rs`, `seed.rs`, `backups.rs`, `transfers.rs`: the `chat` binary's commands.
//! - `admin_socket.rs`: the Unix socket through which commands work on a running server;
//!   `operator.rs`: the commands themselves, one implementation for both ways;
//!   `administer.rs`: the CLI's side of them (which way, and printing the answer).

pub mod admin_socket;
pub mod administer;
pub mod backups;
pub mod cli;
pub mod config;
mod error_body;
mod gateway;
mod http;
pub mod operator;
pub mod previews;
pub mod push;
pub mod ratelimit;
pub mod s3;
pub mod seed;
mod server;
mod state;
pub mod transfers;
mod web;

pub use config::ServerConfig;
pub use server::{run, signal};
