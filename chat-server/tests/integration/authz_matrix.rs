//! The authorization matrix: every route of the OpenAPI document (which the route table
//! writes) against every kind of caller, each answer compared with what the permission model
//! says. Allowed is a 2xx; refused is a 401 without valid credentials, else a 403 or a 404
//! (DESIGN.md), and a refused write changes nothing the owner can read.
//!
//! `MATRIX` is the one place that says who may do what: one line per route with its `Rule`.
//! `allowed` turns a rule into each caller's expected answer. A route missing from `MATRIX`,
//! or a line naming no route, fails the test.

use std::collections::BTreeSet;

use chat_engine::Engine;
use chat_engine::model::Permissions;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Api, PASSWORD, TestServer, test_config};

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// The server's owner.
    Owner,
    /// A member holding the route's permission through a role.
    Granted,
    /// A member with only @everyone.
    Member,
    /// A member holding the permission through a role, which the fixture channel's overwrite
    /// for them denies.
    Denied,
    /// Someone who is not in the server.
    Outsider,
    /// Someone banned from the server.
    Banned,
    /// No token at all.
    Anonymous,
    /// A token signed by the server whose time is up.
    Expired,
    /// A token of a session that logged out.
    Revoked,
}

const EVERYONE: [Who; 9] = [
    Who::Owner,
    Who::Granted,
    Who::Member,
    Who::Denied,
    Who::Outsider,
    Who::Banned,
    Who::Anonymous,
    Who::Expired,
    Who::Revoked,
];

/// What a route needs.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// Nothing: no token needed.
    Public,
    /// Any valid token.
    Token,
    /// A valid token of someone not banned from the server.
    NotBanned,
    /// Membership of the server.
    Member,
    /// A server-wide permission.
    Server(Permissions),
    /// A permission in the fixture channel (which the `Denied` caller's overwrite takes away).
    Channel(Permissions),
    /// Being the message's author (the owner wrote it).
    Author,
    /// Being the author, or holding the permission in the channel.
    AuthorOr(Permissions),
    /// Owning the server.
    Owner,
    /// Administering the instance (none of the callers does).
    InstanceAdmin,
}

use Rule::{
    Author, AuthorOr, Channel, InstanceAdmin, Member, NotBanned, Owner, Public, Server, Token,
};

const VIEW: Permissions = Permissions::VIEW_CHANNEL;
const SEND: Permissions = Permissions::SEND_MESSAGES;
const MANAGE_MESSAGES: Permissions = Permissions::MANAGE_MESSAGES;
const MANAGE_CHANNELS: Permissions = Permissions::MANAGE_CHANNELS;
const MANAGE_SERVER: Permissions = Permissions::MANAGE_SERVER;
const MANAGE_ROLES: Permissions = Permissions::MANAGE_ROLES;

