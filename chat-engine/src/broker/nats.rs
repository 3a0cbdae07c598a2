//! The NATS broker: committed events go through a JetStream stream (in memory, kept ten
//! minutes, read by every node with an ordered consumer that picks up where it was after a
//! reconnect), and live state and the application's messages through plain NATS subjects
//! (never stored). A node starts while NATS is away and joins once it is back; meanwhile
//! its engine follows the shared log on its own.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use async_nats::connection::State;
use async_nats::jetstream::{self, consumer, stream};
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::{Broker, Inbox, Topic};
use crate::error::StorageError;

/// How long the stream keeps committed events: a node whose connection broke for less picks
/// up where it was; one away longer reads the shared log anyway.
const KEEP_EVENTS: Duration = Duration::from_secs(10 * 60);
/// The most the stream keeps, in bytes (of the NATS server's memory).
const KEEP_BYTES: i64 = 256 << 20;
/// How long to wait before setting up the stream or its consumer again after a failure.
const RETRY: Duration = Duration::from_secs(1);

/// The subjects and stream of one community.
#[derive(Debug, Clone)]
struct Names {
    events: String,
    live: String,
    application: String,
    stream: String,
}

impl Names {
    fn of(community: &str) -> Self {
        Self {
            events: format!("chat.{community}.events"),
            live: format!("chat.{community}.live"),
            application: format!("chat.{community}.application"),
            stream: format!("CHAT_{community}"),
        }
    }
}

/// A broker on a NATS server with JetStream enabled (`nats-server -js`).
pub struct NatsBroker {
    client: async_nats::Client,
    url: String,
    /// Why the connection attempts fail, until one succeeds.
    trouble: Trouble,
    /// Set by [`Broker::join`].
    names: OnceLock<Names>,
    /// Committed events to publish, in order, from one task.
    outbox: OnceLock<mpsc::UnboundedSender<Bytes>>,
}

impl fmt::Debug for NatsBroker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NatsBroker")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl NatsBroker {
    /// Connects to the NATS server at `url` in the background: it returns at once, even while
    /// the server is away, and keeps reconnecting. `nats://host:port` speaks TLS when the
    /// server asks for it, `tls://host:port` always; the server's certificate is checked
    /// against the public roots (Mozilla's, built in) and its host name.
    ///
    /// # Errors
    ///
    /// A storage error when the URL is malformed or no tokio runtime runs.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        Self::open(url, None).await
    }

    /// Connects as [`NatsBroker::connect`] does, trusting the certificate authorities of a
    /// PEM file instead of the public roots (a private authority that signed the NATS
    /// server's certificate).
    ///
    /// # Errors
    ///
    /// A storage error when the URL is malformed, the file holds no certificate, or no tokio
    /// runtime runs.
    pub async fn connect_trusting(url: &str, authority: &Path) -> Result<Self, StorageError> {
        Self::open(url, Some(authority)).await
    }

    async fn open(url: &str, authority: Option<&Path>) -> Result<Self, StorageError> {
        let address: async_nats::ServerAddr = url
            .parse()
            .map_err(|e| StorageError::new(format!("invalid NATS URL {url:?}: {e}")))?;
        let tls = crate::tls::client_config(authority, "NATS authority")?;
        let trouble = Trouble::default();
        let (failed, connected) = (trouble.clone(), trouble.clone());
        let client = async_nats::ConnectOptions::new()
            .name("chat-server")
            .retry_on_initial_connect()
            .tls_client_config(tls)
            // Asked before each attempt, with what the earlier ones met: the only place
            // async-nats tells why a connection failed (its events and logs name only the
            // kind, such as "IO error" for a certificate it does not trust).
            .reconnect_to_server_callback(move |servers, _| {
                failed.failed(&servers);
                async { None }
            })
            .event_callback(move |event| {
                connected.on(&event);
                async {}
            })
            .connect(address)
            .await
            .map_err(|e| StorageError::new(format!("cannot connect to NATS at {url}: {e}")))?;
        Ok(Self {
            client,
            url: url.to_owned(),
            trouble,
            names: OnceLock::new(),
            outbox: OnceLock::new(),
        })
    }

    fn connected(&self) -> bool {
        self.client.connection_state() == State::Connected
    }
}

impl Broker for NatsBroker {
    fn join(&self, community: &str) -> Result<Inbox, StorageError> {
        let names = Names::of(community);
        if self.names.set(names.clone()).is_err() {
            return Err(StorageError::new(
                "the NATS broker joined a community already",
            ));
        }
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| StorageError::new("the broker must be joined in a tokio runtime"))?;
        let (inbox, receiver) = mpsc::unbounded_channel();
        let context = Arc::new(jetstream::new(self.client.clone()));
        let (outbox, to_publish) = mpsc::unbounded_channel();
        let _ = self.outbox.set(outbox);
        runtime.spawn(publish_committed(
            context.clone(),
            names.events.clone(),
            to_publish,
        ));
        runtime.spawn(follow_committed(context, names.clone(), inbox.clone()));
        runtime.spawn(follow_plain(
            self.client.clone(),
            names.live,
            Topic::Live,
            inbox.clone(),
        ));
        runtime.spawn(follow_plain(
            self.client.clone(),
            names.application,
            Topic::Application,
            inbox,
        ));
        Ok(receiver)
    }

    fn publish(&self, topic: Topic, payload: Bytes) {
        // While NATS is away the other nodes read the log, and the next heartbeat restores
        // live state: nothing queues up here meanwhile.
        if !self.connected() {
            return;
        }
        match topic {
            Topic::Committed => {
                if let Some(outbox) = self.outbox.get() {
                    let _ = outbox.send(payload);
                }
            }
            Topic::Live | Topic::Application => {
                let (Some(names), Ok(runtime)) =
                    (self.names.get(), tokio::runtime::Handle::try_current())
                else {
                    return;
                };
                let subject = if topic == Topic::Live {
                    names.live.clone()
                } else {
                    names.application.clone()
                };
                let client = self.client.clone();
                runtime.spawn(async move {
                    if let Err(error) = client.publish(subject, payload).await {
                        tracing::debug!(%error, "a message to the other nodes was not sent");
                    }
                });
            }
        }
    }

    fn check(&self) -> Result<(), String> {
        if self.connected() {
            return Ok(());
        }
        let url = &self.url;
        Err(match self.trouble.reason() {
            Some(reason) => format!("NATS at {url} is not connected: {reason}"),
            None => format!("NATS at {url} is not connected"),
        })
    }
}

