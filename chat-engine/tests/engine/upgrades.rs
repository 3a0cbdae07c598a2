//! Upgrades: a database written by the previous release (a fixture) opens, is migrated to
//! the current format and reads as before; a database of a newer format is refused with a
//! clear message and left as it was.

use chat_engine::Engine;
use chat_engine::model::{AdminQuery, LoginRequest};
use chat_engine::store::{Backend, Batch, KeyRange, Order, RedbStore, Table};

/// The fixture: `chat init`, `chat admin create --username root --password "long password"`
/// and `chat seed --users 3 --servers 1 --messages 20`, run by the release before the format
/// was recorded (format 1).
const PREVIOUS_RELEASE: &[u8] = include_bytes!("../fixtures/format-1.redb");

fn data_dir_with(database: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chat.redb"), database).unwrap();
    dir
}

fn format_of(dir: &std::path::Path) -> Option<Vec<u8>> {
    let store = RedbStore::open(dir.join("chat.redb")).unwrap();
    store
        .snapshot()
        .unwrap()
        .get(Table::Meta, b"format_version")
        .unwrap()
}

#[tokio::test]
async fn a_database_of_the_previous_release_is_migrated_and_reads_as_before() {
    let dir = data_dir_with(PREVIOUS_RELEASE);
    assert_eq!(format_of(dir.path()), None, "format 1 records no format");
    // Databases older still had no index of sessions by user: take it away, as they lacked it.
    {
        let store = RedbStore::open(dir.path().join("chat.redb")).unwrap();
        let indexed = store
            .snapshot()
            .unwrap()
            .scan(
                Table::UserSessions,
                &KeyRange::all(),
                Order::Ascending,
                usize::MAX,
            )
            .unwrap();
        assert!(!indexed.is_empty());
        let mut batch = Batch::default();
        for (key, _) in indexed {
            batch.delete(Table::UserSessions, key);
        }
        store.commit(&batch).unwrap();
    }

    let engine = Engine::open(dir.path()).await.unwrap();
    let login = engine
        .login(
            LoginRequest {
                username: "root".into(),
                password: "long password".into(),
            },
            "test",
        )
        .await
        .unwrap()
        .tokens()
        .unwrap();
    let root = engine.authenticate(&login.token).unwrap();
    // The session `admin create` opened is listed again beside this login's.
    let sessions = engine.list_sessions(root).unwrap();
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    // What the previous release stored reads as before.
    let servers = engine
        .admin_list_servers(root.user_id, &AdminQuery::default())
        .unwrap();
    assert_eq!(servers.len(), 1);
    let users = engine
        .admin_list_users(root.user_id, &AdminQuery::default())
        .unwrap();
    assert_eq!(users.len(), 4, "root and the three seeded people");
    drop(engine);
    assert_eq!(format_of(dir.path()).as_deref(), Some(&b"\"2\""[..]));

    // Opening again migrates nothing and changes nothing.
    let engine = Engine::open(dir.path()).await.unwrap();
    let root = engine.authenticate(&login.token).unwrap();
    assert_eq!(engine.list_sessions(root).unwrap().len(), 2);
}

#[tokio::test]
async fn a_database_of_a_newer_format_is_refused_and_left_as_it_was() {
    let dir = data_dir_with(PREVIOUS_RELEASE);
    {
        let store = RedbStore::open(dir.path().join("chat.redb")).unwrap();
        let mut batch = Batch::default();
        batch.put(Table::Meta, b"format_version".to_vec(), b"\"99\"".to_vec());
        store.commit(&batch).unwrap();
    }
    let error = Engine::open(dir.path()).await.unwrap_err().to_string();
    assert!(
        error.contains("format 99") && error.contains("newer version"),
        "{error}"
    );
    assert_eq!(format_of(dir.path()).as_deref(), Some(&b"\"99\""[..]));
}
