//! Attachments: each file of a message (its metadata and the key of its bytes in the blob
//! store), and how many attachments share each blob (blobs are content-addressed, so the
//! same bytes uploaded twice are kept once; the last reference gone, the blob goes too).

use serde::{Deserialize, Serialize};

use super::keys::pair;
use super::{Kv, KvMut, Table};
use crate::error::Result;
use crate::id::{AttachmentId, ChannelId, MessageId};
use crate::model::Attachment;

/// A stored attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRecord {
    /// What clients see.
    pub attachment: Attachment,
    /// The key of its bytes in the blob store (their SHA-256, hex).
    pub blob: String,
    /// Its message.
    pub message_id: MessageId,
}

/// Attachments and blob references.
pub trait AttachmentStore: Kv {
    /// Stores an attachment and counts a reference to its blob.
    fn insert_attachment(&mut self, channel: ChannelId, record: &AttachmentRecord) -> Result<()>
    where
        Self: KvMut,
    {
        self.put(
            Table::Attachments,
            pair(channel, record.attachment.id),
            record,
        );
        let refs = self.fetch_blob_refs(&record.blob)?;
        self.put(
            Table::BlobRefs,
            record.blob.as_bytes().to_vec(),
            &(refs + 1),
        );
        Ok(())
    }

    /// An attachment of a channel.
    fn fetch_attachment(
        &self,
        channel: ChannelId,
        id: AttachmentId,
    ) -> Result<Option<AttachmentRecord>> {
        self.get(Table::Attachments, &pair(channel, id))
    }

    /// How many attachments use a blob.
    fn fetch_blob_refs(&self, blob: &str) -> Result<u64> {
        Ok(self.get(Table::BlobRefs, blob.as_bytes())?.unwrap_or(0))
    }

    /// Deletes an attachment; the blob's count goes down, and its entry with the last one
    /// (which tells the blob store's sweeper to delete the bytes).
    fn delete_attachment(&mut self, channel: ChannelId, id: AttachmentId) -> Result<()>
    where
        Self: KvMut,
    {
        let Some(record) = self.fetch_attachment(channel, id)? else {
            return Ok(());
        };
        self.delete(Table::Attachments, pair(channel, id));
        match self.fetch_blob_refs(&record.blob)? {
            0 | 1 => self.delete(Table::BlobRefs, record.blob.into_bytes()),
            refs => self.put(Table::BlobRefs, record.blob.into_bytes(), &(refs - 1)),
        }
        Ok(())
    }
}

impl<T: Kv + ?Sized> AttachmentStore for T {}
