//! Tokens: short-lived JWT access tokens, opaque `session.secret` tokens (refresh and bot
//! tokens) whose secrets are stored hashed, and the signed ids of resumable event sessions.

use std::time::Duration;

use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result, StorageError};
use crate::id::{SessionId, UserId};

/// The keys that sign and check access tokens and event session ids.
pub(crate) struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    sessions: Hmac<Sha256>,
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

/// A login's first step passed (its password); never an access token, which needs `sid`.
#[derive(Debug, Serialize, Deserialize)]
struct TicketClaims {
    sub: UserId,
    mfa: bool,
    exp: u64,
}

impl TokenKeys {
    pub(crate) fn new(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            sessions: Hmac::new_from_slice(secret).expect("HMAC takes keys of any length"),
        }
    }

    /// A new event session id for `user`: a random part and its MAC, so that this engine (after
    /// a restart too) knows it issued the id, and to whom.
    pub(crate) fn session_id(&self, user: UserId) -> Result<String> {
        let nonce = random_hex(16)?;
        let mac = hex(&self.session_mac(user, &nonce).finalize().into_bytes());
        Ok(format!("{nonce}.{mac}"))
    }

    /// Whether `id` is an event session id this engine issued to `user`.
    pub(crate) fn issued_session_id(&self, user: UserId, id: &str) -> bool {
        let Some((nonce, mac)) = id.split_once('.') else {
            return false;
        };
        let Some(mac) = unhex(mac) else {
            return false;
        };
        self.session_mac(user, nonce).verify_slice(&mac).is_ok()
    }

    fn session_mac(&self, user: UserId, nonce: &str) -> Hmac<Sha256> {
        let mut mac = self.sessions.clone();
        mac.update(b"chat-engine event session\0");
        mac.update(&user.to_bytes());
        mac.update(nonce.as_bytes());
        mac
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

    /// Signs the ticket of a login waiting for its second factor.
    pub(crate) fn mfa_ticket(&self, user: UserId, ttl: Duration) -> Result<String> {
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        let claims = TicketClaims {
            sub: user,
            mfa: true,
            exp: now + ttl.as_secs(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| StorageError::new(format!("signing a ticket: {e}")).into())
    }

    /// Checks a login ticket; answers whose it is.
    pub(crate) fn verify_mfa_ticket(&self, ticket: &str) -> Result<UserId> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<TicketClaims>(ticket, &self.decoding, &validation)
            .map_err(|_| Error::unauthorized("the login ticket is invalid or expired"))?;
        if !data.claims.mfa {
            return Err(Error::unauthorized("not a login ticket"));
        }
        Ok(data.claims.sub)
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

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Splits an opaque `session.secret` token.
pub(crate) fn split_opaque(token: &str) -> Result<(SessionId, &str)> {
    let bad = || Error::unauthorized("malformed token");
    let (session, secret) = token.split_once('.').ok_or_else(bad)?;
    Ok((session.parse().map_err(|_| bad())?, secret))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::Id;

    #[test]
    fn session_ids_are_bound_to_their_user_and_their_key() {
        let keys = TokenKeys::new(b"secret");
        let (alice, bob) = (
            Id::from_ulid(ulid::Ulid::from_parts(1, 1)),
            Id::from_ulid(ulid::Ulid::from_parts(2, 2)),
        );
        let id = keys.session_id(alice).unwrap();
        assert!(keys.issued_session_id(alice, &id));
        assert!(
            TokenKeys::new(b"secret").issued_session_id(alice, &id),
            "after a restart"
        );
        assert!(!keys.issued_session_id(bob, &id));
        assert!(!TokenKeys::new(b"other").issued_session_id(alice, &id));
        for forged in [
            "no-such-session",
            "",
            ".",
            "ab.cd",
            &id[..id.len() - 2],
            &format!("{id}00"),
        ] {
            assert!(!keys.issued_session_id(alice, forged), "{forged:?}");
        }
    }
}
