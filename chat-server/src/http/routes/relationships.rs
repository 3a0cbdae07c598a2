//! `/users/@me/relationships`: friends, friend requests and blocks.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_engine::id::UserId;
use chat_engine::model::{FriendRequest, Relationship, SetRelationship};

use super::{Route, route};
use crate::http::error::ApiResult;
use crate::http::extract::{Auth, Body, Path};
use crate::state::AppState;

pub(super) fn routes() -> Vec<Route> {
    vec![
        route!(User, get "/users/@me/relationships" => list_relationships, list_of(Relationship), "Friends, friend requests (`incoming`, `outgoing`) and blocked users"),
        route!(User, post "/users/@me/relationships" => send_friend_request, no_content, "Send a friend request by username (or accept theirs)", body FriendRequest),
        route!(User, put "/users/@me/relationships/{user_id}" => set_relationship, no_content, "`friend`: send or accept a friend request; `blocked`: block", body SetRelationship),
        route!(User, delete "/users/@me/relationships/{user_id}" => remove_relationship, no_content, "Remove a friend, decline or cancel a request, or unblock"),
    ]
}

async fn list_relationships(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<Relationship>>> {
    Ok(Json(state.engine.list_relationships(auth.user())?))
}

async fn send_friend_request(
    State(state): State<AppState>,
    auth: Auth,
    Body(request): Body<FriendRequest>,
) -> ApiResult<StatusCode> {
    state
        .engine
        .send_friend_request(auth.user(), &request.username)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_relationship(
    State(state): State<AppState>,
    auth: Auth,
    Path(user): Path<UserId>,
    Body(request): Body<SetRelationship>,
) -> ApiResult<StatusCode> {
    state
        .engine
        .set_relationship(auth.user(), user, request)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove_relationship(
    State(state): State<AppState>,
    auth: Auth,
    Path(user): Path<UserId>,
) -> ApiResult<StatusCode> {
    state.engine.remove_relationship(auth.user(), user).await?;
    Ok(StatusCode::NO_CONTENT)
}
