//! The live state of the other nodes of a community, as they tell it through the broker.
//!
//! Each node owns its devices and voice states and tells the others of every change (a
//! [`Signal`]), and of all it holds whenever it hears a node it did not know. Every
//! [`HEARTBEAT`] it sends a digest of its devices and voice states: a node whose copy has
//! another digest (it missed a change: the broker drops what it cannot deliver) asks for all
//! it holds. So a heartbeat costs the same however many users a node has; every
//! [`FULL_EVERY`]th heartbeat still carries everything, for the users' choices (status,
//! custom status), which any node may change and the newest of which wins. Nodes of a
//! release before the digests get everything every heartbeat, as they expect. What a node
//! has not repeated for three heartbeats (it died, or the broker lost it) is dropped, and
//! its users go offline and leave voice as if they had disconnected.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::{Realtime, UserPresence, presence_changes};
use crate::envelope::Audience;
use crate::id::{ServerId, UserId};
use crate::model::{
    Activity, ClientKind, Event, Member, Status, Timestamp, TypingIndicator, VoiceState,
};

/// How often a node tells the others all it holds.
pub(crate) const HEARTBEAT: Duration = Duration::from_secs(10);
/// How long a node's state lasts without being repeated.
const FORGET_AFTER: Duration = Duration::from_secs(30);
/// Every how many heartbeats a node tells all it holds, not only its digest.
pub(crate) const FULL_EVERY: u64 = 6;

/// One node's part of a user's presence: the devices connected to it, and the user's
/// choices as that node knows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct NodePresence {
    pub(crate) user: UserId,
    /// Each device's kind and whether it is idle.
    pub(crate) devices: Vec<(ClientKind, bool)>,
    pub(crate) chosen: Option<Status>,
    pub(crate) custom_status: String,
    pub(crate) activities: Vec<Activity>,
    pub(crate) chosen_at: i64,
    /// The node the choices were made on (absent from nodes of an older release).
    #[serde(default)]
    pub(crate) chosen_on: u64,
    pub(crate) last_seen_at: Option<Timestamp>,
    /// Who hears of the user's presence.
    pub(crate) audience: Audience,
}

impl NodePresence {
    /// This node's part of a user's presence.
    pub(crate) fn of(user: UserId, presence: &UserPresence) -> Self {
        Self {
            user,
            devices: presence.device_kinds(),
            chosen: presence.chosen,
            custom_status: presence.custom_status.clone(),
            activities: presence.activities.clone(),
            chosen_at: presence.chosen_at,
            chosen_on: presence.chosen_on,
            last_seen_at: presence.last_seen_at,
            audience: presence.listeners.audience(user),
        }
    }
}

/// A change of one node's live state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Signal {
    /// A user's presence on the node changed.
    Presence(NodePresence),
    /// A user started typing.
    Typing(TypingIndicator, Audience),
    /// A user of the node joined, moved in or left voice (`channel_id` empty).
    Voice(VoiceState),
    /// A moderator changed a membership (`None`: the user is gone): the node the user is
    /// in voice through refreshes their voice state.
    VoiceRefresh {
        server: ServerId,
        user: UserId,
        member: Option<Member>,
    },
    /// Everything the node holds: its users with devices, and its voice states.
    State {
        presences: Vec<NodePresence>,
        voice: Vec<VoiceState>,
    },
    /// The heartbeat: the digest of the node's devices and voice states ([`digest`]).
    Digest(u64),
    /// The node with this id is asked for everything it holds (another's copy went stale).
    Ask(u64),
}

/// A signal with the node it comes from, as it goes over the broker.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Shared {
    pub(crate) node: u64,
    pub(crate) signal: Signal,
    /// Whether the node's heartbeats may be digests (false from a release before them).
    #[serde(default)]
    pub(crate) digests: bool,
}

/// What another node holds, as it last told it.
#[derive(Debug)]
pub(crate) struct Remote {
    heard: Instant,
    /// Whether it takes digests for heartbeats.
    digests: bool,
    pub(crate) presences: HashMap<UserId, NodePresence>,
    pub(crate) voice: HashMap<(ServerId, UserId), VoiceState>,
}

