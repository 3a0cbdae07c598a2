//! `/servers/{id}/audit-logs`: who changed what, for holders of VIEW_AUDIT_LOG.

use axum::Json;
use axum::extract::State;
use chat_engine::id::ServerId;
use chat_engine::model::{AuditLogEntry, AuditLogQuery};

use super::{Route, route};
use crate::http::error::ApiResult;
use crate::http::extract::{Auth, Params, Path};
use crate::state::AppState;

pub(super) fn routes() -> Vec<Route> {
    vec![
        route!(User, get "/servers/{server_id}/audit-logs" => audit_log, list_of(AuditLogEntry), "The audit log, newest first (VIEW_AUDIT_LOG): `user_id` (the actor), `action_type`, `before` an entry, `limit` 1–100 (50)", query AuditLogQuery),
    ]
}

async fn audit_log(
    State(state): State<AppState>,
    auth: Auth,
    Path(server): Path<ServerId>,
    Params(query): Params<AuditLogQuery>,
) -> ApiResult<Json<Vec<AuditLogEntry>>> {
    Ok(Json(state.engine.audit_log(auth.user(), server, &query)?))
}
