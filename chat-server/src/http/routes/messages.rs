//! `/channels/{id}/messages` and `/pins`: send, history, get, edit, delete, edit history, acks
//! and pins.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_engine::id::{ChannelId, MessageId};
use chat_engine::model::{
    BulkDelete, CreateMessage, EditMessage, HistoryQuery, Message, MessageAck, MessageEdit,
    ReadState,
};

use super::{Route, route};
use crate::http::error::ApiResult;
use crate::http::extract::{Acting, Auth, Body, Params, Path};
use crate::http::upload::Upload;
use crate::state::AppState;

pub(super) fn routes() -> Vec<Route> {
    vec![
        route!(User, get "/channels/{channel_id}/messages" => list_messages, list_of(Message), "History, newest first: `limit` 1–100 (50), one of `before`, `after`, `around`", query HistoryQuery),
        route!(User(MessageSend), post "/channels/{channel_id}/messages" => create_message, created(Message), "Send a message (SEND_MESSAGES); a repeated `nonce` returns the original. As `multipart/form-data`, with files (ATTACH_FILES; `CHAT_MAX_UPLOAD_BYTES` in all)", upload CreateMessage),
        route!(User, post "/channels/{channel_id}/messages/bulk-delete" => bulk_delete, no_content, "Delete 2–100 messages at once (MANAGE_MESSAGES; server channels); ids of deleted messages are skipped", body BulkDelete),
        route!(User, get "/channels/{channel_id}/messages/{message_id}" => get_message, ok(Message), "A message with its reactions"),
        route!(User, patch "/channels/{channel_id}/messages/{message_id}" => edit_message, ok(Message), "Edit one's own message", body EditMessage),
        route!(User, delete "/channels/{channel_id}/messages/{message_id}" => delete_message, no_content, "Delete one's own message, or any with MANAGE_MESSAGES"),
        route!(User, get "/channels/{channel_id}/messages/{message_id}/edits" => list_edits, list_of(MessageEdit), "A message's previous versions"),
        route!(User, post "/channels/{channel_id}/messages/{message_id}/ack" => ack_message, ok(ReadState), "Mark the channel read up to this message"),
        route!(User, get "/channels/{channel_id}/receipts" => list_receipts, list_of(MessageAck), "How far the participants who share read receipts have read (DMs and channels of small servers; empty otherwise)"),
        route!(User, get "/channels/{channel_id}/pins" => list_pins, list_of(Message), "Pinned messages, latest pin first"),
        route!(User, put "/channels/{channel_id}/pins/{message_id}" => pin_message, ok(Message), "Pin a message (MANAGE_MESSAGES; 50 at most)", also 409),
        route!(User, delete "/channels/{channel_id}/pins/{message_id}" => unpin_message, no_content, "Unpin a message (MANAGE_MESSAGES)"),
    ]
}

async fn list_messages(
    State(state): State<AppState>,
    auth: Auth,
    Path(channel): Path<ChannelId>,
    Params(query): Params<HistoryQuery>,
) -> ApiResult<Json<Vec<Message>>> {
    Ok(Json(state.engine.list_messages(
        auth.user(),
        channel,
        query,
    )?))
}

async fn create_message(
    State(state): State<AppState>,
    auth: Auth,
    Path(channel): Path<ChannelId>,
    upload: Upload<CreateMessage>,
) -> ApiResult<(StatusCode, Json<Message>)> {
    let engine = &state.engine;
    let message = if upload.files.is_empty() {
        engine
            .send_message(auth.user(), channel, upload.body)
            .await?
    } else {
        let files = upload.files.clone();
        engine
            .send_message_with_files(auth.user(), channel, upload.body.clone(), files)
            .await?
    };
    Ok((StatusCode::CREATED, Json(message)))
}

async fn get_message(
    State(state): State<AppState>,
    auth: Auth,
    Path((channel, message)): Path<(ChannelId, MessageId)>,
) -> ApiResult<Json<Message>> {
    Ok(Json(state.engine.fetch_message(
        auth.user(),
        channel,
        message,
    )?))
}

async fn edit_message(
    State(state): State<AppState>,
    auth: Auth,
    Path((channel, message)): Path<(ChannelId, MessageId)>,
    Body(edit): Body<EditMessage>,
) -> ApiResult<Json<Message>> {
    Ok(Json(
        state
            .engine
            .edit_message(auth.user(), channel, message, edit)
            .await?,
    ))
}

async fn delete_message(
    State(state): State<AppState>,
    acting: Acting,
    Path((channel, message)): Path<(ChannelId, MessageId)>,
) -> ApiResult<StatusCode> {
    state
        .engine
        .delete_message(acting.0, channel, message)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn bulk_delete(
    State(state): State<AppState>,
    acting: Acting,
    Path(channel): Path<ChannelId>,
    Body(request): Body<BulkDelete>,
) -> ApiResult<StatusCode> {
    state
        .engine
        .bulk_delete_messages(acting.0, channel, request.messages)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_edits(
    State(state): State<AppState>,
    auth: Auth,
    Path((channel, message)): Path<(ChannelId, MessageId)>,
) -> ApiResult<Json<Vec<MessageEdit>>> {
    Ok(Json(state.engine.list_message_edits(
        auth.user(),
        channel,
        message,
    )?))
}

async fn ack_message(
    State(state): State<AppState>,
    auth: Auth,
    Path((channel, message)): Path<(ChannelId, MessageId)>,
) -> ApiResult<Json<ReadState>> {
    Ok(Json(
        state
            .engine
            .ack_message(auth.user(), channel, message)
            .await?,
    ))
}

async fn list_receipts(
    State(state): State<AppState>,
    auth: Auth,
    Path(channel): Path<ChannelId>,
) -> ApiResult<Json<Vec<MessageAck>>> {
    Ok(Json(state.engine.list_receipts(auth.user(), channel)?))
}

async fn list_pins(
    State(state): State<AppState>,
    auth: Auth,
    Path(channel): Path<ChannelId>,
) -> ApiResult<Json<Vec<Message>>> {
    Ok(Json(state.engine.list_pins(auth.user(), channel)?))
}

async fn pin_message(
    State(state): State<AppState>,
    acting: Acting,
    Path((channel, message)): Path<(ChannelId, MessageId)>,
) -> ApiResult<Json<Message>> {
    Ok(Json(
        state.engine.pin_message(acting.0, channel, message).await?,
    ))
}

async fn unpin_message(
    State(state): State<AppState>,
    acting: Acting,
    Path((channel, message)): Path<(ChannelId, MessageId)>,
) -> ApiResult<StatusCode> {
    state
        .engine
        .unpin_message(acting.0, channel, message)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
