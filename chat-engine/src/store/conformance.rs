//! The conformance suite every backend passes: written once, run by each backend through
//! [`store_conformance_tests!`](crate::store_conformance_tests) with its own constructor.
//! Compiled for the engine's own tests and, with the `testing` feature, for anyone writing
//! another [`Backend`]:
//!
//! ```ignore
//! chat_engine::store_conformance_tests!(MyBackend::new);
//! ```

use super::cache::ReadCache;
use super::{
    Backend, Batch, EventLog, KeyRange, Kv, Order, Reader, ServerStore, Table, Tx, UserStore,
};
use crate::envelope::{Audience, EventEnvelope};
use crate::id::Id;
use crate::model::{Event, Member, ServerDelete, Status, User};
use crate::store::UserRecord;

/// A user record with a fresh id.
fn user_record(name: &str) -> UserRecord {
    let user = User {
        avatar_url: String::new(),
        bio: String::new(),
        created_at: chrono::Utc::now(),
        custom_status: String::new(),
        discriminator: "0001".into(),
        display_name: String::new(),
        id: Id::from_ulid(ulid::Ulid::generate()),
        is_bot: false,
        instance_admin: false,
        mfa_enabled: false,
        read_receipts: false,
        status: Status::Offline,
        username: name.into(),
    };
    UserRecord {
        bot_owner_id: None,
        disabled: None,
        email: None,
        instance_admin: false,
        password_hash: String::new(),
        totp: None,
        user,
    }
}

/// A member of server `server` with user `user` (small numbers make readable ids).
fn member(server: u64, user: u64) -> Member {
    Member {
        communication_disabled_until: None,
        is_deafened: false,
        is_muted: false,
        joined_at: chrono::Utc::now(),
        nickname: String::new(),
        role_ids: Vec::new(),
        server_id: Id::from_ulid(ulid::Ulid::from_parts(server, 0)),
        user_id: Id::from_ulid(ulid::Ulid::from_parts(user, 0)),
    }
}

fn commit(backend: &dyn Backend, job: impl FnOnce(&mut Tx<'_>)) {
    let snapshot = backend.snapshot().unwrap();
    let earlier = Batch::default();
    let mut ids = ulid::Generator::new();
    let cache = ReadCache::default();
    let mut tx = Tx::new(&*snapshot, &cache, &earlier, &mut ids);
    job(&mut tx);
    let (batch, _) = tx.into_parts();
    drop(snapshot);
    backend.commit(&batch).unwrap();
}

fn reader(backend: &dyn Backend) -> Reader<'_> {
    Reader::new(backend.snapshot().unwrap())
}

fn batch(writes: &[(&[u8], Option<&[u8]>)]) -> Batch {
    let mut batch = Batch::default();
    for (key, value) in writes {
        match value {
            Some(v) => batch.put(Table::Meta, key.to_vec(), v.to_vec()),
            None => batch.delete(Table::Meta, key.to_vec()),
        }
    }
    batch
}

/// Puts, gets and deletes land in their own table.
pub fn puts_gets_and_deletes(backend: &dyn Backend) {
    backend
        .commit(&batch(&[(b"a", Some(b"1")), (b"b", Some(b"2"))]))
        .unwrap();
    let snapshot = backend.snapshot().unwrap();
    assert_eq!(
        snapshot.get(Table::Meta, b"a").unwrap().as_deref(),
        Some(&b"1"[..])
    );
    assert_eq!(
        snapshot.get(Table::Users, b"a").unwrap(),
        None,
        "tables are separate"
    );
    drop(snapshot);
    backend
        .commit(&batch(&[(b"a", None), (b"b", Some(b"3"))]))
        .unwrap();
    let snapshot = backend.snapshot().unwrap();
    assert_eq!(snapshot.get(Table::Meta, b"a").unwrap(), None);
    assert_eq!(
        snapshot.get(Table::Meta, b"b").unwrap().as_deref(),
        Some(&b"3"[..])
    );
}

/// Scans keep to their range, order and limit.
pub fn scans_respect_range_order_and_limit(backend: &dyn Backend) {
    let keys: [&[u8]; 5] = [b"a1", b"a2", b"a3", b"b1", b"\xff"];
    let writes: Vec<_> = keys.iter().map(|k| (*k, Some(&b"v"[..]))).collect();
    backend.commit(&batch(&writes)).unwrap();
    let snapshot = backend.snapshot().unwrap();
    let scan = |range: &KeyRange, order, limit| -> Vec<Vec<u8>> {
        snapshot
            .scan(Table::Meta, range, order, limit)
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    };
    let a = KeyRange::prefix(b"a");
    assert_eq!(
        scan(&a, Order::Ascending, 10),
        vec![b"a1".to_vec(), b"a2".to_vec(), b"a3".to_vec()]
    );
    assert_eq!(
        scan(&a, Order::Descending, 2),
        vec![b"a3".to_vec(), b"a2".to_vec()]
    );
    assert_eq!(
        scan(&KeyRange::all(), Order::Descending, 1),
        vec![b"\xff".to_vec()]
    );
    assert_eq!(
        scan(&KeyRange::prefix(b"c"), Order::Ascending, 10),
        Vec::<Vec<u8>>::new()
    );
}

/// Committing an empty batch changes nothing.
pub fn an_empty_batch_changes_nothing(backend: &dyn Backend) {
    backend.commit(&Batch::default()).unwrap();
    assert!(
        backend
            .snapshot()
            .unwrap()
            .scan(Table::Meta, &KeyRange::all(), Order::Ascending, 10)
            .unwrap()
            .is_empty()
    );
}

