//! The default push notifier: an outgoing webhook. Each push notification is POSTed as JSON
//! to the configured URL, signed with `X-Chat-Signature: sha256=<hex HMAC-SHA256(secret,
//! body)>`; any answer but a 2xx (or no answer within 10 s) is retried by the engine with
//! backoff.

use std::fmt::Write;
use std::time::Duration;

use chat_engine::model::PushNotification;
use chat_engine::notifications::push::{PushError, PushFuture, PushNotifier};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Where push notifications go, and the key that signs them.
#[derive(Clone)]
pub struct PushWebhook {
    /// The receiver's URL.
    pub url: String,
    /// The HMAC key.
    pub secret: String,
}

impl std::fmt::Debug for PushWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushWebhook")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// The webhook as a [`PushNotifier`].
#[derive(Debug)]
pub(crate) struct WebhookNotifier {
    url: String,
    /// The HMAC keyed with the secret once; each push signs with a clone of it.
    key: Hmac<Sha256>,
    http: reqwest::Client,
}

impl WebhookNotifier {
    pub(crate) fn new(webhook: PushWebhook) -> std::io::Result<Self> {
        let key = Hmac::new_from_slice(webhook.secret.as_bytes()).map_err(std::io::Error::other)?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(std::io::Error::other)?;
        Ok(Self {
            url: webhook.url,
            key,
            http,
        })
    }
}

/// `sha256=<hex>` of the body under the key.
fn signature(key: &Hmac<Sha256>, body: &[u8]) -> String {
    let mut mac = key.clone();
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    digest.iter().fold(String::from("sha256="), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

impl PushNotifier for WebhookNotifier {
    fn deliver<'a>(&'a self, push: &'a PushNotification) -> PushFuture<'a> {
        Box::pin(async move {
            let body = serde_json::to_vec(push).map_err(|e| PushError(e.to_string()))?;
            let response = self
                .http
                .post(&self.url)
                .header("content-type", "application/json")
                .header("x-chat-signature", signature(&self.key, &body))
                .body(body)
                .send()
                .await
                .map_err(|e| PushError(e.to_string()))?;
            if response.status().is_success() {
                Ok(())
            } else {
                Err(PushError(format!(
                    "the webhook answered {}",
                    response.status()
                )))
            }
        })
    }
}
