//! `/admin`: instance administration (every server and user; disabling accounts). Deleting an
//! abusive server is `DELETE /servers/{id}`, which lets administrators through.

use axum::Json;
use axum::extract::State;
use chat_engine::id::{ServerId, UserId};
use chat_engine::model::{AdminQuery, AdminUser, DisableAccount, Server};

use super::{Route, route};
use crate::http::error::ApiResult;
use crate::http::extract::{Auth, OptionalBody, Params, Path};
use crate::state::AppState;

pub(super) fn routes() -> Vec<Route> {
    vec![
        route!(User, get "/admin/servers" => list_servers, list_of(Server), "Every server of the instance, by id: `q` in the name, `after` an id, `limit` 1–200 (50); instance administrators", query AdminQuery),
        route!(User, get "/admin/users" => list_users, list_of(AdminUser), "Every user of the instance, by id, with whether they are disabled: `q` in the name, `after`, `limit` 1–200 (50); instance administrators", query AdminQuery),
        route!(User, put "/admin/users/{user_id}/disabled" => disable_account, ok(AdminUser), "Disable an account: it cannot log in, its sessions end and its gateway connections close (`ACCOUNT_DISABLED`); instance administrators", optional_body DisableAccount),
        route!(User, delete "/admin/users/{user_id}/disabled" => enable_account, ok(AdminUser), "Enable a disabled account again; instance administrators"),
        route!(User, put "/admin/servers/{server_id}/disabled" => disable_server, ok(Server), "Disable a server: nobody, its owner included, may view or do anything in it or join it, until it is enabled; its members hear `SERVER_UPDATE` with the reason; instance administrators", optional_body DisableAccount),
        route!(User, delete "/admin/servers/{server_id}/disabled" => enable_server, ok(Server), "Enable a disabled server again; instance administrators"),
    ]
}

async fn list_servers(
    State(state): State<AppState>,
    auth: Auth,
    Params(query): Params<AdminQuery>,
) -> ApiResult<Json<Vec<Server>>> {
    Ok(Json(state.engine.admin_list_servers(auth.user(), &query)?))
}

async fn list_users(
    State(state): State<AppState>,
    auth: Auth,
    Params(query): Params<AdminQuery>,
) -> ApiResult<Json<Vec<AdminUser>>> {
    Ok(Json(state.engine.admin_list_users(auth.user(), &query)?))
}

async fn disable_account(
    State(state): State<AppState>,
    auth: Auth,
    Path(user): Path<UserId>,
    OptionalBody(request): OptionalBody<DisableAccount>,
) -> ApiResult<Json<AdminUser>> {
    Ok(Json(
        state
            .engine
            .disable_account(auth.user(), user, &request.reason)
            .await?,
    ))
}

async fn enable_account(
    State(state): State<AppState>,
    auth: Auth,
    Path(user): Path<UserId>,
) -> ApiResult<Json<AdminUser>> {
    Ok(Json(state.engine.enable_account(auth.user(), user).await?))
}

async fn disable_server(
    State(state): State<AppState>,
    auth: Auth,
    Path(server): Path<ServerId>,
    OptionalBody(request): OptionalBody<DisableAccount>,
) -> ApiResult<Json<Server>> {
    Ok(Json(
        state
            .engine
            .disable_server(auth.user(), server, &request.reason)
            .await?,
    ))
}

async fn enable_server(
    State(state): State<AppState>,
    auth: Auth,
    Path(server): Path<ServerId>,
) -> ApiResult<Json<Server>> {
    Ok(Json(state.engine.enable_server(auth.user(), server).await?))
}
