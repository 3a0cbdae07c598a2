//! Live state that is never stored: presence aggregated over a user's devices, typing
//! indicators and voice states. Changes go out as ephemeral events.

use crate::limits::{LARGE_SERVER, TYPING_INTERVAL};
use std::time::Instant;

use crate::access::{audience, require_not_timed_out, textual_channel};
use crate::engine::Engine;
use crate::envelope::Audience;
use crate::error::{Error, ResourceKind, Result, found};
use crate::id::{ChannelId, ServerId, UserId};
use crate::live::{
    Device, DeviceId, Listeners, NodePresence, Realtime, Signal, UserPresence, presence_changes,
    public_view,
};
use crate::model::{
    ChannelType, ClientKind, Event, Member, Permissions, Presence, RelationshipType, Status,
    TypingIndicator, UpdatePresence, UpdateVoiceState, VoiceState,
};
use crate::permissions::{context, resolve};
use crate::store::{ChannelStore, RelationshipStore, ServerStore};
use crate::validate;

impl Engine {
    /// Registers a connected device of a user; the user is online while any device is.
    pub fn connect_device(&self, user: UserId, kind: ClientKind) -> Result<DeviceId> {
        let id = self.change_presence(user, |p, realtime| {
            realtime.next_device += 1;
            let id = DeviceId(realtime.next_device);
            // One device is the rule: no room for four.
            p.devices.reserve_exact(1);
            p.devices.push(Device {
                id,
                idle: false,
                kind,
            });
            id
        })?;
        Ok(id)
    }

    /// Changes a device's presence. `idle` marks only this device idle; `online`, `dnd` and
    /// `invisible` set the user's status on every device.
    pub fn update_presence(
        &self,
        user: UserId,
        device: DeviceId,
        update: UpdatePresence,
    ) -> Result<Presence> {
        if update.status == Status::Offline {
            return Err(Error::validation(
                "status",
                "use invisible to appear offline",
            ));
        }
        validate::text("custom_status", &update.custom_status, 128)?;
        let node = self.node_id();
        if update.activities.len() > 5 {
            return Err(Error::validation("activities", "at most 5"));
        }
        for activity in &update.activities {
            if !matches!(
                activity.kind.as_str(),
                "playing" | "streaming" | "listening" | "watching"
            ) {
                return Err(Error::validation(
                    "activities",
                    "type must be playing, streaming, listening or watching",
                ));
            }
            validate::name("activities", &activity.name, 128)?;
            validate::text("activities", &activity.details, 128)?;
            validate::text("activities", &activity.state, 128)?;
        }
        self.change_presence(user, |p, _| {
            if let Some(d) = p.devices.iter_mut().find(|d| d.id == device) {
                d.idle = update.status == Status::Idle;
            }
            if update.status != Status::Idle {
                p.chosen = Some(update.status);
            }
            p.custom_status = update.custom_status.trim().to_owned();
            p.activities = update.activities;
            p.chose(node);
        })?;
        Ok(self.own_presence(user))
    }

    /// Forgets a device; after the last one the user is offline and leaves voice.
    pub fn disconnect_device(&self, user: UserId, device: DeviceId) -> Result<()> {
        let now = chrono::Utc::now();
        let last = self.change_presence(user, |p, _| {
            p.devices.retain(|d| d.id != device);
            if p.devices.is_empty() {
                p.last_seen_at = Some(now);
            }
            p.devices.is_empty()
        })?;
        if last {
            let left: Vec<VoiceState> = {
                let mut realtime = self.realtime();
                realtime
                    .voice
                    .values_mut()
                    .filter_map(|states| states.remove(&user))
                    .collect()
            };
            for mut state in left {
                state.channel_id = None;
                self.announce_voice(state);
            }
        }
        Ok(())
    }

    /// A user's presence as `viewer` sees it.
    pub fn presence(&self, viewer: UserId, user: UserId) -> Presence {
        let own = self.own_presence(user);
        if viewer == user {
            own
        } else {
            public_view(&own)
        }
    }

    /// The presences of a server's members who are not offline (members only).
    pub fn list_presences(&self, actor: UserId, server: ServerId) -> Result<Vec<Presence>> {
        let reader = self.read()?;
        context(&reader, server, actor)?;
        let online = self.realtime().connected_users();
        let mut presences = Vec::new();
        for user in online {
            if reader.fetch_member(server, user)?.is_some() {
                let presence = self.presence(actor, user);
                if presence.status != Status::Offline {
                    presences.push(presence);
                }
            }
        }
        Ok(presences)
    }

    /// Tells a channel's viewers that the caller is typing (SEND_MESSAGES). At most one
    /// indicator per user and channel goes out every five seconds; more are absorbed.
    pub fn start_typing(&self, actor: UserId, channel: ChannelId) -> Result<()> {
        let reader = self.read()?;
        let (channel, permissions) = textual_channel(&reader, actor, channel)?;
        crate::permissions::resolve::missing(permissions, Permissions::SEND_MESSAGES)?;
        drop(reader);
        let now = Instant::now();
        {
            let mut realtime = self.realtime();
            let key = (actor, channel.id);
            if realtime
                .typing
                .get(&key)
                .is_some_and(|at| now.duration_since(*at) < TYPING_INTERVAL)
            {
                return Ok(());
            }
            realtime
                .typing
                .retain(|_, at| now.duration_since(*at) < TYPING_INTERVAL);
            realtime.typing.insert(key, now);
        }
        let typing = TypingIndicator {
            channel_id: channel.id,
            timestamp: chrono::Utc::now(),
            user_id: actor,
        };
        let audience = audience(&channel).except(actor);
        self.share(Signal::Typing(typing.clone(), audience.clone()));
        self.publish_live(Event::TypingStart(typing), audience);
        Ok(())
    }

