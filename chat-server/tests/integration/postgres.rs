//! `chat serve --store postgres://…`: the records live in PostgreSQL, so a node started on
//! another data directory finds them all, searchable. Runs against the server that
//! `CHAT_TEST_POSTGRES` names (`.ci/run` starts one), and passes without running without it.

use chat_engine::store::PostgresStore;

use crate::cli::{get_json, owner_and_channel, say, serve_env, stop};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_on_another_data_directory_finds_everything_in_postgres() {
    let Some(url) = PostgresStore::test_url() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = [("CHAT_STORE", url.as_str())];
    let (first, base) = serve_env(&dir.path().join("first"), &store);
    let (token, _, channel, server) = owner_and_channel(&base, "founder").await;
    assert!(
        say(&base, &token, &channel, "kept in postgres")
            .await
            .is_success()
    );
    stop(first);

    let (second, base) = serve_env(&dir.path().join("second"), &store);
    let login: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({ "username": "founder", "password": "long password" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap();
    let messages: Vec<serde_json::Value> =
        get_json(&base, token, &format!("/channels/{channel}/messages")).await;
    assert!(
        messages.iter().any(|m| m["content"] == "kept in postgres"),
        "{messages:?}"
    );
    // The new node's search index is built from the store.
    let mut found = serde_json::Value::Null;
    for _ in 0..100 {
        found = get_json(
            &base,
            token,
            &format!("/servers/{server}/messages/search?q=postgres"),
        )
        .await;
        if found["total"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(found["total"], 1, "{found}");
    stop(second);
}

#[test]
fn a_store_that_is_neither_redb_nor_postgres_is_refused() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_chat"))
        .args(["--store", "mysql://localhost/chat", "status"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("expected `redb` or a postgres:// URL"),
        "{stderr}"
    );
}
