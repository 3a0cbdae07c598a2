use chat_engine::ErrorCode;
use chat_engine::model::{
    ChannelType, CreateChannel, OverwriteType, PermissionOverwrite, Permissions, UpdateChannel,
};

use crate::harness::{TestHarness, assert_code};

fn text(name: &str) -> CreateChannel {
    CreateChannel {
        category_id: None,
        is_private: false,
        name: name.into(),
        position: None,
        slow_mode_delay: 0,
        topic: String::new(),
        kind: ChannelType::Text,
    }
}

#[tokio::test]
async fn managers_create_update_and_delete_channels() {
    let h = TestHarness::new().await;
    let (server, _, owner, member) = h.scene().await;
    assert_code(
        h.engine
            .create_channel(member, server.id, text("nope"))
            .await,
        ErrorCode::MissingPermissions,
    );
    let voice = CreateChannel {
        kind: ChannelType::Voice,
        ..text("voice")
    };
    let voice = h
        .engine
        .create_channel(owner, server.id, voice)
        .await
        .unwrap();
    assert_eq!(voice.kind, ChannelType::Voice);
    let channel = h
        .engine
        .create_channel(owner, server.id, text("random"))
        .await
        .unwrap();
    assert_eq!(h.engine.list_channels(member, server.id).unwrap().len(), 3);

    let topic = || UpdateChannel {
        topic: Some("chatter".into()),
        ..Default::default()
    };
    assert_code(
        h.engine.update_channel(member, channel.id, topic()).await,
        ErrorCode::MissingPermissions,
    );
    assert_eq!(
        h.engine
            .update_channel(owner, channel.id, topic())
            .await
            .unwrap()
            .topic,
        "chatter"
    );

    assert_code(
        h.engine.delete_channel(member, channel.id).await,
        ErrorCode::MissingPermissions,
    );
    h.say(member, channel.id, "soon gone").await;
    h.engine.delete_channel(owner, channel.id).await.unwrap();
    assert_code(
        h.engine.fetch_channel(owner, channel.id),
        ErrorCode::NotFound,
    );
}

#[tokio::test]
async fn bad_channel_input_is_refused() {
    let h = TestHarness::new().await;
    let (server, general, owner, _) = h.scene().await;
    let cases = [
        text(""),
        CreateChannel {
            kind: ChannelType::Dm,
            ..text("dm")
        },
        CreateChannel {
            kind: ChannelType::Thread,
            ..text("thread")
        },
        CreateChannel {
            topic: "t".repeat(1025),
            ..text("long")
        },
        CreateChannel {
            slow_mode_delay: 21_601,
            ..text("slow")
        },
        CreateChannel {
            category_id: Some(chat_engine::id::Id::from_ulid(ulid::Ulid::generate())),
            ..text("cat")
        },
    ];
    for case in cases {
        assert_code(
            h.engine.create_channel(owner, server.id, case).await,
            ErrorCode::Validation,
        );
    }
    assert_eq!(h.engine.list_channels(owner, server.id).unwrap().len(), 1);
    let bad = UpdateChannel {
        name: Some("  ".into()),
        ..Default::default()
    };
    assert_code(
        h.engine.update_channel(owner, general, bad).await,
        ErrorCode::Validation,
    );
    assert_eq!(
        h.engine.fetch_channel(owner, general).unwrap().name,
        "general"
    );
}

#[tokio::test]
async fn private_channels_are_hidden_from_members() {
    let h = TestHarness::new().await;
    let (server, _, owner, member) = h.scene().await;
    let private = CreateChannel {
        is_private: true,
        ..text("staff")
    };
    let staff = h
        .engine
        .create_channel(owner, server.id, private)
        .await
        .unwrap();
    assert_code(
        h.engine.fetch_channel(member, staff.id),
        ErrorCode::NotFound,
    );
    assert!(
        h.engine
            .list_channels(member, server.id)
            .unwrap()
            .iter()
            .all(|c| c.id != staff.id)
    );
    let send = chat_engine::model::CreateMessage {
        content: "hi".into(),
        ..Default::default()
    };
    assert_code(
        h.engine.send_message(member, staff.id, send).await,
        ErrorCode::NotFound,
    );

    let let_in = PermissionOverwrite {
        allow: Permissions::VIEW_CHANNEL,
        deny: Permissions::empty(),
        id: member.ulid(),
        kind: OverwriteType::Member,
    };
    assert_code(
        h.engine
            .set_permission_overwrite(member, staff.id, let_in)
            .await,
        ErrorCode::NotFound,
    );
    h.engine
        .set_permission_overwrite(owner, staff.id, let_in)
        .await
        .unwrap();
    assert_eq!(
        h.engine.fetch_channel(member, staff.id).unwrap().id,
        staff.id
    );
    h.engine
        .delete_permission_overwrite(owner, staff.id, member.ulid())
        .await
        .unwrap();
    assert_code(
        h.engine.fetch_channel(member, staff.id),
        ErrorCode::NotFound,
    );
}

#[tokio::test]
async fn overwrites_must_name_a_role_or_member_of_the_server() {
    let h = TestHarness::new().await;
    let (_, general, owner, _) = h.scene().await;
    let stranger = h.new_user("stranger").await;
    let overwrite = PermissionOverwrite {
        allow: Permissions::SEND_MESSAGES,
        deny: Permissions::empty(),
        id: stranger.ulid(),
        kind: OverwriteType::Member,
    };
    assert_code(
        h.engine
            .set_permission_overwrite(owner, general, overwrite)
            .await,
        ErrorCode::Validation,
    );
    assert!(
        h.engine
            .fetch_channel(owner, general)
            .unwrap()
            .permission_overwrites
            .is_empty()
    );
}

#[tokio::test]
async fn voice_channels_have_no_messages() {
    let h = TestHarness::new().await;
    let (server, _, owner, _) = h.scene().await;
    let voice = h
        .engine
        .create_channel(
            owner,
            server.id,
            CreateChannel {
                kind: ChannelType::Voice,
                ..text("v")
            },
        )
        .await
        .unwrap();
    let send = chat_engine::model::CreateMessage {
        content: "hi".into(),
        ..Default::default()
    };
    assert_code(
        h.engine.send_message(owner, voice.id, send).await,
        ErrorCode::Validation,
    );
}
