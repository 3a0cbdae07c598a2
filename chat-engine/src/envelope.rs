//! The event's one home: an [`EventEnvelope`] (a committed event, who may receive it and its
//! sequence number) and the event's two encodings, both serde types written and read only
//! here: the gateway dispatch [`Frame`], serialized once and shared as bytes by every
//! recipient, and the event log record that resume and the search indexer replay.

use std::borrow::Cow;
use std::sync::OnceLock;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::error::{Result, StorageError};
use crate::id::{ChannelId, MessageId, ServerId, UserId};
use crate::model::Event;
use crate::model::gateway::Intents;

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

/// A dispatch frame, `{"op":0,"s":..,"t":..,"d":..}`: UTF-8 JSON, serialized once; cloning it
/// shares the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame(Bytes);

impl Frame {
    /// The JSON text as bytes (always UTF-8).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, shared: cloning them copies nothing.
    pub fn bytes(&self) -> Bytes {
        self.0.clone()
    }
}

/// The dispatch frame as serde sees it: the opcode and sequence number beside the event's
/// `t` and `d`.
#[derive(Serialize)]
struct Dispatch<'a> {
    op: u8,
    s: u64,
    #[serde(flatten)]
    event: &'a Event,
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
    /// Its dispatch frame, serialized once for every recipient.
    pub frame: Frame,
    /// The gateway intent a session needs to receive it (empty: every session gets it).
    pub intent: Intents,
    /// Its global sequence number; later events have larger ones.
    pub seq: u64,
    /// The frame with a message's content left out, made once for the first session that
    /// lacks MESSAGE_CONTENT.
    without_content: OnceLock<Frame>,
}

impl EventEnvelope {
    /// A stored event as committed.
    pub(crate) fn new(seq: u64, event: Event, audience: Audience) -> Self {
        let dispatch = Dispatch {
            op: 0,
            s: seq,
            event: &event,
        };
        let frame = Frame(
            serde_json::to_vec(&dispatch)
                .expect("events always serialize")
                .into(),
        );
        let in_server = audience.server_id.is_some() || !audience.servers.is_empty();
        Self {
            intent: Intents::required_by(&event, in_server),
            audience,
            ephemeral: false,
            event,
            frame,
            seq,
            without_content: OnceLock::new(),
        }
    }

    /// The frame a session sees: without a server message's content when the session asked
    /// for intents without MESSAGE_CONTENT, unless the message is the user's own or mentions
    /// them (Discord's rule); the shared frame otherwise.
    pub fn frame_for(&self, user: UserId, intents: Option<Intents>) -> &Frame {
        if intents.is_none_or(|i| i.contains(Intents::MESSAGE_CONTENT)) {
            return &self.frame;
        }
        let (Event::MessageCreate(message) | Event::MessageUpdate(message)) = &self.event else {
            return &self.frame;
        };
        if message.author_id == user
            || message.mentions.contains(&user)
            || self.audience.server_id.is_none()
        {
            return &self.frame;
        }
        self.without_content.get_or_init(|| {
            let mut bare = message.clone();
            bare.content.clear();
            bare.content_html.clear();
            bare.embeds.clear();
            bare.attachments.clear();
            let event = match &self.event {
                Event::MessageCreate(_) => Event::MessageCreate(bare),
                _ => Event::MessageUpdate(bare),
            };
            Self::new(self.seq, event, Audience::default()).frame
        })
    }

    /// A live-only event.
    pub(crate) fn ephemeral(seq: u64, event: Event, audience: Audience) -> Self {
        Self {
            ephemeral: true,
            ..Self::new(seq, event, audience)
        }
    }

    /// The log record: the audience and the event, or for a new message (which the messages
    /// table holds) the audience and where the message is.
    pub(crate) fn log_record(&self) -> Vec<u8> {
        let (event, message) = match &self.event {
            Event::MessageCreate(m) => (
                None,
                Some(MessageRef {
                    channel_id: m.channel_id,
                    id: m.id,
                }),
            ),
            other => (Some(Cow::Borrowed(other)), None),
        };
        let record = LogRecord {
            audience: Cow::Borrowed(&self.audience),
            event,
            message,
        };
        serde_json::to_vec(&record).expect("log records always serialize")
    }
}

/// Where a new message is kept: a log record names it instead of copying it (writing it
/// twice cost a tenth of the durable send rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MessageRef {
    /// Its channel.
    pub(crate) channel_id: ChannelId,
    /// The message.
    pub(crate) id: MessageId,
}