/// Every route and what it needs.
const MATRIX: &[(&str, &str, Rule)] = &[
    ("post", "/auth/register", Public),
    ("post", "/auth/login", Public),
    ("post", "/auth/refresh", Public),
    ("post", "/auth/logout", Token),
    ("get", "/auth/me", Token),
    ("patch", "/auth/me", Token),
    ("post", "/bots", Token),
    // Account security; each caller acts on its own account. TOTP is turned on and off again
    // in the rows below, so that the routes after them log in with one step.
    ("post", "/auth/password", Token),
    ("get", "/auth/sessions", Token),
    ("delete", "/auth/sessions/{session_id}", Token),
    ("delete", "/auth/sessions", Token),
    ("post", "/auth/mfa/totp", Public),
    ("post", "/auth/mfa/totp/enable", Token),
    ("post", "/auth/mfa/totp/confirm", Token),
    ("post", "/auth/mfa/totp/disable", Token),
    ("get", "/gateway", Public),
    ("get", "/discovery/servers", Public),
    ("get", "/servers", Token),
    ("post", "/servers", Token),
    ("get", "/servers/{server_id}", Member),
    ("patch", "/servers/{server_id}", Server(MANAGE_SERVER)),
    ("delete", "/servers/{server_id}", Owner),
    ("get", "/servers/{server_id}/channels", Member),
    (
        "post",
        "/servers/{server_id}/channels",
        Server(MANAGE_CHANNELS),
    ),
    ("get", "/servers/{server_id}/categories", Member),
    (
        "post",
        "/servers/{server_id}/categories",
        Server(MANAGE_CHANNELS),
    ),
    (
        "delete",
        "/servers/{server_id}/categories/{category_id}",
        Server(MANAGE_CHANNELS),
    ),
    ("get", "/servers/{server_id}/presences", Member),
    ("get", "/servers/{server_id}/messages/search", Member),
    ("get", "/servers/{server_id}/roles", Member),
    ("post", "/servers/{server_id}/roles", Server(MANAGE_ROLES)),
    (
        "patch",
        "/servers/{server_id}/roles/{role_id}",
        Server(MANAGE_ROLES),
    ),
    (
        "delete",
        "/servers/{server_id}/roles/{role_id}",
        Server(MANAGE_ROLES),
    ),
    (
        "patch",
        "/servers/{server_id}/categories/{category_id}",
        Server(MANAGE_CHANNELS),
    ),
    (
        "patch",
        "/servers/{server_id}/channels",
        Server(MANAGE_CHANNELS),
    ),
    ("get", "/servers/{server_id}/permissions", Member),
    ("get", "/servers/{server_id}/members", Member),
    ("post", "/servers/{server_id}/members", NotBanned),
    ("get", "/servers/{server_id}/members/{user_id}", Member),
    (
        "patch",
        "/servers/{server_id}/members/{user_id}",
        Server(Permissions::MANAGE_NICKNAMES),
    ),
    (
        "get",
        "/servers/{server_id}/audit-logs",
        Server(Permissions::VIEW_AUDIT_LOG),
    ),
    (
        "delete",
        "/servers/{server_id}/members/{user_id}",
        Server(Permissions::KICK_MEMBERS),
    ),
    (
        "put",
        "/servers/{server_id}/members/{user_id}/roles/{role_id}",
        Server(MANAGE_ROLES),
    ),
    (
        "delete",
        "/servers/{server_id}/members/{user_id}/roles/{role_id}",
        Server(MANAGE_ROLES),
    ),
    (
        "get",
        "/servers/{server_id}/bans",
        Server(Permissions::BAN_MEMBERS),
    ),
    (
        "put",
        "/servers/{server_id}/bans/{user_id}",
        Server(Permissions::BAN_MEMBERS),
    ),
    (
        "delete",
        "/servers/{server_id}/bans/{user_id}",
        Server(Permissions::BAN_MEMBERS),
    ),
    (
        "post",
        "/servers/{server_id}/invites",
        Server(Permissions::CREATE_INVITE),
    ),
    ("get", "/servers/{server_id}/invites", Server(MANAGE_SERVER)),
    ("get", "/invites/{code}", Public),
    ("post", "/invites/{code}", NotBanned),
    ("delete", "/invites/{code}", Server(MANAGE_SERVER)),
    ("get", "/channels/{channel_id}", Channel(VIEW)),
    ("patch", "/channels/{channel_id}", Channel(MANAGE_CHANNELS)),
    ("delete", "/channels/{channel_id}", Channel(MANAGE_CHANNELS)),
    (
        "put",
        "/channels/{channel_id}/permissions/{target_id}",
        Channel(MANAGE_CHANNELS),
    ),
    (
        "delete",
        "/channels/{channel_id}/permissions/{target_id}",
        Channel(MANAGE_CHANNELS),
    ),
    ("post", "/channels/{channel_id}/typing", Channel(SEND)),
    ("get", "/channels/{channel_id}/messages", Channel(VIEW)),
    ("post", "/channels/{channel_id}/messages", Channel(SEND)),
    (
        "get",
        "/channels/{channel_id}/messages/{message_id}",
        Channel(VIEW),
    ),
    (
        "patch",
        "/channels/{channel_id}/messages/{message_id}",
        Author,
    ),
    (
        "delete",
        "/channels/{channel_id}/messages/{message_id}",
        AuthorOr(MANAGE_MESSAGES),
    ),
    (
        "post",
        "/channels/{channel_id}/messages/bulk-delete",
        Channel(MANAGE_MESSAGES),
    ),
    (
        "get",
        "/channels/{channel_id}/messages/{message_id}/edits",
        Channel(VIEW),
    ),
    (
        "post",
        "/channels/{channel_id}/messages/{message_id}/ack",
        Channel(VIEW),
    ),
    ("get", "/channels/{channel_id}/pins", Channel(VIEW)),
    ("get", "/channels/{channel_id}/receipts", Channel(VIEW)),
    (
        "put",
        "/channels/{channel_id}/pins/{message_id}",
        Channel(MANAGE_MESSAGES),
    ),
    (
        "delete",
        "/channels/{channel_id}/pins/{message_id}",
        Channel(MANAGE_MESSAGES),
    ),
    (
        "put",
        "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
        Channel(Permissions::ADD_REACTIONS),
    ),
    (
        "delete",
        "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
        Channel(VIEW),
    ),
    (
        "delete",
        "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}",
        Channel(MANAGE_MESSAGES),
    ),
    (
        "get",
        "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}",
        Channel(VIEW),
    ),
    ("post", "/channels/{channel_id}/threads", Channel(SEND)),
    (
        "post",
        "/channels/{channel_id}/messages/{message_id}/threads",
        Channel(SEND),
    ),
    (
        "get",
        "/channels/{channel_id}/threads/archived",
        Channel(VIEW),
    ),
    (
        "get",
        "/channels/{channel_id}/thread-members",
        Channel(VIEW),
    ),
    (
        "put",
        "/channels/{channel_id}/thread-members/@me",
        Channel(VIEW),
    ),
    (
        "delete",
        "/channels/{channel_id}/thread-members/@me",
        Channel(VIEW),
    ),
    ("get", "/users/{user_id}", Token),
    ("get", "/admin/servers", InstanceAdmin),
    ("get", "/admin/users", InstanceAdmin),
    ("put", "/admin/users/{user_id}/disabled", InstanceAdmin),
    ("delete", "/admin/users/{user_id}/disabled", InstanceAdmin),
    ("put", "/admin/servers/{server_id}/disabled", InstanceAdmin),
    (
        "delete",
        "/admin/servers/{server_id}/disabled",
        InstanceAdmin,
    ),
    // Every caller asks the target, then cancels: the requests exist when deleted.
    ("get", "/users/@me/relationships", Token),
    ("post", "/users/@me/relationships", Token),
    ("put", "/users/@me/relationships/{user_id}", Token),
    ("delete", "/users/@me/relationships/{user_id}", Token),
    ("put", "/channels/{channel_id}/recipients/{user_id}", Owner),
    (
        "delete",
        "/channels/{channel_id}/recipients/{user_id}",
        Owner,
    ),
    ("get", "/users/@me/channels", Token),
    ("post", "/users/@me/channels", Member),
    ("get", "/users/@me/read-states", Token),
    ("get", "/users/@me/messages/search", Token),
    ("get", "/users/@me/notification-settings", Token),
    (
        "get",
        "/attachments/{channel_id}/{attachment_id}/{filename}",
        Channel(VIEW),
    ),
    (
        "put",
        "/users/@me/notification-settings/servers/{server_id}",
        Member,
    ),
    (
        "put",
        "/users/@me/notification-settings/channels/{channel_id}",
        Channel(VIEW),
    ),
];

