//! Threads over HTTP and the gateway: Discord's start route, the archive and lock states,
//! the archived list, with their bad input.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::TestServer;

#[tokio::test]
async fn threads_start_from_a_message_archive_lock_and_list() {
    let server = TestServer::start().await;
    let owner = server.user("owner").await;
    let member = server.user("member").await;
    let (guild, general) = owner.server("threads").await;
    member.join(&guild).await;
    let (mut gateway, _) = server.identified(&member).await;
    let starter = member.say(&general, "topic").await;
    let starter = starter["id"].as_str().unwrap();
    let start = format!("/channels/{general}/messages/{starter}/threads");

    for bad in [
        json!({}),
        json!({ "name": "t", "auto_archive_duration": 61 }),
        json!({ "name": "" }),
    ] {
        let (status, body) = member.post(&start, bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    let (status, thread) = member
        .post(
            &start,
            json!({ "name": "side", "auto_archive_duration": 60 }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{thread}");
    assert_eq!(thread["thread_metadata"]["auto_archive_duration"], 60);
    assert_eq!(thread["thread_metadata"]["archived"], false);
    assert_eq!(thread["message_count"], 0);
    assert_eq!(thread["member_count"], 1);
    let (status, _) = member.post(&start, json!({ "name": "again" })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let id = thread["id"].as_str().unwrap().to_owned();
    let path = format!("/channels/{id}");

    member
        .ok("PATCH", &path, Some(json!({ "archived": true })))
        .await;
    let update = gateway.dispatch("THREAD_UPDATE").await;
    assert_eq!(update["d"]["thread_metadata"]["archived"], true);
    let archived = member
        .ok(
            "GET",
            &format!("/channels/{general}/threads/archived"),
            None,
        )
        .await;
    assert_eq!(archived[0]["id"], id);

    let (status, _) = member
        .call("PATCH", &path, Some(json!({ "locked": true })))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    owner
        .ok("PATCH", &path, Some(json!({ "locked": true })))
        .await;
    let (status, _) = member
        .post(
            &format!("/channels/{id}/messages"),
            json!({ "content": "hello?" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    owner.say(&id, "the owner may").await;
    let thread = owner.ok("GET", &path, None).await;
    assert_eq!(
        thread["thread_metadata"]["archived"], false,
        "a message unarchived it"
    );
    assert_eq!(thread["message_count"], 1);

    let (status, _) = member.call("DELETE", &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "its owner deletes it");
    let deleted = gateway.dispatch("THREAD_DELETE").await;
    assert_eq!(deleted["d"]["id"], id);
}
