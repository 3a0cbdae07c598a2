//! The live state the engine holds and never stores: each user's devices and chosen presence,
//! typing indicators and voice states, behind the engine's one lock (held only for map
//! updates). The presence domain changes it and announces the changes. On a community of
//! several nodes, what the other nodes hold comes in through the broker (`shared.rs`).

mod shared;

use std::collections::HashMap;
use std::time::Instant;

use crate::envelope::Audience;
use crate::id::{ChannelId, ServerId, UserId};
use crate::model::{
    Activity, ClientInfo, ClientKind, Event, Member, Presence, Status, Timestamp, VoiceState,
};

pub(crate) use self::shared::{HEARTBEAT, NodePresence, Remote, Shared, Signal};

/// A connected device (a gateway connection), as handed out by [`Engine::connect_device`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeviceId(pub(crate) u64);

#[derive(Debug)]
pub(crate) struct Device {
    pub(crate) id: DeviceId,
    pub(crate) idle: bool,
    pub(crate) kind: ClientKind,
}

/// A user's presence as this node knows it: its own devices, and the user's choices (which
/// any node may change).
#[derive(Debug, Default)]
pub(crate) struct UserPresence {
    pub(crate) activities: Vec<Activity>,
    pub(crate) chosen: Option<Status>,
    pub(crate) custom_status: String,
    pub(crate) devices: Vec<Device>,
    pub(crate) last_seen_at: Option<Timestamp>,
    /// When the user last changed their choices (status, custom status, activities), in
    /// milliseconds since the epoch: of two nodes' choices, the later wins.
    pub(crate) chosen_at: i64,
    /// The node the choices were made on: of two made in the same millisecond, the higher
    /// node's win, so that every node settles on the same.
    pub(crate) chosen_on: u64,
    /// Who hears of the user's presence, as of the last change on this node.
    pub(crate) listeners: Listeners,
}

/// Who hears of a user's presence besides the user: the members of their smaller servers,
/// and their friends. Kept apart from an [`Audience`], whose channel and server fields a
/// presence never uses, to keep 96 bytes per connected user off the heap.
#[derive(Debug, Default)]
pub(crate) struct Listeners {
    pub(crate) servers: Vec<ServerId>,
    pub(crate) friends: Vec<UserId>,
}

impl Listeners {
    /// The audience of the user's public presence.
    pub(crate) fn audience(&self, user: UserId) -> Audience {
        Audience {
            servers: self.servers.clone(),
            users: self.friends.clone(),
            ..Audience::default()
        }
        .except(user)
    }
}

/// Everything live, behind one lock held only for map updates.
#[derive(Debug, Default)]
pub(crate) struct Realtime {
    pub(crate) next_device: u64,
    /// Boxed: the map keeps up to half of its slots empty, and a slot of a boxed presence
    /// costs 32 bytes, not the 256 of a presence beside its key.
    pub(crate) users: HashMap<UserId, Box<UserPresence>>,
    pub(crate) typing: HashMap<(UserId, ChannelId), Instant>,
    /// The voice states of this node's users.
    pub(crate) voice: HashMap<ServerId, HashMap<UserId, VoiceState>>,
    /// What each other node of the community holds, by node id.
    pub(crate) nodes: HashMap<u64, Remote>,
}

impl Realtime {
    /// Whether the user has a live session (a connected device) on any node now.
    pub(crate) fn is_connected(&self, user: UserId) -> bool {
        self.devices(user).next().is_some()
    }

    /// A user's status as `viewer` sees it: their own sees `invisible`, others `offline`.
    pub(crate) fn status_seen_by(&self, viewer: UserId, user: UserId) -> Status {
        let own = self.view(user).status;
        if own == Status::Invisible && viewer != user {
            Status::Offline
        } else {
            own
        }
    }

    /// The users with a connected device on any node.
    pub(crate) fn connected_users(&self) -> Vec<UserId> {
        let mut users: Vec<UserId> = self
            .users
            .iter()
            .filter(|(_, p)| !p.devices.is_empty())
            .map(|(user, _)| *user)
            .collect();
        if !self.nodes.is_empty() {
            // Only then can a user be counted twice (READY asks this once per server).
            users.extend(
                self.nodes
                    .values()
                    .flat_map(|n| n.presences.keys().copied()),
            );
            users.sort_unstable();
            users.dedup();
        }
        users
    }

    /// The voice states in a server, on every node.
    pub(crate) fn voice_in(&self, server: ServerId) -> Vec<VoiceState> {
        let here = self
            .voice
            .get(&server)
            .into_iter()
            .flat_map(HashMap::values);
        let elsewhere = self
            .nodes
            .values()
            .flat_map(|n| n.voice.values())
            .filter(|v| v.server_id == server);
        here.chain(elsewhere).cloned().collect()
    }

