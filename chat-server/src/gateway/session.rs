//! The gateway protocol as a state machine without I/O: it decodes frames, enforces the
//! order of the lifecycle (identify or resume first, once) and heartbeats, and tells the
//! connection what to do.

use std::time::{Duration, Instant};

use chat_engine::model::gateway::{
    CloseCode, Frame, Hello, Identify, OpCode, RequestMembers, Resume,
};
use chat_engine::model::{UpdatePresence, UpdateVoiceState};
use serde::de::DeserializeOwned;

/// What the connection must do after a frame or a tick.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Command {
    /// Send this frame.
    Send(Frame),
    /// Close the socket with this code.
    Close(CloseCode),
    /// Authenticate and start a session.
    Identify(Identify),
    /// Authenticate and resume a session.
    Resume(Resume),
    /// Change the device's presence.
    UpdatePresence(UpdatePresence),
    /// Join, leave or change voice.
    UpdateVoice(UpdateVoiceState),
    /// Send a chunk of members.
    RequestMembers(RequestMembers),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    AwaitingIdentify,
    Active,
    Closed,
}

/// The protocol state of one connection.
#[derive(Debug)]
pub(crate) struct Protocol {
    phase: Phase,
    heartbeat_interval: Duration,
    last_heartbeat: Instant,
}

impl Protocol {
    /// A new connection and the Hello to greet it with, serialized (the connection keeps
    /// its text until it is sent, not a JSON tree for as long as it lives).
    pub(crate) fn new(heartbeat_interval: Duration, now: Instant) -> (Self, String) {
        let hello = Frame::new(
            OpCode::Hello,
            Hello {
                heartbeat_interval: heartbeat_interval.as_millis() as u64,
            },
        )
        .to_text();
        (
            Self {
                phase: Phase::AwaitingIdentify,
                heartbeat_interval,
                last_heartbeat: now,
            },
            hello,
        )
    }

    /// Identify or resume succeeded.
    pub(crate) fn activate(&mut self) {
        if self.phase == Phase::AwaitingIdentify {
            self.phase = Phase::Active;
        }
    }

    /// The session was invalidated: the client must identify anew.
    pub(crate) fn invalidate(&mut self) {
        if self.phase != Phase::Closed {
            self.phase = Phase::AwaitingIdentify;
        }
    }

    /// A text frame arrived.
    pub(crate) fn on_text(&mut self, text: &str, now: Instant) -> Command {
        let Ok(frame) = serde_json::from_str::<Frame>(text) else {
            return self.close(CloseCode::DecodeError);
        };
        let Some(op) = OpCode::from_u8(frame.op) else {
            return self.close(CloseCode::UnknownOpcode);
        };
        match op {
            OpCode::Heartbeat => {
                self.last_heartbeat = now;
                Command::Send(Frame {
                    d: None,
                    op: OpCode::HeartbeatAck as u8,
                    s: None,
                    t: None,
                })
            }
            OpCode::Identify | OpCode::Resume if self.phase == Phase::Active => {
                self.close(CloseCode::AlreadyAuthenticated)
            }
            OpCode::Identify => self.decode(frame.d, Command::Identify),
            OpCode::Resume => self.decode(frame.d, Command::Resume),
            OpCode::PresenceUpdate | OpCode::VoiceStateUpdate | OpCode::RequestMembers
                if self.phase != Phase::Active =>
            {
                self.close(CloseCode::NotAuthenticated)
            }
            OpCode::PresenceUpdate => self.decode(frame.d, Command::UpdatePresence),
            OpCode::VoiceStateUpdate => self.decode(frame.d, Command::UpdateVoice),
            OpCode::RequestMembers => self.decode(frame.d, Command::RequestMembers),
            OpCode::Dispatch
            | OpCode::Reconnect
            | OpCode::InvalidSession
            | OpCode::Hello
            | OpCode::HeartbeatAck => self.close(CloseCode::UnknownOpcode),
        }
    }

