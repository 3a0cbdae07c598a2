//! `/channels/{id}/messages/{id}/reactions`: add, remove, list.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_engine::id::{ChannelId, MessageId, UserId};
use chat_engine::model::User;

use super::{Route, route};
use crate::http::error::ApiResult;
use crate::http::extract::{Auth, Path};
use crate::state::AppState;

pub(super) fn routes() -> Vec<Route> {
    vec![
        route!(User, put "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me" => add_reaction, no_content, "React (ADD_REACTIONS for a new emoji)", also 409),
        route!(User, delete "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me" => remove_own_reaction, no_content, "Remove one's reaction"),
        route!(User, delete "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}" => remove_user_reaction, no_content, "Remove someone's reaction (MANAGE_MESSAGES)"),
        route!(User, get "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}" => list_reaction_users, list_of(User), "Who reacted with an emoji"),
    ]
}

async fn add_reaction(
    State(state): State<AppState>,
    auth: Auth,
    Path((channel, message, emoji)): Path<(ChannelId, MessageId, String)>,
) -> ApiResult<StatusCode> {
    state
        .engine
        .add_reaction(auth.user(), channel, message, &emoji)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove_own_reaction(
    State(state): State<AppState>,
    auth: Auth,
    Path((channel, message, emoji)): Path<(ChannelId, MessageId, String)>,
) -> ApiResult<StatusCode> {
    state
        .engine
        .remove_reaction(auth.user(), channel, message, &emoji, auth.user())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove_user_reaction(
    State(state): State<AppState>,
    auth: Auth,
    Path((channel, message, emoji, user)): Path<(ChannelId, MessageId, String, UserId)>,
) -> ApiResult<StatusCode> {
    state
        .engine
        .remove_reaction(auth.user(), channel, message, &emoji, user)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_reaction_users(
    State(state): State<AppState>,
    auth: Auth,
    Path((channel, message, emoji)): Path<(ChannelId, MessageId, String)>,
) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(state.engine.list_reaction_users(
        auth.user(),
        channel,
        message,
        &emoji,
    )?))
}
