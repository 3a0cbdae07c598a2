//! Every REST route, as a method on [`Client`], named like the server's handler. Routes with
//! options return builders (in `messages.rs`); the rest are plain async methods.

use chat_engine::id::{CategoryId, ChannelId, MessageId, RoleId, ServerId, SessionId, UserId};
use chat_engine::model::gateway::GatewayUrl;
use chat_engine::model::{
    AdminQuery, AdminUser, AuditLogEntry, AuditLogQuery, AuthResponse, BackupCodes, Ban,
    BotCreated, BulkDelete, Category, Channel, ChannelPosition, CreateBot, CreateCategory,
    CreateChannel, CreateGroupDm, CreateInvite, CreateRole, CreateServer, CreateThread,
    DisableAccount, EditMessage, FriendRequest, Invite, InvitePreview, LoginRequest, LoginResponse,
    LoginSession, Member, Message, MessageAck, MessageEdit, MfaLogin, NotificationSetting,
    NotificationSettings, OverwriteType, PasswordChange, Permissions, Presence, ReadState,
    RegisterRequest, Relationship, RelationshipType, Role, SearchQuery, SearchResults, Server,
    SetRelationship, StartThread, Timestamp, TotpCode, TotpSetup, UpdateCategory, UpdateChannel,
    UpdateMember, UpdateProfile, UpdateRole, UpdateServer, User,
};
use serde_json::json;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};

/// An admin page's query string.
fn admin_params(query: &AdminQuery) -> Vec<(&'static str, String)> {
    let mut params = Vec::new();
    if let Some(q) = &query.q {
        params.push(("q", q.clone()));
    }
    if let Some(after) = &query.after {
        params.push(("after", after.clone()));
    }
    if let Some(limit) = query.limit {
        params.push(("limit", limit.to_string()));
    }
    params
}

/// The tokens of a login, or the ticket of its second step as an error.
fn tokens(login: LoginResponse) -> Result<AuthResponse> {
    match login {
        LoginResponse::Tokens(tokens) => Ok(*tokens),
        LoginResponse::MfaRequired(challenge) => Err(Error::new(ErrorKind::MfaRequired {
            ticket: challenge.ticket,
        })),
    }
}

