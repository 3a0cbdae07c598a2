//! The REST client: configuration, authentication, and the request plumbing every route
//! shares (JSON in and out, the server's error codes, waiting out 429s, and retrying, with
//! backoff, what is safe to retry after a transient failure).

use std::time::Duration;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind, Result};
#[cfg(feature = "rustls")]
use crate::tls::{Certificate, TlsConfig};

/// A REST client; cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    token: Option<String>,
    audit_reason: Option<String>,
    max_retries: u32,
    transient_retries: u32,
    #[cfg(feature = "rustls")]
    tls: TlsConfig,
}

/// Configures a [`Client`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    token: Option<String>,
    timeout: Duration,
    max_retries: u32,
    transient_retries: u32,
    #[cfg(feature = "rustls")]
    roots: Vec<Certificate>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: "http://127.0.0.1:8080".into(),
            token: None,
            timeout: Duration::from_secs(30),
            max_retries: 3,
            transient_retries: 4,
            #[cfg(feature = "rustls")]
            roots: Vec::new(),
        }
    }
}

impl ClientBuilder {
    /// The server, e.g. `http://127.0.0.1:8080`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        url.into()
            .trim_end_matches('/')
            .clone_into(&mut self.base_url);
        self
    }

    /// An access or bot token.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// How long one request may take.
    pub const fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many times a rate-limited request is retried after waiting `Retry-After`.
    pub const fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// How many times a request that is safe to repeat (GET, PUT, DELETE, and a message
    /// sent with a nonce) is retried, with backoff, after a transient failure: a refused or
    /// reset connection, or a 502, 503 or 504 answer.
    pub const fn transient_retries(mut self, retries: u32) -> Self {
        self.transient_retries = retries;
        self
    }

    /// Trusts this root certificate too (a private CA's, or a self-signed server's), for
    /// both https and the gateway's wss.
    #[cfg(feature = "rustls")]
    pub fn add_root_certificate(mut self, certificate: Certificate) -> Self {
        self.roots.push(certificate);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client> {
        let http = reqwest::Client::builder().timeout(self.timeout);
        #[cfg(feature = "rustls")]
        let tls = if self.roots.is_empty() {
            TlsConfig::default()
        } else {
            TlsConfig::with_roots(&self.roots)?
        };
        #[cfg(feature = "rustls")]
        let http = http.use_preconfigured_tls(rustls::ClientConfig::clone(&*tls.rustls()?));
        let http = http
            .build()
            .map_err(|e| Error::with_source(ErrorKind::Transport, e))?;
        Ok(Client {
            http,
            base_url: self.base_url,
            token: self.token,
            audit_reason: None,
            max_retries: self.max_retries,
            transient_retries: self.transient_retries,
            #[cfg(feature = "rustls")]
            tls,
        })
    }
}

#[derive(serde::Deserialize)]
struct ApiErrorBody {
    code: String,
    message: String,
}

impl Client {
    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The same client acting with another token.
    #[must_use]
    pub fn with_token(&self, token: impl Into<String>) -> Self {
        Self {
            token: Some(token.into()),
            ..self.clone()
        }
    }

    /// The same client giving a reason for its changes, which the server's audit log records
    /// (`X-Audit-Log-Reason`, at most 512 characters): for kicks, bans, timeouts and every
    /// other moderation or settings change.
    #[must_use]
    pub fn with_audit_reason(&self, reason: impl Into<String>) -> Self {
        Self {
            audit_reason: Some(reason.into()),
            ..self.clone()
        }
    }

    /// The token, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The TLS settings, for a gateway that should trust what this client trusts.
    #[cfg(feature = "rustls")]
    pub fn tls_config(&self) -> &TlsConfig {
        &self.tls
    }

