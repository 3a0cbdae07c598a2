//! Engine behaviour through the public API, one module per domain area.

// Scenario tests read top to bottom; splitting them to satisfy a line count hides the story.
#![allow(clippy::too_many_lines)]

mod accounts;
mod admin;
mod backup;
mod channels;
mod delivery;
mod events;
mod files;
mod harness;
mod invites_members;
mod messages;
mod moderation;
#[cfg(all(feature = "postgres", feature = "testing"))]
mod nodes;
mod notifications;
mod organizing;
mod permissions;
mod persistence;
mod presence;
mod reactions_pins;
mod relationships;
mod roles;
mod search;
mod security;
mod servers;
mod shared_store;
mod structure;
mod thread_lifecycle;
mod threads_dms;
mod transfer;
mod upgrades;
mod wire;