/// The digest of a node's devices (by user) and voice states, in any order: the first eight
/// bytes of the SHA-256 of their JSON, sorted by user (a hash every build computes alike).
fn digest<'a>(
    devices: impl Iterator<Item = (UserId, Vec<(ClientKind, bool)>)>,
    voice: impl Iterator<Item = &'a VoiceState>,
) -> u64 {
    let mut devices: Vec<(UserId, Vec<(ClientKind, bool)>)> = devices.collect();
    devices.sort_unstable_by_key(|(user, _)| *user);
    let mut voice: Vec<&VoiceState> = voice.collect();
    voice.sort_unstable_by_key(|v| (v.server_id, v.user_id));
    let json = serde_json::to_vec(&(devices, voice)).unwrap_or_default();
    let hash = Sha256::digest(&json);
    let mut first = [0; 8];
    first.copy_from_slice(&hash[..8]);
    u64::from_le_bytes(first)
}

/// The events that tell a node's sessions of a live change.
pub(crate) type Changes = Vec<(Event, Audience)>;

/// What taking in a signal brought about.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    /// The events for this node's sessions.
    pub(crate) changes: Changes,
    /// What this node tells the others in answer: all it holds, to a node it did not know
    /// or that asked; a voice state it refreshed; a request for all a node holds, when this
    /// node's copy of it has another digest.
    pub(crate) answers: Vec<Signal>,
}

impl Realtime {
    /// Everything this node holds, for the others.
    pub(crate) fn state(&self) -> Signal {
        Signal::State {
            presences: self
                .users
                .iter()
                .filter(|(_, p)| !p.devices.is_empty())
                .map(|(user, p)| NodePresence::of(*user, p))
                .collect(),
            voice: self
                .voice
                .values()
                .flat_map(HashMap::values)
                .cloned()
                .collect(),
        }
    }

    /// What this node tells the others at its `beat`th heartbeat: the digest of its devices
    /// and voice states, or all it holds every [`FULL_EVERY`]th time and while a node of an
    /// earlier release listens.
    pub(crate) fn heartbeat(&self, beat: u64) -> Signal {
        if beat.is_multiple_of(FULL_EVERY) || !self.nodes.values().all(|n| n.digests) {
            return self.state();
        }
        let devices = self
            .users
            .iter()
            .filter(|(_, p)| !p.devices.is_empty())
            .map(|(user, p)| (*user, p.device_kinds()));
        Signal::Digest(digest(
            devices,
            self.voice.values().flat_map(HashMap::values),
        ))
    }

    /// Takes in another node's signal; `me` is this node's id.
    pub(crate) fn apply(&mut self, me: u64, shared: Shared, now: Instant) -> Applied {
        let Shared {
            node,
            signal,
            digests,
        } = shared;
        let new = !self.nodes.contains_key(&node);
        let remote = self.nodes.entry(node).or_insert_with(|| Remote {
            heard: now,
            digests,
            presences: HashMap::new(),
            voice: HashMap::new(),
        });
        remote.heard = now;
        remote.digests = digests;
        let mut changes = Vec::new();
        let mut answers = Vec::new();
        match signal {
            Signal::Presence(presence) => self.set_presence(node, presence, &mut changes),
            Signal::Typing(typing, audience) => {
                changes.push((Event::TypingStart(typing), audience));
            }
            Signal::Voice(state) => self.set_voice(node, state, &mut changes),
            Signal::VoiceRefresh {
                server,
                user,
                member,
            } => {
                if let Some(state) = self.refresh_voice(server, user, member.as_ref()) {
                    let audience = Audience::server(server);
                    changes.push((Event::VoiceStateUpdate(state.clone()), audience));
                    answers.push(Signal::Voice(state));
                }
            }
            Signal::State { presences, voice } => {
                let told: Vec<UserId> = presences.iter().map(|p| p.user).collect();
                for presence in presences {
                    self.set_presence(node, presence, &mut changes);
                }
                let gone = self.nodes.get(&node).map_or_else(Vec::new, |n| {
                    n.presences
                        .values()
                        .filter(|p| !told.contains(&p.user))
                        .map(|p| NodePresence {
                            devices: Vec::new(),
                            ..p.clone()
                        })
                        .collect()
                });
                for presence in gone {
                    self.set_presence(node, presence, &mut changes);
                }
                self.replace_voice(node, voice, &mut changes);
            }
            Signal::Digest(heard) => {
                let copy = &self.nodes[&node];
                let devices = copy.presences.values().map(|p| (p.user, p.devices.clone()));
                if digest(devices, copy.voice.values()) != heard {
                    tracing::debug!(node, "a node's live state went stale here; asking for it");
                    answers.push(Signal::Ask(node));
                }
            }
            Signal::Ask(asked) => {
                if asked == me && !new {
                    answers.push(self.state());
                }
            }
        }
        if new {
            tracing::info!(node, "a node joined the community");
            answers.push(self.state());
        }
        Applied { changes, answers }
    }

