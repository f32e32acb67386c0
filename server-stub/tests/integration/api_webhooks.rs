//! User webhooks (contract v1.2): the routes, the private-address guard, signed deliveries
//! from the outbox, retries, and delivery across a restart — against a real receiver on
//! loopback.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxStatus};
use parking_lot::Mutex;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::TestServer;

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Got {
    delivery_id: String,
    signature: String,
    body: String,
}

#[derive(Default)]
struct Receiver {
    got: Mutex<Vec<Got>>,
    /// Answer 500 to this many requests first.
    fail_first: AtomicUsize,
}

/// A webhook receiver on loopback; its URL and what it received.
async fn receiver(fail_first: usize) -> (String, Arc<Receiver>) {
    let r = Arc::new(Receiver::default());
    r.fail_first.store(fail_first, Ordering::SeqCst);
    async fn hook(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: String) -> AxStatus {
        let h = |n: &str| {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        r.got.lock().push(Got {
            delivery_id: h("jiga-delivery-id"),
            signature: h("jiga-signature"),
            body,
        });
        let failing = r
            .fail_first
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if failing {
            AxStatus::INTERNAL_SERVER_ERROR
        } else {
            AxStatus::NO_CONTENT
        }
    }
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, r)
}

/// Waits until the receiver holds `n` requests (at most 20 s).
async fn wait_for(r: &Receiver, n: usize) -> Vec<Got> {
    for _ in 0..400 {
        let got = r.got.lock().clone();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the receiver got {:?}, wanted {n}", r.got.lock());
}

async fn put_hook(s: &TestServer, token: &str, url: &str) -> crate::common::Resp {
    s.call(
        Method::PUT,
        "/v1/users/me/webhook",
        Some(token),
        Some(json!({"url": url})),
        None,
    )
    .await
}

/// Checks `JIGA-Signature` the way a receiver does: with the SDK's `jiga::webhook::verify`.
fn verify(secret: &str, signature: &str, body: &str) -> bool {
    let now = chrono::Utc::now().timestamp();
    jiga::webhook::verify(
        secret,
        signature,
        body.as_bytes(),
        now,
        jiga::webhook::DEFAULT_TOLERANCE,
    )
    .is_ok()
}

#[tokio::test]
async fn webhook_routes_set_show_rotate_and_remove() {
    let s = TestServer::start_with(|c| c.allow_private_webhooks = true).await;
    let (t, _) = s.user().await;
    let r = s.get("/v1/users/me/webhook", Some(&t)).await;
    r.assert_error(404, "not_found");

    let r = put_hook(&s, &t, "http://127.0.0.1:9/a").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["url"], "http://127.0.0.1:9/a");
    let first = r.body["secret"].as_str().expect("secret").to_owned();
    assert!(first.starts_with("whsec_") && first.len() > 40, "{first}");

    let r = s.get("/v1/users/me/webhook", Some(&t)).await;
    assert_eq!(r.body, json!({"url": "http://127.0.0.1:9/a"}));

    let r = put_hook(&s, &t, "http://127.0.0.1:9/b").await;
    let second = r.body["secret"].as_str().expect("secret").to_owned();
    assert_ne!(first, second, "a new PUT rotates the secret");

    let r = s
        .call(Method::DELETE, "/v1/users/me/webhook", Some(&t), None, None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    s.get("/v1/users/me/webhook", Some(&t))
        .await
        .assert_error(404, "not_found");
    s.call(Method::DELETE, "/v1/users/me/webhook", Some(&t), None, None)
        .await
        .assert_error(404, "not_found");
    // Signed in only.
    s.get("/v1/users/me/webhook", None)
        .await
        .assert_error(401, "unauthenticated");
}

#[tokio::test]
async fn webhook_urls_to_private_addresses_are_refused_naming_url() {
    let s = TestServer::start().await;
    let (t, _) = s.user().await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fd00::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://192.168.0.10/",
        "ftp://example.com/",
        "https://user:pw@example.com/",
    ] {
        let r = put_hook(&s, &t, url).await;
        r.assert_invalid_field("url");
    }
    s.get("/v1/users/me/webhook", Some(&t))
        .await
        .assert_error(404, "not_found");
}

