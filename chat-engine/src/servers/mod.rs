//! Servers (workspaces) and their categories: creating a server makes its @everyone role, a
//! default text channel, the owner's membership and a permanent invite.

use crate::access::delete_channel_contents;
use crate::audit_trail::{Actor, record_change};
use crate::engine::Engine;
use crate::envelope::Audience;
use crate::error::{Error, ResourceKind, Result, found};
use crate::id::{CategoryId, ServerId, UserId};
use crate::model::{
    AuditAction, Category, Channel, ChannelType, CreateCategory, CreateServer, DiscoveryQuery,
    Event, Invite, Member, Permissions, Role, Server, ServerDelete, ServerPreview, UpdateCategory,
    UpdateServer,
};
use crate::permissions::context;
use crate::store::{AuditLogStore, ChannelStore, KvMut, ServerStore, UserStore};
use crate::validate;

impl Engine {
    /// The public servers whose name or description contains `q` (in any case), most
    /// members first. Anyone may ask: no caller is needed.
    ///
    /// # Errors
    ///
    /// `Validation` for a `limit` outside 1 to 100 or a `q` over 100 characters.
    pub fn discover_servers(&self, query: &DiscoveryQuery) -> Result<Vec<ServerPreview>> {
        let limit = query.limit.unwrap_or(25);
        if !(1..=100).contains(&limit) {
            return Err(Error::validation("limit", "must be 1 to 100"));
        }
        let words = query.q.as_deref().unwrap_or("").trim().to_lowercase();
        if words.chars().count() > 100 {
            return Err(Error::validation("q", "must be at most 100 characters"));
        }
        let reader = self.read()?;
        let mut found = Vec::new();
        let mut after = None;
        loop {
            let page = reader.list_servers(after, 512)?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            found.extend(page.into_iter().filter(|s| {
                s.is_public
                    && s.disabled.is_none()
                    && (s.name.to_lowercase().contains(&words)
                        || s.description.to_lowercase().contains(&words))
            }));
        }
        found.sort_by(|a, b| b.member_count.cmp(&a.member_count).then(a.id.cmp(&b.id)));
        Ok(found
            .into_iter()
            .take(limit)
            .map(ServerPreview::from)
            .collect())
    }

    /// Creates a server owned by the caller, with @everyone, `#general` and a permanent invite.
    #[tracing::instrument(level = "debug", skip_all, fields(%actor), err(level = "debug"))]
    pub async fn create_server(&self, actor: UserId, request: CreateServer) -> Result<Server> {
        let name = validate::name("name", &request.name, 100)?;
        validate::text("description", &request.description, 1024)?;
        validate::text("icon_url", &request.icon_url, 2048)?;
        let code = crate::credentials::invite_code()?;
        self.write(move |tx| {
            let now = tx.now();
            let id: ServerId = tx.new_id();
            let everyone = Role {
                color: 0,
                created_at: now,
                id: id.cast(),
                is_default: true,
                is_mentionable: false,
                name: "@everyone".into(),
                permissions: Permissions::EVERYONE_DEFAULT,
                position: 0,
                server_id: id,
            };
            let general = Channel {
                category_id: None,
                created_at: now,
                id: tx.new_id(),
                icon_url: String::new(),
                is_private: false,
                last_message_at: None,
                last_message_id: None,
                member_count: None,
                message_count: None,
                name: "general".into(),
                nsfw: false,
                owner_id: None,
                parent_id: None,
                permission_overwrites: Vec::new(),
                position: 0,
                recipients: Vec::new(),
                server_id: Some(id),
                slow_mode_delay: 0,
                thread_metadata: None,
                topic: String::new(),
                kind: ChannelType::Text,
                updated_at: now,
            };
            let server = Server {
                created_at: now,
                description: request.description.trim().to_owned(),
                icon_url: request.icon_url.trim().to_owned(),
                id,
                invite_code: code.clone(),
                is_public: request.is_public,
                member_count: 1,
                name,
                owner_id: actor,
                disabled: None,
                system_channel_id: Some(general.id),
                updated_at: now,
            };
            let owner = Member::joined(id, actor, now);
            let invite = Invite {
                code,
                created_at: now,
                expires_at: None,
                inviter_id: actor,
                max_uses: 0,
                server_id: id,
                uses: 0,
            };
            tx.update_server(&server);
            tx.update_role(&everyone);
            tx.update_channel(&general);
            tx.update_member(&owner);
            tx.update_invite(&invite);
            tx.emit(
                Event::ServerCreate(server.clone()),
                Audience::users(vec![actor]),
            );
            Ok(server)
        })
        .await
    }

