//! The PostgreSQL backend against a real server: the conformance suite, and what only a
//! database server does (reconnecting, schema versions). Each test gets a schema of its own
//! on the server `CHAT_TEST_POSTGRES` names; without it they pass without running.

use super::PostgresStore;
use crate::store::{Backend, Batch, Table};

fn fresh() -> Option<PostgresStore> {
    PostgresStore::test_url().map(|url| PostgresStore::connect(&url).unwrap())
}

crate::store_conformance_tests!(optional fresh);

fn put(store: &PostgresStore, key: &[u8], value: &[u8]) {
    let mut batch = Batch::default();
    batch.put(Table::Meta, key.to_vec(), value.to_vec());
    store.commit(&batch).unwrap();
}

fn get(store: &PostgresStore, key: &[u8]) -> Option<Vec<u8>> {
    store.snapshot().unwrap().get(Table::Meta, key).unwrap()
}

#[test]
fn committed_data_survives_reconnecting_and_migrations_run_once() {
    let Some(url) = PostgresStore::test_url() else {
        return;
    };
    put(&PostgresStore::connect(&url).unwrap(), b"kept", b"yes");
    let again = PostgresStore::connect(&url).unwrap();
    assert_eq!(get(&again, b"kept").as_deref(), Some(&b"yes"[..]));
}

#[test]
fn a_snapshot_does_not_see_later_commits() {
    let Some(store) = fresh() else {
        return;
    };
    put(&store, b"k", b"old");
    let snapshot = store.snapshot().unwrap();
    assert_eq!(
        snapshot.get(Table::Meta, b"k").unwrap().as_deref(),
        Some(&b"old"[..])
    );
    put(&store, b"k", b"new");
    assert_eq!(
        snapshot.get(Table::Meta, b"k").unwrap().as_deref(),
        Some(&b"old"[..])
    );
    drop(snapshot);
    assert_eq!(get(&store, b"k").as_deref(), Some(&b"new"[..]));
}

#[test]
fn a_schema_newer_than_the_build_is_refused() {
    let Some(url) = PostgresStore::test_url() else {
        return;
    };
    let store = PostgresStore::connect(&url).unwrap();
    let mut connection = store.take().unwrap();
    connection
        .batch("INSERT INTO chat_schema_migrations (version) VALUES (1000)")
        .unwrap();
    let error = PostgresStore::connect(&url).unwrap_err();
    assert!(error.0.contains("version 1000"), "{error}");
}

#[test]
fn a_server_that_is_not_there_is_a_clear_error() {
    let error = PostgresStore::connect("postgres://nobody@127.0.0.1:1/none").unwrap_err();
    assert!(error.0.contains("cannot connect to PostgreSQL"), "{error}");
    let error = PostgresStore::connect("postgres://[::1").unwrap_err();
    assert!(error.0.contains("invalid PostgreSQL URL"), "{error}");
    // A malformed `key=value` string is refused before any connection is tried.
    let error = PostgresStore::connect("host=127.0.0.1 password='open").unwrap_err();
    assert!(error.0.contains("no closing quote"), "{error}");
    let error = PostgresStore::connect("host=127.0.0.1 sslmode").unwrap_err();
    assert!(error.0.contains("has no \"=\""), "{error}");
}

#[test]
fn connections_are_encrypted_when_asked_and_the_certificate_is_checked()
-> Result<(), Box<dyn std::error::Error>> {
    let (Some(url), Ok(authority)) = (
        PostgresStore::test_url(),
        std::env::var("CHAT_TEST_POSTGRES_CA"),
    ) else {
        return Ok(()); // .ci/start-postgres turns TLS on and says where its authority is
    };
    let trusted = format!("{url}&sslmode=verify-full&sslrootcert={authority}");
    let store = PostgresStore::connect(&trusted)?;
    put(&store, b"over", b"tls");
    assert_eq!(get(&store, b"over").as_deref(), Some(&b"tls"[..]));
    let mut connection = store.take()?;
    let encrypted = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    let rows = connection.query(encrypted, &[])?;
    assert!(rows[0].get::<_, bool>(0), "the server sees TLS");

    // The test's authority is not a public one: without it, no connection.
    let error = PostgresStore::connect(&format!("{url}&sslmode=require")).unwrap_err();
    assert!(error.to_string().contains("UnknownIssuer"), "{error}");
    // Plain unless asked, as before.
    let plain = PostgresStore::connect(&url)?;
    let rows = plain.take()?.query(encrypted, &[])?;
    assert!(!rows[0].get::<_, bool>(0));

    // The same in libpq's `key = value` form, spaces and quotes as people write them.
    let config: tokio_postgres::Config = url.parse()?;
    let tokio_postgres::config::Host::Tcp(host) = &config.get_hosts()[0] else {
        return Ok(()); // a Unix socket: no TLS there
    };
    let key_values = format!(
        "host={host} port={} user = '{}'  sslmode = 'verify-full' dbname={} \
         sslrootcert='{authority}' options='{}'",
        config.get_ports()[0],
        config.get_user().unwrap_or("postgres"),
        config.get_dbname().unwrap_or("postgres"),
        config.get_options().unwrap_or_default(),
    );
    let store = PostgresStore::connect(&key_values)?;
    assert_eq!(
        get(&store, b"over").as_deref(),
        Some(&b"tls"[..]),
        "the same schema"
    );
    let rows = store.take()?.query(encrypted, &[])?;
    assert!(rows[0].get::<_, bool>(0), "the server sees TLS");
    Ok(())
}
