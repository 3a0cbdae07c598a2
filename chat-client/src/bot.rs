//! A small layer for bots: register async handlers for the events they care about, then
//! `run`. Each event is handled on its own task, so a slow handler does not hold up others.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chat_engine::model::{Event, Member, Message, ReactionEvent, User};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::gateway::{Gateway, GatewayConfig, GatewayEvent, gateway_url_for};

type Handler =
    Arc<dyn Fn(Context, Arc<Event>) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// What a handler gets besides the event: an authenticated client and who the bot is.
#[derive(Debug, Clone)]
pub struct Context {
    /// The REST client, with the bot's token.
    pub client: Client,
    /// The bot's own user (set once READY arrived).
    pub me: Option<User>,
}

/// A bot: handlers keyed by event, and the gateway they run on.
#[must_use]
pub struct Bot {
    client: Client,
    gateway: GatewayConfig,
    handlers: Vec<Handler>,
}

impl std::fmt::Debug for Bot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bot")
            .field("handlers", &self.handlers.len())
            .finish_non_exhaustive()
    }
}

impl Bot {
    /// A bot on this client (which carries the token) and gateway URL.
    pub fn new(client: Client, gateway_url: impl Into<String>) -> Self {
        let token = client.token().unwrap_or_default().to_owned();
        let gateway = GatewayConfig::new(gateway_url, token);
        #[cfg(feature = "rustls")]
        let gateway = gateway.with_tls(client.tls_config().clone());
        Self {
            client,
            gateway,
            handlers: Vec::new(),
        }
    }

    /// A bot configured from the environment: `CHAT_URL` (the server's base URL, such as
    /// `https://chat.example`; the gateway URL is derived from it) and `CHAT_TOKEN` (its bot
    /// token).
    ///
    /// # Errors
    ///
    /// A validation error naming the variable that is missing or empty.
    pub fn from_env() -> Result<Self> {
        let var = |name: &'static str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| Error::validation(name, "is not set"))
        };
        let url = var("CHAT_URL")?;
        let token = var("CHAT_TOKEN")?;
        let client = Client::builder().base_url(&url).token(&token).build()?;
        Ok(Self::new(client, gateway_url_for(&url)))
    }

    /// The bot's REST client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Where its gateway connects.
    pub fn gateway_url(&self) -> &str {
        &self.gateway.url
    }

    /// Handles every event.
    pub fn on_event<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(Context, Arc<Event>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.handlers
            .push(Arc::new(move |ctx, event| Box::pin(handler(ctx, event))));
        self
    }

    /// Handles new messages (the bot's own included; check `ctx.me`).
    pub fn on_message<F, Fut>(self, handler: F) -> Self
    where
        F: Fn(Context, Message) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler = Arc::new(handler);
        self.on_event(move |ctx, event| {
            let handler = handler.clone();
            async move {
                if let Event::MessageCreate(message) = &*event {
                    handler(ctx, message.clone()).await;
                }
            }
        })
    }

    /// Handles members joining.
    pub fn on_member_add<F, Fut>(self, handler: F) -> Self
    where
        F: Fn(Context, Member) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler = Arc::new(handler);
        self.on_event(move |ctx, event| {
            let handler = handler.clone();
            async move {
                if let Event::MemberAdd(member) = &*event {
                    handler(ctx, member.clone()).await;
                }
            }
        })
    }

    /// Handles reactions being added.
    pub fn on_reaction_add<F, Fut>(self, handler: F) -> Self
    where
        F: Fn(Context, ReactionEvent) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler = Arc::new(handler);
        self.on_event(move |ctx, event| {
            let handler = handler.clone();
            async move {
                if let Event::MessageReactionAdd(reaction) = &*event {
                    handler(ctx, reaction.clone()).await;
                }
            }
        })
    }

    /// Runs until the gateway closes for good (for example a revoked token).
    pub async fn run(self) -> Result<()> {
        let mut gateway = Gateway::connect(self.gateway);
        let mut ctx = Context {
            client: self.client,
            me: None,
        };
        while let Some(event) = gateway.next_event().await {
            match event? {
                GatewayEvent::Ready(ready) => ctx.me = Some(ready.user),
                GatewayEvent::Dispatch { event, .. } => {
                    let event: Arc<Event> = Arc::from(event);
                    for handler in &self.handlers {
                        tokio::spawn(handler(ctx.clone(), event.clone()));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}
