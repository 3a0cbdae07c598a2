//! `/attachments`: the bytes of a message's file, for those who may view its channel.
//! Images, video, audio and plain text show inline with their type; anything else downloads
//! as bytes. Every answer is `nosniff` and sandboxed, so a file can never run as a page of
//! this origin.

use std::io::Read;

use axum::body::Body;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use chat_engine::id::{AttachmentId, ChannelId};

use super::{Route, answer, route};
use crate::http::error::ApiResult;
use crate::http::extract::{Auth, Path};
use crate::state::AppState;

pub(super) fn routes() -> Vec<Route> {
    vec![
        route!(User, get "/attachments/{channel_id}/{attachment_id}/{filename}" => get_attachment, file, "A message's file (VIEW_CHANNEL in its channel), streamed"),
    ]
}

async fn get_attachment(
    State(state): State<AppState>,
    auth: Auth,
    Path((channel, id, _name)): Path<(ChannelId, AttachmentId, String)>,
) -> ApiResult<Response> {
    let record = state.engine.attachment(auth.user(), channel, id)?;
    let mut reader = state.engine.attachment_bytes(&record)?;
    let (sender, receiver) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
    tokio::task::spawn_blocking(move || {
        let mut buffer = vec![0; 64 * 1024];
        loop {
            let chunk = match reader.read(&mut buffer) {
                Ok(0) => return,
                Ok(n) => Ok(Bytes::copy_from_slice(&buffer[..n])),
                Err(error) => Err(error),
            };
            let failed = chunk.is_err();
            if sender.blocking_send(chunk).is_err() || failed {
                return;
            }
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    let attachment = &record.attachment;
    // Types shown in the page rather than downloaded: those the document lists but bytes.
    let essence = attachment
        .content_type
        .split(';')
        .next()
        .unwrap_or_default();
    let inline = essence != "application/octet-stream" && answer::FILE_TYPES.contains(&essence);
    let content_type = if inline {
        attachment.content_type.as_str()
    } else {
        "application/octet-stream"
    };
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(attachment.size));
    headers.insert(
        header::CONTENT_DISPOSITION,
        disposition(inline, &attachment.filename),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    Ok(response)
}

/// `inline` or `attachment`, with the name as ASCII and as UTF-8 (RFC 6266).
fn disposition(inline: bool, name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let kind = if inline { "inline" } else { "attachment" };
    HeaderValue::from_str(&format!(
        "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or(HeaderValue::from_static("attachment"))
}
