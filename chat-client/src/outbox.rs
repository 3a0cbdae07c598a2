//! The outbox: messages handed to it are delivered in order, once, even when the server is
//! unreachable for a while. Each gets a nonce when queued, so a retry after a lost answer
//! returns the message the first attempt made instead of sending it twice.

use std::time::Duration;

use chat_engine::id::ChannelId;
use chat_engine::model::{CreateMessage, Message};
use tokio::sync::{mpsc, oneshot};

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::messages::check_content;

struct Queued {
    channel: ChannelId,
    body: CreateMessage,
    done: oneshot::Sender<Result<Message>>,
}

/// A queue of outgoing messages with its delivery task; cheap to clone.
#[derive(Debug, Clone)]
pub struct Outbox {
    queue: mpsc::UnboundedSender<Queued>,
}

impl std::fmt::Debug for Queued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queued")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

/// A queued message; await it for the delivered message.
#[derive(Debug)]
#[must_use = "the message is sent either way; await the ticket to learn the outcome"]
pub struct Ticket {
    done: oneshot::Receiver<Result<Message>>,
    /// The nonce the message carries.
    pub nonce: String,
}

impl Ticket {
    /// Waits until the message is delivered (or refused by the server).
    pub async fn delivered(self) -> Result<Message> {
        self.done
            .await
            .map_err(|_| Error::new(ErrorKind::Transport))?
    }
}

impl Outbox {
    /// Starts the delivery task. Unreachable-server errors are retried with backoff up to
    /// `max_backoff` between attempts; the server's refusals end that message.
    pub fn new(client: Client, max_backoff: Duration) -> Self {
        let (queue, mut pending) = mpsc::unbounded_channel::<Queued>();
        tokio::spawn(async move {
            while let Some(item) = pending.recv().await {
                let mut wait = Duration::from_millis(100);
                let outcome = loop {
                    let path = format!("/channels/{}/messages", item.channel);
                    match client.post::<_, Message>(&path, &item.body).await {
                        Err(error) if matches!(error.kind(), ErrorKind::Transport) => {
                            tracing::debug!("server unreachable; the outbox retries in {wait:?}");
                            tokio::time::sleep(wait).await;
                            wait = (wait * 2).min(max_backoff);
                        }
                        other => break other,
                    }
                };
                let _ = item.done.send(outcome);
            }
        });
        Self { queue }
    }

    /// Queues a message; it goes out after every message queued before it.
    pub fn send(&self, channel: ChannelId, content: impl Into<String>) -> Result<Ticket> {
        let content = content.into();
        check_content(&content)?;
        let nonce = ulid::Ulid::generate().to_string();
        let body = CreateMessage {
            content,
            nonce: Some(nonce.clone()),
            ..CreateMessage::default()
        };
        let (done, receiver) = oneshot::channel();
        self.queue
            .send(Queued {
                channel,
                body,
                done,
            })
            .map_err(|_| Error::new(ErrorKind::Transport))?;
        Ok(Ticket {
            done: receiver,
            nonce,
        })
    }
}
