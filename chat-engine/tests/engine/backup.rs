//! Backups: taken while messages keep coming, restored into an empty data directory with
//! every message acknowledged before the backup began and nothing half-written; a damaged
//! backup is refused and leaves the directory as it was.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chat_engine::id::{ChannelId, MessageId};
use chat_engine::model::{CreateMessage, HistoryQuery};
use chat_engine::{Engine, ErrorCode};
use sha2::{Digest, Sha256};

use crate::harness::{PNG, TestHarness, assert_code};

fn text(content: &str) -> CreateMessage {
    CreateMessage {
        content: content.into(),
        ..Default::default()
    }
}

/// Every message of a channel, oldest first.
fn history(engine: &Engine, reader: chat_engine::id::UserId, channel: ChannelId) -> Vec<MessageId> {
    let mut ids = Vec::new();
    let mut after = Some(MessageId::from_ulid(ulid::Ulid::nil()));
    loop {
        let query = HistoryQuery {
            after,
            limit: Some(100),
            ..HistoryQuery::default()
        };
        let mut page: Vec<_> = engine
            .list_messages(reader, channel, query)
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect();
        page.sort();
        let Some(last) = page.last().copied() else {
            return ids;
        };
        ids.extend(page);
        after = Some(last);
    }
}

async fn backup(engine: &Engine) -> Vec<u8> {
    let engine = engine.clone();
    tokio::task::spawn_blocking(move || {
        let mut archive = Vec::new();
        let mut pages = 0;
        let summary = engine.backup(&mut archive, &mut |_| pages += 1).unwrap();
        assert!(pages > 0, "progress is reported");
        assert_eq!(summary.counts.bytes, archive.len() as u64);
        archive
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_restores_every_acknowledged_message_and_nothing_half_written() {
    let h = TestHarness::durable().await;
    let (server, general, owner, member) = h.scene().await;
    let staging = tempfile::tempdir().unwrap();
    let path = staging.path().join("dot.png");
    std::fs::write(&path, PNG).unwrap();
    let upload = chat_engine::Upload {
        filename: "dot.png".into(),
        declared_type: Some("image/png".into()),
        path,
        size: PNG.len() as u64,
        sha256: format!("{:x}", Sha256::digest(PNG)),
        head: PNG.to_vec(),
    };
    let with_file = h
        .engine
        .send_message_with_files(owner, general, text("a file"), vec![upload])
        .await
        .unwrap();

    // What is there (the join notice and the file), then four senders write through the
    // backup.
    // Each acknowledged message with the moment its send began.
    let existing = history(&h.engine, owner, general);
    assert!(existing.contains(&with_file.id));
    let began = std::time::Instant::now();
    let acknowledged = Arc::new(Mutex::new(
        existing
            .into_iter()
            .map(|id| (began, id))
            .collect::<Vec<_>>(),
    ));
    let stop = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..4)
        .map(|n| {
            let (engine, acknowledged, stop) =
                (h.engine.clone(), acknowledged.clone(), stop.clone());
            tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let began = std::time::Instant::now();
                    let sent = engine
                        .send_message(member, general, text(&format!("sender {n} message {i}")))
                        .await
                        .unwrap();
                    acknowledged.lock().unwrap().push((began, sent.id));
                    i += 1;
                }
            })
        })
        .collect();
    while acknowledged.lock().unwrap().len() < 200 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let before: Vec<MessageId> = acknowledged.lock().unwrap().iter().map(|a| a.1).collect();
    let archive = backup(&h.engine).await;
    let ended = std::time::Instant::now();
    let done = acknowledged.lock().unwrap().len();
    while acknowledged.lock().unwrap().len() < done + 20 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for sender in senders {
        sender.await.unwrap();
    }
    let all: std::collections::HashSet<MessageId> =
        acknowledged.lock().unwrap().iter().map(|a| a.1).collect();
    // Sends that began once the backup had ended cannot be in it (an acknowledgement that
    // arrived after it may still belong to a commit before its snapshot).
    let later: Vec<MessageId> = acknowledged
        .lock()
        .unwrap()
        .iter()
        .filter(|(began, _)| *began > ended)
        .map(|a| a.1)
        .collect();
    assert!(!later.is_empty());

    let target = tempfile::tempdir().unwrap();
    let data = target.path().join("restored");
    let counts =
        chat_engine::backup::restore_data_dir(&mut &archive[..], &data, &mut |_| {}).unwrap();
    assert_eq!(counts.blobs, 1, "the attachment's bytes are in the backup");
    let restored = Engine::open(&data).await.unwrap();
    let ids = history(&restored, owner, general);
    for id in &before {
        assert!(ids.contains(id), "{id} was acknowledged before the backup");
    }
    for id in &ids {
        assert!(all.contains(id), "{id} was never acknowledged");
    }
    for id in &later {
        assert!(!ids.contains(id), "{id} was sent after the backup ended");
    }
    // Each message was written with its channel's last message in one commit: the newest
    // restored message is the channel's last.
    let channel = restored.fetch_channel(owner, general).unwrap();
    assert_eq!(channel.last_message_id, ids.last().copied());
    let file = restored
        .fetch_message(owner, general, with_file.id)
        .unwrap();
    let record = restored
        .attachment(owner, general, file.attachments[0].id)
        .unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut restored.attachment_bytes(&record).unwrap(), &mut bytes)
        .unwrap();
    assert_eq!(bytes, PNG);
    // Search is rebuilt from the restored store.
    restored.wait_until_searchable().await.unwrap();
    let query = chat_engine::model::SearchQuery {
        q: "file".into(),
        ..Default::default()
    };
    let found = restored
        .search_messages(owner, server.id, query)
        .await
        .unwrap();
    assert!(
        found
            .messages
            .iter()
            .any(|hit| hit.message.id == with_file.id)
    );
}

#[tokio::test]
async fn a_damaged_backup_is_refused_and_leaves_the_directory_as_it_was() {
    let h = TestHarness::durable().await;
    let (_, general, owner, _) = h.scene().await;
    h.say(owner, general, "precious").await;
    let archive = backup(&h.engine).await;
    let target = tempfile::tempdir().unwrap();
    let restore = |bytes: &[u8], dir: &std::path::Path| {
        chat_engine::backup::restore_data_dir(&mut &bytes[..], dir, &mut |_| {})
    };
    let empty_after =
        |dir: &std::path::Path| std::fs::read_dir(dir).map_or(0, Iterator::count) == 0;

    let cut = target.path().join("cut");
    assert_code(
        restore(&archive[..archive.len() - 40], &cut),
        ErrorCode::Validation,
    );
    assert!(empty_after(&cut), "nothing is left of a cut-off restore");

    let mut flipped = archive.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x55;
    let bad = target.path().join("flipped");
    assert_code(restore(&flipped, &bad), ErrorCode::Validation);
    assert!(empty_after(&bad));

    assert_code(restore(b"not a backup at all", &bad), ErrorCode::Validation);

    // A directory with a database is never overwritten.
    let full = target.path().join("full");
    restore(&archive, &full).unwrap();
    let database = std::fs::read(full.join("chat.redb")).unwrap();
    assert_code(restore(&archive, &full), ErrorCode::Validation);
    assert_eq!(std::fs::read(full.join("chat.redb")).unwrap(), database);
    let restored = Engine::open(&full).await.unwrap();
    let kept = restored
        .list_messages(owner, general, HistoryQuery::default())
        .unwrap();
    assert_eq!(kept[0].content, "precious");
}
