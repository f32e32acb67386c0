//! `POST /v1/webhooks/payments/shopify` (contract v1.2): signature, replay, exactly-once.

use base64::Engine;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Resp, TestServer, unique};

const SECRET: &str = "shpss_test";

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn order(topup: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": 820982911946154508_u64, "email": "jon@example.com", "total_price": "9.99",
        "note_attributes": [{"name": "gift", "value": "no"}, {"name": "topupId", "value": topup}]
    }))
    .expect("json")
}

async fn deliver(ts: &TestServer, body: &[u8], hmac: Option<&str>, topic: &str, id: &str) -> Resp {
    let mut req = ts
        .http
        .post(format!("{}/v1/webhooks/payments/shopify", ts.url))
        .header("content-type", "application/json")
        .header("X-Shopify-Topic", topic)
        .header("X-Shopify-Webhook-Id", id)
        .body(body.to_vec());
    if let Some(h) = hmac {
        req = req.header("X-Shopify-Hmac-Sha256", h);
    }
    Resp::read(req.send().await.expect("sent")).await
}

/// A pending Shopify top-up of `amount`; returns (token, top-up id).
async fn pending_topup(ts: &TestServer, amount: i64) -> (String, String) {
    let (token, _) = ts.user().await;
    let r = ts
        .post_idem(
            "/v1/wallet/topups",
            &token,
            Some(json!({"amount": amount, "provider": "shopify"})),
            &unique("top"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["provider"], "shopify");
    assert_eq!(
        r.body["status"], "pending",
        "a shopify top-up waits for its webhook"
    );
    (token, r.body["id"].as_str().expect("id").to_owned())
}

async fn balance(ts: &TestServer, token: &str) -> i64 {
    ts.get("/v1/wallet", Some(token)).await.body["balance"]
        .as_i64()
        .expect("balance")
}

async fn topup_count(ts: &TestServer, token: &str) -> usize {
    ts.get("/v1/wallet/transactions?type=topup", Some(token))
        .await
        .body["items"]
        .as_array()
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn a_signed_orders_paid_credits_the_topup() {
    let ts = TestServer::start().await;
    let (token, topup) = pending_topup(&ts, 250).await;
    assert_eq!(balance(&ts, &token).await, 0);
    let body = order(&topup);
    let r = deliver(
        &ts,
        &body,
        Some(&sign(SECRET, &body)),
        "orders/paid",
        "wh-1",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["handled"], true);
    assert_eq!(balance(&ts, &token).await, 250);
    let txs = ts
        .get("/v1/wallet/transactions?type=topup", Some(&token))
        .await;
    let entries = &txs.body["items"][0]["entries"];
    assert!(
        entries
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["account"] == "external:shopify" && e["amount"] == -250),
        "money comes in from external:shopify: {entries}"
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
}

#[tokio::test]
async fn bad_missing_or_oversized_signatures_are_refused_with_no_effect() {
    let ts = TestServer::start().await;
    let (token, topup) = pending_topup(&ts, 100).await;
    let body = order(&topup);
    let wrong = sign("not-the-secret", &body);
    let long = "A".repeat(45);
    for hmac in [
        Some(wrong.as_str()),
        None,
        Some("not base64!"),
        Some(long.as_str()),
        Some("AAAA"),
    ] {
        let r = deliver(&ts, &body, hmac, "orders/paid", "wh-bad").await;
        r.assert_invalid_field("X-Shopify-Hmac-Sha256");
    }
    // A signature over other bytes does not sign this body.
    let other = order("top_other");
    let r = deliver(
        &ts,
        &body,
        Some(&sign(SECRET, &other)),
        "orders/paid",
        "wh-bad",
    )
    .await;
    r.assert_invalid_field("X-Shopify-Hmac-Sha256");
    // An unsigned request with another topic is refused too: the topic is read only once signed.
    let r = deliver(&ts, &body, None, "orders/create", "wh-bad").await;
    r.assert_invalid_field("X-Shopify-Hmac-Sha256");
    assert_eq!(balance(&ts, &token).await, 0);
}

#[tokio::test]
async fn without_a_secret_the_webhook_answers_400() {
    let ts = TestServer::start_with(|c| c.shopify_webhook_secret = None).await;
    let (token, topup) = pending_topup(&ts, 100).await;
    let body = order(&topup);
    let r = deliver(
        &ts,
        &body,
        Some(&sign(SECRET, &body)),
        "orders/paid",
        "wh-1",
    )
    .await;
    r.assert_invalid_field("X-Shopify-Hmac-Sha256");
    assert_eq!(balance(&ts, &token).await, 0);
}

#[tokio::test]
async fn other_topics_are_200_with_no_effect_and_unknown_topups_are_400() {
    let ts = TestServer::start().await;
    let (token, topup) = pending_topup(&ts, 100).await;
    let body = order(&topup);
    let sig = sign(SECRET, &body);
    let r = deliver(&ts, &body, Some(&sig), "orders/create", "wh-2").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["handled"], false);
    assert_eq!(balance(&ts, &token).await, 0);

    let unknown = order("top_nope");
    let r = deliver(
        &ts,
        &unknown,
        Some(&sign(SECRET, &unknown)),
        "orders/paid",
        "wh-3",
    )
    .await;
    r.assert_invalid_field("note_attributes");
    let bare = serde_json::to_vec(&json!({"id": 1, "note_attributes": []})).expect("json");
    let r = deliver(
        &ts,
        &bare,
        Some(&sign(SECRET, &bare)),
        "orders/paid",
        "wh-4",
    )
    .await;
    r.assert_invalid_field("note_attributes");

    // A Stripe top-up named by a Shopify order is not Shopify's to complete.
    let r = ts
        .post_idem(
            "/v1/wallet/topups",
            &token,
            Some(json!({"amount": 70, "provider": "stripe"})),
            &unique("top"),
        )
        .await;
    let stripe_topup = r.body["id"].as_str().expect("id").to_owned();
    let other = order(&stripe_topup);
    let r = deliver(
        &ts,
        &other,
        Some(&sign(SECRET, &other)),
        "orders/paid",
        "wh-5",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(balance(&ts, &token).await, 0);
}

#[tokio::test]
async fn a_replayed_delivery_credits_once() {
    let ts = TestServer::start().await;
    let (token, topup) = pending_topup(&ts, 300).await;
    let body = order(&topup);
    let sig = sign(SECRET, &body);
    for id in ["wh-a", "wh-a", "wh-a"] {
        let r = deliver(&ts, &body, Some(&sig), "orders/paid", id).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    // Shopify may also send the same order under a new delivery id.
    let r = deliver(&ts, &body, Some(&sig), "orders/paid", "wh-b").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(balance(&ts, &token).await, 300);
    assert_eq!(topup_count(&ts, &token).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_delivery_ten_times_concurrently_credits_exactly_once() {
    let ts = TestServer::start().await;
    let (token, topup) = pending_topup(&ts, 400).await;
    let body = order(&topup);
    let sig = sign(SECRET, &body);
    let answers = futures_util::future::join_all(
        (0..10).map(|_| deliver(&ts, &body, Some(&sig), "orders/paid", "wh-same")),
    )
    .await;
    for r in &answers {
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    assert_eq!(balance(&ts, &token).await, 400);
    assert_eq!(topup_count(&ts, &token).await, 1);
    let audit = ts.audit().await;
    assert_eq!(
        (
            audit.entries_sum,
            audit.negative_user_accounts,
            audit.drifted_balances
        ),
        (0, 0, 0)
    );
}
