//! Contract 1.1 on the server: `expectedPricing`, the per-hirer cap of active sessions,
//! notification-stream tickets, metrics kept as counters.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;
use crate::stream::{connect, next};

#[tokio::test]
async fn a_hire_expecting_another_price_is_a_conflict_and_moves_nothing() {
    let ts = TestServer::start().await;
    let (owner, agent) = ts.published_agent(json!({})).await;
    let (hirer, _) = ts.funded_user(1_000).await;
    let body = |per_minute: i64| {
        json!({"agentId": agent, "game": "chess", "budget": 100,
               "expectedPricing": {"perMinute": per_minute, "perAction": 1}})
    };
    let r = ts
        .post_idem("/v1/hires", &hirer, Some(body(10)), &unique("h"))
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "the listed price: {}",
        r.body
    );
    // The owner raises the price under the hirer.
    let r = ts
        .call(
            reqwest::Method::PATCH,
            &format!("/v1/agents/{agent}"),
            Some(&owner),
            Some(json!({"pricing": {"perMinute": 50, "perAction": 1}})),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let key = unique("h");
    let r = ts
        .post_idem("/v1/hires", &hirer, Some(body(10)), &key)
        .await;
    r.assert_error(409, "conflict");
    // A final answer: the same key replays it.
    let again = ts
        .post_idem("/v1/hires", &hirer, Some(body(10)), &key)
        .await;
    assert_eq!(again.raw, r.raw);
    let w = ts.get("/v1/wallet", Some(&hirer)).await;
    assert_eq!(
        w.body["held"],
        100 - 10,
        "only the first hire holds (less its first minute)"
    );
    let r = ts
        .post_idem("/v1/hires", &hirer, Some(body(50)), &unique("h"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn a_hirer_has_at_most_twenty_active_sessions() {
    let ts = TestServer::start().await;
    let (_, agent) = ts
        .published_agent(
            json!({"pricing": {"perMinute": 1, "perAction": 0}, "actionsPerSecond": 1}),
        )
        .await;
    let (hirer, _) = ts.funded_user(10_000).await;
    let mut first = None;
    for _ in 0..20 {
        let sid = ts.hire(&hirer, &agent, 10).await;
        first.get_or_insert(sid);
    }
    let body = json!({"agentId": agent, "game": "chess", "budget": 10});
    let key = unique("h");
    let r = ts
        .post_idem("/v1/hires", &hirer, Some(body.clone()), &key)
        .await;
    r.assert_error(429, "rate_limited");
    assert!(r.headers.get("retry-after").is_some());
    // Not a final answer (429 is never stored): once a session ends the same key succeeds.
    let sid = first.expect("a session");
    let r = ts
        .post_idem(
            &format!("/v1/sessions/{sid}/end"),
            &hirer,
            None,
            &unique("e"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = ts.post_idem("/v1/hires", &hirer, Some(body), &key).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Another hirer is not affected.
    let (other, _) = ts.funded_user(100).await;
    ts.hire(&other, &agent, 10).await;
}

#[tokio::test]
async fn notification_tickets_open_the_notifications_once_and_no_session_stream() {
    let ts = TestServer::start().await;
    let (owner, agent) = ts.published_agent(json!({})).await;
    let r = ts.post("/v1/events/stream-tickets", None, json!({})).await;
    r.assert_error(401, "unauthenticated");
    let r = ts
        .post("/v1/events/stream-tickets", Some(&owner), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["expiresIn"], 60);
    let ticket = r.body["ticket"].as_str().expect("ticket").to_owned();
    let mut ws = connect(&ts, &format!("/v1/events/stream?ticket={ticket}"), None).await;
    let (hirer, _) = ts.funded_user(1_000).await;
    let sid = ts.hire(&hirer, &agent, 100).await;
    let n: serde_json::Value =
        serde_json::from_str(&next(&mut ws).await.expect("notification")).expect("json");
    assert_eq!(n["type"], "agent.hired");
    assert_eq!(n["data"]["sessionId"], sid.as_str());
    // Single use.
    let mut again = connect(&ts, &format!("/v1/events/stream?ticket={ticket}"), None).await;
    assert_eq!(next(&mut again).await, Err(Some(4001)));
    // A notification ticket opens no session stream, not even one of the caller's.
    let r = ts
        .post("/v1/events/stream-tickets", Some(&hirer), json!({}))
        .await;
    let ticket = r.body["ticket"].as_str().expect("ticket").to_owned();
    let mut ws = connect(
        &ts,
        &format!("/v1/sessions/{sid}/stream?ticket={ticket}"),
        None,
    )
    .await;
    assert_eq!(next(&mut ws).await, Err(Some(4003)));
}

fn sample(text: &str, prefix: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// The `/metrics` text.
async fn metrics(ts: &TestServer) -> String {
    ts.http
        .get(format!("{}/metrics", ts.url))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text")
}

#[tokio::test]
async fn metrics_are_counters_kept_as_the_ledger_moves() {
    let ts = TestServer::start().await;
    let (_, agent) = ts
        .published_agent(
            json!({"pricing": {"perMinute": 7, "perAction": 1}, "actionsPerSecond": 20}),
        )
        .await;
    let (hirer, _) = ts.funded_user(1_000).await;
    let before = metrics(&ts).await;
    assert_eq!(
        sample(&before, "jiga_ledger_transactions_total{type=\"topup\"}"),
        Some(1.0)
    );
    assert_eq!(sample(&before, "jiga_dof_consumed_total"), Some(0.0));
    assert_eq!(sample(&before, "jiga_platform_balance_dof"), Some(0.0));
    let sid = ts.hire(&hirer, &agent, 500).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let r = ts
        .post_idem(
            &format!("/v1/sessions/{sid}/end"),
            &hirer,
            None,
            &unique("e"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let consumed = r.body["settlement"]["consumed"].as_f64().expect("consumed");
    let after = metrics(&ts).await;
    assert_eq!(
        sample(&after, "jiga_dof_consumed_total"),
        Some(consumed),
        "{after}"
    );
    assert_eq!(
        sample(&after, "jiga_ledger_transactions_total{type=\"hold\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(&after, "jiga_ledger_transactions_total{type=\"settle\"}"),
        Some(1.0)
    );
    assert_eq!(sample(&after, "jiga_active_sessions"), Some(0.0));
    // The platform's balance, which the "platform DOF balance" alert watches, is its fee.
    let fee = r.body["settlement"]["platformFee"].as_f64().expect("fee");
    assert!(fee > 0.0, "{}", r.body);
    assert_eq!(
        sample(&after, "jiga_platform_balance_dof"),
        Some(fee),
        "{after}"
    );
    let audit = ts.audit().await;
    assert_eq!(audit.entries_sum, 0);
    // The totals survive a restart (read once from storage at start).
    let ts = ts.restart().await;
    let restarted = metrics(&ts).await;
    assert_eq!(
        sample(&restarted, "jiga_dof_consumed_total"),
        Some(consumed)
    );
    assert_eq!(
        sample(&restarted, "jiga_platform_balance_dof"),
        Some(fee),
        "{restarted}"
    );
}

#[tokio::test]
async fn the_openapi_document_lists_the_notification_ticket_route() {
    let ts = TestServer::start().await;
    let r = ts.get("/v1/openapi.json", None).await;
    assert!(
        r.body["paths"]["/v1/events/stream-tickets"]["post"].is_object(),
        "{}",
        r.body["paths"]
    );
}