#[tokio::test]
async fn notifications_reach_the_webhook_signed_under_their_delivery_id() {
    let s = TestServer::start_with(|c| c.allow_private_webhooks = true).await;
    let (url, rx) = receiver(0).await;
    let (owner, agent) = s.published_agent(json!({})).await;
    let secret = put_hook(&s, &owner, &url).await.body["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let (hirer, _) = s.funded_user(500).await;
    let session = s.hire(&hirer, &agent, 100).await;

    let got = wait_for(&rx, 1).await;
    let g = &got[0];
    let body: Value = serde_json::from_str(&g.body).expect("JSON body");
    assert_eq!(body["type"], "agent.hired");
    assert_eq!(body["data"]["sessionId"], session.as_str());
    assert_eq!(body["data"]["agentId"], agent.as_str());
    assert!(body["ts"].as_str().is_some_and(|ts| ts.ends_with('Z')));
    assert_eq!(body["id"].as_str(), Some(g.delivery_id.as_str()));
    assert!(g.delivery_id.starts_with("ntf_"), "{}", g.delivery_id);
    assert!(verify(&secret, &g.signature, &g.body), "{}", g.signature);
    assert!(!verify("whsec_wrong", &g.signature, &g.body));
}

#[tokio::test]
async fn a_failing_webhook_is_retried_under_the_same_delivery_id_until_it_answers_2xx() {
    let s = TestServer::start_with(|c| c.allow_private_webhooks = true).await;
    let (url, rx) = receiver(2).await;
    let (t, _) = s.user().await;
    put_hook(&s, &t, &url).await;
    s.top_up(&t, 25).await;

    let got = wait_for(&rx, 3).await;
    assert!(got.iter().all(|g| g.delivery_id == got[0].delivery_id));
    let body: Value = serde_json::from_str(&got[2].body).expect("JSON");
    assert_eq!(body["type"], "transaction.completed");
    assert_eq!(body["data"]["amount"], 25);
    // Answered 2xx on the third try: nothing more is sent.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(rx.got.lock().len(), 3);
    let waiting = s
        .state()
        .db
        .read(|c| {
            jiga_server::db::deliveries::waiting(c, jiga_server::db::deliveries::Channel::Webhook)
        })
        .await
        .expect("count");
    assert_eq!(waiting, 0);
}

#[tokio::test]
async fn a_delivery_queued_before_a_restart_goes_out_after_it() {
    // The first server cannot reach the receiver (the guard is on); the delivery waits in
    // storage and the restarted server, allowed to, sends it.
    let s = TestServer::start_with(|c| c.allow_private_webhooks = true).await;
    let (url, rx) = receiver(0).await;
    let (t, _) = s.user().await;
    put_hook(&s, &t, &url).await;
    let s = s.restart_with(|c| c.allow_private_webhooks = false).await;
    s.top_up(&t, 7).await;
    // Tried and refused by the guard at connect time: still queued.
    for _ in 0..100 {
        let attempts: i64 = s
            .state()
            .db
            .read(|c| {
                Ok::<_, jiga_server::db::DbError>(c.query_row(
                    "SELECT COALESCE(MAX(attempts), 0) FROM deliveries",
                    [],
                    |r| r.get(0),
                )?)
            })
            .await
            .expect("attempts");
        if attempts > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        rx.got.lock().is_empty(),
        "the guard let a loopback delivery through"
    );
    let s = s.restart_with(|c| c.allow_private_webhooks = true).await;
    let got = wait_for(&rx, 1).await;
    let body: Value = serde_json::from_str(&got[0].body).expect("JSON");
    assert_eq!(body["type"], "transaction.completed");
    assert_eq!(body["data"]["amount"], 7);
    s.stop().await;
}

#[tokio::test]
async fn a_receiver_slower_than_the_first_try_is_queued_and_sent_again_under_its_id() {
    // The first request hangs past the fan-out's first-try deadline: the delivery is queued
    // as it was and the delivery loop sends it again, under the same id.
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = got.clone();
    let app = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(
                |State(seen): State<Arc<Mutex<Vec<String>>>>, headers: HeaderMap| async move {
                    let id = headers
                        .get("jiga-delivery-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    let first = {
                        let mut seen = seen.lock();
                        seen.push(id);
                        seen.len() == 1
                    };
                    if first {
                        tokio::time::sleep(Duration::from_secs(8)).await;
                    }
                    AxStatus::NO_CONTENT
                },
            ),
        )
        .with_state(seen);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let s = TestServer::start_with(|c| c.allow_private_webhooks = true).await;
    let (t, _) = s.user().await;
    put_hook(&s, &t, &url).await;
    s.top_up(&t, 3).await;
    // Sent again long before the first request gives up (8 s): it was queued at the deadline.
    for _ in 0..120 {
        if got.lock().len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ids = got.lock().clone();
    assert!(ids.len() >= 2, "sent once only: {ids:?}");
    assert!(
        ids.iter().all(|id| id == &ids[0] && id.starts_with("ntf_")),
        "{ids:?}"
    );
    for _ in 0..100 {
        let waiting = s
            .state()
            .db
            .read(|c| {
                jiga_server::db::deliveries::waiting(
                    c,
                    jiga_server::db::deliveries::Channel::Webhook,
                )
            })
            .await
            .expect("count");
        if waiting == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the retried delivery is still waiting");
}