    /// Time passed: a client that sent no heartbeat in 1.5 intervals is a zombie.
    pub(crate) fn on_tick(&mut self, now: Instant) -> Option<Command> {
        let deadline = self.heartbeat_interval.mul_f64(1.5);
        (self.phase != Phase::Closed && now.duration_since(self.last_heartbeat) > deadline)
            .then(|| self.close(CloseCode::SessionTimedOut))
    }

    fn decode<T: DeserializeOwned>(
        &mut self,
        d: Option<serde_json::Value>,
        make: fn(T) -> Command,
    ) -> Command {
        match d.map(serde_json::from_value::<T>) {
            Some(Ok(payload)) => make(payload),
            _ => self.close(CloseCode::DecodeError),
        }
    }

    fn close(&mut self, code: CloseCode) -> Command {
        self.phase = Phase::Closed;
        Command::Close(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTERVAL: Duration = Duration::from_secs(10);

    fn protocol() -> (Protocol, Instant) {
        let now = Instant::now();
        (Protocol::new(INTERVAL, now).0, now)
    }

    #[test]
    fn hello_carries_the_interval() {
        let (_, hello) = Protocol::new(INTERVAL, Instant::now());
        let hello: serde_json::Value = serde_json::from_str(&hello).unwrap();
        assert_eq!(hello["op"], 10);
        assert_eq!(hello["d"]["heartbeat_interval"], 10_000);
    }

    #[test]
    fn identify_then_active_and_not_twice() {
        let (mut p, now) = protocol();
        let command = p.on_text(r#"{"op":2,"d":{"token":"t"}}"#, now);
        assert!(matches!(command, Command::Identify(Identify { ref token, .. }) if token == "t"));
        p.activate();
        assert_eq!(
            p.on_text(r#"{"op":2,"d":{"token":"t"}}"#, now),
            Command::Close(CloseCode::AlreadyAuthenticated)
        );
    }

    #[test]
    fn bad_frames_get_their_close_codes() {
        let cases = [
            ("not json", CloseCode::DecodeError),
            (r#"{"op":5}"#, CloseCode::UnknownOpcode),
            (r#"{"op":0,"d":{}}"#, CloseCode::UnknownOpcode),
            (r#"{"op":2}"#, CloseCode::DecodeError),
            (r#"{"op":2,"d":{"token":7}}"#, CloseCode::DecodeError),
            (
                r#"{"op":3,"d":{"status":"online"}}"#,
                CloseCode::NotAuthenticated,
            ),
            (r#"{"op":8,"d":{}}"#, CloseCode::NotAuthenticated),
        ];
        for (text, code) in cases {
            let (mut p, now) = protocol();
            assert_eq!(p.on_text(text, now), Command::Close(code), "{text}");
        }
    }

    #[test]
    fn heartbeats_are_acked_and_their_absence_times_out() {
        let (mut p, now) = protocol();
        assert!(p.on_tick(now + INTERVAL).is_none());
        let ack = p.on_text(r#"{"op":1,"d":null}"#, now + INTERVAL);
        assert!(matches!(ack, Command::Send(Frame { op: 11, .. })));
        assert!(
            p.on_tick(now + INTERVAL * 2).is_none(),
            "the heartbeat reset the clock"
        );
        assert_eq!(
            p.on_tick(now + INTERVAL * 3),
            Some(Command::Close(CloseCode::SessionTimedOut))
        );
    }

    #[test]
    fn after_an_invalid_session_the_client_identifies_again() {
        let (mut p, now) = protocol();
        p.on_text(
            r#"{"op":6,"d":{"token":"t","session_id":"s","seq":3}}"#,
            now,
        );
        p.invalidate();
        assert!(matches!(
            p.on_text(r#"{"op":2,"d":{"token":"t"}}"#, now),
            Command::Identify(_)
        ));
        p.activate();
        assert!(matches!(
            p.on_text(r#"{"op":3,"d":{"status":"idle"}}"#, now),
            Command::UpdatePresence(_)
        ));
    }
}
