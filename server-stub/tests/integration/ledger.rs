//! The ledger under concurrency: many clients hiring, topping up and ending at once, with
//! retried and reused idempotency keys. Afterwards entries sum to zero, no balance is
//! negative, kept balances match their entries, and every key had exactly one effect.

use std::collections::HashSet;
use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

const USERS: usize = 12;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_hires_topups_and_ends_with_reused_keys_keep_every_invariant() {
    let srv = Arc::new(TestServer::start().await);
    let (_, agent) = srv
        .published_agent(
            json!({"actionsPerSecond": 100, "pricing": {"perMinute": 3, "perAction": 1}}),
        )
        .await;
    let mut tasks = Vec::new();
    for u in 0..USERS {
        let srv = srv.clone();
        let agent = agent.clone();
        tasks.push(tokio::spawn(async move {
            let (token, _) = srv.user().await;
            let mut credited = 0i64;
            // Top-ups: each key sent three times at once; one credit per key.
            for i in 0..5 {
                let key = unique("top");
                let amount = 100 + i as i64;
                let body = json!({"amount": amount, "provider": "dev"});
                let sends = (0..3)
                    .map(|_| srv.post_idem("/v1/wallet/topups", &token, Some(body.clone()), &key));
                let answers = futures_util::future::join_all(sends).await;
                let ok: Vec<_> = answers
                    .iter()
                    .filter(|r| r.status == StatusCode::CREATED)
                    .collect();
                assert!(!ok.is_empty(), "no top-up succeeded for {key}");
                for r in &answers {
                    assert!(
                        r.status == StatusCode::CREATED
                            || (r.status == StatusCode::CONFLICT
                                && r.body["error"]["code"] == "conflict"),
                        "unexpected answer {} {}",
                        r.status,
                        r.body
                    );
                }
                let ids: HashSet<_> = ok
                    .iter()
                    .map(|r| r.body["id"].as_str().map(str::to_owned))
                    .collect();
                assert_eq!(ids.len(), 1, "one key, one top-up");
                credited += amount;
                // The same key with another body is refused.
                let r = srv
                    .post_idem(
                        "/v1/wallet/topups",
                        &token,
                        Some(json!({"amount": amount + 1, "provider": "dev"})),
                        &key,
                    )
                    .await;
                r.assert_error(409, "idempotency_conflict");
            }
            // Hires, each key sent twice at once, then ended with a key sent twice at once.
            let mut sessions = HashSet::new();
            for _ in 0..3 {
                let key = unique("hire");
                let body = json!({"agentId": agent, "game": "chess", "budget": 100});
                let (a, b) = tokio::join!(
                    srv.post_idem("/v1/hires", &token, Some(body.clone()), &key),
                    srv.post_idem("/v1/hires", &token, Some(body.clone()), &key)
                );
                let mut ids = HashSet::new();
                for r in [&a, &b] {
                    match r.status {
                        StatusCode::CREATED => {
                            ids.insert(r.body["session"]["id"].as_str().expect("id").to_owned());
                        }
                        StatusCode::CONFLICT => assert_eq!(r.body["error"]["code"], "conflict"),
                        s => panic!("unexpected hire answer {s}: {}", r.body),
                    }
                }
                assert_eq!(ids.len(), 1, "one key, one session");
                sessions.extend(ids);
            }
            for sid in &sessions {
                let key = unique("end");
                let path = format!("/v1/sessions/{sid}/end");
                let (a, b) = tokio::join!(
                    srv.post_idem(&path, &token, None, &key),
                    srv.post_idem(&path, &token, None, &key)
                );
                let ok = [&a, &b]
                    .iter()
                    .filter(|r| r.status == StatusCode::OK)
                    .count();
                assert!(ok >= 1, "end failed: {} / {}", a.body, b.body);
                // A late replay answers the stored settlement.
                let again = srv.post_idem(&path, &token, None, &key).await;
                assert_eq!(again.status, StatusCode::OK);
                assert_eq!(
                    again
                        .headers
                        .get("idempotent-replayed")
                        .map(|v| v.as_bytes()),
                    Some(&b"true"[..])
                );
            }
            let wallet = srv.get("/v1/wallet", Some(&token)).await.body;
            let sessions_list = srv
                .get("/v1/sessions?status=ended&limit=100", Some(&token))
                .await
                .body;
            let consumed: i64 = sessions_list["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|s| s["consumed"].as_i64().expect("consumed"))
                .sum();
            assert_eq!(
                sessions_list["items"].as_array().map(Vec::len),
                Some(sessions.len()),
                "user {u}: one session per hire key"
            );
            assert_eq!(wallet["held"], 0, "user {u}");
            assert_eq!(
                wallet["available"].as_i64(),
                Some(credited - consumed),
                "user {u}: {wallet}"
            );
        }));
    }
    for t in tasks {
        t.await.expect("client task");
    }
    let audit = srv.audit().await;
    assert_eq!(audit.entries_sum, 0);
    assert_eq!(audit.negative_user_accounts, 0);
    assert_eq!(audit.drifted_balances, 0);
}

#[tokio::test]
async fn a_hire_the_wallet_cannot_cover_is_402_and_moves_nothing() {
    let srv = TestServer::start().await;
    let (_, agent) = srv.published_agent(json!({})).await;
    let (hirer, _) = srv.funded_user(40).await;
    let r = srv
        .post_idem(
            "/v1/hires",
            &hirer,
            Some(json!({"agentId": agent, "game": "chess", "budget": 100})),
            &unique("h"),
        )
        .await;
    r.assert_error(402, "insufficient_funds");
    assert_eq!(
        (
            r.body["error"]["details"]["needed"].as_i64(),
            r.body["error"]["details"]["available"].as_i64()
        ),
        (Some(100), Some(40)),
        "{}",
        r.body
    );
    let w = srv.get("/v1/wallet", Some(&hirer)).await.body;
    assert_eq!(
        (w["available"].as_i64(), w["held"].as_i64()),
        (Some(40), Some(0))
    );
    assert_eq!(srv.audit().await.entries_sum, 0);
}
