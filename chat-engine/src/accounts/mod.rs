//! Accounts: registration with argon2id, login with a short-lived access token and a rotating,
//! revocable refresh token that expires unused, throttled per account; two-step login with
//! TOTP (`mfa.rs`); password changes and the list of sessions (`sessions.rs`); logout,
//! profiles, discriminators and bot accounts.

mod mfa;
mod sessions;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use serde::{Deserialize, Serialize};

use crate::credentials;
use crate::engine::Engine;
use crate::envelope::Audience;
use crate::error::{Error, ResourceKind, Result, StorageError, found};
use crate::id::{SessionId, UserId};
use crate::model::{
    AuthResponse, BotCreated, CreateBot, Event, LoginRequest, LoginResponse, MfaChallenge,
    RegisterRequest, Status, UpdateProfile, User,
};
use crate::store::{KvMut, SessionRecord, Tx, UserRecord, UserStore};
use crate::validate;

/// Who is calling: a user and the login session the token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identity {
    /// The login session.
    pub session_id: SessionId,
    /// The user.
    pub user_id: UserId,
}

impl Engine {
    /// Creates an account and logs it in.
    ///
    /// # Errors
    ///
    /// `Validation` for a bad username, password or e-mail; `Conflict` for a taken username.
    #[tracing::instrument(level = "debug", skip_all, fields(username = %request.username), err(level = "debug"))]
    pub async fn register(&self, request: RegisterRequest) -> Result<AuthResponse> {
        let username = request.username.trim().to_owned();
        validate::username(&username)?;
        validate::password(&request.password)?;
        validate::email(request.email.as_deref())?;
        if self.read()?.fetch_user_id_by_name(&username)?.is_some() {
            return Err(Error::conflict("username is taken"));
        }
        let hash = hash_password(request.password).await?;
        let email = request.email;
        let (user, session, secret) = self
            .write(move |tx| {
                if tx.fetch_user_id_by_name(&username)?.is_some() {
                    return Err(Error::conflict("username is taken"));
                }
                let user = new_user(tx, username, false);
                tx.insert_user(&UserRecord {
                    bot_owner_id: None,
                    disabled: None,
                    email,
                    instance_admin: false,
                    password_hash: hash,
                    totp: None,
                    user: user.clone(),
                });
                let (session, secret) = open_session(tx, user.id, false, String::new())?;
                Ok((user, session, secret))
            })
            .await?;
        self.auth_response(user, session, &secret)
    }

    /// Checks a username and password and opens a new login session for `client` (what
    /// logged in, for the list of sessions); with 2FA on, answers a ticket for the second
    /// step ([`Engine::totp_login`]) instead.
    ///
    /// # Errors
    ///
    /// `Unauthorized` for an unknown user or a wrong password (the same answer for both);
    /// `RateLimited` after too many wrong passwords or codes for the account.
    #[tracing::instrument(level = "debug", skip_all, fields(username = %request.username), err(level = "debug"))]
    pub async fn login(&self, request: LoginRequest, client: &str) -> Result<LoginResponse> {
        let wrong = || Error::unauthorized("wrong username or password");
        // The snapshot is not `Send`: read in a scope of its own, before any await.
        let (id, record) = {
            let reader = self.read()?;
            let id = reader
                .fetch_user_id_by_name(request.username.trim())?
                .ok_or_else(wrong)?;
            (id, reader.fetch_user(id)?.ok_or_else(wrong)?)
        };
        if record.password_hash.is_empty() {
            return Err(wrong());
        }
        self.login_throttle().check(id)?;
        if verify_password(request.password, record.password_hash)
            .await
            .is_err()
        {
            self.login_throttle().failed(id);
            return Err(wrong());
        }
        if record.disabled.is_some() {
            return Err(Error::forbidden("this account is disabled"));
        }
        if record.totp.is_some_and(|t| t.enabled) {
            let ticket = self.keys().mfa_ticket(id, mfa::TICKET_TTL)?;
            return Ok(LoginResponse::MfaRequired(MfaChallenge {
                mfa_required: true,
                ticket,
            }));
        }
        self.login_throttle().succeeded(id);
        self.open_login_session(record.user, client).await
    }

    /// Opens a login session for a user who proved who they are.
    async fn open_login_session(&self, user: User, client: &str) -> Result<LoginResponse> {
        let (id, client) = (user.id, client_label(client));
        let (session, secret) = self
            .write(move |tx| open_session(tx, id, false, client))
            .await?;
        let tokens = self.auth_response(user, session, &secret)?;
        Ok(LoginResponse::Tokens(Box::new(tokens)))
    }

