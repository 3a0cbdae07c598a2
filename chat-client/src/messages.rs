//! Builders for the message routes with options: `create_message` and `messages` (history).
//! Setters validate at once; the error is kept until the builder is awaited.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use chat_engine::id::{ChannelId, MessageId};
use chat_engine::limits::{MAX_CONTENT, MAX_FILES, MAX_NONCE, MAX_PAGE};
use chat_engine::model::{CreateMessage as Body, Embed, Message};

use crate::client::{Client, File};
use crate::error::{Error, Result};

type Boxed<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// Checks message content the way the server does.
pub(crate) fn check_content(content: &str) -> Result<()> {
    let trimmed = content.trim();
    if trimmed.is_empty() {
        return Err(Error::validation("content", "must not be empty"));
    }
    if trimmed.chars().count() > MAX_CONTENT {
        return Err(Error::validation(
            "content",
            format!("must be at most {MAX_CONTENT} characters"),
        ));
    }
    Ok(())
}

/// `POST /channels/{id}/messages`; await it to send.
#[must_use = "a request does nothing until awaited"]
#[derive(Debug)]
pub struct CreateMessage<'a> {
    client: &'a Client,
    channel: ChannelId,
    body: Result<Body>,
    files: Vec<File>,
}

impl Client {
    /// Starts a message to `channel`: `client.create_message(c).content("hi").await?`.
    pub fn create_message(&self, channel: ChannelId) -> CreateMessage<'_> {
        CreateMessage {
            client: self,
            channel,
            body: Ok(Body::default()),
            files: Vec::new(),
        }
    }

    /// Starts a history request: newest first, 50 by default.
    pub fn messages(&self, channel: ChannelId) -> GetMessages<'_> {
        GetMessages {
            client: self,
            channel,
            query: Ok(Vec::new()),
        }
    }
}

impl CreateMessage<'_> {
    fn update(mut self, change: impl FnOnce(&mut Body) -> Result<()>) -> Self {
        if let Ok(body) = &mut self.body
            && let Err(error) = change(body)
        {
            self.body = Err(error);
        }
        self
    }

    /// The markdown content (1 to 4,000 characters).
    pub fn content(self, content: impl Into<String>) -> Self {
        let content = content.into();
        self.update(|b| {
            check_content(&content)?;
            b.content = content;
            Ok(())
        })
    }

    /// Answers a message of the same channel.
    pub fn reply_to(self, message: MessageId) -> Self {
        self.update(|b| {
            b.reply_to_id = Some(message);
            Ok(())
        })
    }

    /// Makes retries safe: the server returns the first message for a repeated nonce.
    pub fn nonce(self, nonce: impl Into<String>) -> Self {
        let nonce = nonce.into();
        self.update(|b| {
            if nonce.is_empty() || nonce.len() > MAX_NONCE {
                return Err(Error::validation(
                    "nonce",
                    format!("must be 1 to {MAX_NONCE} bytes"),
                ));
            }
            b.nonce = Some(nonce);
            Ok(())
        })
    }

    /// Adds an embed.
    pub fn embed(self, embed: Embed) -> Self {
        self.update(|b| {
            b.embeds.push(embed);
            Ok(())
        })
    }

    /// Attaches a file (10 at most; the server needs ATTACH_FILES and takes
    /// `CHAT_MAX_UPLOAD_BYTES` in all).
    pub fn file(mut self, file: File) -> Self {
        if self.files.len() >= MAX_FILES {
            self.body = Err(Error::validation("files", format!("at most {MAX_FILES}")));
        }
        self.files.push(file);
        self
    }
}

impl<'a> IntoFuture for CreateMessage<'a> {
    type Output = Result<Message>;
    type IntoFuture = Boxed<'a, Message>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let body = self.body?;
            if body.content.trim().is_empty() && body.embeds.is_empty() && self.files.is_empty() {
                return Err(Error::validation(
                    "content",
                    "a message needs content, an embed or a file",
                ));
            }
            let path = format!("/channels/{}/messages", self.channel);
            if !self.files.is_empty() {
                let repeatable = body.nonce.is_some();
                return self
                    .client
                    .post_files(&path, &body, &self.files, repeatable)
                    .await;
            }
            // With a nonce the server returns the first message for a repeat: safe to retry.
            if body.nonce.is_some() {
                self.client.post_repeatable(&path, &body).await
            } else {
                self.client.post(&path, &body).await
            }
        })
    }
}

/// `GET /channels/{id}/messages`; await it for a page, newest first.
#[must_use = "a request does nothing until awaited"]
#[derive(Debug)]
pub struct GetMessages<'a> {
    client: &'a Client,
    channel: ChannelId,
    query: Result<Vec<(&'static str, String)>>,
}

impl GetMessages<'_> {
    fn with(mut self, key: &'static str, value: String) -> Self {
        if let Ok(query) = &mut self.query {
            if query
                .iter()
                .any(|(k, _)| matches!(*k, "before" | "after" | "around"))
                && key != "limit"
            {
                self.query = Err(Error::validation(
                    key,
                    "use only one of before, after and around",
                ));
                return self;
            }
            query.push((key, value));
        }
        self
    }

    /// Messages before this one.
    pub fn before(self, message: MessageId) -> Self {
        self.with("before", message.to_string())
    }

    /// Messages after this one.
    pub fn after(self, message: MessageId) -> Self {
        self.with("after", message.to_string())
    }

    /// Messages around this one.
    pub fn around(self, message: MessageId) -> Self {
        self.with("around", message.to_string())
    }

    /// How many (1 to 100).
    pub fn limit(mut self, limit: u32) -> Self {
        if !(1..=MAX_PAGE).contains(&limit) {
            self.query = Err(Error::validation(
                "limit",
                format!("must be 1 to {MAX_PAGE}"),
            ));
            return self;
        }
        self.with("limit", limit.to_string())
    }
}

impl<'a> IntoFuture for GetMessages<'a> {
    type Output = Result<Vec<Message>>;
    type IntoFuture = Boxed<'a, Vec<Message>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let query = self.query?;
            let path = format!("/channels/{}/messages", self.channel);
            self.client
                .send::<(), _>(reqwest::Method::GET, &path, &query, None)
                .await
        })
    }
}
