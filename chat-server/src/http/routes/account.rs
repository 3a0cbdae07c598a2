//! `/auth/mfa`, `/auth/password`, `/auth/sessions`: two-step login with TOTP, password
//! changes and the caller's login sessions.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chat_engine::id::SessionId;
use chat_engine::model::{
    BackupCodes, LoginResponse, LoginSession, MfaLogin, PasswordChange, TotpCode,
};
use qrcodegen::{QrCode, QrCodeEcc};
use serde::Serialize;

use super::auth::{client_of, login_answer};
use super::{Route, route};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Auth, Body, Path};
use crate::http::security::Https;
use crate::state::AppState;

pub(super) fn routes() -> Vec<Route> {
    vec![
        route!(Public, post "/auth/mfa/totp" => totp_login, ok(LoginResponse), "The second step of a login: the ticket and a code of the authenticator app (or a backup code); returns the tokens. Wrong codes are limited per account", body MfaLogin, also 401),
        route!(User, post "/auth/mfa/totp/enable" => enable_totp, ok(TotpEnrollment), "Start setting up 2FA: a secret for the authenticator app, its otpauth URL and a QR code of it", also 409),
        route!(User, post "/auth/mfa/totp/confirm" => confirm_totp, ok(BackupCodes), "Turn 2FA on with a first code; returns ten backup codes, shown once", body TotpCode, also 409),
        route!(User, post "/auth/mfa/totp/disable" => disable_totp, no_content, "Turn 2FA off with a code of the app or a backup code", body TotpCode),
        route!(User, post "/auth/password" => change_password, no_content, "Change the password; every other session is logged out", body PasswordChange, also 401),
        route!(User, get "/auth/sessions" => list_sessions, list_of(LoginSession), "The caller's login sessions (devices) with their client and last use, newest first"),
        route!(User, delete "/auth/sessions" => revoke_other_sessions, no_content, "Log out every other session"),
        route!(User, delete "/auth/sessions/{session_id}" => revoke_session, no_content, "Log out one session"),
    ]
}

/// A 2FA setup: the secret, its otpauth URL, and a QR code of the URL to scan.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct TotpEnrollment {
    /// `otpauth://totp/…`.
    otpauth_url: String,
    /// The QR code of `otpauth_url`, as an SVG image.
    qr_svg: String,
    /// The secret, base32, to type in when scanning is not possible.
    secret: String,
}

async fn totp_login(
    State(state): State<AppState>,
    headers: HeaderMap,
    https: Https,
    Body(request): Body<MfaLogin>,
) -> ApiResult<Response> {
    let client = client_of(&headers);
    let login = state
        .engine
        .totp_login(&request.ticket, &request.code, &client)
        .await?;
    Ok(login_answer(https, login))
}

async fn enable_totp(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<TotpEnrollment>> {
    let setup = state.engine.enable_totp(auth.user()).await?;
    let qr = QrCode::encode_text(&setup.otpauth_url, QrCodeEcc::Medium).map_err(|_| {
        ApiError::bad_request("invalid_body", "the otpauth URL does not fit a QR code")
    })?;
    Ok(Json(TotpEnrollment {
        qr_svg: svg(&qr),
        otpauth_url: setup.otpauth_url,
        secret: setup.secret,
    }))
}

/// A QR code as an SVG image: one path of dark modules on a white square with a margin.
fn svg(qr: &QrCode) -> String {
    use std::fmt::Write;
    const MARGIN: i32 = 4;
    let size = qr.size();
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                let _ = write!(path, "M{},{}h1v1h-1z", x + MARGIN, y + MARGIN);
            }
        }
    }
    let full = size + 2 * MARGIN;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {full} {full}\" shape-rendering=\"crispEdges\">\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    )
}

async fn confirm_totp(
    State(state): State<AppState>,
    auth: Auth,
    Body(request): Body<TotpCode>,
) -> ApiResult<Json<BackupCodes>> {
    Ok(Json(
        state
            .engine
            .confirm_totp(auth.user(), &request.code)
            .await?,
    ))
}

async fn disable_totp(
    State(state): State<AppState>,
    auth: Auth,
    Body(request): Body<TotpCode>,
) -> ApiResult<StatusCode> {
    state
        .engine
        .disable_totp(auth.user(), &request.code)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn change_password(
    State(state): State<AppState>,
    auth: Auth,
    Body(request): Body<PasswordChange>,
) -> ApiResult<StatusCode> {
    state.engine.change_password(auth.0, request).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_sessions(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<LoginSession>>> {
    Ok(Json(state.engine.list_sessions(auth.0)?))
}

async fn revoke_other_sessions(State(state): State<AppState>, auth: Auth) -> ApiResult<StatusCode> {
    state.engine.revoke_other_sessions(auth.0).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn revoke_session(
    State(state): State<AppState>,
    auth: Auth,
    Path(session): Path<SessionId>,
) -> ApiResult<StatusCode> {
    state.engine.revoke_session(auth.0, session).await?;
    Ok(StatusCode::NO_CONTENT)
}
