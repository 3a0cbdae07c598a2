use chat_engine::ErrorCode;
use chat_engine::model::{ChannelType, CreateGroupDm, CreateThread};

use crate::harness::{TestHarness, assert_code};

#[tokio::test]
async fn threads_start_from_a_message_and_keep_members() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let starter = h.say(owner, general, "let's discuss").await;
    let request = || CreateThread {
        auto_archive_duration: None,
        message_id: starter.id,
        name: "discussion".into(),
    };
    let thread = h
        .engine
        .create_thread(member, general, request())
        .await
        .unwrap();
    assert_eq!(thread.kind, ChannelType::Thread);
    assert_eq!(thread.parent_id, Some(general));
    assert_eq!(thread.server_id, Some(server.id));
    assert_eq!(
        h.engine
            .fetch_message(owner, general, starter.id)
            .unwrap()
            .thread_id,
        Some(thread.id)
    );
    assert_code(
        h.engine.create_thread(owner, general, request()).await,
        ErrorCode::Conflict,
    );
    h.say(owner, thread.id, "in the thread").await;
    assert_eq!(h.history(owner, thread.id).len(), 1);
    assert!(
        h.history(owner, general).iter().any(|m| m.id == starter.id),
        "the starter stays in the parent"
    );

    assert_eq!(
        h.engine.list_thread_members(owner, thread.id).unwrap(),
        vec![member]
    );
    h.engine.join_thread(owner, thread.id).await.unwrap();
    assert_eq!(
        h.engine
            .list_thread_members(owner, thread.id)
            .unwrap()
            .len(),
        2
    );
    h.engine.leave_thread(member, thread.id).await.unwrap();
    assert_eq!(
        h.engine.list_thread_members(owner, thread.id).unwrap(),
        vec![owner]
    );
    let outsider = h.new_user("outsider").await;
    assert_code(
        h.engine.join_thread(outsider, thread.id).await,
        ErrorCode::NotFound,
    );
    assert_code(
        h.engine.join_thread(owner, general).await,
        ErrorCode::Validation,
    );
    let bad = CreateThread {
        auto_archive_duration: None,
        message_id: starter.id,
        name: " ".into(),
    };
    assert_code(
        h.engine.create_thread(owner, general, bad).await,
        ErrorCode::Validation,
    );
}

#[tokio::test]
async fn dms_open_once_between_users_who_share_a_server() {
    let h = TestHarness::new().await;
    let (_, _, owner, member) = h.scene().await;
    let stranger = h.new_user("stranger").await;
    let dm = h.engine.open_dm(owner, member).await.unwrap();
    assert_eq!(dm.kind, ChannelType::Dm);
    assert_eq!(h.engine.open_dm(member, owner).await.unwrap().id, dm.id);
    assert_code(h.engine.open_dm(owner, owner).await, ErrorCode::Validation);
    assert_code(
        h.engine.open_dm(owner, stranger).await,
        ErrorCode::Forbidden,
    );
    h.say(member, dm.id, "psst").await;
    assert_eq!(h.history(owner, dm.id).len(), 1);
    assert_code(h.engine.fetch_channel(stranger, dm.id), ErrorCode::NotFound);
    let send = chat_engine::model::CreateMessage {
        content: "hi".into(),
        ..Default::default()
    };
    assert_code(
        h.engine.send_message(stranger, dm.id, send).await,
        ErrorCode::NotFound,
    );
    assert_eq!(h.engine.list_dm_channels(member).unwrap().len(), 1);
    // Deleting a DM closes it for the caller only; the history stays.
    h.engine.delete_channel(owner, dm.id).await.unwrap();
    assert!(h.engine.list_dm_channels(owner).unwrap().is_empty());
    assert_eq!(h.history(owner, dm.id).len(), 1);
    // Recipients may pin in a DM.
    let m = h.say(owner, dm.id, "remember").await;
    assert!(
        h.engine
            .pin_message(member, dm.id, m.id)
            .await
            .unwrap()
            .is_pinned
    );
}

#[tokio::test]
async fn group_dms_hold_two_to_ten_users() {
    let h = TestHarness::new().await;
    let (server, _, owner, member) = h.scene().await;
    let third = h.new_user("third").await;
    h.join(&server, third).await;
    let group = h
        .engine
        .create_group_dm(
            owner,
            CreateGroupDm {
                name: "trio".into(),
                recipients: vec![member, third, member],
            },
        )
        .await
        .unwrap();
    assert_eq!(group.kind, ChannelType::GroupDm);
    assert_eq!(group.recipients, vec![owner, member, third]);
    assert_eq!(group.owner_id, Some(owner));
    h.say(third, group.id, "hello all").await;
    assert_code(
        h.engine
            .create_group_dm(
                owner,
                CreateGroupDm {
                    name: String::new(),
                    recipients: vec![],
                },
            )
            .await,
        ErrorCode::Validation,
    );
    assert_code(
        h.engine
            .create_group_dm(
                owner,
                CreateGroupDm {
                    name: String::new(),
                    recipients: vec![owner],
                },
            )
            .await,
        ErrorCode::Validation,
    );
}
