//! Tests: api_wallet. Wallet, dev and Stripe top-ups, the idempotency protocol on top-ups,
//! the transaction list, and the signed Stripe webhook.

use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

/// Posts a raw JSON text (for numbers `serde_json::Value` cannot hold as written).
async fn post_raw(ts: &TestServer, path: &str, token: &str, body: &str, key: Option<&str>) -> Resp {
    let mut req = ts
        .http
        .post(format!("{}{path}", ts.url))
        .bearer_auth(token)
        .header("Content-Type", "application/json")
        .body(body.to_owned());
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    Resp::read(req.send().await.expect("sent")).await
}

async fn topup(ts: &TestServer, token: &str, body: Value, key: &str) -> Resp {
    ts.post_idem("/v1/wallet/topups", token, Some(body), key)
        .await
}

async fn wallet(ts: &TestServer, token: &str) -> Value {
    let r = ts.get("/v1/wallet", Some(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

fn assert_wallet(w: &Value, balance: i64, held: i64, available: i64) {
    assert_eq!(
        w,
        &json!({"balance": balance, "held": held, "available": available, "currency": "DOF"})
    );
}

async fn transactions(ts: &TestServer, token: &str, query: &str) -> Vec<Value> {
    let r = ts
        .get(&format!("/v1/wallet/transactions{query}"), Some(token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"].as_array().expect("items").clone()
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

fn assert_balanced(tx: &Value) {
    let entries = tx["entries"].as_array().expect("entries");
    assert!(entries.len() >= 2, "{tx}");
    let sum: i64 = entries
        .iter()
        .map(|e| e["amount"].as_i64().expect("integer amount"))
        .sum();
    assert_eq!(sum, 0, "entries sum to zero: {tx}");
}

/// `Stripe-Signature` for `body` at unix time `t`.
fn stripe_signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("hmac key");
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

fn succeeded_event(topup_id: &str) -> String {
    json!({
        "id": unique("evt"), "type": "payment_intent.succeeded",
        "data": {"object": {"id": unique("pi"), "metadata": {"topupId": topup_id}}}
    })
    .to_string()
}

async fn webhook(ts: &TestServer, body: &str, signature: Option<&str>) -> Resp {
    let mut req = ts
        .http
        .post(format!("{}/v1/webhooks/payments/stripe", ts.url))
        .header("Content-Type", "application/json")
        .body(body.to_owned());
    if let Some(s) = signature {
        req = req.header("Stripe-Signature", s);
    }
    Resp::read(req.send().await.expect("sent")).await
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A pending Stripe top-up of `amount`; returns its id.
async fn stripe_topup(ts: &TestServer, token: &str, amount: i64) -> String {
    let r = topup(
        ts,
        token,
        json!({"amount": amount, "provider": "stripe"}),
        &unique("top"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["status"], "pending");
    r.body["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn a_new_user_has_an_empty_dof_wallet() {
    let ts = TestServer::start().await;
    let (token, _) = ts.user().await;
    assert_wallet(&wallet(&ts, &token).await, 0, 0, 0);
    assert!(transactions(&ts, &token, "").await.is_empty());
    ts.get("/v1/wallet", None)
        .await
        .assert_error(401, "unauthenticated");
}

#[tokio::test]
async fn a_dev_top_up_completes_at_once() {
    let ts = TestServer::start().await;
    let (token, uid) = ts.user().await;
    let r = topup(
        &ts,
        &token,
        json!({"amount": 250, "provider": "dev"}),
        &unique("top"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.body["id"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(r.body["amount"], 250);
    assert_eq!(r.body["provider"], "dev");
    assert_eq!(r.body["status"], "completed");
    assert!(r.body["createdAt"].is_string());
    assert!(r.headers.get("idempotent-replayed").is_none());
    assert_wallet(&wallet(&ts, &token).await, 250, 0, 250);
    let txs = transactions(&ts, &token, "").await;
    assert_eq!(txs.len(), 1);
    assert_eq!(txs[0]["type"], "topup");
    assert_eq!(
        amount_on(&txs[0], &format!("user:{uid}:available")),
        Some(250)
    );
    assert_eq!(amount_on(&txs[0], "external:dev"), Some(-250));
    assert_balanced(&txs[0]);
    // 1_000_000 is the largest top-up.
    let r = topup(
        &ts,
        &token,
        json!({"amount": 1_000_000, "provider": "dev"}),
        &unique("top"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_wallet(&wallet(&ts, &token).await, 1_000_250, 0, 1_000_250);
}

#[tokio::test]
async fn top_up_amounts_must_be_integers_from_1_to_1_000_000() {
    let ts = TestServer::start().await;
    let (token, _) = ts.user().await;
    for amount in [
        "0",
        "-5",
        "1000001",
        "1.5",
        "\"10\"",
        "1e3",
        "99999999999999999999",
        "null",
    ] {
        let body = format!(r#"{{"amount": {amount}, "provider": "dev"}}"#);
        let r = post_raw(
            &ts,
            "/v1/wallet/topups",
            &token,
            &body,
            Some(&unique("top")),
        )
        .await;
        r.assert_invalid_field("amount");
    }
    let r = post_raw(
        &ts,
        "/v1/wallet/topups",
        &token,
        r#"{"provider": "dev"}"#,
        Some(&unique("top")),
    )
    .await;
    r.assert_invalid_field("amount");
    let r = topup(
        &ts,
        &token,
        json!({"amount": 10, "provider": "paypal"}),
        &unique("top"),
    )
    .await;
    r.assert_invalid_field("provider");
    assert_wallet(&wallet(&ts, &token).await, 0, 0, 0);
    assert!(transactions(&ts, &token, "").await.is_empty());
}

#[tokio::test]
async fn a_top_up_needs_a_valid_idempotency_key() {
    let ts = TestServer::start().await;
    let (token, _) = ts.user().await;
    let r = ts
        .call(
            reqwest::Method::POST,
            "/v1/wallet/topups",
            Some(&token),
            Some(json!({"amount": 10, "provider": "dev"})),
            None,
        )
        .await;
    r.assert_invalid_field("Idempotency-Key");
    topup(
        &ts,
        &token,
        json!({"amount": 10, "provider": "dev"}),
        &"k".repeat(256),
    )
    .await
    .assert_error(400, "invalid_argument");
    assert_eq!(
        topup(
            &ts,
            &token,
            json!({"amount": 10, "provider": "dev"}),
            &"k".repeat(255)
        )
        .await
        .status,
        StatusCode::CREATED
    );
    assert_wallet(&wallet(&ts, &token).await, 10, 0, 10);
    ts.post_idem(
        "/v1/wallet/topups",
        "",
        Some(json!({"amount": 10, "provider": "dev"})),
        "k",
    )
    .await
    .assert_error(401, "unauthenticated");
}

#[tokio::test]
async fn the_same_key_and_body_replay_the_stored_answer_once() {
    let ts = TestServer::start().await;
    let (token, _) = ts.user().await;
    let key = unique("top");
    let body = json!({"amount": 100, "provider": "dev"});
    let first = topup(&ts, &token, body.clone(), &key).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert!(first.headers.get("idempotent-replayed").is_none());
    for _ in 0..2 {
        let again = topup(&ts, &token, body.clone(), &key).await;
        assert_eq!(again.status, StatusCode::CREATED);
        assert_eq!(again.raw, first.raw, "byte-identical");
        assert_eq!(
            again
                .headers
                .get("idempotent-replayed")
                .and_then(|v| v.to_str().ok()),
            Some("true")
        );
        assert!(again.headers.contains_key("x-request-id"));
    }
    assert_wallet(&wallet(&ts, &token).await, 100, 0, 100);
    assert_eq!(transactions(&ts, &token, "?type=topup").await.len(), 1);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_an_idempotency_conflict() {
    let ts = TestServer::start().await;
    let (token, _) = ts.user().await;
    let key = unique("top");
    assert_eq!(
        topup(&ts, &token, json!({"amount": 100, "provider": "dev"}), &key)
            .await
            .status,
        StatusCode::CREATED
    );
    topup(&ts, &token, json!({"amount": 200, "provider": "dev"}), &key)
        .await
        .assert_error(409, "idempotency_conflict");
    topup(
        &ts,
        &token,
        json!({"amount": 100, "provider": "stripe"}),
        &key,
    )
    .await
    .assert_error(409, "idempotency_conflict");
    assert_wallet(&wallet(&ts, &token).await, 100, 0, 100);
}

#[tokio::test]
async fn keys_are_scoped_to_the_caller() {
    let ts = TestServer::start().await;
    let (alice, _) = ts.user().await;
    let (bob, _) = ts.user().await;
    let key = unique("shared");
    let a = topup(&ts, &alice, json!({"amount": 30, "provider": "dev"}), &key).await;
    let b = topup(&ts, &bob, json!({"amount": 30, "provider": "dev"}), &key).await;
    assert_eq!(
        (a.status, b.status),
        (StatusCode::CREATED, StatusCode::CREATED),
        "{} {}",
        a.body,
        b.body
    );
    assert!(
        b.headers.get("idempotent-replayed").is_none(),
        "bob's request is his own"
    );
    assert_ne!(a.body["id"], b.body["id"]);
    // Another body is fine for another user too.
    let key2 = unique("shared");
    assert_eq!(
        topup(&ts, &alice, json!({"amount": 1, "provider": "dev"}), &key2)
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        topup(&ts, &bob, json!({"amount": 2, "provider": "dev"}), &key2)
            .await
            .status,
        StatusCode::CREATED
    );
    assert_wallet(&wallet(&ts, &alice).await, 31, 0, 31);
    assert_wallet(&wallet(&ts, &bob).await, 32, 0, 32);
}

#[tokio::test]
async fn a_refused_request_is_refused_the_same_way_on_retry() {
    let ts = TestServer::start().await;
    let (token, _) = ts.user().await;
    let key = unique("top");
    let body = json!({"amount": 0, "provider": "dev"});
    let first = topup(&ts, &token, body.clone(), &key).await;
    first.assert_error(400, "invalid_argument");
    let again = topup(&ts, &token, body, &key).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.raw, first.raw, "the stored refusal, byte for byte");
    assert_eq!(
        again
            .headers
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert!(again.headers.contains_key("x-request-id"));
    // The key belongs to the refused request now.
    topup(&ts, &token, json!({"amount": 10, "provider": "dev"}), &key)
        .await
        .assert_error(409, "idempotency_conflict");
    assert_wallet(&wallet(&ts, &token).await, 0, 0, 0);
}

#[tokio::test]
async fn transactions_are_mine_newest_first_filtered_by_type_and_balanced() {
    let ts = TestServer::start().await;
    let (token, uid) = ts.user().await;
    for amount in [10, 20, 30, 1000] {
        assert_eq!(
            topup(
                &ts,
                &token,
                json!({"amount": amount, "provider": "dev"}),
                &unique("top")
            )
            .await
            .status,
            StatusCode::CREATED
        );
    }
    // Someone else's money is not in my list.
    ts.funded_user(77).await;
    // A hire adds a hold (and consumes) to my list.
    let (_, agent) = ts
        .published_agent(json!({"pricing": {"perMinute": 10, "perAction": 0}}))
        .await;
    let session = ts.hire(&token, &agent, 100).await;

    let available = format!("user:{uid}:available");
    let held = format!("user:{uid}:held");
    let topups = transactions(&ts, &token, "?type=topup").await;
    let amounts: Vec<i64> = topups
        .iter()
        .map(|t| amount_on(t, &available).expect("credit"))
        .collect();
    assert_eq!(amounts, [1000, 30, 20, 10], "newest first");
    assert!(topups.iter().all(|t| t["type"] == "topup"));

    let holds = transactions(&ts, &token, "?type=hold").await;
    assert_eq!(holds.len(), 1);
    assert_eq!(amount_on(&holds[0], &available), Some(-100));
    assert_eq!(amount_on(&holds[0], &held), Some(100));
    assert_eq!(holds[0]["metadata"]["sessionId"], session.as_str());

    let all = transactions(&ts, &token, "?limit=100").await;
    assert!(
        all.len() >= 6,
        "4 topups, a hold, the first minute's consume: {all:?}"
    );
    for t in &all {
        assert_balanced(t);
        assert!(
            t["id"].is_string() && t["createdAt"].is_string() && t["metadata"].is_object(),
            "{t}"
        );
        let mine = t["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["account"] == available || e["account"] == held);
        assert!(mine, "only my transactions: {t}");
    }
    let times: Vec<&str> = all
        .iter()
        .map(|t| t["createdAt"].as_str().expect("createdAt"))
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
    assert_eq!(
        all.last().map(|t| amount_on(t, &available)),
        Some(Some(10)),
        "the first top-up is last"
    );

    // Pages of two walk the topups exactly once.
    let first = ts
        .get("/v1/wallet/transactions?type=topup&limit=2", Some(&token))
        .await;
    let cursor = first.body["nextCursor"].as_str().expect("second page");
    let second = ts
        .get(
            &format!("/v1/wallet/transactions?type=topup&limit=2&cursor={cursor}"),
            Some(&token),
        )
        .await;
    assert!(second.body["nextCursor"].is_null(), "{}", second.body);
    let walked: Vec<Value> = first.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .chain(second.body["items"].as_array().expect("items"))
        .cloned()
        .collect();
    assert_eq!(walked, topups);

    for bad in ["?type=bogus", "?limit=0", "?limit=101", "?cursor=%21%21"] {
        ts.get(&format!("/v1/wallet/transactions{bad}"), Some(&token))
            .await
            .assert_error(400, "invalid_argument");
    }
}

#[tokio::test]
async fn a_stripe_top_up_waits_for_the_signed_webhook_and_credits_once() {
    let ts = TestServer::start().await;
    let (token, uid) = ts.user().await;
    let id = stripe_topup(&ts, &token, 500).await;
    assert_wallet(&wallet(&ts, &token).await, 0, 0, 0);
    assert!(transactions(&ts, &token, "").await.is_empty());

    let body = succeeded_event(&id);
    for _ in 0..3 {
        let r = webhook(
            &ts,
            &body,
            Some(&stripe_signature("whsec_test", now(), &body)),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    // Another event for the same top-up does not credit it again either.
    let other = succeeded_event(&id);
    let r = webhook(
        &ts,
        &other,
        Some(&stripe_signature("whsec_test", now(), &other)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    assert_wallet(&wallet(&ts, &token).await, 500, 0, 500);
    let txs = transactions(&ts, &token, "").await;
    assert_eq!(txs.len(), 1);
    assert_eq!(
        amount_on(&txs[0], &format!("user:{uid}:available")),
        Some(500)
    );
    assert_eq!(amount_on(&txs[0], "external:stripe"), Some(-500));
    let audit = ts.audit().await;
    assert_eq!(audit.entries_sum, 0);
}

#[tokio::test]
async fn webhooks_with_a_bad_signature_an_old_timestamp_or_an_unknown_top_up_are_refused() {
    let ts = TestServer::start().await;
    let (token, _) = ts.user().await;
    let id = stripe_topup(&ts, &token, 300).await;
    let body = succeeded_event(&id);

    webhook(&ts, &body, None)
        .await
        .assert_error(400, "invalid_argument");
    webhook(
        &ts,
        &body,
        Some(&stripe_signature("whsec_wrong", now(), &body)),
    )
    .await
    .assert_error(400, "invalid_argument");
    webhook(&ts, &body, Some("t=garbage,v1=00"))
        .await
        .assert_error(400, "invalid_argument");
    // Signed for another body.
    let other = succeeded_event(&id);
    webhook(
        &ts,
        &body,
        Some(&stripe_signature("whsec_test", now(), &other)),
    )
    .await
    .assert_error(400, "invalid_argument");
    // Correctly signed, but 301 s away from the server's clock (past and future).
    let old = now() - 301;
    webhook(
        &ts,
        &body,
        Some(&stripe_signature("whsec_test", old, &body)),
    )
    .await
    .assert_error(400, "invalid_argument");
    let future = now() + 301;
    webhook(
        &ts,
        &body,
        Some(&stripe_signature("whsec_test", future, &body)),
    )
    .await
    .assert_error(400, "invalid_argument");
    // Correctly signed, naming an unknown top-up.
    let unknown = succeeded_event("top_does_not_exist");
    webhook(
        &ts,
        &unknown,
        Some(&stripe_signature("whsec_test", now(), &unknown)),
    )
    .await
    .assert_error(400, "invalid_argument");
    assert_wallet(&wallet(&ts, &token).await, 0, 0, 0);

    // Within tolerance it still works afterwards.
    let r = webhook(
        &ts,
        &body,
        Some(&stripe_signature("whsec_test", now() - 200, &body)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_wallet(&wallet(&ts, &token).await, 300, 0, 300);
}

#[tokio::test]
async fn other_webhook_event_types_are_acknowledged_without_effect() {
    let ts = TestServer::start().await;
    let (token, _) = ts.user().await;
    let id = stripe_topup(&ts, &token, 400).await;
    for kind in [
        "payment_intent.created",
        "payment_intent.payment_failed",
        "charge.refunded",
    ] {
        let body = json!({"id": unique("evt"), "type": kind, "data": {"object": {"id": "pi_1", "metadata": {"topupId": id}}}}).to_string();
        let r = webhook(
            &ts,
            &body,
            Some(&stripe_signature("whsec_test", now(), &body)),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{kind}: {}", r.body);
    }
    assert_wallet(&wallet(&ts, &token).await, 0, 0, 0);
    assert!(transactions(&ts, &token, "").await.is_empty());
}

#[tokio::test]
async fn the_same_key_sent_concurrently_has_one_effect() {
    let ts = TestServer::start().await;
    let (token, _) = ts.user().await;
    let key = unique("top");
    let body = json!({"amount": 70, "provider": "dev"});
    let answers =
        futures_util::future::join_all((0..8).map(|_| topup(&ts, &token, body.clone(), &key)))
            .await;
    let created: Vec<&Resp> = answers
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .collect();
    for r in answers.iter().filter(|r| r.status != StatusCode::CREATED) {
        r.assert_error(409, "conflict");
    }
    assert!(!created.is_empty());
    let fresh = created
        .iter()
        .filter(|r| r.headers.get("idempotent-replayed").is_none())
        .count();
    assert_eq!(fresh, 1, "exactly one request ran");
    assert!(
        created.iter().all(|r| r.raw == created[0].raw),
        "every 201 is the same stored answer"
    );
    assert_wallet(&wallet(&ts, &token).await, 70, 0, 70);
    assert_eq!(transactions(&ts, &token, "?type=topup").await.len(), 1);
}

#[tokio::test]
async fn a_key_must_be_printable_ascii() {
    let ts = TestServer::start().await;
    let (token, _) = ts.user().await;
    let r = ts
        .http
        .post(format!("{}/v1/wallet/topups", ts.url))
        .bearer_auth(&token)
        .header("Idempotency-Key", "tab\there")
        .json(&json!({"amount": 10, "provider": "dev"}))
        .send()
        .await
        .expect("sent");
    Resp::read(r).await.assert_error(400, "invalid_argument");
    let r = ts
        .http
        .post(format!("{}/v1/wallet/topups", ts.url))
        .bearer_auth(&token)
        .header("Idempotency-Key", "")
        .json(&json!({"amount": 10, "provider": "dev"}))
        .send()
        .await
        .expect("sent");
    Resp::read(r).await.assert_error(400, "invalid_argument");
    assert_eq!(
        topup(
            &ts,
            &token,
            json!({"amount": 10, "provider": "dev"}),
            "spaces and ~!@# are fine"
        )
        .await
        .status,
        StatusCode::CREATED
    );
    assert_wallet(&wallet(&ts, &token).await, 10, 0, 10);
}

#[tokio::test]
async fn walking_transactions_while_new_ones_arrive_sees_every_old_one_once() {
    let ts = TestServer::start().await;
    let (token, uid) = ts.user().await;
    for amount in 1..=7 {
        assert_eq!(
            topup(
                &ts,
                &token,
                json!({"amount": amount, "provider": "dev"}),
                &unique("top")
            )
            .await
            .status,
            StatusCode::CREATED
        );
    }
    let available = format!("user:{uid}:available");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut added = 100;
    loop {
        let path = match &cursor {
            None => "/v1/wallet/transactions?limit=2".to_owned(),
            Some(c) => format!("/v1/wallet/transactions?limit=2&cursor={c}"),
        };
        let page = ts.get(&path, Some(&token)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        seen.extend(
            page.body["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|t| amount_on(t, &available).expect("credit")),
        );
        // A new top-up between pages.
        added += 1;
        assert_eq!(
            topup(
                &ts,
                &token,
                json!({"amount": added, "provider": "dev"}),
                &unique("top")
            )
            .await
            .status,
            StatusCode::CREATED
        );
        match page.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(seen.len() < 50, "the walk ends");
    }
    assert_eq!(
        seen,
        [7, 6, 5, 4, 3, 2, 1],
        "the old rows, once each, newest first"
    );
}
