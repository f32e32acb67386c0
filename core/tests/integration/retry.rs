//! Retries: a scripted HTTP server for 5xx and 429, and a real TCP proxy that cuts the
//! connection after the server has acted, to show a DOF-moving call retried after a cut has
//! exactly one effect while a plain write is never retried.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiga::client::{
    MemoryTokenStore, PageRequest, RetryEvent, RetryObserver, RetryPolicy, RetryReason,
    TransactionFilter,
};
use jiga::model::{TopupProvider, TopupRequest, TransactionType};
use jiga::{Client, Dof, Error};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::common::{Harness, agent_request, fast_retry, unique};

/// Records every retry.
#[derive(Default)]
struct Recorder(Mutex<Vec<RetryEvent>>);

impl RetryObserver for Recorder {
    fn on_retry(&self, event: &RetryEvent) {
        self.0.lock().expect("lock").push(event.clone());
    }
}

impl Recorder {
    fn reasons(&self) -> Vec<RetryReason> {
        self.0
            .lock()
            .expect("lock")
            .iter()
            .map(|e| e.reason)
            .collect()
    }
}

fn client(url: &str, policy: RetryPolicy, rec: &Arc<Recorder>) -> Client {
    Client::builder()
        .base_url(url)
        .retry(policy)
        .retry_observer(rec.clone())
        .token_store(Arc::new(MemoryTokenStore::default()))
        .build()
        .expect("client")
}

/// A server answering each connection with the next scripted response; it records the
/// request heads it received.
struct Scripted {
    url: String,
    heads: Arc<Mutex<Vec<String>>>,
}

async fn scripted(responses: Vec<(u16, &'static str, &'static str)>) -> Scripted {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    tokio::spawn(async move {
        let mut script = responses.into_iter();
        while let Ok((mut sock, _)) = listener.accept().await {
            let (status, extra, body) = script.next().unwrap_or((500, "", "{}"));
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Read the head and the body announced by Content-Length.
            while let Ok(n) = sock.read(&mut chunk).await {
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        seen.lock().expect("lock").push(text[..end].to_owned());
                        break;
                    }
                }
            }
            let reply = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(reply.as_bytes()).await;
            let _ = sock.shutdown().await;
        }
    });
    Scripted { url, heads }
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

const TOPUP: &str = r#"{"id":"top_1","amount":5,"provider":"dev","status":"completed","createdAt":"2026-11-25T21:03:11.123Z"}"#;
const UNAVAILABLE: &str =
    r#"{"error":{"code":"unavailable","message":"storage is busy; retry","requestId":"req_1"}}"#;
const LIMITED: &str =
    r#"{"error":{"code":"rate_limited","message":"slow down","requestId":"req_2"}}"#;

fn dev(amount: i64) -> TopupRequest {
    TopupRequest {
        amount: Dof::new(amount),
        provider: TopupProvider::Dev,
    }
}

#[tokio::test]
async fn a_503_is_retried_with_the_same_idempotency_key() {
    let s = scripted(vec![(503, "", UNAVAILABLE), (201, "", TOPUP)]).await;
    let rec = Arc::new(Recorder::default());
    let t = client(&s.url, fast_retry(), &rec)
        .topup(&dev(5))
        .await
        .expect("retried");
    assert_eq!(t.id, "top_1");
    let heads = s.heads.lock().expect("lock").clone();
    assert_eq!(heads.len(), 2);
    let keys: Vec<_> = heads.iter().map(|h| header(h, "idempotency-key")).collect();
    assert!(keys[0].is_some());
    assert_eq!(keys[0], keys[1], "one key per logical operation");
    assert_eq!(rec.reasons(), vec![RetryReason::ServerError(503)]);
}

const IN_FLIGHT: &str = r#"{"error":{"code":"conflict","message":"a request with Idempotency-Key 'k' is still in progress; retry shortly","requestId":"req_3"}}"#;

#[tokio::test]
async fn a_retry_that_finds_the_first_try_in_flight_waits_for_it() {
    let s = scripted(vec![
        (503, "", UNAVAILABLE),
        (409, "", IN_FLIGHT),
        (201, "", TOPUP),
    ])
    .await;
    let rec = Arc::new(Recorder::default());
    let t = client(&s.url, fast_retry(), &rec)
        .topup(&dev(5))
        .await
        .expect("retried");
    assert_eq!(t.id, "top_1");
    assert_eq!(
        rec.reasons(),
        vec![RetryReason::ServerError(503), RetryReason::InFlight]
    );
    let heads = s.heads.lock().expect("lock").clone();
    let keys: Vec<_> = heads.iter().map(|h| header(h, "idempotency-key")).collect();
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");

    // A replayed (final) conflict is not retried.
    let s = scripted(vec![
        (503, "", UNAVAILABLE),
        (409, "idempotent-replayed: true\r\n", IN_FLIGHT),
    ])
    .await;
    let e = client(&s.url, fast_retry(), &rec)
        .topup(&dev(5))
        .await
        .expect_err("final");
    assert!(matches!(e, Error::Conflict { .. }), "{e:?}");
    assert_eq!(s.heads.lock().expect("lock").len(), 2);
}