    /// Trades a refresh token for a new pair; the old refresh token stops working. Reusing an
    /// old one revokes the whole session, since it means the token was stolen; so does
    /// presenting one older than the refresh token lifetime.
    ///
    /// # Errors
    ///
    /// `Unauthorized` for an unknown, reused, expired or revoked refresh token.
    pub async fn refresh(&self, refresh_token: &str) -> Result<AuthResponse> {
        let (session_id, secret) = credentials::split_opaque(refresh_token)?;
        let presented = credentials::hash_secret(secret);
        let lifetime =
            chrono::Duration::from_std(self.refresh_token_ttl()).unwrap_or(chrono::Duration::MAX);
        let (user, secret) = self
            .write(move |tx| {
                let revoked = || Error::unauthorized("refresh token is revoked");
                let mut session = tx.fetch_session(session_id)?.ok_or_else(revoked)?;
                if session.is_bot {
                    return Err(revoked());
                }
                if session.secret_hash != presented {
                    // Rotation reuse: end the session for everybody holding its tokens.
                    tx.delete_session(session.user_id, session_id);
                    return Ok(Err(revoked()));
                }
                let issued = session.refreshed_at.unwrap_or(session.created_at);
                if issued
                    .checked_add_signed(lifetime)
                    .is_some_and(|end| end < tx.now())
                {
                    tx.delete_session(session.user_id, session_id);
                    return Ok(Err(Error::unauthorized("refresh token expired")));
                }
                let secret = credentials::random_hex(32)?;
                session.secret_hash = credentials::hash_secret(&secret);
                session.refreshed_at = Some(tx.now());
                tx.update_session(&session);
                let user = found(
                    tx.fetch_user(session.user_id)?,
                    ResourceKind::User,
                    session.user_id,
                )?;
                Ok(Ok((user.user, secret)))
            })
            .await??;
        self.auth_response(user, session_id, &secret)
    }

    /// Ends a login session: its access and refresh tokens stop working.
    pub async fn logout(&self, identity: Identity) -> Result<()> {
        self.write(move |tx| {
            tx.delete_session(identity.user_id, identity.session_id);
            Ok(())
        })
        .await
    }

    /// Checks an access token (or a bot token) and says whose it is.
    ///
    /// # Errors
    ///
    /// `Unauthorized` for a malformed, expired or revoked token.
    pub fn authenticate(&self, token: &str) -> Result<Identity> {
        let (user_id, session_id) = if token.matches('.').count() == 2 {
            let (user_id, session_id) = self.keys().verify(token)?;
            if self.live_session(session_id)?.is_none() {
                return Err(Error::unauthorized("session is logged out"));
            }
            (user_id, session_id)
        } else {
            let (session_id, secret) = credentials::split_opaque(token)?;
            let session = self.live_session(session_id)?.filter(|s| s.is_bot);
            let session = session.ok_or_else(|| Error::unauthorized("unknown bot token"))?;
            if session.secret_hash != credentials::hash_secret(secret) {
                return Err(Error::unauthorized("unknown bot token"));
            }
            (session.user_id, session_id)
        };
        Ok(Identity {
            session_id,
            user_id,
        })
    }

    /// A session that exists, from the session cache or from storage.
    fn live_session(&self, id: SessionId) -> Result<Option<SessionRecord>> {
        let cache = self.sessions();
        if let Some(session) = cache.get(id) {
            return Ok(Some(session));
        }
        let generation = cache.generation();
        let session = self.read()?.fetch_session(id)?;
        if let Some(session) = &session {
            cache.insert(generation, session.clone());
        }
        Ok(session)
    }

    /// Fetches a user's profile, with their live status as `viewer` sees it.
    pub fn fetch_user(&self, viewer: UserId, id: UserId) -> Result<User> {
        let record = found(self.read()?.fetch_user(id)?, ResourceKind::User, id)?;
        let mut user = record.user;
        user.status = self.realtime().status_seen_by(viewer, id);
        user.mfa_enabled = viewer == id && record.totp.is_some_and(|t| t.enabled);
        user.instance_admin = viewer == id && record.instance_admin;
        Ok(user)
    }

