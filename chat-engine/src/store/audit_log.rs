//! Each server's audit log, newest entries last in key order.

use std::ops::Bound;

use super::keys::{pair, prefix};
use super::{Kv, KvMut, Order, Table};
use crate::error::Result;
use crate::id::{AuditLogEntryId, ServerId};
use crate::model::AuditLogEntry;

/// A server's audit log.
pub trait AuditLogStore: Kv {
    /// Appends an entry.
    fn add_audit_entry(&mut self, server: ServerId, entry: &AuditLogEntry)
    where
        Self: KvMut,
    {
        self.put(Table::AuditLog, pair(server, entry.id), entry);
    }

    /// Up to `limit` entries older than `before` (or the newest), newest first.
    fn list_audit_entries(
        &self,
        server: ServerId,
        before: Option<AuditLogEntryId>,
        limit: usize,
    ) -> Result<Vec<AuditLogEntry>> {
        let mut range = prefix(server);
        if let Some(before) = before {
            range.end = Bound::Excluded(pair(server, before));
        }
        self.scan(Table::AuditLog, &range, Order::Descending, limit)
    }

    /// Up to `limit` of the oldest entries, oldest first.
    fn oldest_audit_entries(&self, server: ServerId, limit: usize) -> Result<Vec<AuditLogEntry>> {
        self.scan(Table::AuditLog, &prefix(server), Order::Ascending, limit)
    }

    /// Deletes an entry.
    fn delete_audit_entry(&mut self, server: ServerId, entry: AuditLogEntryId)
    where
        Self: KvMut,
    {
        self.delete(Table::AuditLog, pair(server, entry));
    }
}

impl<T: Kv + ?Sized> AuditLogStore for T {}