#[tokio::test]
async fn a_429_waits_for_retry_after() {
    let s = scripted(vec![
        (429, "retry-after: 1\r\n", LIMITED),
        (200, "", r#"{"items":[]}"#),
    ])
    .await;
    let rec = Arc::new(Recorder::default());
    let started = Instant::now();
    let f = client(&s.url, fast_retry(), &rec)
        .featured()
        .await
        .expect("retried");
    assert!(f.items.is_empty());
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    let events = rec.0.lock().expect("lock").clone();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].reason, events[0].delay),
        (RetryReason::RateLimited, Duration::from_secs(1))
    );
}

#[tokio::test]
async fn a_write_without_a_key_is_not_retried_after_a_5xx() {
    let s = scripted(vec![(503, "", UNAVAILABLE), (201, "", "{}")]).await;
    let rec = Arc::new(Recorder::default());
    let e = client(&s.url, fast_retry(), &rec)
        .create_agent(&agent_request("x"))
        .await
        .expect_err("not retried");
    assert!(matches!(&e, Error::Server { status: 503, .. }), "{e:?}");
    assert_eq!(e.request_id(), Some("req_1"));
    assert_eq!(s.heads.lock().expect("lock").len(), 1);
    assert!(rec.reasons().is_empty());
}

#[tokio::test]
async fn retries_stop_at_max_attempts_and_within_the_budget() {
    let s = scripted(vec![(503, "", UNAVAILABLE); 5]).await;
    let rec = Arc::new(Recorder::default());
    let policy = RetryPolicy {
        max_attempts: 3,
        ..fast_retry()
    };
    let e = client(&s.url, policy, &rec)
        .categories()
        .await
        .expect_err("gives up");
    assert!(e.is_transient());
    assert_eq!(s.heads.lock().expect("lock").len(), 3);
    // A Retry-After beyond the budget is not waited for.
    let s = scripted(vec![(429, "retry-after: 60\r\n", LIMITED)]).await;
    let policy = RetryPolicy {
        budget: Duration::from_secs(5),
        ..fast_retry()
    };
    let started = Instant::now();
    let e = client(&s.url, policy, &rec)
        .featured()
        .await
        .expect_err("over budget");
    assert!(
        matches!(e, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(60))
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let rec = Arc::new(Recorder::default());
    let e = client(&format!("http://{addr}"), fast_retry(), &rec)
        .featured()
        .await
        .expect_err("nothing listens");
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    assert_eq!(rec.reasons().len(), 3, "retried up to max_attempts");
}

/// A TCP proxy to `upstream` that, once, lets the first request containing `trigger` reach the
/// server and then cuts the connection instead of relaying the answer.
async fn cutting_proxy(upstream: SocketAddr, trigger: &'static str) -> String {
    jiga_testkit::cutting(upstream, trigger, |_| {})
        .await
        .expect("proxy")
        .url
}

#[tokio::test]
async fn a_topup_retried_after_a_cut_has_one_effect() {
    let h = Harness::start().await;
    let proxy = cutting_proxy(h.server.addr(), "POST /v1/wallet/topups").await;
    let rec = Arc::new(Recorder::default());
    let c = client(&proxy, fast_retry(), &rec);
    c.sign_in_device(&unique("dev")).await.expect("sign in");
    let t = c.topup(&dev(250)).await.expect("retried after the cut");
    assert_eq!(t.amount, Dof::new(250));
    assert_eq!(rec.reasons(), vec![RetryReason::Transport]);
    assert_eq!(c.wallet().await.expect("wallet").available, Dof::new(250));
    let topups = c
        .transactions(&TransactionFilter {
            kind: Some(TransactionType::Topup),
            page: PageRequest::new(),
        })
        .await
        .expect("transactions");
    assert_eq!(topups.items.len(), 1, "one effect");
}

#[tokio::test]
async fn a_plain_write_cut_after_sending_is_not_retried() {
    let h = Harness::start().await;
    let proxy = cutting_proxy(h.server.addr(), "POST /v1/agents").await;
    let rec = Arc::new(Recorder::default());
    let c = client(&proxy, fast_retry(), &rec);
    c.sign_in_device(&unique("dev")).await.expect("sign in");
    let e = c
        .create_agent(&agent_request("Once"))
        .await
        .expect_err("cut");
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    assert!(rec.reasons().is_empty());
    let mine = c.my_agents(&PageRequest::new()).await.expect("list");
    assert_eq!(
        mine.items.len(),
        1,
        "the server acted once; the client did not repeat it"
    );
}

/// A transport injecting one fault on purpose: it sends the first request whose path ends with
/// `target` for real, then reports the connection broken, as if the answer were lost on the way
/// back. Every other request goes through untouched.
struct LoseFirstAnswer {
    inner: jiga::client::ReqwestTransport,
    target: &'static str,
    tripped: AtomicBool,
    sent: std::sync::atomic::AtomicUsize,
}

impl jiga::client::HttpTransport for LoseFirstAnswer {
    fn send(
        &self,
        req: jiga::client::HttpRequest,
    ) -> jiga::client::BoxFuture<'_, Result<jiga::client::HttpResponse, jiga::client::TransportError>>
    {
        Box::pin(async move {
            let hit = req.url.ends_with(self.target);
            if hit {
                self.sent.fetch_add(1, Ordering::SeqCst);
            }
            let res = self.inner.send(req).await?;
            if hit && !self.tripped.swap(true, Ordering::SeqCst) {
                return Err(jiga::client::TransportError::Broken {
                    message: "answer lost (injected)".into(),
                    source: None,
                });
            }
            Ok(res)
        })
    }
}

fn lossy_client(h: &Harness, target: &'static str) -> (Client, Arc<LoseFirstAnswer>) {
    let transport = Arc::new(LoseFirstAnswer {
        inner: jiga::client::ReqwestTransport::new(Duration::from_secs(10), Duration::from_secs(5))
            .expect("transport"),
        target,
        tripped: AtomicBool::new(false),
        sent: Default::default(),
    });
    let client = Client::builder()
        .base_url(&h.url)
        .retry(fast_retry())
        .http_transport(transport.clone())
        .build()
        .expect("client");
    (client, transport)
}

#[tokio::test]
async fn through_the_transport_seam_a_lost_topup_answer_is_retried_with_its_key_once() {
    let h = Harness::start().await;
    let (client, transport) = lossy_client(&h, "/v1/wallet/topups");
    client
        .sign_in_device(&unique("seam"))
        .await
        .expect("sign in");
    let topup = client
        .topup(&TopupRequest {
            amount: Dof::new(70),
            provider: TopupProvider::Dev,
        })
        .await
        .expect("the retry gets the stored answer");
    assert_eq!(topup.amount, Dof::new(70));
    assert_eq!(
        transport.sent.load(Ordering::SeqCst),
        2,
        "sent, answer lost, sent again"
    );
    let wallet = client.wallet().await.expect("wallet");
    assert_eq!(wallet.available, Dof::new(70), "one effect");
}

#[tokio::test]
async fn through_the_transport_seam_a_keyless_write_whose_answer_is_lost_is_not_repeated() {
    let h = Harness::start().await;
    let (client, transport) = lossy_client(&h, "/v1/agents");
    client
        .sign_in_device(&unique("seam"))
        .await
        .expect("sign in");
    let err = client
        .create_agent(&agent_request("Once"))
        .await
        .expect_err("the answer was lost");
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(transport.sent.load(Ordering::SeqCst), 1, "never sent twice");
    let mine = client
        .my_agents(&PageRequest::default())
        .await
        .expect("list");
    assert_eq!(mine.items.len(), 1, "the server applied it exactly once");
}

/// A virtual clock: `sleep` returns at once and advances the clock by what was asked, so
/// time-dependent behaviour is tested without waiting (the timer seam's purpose in tests).
#[derive(Default)]
struct VirtualClock {
    now: Mutex<Duration>,
    slept: Mutex<Vec<Duration>>,
}

impl jiga::client::Timer for VirtualClock {
    fn sleep(&self, d: Duration) -> jiga::client::BoxFuture<'static, ()> {
        *self.now.lock().expect("lock") += d;
        self.slept.lock().expect("lock").push(d);
        Box::pin(std::future::ready(()))
    }
    fn now(&self) -> Duration {
        *self.now.lock().expect("lock")
    }

    fn wall_clock(&self) -> std::time::SystemTime {
        std::time::SystemTime::now()
    }
}

