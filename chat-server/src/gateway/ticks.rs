//! One timer for every gateway connection, which also tells them of the server's shutdown.
//! Each connection checks its client's heartbeats and adds to the events-sent counter on a
//! tick; a timer of its own would cost every idle connection a timer entry on the heap
//! (about 110 bytes) and its own wake-ups, and waiting on the shutdown apart from the ticks
//! another 120 bytes in its future.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

/// What the shared timer says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tick {
    /// Time to check heartbeats.
    Beat,
    /// The server is shutting down: the last word, after which the ticks stop.
    Restarting,
}

/// Ticks every `period` until `shutdown` changes or closes, then says so; a connection waits
/// on a clone of the receiver (`changed()`, which ends with an error once the ticks stop).
pub(crate) fn start(
    period: Duration,
    mut shutdown: watch::Receiver<bool>,
) -> watch::Receiver<Tick> {
    let (tick, ticks) = watch::channel(Tick::Beat);
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = interval.tick() => tick.send_replace(Tick::Beat),
                _ = shutdown.changed() => break,
            };
        }
        // Seen by every receiver before the closed channel is.
        tick.send_replace(Tick::Restarting);
    });
    ticks
}
