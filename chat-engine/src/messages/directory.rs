//! The markup's [`Directory`] over the store: who and what a message posted in a channel can
//! mention. Lookups happen only for the mentions a message writes.

use crate::id::{ChannelId, RoleId, UserId};
use crate::markup::Directory;
use crate::model::{Channel, Role};
use crate::store::{ChannelStore, Kv, ServerStore, UserStore};

/// Names and memberships as seen from one channel.
pub(super) struct ChannelDirectory<'a, K: Kv + ?Sized> {
    kv: &'a K,
    channel: &'a Channel,
    roles: Option<Vec<Role>>,
}

impl<'a, K: Kv + ?Sized> ChannelDirectory<'a, K> {
    pub(super) fn new(kv: &'a K, channel: &'a Channel) -> Self {
        Self {
            kv,
            channel,
            roles: None,
        }
    }

    /// Whether the user is in the channel's server (or among the DM's recipients), with the
    /// name to show there.
    fn member(&self, user: UserId) -> Option<String> {
        let record = self.kv.fetch_user(user).ok().flatten()?;
        let profile = &record.user;
        let global = if profile.display_name.is_empty() {
            profile.username.clone()
        } else {
            profile.display_name.clone()
        };
        match self.channel.server_id {
            Some(server) => {
                let member = self.kv.fetch_member(server, user).ok().flatten()?;
                Some(if member.nickname.is_empty() {
                    global
                } else {
                    member.nickname
                })
            }
            None => self.channel.recipients.contains(&user).then_some(global),
        }
    }
}

impl<K: Kv + ?Sized> Directory for ChannelDirectory<'_, K> {
    fn member_named(&mut self, username: &str) -> Option<(UserId, String)> {
        let user = self.kv.fetch_user_id_by_name(username).ok().flatten()?;
        Some((user, self.member(user)?))
    }

    fn user(&mut self, id: UserId) -> Option<(String, bool)> {
        if let Some(name) = self.member(id) {
            return Some((name, true));
        }
        let record = self.kv.fetch_user(id).ok().flatten()?;
        Some((record.user.username, false))
    }

    fn role(&mut self, id: RoleId) -> Option<(String, bool)> {
        let server = self.channel.server_id?;
        if self.roles.is_none() {
            self.roles = Some(self.kv.list_roles(server).ok()?);
        }
        let role = self
            .roles
            .as_deref()?
            .iter()
            .find(|r| r.id == id && !r.is_default)?;
        Some((role.name.clone(), role.is_mentionable))
    }

    fn channel(&mut self, id: ChannelId) -> Option<String> {
        let server = self.channel.server_id?;
        let channel = self.kv.fetch_channel(id).ok().flatten()?;
        (channel.server_id == Some(server)).then_some(channel.name)
    }
}
