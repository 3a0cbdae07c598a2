//! Every forbidden REST action is refused, and changes nothing.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::TestServer;

#[tokio::test]
async fn members_and_outsiders_are_refused_what_they_may_not_do() {
    let server = TestServer::start().await;
    let owner = server.user("owner").await;
    let member = server.user("member").await;
    let outsider = server.user("outsider").await;
    let (guild, general) = owner.server("s").await;
    member.join(&guild).await;
    let sid = guild["id"].as_str().unwrap().to_owned();
    let owners_message = owner.say(&general, "owner's words").await;
    let mid = owners_message["id"].as_str().unwrap().to_owned();
    let role = owner
        .ok(
            "POST",
            &format!("/servers/{sid}/roles"),
            Some(json!({ "name": "r" })),
        )
        .await;
    let rid = role["id"].as_str().unwrap().to_owned();

    let forbidden_for_member = [
        (
            "PATCH",
            format!("/servers/{sid}"),
            Some(json!({ "name": "mine now" })),
        ),
        ("DELETE", format!("/servers/{sid}"), None),
        (
            "POST",
            format!("/servers/{sid}/channels"),
            Some(json!({ "name": "x" })),
        ),
        (
            "PATCH",
            format!("/channels/{general}"),
            Some(json!({ "topic": "x" })),
        ),
        ("DELETE", format!("/channels/{general}"), None),
        (
            "PUT",
            format!("/channels/{general}/permissions/{rid}"),
            Some(json!({ "type": "role", "allow": 1, "deny": 0 })),
        ),
        (
            "POST",
            format!("/servers/{sid}/roles"),
            Some(json!({ "name": "x" })),
        ),
        (
            "PATCH",
            format!("/servers/{sid}/roles/{rid}"),
            Some(json!({ "name": "x" })),
        ),
        ("DELETE", format!("/servers/{sid}/roles/{rid}"), None),
        (
            "PUT",
            format!("/servers/{sid}/members/{}/roles/{rid}", member.id),
            None,
        ),
        (
            "DELETE",
            format!("/servers/{sid}/members/{}", owner.id),
            None,
        ),
        ("PUT", format!("/servers/{sid}/bans/{}", owner.id), None),
        ("GET", format!("/servers/{sid}/bans"), None),
        ("GET", format!("/servers/{sid}/invites"), None),
        (
            "PATCH",
            format!("/channels/{general}/messages/{mid}"),
            Some(json!({ "content": "edited by someone else" })),
        ),
        (
            "DELETE",
            format!("/channels/{general}/messages/{mid}"),
            None,
        ),
        ("PUT", format!("/channels/{general}/pins/{mid}"), None),
        (
            "DELETE",
            format!(
                "/channels/{general}/messages/{mid}/reactions/x/{}",
                owner.id
            ),
            None,
        ),
        (
            "PATCH",
            format!("/servers/{sid}/members/{}", owner.id),
            Some(json!({ "nickname": "x" })),
        ),
        (
            "GET",
            format!(
                "/servers/{sid}/permissions?permission=1&user_id={}",
                owner.id
            ),
            None,
        ),
    ];
    for (method, path, body) in &forbidden_for_member {
        let (status, error) = member.call(method, path, body.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {error}");
        assert!(
            error["code"] == "missing_permissions" || error["code"] == "forbidden",
            "{error}"
        );
    }
    let hidden_from_outsider = [
        ("GET", format!("/servers/{sid}"), None),
        ("GET", format!("/servers/{sid}/channels"), None),
        ("GET", format!("/channels/{general}"), None),
        ("GET", format!("/channels/{general}/messages"), None),
        (
            "POST",
            format!("/channels/{general}/messages"),
            Some(json!({ "content": "let me in" })),
        ),
        ("GET", format!("/servers/{sid}/members"), None),
        ("POST", format!("/servers/{sid}/invites"), None),
        (
            "PUT",
            format!("/channels/{general}/messages/{mid}/reactions/x/@me"),
            None,
        ),
        ("POST", format!("/channels/{general}/typing"), None),
        ("POST", format!("/servers/{sid}/members"), None),
    ];
    for (method, path, body) in &hidden_from_outsider {
        let (status, error) = outsider.call(method, path, body.clone()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {error}");
    }
    // Nothing changed.
    let after = owner.ok("GET", &format!("/servers/{sid}"), None).await;
    assert_eq!(
        (after["name"].as_str(), after["member_count"].as_u64()),
        (Some("s"), Some(2))
    );
    let message = owner
        .ok("GET", &format!("/channels/{general}/messages/{mid}"), None)
        .await;
    assert_eq!(
        (message["content"].as_str(), message["is_pinned"].as_bool()),
        (Some("owner's words"), Some(false))
    );
    assert_eq!(
        owner
            .ok("GET", &format!("/servers/{sid}/roles"), None)
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        owner
            .ok("GET", &format!("/servers/{sid}/channels"), None)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let history = owner
        .ok("GET", &format!("/channels/{general}/messages"), None)
        .await;
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["content"] != "let me in")
    );
}
