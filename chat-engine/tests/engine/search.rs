use chat_engine::model::{
    ChannelType, CreateChannel, CreateMessage, EditMessage, Embed, SearchQuery,
};
use chat_engine::{Engine, ErrorCode};

use crate::harness::{TestHarness, assert_code};

fn query(q: &str) -> SearchQuery {
    SearchQuery {
        q: q.into(),
        ..SearchQuery::default()
    }
}

fn ids(results: &chat_engine::model::SearchResults) -> Vec<String> {
    results
        .messages
        .iter()
        .map(|m| m.message.content.clone())
        .collect()
}

#[tokio::test]
async fn search_finds_highlights_and_filters() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    h.say(owner, general, "the borrow checker is my friend")
        .await;
    h.say(member, general, "I fight the borrow checker daily")
        .await;
    h.say(member, general, "unrelated chatter").await;
    let link = CreateMessage {
        content: "borrow docs at https://doc.rust-lang.org".into(),
        ..Default::default()
    };
    h.engine.send_message(owner, general, link).await.unwrap();
    let embed = CreateMessage {
        content: "borrow card".into(),
        embeds: vec![Embed {
            kind: "rich".into(),
            title: "t".into(),
            ..Embed::default()
        }],
        ..Default::default()
    };
    h.engine.send_message(owner, general, embed).await.unwrap();

    let found = h
        .engine
        .search_messages(member, server.id, query("borrow checker"))
        .await
        .unwrap();
    assert_eq!(found.total, 2);
    assert!(
        found
            .messages
            .iter()
            .all(|m| m.highlight.contains("<b>borrow</b>")),
        "{:?}",
        found.messages
    );

    let by_member = SearchQuery {
        author_id: Some(member),
        ..query("borrow")
    };
    assert_eq!(
        ids(&h
            .engine
            .search_messages(owner, server.id, by_member)
            .await
            .unwrap()),
        vec!["I fight the borrow checker daily"]
    );
    let links = SearchQuery {
        has: Some("link".into()),
        ..query("borrow")
    };
    assert_eq!(
        h.engine
            .search_messages(owner, server.id, links)
            .await
            .unwrap()
            .total,
        1
    );
    let embeds = SearchQuery {
        has: Some("embed".into()),
        ..query("borrow")
    };
    assert_eq!(
        ids(&h
            .engine
            .search_messages(owner, server.id, embeds)
            .await
            .unwrap()),
        vec!["borrow card"]
    );
    let future = SearchQuery {
        after: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
        ..query("borrow")
    };
    assert_eq!(
        h.engine
            .search_messages(owner, server.id, future)
            .await
            .unwrap()
            .total,
        0
    );
    let past = SearchQuery {
        before: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
        ..query("borrow")
    };
    assert_eq!(
        h.engine
            .search_messages(owner, server.id, past)
            .await
            .unwrap()
            .total,
        4
    );
    let paged = SearchQuery {
        limit: Some(1),
        offset: Some(1),
        ..query("borrow")
    };
    let page = h
        .engine
        .search_messages(owner, server.id, paged)
        .await
        .unwrap();
    assert_eq!((page.total, page.messages.len()), (4, 1));
}

