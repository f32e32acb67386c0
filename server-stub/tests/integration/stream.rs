//! The session stream: gapless seqs, exact replay, resume, tickets, close codes, commands,
//! the slow-consumer cut.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::common::*;

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn connect(srv: &TestServer, path: &str, token: Option<&str>) -> Ws {
    let mut req = srv.ws_url(path).into_client_request().expect("request");
    if let Some(t) = token {
        req.headers_mut().insert(
            "authorization",
            format!("Bearer {t}").parse().expect("header"),
        );
    }
    tokio_tungstenite::connect_async(req)
        .await
        .expect("upgrade")
        .0
}

/// The next text frame (pings skipped), or the close code.
pub async fn next<S>(ws: &mut S) -> Result<String, Option<u16>>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        match tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("a frame within 20 s")
        {
            Some(Ok(Message::Text(t))) => return Ok(t.to_string()),
            Some(Ok(Message::Close(c))) => return Err(c.map(|c| u16::from(c.code))),
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return Err(None),
        }
    }
}

pub async fn take<S>(ws: &mut S, n: usize) -> Vec<String>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        out.push(next(ws).await.expect("an event"));
    }
    out
}

pub fn seq(frame: &str) -> u64 {
    serde_json::from_str::<Value>(frame).expect("json")["seq"]
        .as_u64()
        .expect("seq")
}

#[tokio::test]
async fn events_are_gapless_from_started_and_replay_is_byte_identical() {
    let srv = TestServer::start().await;
    let (_, agent) = srv
        .published_agent(json!({"actionsPerSecond": 200, "hasCommentator": true}))
        .await;
    let (hirer, _) = srv.funded_user(100_000).await;
    let sid = srv.hire(&hirer, &agent, 50_000).await;
    let mut ws = connect(&srv, &format!("/v1/sessions/{sid}/stream"), Some(&hirer)).await;
    let first = take(&mut ws, 300).await;
    let v: Value = serde_json::from_str(&first[0]).expect("json");
    assert_eq!(v["type"], "session.started");
    assert_eq!(v["data"]["session"]["id"], sid.as_str());
    for (i, f) in first.iter().enumerate() {
        assert_eq!(seq(f), i as u64 + 1, "gap or duplicate at index {i}");
        let e = jiga::SessionEvent::from_json(f).expect("decodes as a SessionEvent");
        assert_eq!(e.seq, i as u64 + 1);
    }
    drop(ws);
    // Resume after a cut: exactly the next seq, and the same bytes as the first time.
    let mut ws = connect(
        &srv,
        &format!("/v1/sessions/{sid}/stream?afterSeq=120"),
        Some(&hirer),
    )
    .await;
    let again = take(&mut ws, 180).await;
    assert_eq!(again[..], first[120..]);
}

