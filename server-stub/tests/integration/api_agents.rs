//! Tests: api_agents. The owner side of agents (create, validation, visibility, versions,
//! publish/unpublish, my agents) and reviews.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

fn minimal() -> Value {
    json!({"name": "Minimal Agent", "rank": "silver", "type": "coach", "provider": "openai", "pricing": {"perMinute": 3, "perAction": 0}})
}

/// `minimal()` with `extra`'s fields replacing its own.
fn with(extra: Value) -> Value {
    let mut body = minimal();
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    body
}

async fn create(ts: &TestServer, token: &str, body: Value) -> Resp {
    ts.post("/v1/agents", Some(token), body).await
}

async fn create_ok(ts: &TestServer, token: &str, body: Value) -> String {
    let r = create(ts, token, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["id"].as_str().expect("id").to_owned()
}

async fn patch(ts: &TestServer, token: Option<&str>, id: &str, body: Value) -> Resp {
    ts.call(
        Method::PATCH,
        &format!("/v1/agents/{id}"),
        token,
        Some(body),
        None,
    )
    .await
}

fn ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect()
}

/// Ends a session as its hirer.
async fn end(ts: &TestServer, token: &str, session: &str) {
    let r = ts
        .post_idem(
            &format!("/v1/sessions/{session}/end"),
            token,
            None,
            &unique("end"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// A funded hirer who hired `agent` and ended the session: (hirer token, session id).
async fn ended_session(ts: &TestServer, agent: &str) -> (String, String) {
    let (hirer, _) = ts.funded_user(1000).await;
    let session = ts.hire(&hirer, agent, 100).await;
    end(ts, &hirer, &session).await;
    (hirer, session)
}

async fn review(ts: &TestServer, token: &str, agent: &str, body: Value) -> Resp {
    ts.post(&format!("/v1/agents/{agent}/reviews"), Some(token), body)
        .await
}

#[tokio::test]
async fn create_answers_a_draft_with_defaults() {
    let ts = TestServer::start().await;
    let (token, uid) = ts.user().await;
    let r = create(&ts, &token, minimal()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let a = &r.body;
    assert!(a["id"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(a["ownerId"], uid.as_str());
    assert_eq!(a["name"], "Minimal Agent");
    assert_eq!(a["status"], "draft");
    assert_eq!(a["version"], 1);
    assert_eq!(a["description"], "");
    assert_eq!(a["tags"], json!([]));
    assert_eq!(a["specializations"], json!([]));
    assert_eq!(a["games"], json!([]));
    assert_eq!(a["hasVoiceChat"], false);
    assert_eq!(a["hasCommentator"], false);
    assert_eq!(a["actionsPerSecond"], 2);
    assert_eq!(a["rank"], "silver");
    assert_eq!(a["type"], "coach");
    assert_eq!(a["provider"], "openai");
    assert_eq!(a["pricing"], json!({"perMinute": 3, "perAction": 0}));
    assert!(a["imageUrl"].is_null() && a["nationality"].is_null(), "{a}");
    assert!(
        a["createdAt"].is_string() && a["updatedAt"].is_string(),
        "{a}"
    );

    // Every field given is kept.
    let full = with(json!({
        "description": "Plays the long game.", "tags": ["calm", "patient"], "specializations": ["endgames"],
        "games": ["chess", "go"], "hasVoiceChat": true, "hasCommentator": true, "actionsPerSecond": 1000,
        "imageUrl": "https://img.example/a.png", "nationality": "FR"
    }));
    let r = create(&ts, &token, full).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["tags"], json!(["calm", "patient"]));
    assert_eq!(r.body["games"], json!(["chess", "go"]));
    assert_eq!(r.body["specializations"], json!(["endgames"]));
    assert_eq!(r.body["hasVoiceChat"], true);
    assert_eq!(r.body["hasCommentator"], true);
    assert_eq!(r.body["actionsPerSecond"], 1000);
    assert_eq!(r.body["imageUrl"], "https://img.example/a.png");
    assert_eq!(r.body["nationality"], "FR");

    // Any authenticated user, but only an authenticated one.
    ts.post("/v1/agents", None, minimal())
        .await
        .assert_error(401, "unauthenticated");
}

#[tokio::test]
async fn create_refuses_out_of_range_fields_naming_them() {
    let ts = TestServer::start().await;
    let (token, _) = ts.user().await;
    let cases: Vec<(Value, &str)> = vec![
        (with(json!({"name": ""})), "name"),
        (with(json!({"name": "n".repeat(101)})), "name"),
        (
            with(json!({"tags": (0..21).map(|i| format!("t{i}")).collect::<Vec<_>>()})),
            "tags",
        ),
        (with(json!({"tags": ["x".repeat(51)]})), "tags[0]"),
        (with(json!({"games": ["g".repeat(51)]})), "games[0]"),
        (with(json!({"rank": "legend"})), "rank"),
        (with(json!({"type": "healer"})), "type"),
        (with(json!({"actionsPerSecond": 0})), "actionsPerSecond"),
        (with(json!({"actionsPerSecond": 1001})), "actionsPerSecond"),
        (
            with(json!({"pricing": {"perMinute": -1, "perAction": 0}})),
            "pricing.perMinute",
        ),
        (
            with(json!({"pricing": {"perMinute": 1.5, "perAction": 0}})),
            "pricing.perMinute",
        ),
        (
            with(json!({"pricing": {"perMinute": 1, "perAction": -2}})),
            "pricing.perAction",
        ),
        (
            with(json!({"description": "d".repeat(5001)})),
            "description",
        ),
    ];
    for (body, field) in cases {
        let r = create(&ts, &token, body.clone()).await;
        r.assert_invalid_field(field);
    }
    for missing in ["name", "rank", "type", "provider", "pricing"] {
        let mut body = minimal();
        body.as_object_mut().expect("object").remove(missing);
        let r = create(&ts, &token, body).await;
        r.assert_invalid_field(missing);
    }
    // Nothing was created by the refusals; the limits themselves are accepted.
    let mine = ts.get("/v1/users/me/agents", Some(&token)).await;
    assert_eq!(mine.body["items"], json!([]), "{}", mine.body);
    let edge = with(json!({
        "name": "n".repeat(100), "tags": (0..20).map(|_| "x".repeat(50)).collect::<Vec<_>>(),
        "actionsPerSecond": 1, "pricing": {"perMinute": 0, "perAction": 0}, "description": "d".repeat(5000)
    }));
    let r = create(&ts, &token, edge).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn drafts_are_visible_to_their_owner_only_and_published_agents_to_anyone() {
    let ts = TestServer::start().await;
    let (owner, _) = ts.user().await;
    let (other, _) = ts.user().await;
    let id = create_ok(&ts, &owner, minimal()).await;
    let path = format!("/v1/agents/{id}");
    let r = ts.get(&path, Some(&owner)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "draft");
    ts.get(&path, Some(&other))
        .await
        .assert_error(404, "not_found");
    ts.get(&path, None).await.assert_error(404, "not_found");

    let r = ts
        .post(&format!("/v1/agents/{id}/publish"), Some(&owner), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "published");
    for token in [None, Some(other.as_str()), Some(owner.as_str())] {
        let r = ts.get(&path, token).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["id"], id.as_str());
        assert_eq!(r.body["status"], "published");
    }

    let r = ts
        .post(
            &format!("/v1/agents/{id}/unpublish"),
            Some(&owner),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "unpublished");
    ts.get(&path, Some(&other))
        .await
        .assert_error(404, "not_found");
    ts.get(&path, None).await.assert_error(404, "not_found");
    assert_eq!(
        ts.get(&path, Some(&owner)).await.body["status"],
        "unpublished"
    );

    ts.get("/v1/agents/agt_does_not_exist", Some(&owner))
        .await
        .assert_error(404, "not_found");
}

#[tokio::test]
async fn patch_bumps_the_version_and_keeps_every_version() {
    let ts = TestServer::start().await;
    let (owner, _) = ts.user().await;
    let id = create_ok(&ts, &owner, minimal()).await;
    let r = patch(&ts, Some(&owner), &id, json!({"name": "Second Name"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["name"], "Second Name");
    assert_eq!(r.body["rank"], "silver", "untouched fields stay");
    let r = patch(
        &ts,
        Some(&owner),
        &id,
        json!({"description": "Now with words.", "pricing": {"perMinute": 9, "perAction": 2}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["version"], 3);
    assert_eq!(r.body["name"], "Second Name");
    assert_eq!(r.body["pricing"], json!({"perMinute": 9, "perAction": 2}));
    let current = ts.get(&format!("/v1/agents/{id}"), Some(&owner)).await;
    assert_eq!(current.body["version"], 3);
    assert_eq!(current.body["description"], "Now with words.");

    let all = ts
        .get(&format!("/v1/agents/{id}/versions"), Some(&owner))
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    let items = all.body["items"].as_array().expect("items");
    let versions: Vec<i64> = items
        .iter()
        .map(|v| v["version"].as_i64().expect("version"))
        .collect();
    assert_eq!(versions, [3, 2, 1], "newest first");
    let names: Vec<&str> = items
        .iter()
        .map(|v| v["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Second Name", "Second Name", "Minimal Agent"]);
    assert_eq!(items[0]["pricing"]["perMinute"], 9);
    assert_eq!(
        items[1]["pricing"]["perMinute"], 3,
        "old versions keep their old fields"
    );
    assert_eq!(items[2]["description"], "");
    assert!(all.body["nextCursor"].is_null());

    // One per page, following nextCursor.
    let mut walked = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => format!("/v1/agents/{id}/versions?limit=1"),
            Some(c) => format!("/v1/agents/{id}/versions?limit=1&cursor={c}"),
        };
        let page = ts.get(&path, Some(&owner)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let items = page.body["items"].as_array().expect("items");
        assert_eq!(items.len(), 1, "{}", page.body);
        walked.push(items[0]["version"].as_i64().expect("version"));
        match page.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(walked.len() < 10, "the walk ends");
    }
    assert_eq!(walked, [3, 2, 1]);
    ts.get(&format!("/v1/agents/{id}/versions?limit=0"), Some(&owner))
        .await
        .assert_error(400, "invalid_argument");
    // A draft's versions are as private as the draft.
    let (other, _) = ts.user().await;
    ts.get(&format!("/v1/agents/{id}/versions"), Some(&other))
        .await
        .assert_error(404, "not_found");
}

#[tokio::test]
async fn patch_by_anyone_but_the_owner_is_forbidden() {
    let ts = TestServer::start().await;
    let (owner, _) = ts.user().await;
    let (other, _) = ts.user().await;
    let draft = create_ok(&ts, &owner, minimal()).await;
    patch(&ts, Some(&other), &draft, json!({"name": "Hijacked"}))
        .await
        .assert_error(403, "forbidden");
    let (_, published) = ts.published_agent(json!({})).await;
    patch(&ts, Some(&other), &published, json!({"name": "Hijacked"}))
        .await
        .assert_error(403, "forbidden");
    patch(&ts, None, &published, json!({"name": "Hijacked"}))
        .await
        .assert_error(401, "unauthenticated");
    // Nothing changed.
    let r = ts.get(&format!("/v1/agents/{draft}"), Some(&owner)).await;
    assert_eq!(
        (r.body["name"].as_str(), r.body["version"].as_i64()),
        (Some("Minimal Agent"), Some(1))
    );
    assert_eq!(
        ts.get(&format!("/v1/agents/{published}"), None).await.body["version"],
        1
    );
    // The owner's invalid change is refused and changes nothing either.
    let r = patch(&ts, Some(&owner), &draft, json!({"actionsPerSecond": 0})).await;
    r.assert_error(400, "invalid_argument");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("actionsPerSecond")
    );
    assert_eq!(
        ts.get(&format!("/v1/agents/{draft}"), Some(&owner))
            .await
            .body["version"],
        1
    );
}

#[tokio::test]
async fn publish_and_unpublish_conflicts() {
    let ts = TestServer::start().await;
    let (owner, _) = ts.user().await;
    let (other, _) = ts.user().await;
    let id = create_ok(&ts, &owner, minimal()).await;
    ts.post(
        &format!("/v1/agents/{id}/unpublish"),
        Some(&owner),
        json!({}),
    )
    .await
    .assert_error(409, "conflict");
    ts.post(&format!("/v1/agents/{id}/publish"), Some(&other), json!({}))
        .await
        .assert_error(403, "forbidden");
    let r = ts
        .post(&format!("/v1/agents/{id}/publish"), Some(&owner), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "published");
    ts.post(&format!("/v1/agents/{id}/publish"), Some(&owner), json!({}))
        .await
        .assert_error(409, "conflict");
    ts.post(
        &format!("/v1/agents/{id}/unpublish"),
        Some(&other),
        json!({}),
    )
    .await
    .assert_error(403, "forbidden");
    assert_eq!(
        ts.post(
            &format!("/v1/agents/{id}/unpublish"),
            Some(&owner),
            json!({})
        )
        .await
        .status,
        StatusCode::OK
    );
    ts.post(
        &format!("/v1/agents/{id}/unpublish"),
        Some(&owner),
        json!({}),
    )
    .await
    .assert_error(409, "conflict");
    ts.post("/v1/agents/agt_nope/publish", Some(&owner), json!({}))
        .await
        .assert_error(404, "not_found");
}

#[tokio::test]
async fn unpublishing_removes_the_listing_and_publishing_again_restores_it() {
    let ts = TestServer::start().await;
    let (owner, id) = ts
        .published_agent(json!({"name": "Vanishing Quorrel"}))
        .await;
    let listing = format!("/v1/marketplace/listings/{id}");
    let r = ts.get(&listing, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["id"], id.as_str());
    assert_eq!(
        ts.get("/v1/marketplace/search?q=quorrel", None).await.body["total"],
        1
    );

    let r = ts
        .post(
            &format!("/v1/agents/{id}/unpublish"),
            Some(&owner),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    ts.get(&listing, None).await.assert_error(404, "not_found");
    let s = ts.get("/v1/marketplace/search?q=quorrel", None).await;
    assert_eq!(
        (s.body["total"].as_i64(), s.body["items"].clone()),
        (Some(0), json!([])),
        "{}",
        s.body
    );
    assert_eq!(
        ts.get("/v1/marketplace/featured", None).await.body["items"],
        json!([])
    );

    assert_eq!(
        ts.post(&format!("/v1/agents/{id}/publish"), Some(&owner), json!({}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(ts.get(&listing, None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn my_agents_lists_drafts_and_published_paginated() {
    let ts = TestServer::start().await;
    let (owner, _) = ts.user().await;
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(create_ok(&ts, &owner, with(json!({"name": format!("Mine {i}")}))).await);
    }
    assert_eq!(
        ts.post(
            &format!("/v1/agents/{}/publish", created[1]),
            Some(&owner),
            json!({})
        )
        .await
        .status,
        StatusCode::OK
    );
    // Someone else's agent is not mine.
    ts.published_agent(json!({})).await;

    let all = ts.get("/v1/users/me/agents", Some(&owner)).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    let mut got = ids(&all.body["items"]);
    assert!(all.body["nextCursor"].is_null());
    got.sort();
    let mut want = created.clone();
    want.sort();
    assert_eq!(got, want);

    let mut walked = Vec::new();
    let mut pages = 0;
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => "/v1/users/me/agents?limit=2".to_owned(),
            Some(c) => format!("/v1/users/me/agents?limit=2&cursor={c}"),
        };
        let page = ts.get(&path, Some(&owner)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let items = ids(&page.body["items"]);
        assert!(items.len() <= 2);
        walked.extend(items);
        pages += 1;
        match page.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(pages < 10, "the walk ends");
    }
    assert_eq!(pages, 3);
    let mut sorted = walked.clone();
    sorted.sort();
    assert_eq!(sorted, want, "every agent exactly once: {walked:?}");
    ts.get("/v1/users/me/agents?limit=101", Some(&owner))
        .await
        .assert_error(400, "invalid_argument");
    ts.get("/v1/users/me/agents?cursor=bogus!", Some(&owner))
        .await
        .assert_error(400, "invalid_argument");
    ts.get("/v1/users/me/agents", None)
        .await
        .assert_error(401, "unauthenticated");
}

#[tokio::test]
async fn only_the_hirer_of_an_ended_session_reviews_it_once() {
    let ts = TestServer::start().await;
    let (owner, agent) = ts.published_agent(json!({})).await;
    let (hirer, _) = ts.funded_user(1000).await;
    let session = ts.hire(&hirer, &agent, 100).await;
    let body = json!({"sessionId": session, "rating": 4, "text": "Solid teammate."});

    // Still active.
    review(&ts, &hirer, &agent, body.clone())
        .await
        .assert_error(409, "conflict");
    end(&ts, &hirer, &session).await;

    // The owner is not the hirer.
    review(&ts, &owner, &agent, body.clone())
        .await
        .assert_error(403, "forbidden");
    ts.post(&format!("/v1/agents/{agent}/reviews"), None, body.clone())
        .await
        .assert_error(401, "unauthenticated");

    let r = review(&ts, &hirer, &agent, body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.body["id"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(r.body["agentId"], agent.as_str());
    assert_eq!(r.body["sessionId"], session.as_str());
    assert_eq!(r.body["rating"], 4);
    assert_eq!(r.body["text"], "Solid teammate.");
    let me = ts.get("/v1/users/me", Some(&hirer)).await;
    assert_eq!(r.body["author"]["id"], me.body["id"]);
    assert_eq!(r.body["author"]["displayName"], me.body["displayName"]);
    assert!(r.body["createdAt"].is_string());

    // Once per session.
    review(
        &ts,
        &hirer,
        &agent,
        json!({"sessionId": session, "rating": 1, "text": "changed my mind"}),
    )
    .await
    .assert_error(409, "conflict");
    let list = ts.get(&format!("/v1/agents/{agent}/reviews"), None).await;
    assert_eq!(
        list.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        list.body
    );
}

#[tokio::test]
async fn a_stranger_may_not_review_someone_elses_session() {
    let ts = TestServer::start().await;
    let (_, agent) = ts.published_agent(json!({})).await;
    let (_, session) = ended_session(&ts, &agent).await;
    let (stranger, _) = ts.user().await;
    review(
        &ts,
        &stranger,
        &agent,
        json!({"sessionId": session, "rating": 5, "text": "never played"}),
    )
    .await
    .assert_error(403, "forbidden");
}

#[tokio::test]
async fn a_review_needs_a_session_of_that_agent_and_a_rating_from_1_to_5() {
    let ts = TestServer::start().await;
    let (_, agent_a) = ts.published_agent(json!({})).await;
    let (_, agent_b) = ts.published_agent(json!({})).await;
    let (hirer, session_b) = ended_session(&ts, &agent_b).await;
    // A session of another agent.
    review(
        &ts,
        &hirer,
        &agent_a,
        json!({"sessionId": session_b, "rating": 5, "text": ""}),
    )
    .await
    .assert_error(404, "not_found");
    review(
        &ts,
        &hirer,
        &agent_b,
        json!({"sessionId": "ses_nope", "rating": 5, "text": ""}),
    )
    .await
    .assert_error(404, "not_found");
    for bad in [json!(0), json!(6), json!(4.5), json!(-1), json!("5")] {
        let r = review(
            &ts,
            &hirer,
            &agent_b,
            json!({"sessionId": session_b, "rating": bad, "text": ""}),
        )
        .await;
        r.assert_invalid_field("rating");
    }
    // The refusals did not use up the session's review.
    let r = review(
        &ts,
        &hirer,
        &agent_b,
        json!({"sessionId": session_b, "rating": 5, "text": "ok"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn reviews_are_public_newest_first_and_update_the_listing() {
    let ts = TestServer::start().await;
    let (_, agent) = ts.published_agent(json!({})).await;
    let listing = ts
        .get(&format!("/v1/marketplace/listings/{agent}"), None)
        .await;
    assert_eq!(listing.body["rating"], 0.0);
    assert_eq!(listing.body["reviewCount"], 0);

    let mut review_ids = Vec::new();
    for (rating, text) in [(5, "first"), (2, "second"), (4, "third")] {
        let (hirer, session) = ended_session(&ts, &agent).await;
        let r = review(
            &ts,
            &hirer,
            &agent,
            json!({"sessionId": session, "rating": rating, "text": text}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        review_ids.push(r.body["id"].as_str().expect("id").to_owned());
    }
    let list = ts.get(&format!("/v1/agents/{agent}/reviews"), None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let texts: Vec<&str> = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["text"].as_str().expect("text"))
        .collect();
    assert_eq!(texts, ["third", "second", "first"]);
    assert!(list.body["nextCursor"].is_null());

    let page1 = ts
        .get(&format!("/v1/agents/{agent}/reviews?limit=2"), None)
        .await;
    assert_eq!(
        ids(&page1.body["items"]),
        [review_ids[2].clone(), review_ids[1].clone()]
    );
    let cursor = page1.body["nextCursor"].as_str().expect("a second page");
    let page2 = ts
        .get(
            &format!("/v1/agents/{agent}/reviews?limit=2&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(ids(&page2.body["items"]), [review_ids[0].clone()]);
    assert!(page2.body["nextCursor"].is_null());

    // (5 + 2 + 4) / 3 = 3.67 -> one decimal.
    let listing = ts
        .get(&format!("/v1/marketplace/listings/{agent}"), None)
        .await;
    assert_eq!(listing.body["reviewCount"], 3, "{}", listing.body);
    assert_eq!(listing.body["rating"], 3.7, "{}", listing.body);
}
