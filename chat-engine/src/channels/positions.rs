//! Bulk reorder (Discord's `PATCH /servers/{id}/channels`): the positions of a server's
//! channels and categories, and the categories of its channels, in one request and one
//! commit.

use std::collections::HashSet;

use crate::audit_trail::{Actor, record_change};
use crate::engine::Engine;
use crate::envelope::Audience;
use crate::error::{Error, Result};
use crate::id::{Id, ServerId};
use crate::model::{AuditAction, ChannelPosition, ChannelType, Event, Permissions};
use crate::permissions::context;
use crate::store::{ChannelStore, KvMut, ServerStore};

/// Most lines one reorder takes.
const MAX_LINES: usize = 500;

impl Engine {
    /// Moves channels and categories (MANAGE_CHANNELS): each line names a channel or a
    /// category of the server, its new position and, for a channel, its new category. Every
    /// line is checked before anything changes; each change is announced
    /// (`CHANNEL_UPDATE`, `CATEGORY_UPDATE`) and audited.
    pub async fn reorder_channels(
        &self,
        actor: impl Into<Actor>,
        server: ServerId,
        lines: Vec<ChannelPosition>,
    ) -> Result<()> {
        if lines.is_empty() || lines.len() > MAX_LINES {
            return Err(Error::validation(
                "body",
                format!("must hold 1 to {MAX_LINES} positions"),
            ));
        }
        let mut seen = HashSet::new();
        if !lines.iter().all(|l| seen.insert(l.id)) {
            return Err(Error::validation("id", "each id may appear once"));
        }
        let actor = actor.into();
        self.write(move |tx| {
            context(tx, server, actor.user())?.require(Permissions::MANAGE_CHANNELS)?;
            let categories = tx.list_categories(server)?;
            let channels = tx.list_server_channels(server)?;
            // Check every line first: a bad one changes nothing.
            for line in &lines {
                let is_category = categories.iter().any(|c| c.id.ulid() == line.id);
                let channel = channels
                    .iter()
                    .find(|c| c.id.ulid() == line.id && c.kind != ChannelType::Thread);
                if !is_category && channel.is_none() {
                    return Err(Error::validation(
                        "id",
                        format!("{} is no channel or category of this server", line.id),
                    ));
                }
                if let Some(Some(parent)) = line.parent_id {
                    if is_category {
                        return Err(Error::validation("parent_id", "categories do not nest"));
                    }
                    if !categories.iter().any(|c| c.id == parent) {
                        return Err(Error::validation(
                            "parent_id",
                            "no such category in this server",
                        ));
                    }
                }
            }
            for line in lines {
                if let Some(before) = categories.iter().find(|c| c.id.ulid() == line.id) {
                    let mut after = before.clone();
                    after.position = line.position;
                    if after != *before {
                        tx.update_category(&after);
                        record_change(
                            tx,
                            server,
                            &actor,
                            AuditAction::ChannelUpdate,
                            line.id,
                            Some(before),
                            Some(&after),
                        );
                        tx.emit(Event::CategoryUpdate(after), Audience::server(server));
                    }
                    continue;
                }
                let id = Id::from_ulid(line.id);
                let Some(before) = channels.iter().find(|c| c.id == id) else {
                    continue;
                };
                let mut after = before.clone();
                after.position = line.position;
                if let Some(parent) = line.parent_id {
                    after.category_id = parent;
                }
                if after != *before {
                    after.updated_at = tx.now();
                    tx.update_channel_record(&after);
                    record_change(
                        tx,
                        server,
                        &actor,
                        AuditAction::ChannelUpdate,
                        line.id,
                        Some(before),
                        Some(&after),
                    );
                    tx.emit(
                        Event::ChannelUpdate(after),
                        Audience::channel(Some(server), id, &[]),
                    );
                }
            }
            Ok(())
        })
        .await
    }
}
