//! Achievements (contract v1.2): each of the six unlocks exactly once, in the job of the event
//! that earns it, even when several concurrent events would each earn it; the
//! `achievement.unlocked` notification; `GET /v1/users/me/achievements`.

use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::common::{TestServer, unique};
use crate::stream::connect;

async fn achievements(ts: &TestServer, token: &str) -> Vec<Value> {
    let r = ts.get("/v1/users/me/achievements", Some(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"].as_array().expect("items").clone()
}

/// How many times `id` is among the caller's achievements.
async fn times(ts: &TestServer, token: &str, id: &str) -> usize {
    achievements(ts, token)
        .await
        .iter()
        .filter(|a| a["id"] == id)
        .count()
}

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

/// An ended session of `agent` hired by `token`.
async fn ended_session(ts: &TestServer, token: &str, agent: &str) -> String {
    let s = ts.hire(token, agent, 100).await;
    end(ts, token, &s).await;
    s
}

/// The `achievement.unlocked` notifications that arrive within `wait`.
async fn unlocked_notifications(ws: &mut crate::stream::Ws, wait: Duration) -> Vec<String> {
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(deadline, ws.next()).await {
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).expect("json");
            if v["type"] == "achievement.unlocked" {
                out.push(
                    v["data"]["achievementId"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                );
            }
        }
    }
    out
}

#[tokio::test]
async fn the_list_needs_a_token_and_starts_empty() {
    let ts = TestServer::start().await;
    let r = ts.get("/v1/users/me/achievements", None).await;
    r.assert_error(401, "unauthenticated");
    let (token, _) = ts.user().await;
    assert!(achievements(&ts, &token).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn first_hire_unlocks_once_under_concurrent_hires_and_notifies_once() {
    let ts = TestServer::start().await;
    let (_, agent) = ts.published_agent(json!({})).await;
    let (token, _) = ts.funded_user(10_000).await;
    let mut ws = connect(&ts, "/v1/events/stream", Some(&token)).await;
    join_all((0..5).map(|_| ts.hire(&token, &agent, 100))).await;
    assert_eq!(times(&ts, &token, "first_hire").await, 1);
    let got = unlocked_notifications(&mut ws, Duration::from_millis(1500)).await;
    assert_eq!(
        got,
        vec!["first_hire".to_owned()],
        "one notification: {got:?}"
    );
    let a = &achievements(&ts, &token).await[0];
    assert_eq!(a["name"], "First hire");
    assert_eq!(a["description"], "Hired a first session");
    assert!(
        a["unlockedAt"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{a}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn first_publish_unlocks_once_under_concurrent_publishes() {
    let ts = TestServer::start().await;
    let (owner, _) = ts.user().await;
    let mut ids = Vec::new();
    for i in 0..4 {
        let r = ts
            .post(
                "/v1/agents",
                Some(&owner),
                json!({"name": format!("A{i}"), "rank": "gold", "type": "coach", "provider": "openai",
                       "pricing": {"perMinute": 10, "perAction": 0}}),
            )
            .await;
        ids.push(r.body["id"].as_str().expect("id").to_owned());
    }
    assert_eq!(
        times(&ts, &owner, "first_publish").await,
        0,
        "a draft earns nothing"
    );
    let (ts_ref, owner_ref) = (&ts, &owner);
    let rs = join_all(ids.iter().map(|id| async move {
        ts_ref
            .post(
                &format!("/v1/agents/{id}/publish"),
                Some(owner_ref),
                json!({}),
            )
            .await
    }))
    .await;
    assert!(rs.iter().all(|r| r.status == StatusCode::OK));
    assert_eq!(times(&ts, &owner, "first_publish").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn first_review_unlocks_once_under_concurrent_reviews() {
    let ts = TestServer::start().await;
    let (_, agent) = ts.published_agent(json!({})).await;
    let (token, _) = ts.funded_user(10_000).await;
    let mut sessions = Vec::new();
    for _ in 0..3 {
        sessions.push(ended_session(&ts, &token, &agent).await);
    }
    assert_eq!(times(&ts, &token, "first_review").await, 0);
    let rs = join_all(sessions.iter().map(|s| {
        let (ts, agent, token) = (&ts, &agent, &token);
        async move {
            ts.post(
                &format!("/v1/agents/{agent}/reviews"),
                Some(token),
                json!({"sessionId": s, "rating": 5, "text": "good"}),
            )
            .await
        }
    }))
    .await;
    assert!(
        rs.iter().all(|r| r.status == StatusCode::CREATED),
        "{:?}",
        rs.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    assert_eq!(times(&ts, &token, "first_review").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_sessions_unlocks_once_at_the_tenth_end_under_concurrent_ends() {
    let ts = TestServer::start().await;
    let (_, agent) = ts.published_agent(json!({})).await;
    let (token, _) = ts.funded_user(10_000).await;
    let mut first = Vec::new();
    for _ in 0..9 {
        first.push(ts.hire(&token, &agent, 100).await);
    }
    join_all(first.iter().map(|s| end(&ts, &token, s))).await;
    assert_eq!(
        times(&ts, &token, "ten_sessions").await,
        0,
        "nine ended sessions"
    );
    // Three more ends at once: each of them would be a tenth.
    let mut more = Vec::new();
    for _ in 0..3 {
        more.push(ts.hire(&token, &agent, 100).await);
    }
    join_all(more.iter().map(|s| end(&ts, &token, s))).await;
    assert_eq!(times(&ts, &token, "ten_sessions").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn big_spender_unlocks_once_when_concurrent_charges_each_reach_1000() {
    let ts = TestServer::start().await;
    // The first minute, charged at hire, is 1000 DOF: every one of these hires reaches it.
    let (_, agent) = ts
        .published_agent(json!({"pricing": {"perMinute": 1000, "perAction": 0}}))
        .await;
    let (token, _) = ts.funded_user(10_000).await;
    join_all((0..3).map(|_| ts.hire(&token, &agent, 1000))).await;
    assert_eq!(times(&ts, &token, "big_spender").await, 1);

    let (other, _) = ts.funded_user(10_000).await;
    let (_, cheap) = ts
        .published_agent(json!({"pricing": {"perMinute": 999, "perAction": 0}}))
        .await;
    ts.hire(&other, &cheap, 999).await;
    assert_eq!(
        times(&ts, &other, "big_spender").await,
        0,
        "999 DOF is not 1000"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn first_earning_unlocks_once_for_the_owner_under_concurrent_settlements() {
    let ts = TestServer::start().await;
    let (owner, agent) = ts.published_agent(json!({})).await;
    let mut hires = Vec::new();
    for _ in 0..3 {
        let (t, _) = ts.funded_user(1_000).await;
        let s = ts.hire(&t, &agent, 100).await;
        hires.push((t, s));
    }
    assert_eq!(
        times(&ts, &owner, "first_earning").await,
        0,
        "nothing settled yet"
    );
    join_all(hires.iter().map(|(t, s)| end(&ts, t, s))).await;
    assert_eq!(times(&ts, &owner, "first_earning").await, 1);
    // The owner earned; the hirers did not.
    assert_eq!(times(&ts, &hires[0].0, "first_earning").await, 0);
}

#[tokio::test]
async fn achievements_are_listed_oldest_first() {
    let ts = TestServer::start().await;
    let (_, agent) = ts.published_agent(json!({})).await;
    let (token, _) = ts.funded_user(10_000).await;
    let s = ended_session(&ts, &token, &agent).await;
    let r = ts
        .post(
            &format!("/v1/agents/{agent}/reviews"),
            Some(&token),
            json!({"sessionId": s, "rating": 4, "text": ""}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let ids: Vec<Value> = achievements(&ts, &token)
        .await
        .iter()
        .map(|a| a["id"].clone())
        .collect();
    assert_eq!(ids, vec![json!("first_hire"), json!("first_review")]);
}
