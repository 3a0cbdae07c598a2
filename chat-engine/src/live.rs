//! The live state the engine holds and never stores: each user's devices and chosen presence,
//! typing indicators and voice states, behind the engine's one lock (held only for map
//! updates). The presence domain changes it and announces the changes.

use std::collections::HashMap;
use std::time::Instant;

use crate::id::{ChannelId, ServerId, UserId};
use crate::model::{Activity, ClientInfo, ClientKind, Presence, Status, Timestamp, VoiceState};

/// A connected device (a gateway connection), as handed out by [`Engine::connect_device`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeviceId(pub(crate) u64);

#[derive(Debug)]
pub(crate) struct Device {
    pub(crate) id: DeviceId,
    pub(crate) idle: bool,
    pub(crate) kind: ClientKind,
}

#[derive(Debug, Default)]
pub(crate) struct UserPresence {
    pub(crate) activities: Vec<Activity>,
    pub(crate) chosen: Option<Status>,
    pub(crate) custom_status: String,
    pub(crate) devices: Vec<Device>,
    pub(crate) last_seen_at: Option<Timestamp>,
}

/// Everything live, behind one lock held only for map updates.
#[derive(Debug, Default)]
pub(crate) struct Realtime {
    pub(crate) next_device: u64,
    pub(crate) users: HashMap<UserId, UserPresence>,
    pub(crate) typing: HashMap<(UserId, ChannelId), Instant>,
    pub(crate) voice: HashMap<ServerId, HashMap<UserId, VoiceState>>,
}

impl Realtime {
    /// Whether the user has a live session (a connected device) now.
    pub(crate) fn is_connected(&self, user: UserId) -> bool {
        self.users.get(&user).is_some_and(|p| !p.devices.is_empty())
    }

    /// A user's status as `viewer` sees it: their own sees `invisible`, others `offline`.
    pub(crate) fn status_seen_by(&self, viewer: UserId, user: UserId) -> Status {
        let own = self
            .users
            .get(&user)
            .map_or(Status::Offline, |p| p.own_view(user).status);
        if own == Status::Invisible && viewer != user {
            Status::Offline
        } else {
            own
        }
    }
}

impl UserPresence {
    /// The status of a set of devices: offline without any, else the chosen status, where an
    /// online user all of whose devices are idle is idle.
    fn status_of<'a>(&self, mut devices: impl Iterator<Item = &'a Device>) -> Option<Status> {
        let first = devices.next()?;
        let all_idle = first.idle && devices.all(|d| d.idle);
        Some(match self.chosen.unwrap_or(Status::Online) {
            Status::Online | Status::Idle if all_idle => Status::Idle,
            Status::Idle | Status::Offline => Status::Online,
            chosen => chosen,
        })
    }

    /// The presence as its owner sees it (`invisible` shown as such).
    pub(crate) fn own_view(&self, user: UserId) -> Presence {
        let of_kind = |kind| self.status_of(self.devices.iter().filter(|d| d.kind == kind));
        let status = self
            .status_of(self.devices.iter())
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
