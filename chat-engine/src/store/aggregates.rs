//! One store trait per aggregate. Each is implemented once for every view ([`Kv`] to read,
//! [`KvMut`] to write), so the domain code never sees keys or encodings.

use serde::{Deserialize, Serialize};

use super::{KeyRange, Kv, KvMut, Order, Table};
use crate::error::{Result, StorageError};
use crate::events::Audience;
use crate::id::{ChannelId, Id, MessageId, RoleId, ServerId, SessionId, UserId};
use crate::model::{
    Ban, Category, Channel, Event, Invite, Member, Message, MessageDelete, MessageEdit, Role,
    Server, Timestamp, User,
};

/// A user with what only the engine sees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    /// The owner of a bot account.
    pub bot_owner_id: Option<UserId>,
    /// Optional e-mail address.
    pub email: Option<String>,
    /// The argon2id PHC string; empty for bots.
    pub password_hash: String,
    /// The public part.
    pub user: User,
}

/// A login session (device): its refresh or bot token, stored hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// When the session began.
    pub created_at: Timestamp,
    /// The session's id.
    pub id: SessionId,
    /// Whether the token is a long-lived bot token.
    pub is_bot: bool,
    /// SHA-256 of the current token secret, hex.
    pub secret_hash: String,
    /// The user.
    pub user_id: UserId,
}

/// An event as read back from the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// Who may receive it.
    pub audience: Audience,
    /// The event.
    pub event: Event,
}

/// A log record: an event, or (for `MESSAGE_CREATE`) a reference to the message, which the
/// messages table already holds; writing it twice cost a tenth of the durable send rate.
#[derive(Deserialize)]
struct LogRecord {
    audience: Audience,
    #[serde(default)]
    event: Option<Event>,
    #[serde(default)]
    message: Option<MessageRef>,
}

/// Where a new message is kept.
#[derive(Deserialize)]
struct MessageRef {
    channel_id: ChannelId,
    id: MessageId,
}

fn key<A, B>(a: Id<A>, b: Id<B>) -> Vec<u8> {
    let mut key = Vec::with_capacity(32);
    key.extend_from_slice(&a.to_bytes());
    key.extend_from_slice(&b.to_bytes());
    key
}

fn second_id<M>(key: &[u8]) -> Id<M> {
    let mut bytes = [0; 16];
    bytes.copy_from_slice(&key[16..32]);
    Id::from_bytes(bytes)
}

fn prefix<M>(id: Id<M>) -> KeyRange {
    KeyRange::prefix(&id.to_bytes())
}

const ALL: usize = usize::MAX;

/// A `ChannelActivity` value: the last message's id and creation time.
fn decode_activity(value: &[u8]) -> Result<(MessageId, Timestamp)> {
    let corrupt = || StorageError::new("corrupt channel activity record");
    let id: [u8; 16] = value
        .get(..16)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(corrupt)?;
    let nanos: [u8; 8] = value
        .get(16..24)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(corrupt)?;
    let at = chrono::DateTime::from_timestamp_nanos(i64::from_be_bytes(nanos));
    Ok((Id::from_bytes(id), at))
}

/// Users, usernames and login sessions.
pub trait UserStore: Kv {
    /// Inserts a new user and claims its username.
    fn insert_user(&mut self, record: &UserRecord)
    where
        Self: KvMut,
    {
        let name = record.user.username.to_lowercase().into_bytes();
        self.put(Table::Usernames, name, &record.user.id);
        self.update_user(record);
    }

    /// Fetches a user.
    fn fetch_user(&self, id: UserId) -> Result<Option<UserRecord>> {
        self.get(Table::Users, &id.to_bytes())
    }

    /// Finds a user id by username, in any case.
    fn fetch_user_id_by_name(&self, username: &str) -> Result<Option<UserId>> {
        self.get(Table::Usernames, username.to_lowercase().as_bytes())
    }

    /// Replaces a user.
    fn update_user(&mut self, record: &UserRecord)
    where
        Self: KvMut,
    {
        self.put(Table::Users, record.user.id.to_bytes().to_vec(), record);
    }

    /// Inserts or replaces a session.
    fn update_session(&mut self, session: &SessionRecord)
    where
        Self: KvMut,
    {
        self.put(Table::Sessions, session.id.to_bytes().to_vec(), session);
    }

