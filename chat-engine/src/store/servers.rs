//! Servers with their members, roles, categories, invites and bans.

use super::keys::{ALL, after_first_id, pair, prefix, second_id};
use super::{KeyRange, Kv, KvMut, Order, Table};
use crate::error::Result;
use crate::id::{RoleId, ServerId, UserId};
use crate::model::{Ban, Category, Invite, Member, Role, Server};

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

    /// Lists up to `limit` servers with ids after `after`, in id order.
    fn list_servers(&self, after: Option<ServerId>, limit: usize) -> Result<Vec<Server>> {
        let mut range = KeyRange::all();
        if let Some(after) = after {
            range.start = std::ops::Bound::Excluded(after.to_bytes().to_vec());
        }
        self.scan(Table::Servers, &range, Order::Ascending, limit)
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
            pair(member.server_id, member.user_id),
            member,
        );
        self.put_raw(
            Table::UserServers,
            pair(member.user_id, member.server_id),
            Vec::new(),
        );
    }

    /// Fetches a member.
    fn fetch_member(&self, server: ServerId, user: UserId) -> Result<Option<Member>> {
        self.get_shared(Table::Members, &pair(server, user))
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
            range.start = std::ops::Bound::Excluded(pair(server, after));
        }
        self.scan(Table::Members, &range, Order::Ascending, limit)
    }

    /// Lists the servers a user is a member of.
    fn list_user_servers(&self, user: UserId) -> Result<Vec<ServerId>> {
        let keys = self.scan_keys(Table::UserServers, &prefix(user), Order::Ascending, ALL)?;
        keys.iter().map(|k| second_id(k)).collect()
    }

    /// Deletes a member.
    fn delete_member(&mut self, server: ServerId, user: UserId)
    where
        Self: KvMut,
    {
        self.delete(Table::Members, pair(server, user));
        self.delete(Table::UserServers, pair(user, server));
    }

    /// Inserts or replaces a role.
    fn update_role(&mut self, role: &Role)
    where
        Self: KvMut,
    {
        self.put(Table::Roles, pair(role.server_id, role.id), role);
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
        self.delete(Table::Roles, pair(server, role));
    }

    /// Inserts or replaces a category.
    fn update_category(&mut self, category: &Category)
    where
        Self: KvMut,
    {
        self.put(
            Table::Categories,
            pair(category.server_id, category.id),
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
        self.delete(Table::Categories, pair(category.server_id, category.id));
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
            if let Some(invite) = self.get(Table::Invites, after_first_id(&k)?)? {
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
        self.put(Table::Bans, pair(ban.server_id, ban.user_id), ban);
    }

    /// Fetches a ban.
    fn fetch_ban(&self, server: ServerId, user: UserId) -> Result<Option<Ban>> {
        self.get(Table::Bans, &pair(server, user))
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
        self.delete(Table::Bans, pair(server, user));
    }
}

impl<T: Kv + ?Sized> ServerStore for T {}