    /// Changes the caller's profile; `USER_UPDATE` goes to the user's own sessions.
    pub async fn update_profile(&self, actor: UserId, update: UpdateProfile) -> Result<User> {
        if let Some(name) = &update.display_name {
            validate::text("display_name", name, 32)?;
        }
        if let Some(bio) = &update.bio {
            validate::text("bio", bio, 190)?;
        }
        if let Some(status) = &update.custom_status {
            validate::text("custom_status", status, 128)?;
        }
        if let Some(url) = &update.avatar_url {
            validate::text("avatar_url", url, 2048)?;
        }
        let status = self.realtime().status_seen_by(actor, actor);
        self.write(move |tx| {
            let mut record = found(tx.fetch_user(actor)?, ResourceKind::User, actor)?;
            let user = &mut record.user;
            let trimmed = |s: String| s.trim().to_owned();
            if let Some(v) = update.display_name {
                user.display_name = trimmed(v);
            }
            if let Some(v) = update.bio {
                user.bio = v;
            }
            if let Some(v) = update.read_receipts {
                user.read_receipts = v;
            }
            if let Some(v) = update.custom_status {
                user.custom_status = trimmed(v);
            }
            if let Some(v) = update.avatar_url {
                user.avatar_url = trimmed(v);
            }
            tx.update_user(&record);
            let user = User {
                status,
                ..record.user
            };
            tx.emit(
                Event::UserUpdate(user.clone()),
                Audience::users(vec![actor]),
            );
            Ok(user)
        })
        .await
    }

    /// Creates a bot account owned by the caller, with a long-lived token shown once.
    pub async fn create_bot(&self, owner: UserId, request: CreateBot) -> Result<BotCreated> {
        let username = request.username.trim().to_owned();
        validate::username(&username)?;
        let (user, session, secret) = self
            .write(move |tx| {
                let owner_record = found(tx.fetch_user(owner)?, ResourceKind::User, owner)?;
                if owner_record.user.is_bot {
                    return Err(Error::forbidden("bots cannot create bots"));
                }
                if tx.fetch_user_id_by_name(&username)?.is_some() {
                    return Err(Error::conflict("username is taken"));
                }
                let user = new_user(tx, username, true);
                let record = UserRecord {
                    bot_owner_id: Some(owner),
                    disabled: None,
                    email: None,
                    instance_admin: false,
                    password_hash: String::new(),
                    totp: None,
                    user: user.clone(),
                };
                tx.insert_user(&record);
                let (session, secret) = open_session(tx, user.id, true, String::new())?;
                Ok((user, session, secret))
            })
            .await?;
        Ok(BotCreated {
            token: format!("{session}.{secret}"),
            user,
        })
    }

    fn auth_response(&self, user: User, session: SessionId, secret: &str) -> Result<AuthResponse> {
        let token = self
            .keys()
            .access_token(user.id, session, self.access_token_ttl())?;
        Ok(AuthResponse {
            refresh_token: format!("{session}.{secret}"),
            token,
            user,
        })
    }
}

fn new_user(tx: &mut Tx<'_>, username: String, is_bot: bool) -> User {
    let id: UserId = tx.new_id();
    // The discriminator is display-only (usernames are unique); derive it from the id's
    // random part so that it needs no extra randomness.
    let discriminator = format!("{:04}", (id.ulid().random() % 9999) + 1);
    User {
        avatar_url: String::new(),
        bio: String::new(),
        created_at: tx.now(),
        custom_status: String::new(),
        discriminator,
        display_name: String::new(),
        id,
        is_bot,
        instance_admin: false,
        mfa_enabled: false,
        read_receipts: false,
        status: Status::Offline,
        username,
    }
}

/// What a User-Agent says of the client, short enough for the list of sessions.
fn client_label(user_agent: &str) -> String {
    user_agent.trim().chars().take(200).collect()
}

fn open_session(
    tx: &mut Tx<'_>,
    user: UserId,
    is_bot: bool,
    client: String,
) -> Result<(SessionId, String)> {
    let secret = credentials::random_hex(32)?;
    let session = SessionRecord {
        client,
        created_at: tx.now(),
        id: tx.new_id(),
        is_bot,
        refreshed_at: None,
        secret_hash: credentials::hash_secret(&secret),
        user_id: user,
    };
    tx.update_session(&session);
    Ok((session.id, secret))
}

async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| StorageError::new(format!("hashing a password: {e}")).into())
    })
    .await
    .map_err(StorageError::new)?
}

async fn verify_password(password: String, hash: String) -> Result<()> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .map_err(|_| Error::unauthorized("wrong password"))
    })
    .await
    .map_err(StorageError::new)?
}
