//! `/servers`: servers, their channels, categories and presences.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_engine::id::{CategoryId, ServerId};
use chat_engine::model::{
    Category, Channel, CreateCategory, CreateChannel, CreateServer, DiscoveryQuery, Presence,
    SearchQuery, SearchResults, Server, ServerPreview, UpdateServer,
};

use super::{Route, route};
use crate::http::error::ApiResult;
use crate::http::extract::{Auth, Body, Params, Path};
use crate::state::AppState;

pub(super) fn routes() -> Vec<Route> {
    vec![
        route!(Public(Global), get "/discovery/servers" => discover_servers, "Public servers, most members first: `q` in the name or description, `limit` 1–100 (25); no token needed", returns "ServerPreview[]"),
        route!(User, get "/servers" => list_servers, "The caller's servers", returns "Server[]"),
        route!(User, post "/servers" => create_server, "Create a server with @everyone, #general and a permanent invite", body "CreateServer", returns "Server"),
        route!(User, get "/servers/{server_id}" => get_server, "A server the caller is in, or a public one", returns "Server"),
        route!(User, patch "/servers/{server_id}" => update_server, "Change a server (MANAGE_SERVER)", body "UpdateServer", returns "Server"),
        route!(User, delete "/servers/{server_id}" => delete_server, "Delete a server (owner)", returns "204"),
        route!(User, get "/servers/{server_id}/channels" => list_channels, "Channels the caller can view", returns "Channel[]"),
        route!(User, post "/servers/{server_id}/channels" => create_channel, "Create a text or voice channel (MANAGE_CHANNELS)", body "CreateChannel", returns "Channel"),
        route!(User, get "/servers/{server_id}/categories" => list_categories, "The server's categories", returns "Category[]"),
        route!(User, post "/servers/{server_id}/categories" => create_category, "Create a category (MANAGE_CHANNELS)", body "CreateCategory", returns "Category"),
        route!(User, delete "/servers/{server_id}/categories/{category_id}" => delete_category, "Delete a category; its channels stay (MANAGE_CHANNELS)", returns "204"),
        route!(User, get "/servers/{server_id}/presences" => list_presences, "Presences of the online members", returns "Presence[]"),
        route!(User, get "/servers/{server_id}/messages/search" => search_messages, "Full-text search: `q`, `channel_id`, `author_id`, `has`, `before`, `after`, `limit`, `offset`", returns "SearchResults"),
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
    auth: Auth,
    Path(server): Path<ServerId>,
    Body(update): Body<UpdateServer>,
) -> ApiResult<Json<Server>> {
    Ok(Json(
        state
            .engine
            .update_server(auth.user(), server, update)
            .await?,
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
    auth: Auth,
    Path(server): Path<ServerId>,
    Body(request): Body<CreateChannel>,
) -> ApiResult<(StatusCode, Json<Channel>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .engine
                .create_channel(auth.user(), server, request)
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
    auth: Auth,
    Path(server): Path<ServerId>,
    Body(request): Body<CreateCategory>,
) -> ApiResult<(StatusCode, Json<Category>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .engine
                .create_category(auth.user(), server, request)
                .await?,
        ),
    ))
}

async fn delete_category(
    State(state): State<AppState>,
    auth: Auth,
    Path((server, category)): Path<(ServerId, CategoryId)>,
) -> ApiResult<StatusCode> {
    state
        .engine
        .delete_category(auth.user(), server, category)
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
