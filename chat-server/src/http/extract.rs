//! Extractors that answer bad input with our error bodies: the caller's identity, JSON bodies,
//! query strings and typed ids in paths.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use chat_engine::id::UserId;
use chat_engine::{Actor, Identity};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use super::error::ApiError;
use crate::state::AppState;

/// The name of the httpOnly cookie the web UI authenticates with.
pub(crate) const TOKEN_COOKIE: &str = "chat_token";
/// The name of the refresh-token cookie.
pub(crate) const REFRESH_COOKIE: &str = "chat_refresh";

/// The authenticated caller: `Authorization: Bearer <token>` (or `Bot <token>`), or the
/// `chat_token` cookie.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Auth(pub(crate) Identity);

impl Auth {
    pub(crate) fn user(&self) -> UserId {
        self.0.user_id
    }
}

/// The token a request carries, if any.
pub(crate) fn token_of(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("Bot "));
        return token.map(|t| t.trim().to_owned());
    }
    cookie(headers, TOKEN_COOKIE)
}

/// A cookie's value.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(identity) = parts.extensions.get::<Identity>() {
            return Ok(Self(*identity));
        }
        let token = token_of(&parts.headers)
            .ok_or_else(|| ApiError::unauthorized("missing bearer token"))?;
        let identity = state.engine.authenticate(&token)?;
        parts.extensions.insert(identity);
        Ok(Self(identity))
    }
}

/// The header that carries a moderator's reason for the audit log (URL-encoded, as
/// Discord's).
pub(crate) const AUDIT_REASON: &str = "x-audit-log-reason";

/// The authenticated caller with the reason of `X-Audit-Log-Reason`, for changes the audit
/// log records. A reason that is not URL-encoded UTF-8, or is longer than 512 characters,
/// is a 400.
#[derive(Debug, Clone)]
pub(crate) struct Acting(pub(crate) Actor);

impl Acting {
    pub(crate) fn user(&self) -> UserId {
        self.0.user()
    }
}

impl FromRequestParts<AppState> for Acting {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let auth = Auth::from_request_parts(parts, state).await?;
        let Some(header) = parts.headers.get(AUDIT_REASON) else {
            return Ok(Self(auth.user().into()));
        };
        let invalid = || {
            ApiError::bad_request(
                "invalid_header",
                "X-Audit-Log-Reason must be URL-encoded UTF-8",
            )
        };
        let raw = header.to_str().map_err(|_| invalid())?;
        let reason = percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .map_err(|_| invalid())?;
        Ok(Self(Actor::with_reason(auth.user(), &reason)?))
    }
}

/// A JSON body; malformed JSON and wrong types are 400s with the parser's reason.
#[derive(Debug)]
pub(crate) struct Body<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(JsonRejection::BytesRejection(e)) => {
                Err(ApiError::new(e.status(), "invalid_body", e.body_text()))
            }
            Err(rejection) => Err(ApiError::bad_request("invalid_body", rejection.body_text())),
        }
    }
}

/// A JSON body that may be left out entirely (then it is `T::default()`).
#[derive(Debug)]
pub(crate) struct OptionalBody<T>(pub(crate) T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::new(e.status(), "invalid_body", e.body_text()))?;
        if bytes.is_empty() {
            return Ok(Self(T::default()));
        }
        serde_json::from_slice(&bytes)
            .map(Self)
            .map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))
    }
}

/// A query string; unknown values and out-of-range numbers are 400s.
#[derive(Debug)]
pub(crate) struct Params<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|e: QueryRejection| ApiError::bad_request("invalid_query", e.body_text()))
    }
}

/// The typed segments of the path (ids, or a tuple of them); a segment that does not parse
/// is our 400 `invalid_id`, with the reason.
#[derive(Debug)]
pub(crate) struct Path<T>(pub(crate) T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|e: PathRejection| ApiError::bad_request("invalid_id", e.body_text()))
    }
}

/// A user in a path: an id, or `@me` for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UserRef {
    /// The caller.
    Me,
    /// A user by id.
    Id(UserId),
}

impl UserRef {
    /// The user meant, `@me` being the caller.
    pub(crate) fn or_caller(self, caller: UserId) -> UserId {
        match self {
            Self::Me => caller,
            Self::Id(user) => user,
        }
    }
}

impl<'de> Deserialize<'de> for UserRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        if text == "@me" {
            return Ok(Self::Me);
        }
        text.parse()
            .map(Self::Id)
            .map_err(|_| serde::de::Error::custom(format!("{text:?} is neither an id nor @me")))
    }
}
