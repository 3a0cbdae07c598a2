//! `/channels/{id}`: settings, permission overwrites, group DM recipients, typing and threads.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_engine::id::{ChannelId, MessageId, UserId};
use chat_engine::model::{
    Channel, ChannelType, CreateThread, OverwriteType, PermissionOverwrite, Permissions,
    StartThread, UpdateChannel,
};
use serde::Deserialize;
use ulid::Ulid;

use super::{Route, route};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Acting, Auth, Body, Path, UserRef};
use crate::state::AppState;

pub(super) fn routes() -> Vec<Route> {
    vec![
        route!(User, get "/channels/{channel_id}" => get_channel, ok(Channel), "A channel the caller can view"),
        route!(User, patch "/channels/{channel_id}" => update_channel, ok(Channel), "Change a channel (MANAGE_CHANNELS); a group DM's name and icon (its recipients); a thread's name, `archived`, `locked` and `auto_archive_duration` (its owner or MANAGE_THREADS; locking needs MANAGE_THREADS)", body UpdateChannel),
        route!(User, delete "/channels/{channel_id}" => delete_channel, no_content, "Delete a channel with its messages (MANAGE_CHANNELS) or a thread (its owner or MANAGE_THREADS); close a DM (until a new message) or leave a group DM"),
        route!(User, put "/channels/{channel_id}/recipients/{user_id}" => add_recipient, no_content, "Add someone to a group DM (its owner; 10 participants at most)"),
        route!(User, delete "/channels/{channel_id}/recipients/{user_id}" => remove_recipient, no_content, "Remove someone from a group DM (its owner), or leave it (`@me`)"),
        route!(User, put "/channels/{channel_id}/permissions/{target_id}" => set_overwrite, ok(Channel), "Set a role's or member's overwrite (MANAGE_CHANNELS)", body Overwrite),
        route!(User, delete "/channels/{channel_id}/permissions/{target_id}" => delete_overwrite, ok(Channel), "Remove an overwrite (MANAGE_CHANNELS)"),
        route!(User, post "/channels/{channel_id}/typing" => typing, no_content, "Show that the caller is typing (at most one indicator per 5 s)"),
        route!(User, post "/channels/{channel_id}/messages/{message_id}/threads" => start_thread, created(Channel), "Start a thread from a message (SEND_MESSAGES); the message stays in the channel", body StartThread, also 409),
        route!(User, post "/channels/{channel_id}/threads" => create_thread, created(Channel), "Start a thread from the message `message_id` (SEND_MESSAGES); the same as the route above", body CreateThread, also 409),
        route!(User, get "/channels/{channel_id}/threads/archived" => archived_threads, list_of(Channel), "The channel's archived threads, most recently archived first"),
        route!(User, get "/channels/{channel_id}/thread-members" => list_thread_members, list_of(UserId), "A thread's members"),
        route!(User, put "/channels/{channel_id}/thread-members/@me" => join_thread, no_content, "Join a thread"),
        route!(User, delete "/channels/{channel_id}/thread-members/@me" => leave_thread, no_content, "Leave a thread"),
    ]
}

