//! Who a new message notifies, and how: worked out in the message's own write, so that each
//! `NOTIFICATION_CREATE` (one per user, to that user's sessions) and each queued push
//! notification (for users with no live session) is committed with the message, exactly
//! once, and survives a restart.
//!
//! A user is notified once per message, for the strongest reason: a DM, a mention, a reply
//! to their message, a mention of one of their roles, `@here` (when online), `@everyone`.
//! Never the author, never someone who cannot view the channel, and only as their
//! preferences allow (a channel's setting wins over its server's; a mute lasts until its
//! time).

use std::collections::HashMap;

use crate::envelope::Audience;
use crate::error::Result;
use crate::id::UserId;
use crate::model::{
    Channel, Event, Message, Notification, NotificationKind, Permissions, PushNotification,
};
use crate::permissions::resolve::resolve_in;
use crate::store::{KvMut, MessageStore, NotificationStore, ServerStore, Tx, UserStore};

/// `@everyone` or `@here` in a message whose author may ping them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Broadcast {
    /// Neither.
    None,
    /// `@everyone`.
    Everyone,
    /// `@here`: the members online now.
    Here,
}

/// Longest message text a push notification carries.
const PUSH_PREVIEW: usize = 200;

/// Notifies the users a new message concerns: a `NOTIFICATION_CREATE` to each, and a queued
/// push notification for those with no live session when `push` is on.
pub(crate) fn message_created(
    tx: &mut Tx<'_>,
    channel: &Channel,
    message: &Message,
    broadcast: Broadcast,
    online: &dyn Fn(UserId) -> bool,
    push: bool,
) -> Result<()> {
    let mut notified: HashMap<UserId, NotificationKind> = HashMap::new();
    let mut add = |user: UserId, kind: NotificationKind| {
        notified.entry(user).or_insert(kind);
    };
    if channel.server_id.is_none() {
        for user in &channel.recipients {
            add(*user, NotificationKind::Dm);
        }
    }
    for user in &message.mentions {
        add(*user, NotificationKind::Mention);
    }
    if let Some(reply) = message.reply_to_id
        && let Some(replied) = tx.fetch_message(channel.id, reply)?
    {
        add(replied.author_id, NotificationKind::Reply);
    }
    if let Some(server) = channel.server_id
        && (!message.mention_roles.is_empty() || broadcast != Broadcast::None)
    {
        for member in tx.list_members(server, None, usize::MAX)? {
            if member
                .role_ids
                .iter()
                .any(|r| message.mention_roles.contains(r))
            {
                add(member.user_id, NotificationKind::Role);
            }
            match broadcast {
                Broadcast::Everyone => add(member.user_id, NotificationKind::Everyone),
                Broadcast::Here if online(member.user_id) => {
                    add(member.user_id, NotificationKind::Here);
                }
                Broadcast::Here | Broadcast::None => {}
            }
        }
    }
    notified.remove(&message.author_id);
    if notified.is_empty() {
        return Ok(());
    }
    let now = tx.now();
    let mut users: Vec<(UserId, NotificationKind)> = notified.into_iter().collect();
    users.sort_unstable_by_key(|(user, _)| *user);
    for (user, kind) in users {
        let settings = tx.fetch_notification_settings(user)?;
        if !settings.allows(channel.id, channel.server_id, kind, now)
            || !resolve_in(tx, user, channel)?.contains(Permissions::VIEW_CHANNEL)
        {
            continue;
        }
        let notification = Notification {
            author_id: message.author_id,
            channel_id: channel.id,
            kind,
            message_id: message.id,
            server_id: channel.server_id,
        };
        if push && !online(user) {
            let author_name = tx
                .fetch_user(message.author_id)?
                .map_or_else(String::new, |r| {
                    if r.user.display_name.is_empty() {
                        r.user.username
                    } else {
                        r.user.display_name
                    }
                });
            tx.insert_push(&PushNotification {
                author_name,
                content: message.content.chars().take(PUSH_PREVIEW).collect(),
                notification: notification.clone(),
                user_id: user,
            });
        }
        tx.emit(
            Event::NotificationCreate(notification),
            Audience::users(vec![user]),
        );
    }
    Ok(())
}
