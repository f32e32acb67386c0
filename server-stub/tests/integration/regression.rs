//! Regression tests, each named for what broke (issue 11: a single request could take the
//! server down or leave money stuck).

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use jiga_server::hooks;

use crate::common::*;
use crate::stream::{Ws, connect, next};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn header<'a>(r: &'a Resp, name: &str) -> Option<&'a str> {
    r.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Stripe's `v1` signature of `body` at `t`, with the test server's webhook secret.
fn stripe_v1(t: i64, body: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"whsec_test").expect("key");
    mac.update(format!("{t}.{body}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

async fn stripe(ts: &TestServer, body: Vec<u8>, signature: &str) -> Resp {
    let res = ts
        .http
        .post(format!("{}/v1/webhooks/payments/stripe", ts.url))
        .header("Stripe-Signature", signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("sent");
    Resp::read(res).await
}

/// Many `v1=` entries were each an HMAC over the whole body: a minute of CPU per request.
#[tokio::test]
async fn regression_webhook_many_empty_signatures_is_cheap() {
    let ts = TestServer::start().await;
    let body = vec![b' '; 1_000_000];
    let signature = format!("t={},{}", now(), "v1=,".repeat(20_000));
    let started = Instant::now();
    let r = stripe(&ts, body.clone(), &signature).await;
    r.assert_invalid_field("Stripe-Signature");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // Nine well-formed entries are one too many, even when the ninth is the right one (so
    // this is refused for its count, not for a mismatch).
    let event = json!({"id": unique("evt"), "type": "customer.created"}).to_string();
    let t = now();
    let mut entries = vec![format!("v1={}", "ab".repeat(32)); 8];
    entries.push(format!("v1={}", stripe_v1(t, &event)));
    let nine = format!("t={t},{}", entries.join(","));
    stripe(&ts, event.into_bytes(), &nine)
        .await
        .assert_invalid_field("Stripe-Signature");
}

/// One matching entry among eight suffices, as in Stripe's scheme.
#[tokio::test]
async fn a_matching_entry_among_eight_signatures_is_accepted() {
    let ts = TestServer::start().await;
    let body = json!({"id": unique("evt"), "type": "customer.created"}).to_string();
    let t = now();
    let good = stripe_v1(t, &body);
    let mut entries = vec![format!("v1={}", "00".repeat(32)); 7];
    entries.push(format!("v1={good}"));
    let r = stripe(
        &ts,
        body.into_bytes(),
        &format!("t={t},{}", entries.join(",")),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// Search was quadratic in the length of `q`, under the index's read lock.
#[tokio::test]
async fn regression_search_long_q_is_refused_and_cheap() {
    let ts = TestServer::start().await;
    ts.published_agent(json!({"name": "Sniper Coach"})).await;
    let started = Instant::now();
    let long = "a".repeat(30_000);
    ts.get(&format!("/v1/marketplace/search?q={long}"), None)
        .await
        .assert_invalid_field("q");
    let words = vec!["ab"; 17].join("+");
    ts.get(&format!("/v1/marketplace/search?q={words}"), None)
        .await
        .assert_invalid_field("q");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    // Sixteen words, one of them long enough to be prefix-only, within 200 characters.
    let q = format!("sniper+{}+{}", "x".repeat(40), vec!["c"; 14].join("+"));
    let r = ts.get(&format!("/v1/marketplace/search?q={q}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = ts.get("/v1/marketplace/search?q=snipr", None).await;
    assert_eq!(r.body["total"], 1, "a typo still matches: {}", r.body);
}

async fn all_sessions(ts: &TestServer, token: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/sessions?limit=100&cursor={c}"),
            None => "/v1/sessions?limit=100".to_owned(),
        };
        let r = ts.get(&path, Some(token)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        out.extend(r.body["items"].as_array().expect("items").iter().cloned());
        match r.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

/// A hire whose client went away mid-request committed but never started its agent: the
/// session stayed active for good with its budget held, and `end` answered "already ended".
#[tokio::test]
async fn regression_hire_survives_client_disconnect() {
    let ts = TestServer::start_with(|c| c.max_active_sessions_per_hirer = 1_000).await;
    let (_, agent) = ts
        .published_agent(
            json!({"pricing": {"perMinute": 1, "perAction": 0}, "actionsPerSecond": 20}),
        )
        .await;
    let (hirer, _) = ts.funded_user(10_000).await;
    let addr = ts.url.trim_start_matches("http://").to_owned();
    let body = json!({"agentId": agent, "game": "chess", "budget": 10}).to_string();
    let mut sends = Vec::new();
    for i in 0..150u64 {
        let (addr, body, hirer) = (addr.clone(), body.clone(), hirer.clone());
        sends.push(tokio::spawn(async move {
            let mut tcp = tokio::net::TcpStream::connect(&addr)
                .await
                .expect("connect");
            let req = format!(
                "POST /v1/hires HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {hirer}\r\n\
                 Idempotency-Key: raw-{i}\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\n\r\n{body}",
                body.len()
            );
            tcp.write_all(req.as_bytes()).await.expect("write");
            tokio::time::sleep(Duration::from_millis(i % 5)).await;
            drop(tcp);
        }));
    }
    for s in sends {
        s.await.expect("sent");
    }
    // Give every committed hire time to act.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let sessions = all_sessions(&ts, &hirer).await;
    assert!(!sessions.is_empty(), "some hires commit");
    let deadline = Instant::now() + Duration::from_secs(10);
    for s in &sessions {
        let id = s["id"].as_str().expect("id");
        loop {
            let r = ts.get(&format!("/v1/sessions/{id}"), Some(&hirer)).await;
            if r.body["lastSeq"].as_u64().expect("lastSeq") > 2 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "session {id} has no agent: {}",
                r.body
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let r = ts
            .post_idem(
                &format!("/v1/sessions/{id}/end"),
                &hirer,
                None,
                &unique("end"),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "end {id}: {}", r.body);
    }
    let w = ts.get("/v1/wallet", Some(&hirer)).await;
    assert_eq!(w.body["held"], 0, "no budget stays held: {}", w.body);
    assert_eq!(ts.audit().await.entries_sum, 0);
}

/// With any bearer token, wrong-password logins were counted against the (large) user limit.
#[tokio::test]
async fn regression_credential_routes_throttled_with_a_token() {
    let ts = TestServer::start_with(|c| {
        c.rate_limit_anonymous = 5;
        c.rate_limit_authenticated = 1_000;
    })
    .await;
    let (token, _) = ts.user().await; // the first of the address's five
    let login = json!({"email": "nobody@example.com", "password": "wrong-password"});
    for i in 2..=5 {
        let r = ts
            .call(
                reqwest::Method::POST,
                "/v1/auth/login",
                Some(&token),
                Some(login.clone()),
                None,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "attempt {i}: {}",
            r.body
        );
        assert_eq!(header(&r, "ratelimit-limit"), Some("5"));
    }
    let r = ts
        .call(
            reqwest::Method::POST,
            "/v1/auth/login",
            Some(&token),
            Some(login),
            None,
        )
        .await;
    r.assert_error(429, "rate_limited");
    assert_eq!(header(&r, "ratelimit-remaining"), Some("0"));
    assert!(header(&r, "retry-after").is_some());
    // The token still counts against its user elsewhere.
    let r = ts.get("/v1/users/me", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(header(&r, "ratelimit-limit"), Some("1000"));
}

/// Password guessing was unlimited for one email.
#[tokio::test]
async fn regression_login_locks_after_ten_failures_for_an_email() {
    let ts = TestServer::start().await;
    let email = format!("{}@example.com", unique("lock"));
    let r = ts
        .post(
            "/v1/auth/register",
            None,
            json!({"email": email, "password": "right-password", "displayName": "L"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for i in 0..10 {
        let spelled = if i % 2 == 0 {
            email.to_uppercase()
        } else {
            email.clone()
        };
        let r = ts
            .post(
                "/v1/auth/login",
                None,
                json!({"email": spelled, "password": "wrong"}),
            )
            .await;
        r.assert_error(401, "unauthenticated");
    }
    let r = ts
        .post(
            "/v1/auth/login",
            None,
            json!({"email": email, "password": "right-password"}),
        )
        .await;
    r.assert_error(429, "rate_limited");
    let retry: u64 = header(&r, "retry-after")
        .expect("Retry-After")
        .parse()
        .expect("secs");
    assert!(
        (800..=900).contains(&retry),
        "until 15 min after the first failure: {retry}"
    );
    // Another email is not affected.
    let r = ts
        .post(
            "/v1/auth/login",
            None,
            json!({"email": "other@example.com", "password": "x"}),
        )
        .await;
    r.assert_error(401, "unauthenticated");
}

async fn running_session(ts: &TestServer, aps: u32) -> (String, String) {
    let (_, agent) = ts
        .published_agent(
            json!({"pricing": {"perMinute": 1, "perAction": 0}, "actionsPerSecond": aps}),
        )
        .await;
    let (hirer, _) = ts.funded_user(1_000).await;
    let sid = ts.hire(&hirer, &agent, 500).await;
    (hirer, sid)
}

/// A 900 KB `data.focus` was accepted and copied into every later action.
#[tokio::test]
async fn regression_command_data_over_16_kib_is_413() {
    let ts = TestServer::start().await;
    let (hirer, sid) = running_session(&ts, 5).await;
    let path = format!("/v1/sessions/{sid}/commands");
    for size in [16 * 1024, 900_000] {
        let r = ts
            .post(
                &path,
                Some(&hirer),
                json!({"commandId": "big", "data": {"focus": "x".repeat(size)}}),
            )
            .await;
        r.assert_error(413, "payload_too_large");
    }
    let r = ts
        .post(
            &path,
            Some(&hirer),
            json!({"commandId": "ok", "data": {"focus": "x".repeat(16_000)}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    // The focus reaches the agent, bounded.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut ws = connect(&ts, &format!("/v1/sessions/{sid}/stream"), Some(&hirer)).await;
    let mut longest = 0;
    for _ in 0..20 {
        longest = longest.max(next(&mut ws).await.expect("frame").len());
    }
    assert!(longest < 2_000, "frames stay small: {longest}");
}

/// Commands were unbounded per session (and on the socket each spawned a task).
#[tokio::test]
async fn regression_commands_in_flight_are_capped_per_session() {
    let ts = TestServer::start().await;
    let (hirer, sid) = running_session(&ts, 1).await;
    let path = format!("/v1/sessions/{sid}/commands");
    let sends: Vec<_> = (0..120)
        .map(|i| {
            ts.post(
                &path,
                Some(&hirer),
                json!({"commandId": format!("c{i}"), "data": {}}),
            )
        })
        .collect();
    let answers = futures_util::future::join_all(sends).await;
    let mut limited = 0;
    for r in &answers {
        match r.status.as_u16() {
            202 => {}
            429 => {
                r.assert_error(429, "rate_limited");
                assert!(header(r, "retry-after").is_some());
                limited += 1;
            }
            other => panic!("unexpected {other}: {}", r.body),
        }
    }
    assert!(limited > 0, "more than 20 at once are refused");
    assert!(limited < 120, "up to 20 are taken");
}

async fn command_frame(ws: &mut Ws, id: &str, data: Value) {
    let frame = json!({"type": "command", "commandId": id, "data": data}).to_string();
    ws.send(Message::Text(frame.into())).await.expect("send");
}

/// An oversized command frame must be dropped, never acknowledged, and the stream stay open.
#[tokio::test]
async fn regression_ws_command_over_16_kib_is_dropped_and_the_stream_stays_open() {
    let ts = TestServer::start().await;
    let (hirer, sid) = running_session(&ts, 5).await;
    let mut ws = connect(&ts, &format!("/v1/sessions/{sid}/stream"), Some(&hirer)).await;
    command_frame(&mut ws, "too-big", json!({"focus": "x".repeat(20 * 1024)})).await;
    command_frame(&mut ws, "small", json!({"focus": "north"})).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let f = next(&mut ws).await.expect("stream stays open");
        let v: Value = serde_json::from_str(&f).expect("json");
        if v["type"] == "session.command_ack" {
            assert_eq!(
                v["data"]["commandId"], "small",
                "the big one is never acknowledged"
            );
            break;
        }
        assert!(Instant::now() < deadline, "no ack for the small command");
    }
}

/// Client messages over 64 KiB close the connection with 1009.
#[tokio::test]
async fn regression_ws_message_over_64_kib_closes_1009() {
    let ts = TestServer::start().await;
    let (hirer, sid) = running_session(&ts, 1).await;
    let mut ws = connect(&ts, &format!("/v1/sessions/{sid}/stream"), Some(&hirer)).await;
    ws.send(Message::Text("x".repeat(70 * 1024).into()))
        .await
        .expect("send");
    // The session keeps sending frames, so a server that ignores the message would keep the
    // stream open for ever: the close must come promptly.
    let deadline = Instant::now() + Duration::from_secs(5);
    let code = loop {
        match next(&mut ws).await {
            Ok(_) => assert!(
                Instant::now() < deadline,
                "still open after a 70 KiB message"
            ),
            Err(code) => break code,
        }
    };
    assert_eq!(code, Some(1009));
}

/// A connection that never sends its headers was held for ever.
#[tokio::test]
async fn regression_silent_connection_is_closed_after_the_header_timeout() {
    let ts = TestServer::start_with(|c| c.header_read_timeout_secs = 1).await;
    let addr = ts.url.trim_start_matches("http://").to_owned();
    let started = Instant::now();
    let mut silent = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let mut trickle = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    trickle.write_all(b"GET /health HT").await.expect("write");
    for conn in [&mut silent, &mut trickle] {
        let mut buf = [0u8; 256];
        let read = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut buf))
            .await
            .expect("closed within the timeout");
        // EOF, a reset, or hyper's 408 before closing: the connection is given up either way.
        if let Ok(n) = read
            && n > 0
        {
            assert!(
                buf.starts_with(b"HTTP/1.1 408"),
                "{:?}",
                String::from_utf8_lossy(&buf[..n])
            );
        }
    }
    assert!(started.elapsed() < Duration::from_secs(4));
    // A prompt client is served.
    assert_eq!(ts.get("/health", None).await.status, StatusCode::OK);
}

async fn upgrade_status(ts: &TestServer, path: &str, token: &str) -> (u16, String) {
    let mut req = ts.ws_url(path).into_client_request().expect("request");
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    match tokio_tungstenite::connect_async(req).await {
        Ok(_) => (101, String::new()),
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
            let body = res
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            (res.status().as_u16(), body)
        }
        Err(e) => panic!("upgrade: {e}"),
    }
}

/// `afterSeq` above i64 wrapped negative (replaying everything); the contract bounds it.
#[tokio::test]
async fn regression_after_seq_above_2_pow_53_is_400_before_upgrade() {
    let ts = TestServer::start().await;
    let (hirer, sid) = running_session(&ts, 1).await;
    for bad in ["9007199254740993", "18446744073709551615", "-1", "1.5"] {
        let (status, body) = upgrade_status(
            &ts,
            &format!("/v1/sessions/{sid}/stream?afterSeq={bad}"),
            &hirer,
        )
        .await;
        assert_eq!(status, 400, "{bad}");
        assert!(body.contains("afterSeq"), "{bad}: {body}");
    }
    let (status, _) = upgrade_status(
        &ts,
        &format!("/v1/sessions/{sid}/stream?afterSeq=9007199254740992"),
        &hirer,
    )
    .await;
    assert_eq!(status, 101);
}

/// A session's ticket opened the caller's notification stream.
#[tokio::test]
async fn regression_session_ticket_does_not_open_notifications() {
    let ts = TestServer::start().await;
    let (hirer, sid) = running_session(&ts, 1).await;
    let r = ts
        .post(
            &format!("/v1/sessions/{sid}/stream-tickets"),
            Some(&hirer),
            json!({}),
        )
        .await;
    let ticket = r.body["ticket"].as_str().expect("ticket").to_owned();
    let mut ws = connect(&ts, &format!("/v1/events/stream?ticket={ticket}"), None).await;
    // An opened notification stream sends nothing but pings, so wait for the close a while
    // only: a stream that stays open is the failure.
    let first = tokio::time::timeout(Duration::from_secs(5), next(&mut ws))
        .await
        .expect("closed at once, not opened");
    assert_eq!(first, Err(Some(4003)));
}

/// `available` and `held` were read in two statements and could straddle a commit. A pause
/// point holds the read between the two balances while a hire moves 100 DOF from `available`
/// to `held`, every time.
#[tokio::test]
async fn regression_wallet_reads_one_snapshot() {
    let ts = TestServer::start().await;
    let (_, agent) = ts
        .published_agent(
            json!({"pricing": {"perMinute": 0, "perAction": 0}, "actionsPerSecond": 1}),
        )
        .await;
    let (hirer, hirer_id) = ts.funded_user(1_000).await;
    let mut gate = hooks::arm(hooks::WALLET_BETWEEN_READS, &hirer_id);
    let read = {
        let (http, url, token) = (ts.http.clone(), ts.url.clone(), hirer.clone());
        tokio::spawn(async move {
            let r = http
                .get(format!("{url}/v1/wallet"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("sent");
            r.json::<Value>().await.expect("json")
        })
    };
    gate.reached().await;
    ts.hire(&hirer, &agent, 100).await;
    gate.release();
    let w = read.await.expect("read");
    assert_eq!(
        (&w["available"], &w["held"], &w["balance"]),
        (&json!(1_000), &json!(0), &json!(1_000)),
        "the wallet before the hire, whole: {w}"
    );
    let w = ts.get("/v1/wallet", Some(&hirer)).await.body;
    assert_eq!(
        (&w["available"], &w["held"], &w["balance"]),
        (&json!(900), &json!(100), &json!(1_000)),
        "and after it: {w}"
    );
}

/// An end racing SIGTERM could find the session's task stopping for shutdown (it lost the
/// coin toss of a non-biased `select!`, or shutdown simply came first): the end's reply was
/// dropped and stored as a final 409 "already ended" for a session still active. Pause points
/// force that interleaving every time: the end holds the session's mailbox, shutdown begins,
/// the task takes the shutdown branch and waits with its mailbox open, the end goes in, the
/// task stops without answering it.
#[tokio::test]
async fn regression_end_racing_shutdown_is_never_stored_as_already_ended() {
    let ts = TestServer::start().await;
    let (hirer, sid) = running_session(&ts, 50).await;
    let key = unique("end");
    let mut before_send = hooks::arm(hooks::END_BEFORE_SEND, &sid);
    let mut stopping = hooks::arm(hooks::RUNNER_STOPPING, &sid);
    let end = {
        let (http, url, token, key, sid) = (
            ts.http.clone(),
            ts.url.clone(),
            hirer.clone(),
            key.clone(),
            sid.clone(),
        );
        tokio::spawn(async move {
            let r = http
                .post(format!("{url}/v1/sessions/{sid}/end"))
                .bearer_auth(&token)
                .header("Idempotency-Key", key)
                .send()
                .await
                .expect("an answer, the request being in flight before shutdown");
            Resp::read(r).await
        })
    };
    before_send.reached().await;
    ts.state().shutdown.cancel();
    stopping.reached().await;
    before_send.release();
    stopping.release();
    let r = end.await.expect("end task");
    r.assert_error(503, "unavailable");
    // Not stored: once the server is back the same key ends the session.
    let ts = ts.restart().await;
    let r = ts
        .post_idem(&format!("/v1/sessions/{sid}/end"), &hirer, None, &key)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["session"]["status"], "ended", "{}", r.body);
    ts.stop().await;
}

/// Opens a WebSocket over a bare TCP stream and reads its frames, never writing a byte after
/// the handshake (tungstenite would answer pings): returns the close code the server sends,
/// `None` on EOF; panics when the connection is still open at `deadline`.
async fn silent_client_close_code(ts: &TestServer, path: &str, token: &str) -> Option<u16> {
    let addr = ts.url.trim_start_matches("http://").to_owned();
    let mut tcp = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Authorization: Bearer {token}\r\n\r\n"
    );
    tcp.write_all(req.as_bytes()).await.expect("handshake");
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut upgraded = false;
    loop {
        // Parse what has arrived: the 101 first, then server frames (never masked).
        if !upgraded && let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            assert!(
                buf.starts_with(b"HTTP/1.1 101"),
                "{path}: {:?}",
                String::from_utf8_lossy(&buf)
            );
            buf.drain(..end + 4);
            upgraded = true;
        }
        while upgraded && buf.len() >= 2 {
            let (opcode, len7) = (buf[0] & 0x0f, usize::from(buf[1] & 0x7f));
            let (head, len) = match len7 {
                126 if buf.len() >= 4 => (4, usize::from(u16::from_be_bytes([buf[2], buf[3]]))),
                127 if buf.len() >= 10 => {
                    let n = u64::from_be_bytes(buf[2..10].try_into().expect("8 bytes"));
                    (10, usize::try_from(n).expect("frame length"))
                }
                126 | 127 => break,
                n => (2, n),
            };
            if buf.len() < head + len {
                break;
            }
            if opcode == 0x8 {
                return (len >= 2).then(|| u16::from_be_bytes([buf[head], buf[head + 1]]));
            }
            buf.drain(..head + len);
        }
        assert!(Instant::now() < deadline, "{path}: still open");
        match tokio::time::timeout(Duration::from_secs(1), tcp.read(&mut chunk)).await {
            Err(_) => {}
            Ok(Ok(0) | Err(_)) => return None,
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// A client that sent nothing at all, not even a pong, held its connection (a task and its
/// buffers) for ever.
#[tokio::test]
async fn regression_ws_silent_client_is_closed_after_the_idle_timeout() {
    let ts = TestServer::start_with(|c| c.ws_idle_timeout_secs = 1).await;
    let (hirer, sid) = running_session(&ts, 1).await;
    for path in [
        format!("/v1/sessions/{sid}/stream"),
        "/v1/events/stream".to_owned(),
    ] {
        assert_eq!(
            silent_client_close_code(&ts, &path, &hirer).await,
            Some(1001),
            "{path}"
        );
    }
}

/// A client that answers pings is never taken for idle, however little else it sends.
#[tokio::test]
async fn a_client_answering_pings_outlives_the_idle_timeout() {
    let ts = TestServer::start_with(|c| c.ws_idle_timeout_secs = 1).await;
    let (hirer, sid) = running_session(&ts, 1).await;
    for path in [
        format!("/v1/sessions/{sid}/stream"),
        "/v1/events/stream".to_owned(),
    ] {
        let mut ws = connect(&ts, &path, Some(&hirer)).await;
        let (mut pings, until) = (0, Instant::now() + Duration::from_secs(3));
        while Instant::now() < until {
            match tokio::time::timeout(Duration::from_millis(100), ws.next()).await {
                Err(_) | Ok(Some(Ok(Message::Text(_)))) => {}
                Ok(Some(Ok(Message::Ping(_)))) => pings += 1,
                Ok(other) => panic!("{path}: {other:?}"),
            }
        }
        assert!(pings >= 3, "{path}: {pings} pings in three idle timeouts");
    }
}

/// One user could hold any number of WebSocket connections open.
#[tokio::test]
async fn regression_ws_connections_are_capped_per_user() {
    let ts = TestServer::start_with(|c| c.max_ws_per_user = 3).await;
    let (hirer, sid) = running_session(&ts, 1).await;
    let session = format!("/v1/sessions/{sid}/stream");
    let mut open = vec![
        connect(&ts, "/v1/events/stream", Some(&hirer)).await,
        connect(&ts, &session, Some(&hirer)).await,
        connect(&ts, &session, Some(&hirer)).await,
    ];
    for path in [session.as_str(), "/v1/events/stream"] {
        let (status, body) = upgrade_status(&ts, path, &hirer).await;
        assert_eq!(status, 429, "{path}: {body}");
        let v: Value = serde_json::from_str(&body).expect("an error body");
        assert_eq!(v["error"]["code"], "rate_limited", "{body}");
        assert!(
            v["error"]["details"]["retryAfter"].as_u64() >= Some(1),
            "{body}"
        );
    }
    let (other, _) = ts.user().await;
    assert_eq!(
        upgrade_status(&ts, "/v1/events/stream", &other).await.0,
        101,
        "another user has slots of their own"
    );
    // A connection that ends gives its slot back.
    let mut ws = open.pop().expect("three open");
    ws.close(None).await.expect("close");
    let deadline = Instant::now() + Duration::from_secs(10);
    while upgrade_status(&ts, &session, &hirer).await.0 != 101 {
        assert!(Instant::now() < deadline, "the slot never came back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Opens `path` with only the credential the path carries: the open stream, or the status
/// that refused the upgrade.
async fn open_or_refused(ts: &TestServer, path: &str) -> Result<Ws, u16> {
    match tokio_tungstenite::connect_async(ts.ws_url(path)).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => Err(res.status().as_u16()),
        Err(e) => panic!("upgrade: {e}"),
    }
}

/// A stream ticket was used up even when the per-user connection cap then refused the
/// upgrade, so the browser's retry (after the 429's `Retry-After`) had no ticket left.
#[tokio::test]
async fn regression_ticket_survives_an_upgrade_refused_for_the_connection_cap() {
    let ts = TestServer::start_with(|c| c.max_ws_per_user = 1).await;
    let (hirer, sid) = running_session(&ts, 20).await;
    let session = format!("/v1/sessions/{sid}/stream");
    for (tickets, stream) in [
        (
            format!("/v1/sessions/{sid}/stream-tickets"),
            session.clone(),
        ),
        (
            "/v1/events/stream-tickets".to_owned(),
            "/v1/events/stream".to_owned(),
        ),
    ] {
        let mut holder = connect(&ts, &stream, Some(&hirer)).await;
        let r = ts.post(&tickets, Some(&hirer), json!({})).await;
        let ticket = r.body["ticket"].as_str().expect("ticket").to_owned();
        let path = format!("{stream}?ticket={ticket}");
        for _ in 0..3 {
            assert_eq!(
                open_or_refused(&ts, &path).await.err(),
                Some(429),
                "{stream}: over the cap"
            );
        }
        holder.close(None).await.expect("close");
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut ws = loop {
            match open_or_refused(&ts, &path).await {
                Ok(ws) => break ws,
                Err(429) => {
                    assert!(
                        Instant::now() < deadline,
                        "{stream}: the slot never came back"
                    );
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(other) => panic!("{stream}: {other}"),
            }
        };
        // The ticket still opens its stream: frames of the session, or notifications left
        // open (a used-up ticket is closed with 4001 at once).
        if stream == session {
            assert!(next(&mut ws).await.is_ok(), "{stream}: events flow");
        } else {
            let early = tokio::time::timeout(Duration::from_secs(1), next(&mut ws)).await;
            assert!(early.is_err(), "{stream}: closed at once: {early:?}");
        }
        ws.close(None).await.expect("close");
        // Give the slot back before the next stream takes it.
        let deadline = Instant::now() + Duration::from_secs(10);
        while ts.state().streams.conns.open(&user_id(&ts, &hirer).await) > 0 {
            assert!(Instant::now() < deadline, "slot kept");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn user_id(ts: &TestServer, token: &str) -> String {
    let r = ts.get("/v1/users/me", Some(token)).await;
    r.body["id"].as_str().expect("id").to_owned()
}

/// Every user who ever opened the notifications stream kept a broadcast channel of 1024 slots
/// until a notification happened to be sent to them; anonymous users are free to make, so the
/// map grew without bound.
#[tokio::test]
async fn regression_notification_channels_are_forgotten_when_their_streams_close() {
    let ts = TestServer::start().await;
    for _ in 0..5 {
        let (token, _) = ts.user().await;
        let mut ws = connect(&ts, "/v1/events/stream", Some(&token)).await;
        ws.close(None).await.expect("close");
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let kept = ts.state().streams.notifier.users();
        if kept == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{kept} channels kept");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
