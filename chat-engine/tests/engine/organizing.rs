//! Organising a server's channels: NSFW and private flags, category renames, and the bulk
//! reorder of channels and categories, each with its events and its refusals.

use chat_engine::ErrorCode;
use chat_engine::model::{ChannelPosition, CreateCategory, Event, UpdateCategory, UpdateChannel};

use crate::harness::{TestHarness, assert_code};

#[tokio::test]
async fn channels_turn_nsfw_and_private_and_back() {
    let h = TestHarness::new().await;
    let (_, general, owner, member) = h.scene().await;
    let nsfw = UpdateChannel {
        nsfw: Some(true),
        ..Default::default()
    };
    assert_code(
        h.engine.update_channel(member, general, nsfw.clone()).await,
        ErrorCode::MissingPermissions,
    );
    let marked = h.engine.update_channel(owner, general, nsfw).await.unwrap();
    assert!(marked.nsfw);

    let private = UpdateChannel {
        is_private: Some(true),
        ..Default::default()
    };
    let hidden = h
        .engine
        .update_channel(owner, general, private)
        .await
        .unwrap();
    assert!(hidden.is_private);
    assert_code(h.engine.fetch_channel(member, general), ErrorCode::NotFound);
    assert!(h.engine.fetch_channel(owner, general).is_ok());
    let public = UpdateChannel {
        is_private: Some(false),
        ..Default::default()
    };
    let open = h
        .engine
        .update_channel(owner, general, public)
        .await
        .unwrap();
    assert!(!open.is_private);
    assert!(h.engine.fetch_channel(member, general).is_ok());
}

#[tokio::test]
async fn categories_are_renamed_and_everything_reordered_in_one_request() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let mut session = h.engine.subscribe(member).unwrap();
    let category = h
        .engine
        .create_category(
            owner,
            server.id,
            CreateCategory {
                name: "Talk".into(),
                position: None,
            },
        )
        .await
        .unwrap();
    let rename = UpdateCategory {
        name: Some("Chatter".into()),
        ..Default::default()
    };
    assert_code(
        h.engine
            .update_category(member, server.id, category.id, rename.clone())
            .await,
        ErrorCode::MissingPermissions,
    );
    let empty = UpdateCategory {
        name: Some("  ".into()),
        ..Default::default()
    };
    assert_code(
        h.engine
            .update_category(owner, server.id, category.id, empty)
            .await,
        ErrorCode::Validation,
    );
    let renamed = h
        .engine
        .update_category(owner, server.id, category.id, rename)
        .await
        .unwrap();
    assert_eq!(renamed.name, "Chatter");

    let line = |id: ulid::Ulid, position, parent| ChannelPosition {
        id,
        parent_id: parent,
        position,
    };
    let stranger = ulid::Ulid::from_parts(1, 1);
    for bad in [
        vec![],
        vec![line(stranger, 1, None)],
        vec![line(general.ulid(), 1, None), line(general.ulid(), 2, None)],
        vec![line(category.id.ulid(), 1, Some(Some(category.id)))],
    ] {
        assert_code(
            h.engine.reorder_channels(owner, server.id, bad).await,
            ErrorCode::Validation,
        );
    }
    let good = vec![
        line(general.ulid(), 5, Some(Some(category.id))),
        line(category.id.ulid(), 2, None),
    ];
    assert_code(
        h.engine
            .reorder_channels(member, server.id, good.clone())
            .await,
        ErrorCode::MissingPermissions,
    );
    h.engine
        .reorder_channels(owner, server.id, good)
        .await
        .unwrap();
    let moved = h.engine.fetch_channel(owner, general).unwrap();
    assert_eq!((moved.position, moved.category_id), (5, Some(category.id)));
    let categories = h.engine.list_categories(owner, server.id).unwrap();
    assert_eq!(categories[0].position, 2);

    let mut seen = Vec::new();
    while seen.len() < 3 {
        let envelope = session.next_event().await.unwrap();
        match &envelope.event {
            Event::CategoryUpdate(c) => seen.push(format!("category {}", c.position)),
            Event::ChannelUpdate(c) => seen.push(format!("channel {}", c.position)),
            _ => {}
        }
    }
    assert_eq!(
        seen,
        ["category 0", "channel 5", "category 2"],
        "the rename, then the reorder"
    );
}