    /// Joins, moves within or leaves voice in a server. Joining needs VIEW_CHANNEL on a voice
    /// channel of the server; the moderators' server mute and deafen come from the member.
    pub fn update_voice_state(
        &self,
        actor: UserId,
        update: UpdateVoiceState,
    ) -> Result<VoiceState> {
        let reader = self.read()?;
        let ctx = context(&reader, update.server_id, actor)?;
        if let Some(id) = update.channel_id {
            let channel = found(reader.fetch_channel(id)?, ResourceKind::Channel, id)?;
            let visible = resolve(&reader, actor, id)?.contains(Permissions::VIEW_CHANNEL);
            if !visible {
                return Err(Error::not_found(ResourceKind::Channel, id));
            }
            if channel.kind != ChannelType::Voice || channel.server_id != Some(update.server_id) {
                return Err(Error::validation(
                    "channel_id",
                    "not a voice channel of this server",
                ));
            }
            require_not_timed_out(&reader, actor, &channel)?;
        }
        drop(reader);
        let state = VoiceState {
            channel_id: update.channel_id,
            is_deafened: ctx.member.is_deafened,
            is_muted: ctx.member.is_muted,
            self_deaf: update.self_deaf,
            self_mute: update.self_mute,
            server_id: update.server_id,
            user_id: actor,
        };
        {
            let mut realtime = self.realtime();
            let states = realtime.voice.entry(update.server_id).or_default();
            if state.channel_id.is_some() {
                states.insert(actor, state.clone());
            } else if states.remove(&actor).is_none() {
                return Ok(state);
            }
        }
        self.announce_voice(state.clone());
        Ok(state)
    }

    /// Who is in voice in a server (members only).
    pub fn list_voice_states(&self, actor: UserId, server: ServerId) -> Result<Vec<VoiceState>> {
        context(&self.read()?, server, actor)?;
        Ok(self.realtime().voice_in(server))
    }

    /// Brings a user's voice state in a server in line with their membership after a
    /// moderator changed it, and re-announces it: the server mute and deafen follow the
    /// member; a member timed out, or no longer a member (`None`: kicked, banned or gone),
    /// leaves voice.
    pub(crate) fn refresh_voice_state(
        &self,
        server: ServerId,
        user: UserId,
        member: Option<&Member>,
    ) {
        let (here, elsewhere) = {
            let mut realtime = self.realtime();
            let here = realtime.refresh_voice(server, user, member);
            (here, realtime.in_voice_elsewhere(server, user))
        };
        if let Some(state) = here {
            self.announce_voice(state);
        }
        if elsewhere {
            // The node the user is in voice through refreshes and announces it.
            self.share(Signal::VoiceRefresh {
                server,
                user,
                member: member.cloned(),
            });
        }
    }

    /// Tells the server's members, on every node, of a voice state of this node's.
    fn announce_voice(&self, state: VoiceState) {
        self.share(Signal::Voice(state.clone()));
        let server = state.server_id;
        self.publish_live(Event::VoiceStateUpdate(state), Audience::server(server));
    }

    fn own_presence(&self, user: UserId) -> Presence {
        self.realtime().view(user)
    }

    /// Applies a change and announces the presence if it changed: the public view to the
    /// user's servers, the own view to the user.
    fn change_presence<T>(
        &self,
        user: UserId,
        change: impl FnOnce(&mut UserPresence, &mut Realtime) -> T,
    ) -> Result<T> {
        // Large servers get no presence fan-out (as they get none in READY): their clients
        // ask for members and presences with Request Members. Friends always hear of it.
        let (servers, friends) = {
            let reader = self.read()?;
            let friends: Vec<UserId> = reader
                .list_relationships(user)?
                .into_iter()
                .filter(|(_, r)| r.kind == RelationshipType::Friend)
                .map(|(id, _)| id)
                .collect();
            let mut small = Vec::new();
            for id in reader.list_user_servers(user)? {
                if reader
                    .fetch_server(id)?
                    .is_some_and(|s| s.member_count <= LARGE_SERVER)
                {
                    small.push(id);
                }
            }
            (small, friends)
        };
        let listeners = Listeners { servers, friends };
        let (out, changes, shared) = {
            let mut realtime = self.realtime();
            let before = realtime.view(user);
            let mut presence = realtime.users.remove(&user).unwrap_or_default();
            let out = change(&mut presence, &mut realtime);
            presence.listeners = listeners;
            let shared = NodePresence::of(user, &presence);
            realtime.users.insert(user, presence);
            let after = realtime.view(user);
            (
                out,
                presence_changes(&before, after, &shared.audience),
                shared,
            )
        };
        // The other nodes hear of this node's part even when the whole did not change.
        self.share(Signal::Presence(shared));
        for (event, audience) in changes {
            self.publish_live(event, audience);
        }
        Ok(out)
    }
}
