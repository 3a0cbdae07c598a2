//! `/servers`: servers, their channels, categories and presences.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_engine::id::{CategoryId, ServerId};
use chat_engine::model::{
    Category, Channel, ChannelPosition, CreateCategory, CreateChannel, CreateServer,
    DiscoveryQuery, Presence, SearchQuery, SearchResults, Server, ServerPreview, UpdateCategory,
    UpdateServer,
};

use super::{Route, route};
use crate::http::error::ApiResult;
use crate::http::extract::{Acting, Auth, Body, Params, Path};
use crate::state::AppState;

pub(super) fn routes() -> Vec<Route> {
    vec![
        route!(Public(Global), get "/discovery/servers" => discover_servers, list_of(ServerPreview), "Public servers, most members first: `q` in the name or description, `limit` 1–100 (25); no token needed", query DiscoveryQuery),
        route!(User, get "/servers" => list_servers, list_of(Server), "The caller's servers"),
        route!(User, post "/servers" => create_server, created(Server), "Create a server with @everyone, #general and a permanent invite", body CreateServer),
        route!(User, get "/servers/{server_id}" => get_server, ok(Server), "A server the caller is in, or a public one"),
        route!(User, patch "/servers/{server_id}" => update_server, ok(Server), "Change a server (MANAGE_SERVER)", body UpdateServer),
        route!(User, delete "/servers/{server_id}" => delete_server, no_content, "Delete a server (owner)"),
        route!(User, get "/servers/{server_id}/channels" => list_channels, list_of(Channel), "Channels the caller can view"),
        route!(User, post "/servers/{server_id}/channels" => create_channel, created(Channel), "Create a text or voice channel (MANAGE_CHANNELS)", body CreateChannel),
        route!(User, get "/servers/{server_id}/categories" => list_categories, list_of(Category), "The server's categories"),
        route!(User, post "/servers/{server_id}/categories" => create_category, created(Category), "Create a category (MANAGE_CHANNELS)", body CreateCategory),
        route!(User, patch "/servers/{server_id}/categories/{category_id}" => update_category, ok(Category), "Rename or move a category (MANAGE_CHANNELS)", body UpdateCategory),
        route!(User, patch "/servers/{server_id}/channels" => reorder_channels, no_content, "Move channels and categories in one request: `[{id, position, parent_id?}]` (MANAGE_CHANNELS)", body Positions),
        route!(User, delete "/servers/{server_id}/categories/{category_id}" => delete_category, no_content, "Delete a category; its channels stay (MANAGE_CHANNELS)"),
        route!(User, get "/servers/{server_id}/presences" => list_presences, list_of(Presence), "Presences of the online members"),
        route!(User, get "/servers/{server_id}/messages/search" => search_messages, ok(SearchResults), "Full-text search: `q`, `channel_id`, `author_id`, `has`, `before`, `after`, `limit`, `offset`", query SearchQuery),
    ]
}

async fn discover_servers(
    State(state): State<AppState>,
    Params(query): Params<DiscoveryQuery>,
) -> ApiResult<Json<Vec<ServerPreview>>> {
    Ok(Json(state.engine.discover_servers(&query)?))
}

async fn list_servers(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<Server>>> {
    Ok(Json(state.engine.list_servers(auth.user())?))
}

async fn create_server(
    State(state): State<AppState>,
    auth: Auth,
    Body(request): Body<CreateServer>,
) -> ApiResult<(StatusCode, Json<Server>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.engine.create_server(auth.user(), request).await?),
    ))
}

async fn get_server(
    State(state): State<AppState>,
    auth: Auth,
    Path(server): Path<ServerId>,
) -> ApiResult<Json<Server>> {
    Ok(Json(state.engine.fetch_server(auth.user(), server)?))
}

async fn update_server(
    State(state): State<AppState>,
    acting: Acting,
    Path(server): Path<ServerId>,
    Body(update): Body<UpdateServer>,
) -> ApiResult<Json<Server>> {
    Ok(Json(
        state.engine.update_server(acting.0, server, update).await?,
    ))
}

async fn delete_server(
    State(state): State<AppState>,
    auth: Auth,
    Path(server): Path<ServerId>,
) -> ApiResult<StatusCode> {
    state.engine.delete_server(auth.user(), server).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_channels(
    State(state): State<AppState>,
    auth: Auth,
    Path(server): Path<ServerId>,
) -> ApiResult<Json<Vec<Channel>>> {
    Ok(Json(state.engine.list_channels(auth.user(), server)?))
}

async fn create_channel(
    State(state): State<AppState>,
    acting: Acting,
    Path(server): Path<ServerId>,
    Body(request): Body<CreateChannel>,
) -> ApiResult<(StatusCode, Json<Channel>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .engine
                .create_channel(acting.0, server, request)
                .await?,
        ),
    ))
}

async fn list_categories(
    State(state): State<AppState>,
    auth: Auth,
    Path(server): Path<ServerId>,
) -> ApiResult<Json<Vec<Category>>> {
    Ok(Json(state.engine.list_categories(auth.user(), server)?))
}

async fn create_category(
    State(state): State<AppState>,
    acting: Acting,
    Path(server): Path<ServerId>,
    Body(request): Body<CreateCategory>,
) -> ApiResult<(StatusCode, Json<Category>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .engine
                .create_category(acting.0, server, request)
                .await?,
        ),
    ))
}

async fn update_category(
    State(state): State<AppState>,
    acting: Acting,
    Path((server, category)): Path<(ServerId, CategoryId)>,
    Body(update): Body<UpdateCategory>,
) -> ApiResult<Json<Category>> {
    Ok(Json(
        state
            .engine
            .update_category(acting.0, server, category, update)
            .await?,
    ))
}

/// New positions of channels and categories.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
struct Positions(Vec<ChannelPosition>);

async fn reorder_channels(
    State(state): State<AppState>,
    acting: Acting,
    Path(server): Path<ServerId>,
    Body(positions): Body<Positions>,
) -> ApiResult<StatusCode> {
    state
        .engine
        .reorder_channels(acting.0, server, positions.0)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_category(
    State(state): State<AppState>,
    acting: Acting,
    Path((server, category)): Path<(ServerId, CategoryId)>,
) -> ApiResult<StatusCode> {
    state
        .engine
        .delete_category(acting.0, server, category)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_presences(
    State(state): State<AppState>,
    auth: Auth,
    Path(server): Path<ServerId>,
) -> ApiResult<Json<Vec<Presence>>> {
    Ok(Json(state.engine.list_presences(auth.user(), server)?))
}

async fn search_messages(
    State(state): State<AppState>,
    auth: Auth,
    Path(server): Path<ServerId>,
    Params(query): Params<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    Ok(Json(
        state
            .engine
            .search_messages(auth.user(), server, query)
            .await?,
    ))
}