/// What the permission model says of `who` under `rule`.
fn allowed(rule: Rule, who: Who) -> bool {
    let authenticated = !matches!(who, Who::Anonymous | Who::Expired | Who::Revoked);
    let member = matches!(who, Who::Owner | Who::Granted | Who::Member | Who::Denied);
    // Server-wide: the owner holds everything; a role grants the route's flag; @everyone
    // grants its defaults.
    let holds = |flag: Permissions| {
        who == Who::Owner
            || (member
                && (Permissions::EVERYONE_DEFAULT.contains(flag)
                    || matches!(who, Who::Granted | Who::Denied)))
    };
    // In the fixture channel, the `Denied` caller's overwrite takes the flag away.
    let holds_in_channel = |flag: Permissions| holds(flag) && who != Who::Denied;
    match rule {
        Public => true,
        Token => authenticated,
        NotBanned => authenticated && who != Who::Banned,
        Member => member,
        Server(flag) => holds(flag),
        Channel(flag) => holds_in_channel(flag),
        Author | Owner => who == Who::Owner,
        InstanceAdmin => false,
        AuthorOr(flag) => who == Who::Owner || holds_in_channel(flag),
    }
}

/// The flag a route's rule is about: what `Granted` holds through a role and what the channel
/// overwrite denies `Denied` (VIEW_CHANNEL when the rule names none).
fn flag_of(rule: Rule) -> Permissions {
    match rule {
        Server(flag) | Channel(flag) | AuthorOr(flag) => flag,
        _ => VIEW,
    }
}

