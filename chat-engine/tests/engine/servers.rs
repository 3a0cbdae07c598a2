use chat_engine::ErrorCode;
use chat_engine::model::{ChannelType, CreateCategory, CreateServer, Permissions, UpdateServer};

use crate::harness::{TestHarness, assert_code};

#[tokio::test]
async fn a_new_server_has_everyone_general_and_its_owner() {
    let h = TestHarness::new().await;
    let owner = h.new_user("owner").await;
    let server = h.new_server(owner).await;
    assert_eq!(server.owner_id, owner);
    assert_eq!(server.member_count, 1);
    let roles = h.engine.list_roles(owner, server.id).unwrap();
    assert_eq!(roles.len(), 1);
    assert!(roles[0].is_default);
    assert_eq!(roles[0].id, server.id.cast());
    assert_eq!(roles[0].permissions, Permissions::EVERYONE_DEFAULT);
    let channels = h.engine.list_channels(owner, server.id).unwrap();
    assert_eq!(channels.len(), 1);
    assert_eq!(channels[0].name, "general");
    assert_eq!(channels[0].kind, ChannelType::Text);
    assert_eq!(server.system_channel_id, Some(channels[0].id));
    assert_eq!(h.engine.list_servers(owner).unwrap(), vec![server.clone()]);
    assert!(h.engine.fetch_invite(&server.invite_code).is_ok());
}

#[tokio::test]
async fn bad_server_input_is_refused() {
    let h = TestHarness::new().await;
    let owner = h.new_user("owner").await;
    for name in ["", "   ", &"n".repeat(101)] {
        let request = CreateServer {
            name: name.into(),
            ..Default::default()
        };
        assert_code(
            h.engine.create_server(owner, request).await,
            ErrorCode::Validation,
        );
    }
    assert!(h.engine.list_servers(owner).unwrap().is_empty());
}

#[tokio::test]
async fn only_managers_update_and_only_the_owner_deletes() {
    let h = TestHarness::new().await;
    let (server, _, owner, member) = h.scene().await;
    let rename = || UpdateServer {
        name: Some("renamed".into()),
        ..Default::default()
    };
    assert_code(
        h.engine.update_server(member, server.id, rename()).await,
        ErrorCode::MissingPermissions,
    );
    assert_eq!(h.server_of(owner, server.id).name, "test server");
    let updated = h
        .engine
        .update_server(owner, server.id, rename())
        .await
        .unwrap();
    assert_eq!(updated.name, "renamed");
    let bad = UpdateServer {
        name: Some(String::new()),
        ..Default::default()
    };
    assert_code(
        h.engine.update_server(owner, server.id, bad).await,
        ErrorCode::Validation,
    );

    assert_code(
        h.engine.delete_server(member, server.id).await,
        ErrorCode::Forbidden,
    );
    h.engine.delete_server(owner, server.id).await.unwrap();
    assert_code(h.engine.fetch_server(owner, server.id), ErrorCode::NotFound);
    assert!(h.engine.list_servers(member).unwrap().is_empty());
}

#[tokio::test]
async fn outsiders_cannot_see_private_servers() {
    let h = TestHarness::new().await;
    let (server, general, _, _) = h.scene().await;
    let outsider = h.new_user("outsider").await;
    assert_code(
        h.engine.fetch_server(outsider, server.id),
        ErrorCode::NotFound,
    );
    assert_code(
        h.engine.list_channels(outsider, server.id),
        ErrorCode::NotFound,
    );
    assert_code(
        h.engine.fetch_channel(outsider, general),
        ErrorCode::NotFound,
    );
    assert_code(
        h.engine.join_server(outsider, server.id).await,
        ErrorCode::NotFound,
    );
}

#[tokio::test]
async fn public_servers_can_be_joined_without_invite() {
    let h = TestHarness::new().await;
    let owner = h.new_user("owner").await;
    let server = h
        .engine
        .create_server(
            owner,
            CreateServer {
                name: "open".into(),
                is_public: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let visitor = h.new_user("visitor").await;
    assert_eq!(
        h.engine.fetch_server(visitor, server.id).unwrap().id,
        server.id
    );
    let joined = h.engine.join_server(visitor, server.id).await.unwrap();
    assert_eq!(joined.member_count, 2);
}

#[tokio::test]
async fn categories_group_channels() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let request = || CreateCategory {
        name: "Text".into(),
        position: None,
    };
    assert_code(
        h.engine.create_category(member, server.id, request()).await,
        ErrorCode::MissingPermissions,
    );
    let category = h
        .engine
        .create_category(owner, server.id, request())
        .await
        .unwrap();
    assert_eq!(
        h.engine.list_categories(member, server.id).unwrap(),
        vec![category.clone()]
    );
    let update = chat_engine::model::UpdateChannel {
        category_id: Some(Some(category.id)),
        ..Default::default()
    };
    let moved = h
        .engine
        .update_channel(owner, general, update)
        .await
        .unwrap();
    assert_eq!(moved.category_id, Some(category.id));
    h.engine
        .delete_category(owner, server.id, category.id)
        .await
        .unwrap();
    assert_eq!(
        h.engine.fetch_channel(owner, general).unwrap().category_id,
        None
    );
    assert_code(
        h.engine
            .delete_category(owner, server.id, category.id)
            .await,
        ErrorCode::NotFound,
    );
}
