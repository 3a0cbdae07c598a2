//! Notification preferences, and the queue of push notifications waiting for delivery.

use super::keys::pair;
use super::{KeyRange, Kv, KvMut, Order, Table};
use crate::error::Result;
use crate::id::{MessageId, UserId};
use crate::model::{NotificationSettings, PushNotification};

/// Preferences and the push queue.
pub trait NotificationStore: Kv {
    /// Stores a user's preferences.
    fn update_notification_settings(&mut self, user: UserId, settings: &NotificationSettings)
    where
        Self: KvMut,
    {
        self.put(
            Table::NotificationSettings,
            user.to_bytes().to_vec(),
            settings,
        );
    }

    /// A user's preferences (the defaults when they set none).
    fn fetch_notification_settings(&self, user: UserId) -> Result<NotificationSettings> {
        Ok(self
            .get(Table::NotificationSettings, &user.to_bytes())?
            .unwrap_or_default())
    }

    /// Queues a push notification (one per message and user).
    fn insert_push(&mut self, push: &PushNotification)
    where
        Self: KvMut,
    {
        let key = pair(push.notification.message_id, push.user_id);
        self.put(Table::PushQueue, key, push);
    }

    /// The oldest `limit` queued push notifications.
    fn list_pushes(&self, limit: usize) -> Result<Vec<PushNotification>> {
        self.scan(Table::PushQueue, &KeyRange::all(), Order::Ascending, limit)
    }

    /// Removes a delivered (or dropped) push notification.
    fn delete_push(&mut self, message: MessageId, user: UserId)
    where
        Self: KvMut,
    {
        self.delete(Table::PushQueue, pair(message, user));
    }
}

impl<T: Kv + ?Sized> NotificationStore for T {}
