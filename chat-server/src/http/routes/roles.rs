//! `/servers/{id}/roles` and permission explanations.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_engine::id::{ChannelId, RoleId, ServerId, UserId};
use chat_engine::model::{CreateRole, Permissions, Role, UpdateRole};
use chat_engine::permissions::Explanation;
use serde::Deserialize;

use super::{Route, route};
use crate::http::error::ApiResult;
use crate::http::extract::{Acting, Auth, Body, Params, Path};
use crate::state::AppState;

pub(super) fn routes() -> Vec<Route> {
    vec![
        route!(User, get "/servers/{server_id}/roles" => list_roles, list_of(Role), "Roles by position"),
        route!(User, post "/servers/{server_id}/roles" => create_role, created(Role), "Create a role just above @everyone (MANAGE_ROLES)", body CreateRole),
        route!(User, patch "/servers/{server_id}/roles/{role_id}" => update_role, ok(Role), "Change a role below one's highest (MANAGE_ROLES)", body UpdateRole),
        route!(User, delete "/servers/{server_id}/roles/{role_id}" => delete_role, no_content, "Delete a role below one's highest (MANAGE_ROLES)"),
        route!(User, get "/servers/{server_id}/permissions" => explain_permission, ok(Explanation), "Explain a member's permission (`permission`, optional `user_id`, `channel_id`)", query ExplainQuery),
    ]
}

async fn list_roles(
    State(state): State<AppState>,
    auth: Auth,
    Path(server): Path<ServerId>,
) -> ApiResult<Json<Vec<Role>>> {
    Ok(Json(state.engine.list_roles(auth.user(), server)?))
}

async fn create_role(
    State(state): State<AppState>,
    acting: Acting,
    Path(server): Path<ServerId>,
    Body(request): Body<CreateRole>,
) -> ApiResult<(StatusCode, Json<Role>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.engine.create_role(acting.0, server, request).await?),
    ))
}

async fn update_role(
    State(state): State<AppState>,
    acting: Acting,
    Path((server, role)): Path<(ServerId, RoleId)>,
    Body(update): Body<UpdateRole>,
) -> ApiResult<Json<Role>> {
    Ok(Json(
        state
            .engine
            .update_role(acting.0, server, role, update)
            .await?,
    ))
}

async fn delete_role(
    State(state): State<AppState>,
    acting: Acting,
    Path((server, role)): Path<(ServerId, RoleId)>,
) -> ApiResult<StatusCode> {
    state.engine.delete_role(acting.0, server, role).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ExplainQuery {
    /// The flags to explain, as a number.
    permission: u64,
    /// The member (the caller when left out).
    #[serde(default)]
    user_id: Option<UserId>,
    /// In this channel (server-wide when left out).
    #[serde(default)]
    channel_id: Option<ChannelId>,
}

async fn explain_permission(
    State(state): State<AppState>,
    auth: Auth,
    Path(server): Path<ServerId>,
    Params(query): Params<ExplainQuery>,
) -> ApiResult<Json<Explanation>> {
    let user = query.user_id.unwrap_or(auth.user());
    let permission = Permissions::from_bits_retain(query.permission);
    Ok(Json(state.engine.explain_permission(
        auth.user(),
        server,
        user,
        query.channel_id,
        permission,
    )?))
}