    /// Fetches a session.
    fn fetch_session(&self, id: SessionId) -> Result<Option<SessionRecord>> {
        self.get(Table::Sessions, &id.to_bytes())
    }

    /// Deletes a session.
    fn delete_session(&mut self, id: SessionId)
    where
        Self: KvMut,
    {
        self.delete(Table::Sessions, id.to_bytes().to_vec());
    }
}

impl<T: Kv + ?Sized> UserStore for T {}

/// Servers with their members, roles, categories, invites and bans.
pub trait ServerStore: Kv {
    /// Inserts or replaces a server.
    fn update_server(&mut self, server: &Server)
    where
        Self: KvMut,
    {
        self.put(Table::Servers, server.id.to_bytes().to_vec(), server);
    }

    /// Fetches a server.
    fn fetch_server(&self, id: ServerId) -> Result<Option<Server>> {
        self.get_shared(Table::Servers, &id.to_bytes())
    }

    /// Deletes a server record (its parts are deleted one by one by the caller).
    fn delete_server(&mut self, id: ServerId)
    where
        Self: KvMut,
    {
        self.delete(Table::Servers, id.to_bytes().to_vec());
    }

    /// Inserts or replaces a member, indexing the server under the user.
    fn update_member(&mut self, member: &Member)
    where
        Self: KvMut,
    {
        self.put(
            Table::Members,
            key(member.server_id, member.user_id),
            member,
        );
        self.put_raw(
            Table::UserServers,
            key(member.user_id, member.server_id),
            Vec::new(),
        );
    }

    /// Fetches a member.
    fn fetch_member(&self, server: ServerId, user: UserId) -> Result<Option<Member>> {
        self.get_shared(Table::Members, &key(server, user))
    }

    /// Lists up to `limit` members with user ids after `after`, in id order.
    fn list_members(
        &self,
        server: ServerId,
        after: Option<UserId>,
        limit: usize,
    ) -> Result<Vec<Member>> {
        let mut range = prefix(server);
        if let Some(after) = after {
            range.start = std::ops::Bound::Excluded(key(server, after));
        }
        self.scan(Table::Members, &range, Order::Ascending, limit)
    }

    /// Lists the servers a user is a member of.
    fn list_user_servers(&self, user: UserId) -> Result<Vec<ServerId>> {
        let keys = self.scan_keys(Table::UserServers, &prefix(user), Order::Ascending, ALL)?;
        Ok(keys.iter().map(|k| second_id(k)).collect())
    }

    /// Deletes a member.
    fn delete_member(&mut self, server: ServerId, user: UserId)
    where
        Self: KvMut,
    {
        self.delete(Table::Members, key(server, user));
        self.delete(Table::UserServers, key(user, server));
    }

    /// Inserts or replaces a role.
    fn update_role(&mut self, role: &Role)
    where
        Self: KvMut,
    {
        self.put(Table::Roles, key(role.server_id, role.id), role);
    }

    /// Lists a server's roles, @everyone included, by position then id.
    fn list_roles(&self, server: ServerId) -> Result<Vec<Role>> {
        let mut roles: Vec<Role> = self.scan_shared(Table::Roles, &prefix(server))?;
        roles.sort_by_key(|r| (r.position, r.id));
        Ok(roles)
    }

    /// Deletes a role.
    fn delete_role(&mut self, server: ServerId, role: RoleId)
    where
        Self: KvMut,
    {
        self.delete(Table::Roles, key(server, role));
    }

    /// Inserts or replaces a category.
    fn update_category(&mut self, category: &Category)
    where
        Self: KvMut,
    {
        self.put(
            Table::Categories,
            key(category.server_id, category.id),
            category,
        );
    }

    /// Lists a server's categories by position.
    fn list_categories(&self, server: ServerId) -> Result<Vec<Category>> {
        let mut all: Vec<Category> =
            self.scan(Table::Categories, &prefix(server), Order::Ascending, ALL)?;
        all.sort_by_key(|c| (c.position, c.id));
        Ok(all)
    }

    /// Deletes a category.
    fn delete_category(&mut self, category: &Category)
    where
        Self: KvMut,
    {
        self.delete(Table::Categories, key(category.server_id, category.id));
    }

