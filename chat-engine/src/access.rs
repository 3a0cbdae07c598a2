//! Channel access, shared by every domain that works in a channel: fetching a channel the
//! caller may view (a hidden channel is `NotFound`, never revealed), with the caller's
//! permissions in it, the audience of its events, timeouts, and deleting messages and
//! contents.

use crate::envelope::Audience;
use crate::error::{Error, ResourceKind, Result, found};
use crate::id::{ChannelId, UserId};
use crate::model::{Channel, Event, Message, MessageDeleteBulk, Permissions};
use crate::permissions::resolve::resolve_in;
use crate::store::{ChannelStore, Kv, KvMut, MessageStore, Order, ServerStore, Tx};

/// A channel the user can view, with the user's permissions in it.
pub(crate) fn viewable_channel(
    kv: &(impl Kv + ?Sized),
    user: UserId,
    id: ChannelId,
) -> Result<(Channel, Permissions)> {
    let channel = found(kv.fetch_channel(id)?, ResourceKind::Channel, id)?;
    let permissions = resolve_in(kv, user, &channel)?;
    if !permissions.contains(Permissions::VIEW_CHANNEL) {
        return Err(disabled_for_member(kv, user, &channel)?
            .unwrap_or_else(|| Error::not_found(ResourceKind::Channel, id)));
    }
    Ok((channel, permissions))
}

/// Why a member finds nothing in a channel of a server an administrator disabled (they
/// know the server; anyone else learns nothing).
fn disabled_for_member(
    kv: &(impl Kv + ?Sized),
    user: UserId,
    channel: &Channel,
) -> Result<Option<Error>> {
    let Some(server) = channel.server_id else {
        return Ok(None);
    };
    let Some(disabled) = kv.fetch_server(server)?.and_then(|s| s.disabled) else {
        return Ok(None);
    };
    if kv.fetch_member(server, user)?.is_none() {
        return Ok(None);
    }
    Ok(Some(Error::forbidden(format!(
        "this server is disabled: {}",
        disabled.reason
    ))))
}

/// A text-bearing channel the user can view, with the user's permissions in it.
pub(crate) fn textual_channel(
    kv: &(impl Kv + ?Sized),
    user: UserId,
    id: ChannelId,
) -> Result<(Channel, Permissions)> {
    let (channel, permissions) = viewable_channel(kv, user, id)?;
    if !channel.kind.is_textual() {
        return Err(Error::validation(
            "channel_id",
            "voice channels have no messages",
        ));
    }
    Ok((channel, permissions))
}

/// Who sees the events of a channel.
pub(crate) fn audience(channel: &Channel) -> Audience {
    Audience::channel(channel.server_id, channel.id, &channel.recipients)
}

/// Deletes a channel's messages (with their reactions, pins and history) and its thread
/// members.
pub(crate) fn delete_channel_contents(tx: &mut Tx<'_>, channel: &Channel) -> Result<()> {
    loop {
        let page = tx.list_messages(channel.id, None, None, Order::Ascending, 512)?;
        if page.is_empty() {
            break;
        }
        for message in &page {
            tx.delete_message(message)?;
        }
    }
    for member in tx.list_thread_members(channel.id)? {
        tx.delete_thread_member(channel.id, member);
    }
    Ok(())
}

/// Fails when a moderator has timed the user out in the channel's server: for what a
/// timeout stops beyond the permissions it takes (joining an existing reaction, voice).
pub(crate) fn require_not_timed_out(
    kv: &(impl Kv + ?Sized),
    user: UserId,
    channel: &Channel,
) -> Result<()> {
    let Some(server) = channel.server_id else {
        return Ok(());
    };
    match kv
        .fetch_member(server, user)?
        .and_then(|m| m.communication_disabled_until)
    {
        Some(until) if until > chrono::Utc::now() => Err(Error::forbidden(format!(
            "you are timed out until {}",
            until.to_rfc3339()
        ))),
        _ => Ok(()),
    }
}

/// Deletes messages of one channel (with their reactions, pins and history) and emits one
/// `MESSAGE_DELETE_BULK` for them.
pub(crate) fn delete_messages(
    tx: &mut Tx<'_>,
    channel: &Channel,
    messages: &[Message],
) -> Result<()> {
    if messages.is_empty() {
        return Ok(());
    }
    for message in messages {
        tx.delete_message(message)?;
    }
    let payload = MessageDeleteBulk {
        channel_id: channel.id,
        ids: messages.iter().map(|m| m.id).collect(),
        server_id: channel.server_id,
    };
    tx.emit(Event::MessageDeleteBulk(payload), audience(channel));
    Ok(())
}
