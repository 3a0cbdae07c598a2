//! The gateway protocol's wire types: frames, opcodes, close codes and the payloads of Hello,
//! Identify, Resume, READY and Request Members.

use serde::{Deserialize, Serialize};

use super::{Channel, ClientKind, Member, Presence, ReadState, Role, Server, User, VoiceState};
use crate::id::{ServerId, UserId};

/// A gateway frame: `{"op", "t", "d", "s"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    /// The payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d: Option<serde_json::Value>,
    /// The opcode.
    pub op: u8,
    /// The sequence number of a dispatch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s: Option<u64>,
    /// The event name of a dispatch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t: Option<String>,
}

impl Frame {
    /// A frame with an opcode and a payload.
    pub fn new(op: OpCode, d: impl Serialize) -> Self {
        let d = serde_json::to_value(d).expect("gateway payloads always serialize");
        Self {
            d: Some(d),
            op: op as u8,
            s: None,
            t: None,
        }
    }

    /// A dispatch frame.
    pub fn dispatch(t: &str, s: u64, d: impl Serialize) -> Self {
        Self {
            s: Some(s),
            t: Some(t.to_owned()),
            ..Self::new(OpCode::Dispatch, d)
        }
    }

    /// The frame as JSON text.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("frames always serialize")
    }
}

/// Gateway opcodes, as the blueprint numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum OpCode {
    /// Server → client: an event.
    Dispatch = 0,
    /// Client → server: keep-alive, `d` is the last sequence seen.
    Heartbeat = 1,
    /// Client → server: authenticate.
    Identify = 2,
    /// Client → server: change presence.
    PresenceUpdate = 3,
    /// Client → server: join, leave or change voice state.
    VoiceStateUpdate = 4,
    /// Client → server: resume a dropped session.
    Resume = 6,
    /// Server → client: reconnect and resume.
    Reconnect = 7,
    /// Client → server: ask for a server's members.
    RequestMembers = 8,
    /// Server → client: the session cannot be resumed; identify anew.
    InvalidSession = 9,
    /// Server → client: the heartbeat interval.
    Hello = 10,
    /// Server → client: heartbeat acknowledged.
    HeartbeatAck = 11,
}

impl OpCode {
    /// The opcode of a number, if it is one.
    pub const fn from_u8(op: u8) -> Option<Self> {
        Some(match op {
            0 => Self::Dispatch,
            1 => Self::Heartbeat,
            2 => Self::Identify,
            3 => Self::PresenceUpdate,
            4 => Self::VoiceStateUpdate,
            6 => Self::Resume,
            7 => Self::Reconnect,
            8 => Self::RequestMembers,
            9 => Self::InvalidSession,
            10 => Self::Hello,
            11 => Self::HeartbeatAck,
            _ => return None,
        })
    }
}

/// Why the server closed the socket, as Discord numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum CloseCode {
    /// Something went wrong; reconnect.
    UnknownError = 4000,
    /// An unknown opcode was sent.
    UnknownOpcode = 4001,
    /// A frame could not be decoded.
    DecodeError = 4002,
    /// A frame was sent before identifying.
    NotAuthenticated = 4003,
    /// The token was wrong.
    AuthenticationFailed = 4004,
    /// Identify was sent twice.
    AlreadyAuthenticated = 4005,
    /// Resume named an invalid sequence.
    InvalidSeq = 4007,
    /// Frames were sent too fast.
    RateLimited = 4008,
    /// No heartbeat came in time.
    SessionTimedOut = 4009,
}

impl CloseCode {
    /// The close code of a number, if it is one.
    pub const fn from_u16(code: u16) -> Option<Self> {
        Some(match code {
            4000 => Self::UnknownError,
            4001 => Self::UnknownOpcode,
            4002 => Self::DecodeError,
            4003 => Self::NotAuthenticated,
            4004 => Self::AuthenticationFailed,
            4005 => Self::AlreadyAuthenticated,
            4007 => Self::InvalidSeq,
            4008 => Self::RateLimited,
            4009 => Self::SessionTimedOut,
            _ => return None,
        })
    }

    /// Whether a client may reconnect (and resume) after it; not after a bad token.
    pub const fn can_reconnect(self) -> bool {
        !matches!(self, Self::AuthenticationFailed)
    }

    /// A short reason sent with the close frame.
    pub const fn reason(self) -> &'static str {
        match self {
            Self::UnknownError => "unknown error",
            Self::UnknownOpcode => "unknown opcode",
            Self::DecodeError => "decode error",
            Self::NotAuthenticated => "not authenticated",
            Self::AuthenticationFailed => "authentication failed",
            Self::AlreadyAuthenticated => "already authenticated",
            Self::InvalidSeq => "invalid seq",
            Self::RateLimited => "rate limited",
            Self::SessionTimedOut => "session timed out",
        }
    }
}

/// Where the gateway is (`GET /api/v1/gateway`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GatewayUrl {
    /// A `ws://` or `wss://` URL.
    pub url: String,
}

/// Payload of Hello (op 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// Milliseconds between heartbeats.
    pub heartbeat_interval: u64,
}

