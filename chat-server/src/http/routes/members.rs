//! `/servers/{id}/members` and `/bans`: joining, leaving, kicks, bans, nicknames, voice
//! moderation and role assignment.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_engine::Actor;
use chat_engine::id::{RoleId, ServerId, UserId};
use chat_engine::model::{Ban, Member, Server, UpdateMember};
use serde::Deserialize;

use super::{Route, route};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Acting, Auth, Body, OptionalBody, Params, Path, UserRef};
use crate::state::AppState;

pub(super) fn routes() -> Vec<Route> {
    vec![
        route!(User, get "/servers/{server_id}/members" => list_members, list_of(Member), "Members, paged by user id (`after`, `limit` 1–1000, default 100)", query MemberPage),
        route!(User, post "/servers/{server_id}/members" => join_server, ok(Server), "Join with an invite code, or a public server without one", optional_body JoinServer),
        route!(User, get "/servers/{server_id}/members/{user_id}" => get_member, ok(Member), "A member (`@me` for the caller)"),
        route!(User, patch "/servers/{server_id}/members/{user_id}" => update_member, ok(Member), "Nickname, server mute and deafen", body UpdateMember),
        route!(User, delete "/servers/{server_id}/members/{user_id}" => remove_member, no_content, "Leave (`@me` or oneself) or kick (KICK_MEMBERS; `?reason=` goes into MEMBER_REMOVE)", query KickQuery),
        route!(User, put "/servers/{server_id}/members/{user_id}/roles/{role_id}" => add_member_role, ok(Member), "Give a member a role (MANAGE_ROLES, below one's highest)"),
        route!(User, delete "/servers/{server_id}/members/{user_id}/roles/{role_id}" => remove_member_role, ok(Member), "Take a role from a member (MANAGE_ROLES)"),
        route!(User, get "/servers/{server_id}/bans" => list_bans, list_of(Ban), "Bans (BAN_MEMBERS)"),
        route!(User, put "/servers/{server_id}/bans/{user_id}" => ban_member, ok(Ban), "Ban a user (BAN_MEMBERS)", optional_body BanRequest),
        route!(User, delete "/servers/{server_id}/bans/{user_id}" => unban_member, no_content, "Lift a ban (BAN_MEMBERS)"),
    ]
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct MemberPage {
    /// Members whose user id comes after this one.
    #[serde(default)]
    after: Option<UserId>,
    /// How many, 1 to 1,000 (100).
    #[serde(default)]
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
}

async fn list_members(
    State(state): State<AppState>,
    auth: Auth,
    Path(server): Path<ServerId>,
    Params(page): Params<MemberPage>,
) -> ApiResult<Json<Vec<Member>>> {
    Ok(Json(state.engine.list_members(
        auth.user(),
        server,
        page.after,
        page.limit.unwrap_or(100),
    )?))
}

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct JoinServer {
    /// An invite code of the server; not needed for a public server.
    #[serde(default)]
    invite_code: Option<String>,
}

async fn join_server(
    State(state): State<AppState>,
    auth: Auth,
    Path(server): Path<ServerId>,
    OptionalBody(request): OptionalBody<JoinServer>,
) -> ApiResult<Json<Server>> {
    let joined = match request.invite_code {
        Some(code) => {
            let invite = state.engine.fetch_invite(&code)?;
            if invite.server_id != server {
                return Err(ApiError::bad_request(
                    "invalid_body",
                    "the invite is for another server",
                ));
            }
            state.engine.accept_invite(auth.user(), &code).await?
        }
        None => state.engine.join_server(auth.user(), server).await?,
    };
    Ok(Json(joined))
}

async fn get_member(
    State(state): State<AppState>,
    auth: Auth,
    Path((server, user)): Path<(ServerId, UserRef)>,
) -> ApiResult<Json<Member>> {
    Ok(Json(state.engine.fetch_member(
        auth.user(),
        server,
        user.or_caller(auth.user()),
    )?))
}

async fn update_member(
    State(state): State<AppState>,
    acting: Acting,
    Path((server, user)): Path<(ServerId, UserRef)>,
    Body(update): Body<UpdateMember>,
) -> ApiResult<Json<Member>> {
    let user = user.or_caller(acting.user());
    Ok(Json(
        state
            .engine
            .update_member(acting.0, server, user, update)
            .await?,
    ))
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct KickQuery {
    /// Why, for MEMBER_REMOVE (up to 512 characters).
    #[serde(default)]
    #[param(max_length = 512)]
    reason: String,
}

async fn remove_member(
    State(state): State<AppState>,
    acting: Acting,
    Path((server, user)): Path<(ServerId, UserRef)>,
    Params(query): Params<KickQuery>,
) -> ApiResult<StatusCode> {
    let user = user.or_caller(acting.user());
    if user == acting.user() {
        state.engine.leave_server(user, server).await?;
    } else {
        state
            .engine
            .kick_member(reasoned(acting, &query.reason)?, server, user)
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn add_member_role(
    State(state): State<AppState>,
    acting: Acting,
    Path((server, user, role)): Path<(ServerId, UserRef, RoleId)>,
) -> ApiResult<Json<Member>> {
    let user = user.or_caller(acting.user());
    Ok(Json(
        state
            .engine
            .add_member_role(acting.0, server, user, role)
            .await?,
    ))
}

async fn remove_member_role(
    State(state): State<AppState>,
    acting: Acting,
    Path((server, user, role)): Path<(ServerId, UserRef, RoleId)>,
) -> ApiResult<Json<Member>> {
    let user = user.or_caller(acting.user());
    Ok(Json(
        state
            .engine
            .remove_member_role(acting.0, server, user, role)
            .await?,
    ))
}

async fn list_bans(
    State(state): State<AppState>,
    auth: Auth,
    Path(server): Path<ServerId>,
) -> ApiResult<Json<Vec<Ban>>> {
    Ok(Json(state.engine.list_bans(auth.user(), server)?))
}

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct BanRequest {
    /// Also delete the user's messages of this many last seconds, up to 604,800 (7 days).
    #[serde(default)]
    #[schema(maximum = 604_800)]
    delete_message_seconds: u32,
    /// Why, for the ban list and the audit log (else `X-Audit-Log-Reason`).
    #[serde(default)]
    #[schema(max_length = 512)]
    reason: String,
}

async fn ban_member(
    State(state): State<AppState>,
    acting: Acting,
    Path((server, user)): Path<(ServerId, UserId)>,
    OptionalBody(request): OptionalBody<BanRequest>,
) -> ApiResult<Json<Ban>> {
    Ok(Json(
        state
            .engine
            .ban_member(
                reasoned(acting, &request.reason)?,
                server,
                user,
                request.delete_message_seconds,
            )
            .await?,
    ))
}

async fn unban_member(
    State(state): State<AppState>,
    acting: Acting,
    Path((server, user)): Path<(ServerId, UserId)>,
) -> ApiResult<StatusCode> {
    state.engine.unban_member(acting.0, server, user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The actor with the route's own reason when it gives one, else the header's.
fn reasoned(acting: Acting, reason: &str) -> ApiResult<Actor> {
    if reason.trim().is_empty() {
        Ok(acting.0)
    } else {
        Ok(Actor::with_reason(acting.user(), reason)?)
    }
}
