//! The wire format: the blueprint's exact JSON field names, and the handles' auto traits.

use std::collections::BTreeSet;

use chat_engine::Engine;
use chat_engine::events::Session;
use chat_engine::model::{CreateMessage, Permissions};
use serde_json::Value;

use crate::harness::TestHarness;

static_assertions::assert_impl_all!(Engine: Send, Sync, Clone);
static_assertions::assert_impl_all!(Session: Send, Sync);
static_assertions::assert_impl_all!(chat_engine::Error: Send, Sync, std::error::Error);

fn keys(value: &impl serde::Serialize) -> BTreeSet<String> {
    match serde_json::to_value(value).unwrap() {
        Value::Object(map) => map.keys().cloned().collect(),
        other => panic!("not an object: {other}"),
    }
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn entities_use_the_blueprints_field_names() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    assert_eq!(
        keys(&server),
        set(&[
            "id",
            "name",
            "description",
            "icon_url",
            "owner_id",
            "is_public",
            "invite_code",
            "member_count",
            "created_at",
            "updated_at",
            "system_channel_id"
        ])
    );
    let channel = h.engine.fetch_channel(owner, general).unwrap();
    let channel_keys = keys(&channel);
    for field in [
        "id",
        "server_id",
        "type",
        "name",
        "topic",
        "position",
        "is_private",
        "slow_mode_delay",
        "last_message_id",
        "last_message_at",
        "created_at",
        "updated_at",
    ] {
        assert!(channel_keys.contains(field), "channel lacks {field}");
    }
    let reply_to = h.say(owner, general, "first").await;
    let request = CreateMessage {
        content: format!("<@{member}> hi"),
        reply_to_id: Some(reply_to.id),
        ..Default::default()
    };
    let message = h
        .engine
        .send_message(owner, general, request)
        .await
        .unwrap();
    assert_eq!(
        keys(&message),
        set(&[
            "id",
            "channel_id",
            "author_id",
            "content",
            "content_html",
            "reply_to_id",
            "type",
            "mentions",
            "mention_everyone",
            "is_pinned",
            "is_edited",
            "created_at"
        ])
    );
    let json = serde_json::to_value(&message).unwrap();
    assert_eq!(json["type"], "reply");
    assert_eq!(json["id"], message.id.to_string());
    assert_eq!(
        keys(&h.engine.fetch_user(owner, owner).unwrap()),
        set(&[
            "id",
            "username",
            "discriminator",
            "display_name",
            "avatar_url",
            "bio",
            "status",
            "custom_status",
            "is_bot",
            "read_receipts",
            "created_at"
        ])
    );
    assert_eq!(
        keys(&h.engine.fetch_member(owner, server.id, member).unwrap()),
        set(&[
            "user_id",
            "server_id",
            "nickname",
            "role_ids",
            "joined_at",
            "is_muted",
            "is_deafened",
            "communication_disabled_until"
        ])
    );
    let roles = h.engine.list_roles(owner, server.id).unwrap();
    assert_eq!(
        keys(&roles[0]),
        set(&[
            "id",
            "server_id",
            "name",
            "color",
            "position",
            "permissions",
            "is_default",
            "is_mentionable",
            "created_at"
        ])
    );
    assert_eq!(
        serde_json::to_value(roles[0].permissions).unwrap(),
        Permissions::EVERYONE_DEFAULT.bits()
    );
    assert_eq!(
        keys(&h.engine.read_state(member, general).unwrap()),
        set(&[
            "user_id",
            "channel_id",
            "last_read_id",
            "mention_count",
            "last_pin_timestamp",
            "unread_count"
        ])
    );
}
