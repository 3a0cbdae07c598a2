//! Link previews: a page's Open Graph tags become a `link` embed added with MESSAGE_UPDATE;
//! a loopback address is refused unless the operator allows it, and so is a redirect to one.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chat_engine::Engine;
use chat_server::previews::PagePreviewer;

use crate::harness::{TestServer, test_config};

const PAGE: &str = r#"<!doctype html><html><head><title>Plain title</title>
<meta property="og:title" content="A preview worth showing">
<meta property="og:description" content="What the page is about"></head><body>hi</body></html>"#;

/// A site on loopback: `/page` (counted) and `/elsewhere`, which redirects to 127.0.0.2.
async fn site(hits: Arc<AtomicU32>) -> u16 {
    let app = axum::Router::new()
        .route(
            "/page",
            axum::routing::get(move || {
                hits.fetch_add(1, Ordering::SeqCst);
                async { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE) }
            }),
        )
        .route(
            "/elsewhere",
            axum::routing::get(|| async {
                (
                    StatusCode::FOUND,
                    [(header::LOCATION, "http://127.0.0.2/page")],
                )
                    .into_response()
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    port
}

async fn server_allowing(allowed: Vec<IpAddr>) -> TestServer {
    let engine = Engine::builder()
        .link_previewer(Arc::new(PagePreviewer::new(allowed)))
        .open()
        .await
        .unwrap();
    TestServer::with(engine, test_config()).await
}

#[tokio::test]
async fn a_link_gets_its_preview_and_loopback_only_when_allowed() {
    let hits = Arc::new(AtomicU32::new(0));
    let port = site(hits.clone()).await;
    let server = server_allowing(vec!["127.0.0.1".parse().unwrap()]).await;
    let alice = server.user("alice").await;
    let (_, general) = alice.server("s").await;
    let (mut gateway, _) = server.identified(&alice).await;
    let sent = alice
        .say(&general, &format!("look http://127.0.0.1:{port}/page."))
        .await;
    assert_eq!(
        sent["embeds"],
        serde_json::Value::Null,
        "sent before its preview"
    );
    let update = gateway.dispatch("MESSAGE_UPDATE").await;
    assert_eq!(update["d"]["id"], sent["id"]);
    let embed = &update["d"]["embeds"][0];
    assert_eq!(embed["type"], "link");
    assert_eq!(embed["title"], "A preview worth showing");
    assert_eq!(embed["description"], "What the page is about");
    assert_eq!(embed["url"], format!("http://127.0.0.1:{port}/page"));
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    // A redirect to an address that is not allowed is not followed.
    let redirected = alice
        .say(&general, &format!("http://127.0.0.1:{port}/elsewhere"))
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, stored) = alice
        .get(&format!(
            "/channels/{general}/messages/{}",
            redirected["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(stored["embeds"], serde_json::Value::Null, "{stored}");
    server.stop().await;

    // Without the allowance, loopback is never fetched at all.
    let server = server_allowing(Vec::new()).await;
    let bob = server.user("bob").await;
    let (_, general) = bob.server("s").await;
    let refused = bob
        .say(&general, &format!("http://127.0.0.1:{port}/page"))
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, stored) = bob
        .get(&format!(
            "/channels/{general}/messages/{}",
            refused["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(stored["embeds"], serde_json::Value::Null);
    assert_eq!(hits.load(Ordering::SeqCst), 1, "the page was not requested");
    server.stop().await;
}