bitflags::bitflags! {
    /// The groups of events a gateway session asks for (Identify's `intents`, Discord's bits).
    /// A session that names none gets every event.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct Intents: u64 {
        /// Servers, channels, categories, roles and threads coming, changing and going.
        const GUILDS = 1 << 0;
        /// Members joining, changing and leaving; thread members.
        const GUILD_MEMBERS = 1 << 1;
        /// Invites made and deleted.
        const GUILD_INVITES = 1 << 6;
        /// Voice states.
        const GUILD_VOICE_STATES = 1 << 7;
        /// Presences.
        const GUILD_PRESENCES = 1 << 8;
        /// Messages in servers.
        const GUILD_MESSAGES = 1 << 9;
        /// Reactions in servers.
        const GUILD_MESSAGE_REACTIONS = 1 << 10;
        /// Typing in servers.
        const GUILD_MESSAGE_TYPING = 1 << 11;
        /// DMs and group DMs: their channels and messages.
        const DIRECT_MESSAGES = 1 << 12;
        /// Reactions in DMs.
        const DIRECT_MESSAGE_REACTIONS = 1 << 13;
        /// Typing in DMs.
        const DIRECT_MESSAGE_TYPING = 1 << 14;
        /// The content of server messages that neither mention the user nor are theirs
        /// (without it, `content`, `content_html`, `embeds` and `attachments` come empty).
        const MESSAGE_CONTENT = 1 << 15;
    }
}

impl Intents {
    /// The intent a session needs to receive an event (empty: every session gets it);
    /// `in_server` says whether the event happened in a server rather than in a DM.
    pub fn required_by(event: &super::Event, in_server: bool) -> Self {
        use super::Event as E;
        let (server, dm) = match event {
            E::ServerCreate(_)
            | E::ServerDelete(_)
            | E::ServerUpdate(_)
            | E::CategoryCreate(_)
            | E::CategoryDelete(_)
            | E::CategoryUpdate(_)
            | E::RoleCreate(_)
            | E::RoleDelete(_)
            | E::RoleUpdate(_)
            | E::ThreadCreate(_)
            | E::ThreadDelete(_)
            | E::ThreadUpdate(_)
            | E::ChannelCreate(_)
            | E::ChannelDelete(_)
            | E::ChannelUpdate(_) => (Self::GUILDS, Self::DIRECT_MESSAGES),
            E::MemberAdd(_)
            | E::MemberRemove(_)
            | E::MemberUpdate(_)
            | E::ThreadMembersUpdate(_) => (Self::GUILD_MEMBERS, Self::empty()),
            E::InviteCreate(_) | E::InviteDelete(_) => (Self::GUILD_INVITES, Self::empty()),
            E::VoiceStateUpdate(_) => (Self::GUILD_VOICE_STATES, Self::empty()),
            E::PresenceUpdate(_) => (Self::GUILD_PRESENCES, Self::GUILD_PRESENCES),
            E::MessageCreate(_)
            | E::MessageUpdate(_)
            | E::MessageDelete(_)
            | E::MessageDeleteBulk(_) => (Self::GUILD_MESSAGES, Self::DIRECT_MESSAGES),
            E::MessageReactionAdd(_) | E::MessageReactionRemove(_) => (
                Self::GUILD_MESSAGE_REACTIONS,
                Self::DIRECT_MESSAGE_REACTIONS,
            ),
            E::TypingStart(_) => (Self::GUILD_MESSAGE_TYPING, Self::DIRECT_MESSAGE_TYPING),
            _ => (Self::empty(), Self::empty()),
        };
        if in_server { server } else { dm }
    }
}

impl Serialize for Intents {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.bits())
    }
}

impl<'de> Deserialize<'de> for Intents {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        u64::deserialize(deserializer).map(Self::from_bits_retain)
    }
}

/// Payload of Identify (op 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identify {
    /// The kind of client, for presence.
    #[serde(default)]
    pub client: super::ClientKind,
    /// The events the session asks for; without it, every event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intents: Option<Intents>,
    /// An access or bot token.
    pub token: String,
}

/// Payload of Resume (op 6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resume {
    /// The kind of client, for presence; without it, the kind the session identified with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientKind>,
    /// The last sequence number the client saw.
    pub seq: u64,
    /// The session to resume.
    pub session_id: String,
    /// An access or bot token of the same user.
    pub token: String,
}

/// Payload of Request Members (op 8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestMembers {
    /// How many members (1 to 1,000; default 100).
    #[serde(default)]
    pub limit: Option<usize>,
    /// The server.
    pub server_id: ServerId,
    /// Members with ids after this one.
    #[serde(default)]
    pub after: Option<UserId>,
}

/// Payload of the `MEMBERS_CHUNK` dispatch that answers Request Members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembersChunk {
    /// The members.
    pub members: Vec<Member>,
    /// Their presences (online ones only).
    pub presences: Vec<Presence>,
    /// The server.
    pub server_id: ServerId,
}

/// A server as READY describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadyServer {
    /// The channels the user can view.
    pub channels: Vec<Channel>,
    /// The user's membership.
    pub member: Member,
    /// Presences of its online members.
    pub presences: Vec<Presence>,
    /// Its roles.
    pub roles: Vec<Role>,
    /// The server.
    #[serde(flatten)]
    pub server: Server,
    /// Who is in voice.
    pub voice_states: Vec<VoiceState>,
}

/// Payload of the `READY` dispatch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ready {
    /// The user's DMs and group DMs.
    pub private_channels: Vec<Channel>,
    /// Read states of every channel the user can view, with unread and mention counts.
    pub read_states: Vec<ReadState>,
    /// The user's servers.
    pub servers: Vec<ReadyServer>,
    /// The gateway session, for resuming.
    pub session_id: String,
    /// The user.
    pub user: User,
}
