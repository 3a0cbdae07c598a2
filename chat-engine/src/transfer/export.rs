//! Writing a server out as JSON Lines, from one snapshot.

use std::collections::BTreeSet;
use std::io::Write;

use super::{Counts, FORMAT, Header, Record, VERSION};
use crate::audit_trail::{Administrator, require_administrator};
use crate::engine::Engine;
use crate::error::{Error, ResourceKind, Result, StorageError, found};
use crate::id::{ServerId, UserId};
use crate::store::{ChannelStore, MessageStore, Order, ServerStore, UserStore};

/// Messages read at a time.
const PAGE: usize = 500;

impl Engine {
    /// Writes `server` to `out` as JSON Lines ([`Record`]s), everything as one snapshot held
    /// it (instance administrators and the operator). Blocking, and as long as the server's
    /// history: call it from a blocking thread.
    #[tracing::instrument(level = "debug", skip_all, fields(%server), err(level = "debug"))]
    pub fn export_server(
        &self,
        actor: impl Into<Administrator>,
        server: ServerId,
        out: &mut dyn Write,
    ) -> Result<Counts> {
        let reader = self.read()?;
        require_administrator(&reader, actor.into())?;
        let found_server = found(reader.fetch_server(server)?, ResourceKind::Server, server)?;
        let mut lines = Lines {
            out,
            counts: Counts::default(),
        };
        lines.write(&Record::Header(Header {
            format: FORMAT.to_owned(),
            version: VERSION,
            exported_at: chrono::Utc::now(),
            server: found_server,
        }))?;
        for role in reader.list_roles(server)? {
            lines.write(&Record::Role(role))?;
        }
        for category in reader.list_categories(server)? {
            lines.write(&Record::Category(category))?;
        }
        let channels = reader.list_server_channels(server)?;
        for channel in &channels {
            lines.write(&Record::Channel(channel.clone()))?;
        }
        let members = reader.list_members(server, None, usize::MAX)?;
        // Members, and whoever wrote a message, though they left.
        let mut users: BTreeSet<UserId> = members.iter().map(|m| m.user_id).collect();
        for channel in &channels {
            each_message(&reader, channel.id, |message| {
                users.insert(message.author_id);
                for reaction in &message.reactions {
                    users.extend(&reaction.users);
                }
                Ok(())
            })?;
        }
        for user in users {
            if let Some(record) = reader.fetch_user(user)? {
                lines.write(&Record::User(record.user))?;
            }
        }
        for member in members {
            lines.write(&Record::Member(member))?;
        }
        for channel in &channels {
            each_message(&reader, channel.id, |message| {
                lines.write(&Record::Message(message))
            })?;
        }
        let counts = lines.counts;
        lines.write(&Record::End(counts))?;
        lines.out.flush().map_err(storage)?;
        Ok(counts)
    }
}

/// Calls `visit` with each message of `channel`, oldest first, with its reactions.
fn each_message(
    reader: &impl MessageStore,
    channel: crate::id::ChannelId,
    mut visit: impl FnMut(crate::model::Message) -> Result<()>,
) -> Result<()> {
    let nobody = UserId::from_ulid(ulid::Ulid::nil());
    let mut after = None;
    loop {
        let page = reader.list_messages(channel, after, None, Order::Ascending, PAGE)?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = Some(last.id);
        for mut message in page {
            // Who reacted is what matters; there is no viewer.
            message.reactions = reader.list_reaction_summary(channel, message.id, nobody)?;
            visit(message)?;
        }
    }
}

/// The export's output, one record per line, counted.
struct Lines<'a> {
    out: &'a mut dyn Write,
    counts: Counts,
}

impl Lines<'_> {
    fn write(&mut self, record: &Record) -> Result<()> {
        serde_json::to_writer(&mut *self.out, record).map_err(storage)?;
        self.out.write_all(b"\n").map_err(storage)?;
        self.counts.count(record);
        Ok(())
    }
}

fn storage(error: impl std::fmt::Display) -> Error {
    Error::Storage(StorageError::new(error))
}