    /// Fetches a server the caller is a member of, or any public server; an instance
    /// administrator sees every server.
    pub fn fetch_server(&self, actor: UserId, id: ServerId) -> Result<Server> {
        let reader = self.read()?;
        let server = found(reader.fetch_server(id)?, ResourceKind::Server, id)?;
        if server.is_public
            || reader.fetch_member(id, actor)?.is_some()
            || reader.is_instance_admin(actor)?
        {
            Ok(server)
        } else {
            Err(Error::not_found(ResourceKind::Server, id))
        }
    }

    /// The owner of a server, for operator tools that act on the owner's behalf (the `chat`
    /// CLI); every operation they then call is checked as the owner's.
    pub fn owner_of(&self, id: ServerId) -> Result<UserId> {
        Ok(found(self.read()?.fetch_server(id)?, ResourceKind::Server, id)?.owner_id)
    }

    /// Lists the servers the caller is a member of.
    pub fn list_servers(&self, actor: UserId) -> Result<Vec<Server>> {
        let reader = self.read()?;
        let mut servers = Vec::new();
        for id in reader.list_user_servers(actor)? {
            servers.extend(reader.fetch_server(id)?);
        }
        Ok(servers)
    }

    /// Changes a server's settings (MANAGE_SERVER).
    pub async fn update_server(
        &self,
        actor: impl Into<Actor>,
        id: ServerId,
        update: UpdateServer,
    ) -> Result<Server> {
        let name = update
            .name
            .as_deref()
            .map(|n| validate::name("name", n, 100))
            .transpose()?;
        if let Some(d) = &update.description {
            validate::text("description", d, 1024)?;
        }
        if let Some(i) = &update.icon_url {
            validate::text("icon_url", i, 2048)?;
        }
        let actor = actor.into();
        self.write(move |tx| {
            let ctx = context(tx, id, actor.user())?;
            ctx.require(Permissions::MANAGE_SERVER)?;
            let before = ctx.server.clone();
            let mut server = ctx.server;
            if let Some(name) = name {
                server.name = name;
            }
            if let Some(d) = update.description {
                d.trim().clone_into(&mut server.description);
            }
            if let Some(i) = update.icon_url {
                i.trim().clone_into(&mut server.icon_url);
            }
            if let Some(p) = update.is_public {
                server.is_public = p;
            }
            server.updated_at = tx.now();
            tx.update_server(&server);
            record_change(
                tx,
                id,
                &actor,
                AuditAction::ServerUpdate,
                id,
                Some(&before),
                Some(&server),
            );
            tx.emit(Event::ServerUpdate(server.clone()), Audience::server(id));
            Ok(server)
        })
        .await
    }

    /// Deletes a server with everything in it (its owner, or an instance administrator).
    #[tracing::instrument(level = "debug", skip_all, fields(%actor, server = %id), err(level = "debug"))]
    pub async fn delete_server(&self, actor: UserId, id: ServerId) -> Result<()> {
        self.write(move |tx| {
            found(tx.fetch_server(id)?, ResourceKind::Server, id)?;
            // An instance administrator removes an abusive server they need not be in.
            if !tx.is_instance_admin(actor)? {
                let ctx = context(tx, id, actor)?;
                if ctx.server.owner_id != actor {
                    return Err(Error::forbidden("only the owner may delete a server"));
                }
            }
            let roles = tx.list_roles(id)?;
            let members = tx.list_members(id, None, usize::MAX)?;
            for member in &members {
                tx.delete_member(id, member.user_id);
            }
            for channel in tx.list_server_channels(id)? {
                delete_channel_contents(tx, &channel)?;
                tx.delete_channel(&channel);
            }
            for role in &roles {
                tx.delete_role(id, role.id);
            }
            for category in tx.list_categories(id)? {
                tx.delete_category(&category);
            }
            for invite in tx.list_invites(id)? {
                tx.delete_invite(&invite);
            }
            for ban in tx.list_bans(id)? {
                tx.delete_ban(id, ban.user_id);
            }
            for entry in tx.oldest_audit_entries(id, usize::MAX)? {
                tx.delete_audit_entry(id, entry.id);
            }
            tx.delete_server(id);
            let audience = Audience::users(members.iter().map(|m| m.user_id).collect());
            tx.emit(Event::ServerDelete(ServerDelete { id }), audience);
            Ok(())
        })
        .await
    }

