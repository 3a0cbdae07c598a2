//! The engine's one error type, [`Error`], and its stable wire codes, [`ErrorCode`].

use std::fmt;
use std::time::Duration;

use crate::model::Permissions;

/// The kind of resource an id named, for [`Error::NotFound`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResourceKind {
    /// A message's file.
    Attachment,
    /// A channel category.
    Category,
    /// A channel of any type.
    Channel,
    /// An invite code.
    Invite,
    /// A server member.
    Member,
    /// A message.
    Message,
    /// A pin.
    Pin,
    /// A reaction.
    Reaction,
    /// A role.
    Role,
    /// A server.
    Server,
    /// A login session.
    Session,
    /// A user.
    User,
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Attachment => "attachment",
            Self::Category => "category",
            Self::Channel => "channel",
            Self::Invite => "invite",
            Self::Member => "member",
            Self::Message => "message",
            Self::Pin => "pin",
            Self::Reaction => "reaction",
            Self::Role => "role",
            Self::Server => "server",
            Self::Session => "session",
            Self::User => "user",
        };
        f.write_str(name)
    }
}

/// A failure of the storage backend (I/O, corruption, a backend bug). Never caused by input.
#[derive(Debug, Clone, thiserror::Error)]
#[error("storage failure: {0}")]
pub struct StorageError(pub String);

impl StorageError {
    /// Wraps any backend error; its text is kept for the log, its type is not exposed.
    pub fn new(error: impl fmt::Display) -> Self {
        Self(error.to_string())
    }
}

/// Everything an engine operation can refuse or fail with.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A rule other than a permission flag refused the action (role hierarchy, author-only
    /// edits, the owner leaving their own server, a ban). Returns 403 Forbidden.
    #[error("forbidden: {reason}")]
    Forbidden {
        /// Why the action is refused.
        reason: String,
    },
    /// The request conflicts with the current state (a taken username, a full pin list).
    /// Returns 409 Conflict.
    #[error("conflict: {reason}")]
    Conflict {
        /// What conflicts.
        reason: String,
    },
    /// The id names nothing the caller may see. Returns 404 Not Found.
    #[error("unknown {kind} {id}")]
    NotFound {
        /// The kind of resource.
        kind: ResourceKind,
        /// The id or code that was looked up.
        id: String,
    },
    /// The caller lacks permission flags the action needs. Returns 403 Forbidden.
    #[error("missing permissions: {missing:?}")]
    PermissionDenied {
        /// The flags that are missing.
        missing: Permissions,
    },
    /// The caller acts too fast (slow mode). Returns 429 Too Many Requests.
    #[error("rate limited, retry after {retry_after:?}")]
    RateLimited {
        /// How long to wait before retrying.
        retry_after: Duration,
    },
    /// A resume asked for events that are no longer retained. Returns 410 Gone; the client
    /// identifies anew.
    #[error("events after sequence {requested} are no longer retained (oldest is {oldest})")]
    ResumeGap {
        /// The sequence the client asked to resume after.
        requested: u64,
        /// The oldest sequence still retained.
        oldest: u64,
    },
    /// The storage backend failed. Returns 500 Internal Server Error (details are logged,
    /// not shown).
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Credentials or a token were wrong, expired or revoked. Returns 401 Unauthorized.
    #[error("unauthorized: {reason}")]
    Unauthorized {
        /// Why authentication failed.
        reason: String,
    },
    /// A field of the input is invalid. Returns 400 Bad Request.
    #[error("invalid {field}: {reason}")]
    Validation {
        /// The offending field, as named on the wire.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl Error {
    /// The stable code of this error, as sent on the wire.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unauthorized { .. } => ErrorCode::Unauthorized,
            Self::Forbidden { .. } => ErrorCode::Forbidden,
            Self::PermissionDenied { .. } => ErrorCode::MissingPermissions,
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::Validation { .. } => ErrorCode::Validation,
            Self::Conflict { .. } => ErrorCode::Conflict,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::ResumeGap { .. } => ErrorCode::ResumeGap,
            Self::Storage(_) => ErrorCode::Storage,
        }
    }

    #[cfg(feature = "engine")]
    pub(crate) fn validation(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Validation {
            field,
            reason: reason.into(),
        }
    }

    #[cfg(feature = "engine")]
    pub(crate) fn forbidden(reason: impl Into<String>) -> Self {
        Self::Forbidden {
            reason: reason.into(),
        }
    }

    #[cfg(feature = "engine")]
    pub(crate) fn conflict(reason: impl Into<String>) -> Self {
        Self::Conflict {
            reason: reason.into(),
        }
    }

    #[cfg(feature = "engine")]
    pub(crate) fn unauthorized(reason: impl Into<String>) -> Self {
        Self::Unauthorized {
            reason: reason.into(),
        }
    }

    #[cfg(feature = "engine")]
    pub(crate) fn not_found(kind: ResourceKind, id: impl fmt::Display) -> Self {
        Self::NotFound {
            kind,
            id: id.to_string(),
        }
    }
}

/// The record, or `NotFound` when it is missing.
#[cfg(feature = "engine")]
pub(crate) fn found<T>(value: Option<T>, kind: ResourceKind, id: impl fmt::Display) -> Result<T> {
    value.ok_or_else(|| Error::not_found(kind, id))
}

/// Stable error codes. The numbers and the snake_case names never change meaning. The enum is
/// deliberately exhaustive: a new code is a breaking change, so that every transport's
/// code-to-status table must place it before it compiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum ErrorCode {
    /// `unauthorized`: bad credentials or token.
    Unauthorized = 1001,
    /// `forbidden`: a rule refuses the action.
    Forbidden = 1002,
    /// `missing_permissions`: permission flags are missing.
    MissingPermissions = 1003,
    /// `not_found`: the resource does not exist or is not visible.
    NotFound = 1004,
    /// `validation`: a field is invalid.
    Validation = 1005,
    /// `conflict`: the state conflicts with the request.
    Conflict = 1006,
    /// `rate_limited`: too many requests.
    RateLimited = 1007,
    /// `resume_gap`: the events to resume from are gone.
    ResumeGap = 1008,
    /// `storage`: the backend failed.
    Storage = 1009,
}

impl ErrorCode {
    /// The snake_case name sent as `code` in error bodies.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::MissingPermissions => "missing_permissions",
            Self::NotFound => "not_found",
            Self::Validation => "validation",
            Self::Conflict => "conflict",
            Self::RateLimited => "rate_limited",
            Self::ResumeGap => "resume_gap",
            Self::Storage => "storage",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result type of every engine operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;
