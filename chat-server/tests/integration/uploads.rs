//! Messages with files over REST: multipart sends, the files served to those who may view
//! the channel (nosniff, sandboxed, a safe Content-Disposition), and every refusal storing
//! nothing: a lying image, an upload over the limit, a member without ATTACH_FILES.

use chat_engine::Engine;
use chat_server::ServerConfig;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::harness::{Api, TestServer, test_config};

/// A 1×1 PNG.
pub(crate) const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// Sends a multipart message: the payload, then files as (name, declared type, bytes).
pub(crate) async fn send(
    api: &Api,
    channel: &str,
    payload: Value,
    files: &[(&str, &str, &[u8])],
) -> (StatusCode, Value) {
    let mut form = Form::new().text("payload_json", payload.to_string());
    for (n, (name, kind, bytes)) in files.iter().enumerate() {
        let part = Part::bytes(bytes.to_vec())
            .file_name((*name).to_owned())
            .mime_str(kind)
            .unwrap();
        form = form.part(format!("files[{n}]"), part);
    }
    let response = api
        .http
        .post(format!("{}/channels/{channel}/messages", api.base))
        .bearer_auth(&api.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn count_messages(api: &Api, channel: &str) -> usize {
    api.get(&format!("/channels/{channel}/messages"))
        .await
        .1
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn files_are_sent_served_to_viewers_and_refused_when_they_lie_or_are_too_big() {
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        max_upload_bytes: 4096,
        max_upload_files: 2,
        ..test_config()
    };
    let server = TestServer::with(Engine::open(dir.path()).await.unwrap(), config).await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let outsider = server.user("outsider").await;
    let (guild, general) = alice.server("s").await;
    bob.join(&guild).await;

    let (status, sent) = send(
        &alice,
        &general,
        json!({ "content": "look", "nonce": "n1" }),
        &[
            ("dot.png", "image/png", PNG),
            ("my notes.txt", "text/plain", "héllo".as_bytes()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let image = &sent["attachments"][0];
    assert_eq!(
        (
            image["content_type"].as_str(),
            image["width"].as_u64(),
            image["height"].as_u64()
        ),
        (Some("image/png"), Some(1), Some(1))
    );
    assert_eq!(image["size"], PNG.len());
    let notes = &sent["attachments"][1];
    assert_eq!(notes["filename"], "my notes.txt");

    let fetch = |api: &Api, url: &str| {
        api.http
            .get(format!("http://{}{url}", server.addr))
            .bearer_auth(&api.token)
            .send()
    };
    let got = fetch(&bob, image["url"].as_str().unwrap()).await.unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    let headers = got.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("sandbox")
    );
    assert_eq!(
        headers["content-disposition"],
        "inline; filename=\"dot.png\"; filename*=UTF-8''dot.png"
    );
    assert_eq!(got.bytes().await.unwrap().as_ref(), PNG);
    let text = fetch(&bob, notes["url"].as_str().unwrap()).await.unwrap();
    assert_eq!(text.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(text.text().await.unwrap(), "héllo");
    let hidden = fetch(&outsider, image["url"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(
        hidden.status(),
        StatusCode::NOT_FOUND,
        "only those who may view the channel"
    );

    let before = count_messages(&alice, &general).await;
    let (status, error) = send(
        &alice,
        &general,
        json!({ "content": "a cat" }),
        &[("cat.png", "image/png", b"<svg onload=alert(1)>")],
    )
    .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("validation")),
        "{error}"
    );
    let big = vec![b'x'; 5000];
    let (status, error) = send(
        &alice,
        &general,
        json!({ "content": "big" }),
        &[("big.txt", "text/plain", &big)],
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{error}");
    let three: &[(&str, &str, &[u8])] = &[
        ("1.txt", "text/plain", b"1"),
        ("2.txt", "text/plain", b"2"),
        ("3.txt", "text/plain", b"3"),
    ];
    let (status, error) = send(&alice, &general, json!({ "content": "three" }), three).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "more files than the server takes: {error}"
    );
    let (status, error) = send(&alice, &general, json!({ "content": "no" }), &[]).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "a multipart message may carry no file: {error}"
    );
    let (status, _) = send(&alice, &general, json!("not an object"), &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        count_messages(&alice, &general).await,
        before + 1,
        "the refused ones stored nothing"
    );

    // Without ATTACH_FILES, files are refused (and their bytes not kept).
    let sid = guild["id"].as_str().unwrap();
    let everyone = 3587 - 1024;
    alice
        .ok(
            "PATCH",
            &format!("/servers/{sid}/roles/{sid}"),
            Some(json!({ "permissions": everyone })),
        )
        .await;
    let (status, error) = send(
        &bob,
        &general,
        json!({ "content": "mine" }),
        &[("b.txt", "text/plain", b"bob's bytes")],
    )
    .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("missing_permissions"))
    );

    // Deleting the message deletes the files.
    let id = sent["id"].as_str().unwrap();
    alice
        .ok(
            "DELETE",
            &format!("/channels/{general}/messages/{id}"),
            None,
        )
        .await;
    assert_eq!(
        fetch(&bob, image["url"].as_str().unwrap())
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    server.stop().await;
    let blobs = walk(&dir.path().join("blobs"));
    assert_eq!(blobs, 0, "no blob outlives the messages that used it");
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| {
                if e.path().is_dir() {
                    walk(&e.path())
                } else {
                    1
                }
            })
            .sum()
    })
}
