//! Threads: started from a message by anyone who may send in the parent channel; they take the
//! parent's permissions and keep their own member list. The starter message stays in the
//! parent. A thread archives itself after its `auto_archive_duration` without activity (a
//! queue in the store, so the timer survives restarts); a message brings an archived thread
//! back unless it is locked; MANAGE_THREADS locks, and posts in locked threads.

mod lifecycle;

use crate::access::textual_channel;
use crate::engine::Engine;
use crate::envelope::Audience;
use crate::error::{Error, ResourceKind, Result, found};
use crate::id::{ChannelId, UserId};
use crate::model::{
    AUTO_ARCHIVE_DURATIONS, Channel, ChannelType, CreateThread, Event, Permissions,
    ThreadMembersUpdate, ThreadMetadata,
};
use crate::posting::{archive_deadline, store_changed_message};
use crate::store::{ChannelStore, Kv, KvMut, MessageStore, Tx};
use crate::validate;

/// A new thread's auto-archive duration, in minutes: a day.
const DEFAULT_AUTO_ARCHIVE: u32 = 1440;

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
        let duration = auto_archive(request.auto_archive_duration)?.unwrap_or(DEFAULT_AUTO_ARCHIVE);
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
                member_count: Some(1),
                message_count: Some(0),
                name,
                nsfw: parent.nsfw,
                owner_id: Some(actor),
                parent_id: Some(parent.id),
                permission_overwrites: Vec::new(),
                position: 0,
                recipients: Vec::new(),
                server_id: parent.server_id,
                slow_mode_delay: parent.slow_mode_delay,
                thread_metadata: Some(ThreadMetadata {
                    archived: false,
                    archive_timestamp: now,
                    auto_archive_duration: duration,
                    locked: false,
                }),
                topic: String::new(),
                kind: ChannelType::Thread,
                updated_at: now,
            };
            tx.update_channel(&thread);
            tx.insert_thread_member(thread.id, actor);
            tx.schedule_archive(thread.id, Some(archive_deadline(now, duration)))?;
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
            if tx.list_thread_members(thread.id)?.contains(&actor) {
                return Ok(());
            }
            tx.insert_thread_member(thread.id, actor);
            members_changed(tx, thread, vec![actor], Vec::new())
        })
        .await
    }

    /// Leaves a thread.
    pub async fn leave_thread(&self, actor: UserId, thread: ChannelId) -> Result<()> {
        self.write(move |tx| {
            let thread = a_thread(tx, actor, thread)?;
            if !tx.list_thread_members(thread.id)?.contains(&actor) {
                return Ok(());
            }
            tx.delete_thread_member(thread.id, actor);
            members_changed(tx, thread, Vec::new(), vec![actor])
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

/// Stores a thread's new member count and announces who came and went.
fn members_changed(
    tx: &mut Tx<'_>,
    mut thread: Channel,
    added: Vec<UserId>,
    removed: Vec<UserId>,
) -> Result<()> {
    let count = tx.count_thread_members(thread.id)?;
    thread.member_count = Some(count);
    tx.update_channel_record(&thread);
    let Some(server) = thread.server_id else {
        return Ok(());
    };
    let payload = ThreadMembersUpdate {
        added_member_ids: added,
        id: thread.id,
        member_count: count,
        removed_member_ids: removed,
        server_id: server,
    };
    tx.emit(
        Event::ThreadMembersUpdate(payload),
        Audience::channel(Some(server), thread.id, &[]),
    );
    Ok(())
}

/// Checks an auto-archive duration.
fn auto_archive(minutes: Option<u32>) -> Result<Option<u32>> {
    match minutes {
        Some(m) if !AUTO_ARCHIVE_DURATIONS.contains(&m) => Err(Error::validation(
            "auto_archive_duration",
            "must be 60, 1440, 4320 or 10080 minutes",
        )),
        other => Ok(other),
    }
}

fn a_thread(kv: &(impl Kv + ?Sized), actor: UserId, id: ChannelId) -> Result<Channel> {
    let (channel, _) = textual_channel(kv, actor, id)?;
    if channel.kind != ChannelType::Thread {
        return Err(Error::validation("channel_id", "not a thread"));
    }
    Ok(channel)
}
