//! Messages: send (idempotent with a client nonce, slow mode, replies, mentions), edit with
//! history, delete, fetch, history pages, system messages and pins.

mod bulk;
mod directory;
mod files;
pub(crate) mod pins;

pub use files::Upload;

use std::sync::atomic::Ordering;

use crate::access::{audience, textual_channel};
use crate::audit_trail::{Actor, record, set};
use crate::engine::Engine;
use crate::error::{Error, ResourceKind, Result, found};
use crate::id::{ChannelId, MessageId, UserId};
use crate::limits::{DEFAULT_PAGE, MAX_CONTENT, MAX_EMBEDS, MAX_NONCE, MAX_PAGE};
use crate::markup::{self, Mentions, Nobody, Rendered};
use crate::model::{
    AuditAction, Channel, ChannelType, CreateMessage, EditMessage, Embed, Event, HistoryQuery,
    Message, MessageDelete, MessageEdit, MessageType, Permissions,
};
use crate::notify::{self, Broadcast};
use crate::posting::{store_changed_message, store_new_message};
use crate::previews::LinkPreviewer;
use crate::store::{ChannelStore, Kv, KvMut, MessageStore, Order, RelationshipStore, Tx};
use directory::ChannelDirectory;

impl Engine {
    /// Sends a message (VIEW_CHANNEL and SEND_MESSAGES). With a `nonce`, a retry returns the
    /// message the first attempt made, also after a restart.
    ///
    /// # Errors
    ///
    /// `Validation` for empty or too long content, bad embeds, a bad nonce or a reply to a
    /// message of another channel; `RateLimited` under slow mode.
    #[tracing::instrument(level = "debug", skip_all, fields(%actor, %channel), err(level = "debug"))]
    pub async fn send_message(
        &self,
        actor: UserId,
        channel: ChannelId,
        request: CreateMessage,
    ) -> Result<Message> {
        self.send(actor, channel, request, Vec::new()).await
    }

    /// Sends a message with its files (already checked and stored as blobs).
    async fn send(
        &self,
        actor: UserId,
        channel: ChannelId,
        request: CreateMessage,
        files: Vec<files::Prepared>,
    ) -> Result<Message> {
        let content = checked_content(
            &request.content,
            !request.embeds.is_empty() || !files.is_empty(),
        )?;
        check_embeds(&request.embeds)?;
        if let Some(nonce) = &request.nonce
            && (nonce.is_empty() || nonce.len() > MAX_NONCE)
        {
            return Err(Error::validation(
                "nonce",
                format!("must be 1 to {MAX_NONCE} bytes"),
            ));
        }
        let Rendered {
            html: content_html,
            mentions,
            links,
        } = self.render_in(channel, &content)?;
        let live = self.live();
        let push = self.push_active().load(Ordering::Acquire);
        let message = self
            .write(move |tx| {
                let (channel, permissions) = textual_channel(tx, actor, channel)?;
                crate::permissions::resolve::missing(permissions, Permissions::SEND_MESSAGES)?;
                may_post(tx, &channel, actor, permissions)?;
                if let Some(nonce) = &request.nonce
                    && let Some(original) = tx.fetch_nonce(channel.id, actor, nonce)?
                {
                    return found(
                        tx.fetch_message(channel.id, original)?,
                        ResourceKind::Message,
                        original,
                    );
                }
                slow_mode(tx, &channel, actor, permissions)?;
                if !files.is_empty() {
                    crate::permissions::resolve::missing(permissions, Permissions::ATTACH_FILES)?;
                }
                if let Some(reply) = request.reply_to_id
                    && tx.fetch_message(channel.id, reply)?.is_none()
                {
                    return Err(Error::validation(
                        "reply_to_id",
                        "no such message in this channel",
                    ));
                }
                let mut message = Message {
                    attachments: Vec::new(),
                    author_id: actor,
                    channel_id: channel.id,
                    content,
                    content_html,
                    created_at: tx.now(),
                    edited_at: None,
                    embeds: request.embeds,
                    id: tx.new_id(),
                    is_edited: false,
                    is_pinned: false,
                    mention_everyone: false,
                    mention_roles: Vec::new(),
                    mentions: Vec::new(),
                    nonce: request.nonce,
                    reactions: Vec::new(),
                    reply_to_id: request.reply_to_id,
                    thread_id: None,
                    kind: if request.reply_to_id.is_some() {
                        MessageType::Reply
                    } else {
                        MessageType::Default
                    },
                };
                let broadcast = apply_mentions(permissions, &mentions, &mut message);
                message.attachments = files::attach(tx, &channel, message.id, files)?;
                if let Some(nonce) = &message.nonce {
                    tx.insert_nonce(channel.id, actor, nonce, message.id);
                }
                if channel.slow_mode_delay > 0 {
                    tx.update_last_send(channel.id, actor, message.created_at);
                }
                store_new_message(tx, &channel, &message)?;
                let online = |user| live.lock().is_ok_and(|live| live.is_connected(user));
                notify::message_created(tx, &channel, &message, broadcast, &online, push)?;
                Ok(message)
            })
            .await?;
        if let Some(previewer) = self
            .previewer()
            .filter(|_| !links.is_empty() && message.embeds.is_empty())
        {
            let engine = self.clone();
            let (channel, id) = (message.channel_id, message.id);
            tokio::spawn(async move { engine.add_previews(&*previewer, channel, id, links).await });
        }
        Ok(message)
    }