/// Why the attempts to connect to NATS fail, shared by the client's callbacks and
/// [`Broker::check`]; each new reason is logged once, as is the connection that ends them.
#[derive(Debug, Clone, Default)]
struct Trouble(Arc<Mutex<Option<String>>>);

impl Trouble {
    /// Notes the last failure among `servers`, as the client is about to try again.
    fn failed(&self, servers: &[async_nats::Server]) {
        let Some(reason) = servers.iter().find_map(|server| server.last_error.clone()) else {
            return;
        };
        let mut trouble = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if trouble.as_ref() != Some(&reason) {
            tracing::warn!(%reason, "cannot connect to NATS; retrying");
            *trouble = Some(reason);
        }
    }

    /// Follows the client's connection: a connection ends the trouble.
    fn on(&self, event: &async_nats::Event) {
        match event {
            async_nats::Event::Connected => {
                let ended = self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
                if ended.is_some() {
                    tracing::info!("connected to NATS");
                }
            }
            async_nats::Event::Disconnected => {
                tracing::warn!("the connection to NATS broke; reconnecting");
            }
            _ => {}
        }
    }

    fn reason(&self) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Publishes committed events in the order the engine hands them over, each acknowledged
/// by JetStream (a failure is logged: the other nodes read the event from the log).
async fn publish_committed(
    context: Arc<jetstream::Context>,
    subject: String,
    mut to_publish: mpsc::UnboundedReceiver<Bytes>,
) {
    while let Some(payload) = to_publish.recv().await {
        match context.publish(subject.clone(), payload).await {
            Ok(ack) => {
                tokio::spawn(async move {
                    if let Err(error) = ack.await {
                        tracing::debug!(%error, "JetStream did not acknowledge events");
                    }
                });
            }
            Err(error) => tracing::debug!(%error, "events were not published to JetStream"),
        }
    }
}

/// Reads the community's stream from its end on, for as long as the engine listens; sets
/// the stream and its consumer up again whenever they fail.
async fn follow_committed(
    context: Arc<jetstream::Context>,
    names: Names,
    inbox: mpsc::UnboundedSender<(Topic, Bytes)>,
) {
    let mut failing = false;
    while !inbox.is_closed() {
        let read = read_committed(&context, &names, &inbox).await;
        match (read, failing) {
            (Ok(()), _) => failing = false,
            (Err(error), false) => {
                tracing::warn!(%error, "cannot read the NATS event stream; retrying");
                failing = true;
            }
            (Err(_), true) => {}
        }
        tokio::time::sleep(RETRY).await;
    }
}

async fn read_committed(
    context: &jetstream::Context,
    names: &Names,
    inbox: &mpsc::UnboundedSender<(Topic, Bytes)>,
) -> Result<(), async_nats::Error> {
    let stream = context
        .get_or_create_stream(stream::Config {
            name: names.stream.clone(),
            subjects: vec![names.events.clone()],
            max_age: KEEP_EVENTS,
            max_bytes: KEEP_BYTES,
            // A transport, not a store: the shared log is the truth, and a node that missed
            // what a restarted NATS lost reads it there.
            storage: stream::StorageType::Memory,
            ..Default::default()
        })
        .await?;
    let consumer = stream
        .create_consumer(consumer::pull::OrderedConfig {
            deliver_policy: consumer::DeliverPolicy::New,
            ..Default::default()
        })
        .await?;
    let mut messages = consumer.messages().await?;
    tracing::info!(stream = %names.stream, "reading committed events from NATS");
    while let Some(message) = messages.next().await {
        if inbox
            .send((Topic::Committed, message?.payload.clone()))
            .is_err()
        {
            break;
        }
    }
    Ok(())
}

/// Hands on what comes on a plain (never stored) subject as `topic`; the client subscribes
/// again after a reconnect.
async fn follow_plain(
    client: async_nats::Client,
    subject: String,
    topic: Topic,
    inbox: mpsc::UnboundedSender<(Topic, Bytes)>,
) {
    loop {
        match client.subscribe(subject.clone()).await {
            Ok(mut messages) => {
                while let Some(message) = messages.next().await {
                    if inbox.send((topic, message.payload)).is_err() {
                        return;
                    }
                }
            }
            Err(error) => tracing::warn!(%error, %subject, "cannot subscribe to NATS"),
        }
        if inbox.is_closed() {
            return;
        }
        tokio::time::sleep(RETRY).await;
    }
}
