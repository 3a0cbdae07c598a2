//! Posting into a channel, shared by the domains that write messages: a new message's record,
//! its channel's last message and its event (and, in a thread, the thread's activity), a
//! changed message and its event, and the notices the engine writes itself (joins, leaves,
//! pins).

use crate::access::audience;
use crate::envelope::Audience;
use crate::error::Result;
use crate::id::{MessageId, UserId};
use crate::model::{Channel, Event, Message, MessageType, Server, Timestamp};
use crate::store::{ChannelStore, KvMut, MessageStore, Tx};

/// Stores a new message, moves the channel's last message and announces it. A DM that a
/// recipient closed shows in their list again.
pub(crate) fn store_new_message(
    tx: &mut Tx<'_>,
    channel: &Channel,
    message: &Message,
) -> Result<()> {
    tx.update_message(message);
    tx.record_last_message(message);
    if channel.thread_metadata.is_some() {
        thread_activity(tx, channel)?;
    }
    for recipient in &channel.recipients {
        if tx.reopen_channel(*recipient, channel.id)? {
            tx.emit(
                Event::ChannelCreate(channel.clone()),
                Audience::users(vec![*recipient]),
            );
        }
    }
    tx.emit(Event::MessageCreate(message.clone()), audience(channel));
    Ok(())
}

/// When a thread with activity at `from` archives itself.
pub(crate) fn archive_deadline(from: Timestamp, minutes: u32) -> Timestamp {
    from + chrono::Duration::minutes(i64::from(minutes))
}

/// A new message in a thread: it counts, moves the auto-archive deadline on, and brings an
/// archived thread back (`THREAD_UPDATE`).
fn thread_activity(tx: &mut Tx<'_>, channel: &Channel) -> Result<()> {
    // The caller read the channel in this job: it is the thread as it stands.
    let mut thread = channel.clone();
    let Some(mut meta) = thread.thread_metadata else {
        return Ok(());
    };
    let now = tx.now();
    let woke = meta.archived;
    if woke {
        meta.archived = false;
        meta.archive_timestamp = now;
        thread.thread_metadata = Some(meta);
    }
    thread.message_count = Some(thread.message_count.unwrap_or(0).saturating_add(1));
    tx.update_channel_record(&thread);
    let deadline = archive_deadline(now, meta.auto_archive_duration);
    tx.schedule_archive(thread.id, Some(deadline))?;
    if woke {
        tx.emit(Event::ThreadUpdate(thread), audience(channel));
    }
    Ok(())
}

/// Stores a changed message and announces it with its reactions as every reader shares them:
/// `me` is false in an event (each reader finds itself in `users`).
pub(crate) fn store_changed_message(
    tx: &mut Tx<'_>,
    channel: &Channel,
    message: &Message,
) -> Result<()> {
    tx.update_message(message);
    let mut shared = message.clone();
    shared.reactions =
        tx.list_reaction_summary(message.channel_id, message.id, message.author_id)?;
    for reaction in &mut shared.reactions {
        reaction.me = false;
    }
    tx.emit(Event::MessageUpdate(shared), audience(channel));
    Ok(())
}

/// Posts a join or leave message in the server's system channel, if it has one.
pub(crate) fn post_system_message(
    tx: &mut Tx<'_>,
    server: &Server,
    user: UserId,
    kind: MessageType,
) -> Result<()> {
    let Some(channel) = server
        .system_channel_id
        .map(|id| tx.fetch_channel(id))
        .transpose()?
        .flatten()
    else {
        return Ok(());
    };
    post_notice(tx, &channel, user, kind, None)
}

/// Posts a system message authored by `user` in `channel`.
pub(crate) fn post_notice(
    tx: &mut Tx<'_>,
    channel: &Channel,
    user: UserId,
    kind: MessageType,
    reply_to: Option<MessageId>,
) -> Result<()> {
    let message = Message {
        attachments: Vec::new(),
        author_id: user,
        channel_id: channel.id,
        content: String::new(),
        content_html: String::new(),
        created_at: tx.now(),
        edited_at: None,
        embeds: Vec::new(),
        id: tx.new_id(),
        is_edited: false,
        is_pinned: false,
        mention_everyone: false,
        mention_roles: Vec::new(),
        mentions: Vec::new(),
        nonce: None,
        reactions: Vec::new(),
        reply_to_id: reply_to,
        thread_id: None,
        kind,
    };
    store_new_message(tx, channel, &message)
}