#[tokio::test]
async fn search_follows_edits_deletes_and_visibility() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let private = CreateChannel {
        category_id: None,
        is_private: true,
        name: "staff".into(),
        position: None,
        slow_mode_delay: 0,
        topic: String::new(),
        kind: ChannelType::Text,
    };
    let staff = h
        .engine
        .create_channel(owner, server.id, private)
        .await
        .unwrap();
    h.say(owner, staff.id, "secret pineapple plans").await;
    let edited = h.say(owner, general, "apple pie").await;
    let deleted = h.say(owner, general, "pineapple pizza").await;

    assert_eq!(
        h.engine
            .search_messages(owner, server.id, query("pineapple"))
            .await
            .unwrap()
            .total,
        2
    );
    assert_eq!(
        ids(&h
            .engine
            .search_messages(member, server.id, query("pineapple"))
            .await
            .unwrap()),
        vec!["pineapple pizza"]
    );
    let only_staff = SearchQuery {
        channel_id: Some(staff.id),
        ..query("pineapple")
    };
    assert_code(
        h.engine
            .search_messages(member, server.id, only_staff)
            .await,
        ErrorCode::NotFound,
    );

    h.engine
        .edit_message(
            owner,
            general,
            edited.id,
            EditMessage {
                content: "pineapple pie".into(),
            },
        )
        .await
        .unwrap();
    h.engine
        .delete_message(owner, general, deleted.id)
        .await
        .unwrap();
    assert_eq!(
        ids(&h
            .engine
            .search_messages(member, server.id, query("pineapple"))
            .await
            .unwrap()),
        vec!["pineapple pie"]
    );
    assert_eq!(
        h.engine
            .search_messages(member, server.id, query("pizza"))
            .await
            .unwrap()
            .total,
        0
    );

    let outsider = h.new_user("outsider").await;
    assert_code(
        h.engine
            .search_messages(outsider, server.id, query("pineapple"))
            .await,
        ErrorCode::NotFound,
    );
    for bad in [
        query(""),
        query(&"q".repeat(513)),
        SearchQuery {
            limit: Some(0),
            ..query("x")
        },
        SearchQuery {
            limit: Some(101),
            ..query("x")
        },
        SearchQuery {
            offset: Some(5001),
            ..query("x")
        },
        SearchQuery {
            has: Some("cats".into()),
            ..query("x")
        },
    ] {
        assert_code(
            h.engine.search_messages(owner, server.id, bad).await,
            ErrorCode::Validation,
        );
    }
}

#[tokio::test]
async fn the_index_survives_restarts_and_rebuilds_when_lost() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::builder()
        .data_dir(dir.path())
        .event_retention(5)
        .open()
        .await
        .unwrap();
    let h = TestHarness { engine, dir: None };
    let (server, general, owner, _) = h.scene().await;
    for i in 0..10 {
        h.say(owner, general, &format!("durable words {i}")).await;
    }
    assert_eq!(
        h.engine
            .search_messages(owner, server.id, query("durable"))
            .await
            .unwrap()
            .total,
        10
    );
    drop(h);

    let engine = Engine::builder()
        .data_dir(dir.path())
        .event_retention(5)
        .open()
        .await
        .unwrap();
    assert_eq!(
        engine
            .search_messages(owner, server.id, query("durable"))
            .await
            .unwrap()
            .total,
        10
    );
    drop(engine);

    // The index is lost and the log no longer reaches back: the messages are reindexed.
    std::fs::remove_dir_all(dir.path().join("search")).unwrap();
    let engine = Engine::builder()
        .data_dir(dir.path())
        .event_retention(5)
        .open()
        .await
        .unwrap();
    let h = TestHarness { engine, dir: None };
    h.say(owner, general, "durable after the rebuild").await;
    assert_eq!(
        h.engine
            .search_messages(owner, server.id, query("durable"))
            .await
            .unwrap()
            .total,
        11
    );
    drop(h);

    // An index an older version made, with another schema, is rebuilt too.
    let search = dir.path().join("search");
    std::fs::remove_dir_all(&search).unwrap();
    std::fs::create_dir_all(&search).unwrap();
    let mut older = tantivy::schema::Schema::builder();
    older.add_text_field("content", tantivy::schema::TEXT);
    drop(tantivy::Index::create_in_dir(&search, older.build()).unwrap());
    let engine = Engine::builder()
        .data_dir(dir.path())
        .event_retention(5)
        .open()
        .await
        .unwrap();
    let found = engine
        .search_messages(owner, server.id, query("durab"))
        .await
        .unwrap();
    assert_eq!(found.total, 11, "rebuilt, with parts of words");
}

