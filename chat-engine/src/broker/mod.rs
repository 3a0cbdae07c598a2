//! The broker seam: how the engines of one community (server nodes sharing one store) tell
//! one another what happened, so that each delivers it to its own sessions.
//!
//! A broker moves bytes on two topics and knows nothing of what they mean:
//! [`Topic::Committed`] carries each commit's events from the node that committed them
//! (the shared log stays the truth: a node fills any gap from it), and [`Topic::Live`] the
//! live-only state (presence, typing, voice) that is never stored. Without a broker an
//! engine is alone, as it is on its own store; [`LocalBroker`] joins engines in one process
//! and `NatsBroker` (feature `nats`) joins server nodes through NATS JetStream.

#[cfg(feature = "nats")]
mod nats;

use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};

use crate::envelope::{Audience, EventEnvelope};
use crate::error::StorageError;
use crate::model::Event;

#[cfg(feature = "nats")]
pub use self::nats::NatsBroker;

/// What a message on the broker is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Committed events: kept by the broker for a while and delivered in the order they
    /// were published.
    Committed,
    /// Live-only state (presence, typing, voice): delivered to whoever listens now, or lost.
    Live,
    /// What the embedding application's nodes tell one another (the server's rate limits'
    /// usage), delivered as `Live` is.
    Application,
}

/// What every node of a community publishes, delivered to every node (the publisher
/// included: the engine drops its own messages).
pub type Inbox = mpsc::UnboundedReceiver<(Topic, Bytes)>;

/// Carries messages between the engines of one community. Publishing never waits: a broker
/// that is away drops what it cannot send, and the engines make up for it (committed
/// events from the shared log, live state from the next heartbeat).
pub trait Broker: Send + Sync + fmt::Debug {
    /// Joins the community named `community` (the same for every engine on one store) and
    /// returns what its nodes publish from now on. An engine calls it once, when it opens.
    ///
    /// # Errors
    ///
    /// A storage error when the broker cannot start listening.
    fn join(&self, community: &str) -> Result<Inbox, StorageError>;

    /// Sends `payload` on `topic` to every node of the community joined.
    fn publish(&self, topic: Topic, payload: Bytes);

    /// Whether the broker is reachable now; the reason when it is not.
    ///
    /// # Errors
    ///
    /// What is wrong, for `/readyz`.
    fn check(&self) -> Result<(), String>;
}

/// A broker inside one process: the engines built with one `LocalBroker` (cloned) behave as
/// the nodes of one community, as if joined by NATS. For embedding several engines in one
/// program, and for tests.
#[derive(Debug, Clone)]
pub struct LocalBroker {
    bus: broadcast::Sender<(Topic, Bytes)>,
}

impl Default for LocalBroker {
    fn default() -> Self {
        Self {
            bus: broadcast::channel(4096).0,
        }
    }
}

impl Broker for LocalBroker {
    fn join(&self, _community: &str) -> Result<Inbox, StorageError> {
        let mut bus = self.bus.subscribe();
        let (inbox, receiver) = mpsc::unbounded_channel();
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| StorageError::new("the broker must be joined in a tokio runtime"))?;
        runtime.spawn(async move {
            loop {
                match bus.recv().await {
                    Ok(message) => {
                        if inbox.send(message).is_err() {
                            return;
                        }
                    }
                    // Lost messages are made up for, as when NATS drops them.
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        Ok(receiver)
    }

    fn publish(&self, topic: Topic, payload: Bytes) {
        let _ = self.bus.send((topic, payload));
    }

    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

/// One commit's events as the committing node publishes them.
#[derive(Serialize)]
struct CommittedOut<'a> {
    node: u64,
    events: Vec<(u64, &'a Event, &'a Audience)>,
}

/// The same, as the other nodes read it.
#[derive(Deserialize)]
struct CommittedIn {
    node: u64,
    events: Vec<(u64, Event, Audience)>,
}

/// Encodes the events one node committed together, in sequence order.
pub(crate) fn encode_committed(node: u64, envelopes: &[std::sync::Arc<EventEnvelope>]) -> Bytes {
    let message = CommittedOut {
        node,
        events: envelopes
            .iter()
            .map(|e| (e.seq, &e.event, &e.audience))
            .collect(),
    };
    serde_json::to_vec(&message)
        .expect("events always serialize")
        .into()
}

/// Decodes what [`encode_committed`] wrote: the node that committed, and its envelopes.
pub(crate) fn decode_committed(payload: &[u8]) -> Result<(u64, Vec<EventEnvelope>), StorageError> {
    let message: CommittedIn = serde_json::from_slice(payload)
        .map_err(|e| StorageError::new(format!("a malformed broker message: {e}")))?;
    let envelopes = message
        .events
        .into_iter()
        .map(|(seq, event, audience)| EventEnvelope::new(seq, event, audience))
        .collect();
    Ok((message.node, envelopes))
}

/// An engine's place in a community: its broker, and the random id its messages carry.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) broker: std::sync::Arc<dyn Broker>,
    pub(crate) id: u64,
}

impl Node {
    /// Tells the other nodes of the events of one commit.
    pub(crate) fn publish_committed(&self, envelopes: &[std::sync::Arc<EventEnvelope>]) {
        if !envelopes.is_empty() {
            self.broker
                .publish(Topic::Committed, encode_committed(self.id, envelopes));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::Id;
    use crate::model::TypingIndicator;

    #[test]
    fn committed_events_come_back_as_sent_and_garbage_is_refused() {
        let typing = Event::TypingStart(TypingIndicator {
            channel_id: Id::from_ulid(ulid::Ulid::generate()),
            timestamp: chrono::Utc::now(),
            user_id: Id::from_ulid(ulid::Ulid::generate()),
        });
        let sent = std::sync::Arc::new(EventEnvelope::new(7, typing, Audience::default()));
        let (node, events) =
            decode_committed(&encode_committed(42, std::slice::from_ref(&sent))).unwrap();
        assert_eq!((node, events.len()), (42, 1));
        assert_eq!((events[0].seq, &events[0].event), (7, &sent.event));
        assert!(decode_committed(b"{\"node\": 1}").is_err());
        assert!(decode_committed(b"not json").is_err());
    }
}
