//! Two-factor authentication with TOTP (RFC 6238: SHA-1, 6 digits, 30 s, one step of clock
//! skew either way): setting it up (a secret, then a first code, then ten backup codes),
//! turning it off, and the second step of a login. Wrong codes count against the account's
//! login throttle.

use std::time::Duration;

use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::credentials::{backup_code, hash_secret, random_bytes};
use crate::engine::Engine;
use crate::error::{Error, ResourceKind, Result, StorageError, found};
use crate::id::UserId;
use crate::model::{BackupCodes, LoginResponse, TotpSetup};
use crate::store::{TotpRecord, UserRecord, UserStore};

/// How long a login ticket waits for its code.
pub(super) const TICKET_TTL: Duration = Duration::from_secs(5 * 60);
/// How many backup codes a user gets.
const BACKUP_CODES: usize = 10;
/// The issuer an authenticator app shows.
const ISSUER: &str = "chat";

impl Engine {
    /// Starts setting up TOTP: a new secret for the authenticator app. Logins need it only
    /// once a first code confirms it ([`Engine::confirm_totp`]).
    ///
    /// # Errors
    ///
    /// `Conflict` when TOTP is on already; `Forbidden` for bots.
    pub async fn enable_totp(&self, actor: UserId) -> Result<TotpSetup> {
        let secret = Secret::from(random_bytes(20)?).to_base32();
        self.write(move |tx| {
            let mut record = found(tx.fetch_user(actor)?, ResourceKind::User, actor)?;
            if record.user.is_bot {
                return Err(Error::forbidden("bots have no second factor"));
            }
            if record.totp.as_ref().is_some_and(|t| t.enabled) {
                return Err(Error::conflict("two-factor authentication is on already"));
            }
            let url = authenticator(&secret, &record.user.username)?
                .to_url()
                .map_err(|e| StorageError::new(format!("writing an otpauth URL: {e}")))?;
            record.totp = Some(TotpRecord {
                backup_codes: Vec::new(),
                enabled: false,
                secret: secret.clone(),
                last_step: None,
            });
            tx.update_user(&record);
            Ok(TotpSetup {
                otpauth_url: url,
                secret,
            })
        })
        .await
    }

    /// Turns TOTP on with a first code from the app; answers the backup codes (shown once).
    ///
    /// # Errors
    ///
    /// `Validation` for a wrong code or when no setup was started; `Conflict` when it is on.
    pub async fn confirm_totp(&self, actor: UserId, code: &str) -> Result<BackupCodes> {
        let code = code.to_owned();
        let codes = (0..BACKUP_CODES)
            .map(|_| backup_code())
            .collect::<Result<Vec<_>>>()?;
        self.write(move |tx| {
            let mut record = found(tx.fetch_user(actor)?, ResourceKind::User, actor)?;
            let Some(totp) = record.totp.as_mut() else {
                return Err(Error::validation("code", "start the setup first"));
            };
            if totp.enabled {
                return Err(Error::conflict("two-factor authentication is on already"));
            }
            if !fresh_code(totp, &record.user.username, &code)? {
                return Err(Error::validation("code", "the code is wrong or expired"));
            }
            totp.enabled = true;
            totp.backup_codes = codes.iter().map(|c| hash_secret(c)).collect();
            tx.update_user(&record);
            Ok(BackupCodes {
                backup_codes: codes,
            })
        })
        .await
    }

    /// Turns TOTP off, given a code of the app or a backup code.
    ///
    /// # Errors
    ///
    /// `Validation` for a wrong code or when it is off; `RateLimited` after too many wrong
    /// codes.
    pub async fn disable_totp(&self, actor: UserId, code: &str) -> Result<()> {
        self.login_throttle().check(actor)?;
        let code = code.to_owned();
        let accepted = self
            .write(move |tx| {
                let mut record = found(tx.fetch_user(actor)?, ResourceKind::User, actor)?;
                if !record.totp.as_ref().is_some_and(|t| t.enabled) {
                    return Err(Error::validation(
                        "code",
                        "two-factor authentication is off",
                    ));
                }
                if !accept_code(&mut record, &code)? {
                    return Ok(false);
                }
                record.totp = None;
                tx.update_user(&record);
                Ok(true)
            })
            .await?;
        if !accepted {
            self.login_throttle().failed(actor);
            return Err(Error::validation("code", "the code is wrong or expired"));
        }
        Ok(())
    }

    /// The second step of a login: the ticket of the first and a code of the app (or an
    /// unused backup code, which is then used up).
    ///
    /// # Errors
    ///
    /// `Unauthorized` for a bad or expired ticket or a wrong code; `RateLimited` after too
    /// many wrong codes for the account.
    pub async fn totp_login(
        &self,
        ticket: &str,
        code: &str,
        client: &str,
    ) -> Result<LoginResponse> {
        let user = self.keys().verify_mfa_ticket(ticket)?;
        self.login_throttle().check(user)?;
        let code = code.to_owned();
        let record = self
            .write(move |tx| {
                let mut record = found(tx.fetch_user(user)?, ResourceKind::User, user)?;
                if !accept_code(&mut record, &code)? {
                    return Ok(None);
                }
                tx.update_user(&record);
                Ok(Some(record))
            })
            .await?;
        let Some(record) = record else {
            self.login_throttle().failed(user);
            return Err(Error::unauthorized("the code is wrong or expired"));
        };
        self.login_throttle().succeeded(user);
        self.open_login_session(record.user, client).await
    }
}

/// Whether `code` is the app's current code, not used yet, or an unused backup code (which
/// it uses up).
fn accept_code(record: &mut UserRecord, code: &str) -> Result<bool> {
    let Some(totp) = record.totp.as_mut().filter(|t| t.enabled) else {
        return Ok(false);
    };
    let code = code.trim();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        return fresh_code(totp, &record.user.username, code);
    }
    let backup = hash_secret(&code.replace('-', "").to_lowercase());
    let before = totp.backup_codes.len();
    totp.backup_codes.retain(|c| *c != backup);
    Ok(totp.backup_codes.len() < before)
}

/// Whether `code` is the authenticator's code now (or one step before or after) and of a
/// later step than the last one accepted, which it then becomes: each code works once.
fn fresh_code(totp: &mut TotpRecord, account: &str, code: &str) -> Result<bool> {
    let step = authenticator(&totp.secret, account)?.check_current(code.trim());
    match step {
        Some(step) if totp.last_step.is_none_or(|last| step > last) => {
            totp.last_step = Some(step);
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// The authenticator of a base32 secret: SHA-1, 6 digits, 30 s steps, one step of skew.
fn authenticator(secret: &str, account: &str) -> Result<Totp> {
    let secret = Secret::try_from_base32(secret)
        .map_err(|e| StorageError::new(format!("a stored TOTP secret is corrupt: {e:?}")))?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        .with_account_name(account)
        .build()
        .map_err(|e| StorageError::new(format!("a TOTP secret is unusable: {e}")).into())
}
