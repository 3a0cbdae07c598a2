//! One timer for every gateway connection. Each connection checks its client's heartbeats
//! and adds to the events-sent counter on a tick; a timer of its own would cost every idle
//! connection a timer entry on the heap (about 110 bytes) and its own wake-ups.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

/// Ticks every `period` until the server shuts down; a connection waits on a clone of the
/// receiver (`changed()`, which ends with an error once the ticks stop).
pub(crate) fn start(period: Duration, mut shutdown: watch::Receiver<bool>) -> watch::Receiver<()> {
    let (tick, ticks) = watch::channel(());
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = interval.tick() => tick.send_replace(()),
                _ = shutdown.changed() => break,
            }
        }
    });
    ticks
}
