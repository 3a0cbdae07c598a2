//! Moderation over HTTP and the gateway: the audit log with `X-Audit-Log-Reason`, timeouts,
//! bulk delete and bans that delete messages, with their bad input.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Api, TestServer};

/// Sends a request with an `X-Audit-Log-Reason` header as given (already encoded).
async fn with_reason(api: &Api, method: &str, path: &str, reason: &str, body: Value) -> StatusCode {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    api.http
        .request(method, format!("{}{path}", api.base))
        .bearer_auth(&api.token)
        .header("X-Audit-Log-Reason", reason)
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_audit_log_keeps_the_url_encoded_reason_and_is_for_its_readers() {
    let server = TestServer::start().await;
    let owner = server.user("owner").await;
    let member = server.user("member").await;
    let (guild, _) = owner.server("audited").await;
    member.join(&guild).await;
    let path = format!("/servers/{}", id(&guild));

    let status = with_reason(
        &owner,
        "PATCH",
        &path,
        "Rebrand%20%E2%9C%A8",
        json!({ "name": "New name" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Not UTF-8 once decoded: refused, and nothing changes.
    let status = with_reason(&owner, "PATCH", &path, "%FF%FE", json!({ "name": "Other" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let long = "r".repeat(513);
    let status = with_reason(&owner, "PATCH", &path, &long, json!({ "name": "Other" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(owner.get(&path).await.1["name"], "New name");

    let audit = format!("{path}/audit-logs?action_type=server_update&limit=10");
    let (status, entries) = owner.get(&audit).await;
    assert_eq!(status, StatusCode::OK, "{entries}");
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 1, "the refused changes left no entry");
    let entry = &entries[0];
    assert_eq!(entry["reason"], "Rebrand ✨");
    assert_eq!(entry["user_id"], owner.id);
    assert_eq!(entry["action_type"], "server_update");
    let name = entry["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "name")
        .unwrap();
    assert_eq!(name["old_value"], "audited");
    assert_eq!(name["new_value"], "New name");
    for field in ["id", "target_id", "created_at"] {
        assert!(entry.get(field).is_some(), "{field} missing: {entry}");
    }

    let (status, body) = member.get(&format!("{path}/audit-logs")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    for bad in [
        "limit=101",
        "limit=0",
        "action_type=nope",
        "user_id=x",
        "colour=red",
    ] {
        let (status, body) = owner.get(&format!("{path}/audit-logs?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
}

#[tokio::test]
async fn a_timed_out_member_is_refused_until_the_timeout_ends() {
    let server = TestServer::start().await;
    let owner = server.user("owner").await;
    let member = server.user("member").await;
    let (guild, general) = owner.server("timeouts").await;
    member.join(&guild).await;
    let (mut gateway, _) = server.identified(&member).await;
    let member_path = format!("/servers/{}/members/{}", id(&guild), member.id);
    let until = (chrono::Utc::now() + chrono::Duration::minutes(10)).to_rfc3339();

    // Only a moderator may, and not for longer than 28 days.
    let (status, _) = member
        .call(
            "PATCH",
            &format!("/servers/{}/members/{}", id(&guild), owner.id),
            Some(json!({ "communication_disabled_until": until })),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let far = (chrono::Utc::now() + chrono::Duration::days(29)).to_rfc3339();
    let (status, _) = owner
        .call(
            "PATCH",
            &member_path,
            Some(json!({ "communication_disabled_until": far })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = owner
        .call(
            "PATCH",
            &member_path,
            Some(json!({ "communication_disabled_until": "tomorrow" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    owner
        .ok(
            "PATCH",
            &member_path,
            Some(json!({ "communication_disabled_until": until })),
        )
        .await;
    let update = gateway.dispatch("MEMBER_UPDATE").await;
    assert_eq!(update["d"]["user_id"], member.id);
    assert!(update["d"]["communication_disabled_until"].is_string());

    let (status, body) = member
        .post(
            &format!("/channels/{general}/messages"),
            json!({ "content": "hi?" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = member
        .post(&format!("/channels/{general}/typing"), Value::Null)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = member.get(&format!("/channels/{general}/messages")).await;
    assert_eq!(status, StatusCode::OK, "reading goes on");

    owner
        .ok(
            "PATCH",
            &member_path,
            Some(json!({ "communication_disabled_until": null })),
        )
        .await;
    member.say(&general, "back").await;
}

#[tokio::test]
async fn bulk_delete_and_ban_deletion_refuse_bad_input_and_tell_the_gateway() {
    let server = TestServer::start().await;
    let owner = server.user("owner").await;
    let member = server.user("member").await;
    let (guild, general) = owner.server("bulk").await;
    member.join(&guild).await;
    let (mut gateway, _) = server.identified(&owner).await;
    let a = id(&member.say(&general, "one").await);
    let b = id(&member.say(&general, "two").await);
    let bulk = format!("/channels/{general}/messages/bulk-delete");

    let many: Vec<&str> = std::iter::repeat_n(a.as_str(), 101).collect();
    for body in [
        json!({ "messages": many }),
        json!({ "messages": [a] }),
        json!({ "messages": [a, a] }),
        json!({ "messages": "all" }),
        json!({}),
    ] {
        let (status, answer) = owner.post(&bulk, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
    }
    let (status, _) = member.post(&bulk, json!({ "messages": [a, b] })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let history = owner.get(&format!("/channels/{general}/messages")).await.1;
    let ids: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert!(
        ids.contains(&a.as_str()) && ids.contains(&b.as_str()),
        "refusals deleted nothing"
    );

    let (status, _) = owner.post(&bulk, json!({ "messages": [a, b] })).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let deleted = gateway.dispatch("MESSAGE_DELETE_BULK").await;
    assert_eq!(deleted["d"]["ids"].as_array().unwrap().len(), 2);
    assert_eq!(deleted["d"]["channel_id"], general);

    let spam = id(&member.say(&general, "spam").await);
    let ban = format!("/servers/{}/bans/{}", id(&guild), member.id);
    let (status, _) = owner
        .call(
            "PUT",
            &ban,
            Some(json!({ "delete_message_seconds": 604_801 })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    owner
        .ok(
            "PUT",
            &ban,
            Some(json!({ "delete_message_seconds": 3600, "reason": "spam" })),
        )
        .await;
    let (status, _) = owner
        .get(&format!("/channels/{general}/messages/{spam}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let log = owner
        .ok(
            "GET",
            &format!(
                "/servers/{}/audit-logs?action_type=member_ban_add",
                id(&guild)
            ),
            None,
        )
        .await;
    assert_eq!(log[0]["reason"], "spam");
    assert_eq!(log[0]["target_id"], member.id);
}
