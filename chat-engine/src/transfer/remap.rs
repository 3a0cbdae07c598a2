//! Old ids to new ones, wherever they appear in a record: in its id fields and inside its
//! text (`<@id>`, `<#id>`, `<@&id>` and the links rendered from them).

use std::collections::HashMap;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::id::Id;

/// The length of an id's text (a ULID).
const ID_LEN: usize = 26;

/// Every id given a new one so far.
#[derive(Debug, Default)]
pub(super) struct IdMap(HashMap<String, String>);

impl IdMap {
    /// Records that `old` is now `new`.
    pub(super) fn insert<M>(&mut self, old: Id<M>, new: Id<M>) {
        self.0.insert(old.to_string(), new.to_string());
    }

    /// `record` with every id it holds, in fields or in text, replaced by its new one; ids
    /// not in the map stay as they are.
    pub(super) fn apply<T: Serialize + DeserializeOwned>(&self, record: &T) -> Result<T> {
        let mut value = serde_json::to_value(record).map_err(|e| invalid(&e))?;
        self.apply_value(&mut value);
        serde_json::from_value(value).map_err(|e| invalid(&e))
    }

    fn apply_value(&self, value: &mut Value) {
        match value {
            Value::String(text) => {
                if let Some(replaced) = self.text(text) {
                    *text = replaced;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.apply_value(item)),
            Value::Object(fields) => fields
                .values_mut()
                .for_each(|field| self.apply_value(field)),
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// `text` with each id in it (a run of exactly 26 letters and digits) replaced, or `None`
    /// when none was.
    fn text(&self, text: &str) -> Option<String> {
        let mut out = String::new();
        let mut copied = 0;
        let mut start = None;
        for (at, c) in text.char_indices().chain([(text.len(), ' ')]) {
            if c.is_ascii_alphanumeric() {
                start.get_or_insert(at);
                continue;
            }
            let Some(from) = start.take() else { continue };
            if at - from != ID_LEN {
                continue;
            }
            if let Some(new) = self.0.get(&text[from..at]) {
                out.push_str(&text[copied..from]);
                out.push_str(new);
                copied = at;
            }
        }
        if copied == 0 {
            return None;
        }
        out.push_str(&text[copied..]);
        Some(out)
    }
}

fn invalid(error: &serde_json::Error) -> Error {
    Error::validation("export", format!("a record does not fit: {error}"))
}

#[cfg(test)]
mod tests {
    use super::IdMap;
    use crate::id::UserId;

    #[test]
    fn ids_in_text_follow_and_other_words_stay() {
        let old = UserId::from_ulid(ulid::Ulid::from_parts(1, 1));
        let new = UserId::from_ulid(ulid::Ulid::from_parts(2, 2));
        let mut map = IdMap::default();
        map.insert(old, new);
        let text = format!("hi <@{old}>, see {old}x and ABCDEFGHIJKLMNOPQRSTUVWXYZ {old}");
        assert_eq!(
            map.text(&text).unwrap(),
            format!("hi <@{new}>, see {old}x and ABCDEFGHIJKLMNOPQRSTUVWXYZ {new}")
        );
        assert_eq!(map.text("nothing here"), None);
    }
}
