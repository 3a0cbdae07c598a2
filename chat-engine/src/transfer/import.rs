//! Making a new server of an export: the whole file is read and checked first; then the
//! server with its roles, channels and accounts is written in one commit, the messages in
//! commits of [`BATCH`], and last the members, who see the server only once it is whole.

use std::collections::HashSet;
use std::io::{BufRead, Seek, SeekFrom};

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::remap::IdMap;
use super::{Counts, FORMAT, Header, Record, VERSION};
use crate::audit_trail::{Administrator, require_administrator};
use crate::engine::Engine;
use crate::envelope::Audience;
use crate::error::{Error, ResourceKind, Result, StorageError, found};
use crate::id::{ChannelId, MessageId, ServerId, UserId};
use crate::limits::MAX_CONTENT;
use crate::model::{
    AccountDisabled, Category, Channel, Event, Invite, Member, Message, Role, Server, Status, User,
};
use crate::store::{ChannelStore, KvMut, MessageStore, ServerStore, Tx, UserRecord, UserStore};
use crate::validate;

/// Messages written per commit.
const BATCH: usize = 500;
/// Why an account made by an import is disabled.
const PLACEHOLDER_REASON: &str = "imported with a server from another instance";

/// What an import made, and what it left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportSummary {
    /// The new server.
    pub server: Server,
    /// The records it read.
    pub counts: Counts,
    /// Accounts that already existed here by username and stand for those of the export.
    pub users_matched: usize,
    /// Disabled accounts made for those that did not.
    pub users_created: usize,
    /// Files of messages that were not carried (only their messages' text was).
    pub attachments_left_out: usize,
}

/// The export's records before its messages, checked.
#[derive(Debug)]
pub(super) struct Plan {
    header: Header,
    roles: Vec<Role>,
    categories: Vec<Category>,
    channels: Vec<Channel>,
    users: Vec<User>,
    members: Vec<Member>,
    pub(super) counts: Counts,
}

/// The new server, its members to add and the ids given so far.
struct Made {
    server: Server,
    members: Vec<Member>,
    ids: IdMap,
    users_matched: usize,
    users_created: usize,
}

impl Engine {
    /// Makes a new server, owned by `owner`, of an export read from `input` (instance
    /// administrators and the operator). The whole input is checked before anything is
    /// written: a damaged or foreign file changes nothing. `input` is read on the calling
    /// task: give it a file or bytes in memory.
    #[tracing::instrument(level = "debug", skip_all, fields(%owner), err(level = "debug"))]
    pub async fn import_server<R: BufRead + Seek + Send>(
        &self,
        actor: impl Into<Administrator>,
        owner: UserId,
        input: &mut R,
    ) -> Result<ImportSummary> {
        let actor = actor.into();
        require_administrator(&self.read()?, actor)?;
        let plan = check(input)?;
        let counts = plan.counts;
        let code = crate::credentials::invite_code()?;
        let mut made = self
            .write(move |tx| {
                require_administrator(tx, actor)?;
                found(tx.fetch_user(owner)?, ResourceKind::User, owner)?;
                write_server(tx, &plan, owner, code)
            })
            .await?;
        input.seek(SeekFrom::Start(0)).map_err(storage)?;
        let mut summary = ImportSummary {
            server: made.server.clone(),
            counts,
            users_matched: made.users_matched,
            users_created: made.users_created,
            attachments_left_out: 0,
        };
        let mut batch = Vec::with_capacity(BATCH);
        let mut last = None;
        for line in input.lines() {
            let Record::Message(message) = parse(&line.map_err(storage)?)? else {
                continue;
            };
            summary.attachments_left_out += message.attachments.len();
            batch.push(new_message(&mut made.ids, &mut last, &message)?);
            if batch.len() == BATCH {
                self.write_messages(made.server.id, std::mem::take(&mut batch))
                    .await?;
            }
        }
        if !batch.is_empty() {
            self.write_messages(made.server.id, batch).await?;
        }
        let (mut server, members) = (made.server, made.members);
        summary.server = self
            .write(move |tx| {
                for member in &members {
                    tx.update_member(member);
                }
                server.member_count = u32::try_from(members.len()).unwrap_or(u32::MAX);
                tx.update_server(&server);
                let audience = Audience::users(members.iter().map(|m| m.user_id).collect());
                tx.emit(Event::ServerCreate(server.clone()), audience);
                Ok(server)
            })
            .await?;
        Ok(summary)
    }