/// Percent-encodes one path segment (emoji, invite codes).
pub(crate) fn segment(text: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

impl Client {
    /// `POST /auth/register`.
    pub async fn register(&self, username: &str, password: &str) -> Result<AuthResponse> {
        if password.chars().count() < 8 {
            return Err(Error::validation(
                "password",
                "must be at least 8 characters",
            ));
        }
        let body = RegisterRequest {
            email: None,
            password: password.into(),
            username: username.into(),
        };
        self.post("/auth/register", &body).await
    }

    /// `POST /auth/login`. With two-factor authentication on, fails with
    /// [`ErrorKind::MfaRequired`](crate::ErrorKind::MfaRequired): finish with
    /// [`Client::totp_login`].
    pub async fn login(&self, username: &str, password: &str) -> Result<AuthResponse> {
        let body = LoginRequest {
            password: password.into(),
            username: username.into(),
        };
        tokens(self.post("/auth/login", &body).await?)
    }

    /// `POST /auth/mfa/totp`: the second step of a login, with a code of the authenticator
    /// app or a backup code.
    pub async fn totp_login(&self, ticket: &str, code: &str) -> Result<AuthResponse> {
        let body = MfaLogin {
            code: code.into(),
            ticket: ticket.into(),
        };
        tokens(self.post("/auth/mfa/totp", &body).await?)
    }

    /// `POST /auth/mfa/totp/enable`: a secret for the authenticator app.
    pub async fn enable_totp(&self) -> Result<TotpSetup> {
        self.post("/auth/mfa/totp/enable", &json!({})).await
    }

    /// `POST /auth/mfa/totp/confirm`: turns 2FA on; answers the backup codes.
    pub async fn confirm_totp(&self, code: &str) -> Result<BackupCodes> {
        let body = TotpCode { code: code.into() };
        self.post("/auth/mfa/totp/confirm", &body).await
    }

    /// `POST /auth/mfa/totp/disable`, with a code of the app or a backup code.
    pub async fn disable_totp(&self, code: &str) -> Result<()> {
        let body = TotpCode { code: code.into() };
        self.post("/auth/mfa/totp/disable", &body).await
    }

    /// `POST /auth/password`: every other session is logged out.
    pub async fn change_password(&self, current: &str, new: &str) -> Result<()> {
        let body = PasswordChange {
            current_password: current.into(),
            new_password: new.into(),
        };
        self.post("/auth/password", &body).await
    }

    /// `GET /auth/sessions`: the caller's login sessions.
    pub async fn sessions(&self) -> Result<Vec<LoginSession>> {
        self.get("/auth/sessions").await
    }

    /// `DELETE /auth/sessions/{id}`: logs one session out.
    pub async fn revoke_session(&self, session: SessionId) -> Result<()> {
        self.delete(&format!("/auth/sessions/{session}")).await
    }

    /// `DELETE /auth/sessions`: logs every other session out.
    pub async fn revoke_other_sessions(&self) -> Result<()> {
        self.delete("/auth/sessions").await
    }

    /// `POST /auth/refresh`.
    pub async fn refresh(&self, refresh_token: &str) -> Result<AuthResponse> {
        self.post("/auth/refresh", &json!({ "refresh_token": refresh_token }))
            .await
    }

    /// `POST /auth/logout`.
    pub async fn logout(&self) -> Result<()> {
        self.post("/auth/logout", &json!({})).await
    }

    /// `GET /gateway`: the gateway's URL as the server sees it (`wss://` behind https).
    pub async fn get_gateway(&self) -> Result<String> {
        let answer: GatewayUrl = self.get("/gateway").await?;
        Ok(answer.url)
    }

    /// `GET /auth/me`.
    pub async fn current_user(&self) -> Result<User> {
        self.get("/auth/me").await
    }

    /// `PATCH /auth/me`.
    pub async fn update_current_user(&self, update: &UpdateProfile) -> Result<User> {
        self.patch("/auth/me", update).await
    }

    /// `POST /bots`.
    pub async fn create_bot(&self, username: &str) -> Result<BotCreated> {
        self.post(
            "/bots",
            &CreateBot {
                username: username.into(),
            },
        )
        .await
    }

    /// `GET /users/{id}`.
    pub async fn user(&self, user: UserId) -> Result<User> {
        self.get(&format!("/users/{user}")).await
    }

    /// `GET /users/@me/channels`.
    pub async fn dm_channels(&self) -> Result<Vec<Channel>> {
        self.get("/users/@me/channels").await
    }

    /// `POST /users/@me/channels` for a DM.
    pub async fn create_dm(&self, recipient: UserId) -> Result<Channel> {
        self.post("/users/@me/channels", &json!({ "recipient_id": recipient }))
            .await
    }

    /// `POST /users/@me/channels` for a group DM.
    pub async fn create_group_dm(&self, request: &CreateGroupDm) -> Result<Channel> {
        self.post("/users/@me/channels", request).await
    }

    /// `PUT /channels/{id}/recipients/{user_id}`: add someone to a group DM (its owner).
    pub async fn add_recipient(&self, channel: ChannelId, user: UserId) -> Result<()> {
        self.put(&format!("/channels/{channel}/recipients/{user}"))
            .await
    }

    /// `DELETE /channels/{id}/recipients/{user_id}`: remove someone from a group DM (its
    /// owner).
    pub async fn remove_recipient(&self, channel: ChannelId, user: UserId) -> Result<()> {
        self.delete(&format!("/channels/{channel}/recipients/{user}"))
            .await
    }

    /// `DELETE /channels/{id}/recipients/@me`: leave a group DM.
    pub async fn leave_group_dm(&self, channel: ChannelId) -> Result<()> {
        self.delete(&format!("/channels/{channel}/recipients/@me"))
            .await
    }

    /// `GET /admin/servers`: every server of the instance (instance administrators).
    pub async fn admin_servers(&self, query: &AdminQuery) -> Result<Vec<Server>> {
        self.send::<(), _>(
            reqwest::Method::GET,
            "/admin/servers",
            &admin_params(query),
            None,
        )
        .await
    }

    /// `GET /admin/users`: every user of the instance (instance administrators).
    pub async fn admin_users(&self, query: &AdminQuery) -> Result<Vec<AdminUser>> {
        self.send::<(), _>(
            reqwest::Method::GET,
            "/admin/users",
            &admin_params(query),
            None,
        )
        .await
    }

    /// `PUT /admin/users/{id}/disabled`: disable an account (instance administrators).
    pub async fn disable_account(&self, user: UserId, reason: &str) -> Result<AdminUser> {
        let body = DisableAccount {
            reason: reason.to_owned(),
        };
        self.send(
            reqwest::Method::PUT,
            &format!("/admin/users/{user}/disabled"),
            &[],
            Some(&body),
        )
        .await
    }

    /// `DELETE /admin/users/{id}/disabled`: enable an account again.
    pub async fn enable_account(&self, user: UserId) -> Result<AdminUser> {
        self.send::<(), _>(
            reqwest::Method::DELETE,
            &format!("/admin/users/{user}/disabled"),
            &[],
            None,
        )
        .await
    }

    /// `PUT /admin/servers/{id}/disabled`: disable a server (instance administrators).
    pub async fn disable_server(&self, server: ServerId, reason: &str) -> Result<Server> {
        let body = DisableAccount {
            reason: reason.to_owned(),
        };
        self.send(
            reqwest::Method::PUT,
            &format!("/admin/servers/{server}/disabled"),
            &[],
            Some(&body),
        )
        .await
    }

    /// `DELETE /admin/servers/{id}/disabled`: enable a server again.
    pub async fn enable_server(&self, server: ServerId) -> Result<Server> {
        self.send::<(), _>(
            reqwest::Method::DELETE,
            &format!("/admin/servers/{server}/disabled"),
            &[],
            None,
        )
        .await
    }

    /// `GET /users/@me/relationships`: friends, requests and blocks.
    pub async fn relationships(&self) -> Result<Vec<Relationship>> {
        self.get("/users/@me/relationships").await
    }

    /// `POST /users/@me/relationships`: a friend request by username.
    pub async fn send_friend_request(&self, username: &str) -> Result<()> {
        let body = FriendRequest {
            username: username.to_owned(),
        };
        self.post("/users/@me/relationships", &body).await
    }

    /// `PUT /users/@me/relationships/{user_id}`: send or accept a friend request
    /// ([`RelationshipType::Friend`]) or block ([`RelationshipType::Blocked`]).
    pub async fn set_relationship(&self, user: UserId, kind: RelationshipType) -> Result<()> {
        let path = format!("/users/@me/relationships/{user}");
        let body = SetRelationship { kind };
        self.send(reqwest::Method::PUT, &path, &[], Some(&body))
            .await
    }

    /// `DELETE /users/@me/relationships/{user_id}`: unfriend, decline, cancel or unblock.
    pub async fn remove_relationship(&self, user: UserId) -> Result<()> {
        self.delete(&format!("/users/@me/relationships/{user}"))
            .await
    }

    /// `GET /users/@me/read-states`.
    pub async fn read_states(&self) -> Result<Vec<ReadState>> {
        self.get("/users/@me/read-states").await
    }

    /// `GET /channels/{id}/receipts`: how far those who share read receipts have read a DM or
    /// a small channel.
    pub async fn receipts(&self, channel: ChannelId) -> Result<Vec<MessageAck>> {
        self.get(&format!("/channels/{channel}/receipts")).await
    }

    /// `GET /users/@me/notification-settings`.
    pub async fn notification_settings(&self) -> Result<NotificationSettings> {
        self.get("/users/@me/notification-settings").await
    }

    /// `PUT /users/@me/notification-settings/servers/{id}`.
    pub async fn set_server_notifications(
        &self,
        server: ServerId,
        setting: &NotificationSetting,
    ) -> Result<NotificationSetting> {
        let path = format!("/users/@me/notification-settings/servers/{server}");
        self.send(reqwest::Method::PUT, &path, &[], Some(setting))
            .await
    }

    /// `PUT /users/@me/notification-settings/channels/{id}`.
    pub async fn set_channel_notifications(
        &self,
        channel: ChannelId,
        setting: &NotificationSetting,
    ) -> Result<NotificationSetting> {
        let path = format!("/users/@me/notification-settings/channels/{channel}");
        self.send(reqwest::Method::PUT, &path, &[], Some(setting))
            .await
    }

    /// `GET /servers`.
    pub async fn servers(&self) -> Result<Vec<Server>> {
        self.get("/servers").await
    }

    /// `POST /servers`.
    pub async fn create_server(&self, request: &CreateServer) -> Result<Server> {
        self.post("/servers", request).await
    }

    /// `GET /servers/{id}`.
    pub async fn server(&self, server: ServerId) -> Result<Server> {
        self.get(&format!("/servers/{server}")).await
    }

    /// `PATCH /servers/{id}`.
    pub async fn update_server(&self, server: ServerId, update: &UpdateServer) -> Result<Server> {
        self.patch(&format!("/servers/{server}"), update).await
    }

    /// `DELETE /servers/{id}`.
    pub async fn delete_server(&self, server: ServerId) -> Result<()> {
        self.delete(&format!("/servers/{server}")).await
    }

    /// `GET /servers/{id}/channels`.
    pub async fn channels(&self, server: ServerId) -> Result<Vec<Channel>> {
        self.get(&format!("/servers/{server}/channels")).await
    }

    /// `POST /servers/{id}/channels`.
    pub async fn create_channel(
        &self,
        server: ServerId,
        request: &CreateChannel,
    ) -> Result<Channel> {
        self.post(&format!("/servers/{server}/channels"), request)
            .await
    }

    /// `PATCH /servers/{id}/categories/{category_id}`: rename or move a category.
    pub async fn update_category(
        &self,
        server: ServerId,
        category: CategoryId,
        update: &UpdateCategory,
    ) -> Result<Category> {
        self.patch(&format!("/servers/{server}/categories/{category}"), update)
            .await
    }

    /// `PATCH /servers/{id}/channels`: move channels and categories in one request.
    pub async fn reorder_channels(
        &self,
        server: ServerId,
        positions: &[ChannelPosition],
    ) -> Result<()> {
        self.patch(&format!("/servers/{server}/channels"), positions)
            .await
    }

    /// `GET /servers/{id}/categories`.
    pub async fn categories(&self, server: ServerId) -> Result<Vec<Category>> {
        self.get(&format!("/servers/{server}/categories")).await
    }

    /// `POST /servers/{id}/categories`.
    pub async fn create_category(
        &self,
        server: ServerId,
        request: &CreateCategory,
    ) -> Result<Category> {
        self.post(&format!("/servers/{server}/categories"), request)
            .await
    }

    /// `DELETE /servers/{id}/categories/{category_id}`.
    pub async fn delete_category(&self, server: ServerId, category: CategoryId) -> Result<()> {
        self.delete(&format!("/servers/{server}/categories/{category}"))
            .await
    }

    /// `GET /servers/{id}/presences`.
    pub async fn presences(&self, server: ServerId) -> Result<Vec<Presence>> {
        self.get(&format!("/servers/{server}/presences")).await
    }

    /// `GET /servers/{id}/messages/search`.
    pub async fn search_messages(
        &self,
        server: ServerId,
        query: &SearchQuery,
    ) -> Result<SearchResults> {
        self.search(&format!("/servers/{server}/messages/search"), query)
            .await
    }

    /// `GET /users/@me/messages/search`: the caller's DMs and group DMs.
    pub async fn search_private_messages(&self, query: &SearchQuery) -> Result<SearchResults> {
        self.search("/users/@me/messages/search", query).await
    }

    async fn search(&self, path: &str, query: &SearchQuery) -> Result<SearchResults> {
        if query.q.trim().is_empty() {
            return Err(Error::validation("q", "must not be empty"));
        }
        let mut params = vec![("q", query.q.clone())];
        let ids = [
            ("channel_id", query.channel_id.map(|c| c.to_string())),
            ("author_id", query.author_id.map(|a| a.to_string())),
        ];
        params.extend(ids.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
        params.extend(query.has.clone().map(|h| ("has", h)));
        params.extend(query.sort.clone().map(|s| ("sort", s)));
        params.extend(query.limit.map(|l| ("limit", l.to_string())));
        params.extend(query.offset.map(|o| ("offset", o.to_string())));
        params.extend(query.before.map(|t| ("before", t.to_rfc3339())));
        params.extend(query.after.map(|t| ("after", t.to_rfc3339())));
        self.send::<(), _>(reqwest::Method::GET, path, &params, None)
            .await
    }

    /// `GET /servers/{id}/members`.
    pub async fn members(
        &self,
        server: ServerId,
        after: Option<UserId>,
        limit: usize,
    ) -> Result<Vec<Member>> {
        if !(1..=1000).contains(&limit) {
            return Err(Error::validation("limit", "must be 1 to 1000"));
        }
        let mut params = vec![("limit", limit.to_string())];
        params.extend(after.map(|a| ("after", a.to_string())));
        self.send::<(), _>(
            reqwest::Method::GET,
            &format!("/servers/{server}/members"),
            &params,
            None,
        )
        .await
    }

    /// `POST /servers/{id}/members`: join a public server, or with an invite code.
    pub async fn join_server(&self, server: ServerId, invite_code: Option<&str>) -> Result<Server> {
        self.post(
            &format!("/servers/{server}/members"),
            &json!({ "invite_code": invite_code }),
        )
        .await
    }

    /// `GET /servers/{id}/members/{user_id}`.
    pub async fn member(&self, server: ServerId, user: UserId) -> Result<Member> {
        self.get(&format!("/servers/{server}/members/{user}")).await
    }

    /// `PATCH /servers/{id}/members/{user_id}`.
    pub async fn update_member(
        &self,
        server: ServerId,
        user: UserId,
        update: &UpdateMember,
    ) -> Result<Member> {
        self.patch(&format!("/servers/{server}/members/{user}"), update)
            .await
    }

    /// `DELETE /servers/{id}/members/{user_id}?reason=`: kick, with a reason the member sees.
    pub async fn kick_member(&self, server: ServerId, user: UserId, reason: &str) -> Result<()> {
        let path = format!("/servers/{server}/members/{user}");
        let query = [("reason", reason.to_owned())];
        self.send::<(), serde_json::Value>(reqwest::Method::DELETE, &path, &query, None)
            .await
            .map(drop)
    }

    /// `DELETE /servers/{id}/members/@me`: leave.
    pub async fn leave_server(&self, server: ServerId) -> Result<()> {
        self.delete(&format!("/servers/{server}/members/@me")).await
    }

    /// `PUT /servers/{id}/members/{user_id}/roles/{role_id}`.
    pub async fn add_member_role(
        &self,
        server: ServerId,
        user: UserId,
        role: RoleId,
    ) -> Result<Member> {
        self.put(&format!("/servers/{server}/members/{user}/roles/{role}"))
            .await
    }

    /// `DELETE /servers/{id}/members/{user_id}/roles/{role_id}`.
    pub async fn remove_member_role(
        &self,
        server: ServerId,
        user: UserId,
        role: RoleId,
    ) -> Result<()> {
        self.delete(&format!("/servers/{server}/members/{user}/roles/{role}"))
            .await
    }

    /// `GET /servers/{id}/bans`.
    pub async fn bans(&self, server: ServerId) -> Result<Vec<Ban>> {
        self.get(&format!("/servers/{server}/bans")).await
    }

    /// `PUT /servers/{id}/bans/{user_id}` with a reason.
    pub async fn ban_member(&self, server: ServerId, user: UserId, reason: &str) -> Result<Ban> {
        self.ban_member_deleting(server, user, reason, 0).await
    }

    /// `PUT /servers/{id}/bans/{user_id}` that also deletes the user's messages of the last
    /// `delete_message_seconds` (up to 7 days) in the server.
    pub async fn ban_member_deleting(
        &self,
        server: ServerId,
        user: UserId,
        reason: &str,
        delete_message_seconds: u32,
    ) -> Result<Ban> {
        let body = json!({ "reason": reason, "delete_message_seconds": delete_message_seconds });
        self.send(
            reqwest::Method::PUT,
            &format!("/servers/{server}/bans/{user}"),
            &[],
            Some(&body),
        )
        .await
    }

    /// `PATCH /servers/{id}/members/{user_id}` with `communication_disabled_until`: times a
    /// member out until then (`None` ends it; MODERATE_MEMBERS).
    pub async fn timeout_member(
        &self,
        server: ServerId,
        user: UserId,
        until: Option<Timestamp>,
    ) -> Result<Member> {
        let update = UpdateMember {
            communication_disabled_until: Some(until),
            ..UpdateMember::default()
        };
        self.update_member(server, user, &update).await
    }

    /// `GET /servers/{id}/audit-logs`: newest first, filtered (VIEW_AUDIT_LOG).
    pub async fn audit_log(
        &self,
        server: ServerId,
        query: &AuditLogQuery,
    ) -> Result<Vec<AuditLogEntry>> {
        let mut params = Vec::new();
        if let Some(user) = query.user_id {
            params.push(("user_id", user.to_string()));
        }
        if let Some(action) = query.action_type {
            let name = serde_json::to_value(action)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            params.push(("action_type", name));
        }
        if let Some(before) = query.before {
            params.push(("before", before.to_string()));
        }
        if let Some(limit) = query.limit {
            params.push(("limit", limit.to_string()));
        }
        let path = format!("/servers/{server}/audit-logs");
        self.send::<(), _>(reqwest::Method::GET, &path, &params, None)
            .await
    }

    /// `DELETE /servers/{id}/bans/{user_id}`.
    pub async fn unban_member(&self, server: ServerId, user: UserId) -> Result<()> {
        self.delete(&format!("/servers/{server}/bans/{user}")).await
    }

    /// `GET /servers/{id}/roles`.
    pub async fn roles(&self, server: ServerId) -> Result<Vec<Role>> {
        self.get(&format!("/servers/{server}/roles")).await
    }

    /// `POST /servers/{id}/roles`.
    pub async fn create_role(&self, server: ServerId, request: &CreateRole) -> Result<Role> {
        self.post(&format!("/servers/{server}/roles"), request)
            .await
    }

    /// `PATCH /servers/{id}/roles/{role_id}`.
    pub async fn update_role(
        &self,
        server: ServerId,
        role: RoleId,
        update: &UpdateRole,
    ) -> Result<Role> {
        self.patch(&format!("/servers/{server}/roles/{role}"), update)
            .await
    }

    /// `DELETE /servers/{id}/roles/{role_id}`.
    pub async fn delete_role(&self, server: ServerId, role: RoleId) -> Result<()> {
        self.delete(&format!("/servers/{server}/roles/{role}"))
            .await
    }

    /// `POST /servers/{id}/invites`.
    pub async fn create_invite(&self, server: ServerId, request: &CreateInvite) -> Result<Invite> {
        self.post(&format!("/servers/{server}/invites"), request)
            .await
    }

    /// `GET /servers/{id}/invites`.
    pub async fn invites(&self, server: ServerId) -> Result<Vec<Invite>> {
        self.get(&format!("/servers/{server}/invites")).await
    }

    /// `GET /invites/{code}`: the invite and its server; needs no token.
    pub async fn invite(&self, code: &str) -> Result<InvitePreview> {
        self.get(&format!("/invites/{}", segment(code))).await
    }

    /// `POST /invites/{code}`.
    pub async fn accept_invite(&self, code: &str) -> Result<Server> {
        self.post(&format!("/invites/{}", segment(code)), &json!({}))
            .await
    }

    /// `DELETE /invites/{code}`.
    pub async fn delete_invite(&self, code: &str) -> Result<()> {
        self.delete(&format!("/invites/{}", segment(code))).await
    }

    /// `GET /channels/{id}`.
    pub async fn channel(&self, channel: ChannelId) -> Result<Channel> {
        self.get(&format!("/channels/{channel}")).await
    }

    /// `PATCH /channels/{id}`.
    pub async fn update_channel(
        &self,
        channel: ChannelId,
        update: &UpdateChannel,
    ) -> Result<Channel> {
        self.patch(&format!("/channels/{channel}"), update).await
    }

    /// `DELETE /channels/{id}`.
    pub async fn delete_channel(&self, channel: ChannelId) -> Result<()> {
        self.delete(&format!("/channels/{channel}")).await
    }

    /// `PUT /channels/{id}/permissions/{target_id}`.
    pub async fn set_permission_overwrite(
        &self,
        channel: ChannelId,
        target: ulid::Ulid,
        kind: OverwriteType,
        allow: Permissions,
        deny: Permissions,
    ) -> Result<Channel> {
        let body = json!({ "type": kind, "allow": allow, "deny": deny });
        self.send(
            reqwest::Method::PUT,
            &format!("/channels/{channel}/permissions/{target}"),
            &[],
            Some(&body),
        )
        .await
    }

    /// `DELETE /channels/{id}/permissions/{target_id}`.
    pub async fn delete_permission_overwrite(
        &self,
        channel: ChannelId,
        target: ulid::Ulid,
    ) -> Result<()> {
        self.delete(&format!("/channels/{channel}/permissions/{target}"))
            .await
    }

    /// `POST /channels/{id}/typing`.
    pub async fn trigger_typing(&self, channel: ChannelId) -> Result<()> {
        self.post(&format!("/channels/{channel}/typing"), &json!({}))
            .await
    }

    /// `POST /channels/{id}/threads`.
    pub async fn create_thread(
        &self,
        channel: ChannelId,
        request: &CreateThread,
    ) -> Result<Channel> {
        self.post(&format!("/channels/{channel}/threads"), request)
            .await
    }

    /// `POST /channels/{id}/messages/{message_id}/threads`: start a thread from a message;
    /// `auto_archive_duration` in minutes (60, 1440, 4320 or 10080; a day by default).
    pub async fn start_thread(
        &self,
        channel: ChannelId,
        message: MessageId,
        name: &str,
        auto_archive_duration: Option<u32>,
    ) -> Result<Channel> {
        let body = StartThread {
            auto_archive_duration,
            name: name.to_owned(),
        };
        self.post(
            &format!("/channels/{channel}/messages/{message}/threads"),
            &body,
        )
        .await
    }

    /// `GET /channels/{id}/threads/archived`: a channel's archived threads.
    pub async fn archived_threads(&self, channel: ChannelId) -> Result<Vec<Channel>> {
        self.get(&format!("/channels/{channel}/threads/archived"))
            .await
    }

    /// `GET /channels/{id}/thread-members`.
    pub async fn thread_members(&self, thread: ChannelId) -> Result<Vec<UserId>> {
        self.get(&format!("/channels/{thread}/thread-members"))
            .await
    }

    /// `PUT /channels/{id}/thread-members/@me`.
    pub async fn join_thread(&self, thread: ChannelId) -> Result<()> {
        self.put(&format!("/channels/{thread}/thread-members/@me"))
            .await
    }

    /// `DELETE /channels/{id}/thread-members/@me`.
    pub async fn leave_thread(&self, thread: ChannelId) -> Result<()> {
        self.delete(&format!("/channels/{thread}/thread-members/@me"))
            .await
    }

    /// `GET /channels/{id}/messages/{message_id}`.
    pub async fn message(&self, channel: ChannelId, message: MessageId) -> Result<Message> {
        self.get(&format!("/channels/{channel}/messages/{message}"))
            .await
    }

    /// `PATCH /channels/{id}/messages/{message_id}`.
    pub async fn edit_message(
        &self,
        channel: ChannelId,
        message: MessageId,
        content: &str,
    ) -> Result<Message> {
        crate::messages::check_content(content)?;
        self.patch(
            &format!("/channels/{channel}/messages/{message}"),
            &EditMessage {
                content: content.into(),
            },
        )
        .await
    }

    /// `POST /channels/{id}/messages/bulk-delete`: 2 to 100 messages (MANAGE_MESSAGES).
    pub async fn bulk_delete_messages(
        &self,
        channel: ChannelId,
        messages: Vec<MessageId>,
    ) -> Result<()> {
        let path = format!("/channels/{channel}/messages/bulk-delete");
        let body = BulkDelete { messages };
        self.send::<_, serde_json::Value>(reqwest::Method::POST, &path, &[], Some(&body))
            .await
            .map(drop)
    }

    /// `DELETE /channels/{id}/messages/{message_id}`.
    pub async fn delete_message(&self, channel: ChannelId, message: MessageId) -> Result<()> {
        self.delete(&format!("/channels/{channel}/messages/{message}"))
            .await
    }

    /// `GET /channels/{id}/messages/{message_id}/edits`.
    pub async fn message_edits(
        &self,
        channel: ChannelId,
        message: MessageId,
    ) -> Result<Vec<MessageEdit>> {
        self.get(&format!("/channels/{channel}/messages/{message}/edits"))
            .await
    }

    /// `POST /channels/{id}/messages/{message_id}/ack`.
    pub async fn ack_message(&self, channel: ChannelId, message: MessageId) -> Result<ReadState> {
        self.post(
            &format!("/channels/{channel}/messages/{message}/ack"),
            &json!({}),
        )
        .await
    }

    /// `GET /channels/{id}/pins`.
    pub async fn pins(&self, channel: ChannelId) -> Result<Vec<Message>> {
        self.get(&format!("/channels/{channel}/pins")).await
    }

    /// `PUT /channels/{id}/pins/{message_id}`.
    pub async fn pin_message(&self, channel: ChannelId, message: MessageId) -> Result<Message> {
        self.put(&format!("/channels/{channel}/pins/{message}"))
            .await
    }

    /// `DELETE /channels/{id}/pins/{message_id}`.
    pub async fn unpin_message(&self, channel: ChannelId, message: MessageId) -> Result<()> {
        self.delete(&format!("/channels/{channel}/pins/{message}"))
            .await
    }

    /// `PUT /channels/{id}/messages/{message_id}/reactions/{emoji}/@me`.
    pub async fn add_reaction(
        &self,
        channel: ChannelId,
        message: MessageId,
        emoji: &str,
    ) -> Result<()> {
        self.put(&format!(
            "/channels/{channel}/messages/{message}/reactions/{}/@me",
            segment(emoji)
        ))
        .await
    }

    /// `DELETE /channels/{id}/messages/{message_id}/reactions/{emoji}/@me`.
    pub async fn remove_reaction(
        &self,
        channel: ChannelId,
        message: MessageId,
        emoji: &str,
    ) -> Result<()> {
        self.delete(&format!(
            "/channels/{channel}/messages/{message}/reactions/{}/@me",
            segment(emoji)
        ))
        .await
    }

    /// `DELETE /channels/{id}/messages/{message_id}/reactions/{emoji}/{user_id}`.
    pub async fn remove_user_reaction(
        &self,
        channel: ChannelId,
        message: MessageId,
        emoji: &str,
        user: UserId,
    ) -> Result<()> {
        self.delete(&format!(
            "/channels/{channel}/messages/{message}/reactions/{}/{user}",
            segment(emoji)
        ))
        .await
    }

    /// `GET /channels/{id}/messages/{message_id}/reactions/{emoji}`.
    pub async fn reaction_users(
        &self,
        channel: ChannelId,
        message: MessageId,
        emoji: &str,
    ) -> Result<Vec<User>> {
        self.get(&format!(
            "/channels/{channel}/messages/{message}/reactions/{}",
            segment(emoji)
        ))
        .await
    }
}