    /// Creates a category (MANAGE_CHANNELS).
    pub async fn create_category(
        &self,
        actor: impl Into<Actor>,
        server: ServerId,
        request: CreateCategory,
    ) -> Result<Category> {
        let name = validate::name("name", &request.name, 100)?;
        let actor = actor.into();
        self.write(move |tx| {
            context(tx, server, actor.user())?.require(Permissions::MANAGE_CHANNELS)?;
            let position = match request.position {
                Some(p) => p,
                None => tx.list_categories(server)?.len() as i32,
            };
            let category = Category {
                created_at: tx.now(),
                id: tx.new_id(),
                name,
                position,
                server_id: server,
            };
            tx.update_category(&category);
            record_change(
                tx,
                server,
                &actor,
                AuditAction::ChannelCreate,
                category.id,
                None,
                Some(&category),
            );
            tx.emit(
                Event::CategoryCreate(category.clone()),
                Audience::server(server),
            );
            Ok(category)
        })
        .await
    }

    /// Renames or moves a category (MANAGE_CHANNELS); `CATEGORY_UPDATE`.
    pub async fn update_category(
        &self,
        actor: impl Into<Actor>,
        server: ServerId,
        category: CategoryId,
        update: UpdateCategory,
    ) -> Result<Category> {
        let name = update
            .name
            .as_deref()
            .map(|n| validate::name("name", n, 100))
            .transpose()?;
        let actor = actor.into();
        self.write(move |tx| {
            context(tx, server, actor.user())?.require(Permissions::MANAGE_CHANNELS)?;
            let all = tx.list_categories(server)?;
            let before = found(
                all.into_iter().find(|c| c.id == category),
                ResourceKind::Category,
                category,
            )?;
            let mut after = before.clone();
            if let Some(name) = name {
                after.name = name;
            }
            if let Some(position) = update.position {
                after.position = position;
            }
            if after == before {
                return Ok(after);
            }
            tx.update_category(&after);
            record_change(
                tx,
                server,
                &actor,
                AuditAction::ChannelUpdate,
                category,
                Some(&before),
                Some(&after),
            );
            tx.emit(
                Event::CategoryUpdate(after.clone()),
                Audience::server(server),
            );
            Ok(after)
        })
        .await
    }

    /// Lists a server's categories (members).
    pub fn list_categories(&self, actor: UserId, server: ServerId) -> Result<Vec<Category>> {
        let reader = self.read()?;
        context(&reader, server, actor)?;
        reader.list_categories(server)
    }

    /// Deletes a category; its channels stay, outside any category (MANAGE_CHANNELS).
    pub async fn delete_category(
        &self,
        actor: impl Into<Actor>,
        server: ServerId,
        category: CategoryId,
    ) -> Result<()> {
        let actor = actor.into();
        self.write(move |tx| {
            context(tx, server, actor.user())?.require(Permissions::MANAGE_CHANNELS)?;
            let all = tx.list_categories(server)?;
            let gone = all.into_iter().find(|c| c.id == category);
            let gone = found(gone, ResourceKind::Category, category)?;
            for mut channel in tx.list_server_channels(server)? {
                if channel.category_id == Some(category) {
                    channel.category_id = None;
                    tx.update_channel(&channel);
                    tx.emit(
                        Event::ChannelUpdate(channel.clone()),
                        Audience::channel(Some(server), channel.id, &[]),
                    );
                }
            }
            tx.delete_category(&gone);
            record_change(
                tx,
                server,
                &actor,
                AuditAction::ChannelDelete,
                category,
                Some(&gone),
                None,
            );
            tx.emit(Event::CategoryDelete(gone), Audience::server(server));
            Ok(())
        })
        .await
    }
}