    /// Inserts or replaces an invite.
    fn update_invite(&mut self, invite: &Invite)
    where
        Self: KvMut,
    {
        self.put(Table::Invites, invite.code.as_bytes().to_vec(), invite);
        let mut index = invite.server_id.to_bytes().to_vec();
        index.extend_from_slice(invite.code.as_bytes());
        self.put_raw(Table::ServerInvites, index, Vec::new());
    }

    /// Fetches an invite by code.
    fn fetch_invite(&self, code: &str) -> Result<Option<Invite>> {
        self.get(Table::Invites, code.as_bytes())
    }

    /// Lists a server's invites.
    fn list_invites(&self, server: ServerId) -> Result<Vec<Invite>> {
        let keys = self.scan_keys(Table::ServerInvites, &prefix(server), Order::Ascending, ALL)?;
        let mut invites = Vec::with_capacity(keys.len());
        for k in keys {
            if let Some(invite) = self.get(Table::Invites, &k[16..])? {
                invites.push(invite);
            }
        }
        Ok(invites)
    }

    /// Deletes an invite.
    fn delete_invite(&mut self, invite: &Invite)
    where
        Self: KvMut,
    {
        self.delete(Table::Invites, invite.code.as_bytes().to_vec());
        let mut index = invite.server_id.to_bytes().to_vec();
        index.extend_from_slice(invite.code.as_bytes());
        self.delete(Table::ServerInvites, index);
    }

    /// Inserts or replaces a ban.
    fn update_ban(&mut self, ban: &Ban)
    where
        Self: KvMut,
    {
        self.put(Table::Bans, key(ban.server_id, ban.user_id), ban);
    }

    /// Fetches a ban.
    fn fetch_ban(&self, server: ServerId, user: UserId) -> Result<Option<Ban>> {
        self.get(Table::Bans, &key(server, user))
    }

    /// Lists a server's bans.
    fn list_bans(&self, server: ServerId) -> Result<Vec<Ban>> {
        self.scan(Table::Bans, &prefix(server), Order::Ascending, ALL)
    }

    /// Deletes a ban.
    fn delete_ban(&mut self, server: ServerId, user: UserId)
    where
        Self: KvMut,
    {
        self.delete(Table::Bans, key(server, user));
    }
}

impl<T: Kv + ?Sized> ServerStore for T {}

/// Channels of every type, with the indexes that find them.
pub trait ChannelStore: Kv {
    /// Inserts or replaces a channel, indexing it under its server or its recipients.
    fn update_channel(&mut self, channel: &Channel)
    where
        Self: KvMut,
    {
        self.put(Table::Channels, channel.id.to_bytes().to_vec(), channel);
        if let Some(server) = channel.server_id {
            self.put_raw(Table::ServerChannels, key(server, channel.id), Vec::new());
        }
        for user in &channel.recipients {
            self.put_raw(Table::UserChannels, key(*user, channel.id), Vec::new());
        }
    }

    /// Replaces a channel's record only, when its server and recipients did not change (its
    /// index entries stay as they are).
    fn update_channel_record(&mut self, channel: &Channel)
    where
        Self: KvMut,
    {
        self.put(Table::Channels, channel.id.to_bytes().to_vec(), channel);
    }

    /// Fetches a channel, with its last message.
    fn fetch_channel(&self, id: ChannelId) -> Result<Option<Channel>> {
        let Some(mut channel) = self.get_shared::<Channel>(Table::Channels, &id.to_bytes())? else {
            return Ok(None);
        };
        if let Some(activity) = self.get_raw(Table::ChannelActivity, &id.to_bytes())? {
            let (message, at) = decode_activity(&activity)?;
            channel.last_message_id = Some(message);
            channel.last_message_at = Some(at);
        }
        Ok(Some(channel))
    }

    /// Records a channel's newest message.
    fn record_last_message(&mut self, message: &Message)
    where
        Self: KvMut,
    {
        let nanos = message.created_at.timestamp_nanos_opt().unwrap_or(i64::MAX);
        let mut value = message.id.to_bytes().to_vec();
        value.extend_from_slice(&nanos.to_be_bytes());
        self.put_raw(
            Table::ChannelActivity,
            message.channel_id.to_bytes().to_vec(),
            value,
        );
    }

