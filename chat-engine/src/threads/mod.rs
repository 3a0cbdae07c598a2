//! Threads: started from a message by anyone who may send in the parent channel; they take the
//! parent's permissions and keep their own member list. The starter message stays in the
//! parent.

use crate::access::textual_channel;
use crate::engine::Engine;
use crate::envelope::Audience;
use crate::error::{Error, ResourceKind, Result, found};
use crate::id::{ChannelId, UserId};
use crate::model::{Channel, ChannelType, CreateThread, Event, Permissions};
use crate::posting::store_changed_message;
use crate::store::{ChannelStore, KvMut, MessageStore};
use crate::validate;

impl Engine {
    /// Starts a thread from a message of a server text channel (SEND_MESSAGES there). The
    /// caller joins it.
    pub async fn create_thread(
        &self,
        actor: UserId,
        parent: ChannelId,
        request: CreateThread,
    ) -> Result<Channel> {
        let name = validate::name("name", &request.name, 100)?;
        self.write(move |tx| {
            let (parent, permissions) = textual_channel(tx, actor, parent)?;
            crate::permissions::resolve::missing(permissions, Permissions::SEND_MESSAGES)?;
            if parent.kind != ChannelType::Text || parent.server_id.is_none() {
                return Err(Error::validation(
                    "channel_id",
                    "threads start in server text channels",
                ));
            }
            let mut starter = found(
                tx.fetch_message(parent.id, request.message_id)?,
                ResourceKind::Message,
                request.message_id,
            )?;
            if starter.thread_id.is_some() {
                return Err(Error::conflict("the message already has a thread"));
            }
            let now = tx.now();
            let thread = Channel {
                category_id: parent.category_id,
                created_at: now,
                id: tx.new_id(),
                icon_url: String::new(),
                is_private: false,
                last_message_at: None,
                last_message_id: None,
                name,
                nsfw: false,
                owner_id: Some(actor),
                parent_id: Some(parent.id),
                permission_overwrites: Vec::new(),
                position: 0,
                recipients: Vec::new(),
                server_id: parent.server_id,
                slow_mode_delay: parent.slow_mode_delay,
                topic: String::new(),
                kind: ChannelType::Thread,
                updated_at: now,
            };
            tx.update_channel(&thread);
            tx.insert_thread_member(thread.id, actor);
            starter.thread_id = Some(thread.id);
            store_changed_message(tx, &parent, &starter)?;
            tx.emit(
                Event::ThreadCreate(thread.clone()),
                Audience::channel(thread.server_id, thread.id, &[]),
            );
            Ok(thread)
        })
        .await
    }

    /// Joins a thread one can view.
    pub async fn join_thread(&self, actor: UserId, thread: ChannelId) -> Result<()> {
        self.write(move |tx| {
            let thread = a_thread(tx, actor, thread)?;
            tx.insert_thread_member(thread.id, actor);
            Ok(())
        })
        .await
    }

    /// Leaves a thread.
    pub async fn leave_thread(&self, actor: UserId, thread: ChannelId) -> Result<()> {
        self.write(move |tx| {
            let thread = a_thread(tx, actor, thread)?;
            tx.delete_thread_member(thread.id, actor);
            Ok(())
        })
        .await
    }

    /// Lists a thread's members (VIEW_CHANNEL).
    pub fn list_thread_members(&self, actor: UserId, thread: ChannelId) -> Result<Vec<UserId>> {
        let reader = self.read()?;
        let thread = a_thread(&reader, actor, thread)?;
        reader.list_thread_members(thread.id)
    }
}

fn a_thread(
    kv: &(impl crate::store::Kv + ?Sized),
    actor: UserId,
    id: ChannelId,
) -> Result<Channel> {
    let (channel, _) = textual_channel(kv, actor, id)?;
    if channel.kind != ChannelType::Thread {
        return Err(Error::validation("channel_id", "not a thread"));
    }
    Ok(channel)
}
