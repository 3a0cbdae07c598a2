use chat_engine::ErrorCode;
use chat_engine::id::MessageId;
use chat_engine::model::{
    CreateMessage, CreateRole, EditMessage, Embed, HistoryQuery, MessageType, Permissions,
    UpdateChannel, UpdateRole,
};
use proptest::prelude::*;

use crate::harness::{TestHarness, assert_code};

fn text(content: &str) -> CreateMessage {
    CreateMessage {
        content: content.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn messages_are_trimmed_rendered_and_ordered() {
    let h = TestHarness::new().await;
    let (_, general, owner, member) = h.scene().await;
    let first = h.say(owner, general, "  **hello**  ").await;
    assert_eq!(first.content, "**hello**");
    assert_eq!(first.content_html, "<p><strong>hello</strong></p>\n");
    assert_eq!(first.kind, MessageType::Default);
    let second = h.say(member, general, "<script>x</script>hi").await;
    assert!(!second.content_html.contains("<script"));
    assert!(second.id > first.id);
    let fetched = h.engine.fetch_message(owner, general, first.id).unwrap();
    assert_eq!(fetched, first);
    let channel = h.engine.fetch_channel(owner, general).unwrap();
    assert_eq!(channel.last_message_id, Some(second.id));
    assert_eq!(channel.last_message_at, Some(second.created_at));
    let listed = h
        .engine
        .list_channels(owner, channel.server_id.unwrap())
        .unwrap();
    let listed = listed.iter().find(|c| c.id == general).unwrap();
    assert_eq!(listed.last_message_id, Some(second.id));
}

#[tokio::test]
async fn bad_messages_are_refused_and_store_nothing() {
    let h = TestHarness::new().await;
    let (_, general, owner, _) = h.scene().await;
    let before = h.history(owner, general).len();
    let cases = [
        text(""),
        text("   \n  "),
        text(&"x".repeat(4001)),
        CreateMessage {
            nonce: Some(String::new()),
            ..text("n")
        },
        CreateMessage {
            nonce: Some("n".repeat(65)),
            ..text("n")
        },
        CreateMessage {
            embeds: vec![Embed::default()],
            ..text("e")
        },
        CreateMessage {
            embeds: vec![Embed {
                kind: "rich".into(),
                url: "javascript:alert(1)".into(),
                ..Default::default()
            }],
            ..text("a script link")
        },
        CreateMessage {
            embeds: vec![Embed {
                kind: "image".into(),
                image_url: "data:image/svg+xml,<svg onload=alert(1)>".into(),
                ..Default::default()
            }],
            ..text("a data image")
        },
        CreateMessage {
            reply_to_id: Some(MessageId::from_ulid(ulid::Ulid::generate())),
            ..text("r")
        },
    ];
    for case in cases {
        assert_code(
            h.engine.send_message(owner, general, case).await,
            ErrorCode::Validation,
        );
    }
    assert_eq!(h.history(owner, general).len(), before);
    let max = h.say(owner, general, &"y".repeat(4000)).await;
    assert_eq!(max.content.len(), 4000);
    let embed_only = CreateMessage {
        embeds: vec![Embed {
            kind: "rich".into(),
            title: "t".into(),
            ..Default::default()
        }],
        ..text("")
    };
    assert!(
        h.engine
            .send_message(owner, general, embed_only)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_nonce_makes_sends_idempotent() {
    let h = TestHarness::new().await;
    let (_, general, owner, member) = h.scene().await;
    let with_nonce = |n: &str| CreateMessage {
        nonce: Some(n.into()),
        ..text("once")
    };
    let first = h
        .engine
        .send_message(owner, general, with_nonce("abc"))
        .await
        .unwrap();
    let retry = h
        .engine
        .send_message(owner, general, with_nonce("abc"))
        .await
        .unwrap();
    assert_eq!(first, retry);
    let other_author = h
        .engine
        .send_message(member, general, with_nonce("abc"))
        .await
        .unwrap();
    assert_ne!(other_author.id, first.id);
    let sent: Vec<_> = h
        .history(owner, general)
        .into_iter()
        .filter(|m| m.content == "once")
        .collect();
    assert_eq!(sent.len(), 2);
}

#[tokio::test]
async fn only_authors_edit_and_history_is_kept() {
    let h = TestHarness::new().await;
    let (_, general, owner, member) = h.scene().await;
    let message = h.say(member, general, "frist").await;
    let edit = |c: &str| EditMessage { content: c.into() };
    assert_code(
        h.engine
            .edit_message(owner, general, message.id, edit("x"))
            .await,
        ErrorCode::Forbidden,
    );
    assert_code(
        h.engine
            .edit_message(member, general, message.id, edit("  "))
            .await,
        ErrorCode::Validation,
    );
    let edited = h
        .engine
        .edit_message(member, general, message.id, edit("first"))
        .await
        .unwrap();
    assert!(edited.is_edited);
    assert!(edited.edited_at.is_some());
    assert_eq!(edited.content, "first");
    h.engine
        .edit_message(member, general, message.id, edit("first!"))
        .await
        .unwrap();
    let history: Vec<_> = h
        .engine
        .list_message_edits(owner, general, message.id)
        .unwrap()
        .into_iter()
        .map(|e| e.content)
        .collect();
    assert_eq!(history, vec!["frist", "first"]);
    let system = h.history(owner, general)[0].clone();
    assert_eq!(system.kind, MessageType::SystemJoin);
    assert_code(
        h.engine
            .edit_message(member, general, system.id, edit("hacked"))
            .await,
        ErrorCode::Forbidden,
    );
}

#[tokio::test]
async fn deletes_are_for_authors_and_message_managers() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let third = h.new_user("third").await;
    h.join(&server, third).await;
    let by_member = h.say(member, general, "mine").await;
    assert_code(
        h.engine.delete_message(third, general, by_member.id).await,
        ErrorCode::MissingPermissions,
    );
    assert!(h.engine.fetch_message(owner, general, by_member.id).is_ok());
    h.engine
        .delete_message(member, general, by_member.id)
        .await
        .unwrap();
    assert_code(
        h.engine.fetch_message(owner, general, by_member.id),
        ErrorCode::NotFound,
    );
    let by_third = h.say(third, general, "spam").await;
    h.engine
        .delete_message(owner, general, by_third.id)
        .await
        .unwrap();
    assert_code(
        h.engine.delete_message(owner, general, by_third.id).await,
        ErrorCode::NotFound,
    );
}

#[tokio::test]
async fn replies_stay_in_their_channel() {
    let h = TestHarness::new().await;
    let (server, general, owner, _) = h.scene().await;
    let other = h
        .engine
        .create_channel(
            owner,
            server.id,
            chat_engine::model::CreateChannel {
                category_id: None,
                is_private: false,
                name: "other".into(),
                position: None,
                slow_mode_delay: 0,
                topic: String::new(),
                kind: chat_engine::model::ChannelType::Text,
            },
        )
        .await
        .unwrap();
    let original = h.say(owner, general, "question").await;
    let reply = CreateMessage {
        reply_to_id: Some(original.id),
        ..text("answer")
    };
    let answer = h
        .engine
        .send_message(owner, general, reply.clone())
        .await
        .unwrap();
    assert_eq!(answer.kind, MessageType::Reply);
    assert_eq!(answer.reply_to_id, Some(original.id));
    assert_code(
        h.engine.send_message(owner, other.id, reply).await,
        ErrorCode::Validation,
    );
}

#[tokio::test]
async fn mentions_ping_only_when_allowed() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let quiet = h
        .engine
        .create_role(
            owner,
            server.id,
            CreateRole {
                name: "quiet".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let loud = h
        .engine
        .create_role(
            owner,
            server.id,
            CreateRole {
                name: "loud".into(),
                is_mentionable: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let content = format!("@everyone <@{owner}> <@&{}> <@&{}>", quiet.id, loud.id);
    let by_member = h.say(member, general, &content).await;
    assert!(
        !by_member.mention_everyone,
        "members lack MENTION_EVERYONE by default"
    );
    assert_eq!(by_member.mentions, vec![owner]);
    assert_eq!(by_member.mention_roles, vec![loud.id]);
    assert!(by_member.content.contains("@everyone"), "the text stays");
    let by_owner = h.say(owner, general, &content).await;
    assert!(by_owner.mention_everyone);
    assert_eq!(by_owner.mention_roles, vec![quiet.id, loud.id]);
}

#[tokio::test]
async fn slow_mode_limits_members_but_not_moderators() {
    let h = TestHarness::new().await;
    let (_, general, owner, member) = h.scene().await;
    let slow = UpdateChannel {
        slow_mode_delay: Some(60),
        ..Default::default()
    };
    h.engine.update_channel(owner, general, slow).await.unwrap();
    h.say(member, general, "one").await;
    match h.engine.send_message(member, general, text("two")).await {
        Err(chat_engine::Error::RateLimited { retry_after }) => {
            assert!(retry_after.as_secs() <= 60);
        }
        other => panic!("expected a rate limit, got {other:?}"),
    }
    h.say(owner, general, "moderators are exempt").await;
    h.say(owner, general, "twice").await;
}

#[tokio::test]
async fn sending_needs_send_messages() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let read_only = UpdateRole {
        permissions: Some(Permissions::VIEW_CHANNEL),
        ..Default::default()
    };
    h.engine
        .update_role(owner, server.id, server.id.cast(), read_only)
        .await
        .unwrap();
    assert_code(
        h.engine.send_message(member, general, text("hi")).await,
        ErrorCode::MissingPermissions,
    );
    let outsider = h.new_user("outsider").await;
    assert_code(
        h.engine.send_message(outsider, general, text("hi")).await,
        ErrorCode::NotFound,
    );
    assert_code(
        h.engine
            .list_messages(outsider, general, HistoryQuery::default()),
        ErrorCode::NotFound,
    );
}

#[tokio::test]
async fn history_queries_are_validated() {
    let h = TestHarness::new().await;
    let (_, general, owner, _) = h.scene().await;
    let id = h.say(owner, general, "x").await.id;
    for query in [
        HistoryQuery {
            limit: Some(0),
            ..Default::default()
        },
        HistoryQuery {
            limit: Some(101),
            ..Default::default()
        },
        HistoryQuery {
            before: Some(id),
            after: Some(id),
            ..Default::default()
        },
        HistoryQuery {
            around: Some(id),
            after: Some(id),
            ..Default::default()
        },
    ] {
        assert_code(
            h.engine.list_messages(owner, general, query),
            ErrorCode::Validation,
        );
    }
    assert_eq!(
        h.engine
            .list_messages(owner, general, HistoryQuery::default())
            .unwrap()
            .len(),
        2
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Any page of history equals the matching slice of the full, ordered history.
    #[test]
    fn history_pages_are_slices_of_the_whole(count in 1usize..60, pick in 0usize..60, limit in 1u32..=100, mode in 0u8..4) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let h = TestHarness::new().await;
            let owner = h.new_user("owner").await;
            let server = h.new_server(owner).await;
            let channel = server.system_channel_id.unwrap();
            let mut ids = Vec::new();
            for i in 0..count {
                ids.push(h.say(owner, channel, &format!("m{i}")).await.id);
            }
            let anchor = ids[pick % count];
            let at = pick % count;
            let lim = limit as usize;
            let (query, expected): (HistoryQuery, Vec<MessageId>) = match mode {
                0 => (HistoryQuery { limit: Some(limit), ..Default::default() },
                      ids.iter().rev().take(lim).copied().collect()),
                1 => (HistoryQuery { before: Some(anchor), limit: Some(limit), ..Default::default() },
                      ids[..at].iter().rev().take(lim).copied().collect()),
                2 => (HistoryQuery { after: Some(anchor), limit: Some(limit), ..Default::default() },
                      ids[at + 1..].iter().take(lim).rev().copied().collect()),
                _ => {
                    let newer: Vec<_> = ids[at + 1..].iter().take(lim / 2).copied().collect();
                    let older: Vec<_> = ids[..at].iter().rev().take((lim - newer.len()).saturating_sub(1)).copied().collect();
                    let mut expected: Vec<_> = newer.into_iter().rev().collect();
                    expected.push(anchor);
                    expected.extend(older);
                    (HistoryQuery { around: Some(anchor), limit: Some(limit), ..Default::default() }, expected)
                }
            };
            let page: Vec<_> = h.engine.list_messages(owner, channel, query).unwrap().into_iter().map(|m| m.id).collect();
            assert_eq!(page, expected);
            assert!(page.len() <= lim);
        });
    }
}

#[tokio::test]
async fn mentions_by_name_resolve_members_render_with_ids_and_skip_code() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let stranger = h.new_user("stranger").await;
    h.engine
        .update_member(
            owner,
            server.id,
            member,
            chat_engine::model::UpdateMember {
                nickname: Some("Memo <b>".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let message = h
        .say(
            owner,
            general,
            &format!("hey @MEMBER and <@{stranger}> and @stranger, see <#{general}>"),
        )
        .await;
    assert_eq!(message.mentions, vec![member], "only members are mentioned");
    assert!(
        message.content_html.contains(&format!(
            r#"<span class="mention" data-user-id="{member}">@Memo &lt;b&gt;</span>"#
        )),
        "{}",
        message.content_html
    );
    assert!(
        message
            .content_html
            .contains(&format!(r#"data-user-id="{stranger}">@stranger</span>"#))
    );
    assert!(
        message
            .content_html
            .contains(&format!(r#"data-channel-id="{general}">#general</span>"#))
    );
    assert!(
        message.content_html.contains(" @stranger, "),
        "a name that is no member stays text"
    );

    let in_code = h
        .say(owner, general, "`@everyone @member` and\n```\n@here\n```")
        .await;
    assert!(
        !in_code.mention_everyone && in_code.mentions.is_empty(),
        "{in_code:?}"
    );
    let here = h.say(owner, general, "@here.").await;
    assert!(
        here.mention_everyone,
        "the owner may ping the members online"
    );

    // An edit mentions anew.
    let edited = h
        .engine
        .edit_message(
            owner,
            general,
            in_code.id,
            chat_engine::model::EditMessage {
                content: "now @member".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(edited.mentions, vec![member]);

    // In a DM the participants are the members.
    let dm = h.engine.open_dm(owner, member).await.unwrap();
    let in_dm = h.say(owner, dm.id, "@member @stranger").await;
    assert_eq!(in_dm.mentions, vec![member]);
}
