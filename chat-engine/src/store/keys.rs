//! The key encodings of the tables: ids as their 16 big-endian bytes, composite keys as the
//! concatenation of their parts. Decoding checks every length, so a corrupt stored key is a
//! [`StorageError`], never a panic.

use super::KeyRange;
use crate::error::{Result, StorageError};
use crate::id::{ChannelId, Id, MessageId, UserId};

/// No limit on a scan.
pub(super) const ALL: usize = usize::MAX;

/// The bytes of an id.
const ID: usize = 16;

/// `a ++ b`.
pub(super) fn pair<A, B>(a: Id<A>, b: Id<B>) -> Vec<u8> {
    let mut key = Vec::with_capacity(2 * ID);
    key.extend_from_slice(&a.to_bytes());
    key.extend_from_slice(&b.to_bytes());
    key
}

/// Every key that starts with this id.
pub(super) fn prefix<M>(id: Id<M>) -> KeyRange {
    KeyRange::prefix(&id.to_bytes())
}

/// The id at `offset` of a key.
pub(super) fn id_at<M>(key: &[u8], offset: usize) -> Result<Id<M>> {
    let bytes: [u8; ID] = key
        .get(offset..offset + ID)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| corrupt("key"))?;
    Ok(Id::from_bytes(bytes))
}

/// The second id of an `a ++ b` key.
pub(super) fn second_id<M>(key: &[u8]) -> Result<Id<M>> {
    id_at(key, ID)
}

/// The bytes of a key after its first id.
pub(super) fn after_first_id(key: &[u8]) -> Result<&[u8]> {
    key.get(ID..).ok_or_else(|| corrupt("key"))
}

/// A sequence number key of the event log.
pub(super) fn seq(seq: u64) -> Vec<u8> {
    seq.to_be_bytes().to_vec()
}

/// The sequence number of an event log key.
pub(super) fn seq_of(key: &[u8]) -> Result<u64> {
    let bytes: [u8; 8] = key.try_into().map_err(|_| corrupt("event log key"))?;
    Ok(u64::from_be_bytes(bytes))
}

/// `channel ++ author ++ nonce`.
pub(super) fn nonce(channel: ChannelId, author: UserId, nonce: &str) -> Vec<u8> {
    let mut key = pair(channel, author);
    key.extend_from_slice(nonce.as_bytes());
    key
}

/// `channel ++ message ++ emoji length ++ emoji ++ user`.
pub(super) fn reaction(
    channel: ChannelId,
    message: MessageId,
    emoji: &str,
    user: UserId,
) -> Vec<u8> {
    let mut key = pair(channel, message);
    key.push(emoji.len() as u8);
    key.extend_from_slice(emoji.as_bytes());
    key.extend_from_slice(&user.to_bytes());
    key
}

/// The emoji and user of a reaction key.
pub(super) fn reaction_of(key: &[u8]) -> Result<(String, UserId)> {
    let len = usize::from(*key.get(2 * ID).ok_or_else(|| corrupt("reaction key"))?);
    let start = 2 * ID + 1;
    let emoji = key
        .get(start..start + len)
        .and_then(|b| std::str::from_utf8(b).ok())
        .ok_or_else(|| corrupt("reaction key"))?;
    if key.len() != start + len + ID {
        return Err(corrupt("reaction key"));
    }
    Ok((emoji.to_owned(), id_at(key, start + len)?))
}

fn corrupt(what: &str) -> crate::error::Error {
    StorageError::new(format!("corrupt {what}")).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id<M>(n: u64) -> Id<M> {
        Id::from_ulid(ulid::Ulid::from_parts(n, 1))
    }

    #[test]
    fn keys_decode_what_they_encode() {
        let key = pair(id::<()>(1), id::<()>(2));
        assert_eq!(second_id::<()>(&key).unwrap(), id(2));
        assert_eq!(seq_of(&seq(42)).unwrap(), 42);
        let key = reaction(id(1), id(2), "🦀", id(3));
        assert_eq!(reaction_of(&key).unwrap(), ("🦀".to_owned(), id(3)));
    }

    #[test]
    fn corrupt_keys_are_errors_not_panics() {
        assert!(second_id::<()>(&[0; 20]).is_err());
        assert!(seq_of(&[1, 2, 3]).is_err());
        assert!(after_first_id(&[0; 3]).is_err());
        let mut key = reaction(id(1), id(2), "ok", id(3));
        key.pop();
        assert!(reaction_of(&key).is_err());
        key[32] = 200;
        assert!(reaction_of(&key).is_err());
        assert!(reaction_of(&[0; 5]).is_err());
    }
}
