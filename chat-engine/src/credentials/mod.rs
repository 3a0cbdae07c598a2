//! Credentials the engine holds for every domain: the keys that sign access tokens, the cache
//! of checked login sessions (kept true by a commit hook), the per-account login throttle, and
//! the random secrets behind refresh tokens, bot tokens, backup codes and invite codes.

mod session_cache;
mod throttle;
mod tokens;

pub(crate) use session_cache::SessionCache;
pub(crate) use throttle::LoginThrottle;
pub(crate) use tokens::{TokenKeys, hash_secret, random_hex, split_opaque};

use crate::error::{Result, StorageError};
use crate::store::{SettingsStore, Tx};

/// Loads the token-signing secret, making and storing one on first start.
pub(crate) fn load_or_make_secret(tx: &mut Tx<'_>) -> Result<Vec<u8>> {
    Ok(load_or_make(tx, "jwt_secret", 32)?.into_bytes())
}

/// The community's id, which the engines sharing its store join on a broker: made once and
/// kept in the store.
pub(crate) fn load_or_make_community(tx: &mut Tx<'_>) -> Result<String> {
    load_or_make(tx, "community_id", 8)
}

/// The setting `name`, made of `bytes` random bytes (in hex) the first time.
fn load_or_make(tx: &mut Tx<'_>, name: &str, bytes: usize) -> Result<String> {
    if let Some(value) = tx.fetch_setting(name)? {
        return Ok(value);
    }
    let value = random_hex(bytes)?;
    tx.update_setting(name, &value);
    Ok(value)
}

/// A random number, such as a node's id.
pub(crate) fn random_u64() -> Result<u64> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(StorageError::new)?;
    Ok(u64::from_le_bytes(bytes))
}

/// A fresh invite code: 10 characters that are hard to mistake for one another.
pub(crate) fn invite_code() -> Result<String> {
    random_text(
        b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789",
        10,
    )
}

/// A fresh backup code: 8 lowercase letters and digits that are hard to mistake.
pub(crate) fn backup_code() -> Result<String> {
    random_text(b"abcdefghjkmnpqrstuvwxyz23456789", 8)
}

/// `len` random characters of `alphabet`.
fn random_text(alphabet: &[u8], len: usize) -> Result<String> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).map_err(StorageError::new)?;
    Ok(bytes
        .iter()
        .map(|b| char::from(alphabet[usize::from(*b) % alphabet.len()]))
        .collect())
}

/// Fresh random bytes (a TOTP secret).
pub(crate) fn random_bytes(len: usize) -> Result<Vec<u8>> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).map_err(StorageError::new)?;
    Ok(bytes)
}
