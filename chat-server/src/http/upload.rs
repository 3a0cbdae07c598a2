//! A body that is either JSON, or `multipart/form-data` with the JSON in a `payload_json`
//! part and files in `files[0]` … `files[9]` (Discord's shape). Each file is streamed to a
//! staging file while it is hashed, so memory stays flat whatever its size; past the upload
//! limit the request is a 413 and every staged file is removed.

use std::io::Write;

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use chat_engine::limits::MAX_FILES;
use futures_util::TryStreamExt;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;

use super::error::ApiError;
use crate::state::AppState;

/// How many first bytes of a file are kept to tell its type and an image's size.
const HEAD: usize = 64 * 1024;

/// A JSON body `T`, with the files that came with it (none for a JSON request). The staged
/// files are removed when this is dropped.
#[derive(Debug)]
pub(crate) struct Upload<T> {
    pub(crate) body: T,
    pub(crate) files: Vec<chat_engine::Upload>,
    _staged: Vec<NamedTempFile>,
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the request is over {limit} bytes"),
    )
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_body", message)
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for Upload<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let content_type = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let Ok(boundary) = multer::parse_boundary(&content_type) else {
            return Ok(Self {
                body: json_body(request, &content_type, state.config.body_limit).await?,
                files: Vec::new(),
                _staged: Vec::new(),
            });
        };
        let limit = state.config.max_upload_bytes;
        let constraints = multer::Constraints::new()
            .size_limit(multer::SizeLimit::new().whole_stream(limit as u64 + 64 * 1024));
        let stream = request.into_body().into_data_stream();
        let mut multipart = multer::Multipart::with_constraints(stream, boundary, constraints);
        let mut payload: Option<T> = None;
        let mut files = Vec::new();
        let mut staged = Vec::new();
        let mut total = 0_usize;
        let failed = |e: multer::Error| match e {
            multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
                too_large(limit)
            }
            other => bad(other.to_string()),
        };
        while let Some(mut field) = multipart.next_field().await.map_err(failed)? {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "payload_json" {
                let mut json = Vec::new();
                while let Some(chunk) = field.try_next().await.map_err(failed)? {
                    json.extend_from_slice(&chunk);
                    if json.len() > state.config.body_limit {
                        return Err(too_large(state.config.body_limit));
                    }
                }
                payload = Some(
                    serde_json::from_slice(&json).map_err(|e| bad(format!("payload_json: {e}")))?,
                );
                continue;
            }
            let numbered = name
                .strip_prefix("files[")
                .and_then(|n| n.strip_suffix(']'))
                .and_then(|n| n.parse::<usize>().ok());
            if numbered.is_none_or(|n| n >= MAX_FILES) {
                return Err(bad(format!(
                    "unexpected part {name:?}: files[0] to files[{}]",
                    MAX_FILES - 1
                )));
            }
            let most = state.config.max_upload_files.clamp(1, MAX_FILES);
            if files.len() >= most {
                return Err(bad(format!("at most {most} files on a message")));
            }
            let filename = field.file_name().unwrap_or("file").to_owned();
            let declared_type = field.content_type().map(ToString::to_string);
            let mut file = NamedTempFile::new().map_err(|e| internal(&e))?;
            let mut hasher = Sha256::new();
            let mut head = Vec::new();
            let mut size = 0_usize;
            while let Some(chunk) = field.try_next().await.map_err(failed)? {
                size += chunk.len();
                total += chunk.len();
                if total > limit {
                    return Err(too_large(limit));
                }
                hasher.update(&chunk);
                if head.len() < HEAD {
                    head.extend_from_slice(&chunk[..chunk.len().min(HEAD - head.len())]);
                }
                file.write_all(&chunk).map_err(|e| internal(&e))?;
            }
            file.flush().map_err(|e| internal(&e))?;
            files.push(chat_engine::Upload {
                filename,
                declared_type,
                path: file.path().to_path_buf(),
                size: size as u64,
                sha256: format!("{:x}", hasher.finalize()),
                head,
            });
            staged.push(file);
        }
        let body = payload.ok_or_else(|| bad("a multipart message needs its payload_json part"))?;
        Ok(Self {
            body,
            files,
            _staged: staged,
        })
    }
}

/// A plain JSON body of at most `limit` bytes.
async fn json_body<T: DeserializeOwned>(
    request: Request,
    content_type: &str,
    limit: usize,
) -> Result<T, ApiError> {
    let bytes = axum::body::to_bytes(request.into_body(), limit)
        .await
        .map_err(|_| too_large(limit))?;
    if !content_type.starts_with("application/json") {
        return Err(bad("expected application/json or multipart/form-data"));
    }
    serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))
}

fn internal(error: &std::io::Error) -> ApiError {
    tracing::error!(%error, "staging an upload");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error; it has been logged",
    )
}
