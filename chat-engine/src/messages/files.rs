//! Messages with files: what a transport hands over for each uploaded file (staged as a local
//! file, with its hash and first bytes), how a file is checked (its type sniffed from the
//! bytes, an image's size read from its header, its name made safe) and stored (a blob, then
//! an attachment committed with its message), and reading one back for those who may view its
//! channel.

use std::fmt::Write;
use std::io::Read;
use std::path::PathBuf;

use tracing::Instrument;

use crate::access::viewable_channel;
use crate::engine::Engine;
use crate::error::{Error, ResourceKind, Result, StorageError, found};
use crate::id::{AttachmentId, ChannelId, MessageId, UserId};
use crate::limits::MAX_FILES;
use crate::model::{Attachment, Channel, CreateMessage, Message};
use crate::store::{AttachmentRecord, AttachmentStore, KvMut, Tx};

/// A file a client uploaded, staged by the transport as a local file.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The name the client gave.
    pub filename: String,
    /// The type the client declared, if any.
    pub declared_type: Option<String>,
    /// Where the bytes are staged (the engine copies them into its blob store).
    pub path: PathBuf,
    /// How many bytes.
    pub size: u64,
    /// Their SHA-256, hex.
    pub sha256: String,
    /// Their first bytes (a few KiB), to tell the type and an image's size.
    pub head: Vec<u8>,
}

/// A checked file whose bytes are in the blob store.
#[derive(Debug)]
pub(super) struct Prepared {
    blob: String,
    filename: String,
    content_type: String,
    size: u64,
    dimensions: Option<(u32, u32)>,
}

impl Engine {
    /// Sends a message with files (up to 10; ATTACH_FILES besides SEND_MESSAGES). Each
    /// file's type is what its bytes are; a file declared as an image whose bytes are not one
    /// is refused. The content may be empty.
    ///
    /// # Errors
    ///
    /// `Validation` for too many files, a lying image, or what `send_message` refuses;
    /// `MissingPermissions` without ATTACH_FILES.
    #[tracing::instrument(level = "debug", skip_all, fields(%actor, %channel, files = uploads.len()), err(level = "debug"))]
    pub async fn send_message_with_files(
        &self,
        actor: UserId,
        channel: ChannelId,
        request: CreateMessage,
        uploads: Vec<Upload>,
    ) -> Result<Message> {
        if uploads.len() > MAX_FILES {
            return Err(Error::validation("files", format!("at most {MAX_FILES}")));
        }
        let mut prepared = Vec::with_capacity(uploads.len());
        for upload in &uploads {
            prepared.push(prepare(upload)?);
        }
        // The blobs stay pinned until the message is committed or refused, so the sweeper
        // cannot delete bytes stored here for an attachment about to be committed. The work
        // runs as a task of its own: a caller that gives up cannot drop the pins while the
        // message may still be committed.
        let pinned = self
            .blob_pins()
            .pin(prepared.iter().map(|p| p.blob.clone()).collect());
        let engine = self.clone();
        let sending = tokio::spawn(
            async move {
                for (upload, file) in uploads.iter().zip(&prepared) {
                    let (store, key, path) = (
                        engine.blobs().clone(),
                        file.blob.clone(),
                        upload.path.clone(),
                    );
                    tokio::task::spawn_blocking(move || store.put(&key, &path))
                        .await
                        .map_err(StorageError::new)?
                        .map_err(StorageError::new)?;
                }
                let sent = engine.send(actor, channel, request, prepared).await;
                // Committed or refused: the blobs go to the sweeper, which deletes those that
                // nothing uses (the send was refused, or repeated a nonce and stored nothing).
                drop(pinned);
                sent
            }
            .in_current_span(),
        );
        sending.await.map_err(StorageError::new)?
    }

    /// An attachment of a channel the caller can view.
    ///
    /// # Errors
    ///
    /// `NotFound` for an attachment that does not exist or a channel the caller cannot view.
    pub fn attachment(
        &self,
        actor: UserId,
        channel: ChannelId,
        id: AttachmentId,
    ) -> Result<AttachmentRecord> {
        let reader = self.read()?;
        viewable_channel(&reader, actor, channel)?;
        found(
            reader.fetch_attachment(channel, id)?,
            ResourceKind::Attachment,
            id,
        )
    }