/// What a log record holds besides its audience.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LogBody {
    /// The event itself.
    Event(Box<Event>),
    /// A `MESSAGE_CREATE` of the message stored here.
    Message(MessageRef),
}

/// The log record as serde sees it, borrowed to write and owned when read.
#[derive(Serialize, Deserialize)]
struct LogRecord<'a> {
    audience: Cow<'a, Audience>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event: Option<Cow<'a, Event>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<MessageRef>,
}

/// Decodes a log record written by [`EventEnvelope::log_record`].
pub(crate) fn decode_log_record(bytes: &[u8]) -> Result<(Audience, LogBody)> {
    let record: LogRecord<'static> = serde_json::from_slice(bytes)
        .map_err(|e| StorageError::new(format!("corrupt event log record: {e}")))?;
    let body = match (record.event, record.message) {
        (Some(event), _) => LogBody::Event(Box::new(event.into_owned())),
        (None, Some(message)) => LogBody::Message(message),
        (None, None) => return Err(StorageError::new("corrupt event log record").into()),
    };
    Ok((record.audience.into_owned(), body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::Id;
    use crate::model::{Message, MessageType, ServerDelete};

    fn id<M>(n: u64) -> Id<M> {
        Id::from_ulid(ulid::Ulid::from_parts(n, 2))
    }

    fn message() -> Message {
        let json = serde_json::json!({
            "attachments": [], "author_id": id::<()>(3).to_string(),
            "channel_id": id::<()>(2).to_string(), "content": "hi", "content_html": "<p>hi</p>",
            "created_at": "2026-12-01T00:00:00Z", "edited_at": null, "embeds": [],
            "id": id::<()>(4).to_string(), "is_edited": false, "is_pinned": false,
            "mention_everyone": false, "mention_roles": [], "mentions": [], "nonce": null,
            "reactions": [], "reply_to_id": null, "thread_id": null, "type": "default"
        });
        let message: Message = serde_json::from_value(json).unwrap();
        assert_eq!(message.kind, MessageType::Default);
        message
    }

    #[test]
    fn frames_carry_op_seq_type_and_data() {
        let event = Event::ServerDelete(ServerDelete { id: id(1) });
        let envelope = EventEnvelope::new(7, event, Audience::server(id(1)));
        let text = std::str::from_utf8(envelope.frame.as_bytes()).unwrap();
        assert!(
            text.starts_with(r#"{"op":0,"s":7,"t":"SERVER_DELETE","d":"#),
            "{text}"
        );
        let frame: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(frame["d"]["id"], id::<()>(1).to_string());
        let shared = envelope.frame.bytes();
        assert_eq!(
            shared.as_ptr(),
            envelope.frame.as_bytes().as_ptr(),
            "no copy"
        );
    }

    #[test]
    fn log_records_round_trip() {
        let audience = Audience::channel(Some(id(1)), id(2), &[id(9)]).except(id(3));
        let event = Event::ServerDelete(ServerDelete { id: id(1) });
        let envelope = EventEnvelope::new(7, event.clone(), audience.clone());
        let (decoded, body) = decode_log_record(&envelope.log_record()).unwrap();
        assert_eq!(decoded, audience);
        assert_eq!(body, LogBody::Event(Box::new(event)));
    }

    #[test]
    fn a_new_message_is_logged_by_reference() {
        let message = message();
        let envelope = EventEnvelope::new(
            8,
            Event::MessageCreate(message.clone()),
            Audience::default(),
        );
        let record = envelope.log_record();
        assert!(!String::from_utf8_lossy(&record).contains("content_html"));
        let (_, body) = decode_log_record(&record).unwrap();
        let reference = MessageRef {
            channel_id: message.channel_id,
            id: message.id,
        };
        assert_eq!(body, LogBody::Message(reference));
    }

    #[test]
    fn records_of_the_earlier_format_still_decode() {
        let old = format!(
            r#"{{"audience":{{"server_id":"{}"}},"event":{{"t":"SERVER_DELETE","d":{{"id":"{}"}}}}}}"#,
            id::<()>(1),
            id::<()>(1)
        );
        let (audience, body) = decode_log_record(old.as_bytes()).unwrap();
        assert_eq!(audience, Audience::server(id(1)));
        assert_eq!(
            body,
            LogBody::Event(Box::new(Event::ServerDelete(ServerDelete { id: id(1) })))
        );
    }

    #[test]
    fn corrupt_records_are_errors() {
        assert!(decode_log_record(b"{").is_err());
        assert!(decode_log_record(br#"{"audience":{}}"#).is_err());
    }
}
