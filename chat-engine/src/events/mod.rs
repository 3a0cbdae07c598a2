//! Events and sessions: every committed change becomes an [`EventEnvelope`] with a global,
//! increasing sequence number, serialized once; a [`Session`] streams the envelopes its user
//! may see, and can resume from a sequence number out of the persisted log.

mod ready;
mod session;

use serde::{Deserialize, Serialize};

pub use session::Session;

use crate::id::{ChannelId, ServerId, UserId};
use crate::model::Event;

/// Who may receive an event: the listed users, and, when a server is named, its members who
/// can view the named channel (or all its members when no channel is named), and the members
/// of any of `servers`; never `exclude`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Audience {
    /// A channel whose viewers receive it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<ChannelId>,
    /// A user who never receives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude: Option<UserId>,
    /// A server whose members receive it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_id: Option<ServerId>,
    /// Servers whose members all receive it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<ServerId>,
    /// Users who receive it regardless.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<UserId>,
}

impl Audience {
    /// Every member of a server.
    pub fn server(server: ServerId) -> Self {
        Self {
            server_id: Some(server),
            ..Self::default()
        }
    }

    /// Those who can view a channel: its server's members with VIEW_CHANNEL, or the
    /// recipients of a DM.
    pub fn channel(server: Option<ServerId>, channel: ChannelId, recipients: &[UserId]) -> Self {
        Self {
            server_id: server,
            channel_id: Some(channel),
            users: recipients.to_vec(),
            ..Self::default()
        }
    }

    /// Exactly these users.
    pub fn users(users: Vec<UserId>) -> Self {
        Self {
            users,
            ..Self::default()
        }
    }

    /// The members of any of these servers.
    pub fn servers(servers: Vec<ServerId>) -> Self {
        Self {
            servers,
            ..Self::default()
        }
    }

    /// Keeps a user from receiving the event.
    #[must_use]
    pub fn except(mut self, user: UserId) -> Self {
        self.exclude = Some(user);
        self
    }

    /// Adds a user who receives the event regardless.
    #[must_use]
    pub fn and_user(mut self, user: UserId) -> Self {
        self.users.push(user);
        self
    }
}

/// A committed event with its sequence number and its gateway frame.
#[derive(Debug, Clone, PartialEq)]
pub struct EventEnvelope {
    /// Who may receive it.
    pub audience: Audience,
    /// Whether it is live only (presence, typing, voice): not stored, not replayed, and
    /// carrying the sequence number of the last stored event.
    pub ephemeral: bool,
    /// The event.
    pub event: Event,
    /// Its dispatch frame, `{"op":0,"s":..,"t":..,"d":..}`, serialized once for every
    /// recipient.
    pub frame: String,
    /// Its global sequence number; later events have larger ones.
    pub seq: u64,
}

impl EventEnvelope {
    pub(crate) fn new(seq: u64, event: Event, audience: Audience) -> Self {
        let body = serde_json::to_string(&event).expect("events always serialize");
        // `body` is `{"t":..,"d":..}`; the frame puts op and s in front of it.
        let frame = format!("{{\"op\":0,\"s\":{seq},{}", &body[1..]);
        Self {
            audience,
            ephemeral: false,
            event,
            frame,
            seq,
        }
    }

    pub(crate) fn ephemeral(seq: u64, event: Event, audience: Audience) -> Self {
        Self {
            ephemeral: true,
            ..Self::new(seq, event, audience)
        }
    }

    /// The log record: the audience and the event, or for a new message (which the messages
    /// table holds) the audience and where the message is.
    pub(crate) fn stored_bytes(&self) -> Vec<u8> {
        let audience = serde_json::to_string(&self.audience).expect("audiences always serialize");
        if let Event::MessageCreate(message) = &self.event {
            let (channel, id) = (message.channel_id, message.id);
            return format!(
                "{{\"audience\":{audience},\"message\":{{\"channel_id\":\"{channel}\",\"id\":\"{id}\"}}}}"
            )
            .into_bytes();
        }
        let body = &self.frame[self.frame.find(",\"t\"").map_or(0, |i| i + 1)..];
        format!("{{\"audience\":{audience},\"event\":{{{body}}}").into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::Id;
    use crate::model::ServerDelete;
    use crate::store::StoredEvent;

    #[test]
    fn frames_and_log_records_share_one_serialization() {
        let id = Id::from_ulid(ulid::Ulid::from_parts(1, 2));
        let event = Event::ServerDelete(ServerDelete { id });
        let envelope = EventEnvelope::new(7, event.clone(), Audience::server(id));
        let frame: serde_json::Value = serde_json::from_str(&envelope.frame).unwrap();
        assert_eq!(frame["op"], 0);
        assert_eq!(frame["s"], 7);
        assert_eq!(frame["t"], "SERVER_DELETE");
        assert_eq!(frame["d"]["id"], id.to_string());
        let stored: StoredEvent = serde_json::from_slice(&envelope.stored_bytes()).unwrap();
        assert_eq!(stored.event, event);
        assert_eq!(stored.audience, Audience::server(id));
    }
}