    /// Forgets the nodes not heard from for a while: their users go offline (unless
    /// connected elsewhere) and leave voice.
    pub(crate) fn forget_silent(&mut self, now: Instant) -> Changes {
        let silent: Vec<u64> = self
            .nodes
            .iter()
            .filter(|(_, n)| now.duration_since(n.heard) > FORGET_AFTER)
            .map(|(node, _)| *node)
            .collect();
        let mut changes = Vec::new();
        for node in silent {
            tracing::info!(node, "a node fell silent; forgetting its live state");
            let nothing = Shared {
                node,
                signal: Signal::State {
                    presences: Vec::new(),
                    voice: Vec::new(),
                },
                digests: true,
            };
            let forgotten = self.apply(0, nothing, now);
            changes.extend(forgotten.changes);
            self.nodes.remove(&node);
        }
        changes
    }

    /// Sets a node's part of a user's presence (none without devices) and the user's
    /// choices, announcing the change.
    fn set_presence(&mut self, node: u64, presence: NodePresence, changes: &mut Changes) {
        let user = presence.user;
        let before = self.view(user);
        let audience = presence.audience.clone();
        let own = self.users.entry(user).or_default();
        if (presence.chosen_at, presence.chosen_on) > (own.chosen_at, own.chosen_on) {
            own.chosen = presence.chosen;
            own.custom_status.clone_from(&presence.custom_status);
            own.activities.clone_from(&presence.activities);
            own.chosen_at = presence.chosen_at;
            own.chosen_on = presence.chosen_on;
        }
        own.last_seen_at = own.last_seen_at.max(presence.last_seen_at);
        if let Some(remote) = self.nodes.get_mut(&node) {
            if presence.devices.is_empty() {
                remote.presences.remove(&user);
            } else {
                remote.presences.insert(user, presence);
            }
        }
        let after = self.view(user);
        changes.extend(presence_changes(&before, after, &audience));
    }

    /// Sets a node's voice state of a user (none when it left), announcing it.
    fn set_voice(&mut self, node: u64, state: VoiceState, changes: &mut Changes) {
        let Some(remote) = self.nodes.get_mut(&node) else {
            return;
        };
        let key = (state.server_id, state.user_id);
        let news = if state.channel_id.is_some() {
            remote.voice.insert(key, state.clone()).as_ref() != Some(&state)
        } else {
            remote.voice.remove(&key).is_some()
        };
        if news {
            let server = state.server_id;
            changes.push((Event::VoiceStateUpdate(state), Audience::server(server)));
        }
    }

