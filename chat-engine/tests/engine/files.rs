//! Messages with files: types from the bytes, image sizes, safe names, ATTACH_FILES, and the
//! blob kept while a message uses it and deleted with the last one.

use std::io::Read;

use chat_engine::id::ChannelId;
use chat_engine::model::{CreateMessage, Permissions, UpdateRole};
use chat_engine::{ErrorCode, Upload};
use sha2::{Digest, Sha256};

use crate::harness::{PNG, TestHarness, assert_code};

/// Stages bytes as an upload in `dir`.
fn upload(dir: &tempfile::TempDir, name: &str, declared: Option<&str>, bytes: &[u8]) -> Upload {
    let path = dir.path().join(ulid::Ulid::generate().to_string());
    std::fs::write(&path, bytes).unwrap();
    Upload {
        filename: name.into(),
        declared_type: declared.map(str::to_owned),
        path,
        size: bytes.len() as u64,
        sha256: format!("{:x}", Sha256::digest(bytes)),
        head: bytes[..bytes.len().min(4096)].to_vec(),
    }
}

fn text(content: &str) -> CreateMessage {
    CreateMessage {
        content: content.into(),
        ..Default::default()
    }
}

fn read_all(
    h: &TestHarness,
    member: chat_engine::id::UserId,
    channel: ChannelId,
    id: chat_engine::id::AttachmentId,
) -> Vec<u8> {
    let record = h.engine.attachment(member, channel, id).unwrap();
    let mut bytes = Vec::new();
    h.engine
        .attachment_bytes(&record)
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    bytes
}

#[tokio::test]
async fn files_are_typed_by_their_bytes_served_to_viewers_and_deleted_with_their_message() {
    let h = TestHarness::durable().await;
    let (_, general, owner, member) = h.scene().await;
    let staging = tempfile::tempdir().unwrap();
    let files = vec![
        upload(&staging, "../../dot.PNG", Some("image/png"), PNG),
        upload(
            &staging,
            "notes.txt",
            Some("application/x-anything"),
            b"plain words",
        ),
    ];
    let sent = h
        .engine
        .send_message_with_files(owner, general, text(""), files)
        .await
        .unwrap();
    let [image, notes] = &sent.attachments[..] else {
        panic!("{sent:?}")
    };
    assert_eq!(
        (image.filename.as_str(), image.content_type.as_str()),
        ("dot.PNG", "image/png")
    );
    assert_eq!(
        (image.width, image.height, image.size),
        (Some(1), Some(1), PNG.len() as u64)
    );
    assert_eq!(notes.content_type, "text/plain; charset=utf-8");
    assert_eq!((notes.width, notes.height), (None, None));
    assert_eq!(
        image.url,
        format!("/api/v1/attachments/{general}/{}/dot.PNG", image.id)
    );
    assert_eq!(read_all(&h, member, general, image.id), PNG);

    // The same bytes again share the blob; the first message's deletion keeps it.
    let again = h
        .engine
        .send_message_with_files(
            owner,
            general,
            text("again"),
            vec![upload(&staging, "same.png", None, PNG)],
        )
        .await
        .unwrap();
    h.engine
        .delete_message(owner, general, sent.id)
        .await
        .unwrap();
    assert_code(
        h.engine.attachment(member, general, image.id),
        ErrorCode::NotFound,
    );
    let blob_dir = h.dir.as_ref().unwrap().path().join("blobs");
    // Blobs are deleted on a thread of their own, soon after the commit.
    let count = || walk(&blob_dir);
    assert_eq!(
        settled(count, 1).await,
        1,
        "the text's blob went with its message, the image's stays"
    );
    assert_eq!(read_all(&h, member, general, again.attachments[0].id), PNG);
    h.engine
        .delete_message(owner, general, again.id)
        .await
        .unwrap();
    assert_eq!(settled(count, 0).await, 0, "no message uses it any more");
}

/// `count()` once it equals `expected`, or after two seconds, whatever it is then.
async fn settled(count: impl Fn() -> usize, expected: usize) -> usize {
    for _ in 0..200 {
        if count() == expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    count()
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| {
                if e.path().is_dir() {
                    walk(&e.path())
                } else {
                    usize::from(!e.file_name().to_string_lossy().starts_with('.'))
                }
            })
            .sum()
    })
}