    /// Lists a server's channels (threads included), by position then id.
    fn list_server_channels(&self, server: ServerId) -> Result<Vec<Channel>> {
        let keys = self.scan_keys(
            Table::ServerChannels,
            &prefix(server),
            Order::Ascending,
            ALL,
        )?;
        let mut channels = Vec::with_capacity(keys.len());
        for k in keys {
            if let Some(channel) = self.fetch_channel(second_id(&k))? {
                channels.push(channel);
            }
        }
        channels.sort_by_key(|c: &Channel| (c.position, c.id));
        Ok(channels)
    }

    /// Lists the DMs and group DMs a user is in.
    fn list_user_channels(&self, user: UserId) -> Result<Vec<Channel>> {
        let keys = self.scan_keys(Table::UserChannels, &prefix(user), Order::Ascending, ALL)?;
        let mut channels = Vec::with_capacity(keys.len());
        for k in keys {
            if let Some(channel) = self.fetch_channel(second_id(&k))? {
                channels.push(channel);
            }
        }
        Ok(channels)
    }

    /// Deletes a channel and its index entries.
    fn delete_channel(&mut self, channel: &Channel)
    where
        Self: KvMut,
    {
        self.delete(Table::Channels, channel.id.to_bytes().to_vec());
        self.delete(Table::ChannelActivity, channel.id.to_bytes().to_vec());
        if let Some(server) = channel.server_id {
            self.delete(Table::ServerChannels, key(server, channel.id));
        }
        for user in &channel.recipients {
            self.delete(Table::UserChannels, key(*user, channel.id));
        }
    }

    /// Records the DM channel of a pair of users.
    fn update_dm_pair(&mut self, a: UserId, b: UserId, channel: ChannelId)
    where
        Self: KvMut,
    {
        self.put(Table::DmPairs, key(a.min(b), a.max(b)), &channel);
    }

    /// Finds the DM channel of a pair of users.
    fn fetch_dm_pair(&self, a: UserId, b: UserId) -> Result<Option<ChannelId>> {
        self.get(Table::DmPairs, &key(a.min(b), a.max(b)))
    }

    /// Adds a user to a thread's member list.
    fn insert_thread_member(&mut self, thread: ChannelId, user: UserId)
    where
        Self: KvMut,
    {
        self.put_raw(Table::ThreadMembers, key(thread, user), Vec::new());
    }

    /// Lists a thread's members.
    fn list_thread_members(&self, thread: ChannelId) -> Result<Vec<UserId>> {
        let keys = self.scan_keys(Table::ThreadMembers, &prefix(thread), Order::Ascending, ALL)?;
        Ok(keys.iter().map(|k| second_id(k)).collect())
    }

    /// Removes a user from a thread's member list.
    fn delete_thread_member(&mut self, thread: ChannelId, user: UserId)
    where
        Self: KvMut,
    {
        self.delete(Table::ThreadMembers, key(thread, user));
    }
}

impl<T: Kv + ?Sized> ChannelStore for T {}

/// Messages with their nonces, edit history, reactions and pins.
pub trait MessageStore: Kv {
    /// Inserts or replaces a message (reactions are kept apart and not stored in it).
    fn update_message(&mut self, message: &Message)
    where
        Self: KvMut,
    {
        self.put(
            Table::Messages,
            key(message.channel_id, message.id),
            message,
        );
    }

    /// Fetches a message.
    fn fetch_message(&self, channel: ChannelId, id: MessageId) -> Result<Option<Message>> {
        self.get(Table::Messages, &key(channel, id))
    }

    /// Lists up to `limit` messages of a channel with ids in `(after, before)`, newest first
    /// when descending.
    fn list_messages(
        &self,
        channel: ChannelId,
        after: Option<MessageId>,
        before: Option<MessageId>,
        order: Order,
        limit: usize,
    ) -> Result<Vec<Message>> {
        use std::ops::Bound::Excluded;
        let mut range = prefix(channel);
        if let Some(after) = after {
            range.start = Excluded(key(channel, after));
        }
        if let Some(before) = before {
            range.end = Excluded(key(channel, before));
        }
        self.scan(Table::Messages, &range, order, limit)
    }

