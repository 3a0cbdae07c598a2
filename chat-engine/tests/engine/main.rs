//! Engine behaviour through the public API, one module per domain area.

mod accounts;
mod channels;
mod delivery;
mod events;
mod harness;
mod invites_members;
mod messages;
mod permissions;
mod persistence;
mod reactions_pins;
mod roles;
mod servers;
mod threads_dms;
mod wire;
