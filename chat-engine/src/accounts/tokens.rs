//! Tokens: short-lived JWT access tokens, and opaque `session.secret` tokens (refresh and bot
//! tokens) whose secrets are stored hashed.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result, StorageError};
use crate::id::{SessionId, UserId};

/// The keys that sign and check access tokens.
pub(crate) struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(..)")
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: UserId,
    sid: SessionId,
    exp: u64,
    iat: u64,
}

impl TokenKeys {
    pub(crate) fn new(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// Signs an access token for a session.
    pub(crate) fn access_token(
        &self,
        user: UserId,
        session: SessionId,
        ttl: Duration,
    ) -> Result<String> {
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        let claims = Claims {
            sub: user,
            sid: session,
            iat: now,
            exp: now + ttl.as_secs(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| StorageError::new(format!("signing a token: {e}")).into())
    }

    /// Checks an access token's signature and expiry.
    pub(crate) fn verify(&self, token: &str) -> Result<(UserId, SessionId)> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|e| Error::unauthorized(format!("invalid access token: {e}")))?;
        Ok((data.claims.sub, data.claims.sid))
    }
}

/// A fresh random secret, hex.
pub(crate) fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0; bytes];
    getrandom::fill(&mut buf).map_err(StorageError::new)?;
    Ok(hex(&buf))
}

/// SHA-256 of a secret, hex.
pub(crate) fn hash_secret(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Splits an opaque `session.secret` token.
pub(crate) fn split_opaque(token: &str) -> Result<(SessionId, &str)> {
    let bad = || Error::unauthorized("malformed token");
    let (session, secret) = token.split_once('.').ok_or_else(bad)?;
    Ok((session.parse().map_err(|_| bad())?, secret))
}