#[tokio::test]
async fn a_lying_image_is_refused_and_attach_files_is_needed() {
    let h = TestHarness::new().await;
    let (server, general, owner, member) = h.scene().await;
    let staging = tempfile::tempdir().unwrap();
    let lying = upload(
        &staging,
        "cat.jpg",
        Some("image/jpeg"),
        b"<script>alert(1)</script>",
    );
    assert_code(
        h.engine
            .send_message_with_files(member, general, text("a cat"), vec![lying])
            .await,
        ErrorCode::Validation,
    );
    let eleven = (0..11)
        .map(|i| upload(&staging, &format!("{i}.txt"), None, b"x"))
        .collect();
    assert_code(
        h.engine
            .send_message_with_files(member, general, text("many"), eleven)
            .await,
        ErrorCode::Validation,
    );
    let stranger = h.new_user("stranger").await;
    assert_code(
        h.engine
            .send_message_with_files(
                stranger,
                general,
                text("hi"),
                vec![upload(&staging, "a.txt", None, b"a")],
            )
            .await,
        ErrorCode::NotFound,
    );

    // @everyone without ATTACH_FILES: members may still send text, not files.
    let everyone = server.id.cast();
    let update = UpdateRole {
        permissions: Some(Permissions::EVERYONE_DEFAULT - Permissions::ATTACH_FILES),
        ..Default::default()
    };
    h.engine
        .update_role(owner, server.id, everyone, update)
        .await
        .unwrap();
    assert_code(
        h.engine
            .send_message_with_files(
                member,
                general,
                text("file"),
                vec![upload(&staging, "a.txt", None, b"a")],
            )
            .await,
        ErrorCode::MissingPermissions,
    );
    h.say(member, general, "words still go").await;
    let history = h.history(owner, general);
    assert!(
        history.iter().all(|m| m.attachments.is_empty()),
        "nothing was stored"
    );
}

#[tokio::test]
async fn a_refused_upload_leaves_no_bytes_but_keeps_those_a_message_uses() {
    let h = TestHarness::durable().await;
    let (_, general, owner, _) = h.scene().await;
    let staging = tempfile::tempdir().unwrap();
    h.engine
        .send_message_with_files(
            owner,
            general,
            text("kept"),
            vec![upload(&staging, "kept.txt", None, b"kept bytes")],
        )
        .await
        .unwrap();
    let stranger = h.new_user("stranger").await;
    let refused = vec![
        upload(&staging, "kept.txt", None, b"kept bytes"),
        upload(&staging, "new.txt", None, b"new bytes"),
    ];
    assert_code(
        h.engine
            .send_message_with_files(stranger, general, text("hi"), refused)
            .await,
        ErrorCode::NotFound,
    );
    let blob_dir = h.dir.as_ref().unwrap().path().join("blobs");
    assert_eq!(
        settled(|| walk(&blob_dir), 1).await,
        1,
        "the new bytes went; the bytes a message uses stayed"
    );
    let history = h.history(owner, general);
    let kept = &history
        .iter()
        .find(|m| m.content == "kept")
        .unwrap()
        .attachments[0];
    assert_eq!(read_all(&h, owner, general, kept.id), b"kept bytes");
}

#[tokio::test]
async fn files_sent_again_under_a_nonce_already_used_leave_no_bytes() {
    let h = TestHarness::durable().await;
    let (_, general, owner, _) = h.scene().await;
    let staging = tempfile::tempdir().unwrap();
    let send = async |bytes: &[u8]| {
        let request = CreateMessage {
            content: "once".into(),
            nonce: Some("retry-1".into()),
            ..Default::default()
        };
        let file = upload(&staging, "a.txt", None, bytes);
        h.engine
            .send_message_with_files(owner, general, request, vec![file])
            .await
            .unwrap()
    };
    let first = send(b"first bytes").await;
    // A retry under the same nonce, with other bytes: the message sent first comes back.
    let again = send(b"other bytes").await;
    assert_eq!(again.id, first.id);
    let blob_dir = h.dir.as_ref().unwrap().path().join("blobs");
    assert_eq!(
        settled(|| walk(&blob_dir), 1).await,
        1,
        "the retry's bytes went; the first message's stayed"
    );
    let kept = &again.attachments[0];
    assert_eq!(read_all(&h, owner, general, kept.id), b"first bytes");
}