    /// The bytes of an attachment (from [`Engine::attachment`]).
    pub fn attachment_bytes(&self, record: &AttachmentRecord) -> Result<Box<dyn Read + Send>> {
        Ok(self.blobs().get(&record.blob).map_err(StorageError::new)?)
    }
}

/// Stores the attachments of a new message (in its write).
pub(super) fn attach(
    tx: &mut Tx<'_>,
    channel: &Channel,
    message: MessageId,
    files: Vec<Prepared>,
) -> Result<Vec<Attachment>> {
    let mut attachments = Vec::with_capacity(files.len());
    for file in files {
        let id: AttachmentId = tx.new_id();
        let attachment = Attachment {
            content_type: file.content_type,
            url: format!(
                "/api/v1/attachments/{}/{id}/{}",
                channel.id,
                url_segment(&file.filename)
            ),
            filename: file.filename,
            height: file.dimensions.map(|(_, h)| h),
            id,
            size: file.size,
            width: file.dimensions.map(|(w, _)| w),
        };
        let record = AttachmentRecord {
            attachment: attachment.clone(),
            blob: file.blob,
            message_id: message,
        };
        tx.insert_attachment(channel.id, &record)?;
        attachments.push(attachment);
    }
    Ok(attachments)
}

/// Checks an upload: its type from its bytes, an image's size, a safe name.
fn prepare(upload: &Upload) -> Result<Prepared> {
    if !crate::blobs::is_key(&upload.sha256) {
        return Err(Error::validation("files", "not a SHA-256 in hex"));
    }
    let content_type = sniff(&upload.head);
    let declared_image = upload
        .declared_type
        .as_deref()
        .is_some_and(|t| t.trim().to_ascii_lowercase().starts_with("image/"));
    let image = content_type.starts_with("image/");
    if declared_image && !image {
        return Err(Error::validation(
            "files",
            format!(
                "{} is declared an image but is not one",
                safe_filename(&upload.filename)
            ),
        ));
    }
    let dimensions = image
        .then(|| imagesize::blob_size(&upload.head).ok())
        .flatten()
        .map(|size| (size.width as u32, size.height as u32));
    Ok(Prepared {
        blob: upload.sha256.clone(),
        filename: safe_filename(&upload.filename),
        content_type,
        size: upload.size,
        dimensions,
    })
}

/// The type the bytes are: a known signature, else UTF-8 text, else opaque bytes.
fn sniff(head: &[u8]) -> String {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_owned();
    }
    // A cut may split the last character: text is text if all but that decodes.
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    };
    if text && !head.contains(&0) {
        "text/plain; charset=utf-8".to_owned()
    } else {
        "application/octet-stream".to_owned()
    }
}

/// The last component of a client's file name, without control characters, quotes or
/// leading dots, at most 128 characters (keeping the extension); `file` when nothing is left.
pub(crate) fn safe_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '*' | '?' | '|'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        return "file".to_owned();
    }
    if cleaned.chars().count() <= 128 {
        return cleaned.to_owned();
    }
    let (stem, extension) = cleaned
        .rsplit_once('.')
        .filter(|(_, e)| e.len() <= 16)
        .unwrap_or((cleaned, ""));
    let keep = 127 - extension.chars().count();
    let stem: String = stem.chars().take(keep).collect();
    if extension.is_empty() {
        stem
    } else {
        format!("{stem}.{extension}")
    }
}

/// A file name as one URL path segment.
fn url_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(safe_filename("../../etc/passwd"), "passwd");
        assert_eq!(safe_filename("C:\\Users\\me\\photo.png"), "photo.png");
        assert_eq!(safe_filename("..."), "file");
        assert_eq!(safe_filename("a\u{0}b\"c<d>.txt"), "abcd.txt");
        assert_eq!(safe_filename(".hidden"), "hidden");
        let long = format!("{}.jpeg", "x".repeat(300));
        let kept = safe_filename(&long);
        assert_eq!(kept.chars().count(), 128);
        assert_eq!(kept.rsplit_once('.').map(|(_, e)| e), Some("jpeg"));
        assert_eq!(url_segment("my photo é.png"), "my%20photo%20%C3%A9.png");
    }

    #[test]
    fn types_come_from_the_bytes() {
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        assert_eq!(sniff(&png), "image/png");
        assert_eq!(sniff(b"hello, world"), "text/plain; charset=utf-8");
        assert_eq!(sniff(&[0, 1, 2, 3]), "application/octet-stream");
    }
}