    /// Deletes a message, its nonce, its edit history, its reactions and its pin.
    fn delete_message(&mut self, message: &Message) -> Result<()>
    where
        Self: KvMut,
    {
        let k = key(message.channel_id, message.id);
        self.delete(Table::Messages, k.clone());
        self.delete(Table::Pins, k.clone());
        if let Some(nonce) = &message.nonce {
            self.delete(
                Table::Nonces,
                nonce_key(message.channel_id, message.author_id, nonce),
            );
        }
        for edit in self.scan_keys(
            Table::MessageEdits,
            &prefix(message.id),
            Order::Ascending,
            ALL,
        )? {
            self.delete(Table::MessageEdits, edit);
        }
        for reaction in self.scan_keys(
            Table::Reactions,
            &KeyRange::prefix(&k),
            Order::Ascending,
            ALL,
        )? {
            self.delete(Table::Reactions, reaction);
        }
        Ok(())
    }

    /// Records the message a client nonce produced.
    fn insert_nonce(&mut self, channel: ChannelId, author: UserId, nonce: &str, id: MessageId)
    where
        Self: KvMut,
    {
        self.put(Table::Nonces, nonce_key(channel, author, nonce), &id);
    }

    /// Finds the message a client nonce produced.
    fn fetch_nonce(
        &self,
        channel: ChannelId,
        author: UserId,
        nonce: &str,
    ) -> Result<Option<MessageId>> {
        self.get(Table::Nonces, &nonce_key(channel, author, nonce))
    }

    /// Keeps the previous version of an edited message.
    fn insert_edit(&mut self, message: MessageId, edit: &MessageEdit)
    where
        Self: KvMut,
    {
        let mut k = message.to_bytes().to_vec();
        k.extend_from_slice(&edit.replaced_at.timestamp_micros().to_be_bytes());
        self.put(Table::MessageEdits, k, edit);
    }

    /// Lists a message's previous versions, oldest first.
    fn list_edits(&self, message: MessageId) -> Result<Vec<MessageEdit>> {
        self.scan(Table::MessageEdits, &prefix(message), Order::Ascending, ALL)
    }

    /// Records a user's reaction.
    fn insert_reaction(
        &mut self,
        channel: ChannelId,
        message: MessageId,
        emoji: &str,
        user: UserId,
        at: Timestamp,
    ) where
        Self: KvMut,
    {
        self.put(
            Table::Reactions,
            reaction_key(channel, message, emoji, user),
            &at,
        );
    }

    /// Whether a user reacted with an emoji.
    fn fetch_reaction(
        &self,
        channel: ChannelId,
        message: MessageId,
        emoji: &str,
        user: UserId,
    ) -> Result<bool> {
        self.contains(
            Table::Reactions,
            &reaction_key(channel, message, emoji, user),
        )
    }

    /// Lists a message's reactions as `(emoji, user, time)`.
    fn list_reactions(
        &self,
        channel: ChannelId,
        message: MessageId,
    ) -> Result<Vec<(String, UserId, Timestamp)>> {
        let entries = self.scan_raw(
            Table::Reactions,
            &KeyRange::prefix(&key(channel, message)),
            Order::Ascending,
            ALL,
        )?;
        let mut out = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            let len = usize::from(k[32]);
            let emoji = String::from_utf8_lossy(&k[33..33 + len]).into_owned();
            let mut user = [0; 16];
            user.copy_from_slice(&k[33 + len..]);
            out.push((emoji, Id::from_bytes(user), super::tx::decode(&v)?));
        }
        Ok(out)
    }

    /// Removes a user's reaction.
    fn delete_reaction(&mut self, channel: ChannelId, message: MessageId, emoji: &str, user: UserId)
    where
        Self: KvMut,
    {
        self.delete(
            Table::Reactions,
            reaction_key(channel, message, emoji, user),
        );
    }

    /// Pins a message.
    fn insert_pin(&mut self, channel: ChannelId, message: MessageId, at: Timestamp)
    where
        Self: KvMut,
    {
        self.put(Table::Pins, key(channel, message), &at);
    }

    /// Lists a channel's pinned message ids, newest pin first.
    fn list_pins(&self, channel: ChannelId) -> Result<Vec<MessageId>> {
        let entries = self.scan_raw(Table::Pins, &prefix(channel), Order::Ascending, ALL)?;
        let mut pins = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            pins.push((super::tx::decode::<Timestamp>(&v)?, second_id(&k)));
        }
        pins.sort_by(|a, b| b.cmp(a));
        Ok(pins.into_iter().map(|(_, id)| id).collect())
    }

    /// Unpins a message.
    fn delete_pin(&mut self, channel: ChannelId, message: MessageId)
    where
        Self: KvMut,
    {
        self.delete(Table::Pins, key(channel, message));
    }

    /// Records when a user last sent in a channel (slow mode).
    fn update_last_send(&mut self, channel: ChannelId, user: UserId, at: Timestamp)
    where
        Self: KvMut,
    {
        self.put(Table::SlowMode, key(channel, user), &at);
    }

    /// When a user last sent in a channel.
    fn fetch_last_send(&self, channel: ChannelId, user: UserId) -> Result<Option<Timestamp>> {
        self.get(Table::SlowMode, &key(channel, user))
    }
}

