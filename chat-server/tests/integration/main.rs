//! The real server on a loopback port, spoken to over HTTP and WebSocket.

// Scenario tests read top to bottom; splitting them to satisfy a line count hides the story.
#![allow(clippy::too_many_lines)]

mod account;
mod admin;
mod authz_matrix;
mod cli;
mod gateway;
mod harness;
mod limits;
mod moderation;
mod nats;
mod operations;
mod operator;
mod postgres;
mod previews;
mod push;
mod realtime;
mod relationships;
mod rest;
mod rest_input;
mod rest_permissions;
mod security;
mod shared_blobs;
mod threads;
mod uploads;
