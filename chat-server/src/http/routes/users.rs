//! `/users`: profiles, DMs and read states.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_engine::id::UserId;
use chat_engine::model::{Channel, CreateGroupDm, ReadState, SearchQuery, SearchResults, User};
use serde::Deserialize;

use super::{Route, route};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Auth, Body, Params, Path};
use crate::state::AppState;

pub(super) fn routes() -> Vec<Route> {
    vec![
        route!(User, get "/users/{user_id}" => get_user, ok(User), "A user's public profile"),
        route!(User, get "/users/@me/channels" => list_dm_channels, list_of(Channel), "The caller's DMs and group DMs"),
        route!(User, post "/users/@me/channels" => create_dm, created(Channel), "Open a DM (`recipient_id`) or a group DM (`recipients`, `name`)", body CreateDm),
        route!(User, get "/users/@me/messages/search" => search_private, ok(SearchResults), "Full-text search of the caller's DMs and group DMs: the same `q`, filters and `sort` as a server's search (a `channel_id` not among them is 404)", query SearchQuery, also 404),
        route!(User, get "/users/@me/read-states" => list_read_states, list_of(ReadState), "Read states with unread and mention counts"),
    ]
}

async fn get_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(user): Path<UserId>,
) -> ApiResult<Json<User>> {
    Ok(Json(state.engine.fetch_user(auth.user(), user)?))
}

async fn search_private(
    State(state): State<AppState>,
    auth: Auth,
    Params(query): Params<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    Ok(Json(
        state
            .engine
            .search_private_messages(auth.user(), query)
            .await?,
    ))
}

async fn list_dm_channels(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<Channel>>> {
    Ok(Json(state.engine.list_dm_channels(auth.user())?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateDm {
    /// The other user of a DM.
    #[serde(default)]
    recipient_id: Option<UserId>,
    /// The other users of a group DM (1 to 9).
    #[serde(default)]
    recipients: Option<Vec<UserId>>,
    /// A group DM's name.
    #[serde(default)]
    name: String,
}

async fn create_dm(
    State(state): State<AppState>,
    auth: Auth,
    Body(request): Body<CreateDm>,
) -> ApiResult<(StatusCode, Json<Channel>)> {
    let channel = match (request.recipient_id, request.recipients) {
        (Some(recipient), None) => state.engine.open_dm(auth.user(), recipient).await?,
        (None, Some(recipients)) => {
            state
                .engine
                .create_group_dm(
                    auth.user(),
                    CreateGroupDm {
                        name: request.name,
                        recipients,
                    },
                )
                .await?
        }
        _ => {
            return Err(ApiError::bad_request(
                "invalid_body",
                "give either recipient_id or recipients",
            ));
        }
    };
    Ok((StatusCode::CREATED, Json(channel)))
}

async fn list_read_states(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<ReadState>>> {
    Ok(Json(state.engine.read_states(auth.user())?))
}