    /// Fetches the previews of a new message's links and adds them as its embeds with a
    /// `MESSAGE_UPDATE` (unless it was deleted or got embeds meanwhile).
    async fn add_previews(
        &self,
        previewer: &dyn LinkPreviewer,
        channel: ChannelId,
        id: MessageId,
        links: Vec<String>,
    ) {
        let mut embeds = Vec::new();
        for link in &links {
            if let Some(mut embed) = previewer.preview(link).await {
                "link".clone_into(&mut embed.kind);
                embeds.push(embed);
            }
        }
        if embeds.is_empty() || check_embeds(&embeds).is_err() {
            return;
        }
        let added = self
            .write(move |tx| {
                let Some(channel) = tx.fetch_channel(channel)? else {
                    return Ok(());
                };
                let Some(mut message) = tx.fetch_message(channel.id, id)? else {
                    return Ok(());
                };
                if !message.embeds.is_empty() {
                    return Ok(());
                }
                message.embeds = embeds;
                store_changed_message(tx, &channel, &message)
            })
            .await;
        if let Err(error) = added {
            tracing::warn!(%error, "cannot add link previews");
        }
    }

    /// Edits one's own message, keeping the previous version in its history.
    #[tracing::instrument(level = "debug", skip_all, fields(%actor, %channel, message = %id), err(level = "debug"))]
    pub async fn edit_message(
        &self,
        actor: UserId,
        channel: ChannelId,
        id: MessageId,
        edit: EditMessage,
    ) -> Result<Message> {
        let content = checked_content(&edit.content, false)?;
        let Rendered {
            html: content_html,
            mentions,
            ..
        } = self.render_in(channel, &content)?;
        self.write(move |tx| {
            let (channel, permissions) = textual_channel(tx, actor, channel)?;
            let mut message = found(tx.fetch_message(channel.id, id)?, ResourceKind::Message, id)?;
            if message.author_id != actor || message.kind.is_system() {
                return Err(Error::forbidden("only the author may edit a message"));
            }
            if message.content == content {
                return with_reactions(tx, message, actor);
            }
            let now = tx.now();
            tx.insert_edit(
                id,
                &MessageEdit {
                    content: std::mem::take(&mut message.content),
                    replaced_at: now,
                },
            );
            message.content = content;
            message.content_html = content_html;
            message.is_edited = true;
            message.edited_at = Some(now);
            // An edit pings no one anew (as Discord's): the mentions change, nobody is notified.
            apply_mentions(permissions, &mentions, &mut message);
            store_changed_message(tx, &channel, &message)?;
            with_reactions(tx, message, actor)
        })
        .await
    }

