//! The engine's own settings (the token-signing secret), by name.

use super::{Kv, KvMut, Table};
use crate::error::Result;

/// Settings the engine keeps for itself.
pub trait SettingsStore: Kv {
    /// Stores a setting.
    fn update_setting(&mut self, name: &str, value: &str)
    where
        Self: KvMut,
    {
        self.put(Table::Meta, name.as_bytes().to_vec(), &value);
    }

    /// Fetches a setting.
    fn fetch_setting(&self, name: &str) -> Result<Option<String>> {
        self.get(Table::Meta, name.as_bytes())
    }
}

impl<T: Kv + ?Sized> SettingsStore for T {}
