//! `TestHarness`: an engine on memory or on redb in a temp dir, and scenario helpers.

use chat_engine::id::{ChannelId, ServerId, UserId};
use chat_engine::model::{
    CreateMessage, CreateRole, CreateServer, Message, Permissions, RegisterRequest, Server,
};
use chat_engine::{Engine, Error, ErrorCode};

/// A 1×1 PNG.
pub(crate) const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

pub(crate) const PASSWORD: &str = "correct horse battery";

pub(crate) struct TestHarness {
    pub(crate) engine: Engine,
    pub(crate) dir: Option<tempfile::TempDir>,
}

impl TestHarness {
    /// An engine on the in-memory store.
    pub(crate) async fn new() -> Self {
        Self {
            engine: Engine::in_memory().await.unwrap(),
            dir: None,
        }
    }

    /// An engine on redb in a fresh temp dir.
    pub(crate) async fn durable() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(dir.path()).await.unwrap();
        Self {
            engine,
            dir: Some(dir),
        }
    }

    /// Closes the engine and opens it again on the same directory.
    pub(crate) async fn reopen(self) -> Self {
        let dir = self.dir.expect("only durable harnesses reopen");
        drop(self.engine);
        let engine = Engine::open(dir.path()).await.unwrap();
        Self {
            engine,
            dir: Some(dir),
        }
    }

    pub(crate) async fn new_user(&self, name: &str) -> UserId {
        self.engine
            .register(RegisterRequest {
                username: name.into(),
                password: PASSWORD.into(),
                email: None,
            })
            .await
            .unwrap()
            .user
            .id
    }

    pub(crate) async fn new_server(&self, owner: UserId) -> Server {
        self.engine
            .create_server(
                owner,
                CreateServer {
                    name: "test server".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
    }

    /// Joins `user` to `server` with the server's permanent invite.
    pub(crate) async fn join(&self, server: &Server, user: UserId) {
        self.engine
            .accept_invite(user, &server.invite_code)
            .await
            .unwrap();
    }

    /// A server owned by a new user, with a second member; returns (server, #general, owner, member).
    pub(crate) async fn scene(&self) -> (Server, ChannelId, UserId, UserId) {
        let owner = self.new_user("owner").await;
        let member = self.new_user("member").await;
        let server = self.new_server(owner).await;
        self.join(&server, member).await;
        let general = server.system_channel_id.unwrap();
        (server, general, owner, member)
    }

    /// Gives `user` a new role granting `permissions`, ranked above plain members.
    pub(crate) async fn grant(&self, server: &Server, user: UserId, permissions: Permissions) {
        let request = CreateRole {
            name: "granted".into(),
            permissions,
            ..Default::default()
        };
        let role = self
            .engine
            .create_role(server.owner_id, server.id, request)
            .await
            .unwrap();
        self.engine
            .add_member_role(server.owner_id, server.id, user, role.id)
            .await
            .unwrap();
    }

    /// A new member of `server` holding `permissions` through a role of their own.
    pub(crate) async fn member_with(
        &self,
        server: &Server,
        name: &str,
        permissions: Permissions,
    ) -> UserId {
        let user = self.new_user(name).await;
        self.join(server, user).await;
        self.grant(server, user, permissions).await;
        user
    }

    pub(crate) async fn say(&self, user: UserId, channel: ChannelId, text: &str) -> Message {
        self.engine
            .send_message(
                user,
                channel,
                CreateMessage {
                    content: text.into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
    }

    /// Messages of a channel as `user` sees them, oldest first.
    pub(crate) fn history(&self, user: UserId, channel: ChannelId) -> Vec<Message> {
        let query = chat_engine::model::HistoryQuery {
            limit: Some(100),
            ..Default::default()
        };
        let mut page = self.engine.list_messages(user, channel, query).unwrap();
        page.reverse();
        page
    }

    pub(crate) fn server_of(&self, user: UserId, id: ServerId) -> Server {
        self.engine.fetch_server(user, id).unwrap()
    }
}

/// Asserts an error has the expected code.
#[track_caller]
pub(crate) fn assert_code<T: std::fmt::Debug>(result: Result<T, Error>, code: ErrorCode) {
    match result {
        Err(e) => assert_eq!(e.code(), code, "unexpected error {e:?}"),
        Ok(v) => panic!("expected {code}, got Ok({v:?})"),
    }
}
