//! The bounded, persisted event log that sessions resume from. Its records are encoded and
//! decoded by the event's codec ([`crate::envelope`]); this file only keeps them by sequence
//! number.

use super::keys::{self, seq_of};
use super::{Batch, KeyRange, Kv, MessageStore, Order, Table};
use crate::envelope::{Audience, EventEnvelope, LogBody, decode_log_record};
use crate::error::Result;
use crate::model::{Event, MessageDelete};

/// An event as read back from the log.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Who may receive it.
    pub audience: Audience,
    /// The event.
    pub event: Event,
}

/// The bounded, persisted event log that sessions resume from.
pub trait EventLog: Kv {
    /// Lists up to `limit` events with sequence numbers after `after`, in order. A new
    /// message is read from the messages table as it is now (edited, say; the later events
    /// say what changed), and one deleted since comes back as its deletion.
    fn list_events(&self, after: u64, limit: usize) -> Result<Vec<(u64, StoredEvent)>> {
        let range = KeyRange {
            start: std::ops::Bound::Excluded(keys::seq(after)),
            end: std::ops::Bound::Unbounded,
        };
        let entries = self.scan_raw(Table::Events, &range, Order::Ascending, limit)?;
        entries
            .into_iter()
            .map(|(k, v)| {
                let (audience, body) = decode_log_record(&v)?;
                let event = match body {
                    LogBody::Event(event) => *event,
                    LogBody::Message(r) => match self.fetch_message(r.channel_id, r.id)? {
                        Some(message) => Event::MessageCreate(message),
                        None => Event::MessageDelete(MessageDelete {
                            channel_id: r.channel_id,
                            id: r.id,
                            server_id: audience.server_id,
                        }),
                    },
                };
                Ok((seq_of(&k)?, StoredEvent { audience, event }))
            })
            .collect()
    }

    /// The first and last retained sequence numbers, if any.
    fn event_bounds(&self) -> Result<Option<(u64, u64)>> {
        let first = self.scan_keys(Table::Events, &KeyRange::all(), Order::Ascending, 1)?;
        let last = self.scan_keys(Table::Events, &KeyRange::all(), Order::Descending, 1)?;
        match (first.first(), last.first()) {
            (Some(f), Some(l)) => Ok(Some((seq_of(f)?, seq_of(l)?))),
            _ => Ok(None),
        }
    }
}

impl<T: Kv + ?Sized> EventLog for T {}

impl Batch {
    /// Appends a committed event to the log.
    pub(crate) fn append_event(&mut self, envelope: &EventEnvelope) {
        self.put(
            Table::Events,
            keys::seq(envelope.seq),
            envelope.log_record(),
        );
    }

    /// Drops the events `from..to` from the log.
    pub(crate) fn trim_events(&mut self, from: u64, to: u64) {
        for seq in from..to {
            self.delete(Table::Events, keys::seq(seq));
        }
    }
}
