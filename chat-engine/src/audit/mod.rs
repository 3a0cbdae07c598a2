//! The audit log: reading a server's entries (VIEW_AUDIT_LOG) and forgetting those past the
//! retention. Entries are written by the changes themselves (`audit_trail`).

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::id::{ServerId, UserId};
use crate::limits::MAX_AUDIT_PAGE;
use crate::model::{AuditLogEntry, AuditLogQuery, Permissions, Timestamp};
use crate::permissions::context;
use crate::store::{AuditLogStore, ServerStore};

/// Entries read from the store at a time while filtering.
const CHUNK: usize = 200;

impl Engine {
    /// A page of a server's audit log, newest first, filtered by actor and action
    /// (VIEW_AUDIT_LOG). Entries past the retention are never answered.
    pub fn audit_log(
        &self,
        actor: UserId,
        server: ServerId,
        query: &AuditLogQuery,
    ) -> Result<Vec<AuditLogEntry>> {
        let limit = query.limit.unwrap_or(50);
        if !(1..=MAX_AUDIT_PAGE).contains(&limit) {
            return Err(Error::validation(
                "limit",
                format!("must be 1 to {MAX_AUDIT_PAGE}"),
            ));
        }
        let reader = self.read()?;
        context(&reader, server, actor)?.require(Permissions::VIEW_AUDIT_LOG)?;
        let oldest = self.audit_cutoff();
        let mut page = Vec::with_capacity(limit);
        let mut before = query.before;
        loop {
            let chunk = reader.list_audit_entries(server, before, CHUNK)?;
            let exhausted = chunk.len() < CHUNK;
            before = chunk.last().map(|e| e.id);
            for entry in chunk {
                if entry.created_at < oldest {
                    return Ok(page);
                }
                let by_actor = query.user_id.is_none_or(|u| u == entry.user_id);
                let of_action = query.action_type.is_none_or(|a| a == entry.action_type);
                if by_actor && of_action {
                    page.push(entry);
                    if page.len() == limit {
                        return Ok(page);
                    }
                }
            }
            if exhausted {
                return Ok(page);
            }
        }
    }

    /// Deletes every audit log entry older than the retention; answers how many.
    pub async fn prune_audit_log(&self) -> Result<usize> {
        let oldest = self.audit_cutoff();
        let mut pruned = 0;
        let mut after = None;
        loop {
            let servers = self.read()?.list_servers(after, CHUNK)?;
            let Some(last) = servers.last() else {
                return Ok(pruned);
            };
            after = Some(last.id);
            for server in servers {
                pruned += self.prune_server_audit_log(server.id, oldest).await?;
            }
        }
    }

    async fn prune_server_audit_log(&self, server: ServerId, oldest: Timestamp) -> Result<usize> {
        // Most servers have nothing to forget: a read says so without a write.
        let first = self.read()?.oldest_audit_entries(server, 1)?;
        if first.first().is_none_or(|e| e.created_at >= oldest) {
            return Ok(0);
        }
        let mut pruned = 0;
        loop {
            let expired = self.write(move |tx| {
                let expired: Vec<_> = tx
                    .oldest_audit_entries(server, CHUNK)?
                    .into_iter()
                    .take_while(|e| e.created_at < oldest)
                    .map(|e| e.id)
                    .collect();
                for id in &expired {
                    tx.delete_audit_entry(server, *id);
                }
                Ok(expired.len())
            });
            let count = expired.await?;
            pruned += count;
            if count < CHUNK {
                return Ok(pruned);
            }
        }
    }

    /// The time before which entries are past the retention.
    fn audit_cutoff(&self) -> Timestamp {
        let retention =
            chrono::Duration::from_std(self.audit_log_retention()).unwrap_or(chrono::Duration::MAX);
        chrono::Utc::now()
            .checked_sub_signed(retention)
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC)
    }
}
