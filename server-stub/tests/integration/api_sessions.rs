//! Tests: api_sessions. Hiring (holds, the first minute's charge, every refusal), reading and
//! listing sessions, commands, ending and settlement (with idempotent replays), stream
//! tickets, and a session that ends by itself when its budget runs out.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

/// An owner with a published agent and a funded hirer.
struct Setup {
    owner: String,
    owner_id: String,
    agent: String,
    hirer: String,
    hirer_id: String,
}

async fn setup(ts: &TestServer, agent: Value, funds: i64) -> Setup {
    let (owner, agent) = ts.published_agent(agent).await;
    let owner_id = ts.get("/v1/users/me", Some(&owner)).await.body["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (hirer, hirer_id) = ts.funded_user(funds).await;
    Setup {
        owner,
        owner_id,
        agent,
        hirer,
        hirer_id,
    }
}

async fn hire_with(ts: &TestServer, token: &str, body: Value) -> Resp {
    ts.post_idem("/v1/hires", token, Some(body), &unique("hire"))
        .await
}

async fn wallet(ts: &TestServer, token: &str) -> Value {
    let r = ts.get("/v1/wallet", Some(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

fn int(v: &Value) -> i64 {
    v.as_i64()
        .unwrap_or_else(|| panic!("integer expected: {v}"))
}

fn millis(v: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(v.as_str().expect("timestamp"))
        .expect("RFC 3339")
        .timestamp_millis()
}

async fn end(ts: &TestServer, token: &str, session: &str, key: &str) -> Resp {
    ts.post_idem(&format!("/v1/sessions/{session}/end"), token, None, key)
        .await
}

async fn session(ts: &TestServer, token: &str, id: &str) -> Value {
    let r = ts.get(&format!("/v1/sessions/{id}"), Some(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

/// All my transactions of one type, every page.
async fn txs(ts: &TestServer, token: &str, kind: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/v1/wallet/transactions?type={kind}&limit=100");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let r = ts.get(&path, Some(token)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        all.extend(r.body["items"].as_array().expect("items").iter().cloned());
        match r.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return all,
        }
    }
}

/// The amount a transaction moves on `account`.
fn amount_on(tx: &Value, account: &str) -> Option<i64> {
    tx["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["account"] == account)
        .and_then(|e| e["amount"].as_i64())
}

fn ids(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn hiring_holds_the_budget_and_charges_the_first_minute() {
    let ts = TestServer::start().await;
    // No per-action price, so held is exact until the second minute.
    let s = setup(
        &ts,
        json!({"pricing": {"perMinute": 10, "perAction": 0}}),
        1000,
    )
    .await;
    let r = hire_with(
        &ts,
        &s.hirer,
        json!({"agentId": s.agent, "game": "chess", "budget": 300}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let ses = &r.body["session"];
    let id = ses["id"].as_str().expect("id");
    assert_eq!(r.body["streamPath"], format!("/v1/sessions/{id}/stream"));
    assert_eq!(ses["agentId"], s.agent.as_str());
    assert_eq!(ses["hirerId"], s.hirer_id.as_str());
    assert_eq!(ses["ownerId"], s.owner_id.as_str());
    assert_eq!(ses["game"], "chess");
    assert_eq!(ses["status"], "active");
    assert_eq!(ses["budget"], 300);
    assert_eq!(ses["consumed"], 10, "the first minute is charged at start");
    assert_eq!(ses["remaining"], 290);
    assert!(
        ses["endedAt"].is_null() && ses["endReason"].is_null(),
        "{ses}"
    );
    assert_eq!(
        millis(&ses["expiresAt"]) - millis(&ses["startedAt"]),
        60 * 60_000,
        "maxMinutes defaults to 60"
    );
    assert!(
        int(&ses["lastSeq"]) >= 2,
        "session.started then the first dof_update: {ses}"
    );

    let w = wallet(&ts, &s.hirer).await;
    assert_eq!(w["available"], 700, "budget moved out of available: {w}");
    assert_eq!(
        w["held"], 290,
        "the held budget minus the first minute: {w}"
    );
    assert_eq!(w["balance"], 990);

    // maxMinutes sets expiresAt.
    let r = hire_with(
        &ts,
        &s.hirer,
        json!({"agentId": s.agent, "game": "chess", "budget": 100, "maxMinutes": 240}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        millis(&r.body["session"]["expiresAt"]) - millis(&r.body["session"]["startedAt"]),
        240 * 60_000
    );
    assert_eq!(wallet(&ts, &s.hirer).await["available"], 600);
    assert_eq!(ts.audit().await.entries_sum, 0);
}

#[tokio::test]
async fn hire_refusals() {
    let ts = TestServer::start().await;
    let s = setup(
        &ts,
        json!({"pricing": {"perMinute": 10, "perAction": 1}}),
        50,
    )
    .await;
    let ok = |budget: i64| json!({"agentId": s.agent, "game": "chess", "budget": budget});

    // Your own agent.
    let r = ts
        .post_idem(
            "/v1/wallet/topups",
            &s.owner,
            Some(json!({"amount": 500, "provider": "dev"})),
            &unique("top"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    hire_with(&ts, &s.owner, ok(100))
        .await
        .assert_error(403, "forbidden");
    // Unknown, draft and unpublished agents.
    hire_with(
        &ts,
        &s.hirer,
        json!({"agentId": "agt_nope", "game": "chess", "budget": 20}),
    )
    .await
    .assert_error(404, "not_found");
    let draft = ts.post("/v1/agents", Some(&s.owner), json!({"name": "Draft", "rank": "gold", "type": "coach", "provider": "x", "pricing": {"perMinute": 1, "perAction": 0}})).await;
    let draft = draft.body["id"].as_str().expect("id").to_owned();
    hire_with(
        &ts,
        &s.hirer,
        json!({"agentId": draft, "game": "chess", "budget": 20}),
    )
    .await
    .assert_error(404, "not_found");
    let (owner2, gone) = ts.published_agent(json!({})).await;
    assert_eq!(
        ts.post(
            &format!("/v1/agents/{gone}/unpublish"),
            Some(&owner2),
            json!({})
        )
        .await
        .status,
        StatusCode::OK
    );
    hire_with(
        &ts,
        &s.hirer,
        json!({"agentId": gone, "game": "chess", "budget": 20}),
    )
    .await
    .assert_error(404, "not_found");
    // Budget below one minute, zero, above the maximum.
    for (body, field) in [
        (ok(9), "budget"),
        (ok(0), "budget"),
        (ok(1_000_001), "budget"),
        (
            json!({"agentId": s.agent, "game": "chess", "budget": 20.5}),
            "budget",
        ),
        (
            json!({"agentId": s.agent, "game": "chess", "budget": 20, "maxMinutes": 241}),
            "maxMinutes",
        ),
        (
            json!({"agentId": s.agent, "game": "chess", "budget": 20, "maxMinutes": 0}),
            "maxMinutes",
        ),
        (json!({"agentId": s.agent, "budget": 20}), "game"),
    ] {
        let r = hire_with(&ts, &s.hirer, body.clone()).await;
        r.assert_invalid_field(field);
    }
    // More than the available balance.
    let r = hire_with(&ts, &s.hirer, ok(51)).await;
    r.assert_error(402, "insufficient_funds");
    // No key.
    let r = ts
        .call(
            reqwest::Method::POST,
            "/v1/hires",
            Some(&s.hirer),
            Some(ok(20)),
            None,
        )
        .await;
    r.assert_error(400, "invalid_argument");
    ts.post_idem("/v1/hires", "", Some(ok(20)), &unique("hire"))
        .await
        .assert_error(401, "unauthenticated");

    // Nothing moved; the exact balance is still enough.
    let w = wallet(&ts, &s.hirer).await;
    assert_eq!(
        w,
        json!({"balance": 50, "held": 0, "available": 50, "currency": "DOF"})
    );
    let r = hire_with(&ts, &s.hirer, ok(50)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(wallet(&ts, &s.hirer).await["available"], 0);
}

#[tokio::test]
async fn a_hire_replays_under_its_key() {
    let ts = TestServer::start().await;
    let s = setup(&ts, json!({}), 1000).await;
    let key = unique("hire");
    let body = json!({"agentId": s.agent, "game": "chess", "budget": 200});
    let first = ts
        .post_idem("/v1/hires", &s.hirer, Some(body.clone()), &key)
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = ts.post_idem("/v1/hires", &s.hirer, Some(body), &key).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.raw, first.raw);
    assert_eq!(
        again
            .headers
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    ts.post_idem(
        "/v1/hires",
        &s.hirer,
        Some(json!({"agentId": s.agent, "game": "chess", "budget": 201})),
        &key,
    )
    .await
    .assert_error(409, "idempotency_conflict");
    assert_eq!(
        wallet(&ts, &s.hirer).await["available"],
        800,
        "one hold only"
    );
    let list = ts.get("/v1/sessions", Some(&s.hirer)).await;
    assert_eq!(ids(&list.body).len(), 1);
}

#[tokio::test]
async fn a_refused_hire_stays_refused_under_its_key() {
    let ts = TestServer::start().await;
    let s = setup(&ts, json!({}), 50).await;
    let key = unique("hire");
    let body = json!({"agentId": s.agent, "game": "chess", "budget": 100});
    let first = ts
        .post_idem("/v1/hires", &s.hirer, Some(body.clone()), &key)
        .await;
    first.assert_error(402, "insufficient_funds");
    // Money arrives, but the retry of the refused operation is refused the same way.
    let r = ts
        .post_idem(
            "/v1/wallet/topups",
            &s.hirer,
            Some(json!({"amount": 500, "provider": "dev"})),
            &unique("top"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let again = ts
        .post_idem("/v1/hires", &s.hirer, Some(body.clone()), &key)
        .await;
    assert_eq!(again.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(again.raw, first.raw);
    assert_eq!(
        again
            .headers
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert_eq!(wallet(&ts, &s.hirer).await["available"], 550);
    // A new key is a new operation.
    assert_eq!(
        ts.post_idem("/v1/hires", &s.hirer, Some(body), &unique("hire"))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(wallet(&ts, &s.hirer).await["available"], 450);
}

#[tokio::test]
async fn a_session_is_visible_to_its_hirer_and_owner_only() {
    let ts = TestServer::start().await;
    let s = setup(&ts, json!({}), 1000).await;
    let id = ts.hire(&s.hirer, &s.agent, 200).await;
    let (stranger, _) = ts.user().await;
    for token in [&s.hirer, &s.owner] {
        let b = session(&ts, token, &id).await;
        assert_eq!(b["id"], id.as_str());
        assert_eq!(b["hirerId"], s.hirer_id.as_str());
        assert_eq!(b["budget"], 200);
        assert_eq!(int(&b["consumed"]) + int(&b["remaining"]), 200, "{b}");
    }
    ts.get(&format!("/v1/sessions/{id}"), Some(&stranger))
        .await
        .assert_error(404, "not_found");
    ts.get("/v1/sessions/ses_nope", Some(&s.hirer))
        .await
        .assert_error(404, "not_found");
    ts.get(&format!("/v1/sessions/{id}"), None)
        .await
        .assert_error(401, "unauthenticated");
}

#[tokio::test]
async fn sessions_i_hired_newest_first_by_status_and_paginated() {
    let ts = TestServer::start().await;
    let s = setup(&ts, json!({}), 1000).await;
    let mut hired = Vec::new();
    for _ in 0..3 {
        hired.push(ts.hire(&s.hirer, &s.agent, 100).await);
    }
    assert_eq!(
        end(&ts, &s.hirer, &hired[1], &unique("end")).await.status,
        StatusCode::OK
    );

    let all = ts.get("/v1/sessions", Some(&s.hirer)).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(
        ids(&all.body),
        [hired[2].clone(), hired[1].clone(), hired[0].clone()]
    );
    assert!(all.body["nextCursor"].is_null());
    let active = ts.get("/v1/sessions?status=active", Some(&s.hirer)).await;
    assert_eq!(ids(&active.body), [hired[2].clone(), hired[0].clone()]);
    assert!(
        active.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|x| x["status"] == "active")
    );
    let ended = ts.get("/v1/sessions?status=ended", Some(&s.hirer)).await;
    assert_eq!(ids(&ended.body), [hired[1].clone()]);
    assert_eq!(ended.body["items"][0]["endReason"], "ended_by_hirer");

    let mut walked = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => "/v1/sessions?limit=1".to_owned(),
            Some(c) => format!("/v1/sessions?limit=1&cursor={c}"),
        };
        let page = ts.get(&path, Some(&s.hirer)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        walked.extend(ids(&page.body));
        match page.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(walked.len() < 10, "the walk ends");
    }
    assert_eq!(
        walked,
        [hired[2].clone(), hired[1].clone(), hired[0].clone()]
    );
    let p = ts
        .get("/v1/sessions?status=active&limit=1", Some(&s.hirer))
        .await;
    assert_eq!(ids(&p.body), [hired[2].clone()]);
    let c = p.body["nextCursor"].as_str().expect("more");
    let p = ts
        .get(
            &format!("/v1/sessions?status=active&limit=1&cursor={c}"),
            Some(&s.hirer),
        )
        .await;
    assert_eq!(ids(&p.body), [hired[0].clone()]);
    assert!(p.body["nextCursor"].is_null());

    // The owner hired nothing.
    assert_eq!(
        ts.get("/v1/sessions", Some(&s.owner)).await.body["items"],
        json!([])
    );
    ts.get("/v1/sessions?status=bogus", Some(&s.hirer))
        .await
        .assert_error(400, "invalid_argument");
    ts.get("/v1/sessions?limit=0", Some(&s.hirer))
        .await
        .assert_error(400, "invalid_argument");
    ts.get("/v1/sessions", None)
        .await
        .assert_error(401, "unauthenticated");
}

#[tokio::test]
async fn commands_are_for_the_hirer_of_a_running_session() {
    let ts = TestServer::start().await;
    let s = setup(&ts, json!({}), 1000).await;
    let id = ts.hire(&s.hirer, &s.agent, 200).await;
    let (stranger, _) = ts.user().await;
    let path = format!("/v1/sessions/{id}/commands");
    let r = ts
        .post(
            &path,
            Some(&s.hirer),
            json!({"commandId": "cmd-1", "data": {"move": "e4"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.body, json!({"commandId": "cmd-1"}));
    ts.post(
        &path,
        Some(&s.owner),
        json!({"commandId": "cmd-2", "data": {}}),
    )
    .await
    .assert_error(403, "forbidden");
    ts.post(
        &path,
        Some(&stranger),
        json!({"commandId": "cmd-3", "data": {}}),
    )
    .await
    .assert_error(404, "not_found");
    let r = ts
        .post(
            &path,
            Some(&s.hirer),
            json!({"commandId": "cmd-4", "data": [1]}),
        )
        .await;
    r.assert_error(400, "invalid_argument");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("data")
    );
    let r = ts.post(&path, Some(&s.hirer), json!({"data": {}})).await;
    r.assert_error(400, "invalid_argument");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("commandId")
    );

    assert_eq!(
        end(&ts, &s.hirer, &id, &unique("end")).await.status,
        StatusCode::OK
    );
    ts.post(
        &path,
        Some(&s.hirer),
        json!({"commandId": "cmd-5", "data": {}}),
    )
    .await
    .assert_error(409, "conflict");
}

#[tokio::test]
async fn ending_settles_between_owner_platform_and_hirer() {
    let ts = TestServer::start().await;
    let s = setup(
        &ts,
        json!({"pricing": {"perMinute": 7, "perAction": 1}, "actionsPerSecond": 20}),
        1000,
    )
    .await;
    let id = ts.hire(&s.hirer, &s.agent, 300).await;
    let (stranger, _) = ts.user().await;
    end(&ts, &s.owner, &id, &unique("end"))
        .await
        .assert_error(403, "forbidden");
    end(&ts, &stranger, &id, &unique("end"))
        .await
        .assert_error(404, "not_found");

    let key = unique("end");
    let r = end(&ts, &s.hirer, &id, &key).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ses = &r.body["session"];
    let st = &r.body["settlement"];
    assert_eq!(ses["id"], id.as_str());
    assert_eq!(ses["status"], "ended");
    assert_eq!(ses["endReason"], "ended_by_hirer");
    assert!(ses["endedAt"].is_string(), "{ses}");
    let consumed = int(&st["consumed"]);
    assert!(
        (7..=300).contains(&consumed),
        "at least the first minute: {st}"
    );
    assert_eq!(int(&ses["consumed"]), consumed);
    assert_eq!(int(&ses["remaining"]), 300 - consumed);
    let fee = consumed * 2000 / 10000;
    assert_eq!(int(&st["platformFee"]), fee, "{st}");
    assert_eq!(int(&st["ownerEarnings"]), consumed - fee, "{st}");
    assert_eq!(
        int(&st["ownerEarnings"]) + int(&st["platformFee"]),
        consumed
    );
    assert_eq!(int(&st["released"]), 300 - consumed);

    let w = wallet(&ts, &s.hirer).await;
    assert_eq!(w["held"], 0, "{w}");
    assert_eq!(int(&w["available"]), 1000 - consumed, "{w}");
    assert_eq!(int(&w["balance"]), 1000 - consumed, "{w}");
    let ow = wallet(&ts, &s.owner).await;
    assert_eq!(int(&ow["available"]), consumed - fee, "{ow}");
    assert_eq!(ow["held"], 0);

    // Same key: the stored answer, byte for byte, with no second settlement.
    let again = end(&ts, &s.hirer, &id, &key).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.raw, r.raw);
    assert_eq!(
        again
            .headers
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    // A new key: the session has already ended.
    end(&ts, &s.hirer, &id, &unique("end"))
        .await
        .assert_error(409, "conflict");
    end(&ts, &s.owner, &id, &unique("end"))
        .await
        .assert_error(403, "forbidden");
    assert_eq!(
        int(&wallet(&ts, &s.hirer).await["available"]),
        1000 - consumed
    );
    assert_eq!(
        int(&wallet(&ts, &s.owner).await["available"]),
        consumed - fee
    );

    // The ledger tells the same story: the hirer's consumes add up to `consumed`, the release
    // gives back the rest, and the owner's settle splits `consumed` with the platform.
    let hirer_held = format!("user:{}:held", s.hirer_id);
    let hirer_available = format!("user:{}:available", s.hirer_id);
    let consumes = txs(&ts, &s.hirer, "consume").await;
    let consumed_in_ledger: i64 = consumes
        .iter()
        .map(|t| -amount_on(t, &hirer_held).expect("held debit"))
        .sum();
    assert_eq!(consumed_in_ledger, consumed);
    assert!(
        consumes
            .iter()
            .all(|t| amount_on(t, &format!("session:{id}:consumed")).is_some()),
        "{consumes:?}"
    );
    let releases = txs(&ts, &s.hirer, "release").await;
    assert_eq!(releases.len(), 1, "{releases:?}");
    assert_eq!(
        amount_on(&releases[0], &hirer_held),
        Some(-(300 - consumed))
    );
    assert_eq!(
        amount_on(&releases[0], &hirer_available),
        Some(300 - consumed)
    );
    let settles = txs(&ts, &s.owner, "settle").await;
    assert_eq!(settles.len(), 1, "{settles:?}");
    assert_eq!(
        amount_on(&settles[0], &format!("user:{}:available", s.owner_id)),
        Some(consumed - fee)
    );
    assert_eq!(amount_on(&settles[0], "platform:revenue"), Some(fee));
    assert_eq!(
        amount_on(&settles[0], &format!("session:{id}:consumed")),
        Some(-consumed)
    );
    for t in consumes.iter().chain(&releases).chain(&settles) {
        let sum: i64 = t["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| int(&e["amount"]))
            .sum();
        assert_eq!(sum, 0, "{t}");
    }

    // The stored session agrees and stops moving.
    let b = session(&ts, &s.hirer, &id).await;
    assert_eq!(
        (b["status"].as_str(), int(&b["consumed"])),
        (Some("ended"), consumed)
    );
    let audit = ts.audit().await;
    assert_eq!(
        (
            audit.entries_sum,
            audit.negative_user_accounts,
            audit.drifted_balances
        ),
        (0, 0, 0)
    );
    end(&ts, &s.hirer, "ses_nope", &unique("end"))
        .await
        .assert_error(404, "not_found");
    let r = ts
        .call(
            reqwest::Method::POST,
            &format!("/v1/sessions/{id}/end"),
            Some(&s.hirer),
            None,
            None,
        )
        .await;
    r.assert_error(400, "invalid_argument");
}

#[tokio::test]
async fn an_end_key_belongs_to_one_session() {
    let ts = TestServer::start().await;
    let s = setup(&ts, json!({}), 1000).await;
    let a = ts.hire(&s.hirer, &s.agent, 100).await;
    let b = ts.hire(&s.hirer, &s.agent, 100).await;
    let key = unique("end");
    assert_eq!(end(&ts, &s.hirer, &a, &key).await.status, StatusCode::OK);
    // Same key, same (empty) body, another path: another request.
    end(&ts, &s.hirer, &b, &key)
        .await
        .assert_error(409, "idempotency_conflict");
    assert_eq!(session(&ts, &s.hirer, &b).await["status"], "active");
    assert_eq!(
        end(&ts, &s.hirer, &b, &unique("end")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn stream_tickets_for_hirer_and_owner() {
    let ts = TestServer::start().await;
    let s = setup(&ts, json!({}), 1000).await;
    let id = ts.hire(&s.hirer, &s.agent, 200).await;
    let (stranger, _) = ts.user().await;
    let path = format!("/v1/sessions/{id}/stream-tickets");
    let a = ts.post(&path, Some(&s.hirer), json!({})).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert!(
        a.body["ticket"].as_str().is_some_and(|t| !t.is_empty()),
        "{}",
        a.body
    );
    assert_eq!(a.body["expiresIn"], 60);
    let b = ts.post(&path, Some(&s.owner), json!({})).await;
    assert_eq!(b.status, StatusCode::CREATED, "{}", b.body);
    assert_ne!(a.body["ticket"], b.body["ticket"]);
    ts.post(&path, Some(&stranger), json!({}))
        .await
        .assert_error(404, "not_found");
    ts.post(&path, None, json!({}))
        .await
        .assert_error(401, "unauthenticated");
}

#[tokio::test]
async fn a_session_ends_by_itself_when_the_budget_is_exhausted() {
    let ts = TestServer::start().await;
    let s = setup(
        &ts,
        json!({"pricing": {"perMinute": 1, "perAction": 5}, "actionsPerSecond": 50}),
        500,
    )
    .await;
    let id = ts.hire(&s.hirer, &s.agent, 101).await;
    // Time is the subject: poll until the session ends (1 + 20 actions x 5 = 101 DOF at 50/s).
    let deadline = Instant::now() + Duration::from_secs(10);
    let ended = loop {
        let b = session(&ts, &s.hirer, &id).await;
        if b["status"] == "ended" {
            break b;
        }
        assert!(
            Instant::now() < deadline,
            "the session did not end within 10 s: {b}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(ended["endReason"], "budget_exhausted", "{ended}");
    let consumed = int(&ended["consumed"]);
    assert!(consumed <= 101, "never more than the budget: {ended}");
    assert_eq!(int(&ended["remaining"]), 101 - consumed);
    assert!(
        int(&ended["remaining"]) < 5,
        "it ended because the next action could not be paid: {ended}"
    );
    assert!(ended["endedAt"].is_string());

    let fee = consumed * 2000 / 10000;
    let w = wallet(&ts, &s.hirer).await;
    assert_eq!(w["held"], 0, "{w}");
    assert_eq!(int(&w["available"]), 500 - consumed, "{w}");
    assert_eq!(
        int(&wallet(&ts, &s.owner).await["available"]),
        consumed - fee
    );
    // Ending it again is a conflict.
    end(&ts, &s.hirer, &id, &unique("end"))
        .await
        .assert_error(409, "conflict");
    let audit = ts.audit().await;
    assert_eq!(audit.entries_sum, 0);
    assert_eq!(audit.negative_user_accounts, 0);
    assert_eq!(audit.drifted_balances, 0);
}