    /// Brings a voice state of this node's in line with the user's membership after a
    /// moderator changed it: the server mute and deafen follow the member; a member timed
    /// out, or no longer a member (`None`), leaves voice. The changed state, if any.
    pub(crate) fn refresh_voice(
        &mut self,
        server: ServerId,
        user: UserId,
        member: Option<&Member>,
    ) -> Option<VoiceState> {
        let states = self.voice.get_mut(&server)?;
        match member {
            Some(member) if !member.is_timed_out(chrono::Utc::now()) => {
                let state = states.get_mut(&user)?;
                state.is_muted = member.is_muted;
                state.is_deafened = member.is_deafened;
                Some(state.clone())
            }
            _ => {
                let mut state = states.remove(&user)?;
                state.channel_id = None;
                Some(state)
            }
        }
    }

    /// Whether another node holds a voice state of the user in the server.
    pub(crate) fn in_voice_elsewhere(&self, server: ServerId, user: UserId) -> bool {
        self.nodes
            .values()
            .any(|n| n.voice.contains_key(&(server, user)))
    }

    /// Every connected device of a user, on every node: its kind and whether it is idle.
    fn devices(&self, user: UserId) -> impl Iterator<Item = (ClientKind, bool)> + '_ {
        let here = self
            .users
            .get(&user)
            .into_iter()
            .flat_map(|p| p.devices.iter().map(|d| (d.kind, d.idle)));
        let elsewhere = self
            .nodes
            .values()
            .filter_map(move |n| n.presences.get(&user))
            .flat_map(|p| p.devices.iter().copied());
        here.chain(elsewhere)
    }

    /// The presence as its owner sees it (`invisible` shown as such), over the devices on
    /// every node.
    pub(crate) fn view(&self, user: UserId) -> Presence {
        let devices: Vec<(ClientKind, bool)> = self.devices(user).collect();
        match self.users.get(&user) {
            Some(presence) => presence.view(user, &devices),
            None if devices.is_empty() => offline(user),
            None => UserPresence::default().view(user, &devices),
        }
    }
}

/// The events that tell of a presence change: the public view to `audience` when it
/// changed, and the own view to the user.
pub(crate) fn presence_changes(
    before: &Presence,
    after: Presence,
    audience: &Audience,
) -> Vec<(Event, Audience)> {
    if after == *before {
        return Vec::new();
    }
    let mut events = Vec::with_capacity(2);
    let public = public_view(&after);
    if public != public_view(before) {
        events.push((Event::PresenceUpdate(public), audience.clone()));
    }
    let user = after.user_id;
    events.push((Event::PresenceUpdate(after), Audience::users(vec![user])));
    events
}

impl UserPresence {
    /// Each of this node's devices: its kind and whether it is idle.
    pub(crate) fn device_kinds(&self) -> Vec<(ClientKind, bool)> {
        self.devices.iter().map(|d| (d.kind, d.idle)).collect()
    }

    /// Marks the user's choices as made now on `node`: later than any this node knows of,
    /// even when another node's clock runs ahead of this one's.
    pub(crate) fn chose(&mut self, node: u64) {
        let now = chrono::Utc::now().timestamp_millis();
        self.chosen_at = now.max(self.chosen_at.saturating_add(1));
        self.chosen_on = node;
    }

    /// The status of a set of devices (kind, idle): offline without any, else the chosen
    /// status, where an online user all of whose devices are idle is idle.
    fn status_of(&self, mut devices: impl Iterator<Item = (ClientKind, bool)>) -> Option<Status> {
        let (_, first_idle) = devices.next()?;
        let all_idle = first_idle && devices.all(|(_, idle)| idle);
        Some(match self.chosen.unwrap_or(Status::Online) {
            Status::Online | Status::Idle if all_idle => Status::Idle,
            Status::Idle | Status::Offline => Status::Online,
            chosen => chosen,
        })
    }

    /// The presence with these devices, as its owner sees it.
    fn view(&self, user: UserId, devices: &[(ClientKind, bool)]) -> Presence {
        let of_kind = |kind| self.status_of(devices.iter().copied().filter(|(k, _)| *k == kind));
        let status = self
            .status_of(devices.iter().copied())
            .unwrap_or(Status::Offline);
        let online = status != Status::Offline;
        Presence {
            activities: if online {
                self.activities.clone()
            } else {
                Vec::new()
            },
            client_info: ClientInfo {
                desktop: of_kind(ClientKind::Desktop),
                mobile: of_kind(ClientKind::Mobile),
                web: of_kind(ClientKind::Web),
            },
            custom_status: if online {
                self.custom_status.clone()
            } else {
                String::new()
            },
            last_seen_at: self.last_seen_at,
            status,
            user_id: user,
        }
    }
}

/// The presence as others see it: invisible users appear offline.
pub(crate) fn public_view(own: &Presence) -> Presence {
    if own.status != Status::Invisible {
        return own.clone();
    }
    Presence {
        activities: Vec::new(),
        client_info: ClientInfo::default(),
        custom_status: String::new(),
        last_seen_at: own.last_seen_at,
        status: Status::Offline,
        user_id: own.user_id,
    }
}

pub(crate) fn offline(user: UserId) -> Presence {
    Presence {
        activities: Vec::new(),
        client_info: ClientInfo::default(),
        custom_status: String::new(),
        last_seen_at: None,
        status: Status::Offline,
        user_id: user,
    }
}
