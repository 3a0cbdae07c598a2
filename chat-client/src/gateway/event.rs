//! What the gateway yields: typed events, with `Unknown` for events this SDK does not know,
//! so that old bots keep working when the server adds new ones.

use chat_engine::model::Event;
use chat_engine::model::gateway::{MembersChunk, Ready};
use serde_json::Value;

/// An event from the gateway.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum GatewayEvent {
    /// The session started (after Identify).
    Ready(Box<Ready>),
    /// A dropped session was resumed; every missed event came before this.
    Resumed,
    /// A change, with its sequence number.
    Dispatch {
        /// The sequence number.
        seq: u64,
        /// The event.
        event: Box<Event>,
    },
    /// The answer to a member request.
    MembersChunk(Box<MembersChunk>),
    /// The connection dropped; the client reconnects after `after` and resumes.
    Reconnecting {
        /// How many attempts in a row.
        attempt: u32,
        /// The wait before the attempt.
        after: std::time::Duration,
    },
    /// An event this SDK does not know yet.
    Unknown {
        /// The dispatch name.
        name: String,
        /// Its payload.
        data: Value,
        /// Its sequence number.
        seq: u64,
    },
}

/// Decodes a dispatch; anything the SDK does not recognise becomes `Unknown`.
pub(crate) fn decode(name: &str, seq: u64, data: Value) -> GatewayEvent {
    let tagged = serde_json::json!({ "t": name, "d": data });
    match serde_json::from_value::<Event>(tagged) {
        Ok(event) => GatewayEvent::Dispatch {
            seq,
            event: Box::new(event),
        },
        Err(_) => GatewayEvent::Unknown {
            name: name.to_owned(),
            data,
            seq,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_events_are_kept_not_fatal() {
        let event = decode("FANCY_NEW_EVENT", 7, serde_json::json!({ "x": 1 }));
        assert_eq!(
            event,
            GatewayEvent::Unknown {
                name: "FANCY_NEW_EVENT".into(),
                data: serde_json::json!({ "x": 1 }),
                seq: 7
            }
        );
        let known = decode(
            "SERVER_DELETE",
            8,
            serde_json::json!({ "id": "01ARZ3NDEKTSV4RRFFQ69G5FAV" }),
        );
        assert!(matches!(known, GatewayEvent::Dispatch { seq: 8, .. }));
        // A known name with a payload of an unexpected shape is kept too.
        assert!(matches!(
            decode("SERVER_DELETE", 9, serde_json::json!(3)),
            GatewayEvent::Unknown { .. }
        ));
    }
}