    /// Replaces all of a node's voice states, announcing what changed.
    fn replace_voice(&mut self, node: u64, voice: Vec<VoiceState>, changes: &mut Changes) {
        let known: Vec<VoiceState> = self
            .nodes
            .get(&node)
            .map_or_else(Vec::new, |n| n.voice.values().cloned().collect());
        for mut left in known {
            let still = voice
                .iter()
                .any(|v| v.server_id == left.server_id && v.user_id == left.user_id);
            if !still {
                left.channel_id = None;
                self.set_voice(node, left, changes);
            }
        }
        for state in voice {
            self.set_voice(node, state, changes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ulid::Ulid;

    fn id<M>() -> crate::id::Id<M> {
        crate::id::Id::from_ulid(Ulid::generate())
    }

    fn on_phone(user: UserId, chosen: Option<Status>, chosen_at: i64) -> NodePresence {
        NodePresence {
            user,
            devices: vec![(ClientKind::Mobile, false)],
            chosen,
            custom_status: String::new(),
            activities: Vec::new(),
            chosen_at,
            chosen_on: 0,
            last_seen_at: None,
            audience: Audience::users(vec![user]),
        }
    }

    /// A signal from `node`, of this release.
    fn from(node: u64, signal: Signal) -> Shared {
        Shared {
            node,
            signal,
            digests: true,
        }
    }

    fn voice(user: UserId, server: ServerId) -> VoiceState {
        VoiceState {
            channel_id: Some(id()),
            is_deafened: false,
            is_muted: false,
            self_deaf: false,
            self_mute: false,
            server_id: server,
            user_id: user,
        }
    }

    #[test]
    fn a_silent_node_is_forgotten_with_its_users_and_voice() {
        let (user, server): (UserId, ServerId) = (id(), id());
        let mut live = Realtime::default();
        let start = Instant::now();
        let state = Signal::State {
            presences: vec![on_phone(user, None, 0)],
            voice: vec![voice(user, server)],
        };
        let applied = live.apply(0, from(7, state), start);
        assert_eq!(
            applied.answers.len(),
            1,
            "a new node hears all this one holds"
        );
        assert!(
            applied
                .changes
                .iter()
                .any(|(e, _)| matches!(e, Event::VoiceStateUpdate(_)))
        );
        assert_eq!(live.view(user).status, Status::Online);

        assert!(
            live.forget_silent(start + HEARTBEAT).is_empty(),
            "heard recently"
        );
        let forgotten = live.forget_silent(start + FORGET_AFTER + HEARTBEAT);
        assert_eq!(live.view(user).status, Status::Offline);
        assert!(live.voice_in(server).is_empty());
        assert!(!live.is_connected(user));
        let left = forgotten
            .iter()
            .any(|(e, _)| matches!(e, Event::VoiceStateUpdate(v) if v.channel_id.is_none()));
        let offline = forgotten
            .iter()
            .any(|(e, _)| matches!(e, Event::PresenceUpdate(p) if p.status == Status::Offline));
        assert!(left && offline, "{forgotten:?}");
    }

    #[test]
    fn a_later_choice_wins_over_an_older_heartbeat() {
        let user: UserId = id();
        let mut live = Realtime::default();
        let now = Instant::now();
        live.apply(
            0,
            from(1, Signal::Presence(on_phone(user, Some(Status::Dnd), 20))),
            now,
        );
        assert_eq!(live.view(user).status, Status::Dnd);
        let stale = Signal::State {
            presences: vec![on_phone(user, Some(Status::Online), 10)],
            voice: Vec::new(),
        };
        live.apply(0, from(2, stale), now);
        assert_eq!(
            live.view(user).status,
            Status::Dnd,
            "an older choice is ignored"
        );
        let gone = Signal::State {
            presences: Vec::new(),
            voice: Vec::new(),
        };
        live.apply(0, from(1, gone), now);
        assert_eq!(
            live.view(user).status,
            Status::Dnd,
            "node 2's device remains"
        );
        live.apply(
            0,
            from(
                2,
                Signal::State {
                    presences: Vec::new(),
                    voice: Vec::new(),
                },
            ),
            now,
        );
        assert_eq!(live.view(user).status, Status::Offline);
    }

    #[test]
    fn choices_of_the_same_millisecond_settle_the_same_in_any_order() {
        let user: UserId = id();
        let choice = |status, node| NodePresence {
            chosen_on: node,
            ..on_phone(user, Some(status), 30)
        };
        let now = Instant::now();
        let settled = |first: (u64, NodePresence), second: (u64, NodePresence)| {
            let mut live = Realtime::default();
            live.apply(0, from(first.0, Signal::Presence(first.1)), now);
            live.apply(0, from(second.0, Signal::Presence(second.1)), now);
            live.view(user).status
        };
        let (dnd, online) = ((5, choice(Status::Dnd, 5)), (3, choice(Status::Online, 3)));
        assert_eq!(settled(dnd.clone(), online.clone()), Status::Dnd);
        assert_eq!(
            settled(online, dnd),
            Status::Dnd,
            "the higher node's choice"
        );
    }

    #[test]
    fn a_choice_made_here_is_later_than_any_known_even_ahead_of_the_clock() {
        let mut presence = UserPresence {
            chosen_at: i64::MAX - 1,
            chosen_on: 9,
            ..UserPresence::default()
        };
        presence.chose(1);
        assert_eq!((presence.chosen_at, presence.chosen_on), (i64::MAX, 1));
        let ahead = chrono::Utc::now().timestamp_millis() + 60_000;
        let mut presence = UserPresence {
            chosen_at: ahead,
            ..UserPresence::default()
        };
        presence.chose(1);
        assert_eq!(presence.chosen_at, ahead + 1);
    }

    /// A node's live state with `user` connected on a phone.
    fn connect(live: &mut Realtime, user: UserId) {
        let presence = live.users.entry(user).or_default();
        presence.devices.push(crate::live::Device {
            id: crate::live::DeviceId(1),
            idle: false,
            kind: ClientKind::Mobile,
        });
    }

    #[test]
    fn a_copy_that_missed_a_change_has_another_digest_and_asks_for_everything() {
        let (a_id, b_id) = (1, 2);
        let (mut a, mut b) = (Realtime::default(), Realtime::default());
        let now = Instant::now();
        connect(&mut a, id());
        b.apply(b_id, from(a_id, a.state()), now);
        a.apply(a_id, from(b_id, b.state()), now);
        let heartbeat = a.heartbeat(1);
        assert!(matches!(heartbeat, Signal::Digest(_)), "{heartbeat:?}");
        let answers = b.apply(b_id, from(a_id, heartbeat), now).answers;
        assert!(answers.is_empty(), "in step: {answers:?}");

        // A user connects on A, and B misses the signal.
        let missed: UserId = id();
        connect(&mut a, missed);
        let answers = b.apply(b_id, from(a_id, a.heartbeat(2)), now).answers;
        assert!(
            matches!(answers[..], [Signal::Ask(asked)] if asked == a_id),
            "{answers:?}"
        );
        let asked_someone_else = a.apply(a_id, from(b_id, Signal::Ask(7)), now).answers;
        assert!(asked_someone_else.is_empty());
        let everything = a.apply(a_id, from(b_id, Signal::Ask(a_id)), now).answers;
        assert!(
            matches!(everything[..], [Signal::State { .. }]),
            "{everything:?}"
        );
        for answer in everything {
            b.apply(b_id, from(a_id, answer), now);
        }
        assert_eq!(b.view(missed).status, Status::Online);
        let answers = b.apply(b_id, from(a_id, a.heartbeat(3)), now).answers;
        assert!(answers.is_empty(), "in step again: {answers:?}");
    }

    #[test]
    fn everything_goes_out_now_and_then_and_to_nodes_of_an_earlier_release() {
        let mut live = Realtime::default();
        let now = Instant::now();
        connect(&mut live, id());
        live.apply(1, from(2, Signal::Digest(0)), now);
        assert!(matches!(live.heartbeat(1), Signal::Digest(_)));
        assert!(matches!(live.heartbeat(FULL_EVERY), Signal::State { .. }));
        let earlier = Shared {
            node: 3,
            signal: Signal::State {
                presences: Vec::new(),
                voice: Vec::new(),
            },
            digests: false,
        };
        live.apply(1, earlier, now);
        assert!(matches!(live.heartbeat(1), Signal::State { .. }));
    }
}