#[tokio::test]
async fn parts_of_words_dms_images_and_newest_first() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    h.say(owner, general, "a quokka smiles").await;
    // Dates sort to the millisecond.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    h.say(owner, general, "Quokkas everywhere").await;
    h.say(owner, general, "nothing here").await;
    let found = h
        .engine
        .search_messages(member, server.id, query("quok"))
        .await
        .unwrap();
    assert_eq!(found.total, 2, "a prefix finds both: {:?}", ids(&found));
    assert!(
        found
            .messages
            .iter()
            .any(|m| m.highlight == "a <b>quok</b>ka smiles"),
        "{found:?}"
    );
    let found = h
        .engine
        .search_messages(member, server.id, query("okka"))
        .await
        .unwrap();
    assert_eq!(found.total, 2, "so does a part inside the word");
    h.say(
        owner,
        general,
        "Supercalifragilistic, order 17647123456789, Größenwahn",
    )
    .await;
    for (part, total) in [
        ("fragilis", 1),
        // Longer than the twelve letters indexed from each position.
        ("califragilistic", 1),
        ("istic", 1),
        ("7123456", 1),
        ("fragilex", 0),
        ("order", 1),
        // Past ASCII: terms sort by their UTF-8 bytes.
        ("ößenw", 1),
        ("ÖßEN", 1),
    ] {
        let found = h
            .engine
            .search_messages(member, server.id, query(part))
            .await
            .unwrap();
        assert_eq!(found.total, total, "{part}: {:?}", ids(&found));
    }
    let found = h
        .engine
        .search_messages(member, server.id, query("quokka"))
        .await
        .unwrap();
    assert_eq!(
        ids(&found)[0],
        "a quokka smiles",
        "the whole word ranks first"
    );
    let newest = SearchQuery {
        sort: Some("date".into()),
        ..query("quok")
    };
    let found = h
        .engine
        .search_messages(member, server.id, newest)
        .await
        .unwrap();
    assert_eq!(ids(&found), vec!["Quokkas everywhere", "a quokka smiles"]);
    assert_code(
        h.engine
            .search_messages(
                member,
                server.id,
                SearchQuery {
                    sort: Some("random".into()),
                    ..query("quok")
                },
            )
            .await,
        ErrorCode::Validation,
    );

    // DMs are searched apart, by their participants only.
    let dm = h.engine.open_dm(owner, member).await.unwrap();
    h.say(member, dm.id, "the secret quokka plan").await;
    let private = h
        .engine
        .search_private_messages(owner, query("secret"))
        .await
        .unwrap();
    assert_eq!(ids(&private), vec!["the secret quokka plan"]);
    let in_server = h
        .engine
        .search_messages(owner, server.id, query("secret"))
        .await
        .unwrap();
    assert_eq!(in_server.total, 0, "a DM is not in a server's results");
    let stranger = h.new_user("stranger").await;
    assert_eq!(
        h.engine
            .search_private_messages(stranger, query("secret"))
            .await
            .unwrap()
            .total,
        0
    );
    // Naming a DM of others is not found, as a channel that does not exist would be.
    let theirs = SearchQuery {
        channel_id: Some(dm.id),
        ..query("secret")
    };
    assert_code(
        h.engine.search_private_messages(stranger, theirs).await,
        ErrorCode::NotFound,
    );

    // has=image: a message with an image attachment (an embed alone is not one).
    let staging = tempfile::tempdir().unwrap();
    let png: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0,
        0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0,
    ];
    let path = staging.path().join("dot.png");
    std::fs::write(&path, png).unwrap();
    let upload = chat_engine::Upload {
        filename: "dot.png".into(),
        declared_type: None,
        path,
        size: png.len() as u64,
        sha256: "a".repeat(64),
        head: png.to_vec(),
    };
    h.engine
        .send_message_with_files(
            owner,
            general,
            CreateMessage {
                content: "a picture of a quokka".into(),
                ..Default::default()
            },
            vec![upload],
        )
        .await
        .unwrap();
    let images = SearchQuery {
        has: Some("image".into()),
        ..query("quokka")
    };
    assert_eq!(
        ids(&h
            .engine
            .search_messages(member, server.id, images)
            .await
            .unwrap()),
        vec!["a picture of a quokka"]
    );
}
