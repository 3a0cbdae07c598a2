//! Invites: create, list, look up, accept, delete.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_engine::id::ServerId;
use chat_engine::model::{CreateInvite, Invite, InvitePreview, Server};

use super::{Route, route};
use crate::http::error::ApiResult;
use crate::http::extract::{Acting, Auth, OptionalBody, Path};
use crate::state::AppState;

pub(super) fn routes() -> Vec<Route> {
    vec![
        route!(User, post "/servers/{server_id}/invites" => create_invite, created(Invite), "Create an invite (CREATE_INVITE; `max_age` seconds, `max_uses`)", optional_body CreateInvite),
        route!(User, get "/servers/{server_id}/invites" => list_invites, list_of(Invite), "The server's invites (MANAGE_SERVER)"),
        route!(Public(Global), get "/invites/{code}" => get_invite, ok(InvitePreview), "Preview an invite and its server; no token needed"),
        route!(User, post "/invites/{code}" => accept_invite, ok(Server), "Join the invite's server"),
        route!(User, delete "/invites/{code}" => delete_invite, no_content, "Delete an invite (its creator or MANAGE_SERVER)"),
    ]
}

async fn create_invite(
    State(state): State<AppState>,
    acting: Acting,
    Path(server): Path<ServerId>,
    OptionalBody(request): OptionalBody<CreateInvite>,
) -> ApiResult<(StatusCode, Json<Invite>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .engine
                .create_invite(acting.0, server, request)
                .await?,
        ),
    ))
}

async fn list_invites(
    State(state): State<AppState>,
    auth: Auth,
    Path(server): Path<ServerId>,
) -> ApiResult<Json<Vec<Invite>>> {
    Ok(Json(state.engine.list_invites(auth.user(), server)?))
}

async fn get_invite(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<InvitePreview>> {
    Ok(Json(state.engine.preview_invite(&code)?))
}

async fn accept_invite(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
) -> ApiResult<Json<Server>> {
    Ok(Json(state.engine.accept_invite(auth.user(), &code).await?))
}

async fn delete_invite(
    State(state): State<AppState>,
    acting: Acting,
    Path(code): Path<String>,
) -> ApiResult<StatusCode> {
    state.engine.delete_invite(acting.0, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}