    /// Stores imported messages with their reactions. Their `MESSAGE_CREATE`s reach nobody,
    /// since the server has no members yet; they feed the search index.
    async fn write_messages(&self, server: ServerId, messages: Vec<Message>) -> Result<()> {
        self.write(move |tx| {
            for mut message in messages {
                for reaction in std::mem::take(&mut message.reactions) {
                    for user in reaction.users {
                        let (channel, id, at) =
                            (message.channel_id, message.id, message.created_at);
                        tx.insert_reaction(channel, id, &reaction.emoji, user, at);
                    }
                }
                tx.update_message(&message);
                tx.record_last_message(&message);
                if message.is_pinned {
                    tx.insert_pin(message.channel_id, message.id, message.created_at);
                }
                let audience = Audience::channel(Some(server), message.channel_id, &[]);
                tx.emit(Event::MessageCreate(message), audience);
            }
            Ok(())
        })
        .await
    }
}

/// Reads the whole export and checks it: its header, the order of its records, every
/// message's channel and author, the lengths of names and text, and its end.
pub(super) fn check<R: BufRead>(input: &mut R) -> Result<Plan> {
    let mut lines = input.lines().enumerate();
    let header = match lines.next() {
        Some((_, line)) => header(&line.map_err(storage)?)?,
        None => return Err(bad(1, "the file is empty")),
    };
    let mut plan = Plan {
        header,
        roles: Vec::new(),
        categories: Vec::new(),
        channels: Vec::new(),
        users: Vec::new(),
        members: Vec::new(),
        counts: Counts::default(),
    };
    let mut channels = HashSet::new();
    let mut users = HashSet::new();
    let mut ended = false;
    for (at, line) in lines {
        let number = at + 1;
        let record = parse(&line.map_err(storage)?).map_err(|e| bad(number, &e.to_string()))?;
        if ended {
            return Err(bad(number, "a record after the end"));
        }
        if plan.counts.messages > 0 && !matches!(record, Record::Message(_) | Record::End(_)) {
            return Err(bad(number, "only messages may follow a message"));
        }
        plan.counts.count(&record);
        let named =
            |name: &str| validate::name("name", name, 100).map_err(|e| bad(number, &e.to_string()));
        match record {
            Record::Header(_) => return Err(bad(number, "a second header")),
            Record::End(counts) => {
                if counts != plan.counts {
                    return Err(bad(number, "the end does not count the records before it"));
                }
                ended = true;
            }
            Record::Role(role) => {
                named(&role.name)?;
                plan.roles.push(role);
            }
            Record::Category(category) => {
                named(&category.name)?;
                plan.categories.push(category);
            }
            Record::Channel(channel) => {
                named(&channel.name)?;
                channels.insert(channel.id);
                plan.channels.push(channel);
            }
            Record::User(user) => {
                validate::username(&user.username).map_err(|e| bad(number, &e.to_string()))?;
                users.insert(user.id);
                plan.users.push(user);
            }
            Record::Member(member) => {
                if !users.contains(&member.user_id) {
                    return Err(bad(number, "a member whose account is not in the export"));
                }
                plan.members.push(member);
            }
            Record::Message(message) => {
                check_message(&message, &channels, &users).map_err(|why| bad(number, &why))?;
            }
        }
    }
    if !ended {
        return Err(Error::validation(
            "export",
            "the file stops before its last record: it was cut off",
        ));
    }
    Ok(plan)
}

/// The export's first line, checked: what it is, its version and its server's name.
fn header(line: &str) -> Result<Header> {
    let Ok(Record::Header(header)) = parse(line) else {
        return Err(bad(1, "the first line is not an export's header"));
    };
    if header.format != FORMAT {
        return Err(bad(1, "this is not a server export"));
    }
    if header.version != VERSION {
        let why = format!(
            "version {} is not one this server reads ({VERSION})",
            header.version
        );
        return Err(bad(1, &why));
    }
    validate::name("name", &header.server.name, 100).map_err(|e| bad(1, &e.to_string()))?;
    Ok(header)
}

/// Why a message cannot be imported, if it cannot: its channel, author and reactors must be
/// in the export, its text and emoji fit.
fn check_message(
    message: &Message,
    channels: &HashSet<ChannelId>,
    users: &HashSet<UserId>,
) -> std::result::Result<(), String> {
    if !channels.contains(&message.channel_id) {
        return Err("a message in a channel that is not in the export".into());
    }
    if !users.contains(&message.author_id) {
        return Err("a message whose author is not in the export".into());
    }
    if message.content.chars().count() > MAX_CONTENT {
        return Err("a message longer than a message may be".into());
    }
    for reaction in &message.reactions {
        validate::emoji(&reaction.emoji).map_err(|e| e.to_string())?;
        if !reaction.users.iter().all(|user| users.contains(user)) {
            return Err("a reaction by an account not in the export".into());
        }
    }
    Ok(())
}

