//! Loading what the calculation needs from the store, for a member of a server or a DM
//! recipient.

use super::{Explanation, Input, calculate, explain};
use crate::error::{Error, ResourceKind, Result};
use crate::id::{ChannelId, ServerId, UserId};
use crate::model::{Channel, Member, PermissionOverwrite, Permissions, Role, Server};
use crate::store::{ChannelStore, Kv, ServerStore};

/// What DM and group DM recipients may do.
pub(crate) const DM_PERMISSIONS: Permissions = Permissions::VIEW_CHANNEL
    .union(Permissions::SEND_MESSAGES)
    .union(Permissions::ADD_REACTIONS)
    .union(Permissions::ATTACH_FILES);

/// A member of a server with the server's roles, loaded once for several checks.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    pub(crate) server: Server,
    pub(crate) member: Member,
    pub(crate) roles: Vec<Role>,
}

/// Loads the member's context; `NotFound` for the server when the user is not a member (an
/// outsider learns nothing about it).
pub(crate) fn context(kv: &(impl Kv + ?Sized), server: ServerId, user: UserId) -> Result<Context> {
    let not_found = || Error::not_found(ResourceKind::Server, server);
    let server = kv.fetch_server(server)?.ok_or_else(not_found)?;
    let member = kv.fetch_member(server.id, user)?.ok_or_else(not_found)?;
    let roles = kv.list_roles(server.id)?;
    Ok(Context {
        server,
        member,
        roles,
    })
}

impl Context {
    /// @everyone and the member's roles.
    pub(crate) fn member_roles(&self) -> Vec<&Role> {
        self.roles_of(&self.member)
    }

    /// @everyone and another member's roles.
    pub(crate) fn roles_of(&self, member: &Member) -> Vec<&Role> {
        self.roles
            .iter()
            .filter(|r| r.is_default || member.role_ids.contains(&r.id))
            .collect()
    }

    fn input<'a>(
        &'a self,
        roles: &'a [&'a Role],
        overwrites: Option<&'a [PermissionOverwrite]>,
    ) -> Input<'a> {
        Input {
            owner_id: self.server.owner_id,
            user_id: self.member.user_id,
            roles,
            overwrites,
            // Most members were never timed out: only they need the clock.
            timed_out: self.member.communication_disabled_until.is_some()
                && self.member.is_timed_out(chrono::Utc::now()),
            server_disabled: self.server.disabled.is_some(),
        }
    }

    /// Server-wide permissions.
    pub(crate) fn server_permissions(&self) -> Permissions {
        let roles = self.member_roles();
        calculate(&self.input(&roles, None))
    }

    /// Permissions in a channel of this server (a thread takes its parent's overwrites).
    pub(crate) fn channel_permissions(
        &self,
        kv: &(impl Kv + ?Sized),
        channel: &Channel,
    ) -> Result<Permissions> {
        let overwrites = overwrites_of(kv, channel)?;
        let roles = self.member_roles();
        Ok(calculate(&self.input(&roles, Some(&overwrites))))
    }

    /// Fails with the missing flags unless the member holds `needed` server-wide.
    pub(crate) fn require(&self, needed: Permissions) -> Result<()> {
        missing(self.server_permissions(), needed)
    }

    /// Fails with the missing flags unless the member holds `needed` in the channel.
    pub(crate) fn require_in(
        &self,
        kv: &(impl Kv + ?Sized),
        channel: &Channel,
        needed: Permissions,
    ) -> Result<()> {
        missing(self.channel_permissions(kv, channel)?, needed)
    }

    /// Whether the member is above everything: the owner or an administrator.
    pub(crate) fn is_above_hierarchy(&self) -> bool {
        self.member.user_id == self.server.owner_id
            || self
                .server_permissions()
                .contains(Permissions::ADMINISTRATOR)
    }

    /// The member's highest role position.
    pub(crate) fn highest_position(&self) -> i32 {
        super::highest_position(&self.member_roles())
    }

    /// Fails unless the member may manage something at `position`: nobody manages a role at or
    /// above their own highest, except the owner and administrators.
    pub(crate) fn require_above(&self, position: i32, what: &str) -> Result<()> {
        if self.is_above_hierarchy() || position < self.highest_position() {
            Ok(())
        } else {
            Err(Error::forbidden(format!(
                "{what} is at or above your highest role"
            )))
        }
    }

    /// Fails unless the member outranks another member (who must not be the owner).
    pub(crate) fn require_outranks(&self, target: &Member, action: &str) -> Result<()> {
        if target.user_id == self.server.owner_id {
            return Err(Error::forbidden(format!(
                "cannot {action} the server owner"
            )));
        }
        let target_top = super::highest_position(&self.roles_of(target));
        self.require_above(target_top, "the member's highest role")
    }
}

/// The overwrites that apply in a channel: a thread's are its parent's.
fn overwrites_of(kv: &(impl Kv + ?Sized), channel: &Channel) -> Result<Vec<PermissionOverwrite>> {
    match channel.parent_id {
        Some(parent) => Ok(kv
            .fetch_channel(parent)?
            .map(|p| p.permission_overwrites)
            .unwrap_or_default()),
        None => Ok(channel.permission_overwrites.clone()),
    }
}

pub(crate) fn missing(held: Permissions, needed: Permissions) -> Result<()> {
    let missing = needed - held;
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::PermissionDenied { missing })
    }
}

/// A user's permissions in a channel: empty for a non-member, every DM permission for a DM
/// recipient. `NotFound` when the channel does not exist.
pub fn resolve(kv: &(impl Kv + ?Sized), user: UserId, channel: ChannelId) -> Result<Permissions> {
    let channel = kv
        .fetch_channel(channel)?
        .ok_or_else(|| Error::not_found(ResourceKind::Channel, channel))?;
    resolve_in(kv, user, &channel)
}

/// A user's permissions in a channel already loaded.
pub(crate) fn resolve_in(
    kv: &(impl Kv + ?Sized),
    user: UserId,
    channel: &Channel,
) -> Result<Permissions> {
    let Some(server) = channel.server_id else {
        return Ok(if channel.recipients.contains(&user) {
            DM_PERMISSIONS
        } else {
            Permissions::empty()
        });
    };
    match context(kv, server, user) {
        Ok(ctx) => ctx.channel_permissions(kv, channel),
        Err(Error::NotFound { .. }) => Ok(Permissions::empty()),
        Err(other) => Err(other),
    }
}

/// Explains a member's `permission` in a server, or in one of its channels.
pub fn explain_for(
    kv: &(impl Kv + ?Sized),
    server: ServerId,
    user: UserId,
    channel: Option<&Channel>,
    permission: Permissions,
) -> Result<Explanation> {
    let ctx = context(kv, server, user)?;
    let overwrites = channel.map(|c| overwrites_of(kv, c)).transpose()?;
    let roles = ctx.member_roles();
    Ok(explain(
        &ctx.input(&roles, overwrites.as_deref()),
        permission,
    ))
}
