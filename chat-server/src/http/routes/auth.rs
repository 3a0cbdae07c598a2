//! `/auth`: register, login, refresh, logout and the caller's profile; bots.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::header::{SET_COOKIE, USER_AGENT};
use axum::response::{AppendHeaders, IntoResponse, Response};
use chat_engine::model::{
    AuthResponse, BotCreated, CreateBot, LoginRequest, LoginResponse, RegisterRequest,
    UpdateProfile, User,
};
use serde::Deserialize;

use super::{Route, route};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Auth, Body, OptionalBody, REFRESH_COOKIE, TOKEN_COOKIE, cookie};
use crate::http::security::Https;
use crate::state::AppState;

pub(super) fn routes() -> Vec<Route> {
    vec![
        route!(Public, post "/auth/register" => register, created(AuthResponse), "Create an account; returns tokens and sets the httpOnly cookies", body RegisterRequest, also 409),
        route!(Public, post "/auth/login" => login, ok(LoginResponse), "Log in; returns tokens and sets the httpOnly cookies, or (with 2FA on) `{mfa_required, ticket}` for `POST /auth/mfa/totp`. Wrong passwords are limited per account too", body LoginRequest, also 401),
        route!(Public, post "/auth/refresh" => refresh, ok(AuthResponse), "Trade a refresh token (body or cookie) for a new pair; the old one stops working", optional_body RefreshRequest, also 401),
        route!(User, post "/auth/logout" => logout, no_content, "Revoke the session's access and refresh tokens"),
        route!(User, get "/auth/me" => me, ok(User), "The caller's user"),
        route!(User, patch "/auth/me" => update_me, ok(User), "Change the caller's profile", body UpdateProfile),
        route!(User, post "/bots" => create_bot, created(BotCreated), "Create a bot account owned by the caller; its token is shown once", body CreateBot, also 409),
    ]
}

/// A login's answer: the tokens with their cookies, or the ticket of a second step.
pub(super) fn login_answer(https: Https, login: LoginResponse) -> Response {
    match login {
        LoginResponse::Tokens(auth) => with_cookies(StatusCode::OK, https, *auth),
        challenge @ LoginResponse::MfaRequired(_) => Json(challenge).into_response(),
    }
}

/// What logged in, for the list of sessions: the browser and system a User-Agent names, or
/// the User-Agent itself.
pub(super) fn client_of(headers: &HeaderMap) -> String {
    let agent = headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let browser = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .into_iter()
    .find(|(mark, _)| agent.contains(mark));
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(mark, _)| agent.contains(mark));
    match (browser, system) {
        (Some((_, browser)), Some((_, system))) => format!("{browser} on {system}"),
        (Some((_, browser)), None) => browser.to_owned(),
        _ => agent.chars().take(100).collect(),
    }
}

/// The tokens as JSON, and as httpOnly cookies for the web UI (`Secure` over https).
fn with_cookies(status: StatusCode, https: Https, auth: AuthResponse) -> Response {
    let secure = if https.0 { "; Secure" } else { "" };
    let token = format!(
        "{TOKEN_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/{secure}",
        auth.token
    );
    let refresh = format!(
        "{REFRESH_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/api/v1/auth{secure}",
        auth.refresh_token
    );
    (
        status,
        AppendHeaders([(SET_COOKIE, token), (SET_COOKIE, refresh)]),
        Json(auth),
    )
        .into_response()
}

async fn register(
    State(state): State<AppState>,
    https: Https,
    Body(request): Body<RegisterRequest>,
) -> ApiResult<Response> {
    Ok(with_cookies(
        StatusCode::CREATED,
        https,
        state.engine.register(request).await?,
    ))
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    https: Https,
    Body(request): Body<LoginRequest>,
) -> ApiResult<Response> {
    let login = state.engine.login(request, &client_of(&headers)).await?;
    Ok(login_answer(https, login))
}

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RefreshRequest {
    /// The refresh token; without it, the refresh cookie is used.
    #[serde(default)]
    refresh_token: Option<String>,
}

async fn refresh(
    State(state): State<AppState>,
    headers: HeaderMap,
    https: Https,
    OptionalBody(request): OptionalBody<RefreshRequest>,
) -> ApiResult<Response> {
    let token = request
        .refresh_token
        .or_else(|| cookie(&headers, REFRESH_COOKIE))
        .ok_or_else(|| ApiError::bad_request("invalid_body", "refresh_token is required"))?;
    Ok(with_cookies(
        StatusCode::OK,
        https,
        state.engine.refresh(&token).await?,
    ))
}

async fn logout(State(state): State<AppState>, auth: Auth) -> ApiResult<Response> {
    state.engine.logout(auth.0).await?;
    let clear = [
        (
            SET_COOKIE,
            format!("{TOKEN_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
        ),
        (
            SET_COOKIE,
            format!("{REFRESH_COOKIE}=; HttpOnly; SameSite=Strict; Path=/api/v1/auth; Max-Age=0"),
        ),
    ];
    Ok((StatusCode::NO_CONTENT, AppendHeaders(clear)).into_response())
}

async fn me(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<User>> {
    Ok(Json(state.engine.fetch_user(auth.user(), auth.user())?))
}

async fn update_me(
    State(state): State<AppState>,
    auth: Auth,
    Body(update): Body<UpdateProfile>,
) -> ApiResult<Json<User>> {
    Ok(Json(
        state.engine.update_profile(auth.user(), update).await?,
    ))
}

async fn create_bot(
    State(state): State<AppState>,
    auth: Auth,
    Body(request): Body<CreateBot>,
) -> ApiResult<(StatusCode, Json<BotCreated>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.engine.create_bot(auth.user(), request).await?),
    ))
}