#[tokio::test]
async fn retry_after_and_the_time_budget_run_on_the_injected_clock() {
    let s = scripted(vec![
        (429, "retry-after: 7\r\n", LIMITED),
        (503, "", UNAVAILABLE),
        (200, "", r#"{"items":[]}"#),
    ])
    .await;
    let clock = Arc::new(VirtualClock::default());
    let client = Client::builder()
        .base_url(&s.url)
        .retry(RetryPolicy {
            budget: Duration::from_secs(60),
            ..fast_retry()
        })
        .timer(clock.clone())
        .build()
        .expect("client");
    let started = Instant::now();
    client.featured().await.expect("retried twice");
    // Seven virtual seconds of Retry-After, then a backoff; no real waiting.
    let slept = clock.slept.lock().expect("lock").clone();
    assert_eq!(slept.len(), 2, "{slept:?}");
    assert_eq!(slept[0], Duration::from_secs(7));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "did not wait for real"
    );

    // The budget is measured on the same clock: a Retry-After past it is not waited for.
    let s = scripted(vec![(429, "retry-after: 61\r\n", LIMITED)]).await;
    let client = Client::builder()
        .base_url(&s.url)
        .retry(RetryPolicy {
            budget: Duration::from_secs(60),
            ..fast_retry()
        })
        .timer(Arc::new(VirtualClock::default()))
        .build()
        .expect("client");
    let e = client.featured().await.expect_err("over budget");
    assert!(matches!(e, Error::RateLimited { .. }), "{e:?}");
}