    /// Deletes a message: one's own, or anyone's with MANAGE_MESSAGES (recorded in the audit
    /// log).
    #[tracing::instrument(level = "debug", skip_all, fields(%channel, message = %id), err(level = "debug"))]
    pub async fn delete_message(
        &self,
        actor: impl Into<Actor>,
        channel: ChannelId,
        id: MessageId,
    ) -> Result<()> {
        let by = actor.into();
        self.write(move |tx| {
            let (channel, permissions) = textual_channel(tx, by.user(), channel)?;
            let message = found(tx.fetch_message(channel.id, id)?, ResourceKind::Message, id)?;
            if message.author_id != by.user() {
                crate::permissions::resolve::missing(permissions, Permissions::MANAGE_MESSAGES)?;
                if let Some(server) = channel.server_id {
                    let changed = vec![set("channel_id", channel.id)];
                    let target = message.author_id;
                    record(tx, server, &by, AuditAction::MessageDelete, target, changed);
                }
            }
            tx.delete_message(&message)?;
            let payload = MessageDelete {
                channel_id: channel.id,
                id,
                server_id: channel.server_id,
            };
            tx.emit(Event::MessageDelete(payload), audience(&channel));
            Ok(())
        })
        .await
    }

    /// Fetches a message with its reactions (VIEW_CHANNEL).
    pub fn fetch_message(
        &self,
        actor: UserId,
        channel: ChannelId,
        id: MessageId,
    ) -> Result<Message> {
        let reader = self.read()?;
        let (channel, _) = textual_channel(&reader, actor, channel)?;
        let message = found(
            reader.fetch_message(channel.id, id)?,
            ResourceKind::Message,
            id,
        )?;
        with_reactions(&reader, message, actor)
    }

    /// A page of history, newest first (VIEW_CHANNEL). `around` returns the message itself
    /// with up to half the page on each side.
    ///
    /// # Errors
    ///
    /// `Validation` for a limit outside 1 to 100 or more than one of before/after/around.
    pub fn list_messages(
        &self,
        actor: UserId,
        channel: ChannelId,
        query: HistoryQuery,
    ) -> Result<Vec<Message>> {
        let limit = query.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(Error::validation(
                "limit",
                format!("must be 1 to {MAX_PAGE}"),
            ));
        }
        let anchors = [query.before, query.after, query.around]
            .iter()
            .filter(|a| a.is_some())
            .count();
        if anchors > 1 {
            return Err(Error::validation(
                "before",
                "use at most one of before, after and around",
            ));
        }
        let limit = limit as usize;
        let reader = self.read()?;
        let (channel, _) = textual_channel(&reader, actor, channel)?;
        let id = channel.id;
        let page = if let Some(around) = query.around {
            let newer =
                reader.list_messages(id, Some(around), None, Order::Ascending, limit / 2)?;
            let rest = limit - newer.len();
            let older = reader.list_messages(
                id,
                None,
                Some(around),
                Order::Descending,
                rest.saturating_sub(1),
            )?;
            let mut page: Vec<Message> = newer.into_iter().rev().collect();
            page.extend(reader.fetch_message(id, around)?);
            page.extend(older);
            page
        } else if let Some(after) = query.after {
            let mut page = reader.list_messages(id, Some(after), None, Order::Ascending, limit)?;
            page.reverse();
            page
        } else {
            reader.list_messages(id, None, query.before, Order::Descending, limit)?
        };
        page.into_iter()
            .map(|m| with_reactions(&reader, m, actor))
            .collect()
    }

    /// The previous versions of a message, oldest first (VIEW_CHANNEL).
    pub fn list_message_edits(
        &self,
        actor: UserId,
        channel: ChannelId,
        id: MessageId,
    ) -> Result<Vec<MessageEdit>> {
        let reader = self.read()?;
        let (channel, _) = textual_channel(&reader, actor, channel)?;
        found(
            reader.fetch_message(channel.id, id)?,
            ResourceKind::Message,
            id,
        )?;
        reader.list_edits(id)
    }
}

fn checked_content(content: &str, may_be_empty: bool) -> Result<String> {
    let content = content.trim();
    if content.is_empty() && !may_be_empty {
        return Err(Error::validation("content", "must not be empty"));
    }
    if content.chars().count() > MAX_CONTENT {
        return Err(Error::validation(
            "content",
            format!("must be at most {MAX_CONTENT} characters"),
        ));
    }
    Ok(content.to_owned())
}

