//! `/users/@me/notification-settings`: the caller's notification preferences per server and
//! per channel.

use axum::Json;
use axum::extract::State;
use chat_engine::id::{ChannelId, ServerId};
use chat_engine::model::{NotificationSetting, NotificationSettings};

use super::{Route, route};
use crate::http::error::ApiResult;
use crate::http::extract::{Auth, Body, Path};
use crate::state::AppState;

pub(super) fn routes() -> Vec<Route> {
    vec![
        route!(User, get "/users/@me/notification-settings" => get_settings, ok(NotificationSettings), "The caller's notification preferences by server and channel (`all` when unset)"),
        route!(User, put "/users/@me/notification-settings/servers/{server_id}" => set_server, ok(NotificationSetting), "Set the preference for a server the caller is in: `level` all / mentions / nothing, `muted_until`", body NotificationSetting),
        route!(User, put "/users/@me/notification-settings/channels/{channel_id}" => set_channel, ok(NotificationSetting), "Set the preference for a channel the caller can view (it wins over its server's)", body NotificationSetting),
    ]
}

async fn get_settings(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<NotificationSettings>> {
    Ok(Json(state.engine.notification_settings(auth.user())?))
}

async fn set_server(
    State(state): State<AppState>,
    auth: Auth,
    Path(server): Path<ServerId>,
    Body(setting): Body<NotificationSetting>,
) -> ApiResult<Json<NotificationSetting>> {
    Ok(Json(
        state
            .engine
            .update_server_notifications(auth.user(), server, setting)
            .await?,
    ))
}

async fn set_channel(
    State(state): State<AppState>,
    auth: Auth,
    Path(channel): Path<ChannelId>,
    Body(setting): Body<NotificationSetting>,
) -> ApiResult<Json<NotificationSetting>> {
    Ok(Json(
        state
            .engine
            .update_channel_notifications(auth.user(), channel, setting)
            .await?,
    ))
}