impl<T: Kv + ?Sized> MessageStore for T {}

fn nonce_key(channel: ChannelId, author: UserId, nonce: &str) -> Vec<u8> {
    let mut k = key(channel, author);
    k.extend_from_slice(nonce.as_bytes());
    k
}

fn reaction_key(channel: ChannelId, message: MessageId, emoji: &str, user: UserId) -> Vec<u8> {
    let mut k = key(channel, message);
    k.push(emoji.len() as u8);
    k.extend_from_slice(emoji.as_bytes());
    k.extend_from_slice(&user.to_bytes());
    k
}

/// How far each user has read each channel.
pub trait ReadStateStore: Kv {
    /// Records the newest message a user has read in a channel.
    fn update_read_state(&mut self, user: UserId, channel: ChannelId, last_read: MessageId)
    where
        Self: KvMut,
    {
        self.put(Table::ReadStates, key(user, channel), &last_read);
    }

    /// The newest message a user has read in a channel.
    fn fetch_read_state(&self, user: UserId, channel: ChannelId) -> Result<Option<MessageId>> {
        self.get(Table::ReadStates, &key(user, channel))
    }
}

impl<T: Kv + ?Sized> ReadStateStore for T {}

/// The bounded, persisted event log that sessions resume from.
pub trait EventLog: Kv {
    /// Lists up to `limit` events with sequence numbers after `after`, in order. A new
    /// message is read from the messages table as it is now (edited, say; the later events
    /// say what changed), and one deleted since comes back as its deletion.
    fn list_events(&self, after: u64, limit: usize) -> Result<Vec<(u64, StoredEvent)>> {
        let range = KeyRange {
            start: std::ops::Bound::Excluded(after.to_be_bytes().to_vec()),
            end: std::ops::Bound::Unbounded,
        };
        let entries = self.scan_raw(Table::Events, &range, Order::Ascending, limit)?;
        entries
            .into_iter()
            .map(|(k, v)| {
                let record: LogRecord = super::tx::decode(&v)?;
                let event = match (record.event, record.message) {
                    (Some(event), _) => event,
                    (None, Some(r)) => match self.fetch_message(r.channel_id, r.id)? {
                        Some(message) => Event::MessageCreate(message),
                        None => Event::MessageDelete(MessageDelete {
                            channel_id: r.channel_id,
                            id: r.id,
                            server_id: record.audience.server_id,
                        }),
                    },
                    (None, None) => {
                        return Err(StorageError::new("corrupt event log record").into());
                    }
                };
                let audience = record.audience;
                Ok((seq_of(&k), StoredEvent { audience, event }))
            })
            .collect()
    }

    /// The first and last retained sequence numbers, if any.
    fn event_bounds(&self) -> Result<Option<(u64, u64)>> {
        let first = self.scan_keys(Table::Events, &KeyRange::all(), Order::Ascending, 1)?;
        let last = self.scan_keys(Table::Events, &KeyRange::all(), Order::Descending, 1)?;
        Ok(first
            .first()
            .zip(last.first())
            .map(|(f, l)| (seq_of(f), seq_of(l))))
    }
}

impl<T: Kv + ?Sized> EventLog for T {}

fn seq_of(key: &[u8]) -> u64 {
    let mut bytes = [0; 8];
    bytes.copy_from_slice(&key[..8]);
    u64::from_be_bytes(bytes)
}
