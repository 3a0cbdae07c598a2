//! Event sessions their clients ended (closed with 1000 or 1001): they never resume, also
//! after a restart. A mark is kept while the events after it are; older ones are pruned.

use super::keys::{ALL, seq, seq_of};
use super::{KeyRange, Kv, KvMut, Order, Table};
use crate::error::Result;

/// Marks of ended event sessions.
pub trait EndedSessionStore: Kv {
    /// Marks a session as ended after it saw `last_seq`.
    fn insert_ended_session(&mut self, session_id: &str, last_seq: u64)
    where
        Self: KvMut,
    {
        self.put_raw(
            Table::EndedSessions,
            session_id.as_bytes().to_vec(),
            seq(last_seq),
        );
    }

    /// Whether a session was ended by its client.
    fn fetch_ended_session(&self, session_id: &str) -> Result<bool> {
        self.contains(Table::EndedSessions, session_id.as_bytes())
    }

    /// Deletes the marks of sessions whose events are gone (`last_seq + 1 < oldest`): those
    /// cannot resume anyway.
    fn delete_ended_sessions_before(&mut self, oldest: u64) -> Result<usize>
    where
        Self: KvMut,
    {
        let marks = self.scan_raw(
            Table::EndedSessions,
            &KeyRange::all(),
            Order::Ascending,
            ALL,
        )?;
        let mut deleted = 0;
        for (key, value) in marks {
            if seq_of(&value)? + 1 < oldest {
                self.delete(Table::EndedSessions, key);
                deleted += 1;
            }
        }
        Ok(deleted)
    }
}

impl<T: Kv + ?Sized> EndedSessionStore for T {}
