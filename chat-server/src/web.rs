//! The web client: the files under `chat-server/web/`, embedded in the binary (read from
//! disk in debug builds, so a page reload shows an edit), served at `/`. It speaks the same
//! REST API and gateway as bots. `/api/docs` is the API's reference, Swagger UI (vendored)
//! rendering `/api/v1/openapi.json`.

use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

use crate::http::error::ApiError;

#[derive(RustEmbed)]
#[folder = "web/"]
struct Assets;

/// Serves a file of the web client, `index.html` at `/`; anything else is our 404.
pub(crate) async fn serve(method: Method, uri: Uri) -> Response {
    let path = match uri.path().trim_start_matches('/') {
        "" => "index.html",
        "api/docs" | "api/docs/" => "api-docs/index.html",
        path => path,
    };
    let file = (method == Method::GET || method == Method::HEAD)
        .then(|| Assets::get(path))
        .flatten();
    let Some(file) = file else {
        return ApiError::new(StatusCode::NOT_FOUND, "no_route", "no such route").into_response();
    };
    let mut response = file.data.into_owned().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    // Small files, changed by upgrades: revalidate rather than serve a stale client.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The Content-Security-Policy of every answer: scripts from this origin only, plus the
/// page's one inline script, the import map, by its hash; no plugins, no framing, no base
/// changes. Images may come from anywhere over https (avatars and icons are URLs).
pub(crate) fn content_security_policy() -> HeaderValue {
    let index = Assets::get("index.html")
        .map(|f| f.data)
        .unwrap_or_default();
    let index = String::from_utf8_lossy(&index);
    let import_map = index
        .split_once(r#"<script type="importmap">"#)
        .and_then(|(_, rest)| rest.split_once("</script>"))
        .map_or("", |(map, _)| map);
    let hash = BASE64.encode(Sha256::digest(import_map.as_bytes()));
    let policy = format!(
        "default-src 'self'; script-src 'self' 'sha256-{hash}'; style-src 'self'; \
         img-src 'self' data: https:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'"
    );
    HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map_or("", |(_, ext)| ext) {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" => "application/json",
        "txt" | "" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