/// Writes the server (with no members yet), its accounts, roles, categories and channels,
/// with new ids; answers the members to add once its messages are in.
fn write_server(tx: &mut Tx<'_>, plan: &Plan, owner: UserId, code: String) -> Result<Made> {
    let now = tx.now();
    let mut ids = IdMap::default();
    let old_server = plan.header.server.id;
    let server_id: ServerId = tx.new_id();
    ids.insert(old_server, server_id);
    let (mut users_matched, mut users_created) = (0, 0);
    for user in &plan.users {
        if let Some(existing) = tx.fetch_user_id_by_name(&user.username)? {
            ids.insert(user.id, existing);
            users_matched += 1;
        } else {
            let id: UserId = tx.new_id();
            ids.insert(user.id, id);
            tx.insert_user(&placeholder(user, id, now));
            users_created += 1;
        }
    }
    for role in &plan.roles {
        // The @everyone role's id is the server's, which is mapped already.
        if role.id != old_server.cast() {
            ids.insert(role.id, tx.new_id());
        }
    }
    for category in &plan.categories {
        ids.insert(category.id, tx.new_id());
    }
    for channel in &plan.channels {
        ids.insert(channel.id, tx.new_id());
    }
    for role in &plan.roles {
        tx.update_role(&ids.apply(role)?);
    }
    for category in &plan.categories {
        tx.update_category(&ids.apply(category)?);
    }
    for channel in &plan.channels {
        let mut channel = ids.apply(channel)?;
        channel.last_message_id = None;
        channel.last_message_at = None;
        tx.update_channel(&channel);
    }
    let mut members: Vec<Member> = Vec::with_capacity(plan.members.len() + 1);
    for member in &plan.members {
        let member = ids.apply(member)?;
        if !members.iter().any(|m| m.user_id == member.user_id) {
            members.push(member);
        }
    }
    if !members.iter().any(|m| m.user_id == owner) {
        members.push(Member::joined(server_id, owner, now));
    }
    let mut server = ids.apply(&plan.header.server)?;
    server.id = server_id;
    server.owner_id = owner;
    server.invite_code.clone_from(&code);
    server.member_count = 0;
    server.updated_at = now;
    tx.update_server(&server);
    tx.update_invite(&Invite {
        code,
        created_at: now,
        expires_at: None,
        inviter_id: owner,
        max_uses: 0,
        server_id,
        uses: 0,
    });
    Ok(Made {
        server,
        members,
        ids,
        users_matched,
        users_created,
    })
}

/// A disabled account standing for one of the export's that this instance lacks: it keeps
/// the name and the profile, and nobody can log in to it (it has no password).
fn placeholder(user: &User, id: UserId, now: crate::model::Timestamp) -> UserRecord {
    let mut public = user.clone();
    public.id = id;
    public.instance_admin = false;
    public.mfa_enabled = false;
    public.status = Status::Offline;
    UserRecord {
        bot_owner_id: None,
        disabled: Some(AccountDisabled {
            at: now,
            reason: PLACEHOLDER_REASON.to_owned(),
            user_id: id,
        }),
        email: None,
        instance_admin: false,
        password_hash: String::new(),
        totp: None,
        user: public,
    }
}

/// The message with a new id, at its own time and after the one before it (`last`, which
/// it becomes), its references followed and its files left out.
fn new_message(ids: &mut IdMap, last: &mut Option<Ulid>, message: &Message) -> Result<Message> {
    let at = message.id.ulid().timestamp_ms();
    let mut id = Ulid::from_parts(at, Ulid::generate().random());
    // A channel's messages come in order; those of one millisecond keep theirs.
    if let Some(previous) = *last
        && previous.timestamp_ms() == at
        && id <= previous
    {
        id = previous.increment().unwrap_or(id);
    }
    *last = Some(id);
    ids.insert(message.id, MessageId::from_ulid(id));
    let mut message = ids.apply(message)?;
    message.attachments.clear();
    Ok(message)
}

fn parse(line: &str) -> Result<Record> {
    serde_json::from_str(line)
        .map_err(|e| Error::validation("export", format!("not a record of an export: {e}")))
}

fn bad(line: usize, why: &str) -> Error {
    Error::validation("export", format!("line {line}: {why}"))
}

fn storage(error: impl std::fmt::Display) -> Error {
    Error::Storage(StorageError::new(error))
}
