//! # chat-load
//!
//! Drives a running chat server over real sockets: provisions users, a server and bot
//! members through REST, opens gateway sessions spread over several 127.0.0.x source
//! addresses, and runs a scenario (`idle`, `fanout`, `ramp`, `churn`, `ingest`, and `crash`,
//! which starts the server itself to kill it), reporting
//! percentiles (HdrHistogram) as a human summary and one JSON line per run. Loopback only,
//! bounded in time. Two yardsticks run beside ours: a bare broadcast server ([`reference`])
//! and the engine in this process ([`in_process`]).

pub mod crash;
pub mod in_process;
pub mod provision;
pub mod reference;
pub mod report;
pub mod scenarios;
pub mod session;
