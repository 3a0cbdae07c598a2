//! Notification preferences: a user's setting per server and per channel (what a message
//! notifies them of is worked out with the message, in the `notify` layer), and the delivery
//! of queued push notifications ([`push`]).

pub mod push;

use crate::access::viewable_channel;
use crate::engine::Engine;
use crate::error::{ResourceKind, Result, found};
use crate::id::{ChannelId, ServerId, UserId};
use crate::model::{NotificationSetting, NotificationSettings};
use crate::store::{NotificationStore, ServerStore};

impl Engine {
    /// The caller's notification preferences.
    pub fn notification_settings(&self, actor: UserId) -> Result<NotificationSettings> {
        self.read()?.fetch_notification_settings(actor)
    }

    /// Sets the caller's preference for a server they are in.
    ///
    /// # Errors
    ///
    /// `NotFound` for a server the caller is not in.
    pub async fn update_server_notifications(
        &self,
        actor: UserId,
        server: ServerId,
        setting: NotificationSetting,
    ) -> Result<NotificationSetting> {
        self.write(move |tx| {
            found(
                tx.fetch_member(server, actor)?,
                ResourceKind::Server,
                server,
            )?;
            let mut settings = tx.fetch_notification_settings(actor)?;
            settings.servers.insert(server, setting);
            tx.update_notification_settings(actor, &settings);
            Ok(setting)
        })
        .await
    }

    /// Sets the caller's preference for a channel they can view (a DM's too).
    ///
    /// # Errors
    ///
    /// `NotFound` for a channel the caller cannot view.
    pub async fn update_channel_notifications(
        &self,
        actor: UserId,
        channel: ChannelId,
        setting: NotificationSetting,
    ) -> Result<NotificationSetting> {
        self.write(move |tx| {
            viewable_channel(tx, actor, channel)?;
            let mut settings = tx.fetch_notification_settings(actor)?;
            settings.channels.insert(channel, setting);
            tx.update_notification_settings(actor, &settings);
            Ok(setting)
        })
        .await
    }
}
