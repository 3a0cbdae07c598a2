//! Account security: two-step login with TOTP, backup codes, password changes and the list
//! of login sessions.

use serde::{Deserialize, Serialize};

use super::{AuthResponse, Timestamp};
use crate::id::SessionId;

/// What `POST /auth/login` answers: the tokens, or (with 2FA on) a ticket to trade for them
/// with a code at `POST /auth/mfa/totp`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum LoginResponse {
    /// Logged in.
    Tokens(Box<AuthResponse>),
    /// A second step is needed.
    MfaRequired(MfaChallenge),
}

impl LoginResponse {
    /// The tokens, when no second step is needed.
    pub fn tokens(self) -> Option<AuthResponse> {
        match self {
            Self::Tokens(tokens) => Some(*tokens),
            Self::MfaRequired(_) => None,
        }
    }
}

/// The first step of a two-step login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MfaChallenge {
    /// Always `true`.
    pub mfa_required: bool,
    /// Traded with a code for the tokens; valid for five minutes.
    pub ticket: String,
}

/// `POST /auth/mfa/totp`: the second step of a login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MfaLogin {
    /// A code of the authenticator app, or an unused backup code.
    #[cfg_attr(feature = "openapi", schema(max_length = 16))]
    pub code: String,
    /// The login's ticket.
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub ticket: String,
}

/// A secret to put into an authenticator app (RFC 6238: SHA-1, 6 digits, 30 s).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpSetup {
    /// `otpauth://totp/…`, what a QR code holds.
    pub otpauth_url: String,
    /// The secret, base32.
    pub secret: String,
}

/// A code of the authenticator app (or, to disable, a backup code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TotpCode {
    /// Six digits (or a backup code).
    #[cfg_attr(feature = "openapi", schema(max_length = 16))]
    pub code: String,
}

/// One-time codes that stand in for the app when it is lost; shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BackupCodes {
    /// Ten codes, each usable once.
    pub backup_codes: Vec<String>,
}

/// `POST /auth/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password now.
    #[cfg_attr(feature = "openapi", schema(max_length = 128))]
    pub current_password: String,
    /// The new one, 8 to 128 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 128))]
    pub new_password: String,
}

/// One of the user's login sessions (a device).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginSession {
    /// What logged in (from its User-Agent); empty when unknown.
    pub client: String,
    /// When it logged in.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// Whether it is the session asking.
    pub current: bool,
    /// The session.
    pub id: SessionId,
    /// When it last logged in or refreshed its tokens.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub last_used_at: Timestamp,
}
