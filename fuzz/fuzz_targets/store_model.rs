//! Any sequence of batches on either backend reads back like a plain `BTreeMap`.
#![no_main]

use std::collections::BTreeMap;

use arbitrary::Arbitrary;
use chat_engine::store::{Backend, Batch, InMemoryStore, KeyRange, Order, RedbStore, Table};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Op {
    Put(Vec<u8>, Vec<u8>),
    Delete(Vec<u8>),
    Commit,
    Scan { prefix: Vec<u8>, descending: bool, limit: u8 },
}

fn check(backend: &dyn Backend, ops: &[Op]) {
    let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
    let mut pending: BTreeMap<Vec<u8>, Option<Vec<u8>>> = BTreeMap::new();
    let mut batch = Batch::default();
    for op in ops {
        match op {
            Op::Put(k, v) => {
                batch.put(Table::Meta, k.clone(), v.clone());
                pending.insert(k.clone(), Some(v.clone()));
            }
            Op::Delete(k) => {
                batch.delete(Table::Meta, k.clone());
                pending.insert(k.clone(), None);
            }
            Op::Commit => {
                backend.commit(&batch).expect("commits");
                for (k, v) in std::mem::take(&mut pending) {
                    match v {
                        Some(v) => model.insert(k, v),
                        None => model.remove(&k),
                    };
                }
                batch = Batch::default();
            }
            Op::Scan { prefix, descending, limit } => {
                let range = KeyRange::prefix(prefix);
                let order = if *descending { Order::Descending } else { Order::Ascending };
                let got = backend.snapshot().unwrap().scan(Table::Meta, &range, order, usize::from(*limit)).unwrap();
                let matching = model.iter().filter(|(k, _)| k.starts_with(prefix)).map(|(k, v)| (k.clone(), v.clone()));
                let want: Vec<_> = if *descending {
                    matching.rev().take(usize::from(*limit)).collect()
                } else {
                    matching.take(usize::from(*limit)).collect()
                };
                assert_eq!(got, want);
            }
        }
    }
}

fuzz_target!(|ops: Vec<Op>| {
    check(&InMemoryStore::new(), &ops);
    let dir = tempfile::tempdir().unwrap();
    let redb = RedbStore::open(dir.path().join("fuzz.redb")).unwrap();
    check(&redb, &ops);
});
