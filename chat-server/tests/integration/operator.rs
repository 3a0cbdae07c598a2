//! The operator's commands (`chat admin …`, `chat status`) on a running server, through its
//! admin socket, and on a stopped one's database: every one changes what the server's users
//! see, and a wrong one is refused with the reason.

use reqwest::StatusCode;

use crate::cli::{chat, get_json, login, owner_and_channel, refused, say, serve, stop};

/// Runs a CLI command off the runtime's threads, as an operator's shell would.
async fn chat_on(dir: &std::path::Path, args: &[&str]) -> String {
    let dir = dir.to_owned();
    let args: Vec<String> = args.iter().map(|&arg| arg.to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        chat(&dir, &args)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_administer_a_running_server_and_a_stopped_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (child, base) = serve(&data);
    let http = reqwest::Client::new();
    let (founder_token, _, _, founder_server) = owner_and_channel(&base, "founder").await;
    let (troll_token, troll, _, troll_server) = owner_and_channel(&base, "troll").await;

    let status = chat_on(&data, &["status"]).await;
    assert!(status.contains("server: running"), "{status}");
    assert!(status.contains("ready"), "{status}");
    assert!(!status.contains("NOT READY"), "{status}");
    assert!(
        status.contains("gateway sessions: 0 (0 waiting for a resume)"),
        "{status}"
    );
    assert!(
        status.contains("accounts: 2 (0 disabled, 0 administrators)"),
        "{status}"
    );
    assert!(status.contains("servers: 2"), "{status}");

    let users = chat_on(&data, &["admin", "users", "--name", "TRO"]).await;
    assert!(users.contains(&troll) && users.contains("troll"), "{users}");
    assert!(!users.contains("founder"), "{users}");

    // Disabling ends the account's sessions and refuses its logins, at once.
    let disabled = chat_on(&data, &["admin", "disable", "troll", "--reason", "spam"]).await;
    assert!(
        disabled.contains(&format!("disabled troll ({troll})")),
        "{disabled}"
    );
    let me = http
        .get(format!("{base}/api/v1/auth/me"))
        .bearer_auth(&troll_token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(login(&base, "troll").await.0, StatusCode::FORBIDDEN);
    let users = chat_on(&data, &["admin", "users"]).await;
    assert!(users.contains("disabled: spam"), "{users}");
    let enabled = chat_on(&data, &["admin", "enable", &troll]).await;
    assert!(enabled.contains("enabled troll"), "{enabled}");
    let (status, troll_token) = login(&base, "troll").await;
    assert_eq!(status, StatusCode::OK);

    // Granting makes an existing account an administrator of the REST API too.
    let admin_users = || {
        http.get(format!("{base}/api/v1/admin/users"))
            .bearer_auth(&founder_token)
            .send()
    };
    assert_eq!(admin_users().await.unwrap().status(), StatusCode::FORBIDDEN);
    let granted = chat_on(&data, &["admin", "grant", "founder"]).await;
    assert!(
        granted.contains("is now an instance administrator"),
        "{granted}"
    );
    assert_eq!(admin_users().await.unwrap().status(), StatusCode::OK);
    let revoked = chat_on(&data, &["admin", "revoke", "founder"]).await;
    assert!(revoked.contains("no longer"), "{revoked}");
    assert_eq!(admin_users().await.unwrap().status(), StatusCode::FORBIDDEN);

    let servers = chat_on(&data, &["admin", "servers"]).await;
    assert!(
        servers.contains(&founder_server) && servers.contains(&troll_server),
        "{servers}"
    );
    let fetch_troll_server = || {
        http.get(format!("{base}/api/v1/servers/{troll_server}"))
            .bearer_auth(&troll_token)
            .send()
    };
    // A disabled server is closed to its owner until it is enabled.
    let disabled = chat_on(
        &data,
        &[
            "admin",
            "disable-server",
            &troll_server,
            "--reason",
            "raids",
        ],
    )
    .await;
    assert!(disabled.contains("disabled the server"), "{disabled}");
    let servers = chat_on(&data, &["admin", "servers"]).await;
    assert!(servers.contains("(disabled: raids)"), "{servers}");
    let troll_channels = format!("/servers/{troll_server}/channels");
    let channels: Vec<serde_json::Value> = get_json(&base, &troll_token, &troll_channels).await;
    assert!(channels.is_empty());
    let enabled = chat_on(&data, &["admin", "enable-server", &troll_server]).await;
    assert!(enabled.contains("enabled the server"), "{enabled}");
    let channels: Vec<serde_json::Value> = get_json(&base, &troll_token, &troll_channels).await;
    assert_eq!(channels.len(), 1);

    // A deletion must be confirmed; unconfirmed, nothing goes.
    let data_for_cli = data.clone();
    let server_for_cli = troll_server.clone();
    let unconfirmed = tokio::task::spawn_blocking(move || {
        refused(&data_for_cli, &["admin", "delete-server", &server_for_cli])
    })
    .await
    .unwrap();
    assert!(unconfirmed.contains("--yes"), "{unconfirmed}");
    assert_eq!(fetch_troll_server().await.unwrap().status(), StatusCode::OK);
    let deleted = chat_on(&data, &["admin", "delete-server", &troll_server, "--yes"]).await;
    assert!(deleted.contains("deleted the server"), "{deleted}");
    assert_eq!(
        fetch_troll_server().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    // Wrong commands say why, and change nothing.
    let data_for_cli = data.clone();
    let (unknown, bad_page) = tokio::task::spawn_blocking(move || {
        (
            refused(&data_for_cli, &["admin", "disable", "nobody"]),
            refused(&data_for_cli, &["admin", "users", "--limit", "0"]),
        )
    })
    .await
    .unwrap();
    assert!(unknown.contains("unknown user nobody"), "{unknown}");
    assert!(bad_page.contains("limit"), "{bad_page}");
    stop(child);

    // With the server stopped, the same commands work on the database.
    let disabled = chat(&data, &["admin", "disable", "troll"]);
    assert!(disabled.contains("disabled troll"), "{disabled}");
    let status = chat(&data, &["status"]);
    assert!(status.contains("server: not running"), "{status}");
    assert!(
        status.contains("accounts: 2 (1 disabled, 0 administrators)"),
        "{status}"
    );
    assert!(status.contains("servers: 1"), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_moves_to_another_instance_by_export_and_import() {
    let dir = tempfile::tempdir().unwrap();
    let (old_data, new_data) = (dir.path().join("old"), dir.path().join("new"));
    let file = dir.path().join("server.jsonl");
    let file_arg = file.to_str().unwrap().to_owned();

    // Out of the old instance, from its running server.
    let (child, base) = serve(&old_data);
    let (token, _, channel, server) = owner_and_channel(&base, "mover").await;
    assert_eq!(
        say(&base, &token, &channel, "this travels with the server").await,
        StatusCode::CREATED
    );
    let exported = chat_on(
        &old_data,
        &["export", "--server-id", &server, "--to", &file_arg],
    )
    .await;
    assert!(exported.contains("1 members and 1 messages"), "{exported}");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "only its owner reads an export");
    stop(child);

    // Into the new one, running, under an account of its own.
    let (child, base) = serve(&new_data);
    let (keeper_token, _, _, _) = owner_and_channel(&base, "keeper").await;
    let imported = chat_on(&new_data, &["import", &file_arg, "--owner", "keeper"]).await;
    assert!(
        imported.contains("imported the server backed up"),
        "{imported}"
    );
    assert!(
        imported.contains("1 made as disabled stand-ins"),
        "{imported}"
    );
    let servers: Vec<serde_json::Value> = get_json(&base, &keeper_token, "/servers").await;
    assert_eq!(servers.len(), 2, "the keeper's own and the imported one");
    // The keeper's own has one member; the imported one also the stand-in for its author.
    let moved = servers.iter().find(|s| s["member_count"] == 2).unwrap();
    assert_ne!(moved["id"], server.as_str());
    let channel = moved["system_channel_id"].as_str().unwrap();
    let history: Vec<serde_json::Value> = get_json(
        &base,
        &keeper_token,
        &format!("/channels/{channel}/messages"),
    )
    .await;
    assert_eq!(history[0]["content"], "this travels with the server");

    // A cut-off export is refused before anything is sent, and names why.
    let content = std::fs::read_to_string(&file).unwrap();
    let cut = dir.path().join("cut.jsonl");
    std::fs::write(&cut, &content[..content.len() / 2]).unwrap();
    let cut_arg = cut.to_str().unwrap().to_owned();
    let data_for_cli = new_data.clone();
    let refusal = tokio::task::spawn_blocking(move || {
        refused(&data_for_cli, &["import", &cut_arg, "--owner", "keeper"])
    })
    .await
    .unwrap();
    assert!(refusal.contains("is not an export to import"), "{refusal}");
    stop(child);

    // With the servers stopped, both ways work on the databases themselves.
    let again = dir.path().join("again.jsonl");
    let out = chat(
        &old_data,
        &[
            "export",
            "--server-id",
            &server,
            "--to",
            again.to_str().unwrap(),
        ],
    );
    assert!(out.contains("exported"), "{out}");
    let out = chat(
        &new_data,
        &["import", again.to_str().unwrap(), "--owner", "keeper"],
    );
    assert!(out.contains("1 accounts matched by username"), "{out}");
    let status = chat(&new_data, &["status"]);
    assert!(status.contains("servers: 3"), "{status}");
    let unknown = refused(
        &old_data,
        &[
            "export",
            "--server-id",
            "01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "--to",
            "/tmp/never.jsonl",
        ],
    );
    assert!(unknown.contains("unknown server"), "{unknown}");
}