fn check_embeds(embeds: &[Embed]) -> Result<()> {
    if embeds.len() > MAX_EMBEDS {
        return Err(Error::validation("embeds", format!("at most {MAX_EMBEDS}")));
    }
    for embed in embeds {
        let fits = !embed.kind.is_empty()
            && embed.kind.len() <= 32
            && embed.title.chars().count() <= 256
            && embed.description.chars().count() <= 4096
            && [&embed.url, &embed.image_url, &embed.video_url]
                .iter()
                .all(|u| {
                    u.len() <= 2048
                        && (u.is_empty() || u.starts_with("https://") || u.starts_with("http://"))
                })
            && embed.color.is_none_or(|c| c <= 0xFF_FFFF);
        if !fits {
            return Err(Error::validation(
                "embeds",
                "an embed needs a type, fields within their limits and http(s) URLs",
            ));
        }
    }
    Ok(())
}

fn slow_mode(
    tx: &Tx<'_>,
    channel: &Channel,
    actor: UserId,
    permissions: Permissions,
) -> Result<()> {
    let exempt =
        permissions.intersects(Permissions::MANAGE_MESSAGES | Permissions::MANAGE_CHANNELS);
    if channel.slow_mode_delay == 0 || exempt {
        return Ok(());
    }
    if let Some(last) = tx.fetch_last_send(channel.id, actor)? {
        let ready = last + chrono::Duration::seconds(i64::from(channel.slow_mode_delay));
        if ready > tx.now() {
            let wait = (ready - tx.now()).to_std().unwrap_or_default();
            return Err(Error::RateLimited { retry_after: wait });
        }
    }
    Ok(())
}

/// Keeps the mentions that may ping: members; a role when it is mentionable or the author
/// may mention everyone; `@everyone` and `@here` only with MENTION_EVERYONE (which one, for
/// the notifications).
fn apply_mentions(
    permissions: Permissions,
    mentions: &Mentions,
    message: &mut Message,
) -> Broadcast {
    let may_ping_all = permissions.contains(Permissions::MENTION_EVERYONE);
    message.mention_everyone = (mentions.everyone || mentions.here) && may_ping_all;
    message.mentions.clone_from(&mentions.users);
    message.mention_roles = mentions
        .roles
        .iter()
        .filter(|(_, mentionable)| *mentionable || may_ping_all)
        .map(|(role, _)| *role)
        .collect();
    match (may_ping_all, mentions.everyone, mentions.here) {
        (true, true, _) => Broadcast::Everyone,
        (true, false, true) => Broadcast::Here,
        _ => Broadcast::None,
    }
}

impl Engine {
    /// Renders content as posted in `channel`. The store is read only when the text may
    /// mention someone; a channel that does not exist renders with no names (the write that
    /// follows answers that it does not exist).
    fn render_in(&self, channel: ChannelId, content: &str) -> Result<Rendered> {
        if !markup::may_mention(content) {
            return Ok(markup::render(content, &mut Nobody));
        }
        let reader = self.read()?;
        Ok(match reader.fetch_channel(channel)? {
            Some(channel) => markup::render(content, &mut ChannelDirectory::new(&reader, &channel)),
            None => markup::render(content, &mut Nobody),
        })
    }
}

/// Fills in a message's reactions as `viewer` sees them.
pub(crate) fn with_reactions(
    kv: &(impl Kv + ?Sized),
    mut message: Message,
    viewer: UserId,
) -> Result<Message> {
    message.reactions = kv.list_reaction_summary(message.channel_id, message.id, viewer)?;
    Ok(message)
}

/// Fails in a DM when either recipient blocked the other, and in a locked thread without
/// MANAGE_THREADS.
fn may_post(tx: &Tx<'_>, channel: &Channel, actor: UserId, permissions: Permissions) -> Result<()> {
    let locked = channel.thread_metadata.is_some_and(|m| m.locked);
    if locked && !permissions.contains(Permissions::MANAGE_THREADS) {
        return Err(Error::forbidden("the thread is locked"));
    }
    if channel.kind == ChannelType::Dm
        && let Some(other) = channel.recipients.iter().find(|r| **r != actor)
        && tx.blocked_between(actor, *other)?
    {
        return Err(Error::forbidden("you cannot message this user"));
    }
    Ok(())
}
