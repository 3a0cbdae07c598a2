//! Errors as HTTP responses: one exhaustive table from engine error codes to statuses, and
//! `{"code", "message"}` bodies ([`crate::error_body`]). 5xx bodies say nothing; the real
//! error goes to the log.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chat_engine::ErrorCode;

use crate::ratelimit::Limited;

/// An error answer.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<Duration>,
    limited: Option<Limited>,
}

/// The status of each engine error code. No wildcard: a new code does not compile until it
/// has a status here.
const fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        // Returns 401 Unauthorized.
        ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
        // Returns 403 Forbidden.
        ErrorCode::Forbidden | ErrorCode::MissingPermissions => StatusCode::FORBIDDEN,
        // Returns 404 Not Found.
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        // Returns 400 Bad Request.
        ErrorCode::Validation => StatusCode::BAD_REQUEST,
        // Returns 409 Conflict.
        ErrorCode::Conflict => StatusCode::CONFLICT,
        // Returns 429 Too Many Requests.
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        // Returns 410 Gone.
        ErrorCode::ResumeGap => StatusCode::GONE,
        // Returns 500 Internal Server Error.
        ErrorCode::Storage => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ApiError {
    /// A 4xx answer with a code and a reason.
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
            limited: None,
        }
    }

    /// 400 for input that could not be parsed.
    pub(crate) fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401 for a missing or bad token.
    pub(crate) fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 429 from the rate limiter.
    pub(crate) fn limited(limited: Limited) -> Self {
        let message = format!("too many requests in bucket {}", limited.bucket.name());
        Self {
            retry_after: Some(limited.retry_after),
            limited: Some(limited),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message)
        }
    }
}

impl From<chat_engine::Error> for ApiError {
    fn from(error: chat_engine::Error) -> Self {
        let code = error.code();
        let status = status_of(code);
        if status.is_server_error() {
            tracing::error!(%error, "request failed");
            return Self::new(status, code.as_str(), "internal error; it has been logged");
        }
        let retry_after = match &error {
            chat_engine::Error::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        };
        Self {
            retry_after,
            ..Self::new(status, code.as_str(), error.to_string())
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = crate::error_body::answer(self.status, self.code, &self.message);
        let headers = response.headers_mut();
        if let Some(wait) = self.retry_after {
            let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Some(limited) = self.limited {
            limited.write_headers(headers);
        }
        response
    }
}

/// The result of a handler.
pub(crate) type ApiResult<T> = Result<T, ApiError>;
