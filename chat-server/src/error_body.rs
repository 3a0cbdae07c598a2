//! The `{"code", "message"}` body of every error answer, the API's and the gateway's
//! refusals before an upgrade alike.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The body of every error answer.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub(crate) struct ErrorBody<'a> {
    /// A stable, snake_case reason (`validation`, `not_found`, `missing_permissions`, ...).
    code: &'a str,
    /// What went wrong, for people.
    message: &'a str,
}

/// An answer with `status` and this body.
pub(crate) fn answer(status: StatusCode, code: &str, message: &str) -> Response {
    (status, axum::Json(ErrorBody { code, message })).into_response()
}
