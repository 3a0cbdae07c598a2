//! Permission calculation in Discord's order, with an explanation of every step:
//! base permissions from @everyone and the member's roles (the owner and ADMINISTRATOR hold
//! everything), then the channel's @everyone overwrite, the member's role overwrites together,
//! the member's own overwrite; a channel that cannot be viewed grants nothing; a member who is
//! timed out keeps only VIEW_CHANNEL. In a server an instance administrator disabled, nobody
//! holds anything, its owner included.

pub(crate) mod resolve;

pub(crate) use resolve::{Context, context};
pub use resolve::{explain_for, resolve};

use serde::{Deserialize, Serialize};

use crate::id::{RoleId, UserId};
use crate::model::{OverwriteType, PermissionOverwrite, Permissions, Role};

/// What the calculation needs to know about one member in one place.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The server's owner.
    pub owner_id: UserId,
    /// The member.
    pub user_id: UserId,
    /// The member's roles, @everyone included.
    pub roles: &'a [&'a Role],
    /// The channel's overwrites, or `None` for server-wide permissions.
    pub overwrites: Option<&'a [PermissionOverwrite]>,
    /// Whether a moderator has timed the member out (now).
    pub timed_out: bool,
    /// Whether an instance administrator disabled the server.
    pub server_disabled: bool,
}

/// One step of the calculation and what it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "step", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Step {
    /// An instance administrator disabled the server: nothing, for anyone.
    ServerDisabled,
    /// The member owns the server: every permission.
    Owner,
    /// A role grants ADMINISTRATOR: every permission.
    Administrator {
        /// The role.
        role_id: RoleId,
    },
    /// The union of @everyone's and the member's roles' permissions.
    Base {
        /// Each role and what it grants.
        grants: Vec<(RoleId, Permissions)>,
        /// The result.
        result: Permissions,
    },
    /// The channel's @everyone overwrite.
    EveryoneOverwrite {
        /// Allowed flags.
        allow: Permissions,
        /// Denied flags.
        deny: Permissions,
        /// The result.
        result: Permissions,
    },
    /// The channel's overwrites for the member's roles, taken together.
    RoleOverwrites {
        /// Allowed flags (winning over denies among role overwrites).
        allow: Permissions,
        /// Denied flags.
        deny: Permissions,
        /// The result.
        result: Permissions,
    },
    /// The channel's overwrite for the member.
    MemberOverwrite {
        /// Allowed flags.
        allow: Permissions,
        /// Denied flags.
        deny: Permissions,
        /// The result.
        result: Permissions,
    },
    /// VIEW_CHANNEL is missing, which takes away everything else.
    ViewChannelDenied,
    /// The member is timed out: they keep VIEW_CHANNEL and nothing else.
    TimedOut {
        /// The result.
        result: Permissions,
    },
}

impl Step {
    /// The permissions after this step.
    pub fn result(&self) -> Permissions {
        match self {
            Self::Owner | Self::Administrator { .. } => Permissions::all(),
            Self::Base { result, .. }
            | Self::EveryoneOverwrite { result, .. }
            | Self::RoleOverwrites { result, .. }
            | Self::MemberOverwrite { result, .. }
            | Self::TimedOut { result } => *result,
            Self::ViewChannelDenied | Self::ServerDisabled => Permissions::empty(),
        }
    }
}

/// Why a member has or lacks a permission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Explanation {
    /// Whether every asked flag is held.
    pub allowed: bool,
    /// The step that last decided it (the first step when none changed it).
    pub decided_by: Step,
    /// The flags asked about.
    pub permission: Permissions,
    /// Every step, in order.
    pub steps: Vec<Step>,
}

/// The member's permissions.
pub fn calculate(input: &Input<'_>) -> Permissions {
    run(input, None)
}

/// The member's permissions with every step of the calculation.
pub fn trace(input: &Input<'_>) -> Vec<Step> {
    let mut steps = Vec::new();
    run(input, Some(&mut steps));
    steps
}

/// Explains whether the member holds `permission` (every flag of it).
pub fn explain(input: &Input<'_>, permission: Permissions) -> Explanation {
    let steps = trace(input);
    let held = |p: Permissions| p.contains(permission);
    let mut decided_by = steps[0].clone();
    let mut previous = held(steps[0].result());
    for step in &steps[1..] {
        let now = held(step.result());
        if now != previous {
            decided_by = step.clone();
        }
        previous = now;
    }
    let allowed = held(steps.last().map_or(Permissions::empty(), Step::result));
    Explanation {
        allowed,
        decided_by,
        permission,
        steps,
    }
}

fn run(input: &Input<'_>, mut steps: Option<&mut Vec<Step>>) -> Permissions {
    let mut record = |step: Step| {
        if let Some(steps) = steps.as_deref_mut() {
            steps.push(step);
        }
    };
    if input.server_disabled {
        record(Step::ServerDisabled);
        return Permissions::empty();
    }
    if input.user_id == input.owner_id {
        record(Step::Owner);
        return Permissions::all();
    }
    let mut base = Permissions::empty();
    for role in input.roles {
        base |= role.permissions;
    }
    record(Step::Base {
        grants: input.roles.iter().map(|r| (r.id, r.permissions)).collect(),
        result: base,
    });
    if let Some(admin) = input
        .roles
        .iter()
        .find(|r| r.permissions.contains(Permissions::ADMINISTRATOR))
    {
        record(Step::Administrator { role_id: admin.id });
        return Permissions::all();
    }
    let Some(overwrites) = input.overwrites else {
        return timeout(input, base, &mut record);
    };
    let mut result = base;
    let everyone = input.roles.iter().find(|r| r.is_default);
    if let Some(ow) = everyone.and_then(|e| find(overwrites, OverwriteType::Role, e.id.ulid())) {
        result = (result & !ow.deny) | ow.allow;
        record(Step::EveryoneOverwrite {
            allow: ow.allow,
            deny: ow.deny,
            result,
        });
    }
    let (mut allow, mut deny) = (Permissions::empty(), Permissions::empty());
    for role in input.roles.iter().filter(|r| !r.is_default) {
        if let Some(ow) = find(overwrites, OverwriteType::Role, role.id.ulid()) {
            allow |= ow.allow;
            deny |= ow.deny;
        }
    }
    if !(allow | deny).is_empty() {
        result = (result & !deny) | allow;
        record(Step::RoleOverwrites {
            allow,
            deny,
            result,
        });
    }
    if let Some(ow) = find(overwrites, OverwriteType::Member, input.user_id.ulid()) {
        result = (result & !ow.deny) | ow.allow;
        record(Step::MemberOverwrite {
            allow: ow.allow,
            deny: ow.deny,
            result,
        });
    }
    if !result.contains(Permissions::VIEW_CHANNEL) {
        record(Step::ViewChannelDenied);
        return Permissions::empty();
    }
    timeout(input, result, &mut record)
}

/// A timed-out member keeps VIEW_CHANNEL only.
fn timeout(input: &Input<'_>, held: Permissions, record: &mut impl FnMut(Step)) -> Permissions {
    if !input.timed_out {
        return held;
    }
    let result = held & Permissions::VIEW_CHANNEL;
    record(Step::TimedOut { result });
    result
}

fn find(
    overwrites: &[PermissionOverwrite],
    kind: OverwriteType,
    id: ulid::Ulid,
) -> Option<&PermissionOverwrite> {
    overwrites.iter().find(|o| o.kind == kind && o.id == id)
}

/// The highest position among the roles (0 for @everyone only).
pub fn highest_position(roles: &[&Role]) -> i32 {
    roles.iter().map(|r| r.position).max().unwrap_or(0)
}
