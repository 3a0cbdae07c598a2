//! Moving one server to another instance: [`Engine::export_server`] writes it as JSON Lines
//! (its settings, roles, categories, channels and threads, the accounts of its members and
//! authors, its members, then every message oldest first, channel by channel), and
//! [`Engine::import_server`] makes a new server of such a file on this instance, under an
//! owner the importer names. Both are the instance administrators' and the operator's.
//!
//! Every record keeps its content; every id is new on import (a message's keeps its time),
//! and every reference, in fields and in text such as `<@id>` mentions, follows its record.
//! An author or member whose username exists on this instance becomes that account; any
//! other becomes a disabled account of the same name that nobody can log in to, which keeps
//! who said what. Reactions come along; attachments' files do not (the import counts them).

mod export;
mod import;
mod remap;

use std::io::BufRead;

use serde::{Deserialize, Serialize};

use crate::model::{Category, Channel, Member, Message, Role, Server, Timestamp, User};

pub use import::ImportSummary;

/// Reads a whole export and checks it as an import would, writing nothing: its header, the
/// order and references of its records, and its end. Answers what it holds.
pub fn verify(input: &mut impl BufRead) -> crate::error::Result<Counts> {
    Ok(import::check(input)?.counts)
}

/// What the first line of an export says it is.
pub const FORMAT: &str = "chat-server-export";
/// The version of the export's layout this engine writes and reads.
pub const VERSION: u32 = 1;

/// One line of an export.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    /// The first line: what the file is, and the server's settings.
    Header(Header),
    /// A role (the @everyone role's id is the server's).
    Role(Role),
    /// A channel category.
    Category(Category),
    /// A channel or thread.
    Channel(Channel),
    /// The public part of an account that is a member or wrote a message.
    User(User),
    /// A membership.
    Member(Member),
    /// A message; messages come after every other record, each channel's oldest first.
    Message(Message),
    /// The last line: how many of each came before it, so that a cut-off file is refused.
    End(Counts),
}

/// The first line of an export.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    /// Always [`FORMAT`].
    pub format: String,
    /// The layout's version ([`VERSION`]).
    pub version: u32,
    /// When it was written.
    pub exported_at: Timestamp,
    /// The server as it stood.
    pub server: Server,
}

/// How many records of each kind an export holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Roles, @everyone included.
    pub roles: usize,
    /// Categories.
    pub categories: usize,
    /// Channels and threads.
    pub channels: usize,
    /// Accounts.
    pub users: usize,
    /// Memberships.
    pub members: usize,
    /// Messages.
    pub messages: usize,
}

impl Counts {
    fn count(&mut self, record: &Record) {
        match record {
            Record::Header(_) | Record::End(_) => {}
            Record::Role(_) => self.roles += 1,
            Record::Category(_) => self.categories += 1,
            Record::Channel(_) => self.channels += 1,
            Record::User(_) => self.users += 1,
            Record::Member(_) => self.members += 1,
            Record::Message(_) => self.messages += 1,
        }
    }
}