async fn add_recipient(
    State(state): State<AppState>,
    auth: Auth,
    Path((channel, user)): Path<(ChannelId, UserId)>,
) -> ApiResult<StatusCode> {
    state
        .engine
        .add_recipient(auth.user(), channel, user)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove_recipient(
    State(state): State<AppState>,
    auth: Auth,
    Path((channel, user)): Path<(ChannelId, UserRef)>,
) -> ApiResult<StatusCode> {
    let user = user.or_caller(auth.user());
    state
        .engine
        .remove_recipient(auth.user(), channel, user)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn get_channel(
    State(state): State<AppState>,
    auth: Auth,
    Path(channel): Path<ChannelId>,
) -> ApiResult<Json<Channel>> {
    Ok(Json(state.engine.fetch_channel(auth.user(), channel)?))
}

/// Whether the caller's channel is a thread (which has its own rules to change and delete).
fn is_thread(state: &AppState, acting: &Acting, channel: ChannelId) -> ApiResult<bool> {
    let found = state.engine.fetch_channel(acting.user(), channel)?;
    Ok(found.kind == ChannelType::Thread)
}

async fn update_channel(
    State(state): State<AppState>,
    acting: Acting,
    Path(channel): Path<ChannelId>,
    Body(update): Body<UpdateChannel>,
) -> ApiResult<Json<Channel>> {
    let engine = &state.engine;
    let changed = if is_thread(&state, &acting, channel)? {
        engine.update_thread(acting.user(), channel, update).await?
    } else {
        engine.update_channel(acting.0, channel, update).await?
    };
    Ok(Json(changed))
}

async fn delete_channel(
    State(state): State<AppState>,
    acting: Acting,
    Path(channel): Path<ChannelId>,
) -> ApiResult<StatusCode> {
    if is_thread(&state, &acting, channel)? {
        state.engine.delete_thread(acting.user(), channel).await?;
    } else {
        state.engine.delete_channel(acting.0, channel).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Overwrite {
    /// Whether the path's `target_id` is a role or a member.
    #[serde(rename = "type")]
    kind: OverwriteType,
    /// Flags granted (none in common with `deny`).
    #[serde(default)]
    allow: Permissions,
    /// Flags taken away.
    #[serde(default)]
    deny: Permissions,
}

async fn set_overwrite(
    State(state): State<AppState>,
    acting: Acting,
    Path((channel, target)): Path<(ChannelId, Ulid)>,
    Body(body): Body<Overwrite>,
) -> ApiResult<Json<Channel>> {
    if !(body.allow & body.deny).is_empty() {
        return Err(ApiError::bad_request(
            "invalid_body",
            "a flag cannot be both allowed and denied",
        ));
    }
    let overwrite = PermissionOverwrite {
        allow: body.allow,
        deny: body.deny,
        id: target,
        kind: body.kind,
    };
    Ok(Json(
        state
            .engine
            .set_permission_overwrite(acting.0, channel, overwrite)
            .await?,
    ))
}

async fn delete_overwrite(
    State(state): State<AppState>,
    acting: Acting,
    Path((channel, target)): Path<(ChannelId, Ulid)>,
) -> ApiResult<Json<Channel>> {
    Ok(Json(
        state
            .engine
            .delete_permission_overwrite(acting.0, channel, target)
            .await?,
    ))
}

async fn typing(
    State(state): State<AppState>,
    auth: Auth,
    Path(channel): Path<ChannelId>,
) -> ApiResult<StatusCode> {
    state.engine.start_typing(auth.user(), channel)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn start_thread(
    State(state): State<AppState>,
    auth: Auth,
    Path((channel, message)): Path<(ChannelId, MessageId)>,
    Body(request): Body<StartThread>,
) -> ApiResult<(StatusCode, Json<Channel>)> {
    let request = CreateThread {
        auto_archive_duration: request.auto_archive_duration,
        message_id: message,
        name: request.name,
    };
    let thread = state
        .engine
        .create_thread(auth.user(), channel, request)
        .await?;
    Ok((StatusCode::CREATED, Json(thread)))
}

async fn archived_threads(
    State(state): State<AppState>,
    auth: Auth,
    Path(channel): Path<ChannelId>,
) -> ApiResult<Json<Vec<Channel>>> {
    Ok(Json(
        state.engine.list_archived_threads(auth.user(), channel)?,
    ))
}

async fn create_thread(
    State(state): State<AppState>,
    auth: Auth,
    Path(channel): Path<ChannelId>,
    Body(request): Body<CreateThread>,
) -> ApiResult<(StatusCode, Json<Channel>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .engine
                .create_thread(auth.user(), channel, request)
                .await?,
        ),
    ))
}

async fn list_thread_members(
    State(state): State<AppState>,
    auth: Auth,
    Path(channel): Path<ChannelId>,
) -> ApiResult<Json<Vec<UserId>>> {
    Ok(Json(
        state.engine.list_thread_members(auth.user(), channel)?,
    ))
}

async fn join_thread(
    State(state): State<AppState>,
    auth: Auth,
    Path(channel): Path<ChannelId>,
) -> ApiResult<StatusCode> {
    state.engine.join_thread(auth.user(), channel).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn leave_thread(
    State(state): State<AppState>,
    auth: Auth,
    Path(channel): Path<ChannelId>,
) -> ApiResult<StatusCode> {
    state.engine.leave_thread(auth.user(), channel).await?;
    Ok(StatusCode::NO_CONTENT)
}