/// The callers' accounts, made once.
struct Callers {
    owner: Api,
    granted: Api,
    member: Api,
    denied: Api,
    outsider: Api,
    banned: Api,
    /// A plain member that routes act on (kicked, renamed, given a role, DMed).
    target: Api,
    expired: String,
    revoked: String,
    /// Each caller's TOTP secret, by token, once the enable row gave it one.
    totp: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

impl Callers {
    /// The username of a caller with an account.
    fn name(who: Who) -> Option<&'static str> {
        Some(match who {
            Who::Owner => "owner",
            Who::Granted => "granted",
            Who::Member => "member",
            Who::Denied => "denied",
            Who::Outsider => "outsider",
            Who::Banned => "banned",
            Who::Anonymous | Who::Expired | Who::Revoked => return None,
        })
    }

    fn token(&self, who: Who) -> Option<&str> {
        let api = match who {
            Who::Owner => &self.owner,
            Who::Granted => &self.granted,
            Who::Member => &self.member,
            Who::Denied => &self.denied,
            Who::Outsider => &self.outsider,
            Who::Banned => &self.banned,
            Who::Anonymous => return None,
            Who::Expired => return Some(&self.expired),
            Who::Revoked => return Some(&self.revoked),
        };
        Some(&api.token)
    }
}

/// A server made for one route's requests, with everything its paths name.
struct Fixture {
    server: String,
    invite_code: String,
    /// An extra invite, to delete.
    invite: String,
    channel: String,
    /// The owner's message in `channel`, with the target's 👍.
    message: String,
    /// A pinned message of `channel` with a thread.
    pinned: String,
    thread: String,
    category: String,
    /// A file of the owner's in `channel`.
    attachment: String,
    /// A role the target holds, below the granted role; it has an overwrite in `channel`.
    role: String,
    /// The owner's group DM with the target.
    group: String,
}

/// The emoji the target reacted with.
const THUMBS_UP: &str = "%F0%9F%91%8D";
/// An emoji nobody used yet: adding it needs ADD_REACTIONS.
const HEART: &str = "%E2%9D%A4";

