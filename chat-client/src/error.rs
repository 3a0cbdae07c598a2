//! The SDK's error: a kind to match on and the underlying source, kept.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The server refused the request with a status and its error code.
    #[error("the server answered {status} {code}: {message}")]
    Api {
        /// The HTTP status.
        status: u16,
        /// The stable error code, e.g. `missing_permissions`.
        code: String,
        /// The server's explanation.
        message: String,
    },
    /// The account has two-factor authentication: finish the login with
    /// [`Client::totp_login`](crate::Client::totp_login) and this ticket.
    #[error("a second factor is needed to log in")]
    MfaRequired {
        /// The login's ticket, valid for five minutes.
        ticket: String,
    },
    /// A response or frame could not be decoded.
    #[error("could not decode the server's answer")]
    Decode,
    /// The gateway closed for good (bad token, or the client was shut down).
    #[error("the gateway closed (code {code:?})")]
    GatewayClosed {
        /// The close code, if the server sent one.
        code: Option<u16>,
    },
    /// Still rate limited after the retries allowed.
    #[error("rate limited; retry after {retry_after:?}")]
    RateLimited {
        /// When the server said to retry.
        retry_after: Duration,
    },
    /// The request could not be sent or the connection failed.
    #[error("the connection failed")]
    Transport,
    /// The request was invalid and was not sent.
    #[error("invalid {field}: {reason}")]
    Validation {
        /// The offending field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// An SDK error: [`ErrorKind`] plus the error that caused it, if any.
pub struct Error {
    kind: ErrorKind,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Self { kind, source: None }
    }

    pub(crate) fn with_source(
        kind: ErrorKind,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        Self {
            kind,
            source: Some(Box::new(source)),
        }
    }

    pub(crate) fn validation(field: &'static str, reason: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation {
            field,
            reason: reason.into(),
        })
    }

    /// What went wrong.
    pub const fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The error that caused it.
    pub fn into_source(self) -> Option<Box<dyn StdError + Send + Sync>> {
        self.source
    }

    /// Both parts.
    pub fn into_parts(self) -> (ErrorKind, Option<Box<dyn StdError + Send + Sync>>) {
        (self.kind, self.source)
    }

    /// The server's error code, for API errors.
    pub fn code(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::Api { code, .. } => Some(code),
            _ => None,
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.kind, f)
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_ref()
            .map(|s| &**s as &(dyn StdError + 'static))
    }
}

/// The result of every SDK call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn into_parts_keeps_the_source() {
        let io = std::io::Error::other("wire cut");
        let error = Error::with_source(ErrorKind::Transport, io);
        assert!(error.to_string().contains("connection failed"));
        let (kind, source) = error.into_parts();
        assert_eq!(kind, ErrorKind::Transport);
        assert_eq!(source.unwrap().to_string(), "wire cut");
    }
}
