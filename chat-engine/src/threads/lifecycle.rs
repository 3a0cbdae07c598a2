//! A thread's life after it starts: renaming, archiving and unarchiving (its owner or
//! MANAGE_THREADS; a locked thread only MANAGE_THREADS), locking (MANAGE_THREADS), its
//! auto-archive duration, archiving itself when idle, the list of archived threads, and
//! deletion.

use super::auto_archive;
use crate::access::{delete_channel_contents, textual_channel};
use crate::engine::Engine;
use crate::envelope::Audience;
use crate::error::{Error, Result};
use crate::id::{ChannelId, UserId};
use crate::model::{
    Channel, ChannelType, Event, Permissions, ThreadDelete, Timestamp, UpdateChannel,
};
use crate::permissions::resolve::missing;
use crate::posting::archive_deadline;
use crate::store::{ChannelStore, KvMut, Tx};
use crate::validate;

/// Threads archived by one write, at most.
const ARCHIVE_BATCH: usize = 100;

impl Engine {
    /// Changes a thread: its name and auto-archive duration (its owner or MANAGE_THREADS),
    /// `archived` (the same; unarchiving a locked one needs MANAGE_THREADS), `locked`
    /// (MANAGE_THREADS); `THREAD_UPDATE`.
    pub async fn update_thread(
        &self,
        actor: UserId,
        id: ChannelId,
        update: UpdateChannel,
    ) -> Result<Channel> {
        let name = update
            .name
            .as_deref()
            .map(|n| validate::name("name", n, 100))
            .transpose()?;
        let duration = auto_archive(update.auto_archive_duration)?;
        let server_only = update.category_id.is_some()
            || update.position.is_some()
            || update.topic.is_some()
            || update.icon_url.is_some()
            || update.is_private.is_some()
            || update.nsfw.is_some();
        if server_only {
            return Err(Error::validation(
                "body",
                "a thread has a name, slow mode, archived, locked and auto_archive_duration",
            ));
        }
        self.write(move |tx| {
            let (mut thread, permissions) = textual_channel(tx, actor, id)?;
            let Some(mut meta) = thread.thread_metadata else {
                return Err(Error::validation("channel_id", "not a thread"));
            };
            let manager = permissions.contains(Permissions::MANAGE_THREADS);
            let owner = thread.owner_id == Some(actor);
            if name.is_some() || duration.is_some() || update.slow_mode_delay.is_some() {
                require_owner_or_manager(owner, manager)?;
            }
            if update.locked.is_some() || (meta.locked && update.archived == Some(false)) {
                missing(permissions, Permissions::MANAGE_THREADS)?;
            }
            if update.archived == Some(true) {
                require_owner_or_manager(owner, manager)?;
            }
            if update.archived == Some(false) {
                missing(permissions, Permissions::SEND_MESSAGES)?;
            }
            let now = tx.now();
            if let Some(name) = name {
                thread.name = name;
            }
            if let Some(delay) = update.slow_mode_delay {
                thread.slow_mode_delay = delay;
            }
            if let Some(duration) = duration {
                meta.auto_archive_duration = duration;
            }
            if let Some(locked) = update.locked {
                meta.locked = locked;
            }
            if let Some(archived) = update.archived
                && archived != meta.archived
            {
                meta.archived = archived;
                meta.archive_timestamp = now;
            }
            thread.thread_metadata = Some(meta);
            thread.updated_at = now;
            let next = (!meta.archived).then(|| archive_deadline(now, meta.auto_archive_duration));
            tx.schedule_archive(thread.id, next)?;
            tx.update_channel_record(&thread);
            announce(tx, &thread);
            Ok(thread)
        })
        .await
    }

    /// Deletes a thread with its messages (its owner or MANAGE_THREADS); `THREAD_DELETE`.
    pub async fn delete_thread(&self, actor: UserId, id: ChannelId) -> Result<()> {
        self.write(move |tx| {
            let (thread, permissions) = textual_channel(tx, actor, id)?;
            let (Some(parent), Some(server)) = (thread.parent_id, thread.server_id) else {
                return Err(Error::validation("channel_id", "not a thread"));
            };
            let owner = thread.owner_id == Some(actor);
            require_owner_or_manager(owner, permissions.contains(Permissions::MANAGE_THREADS))?;
            tx.schedule_archive(thread.id, None)?;
            delete_channel_contents(tx, &thread)?;
            tx.delete_channel(&thread);
            let payload = ThreadDelete {
                id,
                parent_id: parent,
                server_id: server,
            };
            tx.emit(
                Event::ThreadDelete(payload),
                Audience::channel(Some(server), parent, &[]),
            );
            Ok(())
        })
        .await
    }

    /// The archived threads of a channel the caller can view, most recently archived first.
    pub fn list_archived_threads(&self, actor: UserId, parent: ChannelId) -> Result<Vec<Channel>> {
        let reader = self.read()?;
        let (parent, _) = textual_channel(&reader, actor, parent)?;
        let Some(server) = parent.server_id else {
            return Ok(Vec::new());
        };
        let mut archived: Vec<Channel> = reader
            .list_server_channels(server)?
            .into_iter()
            .filter(|c| c.kind == ChannelType::Thread && c.parent_id == Some(parent.id))
            .filter(|c| c.thread_metadata.is_some_and(|m| m.archived))
            .collect();
        archived.sort_by_key(|c| std::cmp::Reverse(c.thread_metadata.map(|m| m.archive_timestamp)));
        Ok(archived)
    }

    /// Archives the threads idle past their auto-archive duration; answers how many. The
    /// server runs it every minute; the deadlines are stored, so none is lost to a restart.
    pub async fn archive_idle_threads(&self) -> Result<usize> {
        self.archive_threads_idle_at(chrono::Utc::now()).await
    }

    /// Archives the threads whose auto-archive deadline is at or before `at` (the clock
    /// [`Engine::archive_idle_threads`] reads; a test may look ahead).
    pub async fn archive_threads_idle_at(&self, at: Timestamp) -> Result<usize> {
        let mut archived = 0;
        loop {
            let count = self.write(move |tx| archive_due(tx, at)).await?;
            archived += count;
            if count < ARCHIVE_BATCH {
                return Ok(archived);
            }
        }
    }
}

/// Archives up to a batch of the threads whose deadline is at or before `at`.
fn archive_due(tx: &mut Tx<'_>, at: Timestamp) -> Result<usize> {
    let now = tx.now();
    let due = tx.due_archives(at, ARCHIVE_BATCH)?;
    for id in &due {
        tx.schedule_archive(*id, None)?;
        let Some(mut thread) = tx.fetch_channel(*id)? else {
            continue;
        };
        let Some(mut meta) = thread.thread_metadata.filter(|m| !m.archived) else {
            continue;
        };
        meta.archived = true;
        meta.archive_timestamp = now;
        thread.thread_metadata = Some(meta);
        thread.updated_at = now;
        tx.update_channel_record(&thread);
        announce(tx, &thread);
    }
    Ok(due.len())
}

fn require_owner_or_manager(owner: bool, manager: bool) -> Result<()> {
    if owner || manager {
        Ok(())
    } else {
        Err(Error::PermissionDenied {
            missing: Permissions::MANAGE_THREADS,
        })
    }
}

/// `THREAD_UPDATE` to those who see the thread.
fn announce(tx: &mut Tx<'_>, thread: &Channel) {
    tx.emit(
        Event::ThreadUpdate(thread.clone()),
        Audience::channel(thread.server_id, thread.id, &[]),
    );
}