impl Fixture {
    /// Builds it as the owner; `flag` is what the granted role grants and what the channel
    /// denies the `Denied` caller.
    async fn new(callers: &Callers, flag: Permissions) -> Self {
        let owner = &callers.owner;
        let (server, channel) = owner.server("matrix").await;
        let id = server["id"].as_str().unwrap().to_owned();
        let granted_role = owner
            .ok(
                "POST",
                &format!("/servers/{id}/roles"),
                Some(json!({ "name": "granted", "permissions": flag.bits() })),
            )
            .await;
        let role = owner
            .ok(
                "POST",
                &format!("/servers/{id}/roles"),
                Some(json!({ "name": "target" })),
            )
            .await;
        let (granted_role, role) = (str_of(&granted_role["id"]), str_of(&role["id"]));
        for api in [
            &callers.granted,
            &callers.member,
            &callers.denied,
            &callers.banned,
            &callers.target,
        ] {
            api.join(&server).await;
        }
        for (api, role) in [
            (&callers.granted, &granted_role),
            (&callers.denied, &granted_role),
            (&callers.target, &role),
        ] {
            owner
                .ok(
                    "PUT",
                    &format!("/servers/{id}/members/{}/roles/{role}", api.id),
                    None,
                )
                .await;
        }
        let deny = json!({ "type": "member", "allow": 0, "deny": flag.bits() });
        owner
            .ok(
                "PUT",
                &format!("/channels/{channel}/permissions/{}", callers.denied.id),
                Some(deny),
            )
            .await;
        let role_overwrite =
            json!({ "type": "role", "allow": 0, "deny": Permissions::ATTACH_FILES.bits() });
        owner
            .ok(
                "PUT",
                &format!("/channels/{channel}/permissions/{role}"),
                Some(role_overwrite),
            )
            .await;
        owner
            .ok(
                "PUT",
                &format!("/servers/{id}/bans/{}", callers.banned.id),
                None,
            )
            .await;
        let message = str_of(&owner.say(&channel, "hello matrix").await["id"]);
        callers
            .target
            .ok(
                "PUT",
                &format!("/channels/{channel}/messages/{message}/reactions/{THUMBS_UP}/@me"),
                None,
            )
            .await;
        let pinned = str_of(&owner.say(&channel, "pinned, with a thread").await["id"]);
        owner
            .ok("PUT", &format!("/channels/{channel}/pins/{pinned}"), None)
            .await;
        let thread = owner
            .ok(
                "POST",
                &format!("/channels/{channel}/threads"),
                Some(json!({ "message_id": pinned, "name": "t" })),
            )
            .await;
        let category = owner
            .ok(
                "POST",
                &format!("/servers/{id}/categories"),
                Some(json!({ "name": "cat" })),
            )
            .await;
        let invite = owner
            .ok("POST", &format!("/servers/{id}/invites"), Some(json!({})))
            .await;
        let form = reqwest::multipart::Form::new()
            .text("payload_json", json!({ "content": "a file" }).to_string())
            .part(
                "files[0]",
                reqwest::multipart::Part::bytes(b"some words".to_vec()).file_name("f.txt"),
            );
        let with_file: Value = owner
            .http
            .post(format!("{}/channels/{channel}/messages", owner.base))
            .bearer_auth(&owner.token)
            .multipart(form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let group = owner
            .ok(
                "POST",
                "/users/@me/channels",
                Some(json!({ "recipients": [callers.target.id] })),
            )
            .await;
        Self {
            group: str_of(&group["id"]),
            invite_code: str_of(&server["invite_code"]),
            server: id,
            invite: str_of(&invite["code"]),
            channel,
            message,
            pinned,
            thread: str_of(&thread["id"]),
            category: str_of(&category["id"]),
            attachment: str_of(&with_file["attachments"][0]["id"]),
            role,
        }
    }

    /// The route's path with this fixture's ids (and a query where one is required).
    fn path(&self, method: &str, template: &str, callers: &Callers) -> String {
        let channel = if template.contains("thread-members") {
            &self.thread
        } else if template.contains("/recipients/") {
            &self.group
        } else {
            &self.channel
        };
        let message = if method == "delete" && template.contains("/pins/") {
            &self.pinned
        } else {
            &self.message
        };
        let user = if template.contains("/bans/") && method == "delete" {
            &callers.banned.id
        } else {
            &callers.target.id
        };
        let code = if method == "delete" {
            &self.invite
        } else {
            &self.invite_code
        };
        let mut path = template
            .replace("{server_id}", &self.server)
            .replace("{channel_id}", channel)
            .replace("{message_id}", message)
            .replace("{user_id}", user)
            .replace("{role_id}", &self.role)
            .replace("{target_id}", &self.role)
            .replace("{category_id}", &self.category)
            .replace("{attachment_id}", &self.attachment)
            .replace("{filename}", "f.txt")
            .replace("{code}", code)
            .replace("{emoji}", if method == "put" { HEART } else { THUMBS_UP });
        if template.ends_with("/permissions") {
            path.push_str("?permission=1");
        } else if template.ends_with("/search") {
            path.push_str("?q=hello");
        }
        path
    }

    /// The route's body.
    async fn body(
        &self,
        method: &str,
        template: &str,
        callers: &Callers,
        who: Who,
        server: &TestServer,
    ) -> Option<Value> {
        let unique = || {
            format!(
                "m{}",
                ulid::Ulid::generate()
                    .to_string()
                    .to_lowercase()
                    .get(16..)
                    .unwrap_or_default()
            )
        };
        Some(match (method, template) {
            ("post", "/auth/register") => json!({ "username": unique(), "password": PASSWORD }),
            ("post", "/auth/login") => json!({ "username": "owner", "password": PASSWORD }),
            ("post", "/auth/refresh") => {
                json!({ "refresh_token": server.login("target").await.refresh })
            }
            ("patch", "/auth/me") => json!({ "bio": "matrix" }),
            ("post", "/bots") => json!({ "username": unique() }),
            ("post", "/servers") | ("patch", "/servers/{server_id}") => {
                json!({ "name": "matrix 2" })
            }
            ("post", "/servers/{server_id}/channels" | "/servers/{server_id}/categories") => {
                json!({ "name": "new" })
            }
            ("post", "/servers/{server_id}/roles")
            | ("patch", "/servers/{server_id}/roles/{role_id}") => json!({ "name": "r2" }),
            ("post", "/servers/{server_id}/members") => json!({ "invite_code": self.invite_code }),
            ("patch", "/servers/{server_id}/members/{user_id}") => json!({ "nickname": "renamed" }),
            ("put", "/servers/{server_id}/bans/{user_id}") => json!({ "reason": "matrix" }),
            ("post", "/servers/{server_id}/invites") => json!({}),
            ("patch", "/channels/{channel_id}") => json!({ "topic": "matrix" }),
            ("put", "/channels/{channel_id}/permissions/{target_id}") => {
                json!({ "type": "role", "allow": 0, "deny": SEND.bits() })
            }
            ("post", "/channels/{channel_id}/messages") => json!({ "content": "matrix says hi" }),
            ("post", "/users/@me/relationships") => json!({ "username": "target" }),
            ("patch", "/servers/{server_id}/categories/{category_id}") => {
                json!({ "name": "renamed" })
            }
            ("patch", "/servers/{server_id}/channels") => {
                json!([{ "id": self.channel, "position": 7, "parent_id": self.category }])
            }
            ("post", "/auth/password") => {
                json!({ "current_password": PASSWORD, "new_password": PASSWORD })
            }
            ("post", "/auth/mfa/totp") => two_step_login(server, &unique()).await,
            ("post", "/auth/mfa/totp/confirm") => {
                let secret = match callers.token(who) {
                    Some(token) if Callers::name(who).is_some() => enable_totp(server, token).await,
                    _ => "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned(),
                };
                let code = totp_code(&secret, 0);
                if let Some(token) = callers.token(who) {
                    callers
                        .totp
                        .lock()
                        .unwrap()
                        .insert(token.to_owned(), secret);
                }
                json!({ "code": code })
            }
            ("post", "/auth/mfa/totp/disable") => {
                let secrets = callers.totp.lock().unwrap();
                let secret = callers.token(who).and_then(|t| secrets.get(t));
                json!({ "code": secret.map_or_else(|| "000000".to_owned(), |s| totp_code(s, 1)) })
            }
            ("put", "/users/@me/relationships/{user_id}") => json!({ "type": "friend" }),
            ("post", "/channels/{channel_id}/messages/bulk-delete") => {
                json!({ "messages": [self.message, self.pinned] })
            }
            ("patch", "/channels/{channel_id}/messages/{message_id}") => {
                json!({ "content": "edited" })
            }
            ("post", "/channels/{channel_id}/messages/{message_id}/threads") => {
                json!({ "name": "thread", "auto_archive_duration": 60 })
            }
            ("post", "/channels/{channel_id}/threads") => {
                json!({ "message_id": self.message, "name": "thread" })
            }
            ("post", "/users/@me/channels") => json!({ "recipient_id": callers.target.id }),
            ("put", path) if path.starts_with("/users/@me/notification-settings/") => {
                json!({ "level": "mentions", "muted_until": null })
            }
            _ => return None,
        })
    }

    /// What the owner can read of the server: a refused write must leave all of it unchanged.
    async fn snapshot(&self, owner: &Api) -> Vec<Value> {
        let (s, c, t) = (&self.server, &self.channel, &self.thread);
        let mut seen = Vec::new();
        for path in [
            format!("/servers/{s}"),
            format!("/servers/{s}/channels"),
            format!("/servers/{s}/categories"),
            format!("/servers/{s}/roles"),
            format!("/servers/{s}/members"),
            format!("/servers/{s}/bans"),
            format!("/servers/{s}/invites"),
            format!("/servers/{s}/audit-logs"),
            format!("/channels/{c}/messages"),
            format!("/channels/{c}/pins"),
            format!("/channels/{t}/thread-members"),
        ] {
            seen.push(owner.get(&path).await.1);
        }
        seen
    }
}

/// The code an authenticator app shows `steps` 30-second steps from now for a base32
/// secret: a code works once, so a second one within a step is the next step's (which the
/// server accepts a step early).
pub(crate) fn totp_code(secret: &str, steps: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap()
        .generate(now + 30 * steps)
        .to_string()
}

/// Starts 2FA for the token's user; answers the secret.
async fn enable_totp(server: &TestServer, token: &str) -> String {
    let setup: Value = server
        .http
        .post(server.url("/auth/mfa/totp/enable"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    str_of(&setup["secret"])
}

/// A new user with 2FA on, logged in halfway: the body of the second step.
async fn two_step_login(server: &TestServer, name: &str) -> Value {
    let user = server.user(name).await;
    let secret = enable_totp(server, &user.token).await;
    user.ok(
        "POST",
        "/auth/mfa/totp/confirm",
        Some(json!({ "code": totp_code(&secret, 0) })),
    )
    .await;
    let challenge = user
        .ok(
            "POST",
            "/auth/login",
            Some(json!({ "username": name, "password": PASSWORD })),
        )
        .await;
    json!({ "ticket": challenge["ticket"], "code": totp_code(&secret, 1) })
}

/// A fresh login session of the caller (of the owner for those without an account), to
/// revoke.
async fn session_to_revoke(server: &TestServer, who: Who) -> String {
    let api = server.login(Callers::name(who).unwrap_or("owner")).await;
    let sessions = api.ok("GET", "/auth/sessions", None).await;
    let current = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap();
    str_of(&current["id"])
}

fn str_of(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
        .to_owned()
}

/// A token this server signed for the owner whose expiry has passed.
fn expired_token(secret: &[u8], user: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({ "sub": user, "sid": ulid::Ulid::generate().to_string(), "iat": now - 3600, "exp": now - 60 });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .unwrap()
}

async fn send(
    server: &TestServer,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let mut request = server.http.request(method, server.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn every_route_answers_every_caller_as_the_permission_model_says() {
    const SECRET: &[u8] = b"the matrix test's token secret";
    let engine = Engine::builder().jwt_secret(SECRET).open().await.unwrap();
    let server = TestServer::with(engine, test_config()).await;

    // The route table, read back from the document it writes.
    let doc: Value = server
        .http
        .get(server.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            let path = path.trim_start_matches("/api/v1").to_owned();
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    let listed: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(
        documented.difference(&listed).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routes with no line in MATRIX"
    );
    assert_eq!(
        listed.difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "MATRIX lines naming no route"
    );

    let owner = server.user("owner").await;
    let revoked = server.login("owner").await;
    revoked.ok("POST", "/auth/logout", None).await;
    let callers = Callers {
        expired: expired_token(SECRET, &owner.id),
        revoked: revoked.token,
        owner,
        granted: server.user("granted").await,
        member: server.user("member").await,
        denied: server.user("denied").await,
        outsider: server.user("outsider").await,
        banned: server.user("banned").await,
        target: server.user("target").await,
        totp: std::sync::Mutex::default(),
    };

    let mut failures = Vec::new();
    let mut checked = 0;
    for &(method, template, rule) in MATRIX {
        let flag = flag_of(rule);
        // Refused callers share one fixture, which they must leave as it was; each allowed
        // caller gets a fresh one, since what it does (a delete, a ban) may not repeat.
        let shared = Fixture::new(&callers, flag).await;
        for who in EVERYONE {
            let expected = allowed(rule, who);
            let fresh;
            let fixture = if expected {
                fresh = Fixture::new(&callers, flag).await;
                &fresh
            } else {
                &shared
            };
            let mut path = fixture.path(method, template, &callers);
            if template == "/auth/sessions/{session_id}" {
                path = format!("/auth/sessions/{}", session_to_revoke(&server, who).await);
            }
            let body = fixture.body(method, template, &callers, who, &server).await;
            // Logging out ends the session: it gets a session of its own.
            let own_session;
            let token = if template == "/auth/logout" && expected {
                own_session = server.login("member").await.token;
                Some(own_session.as_str())
            } else {
                callers.token(who)
            };
            let before = if expected || method == "get" {
                Vec::new()
            } else {
                fixture.snapshot(&callers.owner).await
            };
            let (status, answer) = send(&server, token, method, &path, body).await;
            checked += 1;
            let verdict = if expected {
                status.is_success()
            } else if token.is_none() || matches!(who, Who::Expired | Who::Revoked) {
                status == StatusCode::UNAUTHORIZED
            } else {
                status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND
            };
            // The outsider stays in no server, so that it never shares one with the target.
            if who == Who::Outsider && expected {
                callers
                    .outsider
                    .call(
                        "DELETE",
                        &format!("/servers/{}/members/@me", fixture.server),
                        None,
                    )
                    .await;
            }
            if !verdict {
                failures.push(format!(
                    "{method} {template} as {who:?}: expected {}, got {status} {answer}",
                    if expected { "2xx" } else { "a refusal" }
                ));
            }
            if !expected && method != "get" && fixture.snapshot(&callers.owner).await != before {
                failures.push(format!(
                    "{method} {template} as {who:?} was refused but changed stored data"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} answers differ from the model:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(checked, MATRIX.len() * EVERYONE.len());
    server.stop().await;
}