/// A write job reads its own writes and the earlier jobs' of its group.
pub fn overlays_read_their_own_writes(backend: &dyn Backend) {
    backend
        .commit(&batch(&[
            (b"k1", Some(b"base")),
            (b"k2", Some(b"base")),
            (b"k3", Some(b"base")),
        ]))
        .unwrap();
    let snapshot = backend.snapshot().unwrap();
    let mut earlier = Batch::default();
    earlier.delete(Table::Meta, b"k1".to_vec());
    let mut ids = ulid::Generator::new();
    let cache = ReadCache::default();
    let mut tx = Tx::new(&*snapshot, &cache, &earlier, &mut ids);
    super::KvMut::put_raw(&mut tx, Table::Meta, b"k0".to_vec(), b"own".to_vec());
    super::KvMut::delete(&mut tx, Table::Meta, b"k3".to_vec());
    let keys = tx
        .scan_keys(Table::Meta, &KeyRange::all(), Order::Ascending, 2)
        .unwrap();
    assert_eq!(keys, vec![b"k0".to_vec(), b"k2".to_vec()]);
    assert_eq!(tx.get_raw(Table::Meta, b"k1").unwrap(), None);
    assert_eq!(
        tx.get_raw(Table::Meta, b"k2").unwrap().as_deref(),
        Some(&b"base"[..])
    );
}

/// Users read back as written; usernames match in any case.
pub fn users_round_trip_and_names_are_case_insensitive(backend: &dyn Backend) {
    let record = user_record("Alice");
    let id = record.user.id;
    commit(backend, |tx| tx.insert_user(&record));
    let reader = reader(backend);
    assert_eq!(reader.fetch_user(id).unwrap(), Some(record));
    assert_eq!(reader.fetch_user_id_by_name("ALICE").unwrap(), Some(id));
    assert_eq!(reader.fetch_user_id_by_name("bob").unwrap(), None);
}

/// Members are found by server and servers by user.
pub fn members_index_both_ways(backend: &dyn Backend) {
    let (a, b) = (member(1, 10), member(1, 11));
    let other_server = member(2, 10);
    commit(backend, |tx| {
        tx.update_member(&a);
        tx.update_member(&b);
        tx.update_member(&other_server);
    });
    let r = reader(backend);
    assert_eq!(
        r.list_members(a.server_id, None, 10).unwrap(),
        vec![a.clone(), b.clone()]
    );
    assert_eq!(
        r.list_members(a.server_id, Some(a.user_id), 10).unwrap(),
        vec![b.clone()]
    );
    assert_eq!(
        r.list_user_servers(a.user_id).unwrap(),
        vec![a.server_id, other_server.server_id]
    );
    drop(r);
    commit(backend, |tx| tx.delete_member(a.server_id, a.user_id));
    let r = reader(backend);
    assert_eq!(r.fetch_member(a.server_id, a.user_id).unwrap(), None);
    assert_eq!(
        r.list_user_servers(a.user_id).unwrap(),
        vec![other_server.server_id]
    );
}

/// The event log lists events after a sequence number.
pub fn events_are_listed_after_a_sequence(backend: &dyn Backend) {
    let mut batch = Batch::default();
    for seq in 1..=5u64 {
        let id = Id::from_ulid(ulid::Ulid::from_parts(seq, 0));
        let envelope = EventEnvelope::new(
            seq,
            Event::ServerDelete(ServerDelete { id }),
            Audience::default(),
        );
        batch.append_event(&envelope);
    }
    backend.commit(&batch).unwrap();
    let r = reader(backend);
    assert_eq!(r.event_bounds().unwrap(), Some((1, 5)));
    let listed: Vec<u64> = r
        .list_events(2, 2)
        .unwrap()
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(listed, vec![3, 4]);
}

/// Runs the store conformance suite against a backend: `$make` is an expression that makes
/// a fresh, empty backend (`MyBackend::new`, or a closure). Expands to a `conformance` module
/// of `#[test]`s; needs the `testing` feature outside the engine.
///
/// With `optional`, `$make` returns an `Option` of a backend instead, and a test whose backend
/// is `None` (a database server the machine does not have) passes without running.
#[macro_export]
macro_rules! store_conformance_tests {
    (optional $make:expr) => {
        mod conformance {
            #[allow(unused_imports)]
            use super::*;
            use $crate::store::conformance as suite;

            #[test]
            fn puts_gets_and_deletes() {
                if let Some(backend) = $make() {
                    suite::puts_gets_and_deletes(&backend);
                }
            }

            #[test]
            fn scans_respect_range_order_and_limit() {
                if let Some(backend) = $make() {
                    suite::scans_respect_range_order_and_limit(&backend);
                }
            }

            #[test]
            fn an_empty_batch_changes_nothing() {
                if let Some(backend) = $make() {
                    suite::an_empty_batch_changes_nothing(&backend);
                }
            }

            #[test]
            fn overlays_read_their_own_writes() {
                if let Some(backend) = $make() {
                    suite::overlays_read_their_own_writes(&backend);
                }
            }

            #[test]
            fn users_round_trip_and_names_are_case_insensitive() {
                if let Some(backend) = $make() {
                    suite::users_round_trip_and_names_are_case_insensitive(&backend);
                }
            }

            #[test]
            fn members_index_both_ways() {
                if let Some(backend) = $make() {
                    suite::members_index_both_ways(&backend);
                }
            }

            #[test]
            fn events_are_listed_after_a_sequence() {
                if let Some(backend) = $make() {
                    suite::events_are_listed_after_a_sequence(&backend);
                }
            }
        }
    };
    ($make:expr) => {
        $crate::store_conformance_tests!(optional || Some($make()));
    };
}