#[tokio::test]
async fn an_ended_session_replays_to_session_ended_then_closes_1000() {
    let srv = TestServer::start().await;
    let (owner, agent) = srv.published_agent(json!({"actionsPerSecond": 50})).await;
    let (hirer, _) = srv.funded_user(10_000).await;
    let sid = srv.hire(&hirer, &agent, 5_000).await;
    let mut live = connect(&srv, &format!("/v1/sessions/{sid}/stream"), Some(&owner)).await;
    take(&mut live, 10).await;
    let r = srv
        .post_idem(
            &format!("/v1/sessions/{sid}/end"),
            &hirer,
            None,
            &unique("end"),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    let last_seq = r.body["session"]["lastSeq"].as_u64().expect("lastSeq");
    // The live viewer sees everything up to session.ended, then 1000.
    let mut frames = Vec::new();
    let code = loop {
        match next(&mut live).await {
            Ok(f) => frames.push(f),
            Err(code) => break code,
        }
    };
    assert_eq!(code, Some(1000));
    let last: Value = serde_json::from_str(frames.last().expect("frames")).expect("json");
    assert_eq!(last["type"], "session.ended");
    assert_eq!(last["seq"].as_u64(), Some(last_seq));
    assert_eq!(last["data"]["settlement"], r.body["settlement"]);
    // A late viewer replays the whole session from storage.
    let mut late = connect(&srv, &format!("/v1/sessions/{sid}/stream"), Some(&hirer)).await;
    let mut n = 0u64;
    let code = loop {
        match next(&mut late).await {
            Ok(f) => {
                n += 1;
                assert_eq!(seq(&f), n);
            }
            Err(code) => break code,
        }
    };
    assert_eq!((n, code), (last_seq, Some(1000)));
}

#[tokio::test]
async fn credentials_and_visibility_close_with_the_contract_codes() {
    let srv = TestServer::start().await;
    let (_, agent) = srv.published_agent(json!({})).await;
    let (hirer, _) = srv.funded_user(1_000).await;
    let (stranger, _) = srv.user().await;
    let sid = srv.hire(&hirer, &agent, 500).await;
    let path = format!("/v1/sessions/{sid}/stream");
    assert_eq!(
        next(&mut connect(&srv, &path, None).await).await,
        Err(Some(4001))
    );
    assert_eq!(
        next(&mut connect(&srv, &path, Some("not-a-jwt")).await).await,
        Err(Some(4001))
    );
    assert_eq!(
        next(&mut connect(&srv, &path, Some(&stranger)).await).await,
        Err(Some(4003))
    );
    assert_eq!(
        next(&mut connect(&srv, "/v1/sessions/ses_nope/stream", Some(&hirer)).await).await,
        Err(Some(4004))
    );
}

#[tokio::test]
async fn a_ticket_works_once() {
    let srv = TestServer::start().await;
    let (_, agent) = srv.published_agent(json!({})).await;
    let (hirer, _) = srv.funded_user(1_000).await;
    let sid = srv.hire(&hirer, &agent, 500).await;
    let r = srv
        .post(
            &format!("/v1/sessions/{sid}/stream-tickets"),
            Some(&hirer),
            json!({}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    assert_eq!(r.body["expiresIn"], 60);
    let ticket = r.body["ticket"].as_str().expect("ticket").to_owned();
    let path = format!("/v1/sessions/{sid}/stream?ticket={ticket}");
    let mut ws = connect(&srv, &path, None).await;
    assert_eq!(seq(&next(&mut ws).await.expect("an event")), 1);
    assert_eq!(
        next(&mut connect(&srv, &path, None).await).await,
        Err(Some(4001))
    );
}

#[tokio::test]
async fn commands_on_the_socket_are_acknowledged_in_the_stream() {
    let srv = TestServer::start().await;
    let (_, agent) = srv.published_agent(json!({"actionsPerSecond": 20})).await;
    let (hirer, _) = srv.funded_user(10_000).await;
    let sid = srv.hire(&hirer, &agent, 5_000).await;
    let mut ws = connect(&srv, &format!("/v1/sessions/{sid}/stream"), Some(&hirer)).await;
    take(&mut ws, 3).await;
    let cmd = json!({"type": "command", "commandId": "c-42", "data": {"focus": "mid"}}).to_string();
    ws.send(Message::text(cmd)).await.expect("send");
    let mut acked = false;
    for _ in 0..2000 {
        let v: Value = serde_json::from_str(&next(&mut ws).await.expect("event")).expect("json");
        if v["type"] == "session.command_ack" {
            assert_eq!(v["data"]["commandId"], "c-42");
            acked = true;
            break;
        }
    }
    assert!(acked, "no session.command_ack for c-42");
}

#[tokio::test]
async fn a_consumer_more_than_10000_live_events_behind_is_closed_with_4008() {
    let srv = TestServer::start().await;
    // perAction > 0: every action is two events (action + dof_update), 2000 events/s.
    let (_, agent) = srv
        .published_agent(
            json!({"actionsPerSecond": 1000, "pricing": {"perMinute": 1, "perAction": 1}}),
        )
        .await;
    let (hirer, _) = srv.funded_user(1_000_000).await;
    let sid = srv.hire(&hirer, &agent, 1_000_000).await;
    // A socket with a tiny receive buffer that we do not read: the server's writes stall.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("rcvbuf");
    let addr = srv.server.as_ref().expect("running").addr();
    let stream = socket.connect(addr).await.expect("connect");
    let mut req = srv
        .ws_url(&format!("/v1/sessions/{sid}/stream"))
        .into_client_request()
        .expect("request");
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {hirer}").parse().expect("header"),
    );
    let (mut ws, _) = tokio_tungstenite::client_async(req, stream)
        .await
        .expect("upgrade");
    take(&mut ws, 5).await;
    // Stall until the server must have produced well over 10 000 events past what fits in
    // the socket buffers, then drain: the stream must end with 4008, and reading every frame
    // before it shows no gap.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let mut last = 5u64;
    let code = loop {
        match tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .expect("frame")
        {
            Some(Ok(Message::Text(t))) => {
                let s = seq(t.as_str());
                assert_eq!(s, last + 1);
                assert!(s < 100_000, "never cut as a slow consumer");
                last = s;
            }
            Some(Ok(Message::Close(c))) => break c.map(|c| c.code),
            Some(Ok(_)) => {}
            other => panic!("stream ended without a close frame: {other:?}"),
        }
    };
    assert_eq!(code, Some(CloseCode::from(4008)));
    // Resuming from the last seq loses nothing.
    let mut ws = connect(
        &srv,
        &format!("/v1/sessions/{sid}/stream?afterSeq={last}"),
        Some(&hirer),
    )
    .await;
    assert_eq!(seq(&next(&mut ws).await.expect("event")), last + 1);
}

#[tokio::test]
async fn notifications_reach_the_owner_when_their_agent_is_hired() {
    let srv = TestServer::start().await;
    let (owner, agent) = srv.published_agent(json!({})).await;
    let (hirer, _) = srv.funded_user(1_000).await;
    let mut ws = connect(&srv, "/v1/events/stream", Some(&owner)).await;
    // The subscription is registered once the upgrade completes; give the server a beat.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let sid = srv.hire(&hirer, &agent, 500).await;
    let v: Value = serde_json::from_str(&next(&mut ws).await.expect("notification")).expect("json");
    assert_eq!(v["type"], "agent.hired");
    assert_eq!(v["data"]["sessionId"], sid.as_str());
    assert!(v["id"].as_str().is_some() && v["ts"].as_str().is_some());
}

#[tokio::test]
async fn shutdown_closes_streams_with_1001() {
    let srv = TestServer::start().await;
    let (_, agent) = srv.published_agent(json!({})).await;
    let (hirer, _) = srv.funded_user(1_000).await;
    let sid = srv.hire(&hirer, &agent, 500).await;
    let mut ws = connect(&srv, &format!("/v1/sessions/{sid}/stream"), Some(&hirer)).await;
    take(&mut ws, 2).await;
    let stopping = tokio::spawn(srv.stop());
    let code = loop {
        match next(&mut ws).await {
            Ok(_) => {}
            Err(code) => break code,
        }
    };
    assert_eq!(code, Some(1001));
    stopping.await.expect("stopped");
}