    /// Sends a request and decodes the JSON answer (`()` for an empty one); GET, PUT and
    /// DELETE are retried after a transient failure.
    pub(crate) async fn send<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
    ) -> Result<T> {
        let repeatable = matches!(method, Method::GET | Method::PUT | Method::DELETE);
        let body = body.map_or(Payload::Empty, Payload::Json);
        self.send_once_or_again(method, path, query, body, repeatable)
            .await
    }

    /// A POST that the server makes idempotent (a message with its nonce): retried after a
    /// transient failure like a GET.
    pub(crate) async fn post_repeatable<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.send_once_or_again(Method::POST, path, &[], Payload::Json(body), true)
            .await
    }

    /// A POST of a JSON body with files, as `multipart/form-data`; `repeatable` when the
    /// server makes it idempotent.
    pub(crate) async fn post_files<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        files: &[File],
        repeatable: bool,
    ) -> Result<T> {
        self.send_once_or_again(
            Method::POST,
            path,
            &[],
            Payload::Files(body, files),
            repeatable,
        )
        .await
    }

    async fn send_once_or_again<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Payload<'_, B>,
        repeatable: bool,
    ) -> Result<T> {
        let url = format!("{}/api/v1{path}", self.base_url);
        let mut attempt = 0;
        let mut transient = 0;
        loop {
            let mut request = self.http.request(method.clone(), &url);
            if !query.is_empty() {
                request = request.query(query);
            }
            if let Some(token) = &self.token {
                request = request.bearer_auth(token);
            }
            if let Some(reason) = &self.audit_reason {
                let encoded = utf8_percent_encode(reason, NON_ALPHANUMERIC).to_string();
                request = request.header("X-Audit-Log-Reason", encoded);
            }
            request = match body {
                Payload::Empty => request,
                Payload::Json(body) => request.json(body),
                Payload::Files(body, files) => request.multipart(form(body, files)?),
            };
            let outcome = request.send().await;
            let failed = match &outcome {
                Err(e) => e.is_connect() || e.is_request(),
                Ok(r) => matches!(r.status().as_u16(), 502..=504),
            };
            if failed && repeatable && transient < self.transient_retries {
                let wait = Duration::from_millis(100 << transient.min(5));
                transient += 1;
                tracing::debug!(?wait, transient, "transient failure; retrying");
                tokio::time::sleep(wait).await;
                continue;
            }
            let response = outcome.map_err(|e| Error::with_source(ErrorKind::Transport, e))?;
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS {
                let retry_after = retry_after(&response);
                if attempt < self.max_retries {
                    attempt += 1;
                    tracing::debug!(?retry_after, attempt, "rate limited; waiting");
                    tokio::time::sleep(retry_after).await;
                    continue;
                }
                return Err(Error::new(ErrorKind::RateLimited { retry_after }));
            }
            let bytes = response
                .bytes()
                .await
                .map_err(|e| Error::with_source(ErrorKind::Transport, e))?;
            if !status.is_success() {
                let body: ApiErrorBody = serde_json::from_slice(&bytes)
                    .map_err(|e| Error::with_source(ErrorKind::Decode, e))?;
                return Err(Error::new(ErrorKind::Api {
                    status: status.as_u16(),
                    code: body.code,
                    message: body.message,
                }));
            }
            let bytes = if bytes.is_empty() {
                &b"null"[..]
            } else {
                &bytes[..]
            };
            return serde_json::from_slice(bytes)
                .map_err(|e| Error::with_source(ErrorKind::Decode, e));
        }
    }

    pub(crate) async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.send::<(), T>(Method::GET, path, &[], None).await
    }

    pub(crate) async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.send(Method::POST, path, &[], Some(body)).await
    }

    pub(crate) async fn patch<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.send(Method::PATCH, path, &[], Some(body)).await
    }

    pub(crate) async fn put<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.send::<(), T>(Method::PUT, path, &[], None).await
    }

    /// A DELETE; whatever the server answers besides success is dropped.
    pub(crate) async fn delete(&self, path: &str) -> Result<()> {
        self.send::<(), serde_json::Value>(Method::DELETE, path, &[], None)
            .await
            .map(drop)
    }
}

/// What a request carries.
enum Payload<'a, B: ?Sized> {
    Empty,
    Json(&'a B),
    Files(&'a B, &'a [File]),
}

impl<B: ?Sized> Clone for Payload<'_, B> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<B: ?Sized> Copy for Payload<'_, B> {}

/// A file to send with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Its name.
    pub name: String,
    /// Its declared type (the server goes by the bytes, and refuses an image that is not).
    pub content_type: Option<String>,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl File {
    /// A file of these bytes.
    pub fn new(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            name: name.into(),
            content_type: None,
            bytes: bytes.into(),
        }
    }
}

/// The multipart form of a body and its files: `payload_json`, `files[0]`, …
fn form<B: Serialize + ?Sized>(body: &B, files: &[File]) -> Result<reqwest::multipart::Form> {
    let json = serde_json::to_string(body).map_err(|e| Error::with_source(ErrorKind::Decode, e))?;
    let mut form = reqwest::multipart::Form::new().text("payload_json", json);
    for (n, file) in files.iter().enumerate() {
        let mut part =
            reqwest::multipart::Part::bytes(file.bytes.clone()).file_name(file.name.clone());
        if let Some(kind) = &file.content_type {
            part = part.mime_str(kind).map_err(|e| {
                Error::with_source(
                    ErrorKind::Validation {
                        field: "content_type",
                        reason: e.to_string(),
                    },
                    e,
                )
            })?;
        }
        form = form.part(format!("files[{n}]"), part);
    }
    Ok(form)
}

/// `Retry-After` in seconds, defaulting to one.
fn retry_after(response: &reqwest::Response) -> Duration {
    let seconds = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(1.0);
    Duration::from_secs_f64(seconds.clamp(0.0, 3600.0))
}
