//! A thread's life: its metadata and counts, archiving and unarchiving, locking, archiving
//! itself when idle (after a restart too), the archived list and deletion.

use chat_engine::ErrorCode;
use chat_engine::id::MessageId;
use chat_engine::model::{Channel, CreateMessage, CreateThread, Event, Permissions, UpdateChannel};

use crate::harness::{TestHarness, assert_code};

fn thread_from(message: MessageId, minutes: Option<u32>) -> CreateThread {
    CreateThread {
        auto_archive_duration: minutes,
        message_id: message,
        name: "side talk".into(),
    }
}

fn archived(thread: &Channel) -> bool {
    thread.thread_metadata.unwrap().archived
}

fn archive(yes: bool) -> UpdateChannel {
    UpdateChannel {
        archived: Some(yes),
        ..Default::default()
    }
}

#[tokio::test]
async fn threads_count_archive_unarchive_and_lock() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let starter = h.say(member, general, "let's talk").await;
    let bad = thread_from(starter.id, Some(61));
    assert_code(
        h.engine.create_thread(member, general, bad).await,
        ErrorCode::Validation,
    );
    let request = thread_from(starter.id, None);
    let thread = h
        .engine
        .create_thread(member, general, request)
        .await
        .unwrap();
    let meta = thread.thread_metadata.unwrap();
    assert_eq!(
        (meta.archived, meta.locked, meta.auto_archive_duration),
        (false, false, 1440)
    );
    assert_eq!(
        (thread.message_count, thread.member_count),
        (Some(0), Some(1))
    );

    let mut session = h.engine.subscribe(owner).unwrap();
    h.engine.join_thread(owner, thread.id).await.unwrap();
    h.say(owner, thread.id, "hi").await;
    let now = h.engine.fetch_channel(owner, thread.id).unwrap();
    assert_eq!((now.message_count, now.member_count), (Some(1), Some(2)));
    let joined = loop {
        if let Event::ThreadMembersUpdate(update) = &session.next_event().await.unwrap().event {
            break update.clone();
        }
    };
    assert_eq!(
        (joined.member_count, joined.added_member_ids.clone()),
        (2, vec![owner])
    );

    // Its owner archives it; a message brings it back.
    let outsider = h.new_user("bystander").await;
    h.join(&server, outsider).await;
    assert_code(
        h.engine
            .update_thread(outsider, thread.id, archive(true))
            .await,
        ErrorCode::MissingPermissions,
    );
    let shelved = h
        .engine
        .update_thread(member, thread.id, archive(true))
        .await
        .unwrap();
    assert!(archived(&shelved));
    assert_eq!(
        h.engine.list_archived_threads(outsider, general).unwrap()[0].id,
        thread.id
    );
    h.say(outsider, thread.id, "anyone?").await;
    assert!(!archived(
        &h.engine.fetch_channel(owner, thread.id).unwrap()
    ));
    assert!(
        h.engine
            .list_archived_threads(owner, general)
            .unwrap()
            .is_empty()
    );

    // Locking is for MANAGE_THREADS; in a locked thread only they post.
    let lock = UpdateChannel {
        locked: Some(true),
        archived: Some(true),
        ..Default::default()
    };
    assert_code(
        h.engine
            .update_thread(member, thread.id, lock.clone())
            .await,
        ErrorCode::MissingPermissions,
    );
    let moderator = h
        .member_with(&server, "threadkeeper", Permissions::MANAGE_THREADS)
        .await;
    let locked = h
        .engine
        .update_thread(moderator, thread.id, lock)
        .await
        .unwrap();
    assert!(locked.thread_metadata.unwrap().locked);
    let text = CreateMessage {
        content: "let me in".into(),
        ..Default::default()
    };
    assert_code(
        h.engine.send_message(member, thread.id, text).await,
        ErrorCode::Forbidden,
    );
    assert_code(
        h.engine
            .update_thread(member, thread.id, archive(false))
            .await,
        ErrorCode::MissingPermissions,
    );
    h.say(moderator, thread.id, "closing words").await;
    assert!(!archived(
        &h.engine.fetch_channel(owner, thread.id).unwrap()
    ));

    // Threads change only through their own rules; bad fields are refused.
    let topic = UpdateChannel {
        topic: Some("no".into()),
        ..Default::default()
    };
    assert_code(
        h.engine.update_thread(moderator, thread.id, topic).await,
        ErrorCode::Validation,
    );
    assert_code(
        h.engine
            .update_channel(owner, thread.id, archive(true))
            .await,
        ErrorCode::Validation,
    );
    assert_code(
        h.engine.delete_thread(outsider, thread.id).await,
        ErrorCode::MissingPermissions,
    );
    h.engine.delete_thread(member, thread.id).await.unwrap();
    assert_code(
        h.engine.fetch_channel(owner, thread.id),
        ErrorCode::NotFound,
    );
}

#[tokio::test]
async fn an_idle_thread_archives_itself_after_a_restart_too() {
    let h = TestHarness::durable().await;
    let (_, general, owner, _) = h.scene().await;
    let starter = h.say(owner, general, "topic").await;
    let request = thread_from(starter.id, Some(60));
    let thread = h
        .engine
        .create_thread(owner, general, request)
        .await
        .unwrap();
    let h = h.reopen().await;
    let soon = chrono::Utc::now() + chrono::Duration::minutes(59);
    assert_eq!(h.engine.archive_threads_idle_at(soon).await.unwrap(), 0);
    let mut session = h.engine.subscribe(owner).unwrap();
    let later = chrono::Utc::now() + chrono::Duration::minutes(61);
    assert_eq!(h.engine.archive_threads_idle_at(later).await.unwrap(), 1);
    assert!(archived(&h.engine.fetch_channel(owner, thread.id).unwrap()));
    let updated = loop {
        if let Event::ThreadUpdate(t) = &session.next_event().await.unwrap().event {
            break t.clone();
        }
    };
    assert!(archived(&updated));
    assert_eq!(
        h.engine.archive_threads_idle_at(later).await.unwrap(),
        0,
        "once"
    );
}
