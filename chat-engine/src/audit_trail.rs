//! Who acts: an [`Actor`] with their reason, recorded in the audit log inside the write job
//! that makes the change (the entry commits with the change or not at all, never twice), and
//! the [`Administrator`] of the whole instance.

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::id::{ServerId, UserId};
use crate::model::{AuditAction, AuditChange, AuditLogEntry};
use crate::store::{AuditLogStore, Kv, KvMut, Tx, UserStore};

/// The longest reason, in characters.
pub const MAX_REASON: usize = 512;

/// Who makes a change, and why: the reason goes into the audit log. A bare [`UserId`]
/// converts into an actor with no reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    user: UserId,
    reason: Option<String>,
}

impl Actor {
    /// The user, giving a reason (trimmed; empty means none). Fails when it is longer than
    /// [`MAX_REASON`] characters.
    pub fn with_reason(user: UserId, reason: &str) -> Result<Self> {
        let reason = reason.trim();
        if reason.chars().count() > MAX_REASON {
            return Err(Error::validation(
                "reason",
                format!("must be at most {MAX_REASON} characters"),
            ));
        }
        Ok(Self {
            user,
            reason: (!reason.is_empty()).then(|| reason.to_owned()),
        })
    }

    /// Who acts.
    pub const fn user(&self) -> UserId {
        self.user
    }

    /// Why, if they said.
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }
}

impl From<UserId> for Actor {
    fn from(user: UserId) -> Self {
        Self { user, reason: None }
    }
}

/// Who administers the instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Administrator {
    /// An account, which must be an instance administrator when it acts.
    Account(UserId),
    /// The operator: whoever runs the `chat` commands on the server's machine (its admin
    /// socket, or its database), trusted as the instance's owner.
    Operator,
}

impl From<UserId> for Administrator {
    fn from(user: UserId) -> Self {
        Self::Account(user)
    }
}

/// Fails unless `actor` administers the instance.
pub(crate) fn require_administrator(kv: &(impl Kv + ?Sized), actor: Administrator) -> Result<()> {
    let allowed = match actor {
        Administrator::Operator => true,
        Administrator::Account(user) => kv.is_instance_admin(user)?,
    };
    if allowed {
        Ok(())
    } else {
        Err(Error::forbidden("only instance administrators may"))
    }
}

/// Fields that say nothing about what a change did.
const UNRECORDED: &[&str] = &["created_at", "updated_at", "id", "server_id"];

/// Records an entry in `server`'s audit log, in the job's own commit: what `actor` did to
/// `target` (a user, channel, role, message or invite code), with the changed fields.
pub(crate) fn record(
    tx: &mut Tx<'_>,
    server: ServerId,
    actor: &Actor,
    action: AuditAction,
    target: impl fmt::Display,
    changes: Vec<AuditChange>,
) {
    let entry = AuditLogEntry {
        action_type: action,
        changes,
        created_at: tx.now(),
        id: tx.new_id(),
        reason: actor.reason.clone(),
        target_id: Some(target.to_string()),
        user_id: actor.user,
    };
    tx.add_audit_entry(server, &entry);
}

/// Records a change of one object as the fields that differ between its versions
/// (`before` is `None` for a creation, `after` for a deletion); an update that changed no
/// recorded field records nothing.
pub(crate) fn record_change<T: Serialize>(
    tx: &mut Tx<'_>,
    server: ServerId,
    actor: &Actor,
    action: AuditAction,
    target: impl fmt::Display,
    before: Option<&T>,
    after: Option<&T>,
) {
    let changed = changes(before, after);
    if !changed.is_empty() {
        record(tx, server, actor, action, target, changed);
    }
}

/// The fields that differ between two versions of an object: every field of a created one
/// (`before` is `None`) or of a deleted one (`after` is `None`).
pub(crate) fn changes<T: Serialize>(before: Option<&T>, after: Option<&T>) -> Vec<AuditChange> {
    let (before, after) = (fields(before), fields(after));
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|key| !UNRECORDED.contains(&key.as_str()))
        .filter_map(|key| {
            let (old, new) = (before.get(key), after.get(key));
            (old != new).then(|| AuditChange {
                key: key.clone(),
                new_value: new.cloned(),
                old_value: old.cloned(),
            })
        })
        .collect()
}

/// One field set to a value, from nothing.
pub(crate) fn set(key: &str, value: impl Serialize) -> AuditChange {
    AuditChange {
        key: key.to_owned(),
        new_value: serde_json::to_value(value).ok(),
        old_value: None,
    }
}

fn fields<T: Serialize>(value: Option<&T>) -> Map<String, Value> {
    match value.map(serde_json::to_value) {
        Some(Ok(Value::Object(map))) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Thing {
        id: u32,
        name: &'static str,
        topic: &'static str,
    }

    #[test]
    fn changes_list_only_the_fields_that_differ() {
        let old = Thing {
            id: 1,
            name: "a",
            topic: "t",
        };
        let new = Thing {
            id: 1,
            name: "b",
            topic: "t",
        };
        let diff = changes(Some(&old), Some(&new));
        assert_eq!(diff.len(), 1);
        assert_eq!(diff[0].key, "name");
        assert_eq!(diff[0].old_value, Some(Value::from("a")));
        assert_eq!(diff[0].new_value, Some(Value::from("b")));
        let created = changes(None, Some(&new));
        assert_eq!(created.len(), 2, "every field but the id: {created:?}");
        assert!(created.iter().all(|c| c.old_value.is_none()));
    }

    #[test]
    fn reasons_are_trimmed_and_bounded() {
        let user = UserId::from_ulid(ulid::Ulid::from_parts(1, 1));
        let actor = Actor::with_reason(user, "  spam  ").map(|a| a.reason);
        assert_eq!(actor.ok().flatten().as_deref(), Some("spam"));
        assert!(Actor::with_reason(user, &"x".repeat(513)).is_err());
        assert_eq!(
            Actor::with_reason(user, " ").map(|a| a.reason).ok(),
            Some(None)
        );
    }
}
