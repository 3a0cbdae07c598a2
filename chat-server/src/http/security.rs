//! What every answer carries for the browser's safety, and what a browser's request must
//! show: security headers (a strict Content-Security-Policy for the web client: scripts only
//! from this origin and the import map's hash), a same-origin check on writes authenticated by
//! cookie (CSRF; the bearer header is immune), whether the request came over https (for
//! `Secure` cookies), and the client's address, read from `X-Forwarded-For` only when the
//! peer is a configured trusted proxy.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, HOST, ORIGIN, REFERER};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::extract::{REFRESH_COOKIE, TOKEN_COOKIE, cookie};
use crate::config::ServerConfig;
use crate::state::AppState;

/// Adds the security headers to every answer.
pub(crate) async fn headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    // An answer with a stricter policy of its own (an attachment's sandbox) keeps it.
    if !headers.contains_key("content-security-policy") {
        headers.insert("content-security-policy", state.csp.clone());
    }
    response
}

/// Refuses a write authenticated by our cookies that does not come from our own origin.
pub(crate) async fn same_origin(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let headers = request.headers();
    let by_cookie = !headers.contains_key(AUTHORIZATION)
        && (cookie(headers, TOKEN_COOKIE).is_some() || cookie(headers, REFRESH_COOKIE).is_some());
    if safe || !by_cookie || from_own_origin(headers, &state.config) {
        return next.run(request).await;
    }
    ApiError::new(
        StatusCode::FORBIDDEN,
        "csrf",
        "a cookie-authenticated write must come from this server's own pages (Origin)",
    )
    .into_response()
}

/// Whether `Origin` (or, without it, `Referer`) names this server: its public URL, or the
/// host the request was sent to.
fn from_own_origin(headers: &HeaderMap, config: &ServerConfig) -> bool {
    let Some(origin) = headers
        .get(ORIGIN)
        .or_else(|| headers.get(REFERER))
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let host_of = |url: &str| {
        url.split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or(rest).to_ascii_lowercase())
    };
    let Some(origin_host) = host_of(origin) else {
        return false;
    };
    if let Some(public) = config.public_url.as_deref().and_then(host_of) {
        return origin_host == public;
    }
    headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|host| host.eq_ignore_ascii_case(&origin_host))
}

/// The client's address: the peer's, or, when the peer is a trusted proxy, the nearest
/// address in `X-Forwarded-For` that is not one of them.
pub(crate) fn client_ip(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    config: &ServerConfig,
) -> Option<IpAddr> {
    let peer = peer?.ip();
    if !config.trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|ip| ip.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !config.trusted_proxies.contains(ip))
            .unwrap_or(peer),
    )
}

/// Whether the browser reached us over https: the public URL says so, or a trusted proxy
/// does (`X-Forwarded-Proto`).
pub(crate) fn is_https(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    config: &ServerConfig,
) -> bool {
    if config
        .public_url
        .as_deref()
        .is_some_and(|url| url.starts_with("https://"))
    {
        return true;
    }
    let trusted = peer.is_some_and(|p| config.trusted_proxies.contains(&p.ip()));
    trusted
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
}

/// Whether the request came over https (directly or through a trusted proxy, or the public
/// URL is https), for `Secure` cookies.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Https(pub(crate) bool);

impl FromRequestParts<AppState> for Https {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0);
        Ok(Self(super::security::is_https(
            &parts.headers,
            peer,
            &state.config,
        )))
    }
}

/// The peer's address, which the server records on every connection.
pub(crate) fn peer_of(request: &Request) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(trusted: &[&str]) -> ServerConfig {
        ServerConfig {
            trusted_proxies: trusted.iter().map(|ip| ip.parse().unwrap()).collect(),
            ..ServerConfig::default()
        }
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        headers
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let peer = Some("10.0.0.2:5000".parse().unwrap());
        let headers = forwarded("203.0.113.9, 10.0.0.3");
        let untrusted = config(&[]);
        assert_eq!(
            client_ip(&headers, peer, &untrusted),
            Some("10.0.0.2".parse().unwrap())
        );
        assert!(!is_https(&headers, peer, &untrusted));
        let trusted = config(&["10.0.0.2", "10.0.0.3"]);
        assert_eq!(
            client_ip(&headers, peer, &trusted),
            Some("203.0.113.9".parse().unwrap())
        );
        assert!(is_https(&headers, peer, &trusted));
    }

    #[test]
    fn the_origin_must_name_this_server() {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_static("chat.example:8080"));
        let config = config(&[]);
        assert!(!from_own_origin(&headers, &config), "no Origin");
        headers.insert(ORIGIN, HeaderValue::from_static("http://evil.example"));
        assert!(!from_own_origin(&headers, &config));
        headers.insert(ORIGIN, HeaderValue::from_static("http://chat.example:8080"));
        assert!(from_own_origin(&headers, &config));
        let public = ServerConfig {
            public_url: Some("https://chat.example".into()),
            ..ServerConfig::default()
        };
        assert!(
            !from_own_origin(&headers, &public),
            "the public URL decides"
        );
    }
}
