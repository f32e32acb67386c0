//! The stream handles as a binding holds them: driven from plain OS threads with no runtime,
//! commands acknowledged with nobody reading, a reader that falls far behind, `close()`, and
//! stream tickets for connectors that cannot send headers.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use jiga::client::{
    BoxFuture, ConnectionState, TungsteniteConnector, WsConnection, WsConnector, WsOpenError,
};
use jiga::model::EndReason;
use jiga::{Client, Error, ErrorKind, EventKind};

use crate::common::{Harness, fast_retry, hire};

/// The C ABI and a synchronous Python client hold a handle and block on it from threads that
/// have no runtime: one thread reads every event, another sends a command and waits for its
/// acknowledgement, a third ends the session (through the runtime's handle, as a binding's own
/// runtime would).
#[test]
fn blocking_host_threads_read_command_and_end_without_a_runtime() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (h, hirer, sid) = rt.block_on(async {
        let h = Harness::start().await;
        let (_, agent) = h.published_agent(|r| r.actions_per_second = 50).await;
        let hirer = h.funded(10_000).await;
        let sid = hirer
            .hire(&hire(&agent.id, 5_000))
            .await
            .expect("hire")
            .session
            .id;
        (h, hirer, sid)
    });
    let events = rt.block_on(async { hirer.session_events(&sid) });
    let acked = Arc::new(AtomicUsize::new(0));
    std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut seqs = Vec::new();
            let mut saw_ack = false;
            let mut ended = None;
            while let Some(ev) = futures_executor::block_on(events.next_event()).expect("ok") {
                seqs.push(ev.seq);
                match ev.kind {
                    EventKind::CommandAck { command_id } => {
                        saw_ack |= command_id == "from-a-thread"
                    }
                    EventKind::Ended { reason, .. } => ended = Some(reason),
                    _ => {}
                }
            }
            (seqs, saw_ack, ended)
        });
        let acked = Arc::clone(&acked);
        let events = events.clone();
        let commander = s.spawn(move || {
            futures_executor::block_on(
                events.command("from-a-thread", serde_json::json!({"focus": "mid"})),
            )
            .expect("acknowledged");
            acked.fetch_add(1, Ordering::SeqCst);
        });
        commander.join().expect("commander");
        let ender = s.spawn(|| {
            std::thread::sleep(Duration::from_millis(300));
            rt.handle().block_on(hirer.end_session(&sid)).expect("end")
        });
        let settled = ender.join().expect("ender");
        let (seqs, saw_ack, ended) = reader.join().expect("reader");
        assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "gapless");
        assert!(saw_ack, "the reader saw the acknowledgement too");
        assert_eq!(ended, Some(EndReason::EndedByHirer));
        assert_eq!(settled.session.last_seq, seqs.len() as u64);
    });
    assert_eq!(acked.load(Ordering::SeqCst), 1);
    assert_eq!(events.state(), ConnectionState::Ended);
    rt.block_on(h.server.shutdown());
}

#[tokio::test]
async fn a_command_resolves_while_nobody_reads_events() {
    let h = Harness::start().await;
    let (_, hirer, sid) = h.running_session(20, 10_000, 5_000).await;
    let events = hirer.session_events(&sid);
    tokio::time::timeout(
        Duration::from_secs(10),
        events.command("unread", serde_json::json!({})),
    )
    .await
    .expect("acknowledged in time")
    .expect("acknowledged");
    // Nothing was read; the acknowledgement is still delivered to a later reader, in order.
    let mut saw = false;
    while let Some(ev) = events.next_event().await.expect("ok") {
        if matches!(&ev.kind, EventKind::CommandAck { command_id } if command_id == "unread") {
            saw = true;
            break;
        }
    }
    assert!(saw);
}

/// A reader that stops reading a fast session for long enough to fill the handle's queue
/// many times over: memory stays bounded, a command sent meanwhile is acknowledged, and when
/// the reader comes back every seq arrives exactly once, in order.
#[tokio::test]
async fn a_reader_far_behind_loses_nothing_and_commands_still_resolve() {
    let h = Harness::start().await;
    let (_, hirer, sid) = h.running_session(1000, 1_000_000, 500_000).await;
    let events = hirer.session_events(&sid);
    // 1000 actions/s for 4 s: about 8,000 events, four times what the queue holds.
    tokio::time::sleep(Duration::from_secs(2)).await;
    tokio::time::timeout(
        Duration::from_secs(10),
        events.command("while-behind", serde_json::json!({})),
    )
    .await
    .expect("acknowledged in time")
    .expect("acknowledged while the queue is full");
    tokio::time::sleep(Duration::from_secs(2)).await;
    hirer.end_session(&sid).await.expect("end");
    let mut next = 1u64;
    let mut acks = 0;
    while let Some(ev) = events.next_event().await.expect("ok") {
        assert_eq!(ev.seq, next, "exactly once, in order");
        next += 1;
        if matches!(&ev.kind, EventKind::CommandAck { command_id } if command_id == "while-behind")
        {
            acks += 1;
        }
    }
    let last = hirer.session(&sid).await.expect("session").last_seq;
    assert_eq!(next - 1, last, "every event of the session");
    assert!(
        last > 4_000,
        "the reader really fell behind ({last} events)"
    );
    assert_eq!(acks, 1);
}

#[tokio::test]
async fn close_ends_reads_and_pending_commands() {
    let h = Harness::start().await;
    let (owner, hirer, sid) = h.running_session(5, 10_000, 5_000).await;
    let events = hirer.session_events(&sid);
    let first = events.next_event().await.expect("ok").expect("an event");
    assert_eq!(first.seq, 1);
    let reader = {
        let events = events.clone();
        tokio::spawn(async move { events.next_event().await })
    };
    let mut changes = events.state_changes();
    events.close();
    let pending = tokio::time::timeout(Duration::from_secs(5), reader)
        .await
        .expect("the pending read returns")
        .expect("task");
    assert!(matches!(pending, Ok(None) | Ok(Some(_))), "{pending:?}");
    assert!(events.next_event().await.expect("ok").is_none());
    let refused = events.command("late", serde_json::json!({})).await;
    assert_eq!(refused.map_err(|e| e.kind()), Err(ErrorKind::Closed));
    while changes.current() != ConnectionState::Ended {
        tokio::time::timeout(Duration::from_secs(5), changes.changed())
            .await
            .expect("the driver stops");
    }
    // The session itself goes on; the client still works.
    assert!(
        hirer
            .session(&sid)
            .await
            .expect("session")
            .ended_at
            .is_none()
    );
    let notes = owner.notifications();
    notes.close();
    assert!(notes.next().await.expect("ok").is_none());
}

/// A connector that, like a browser's WebSocket, cannot send headers; it records the URLs it
/// was asked to open.
struct HeaderlessConnector {
    urls: std::sync::Mutex<Vec<String>>,
}

impl WsConnector for HeaderlessConnector {
    fn connect(
        &self,
        url: String,
        headers: Vec<(&'static str, String)>,
    ) -> BoxFuture<'_, Result<Box<dyn WsConnection>, WsOpenError>> {
        assert!(
            headers.is_empty(),
            "no header is asked of a headerless connector"
        );
        self.urls.lock().expect("lock").push(url.clone());
        TungsteniteConnector.connect(url, headers)
    }

    fn sends_headers(&self) -> bool {
        false
    }
}

#[tokio::test]
async fn a_connector_without_headers_opens_streams_with_single_use_tickets() {
    let h = Harness::start().await;
    let (_, agent) = h.published_agent(|r| r.actions_per_second = 20).await;
    let funder = h.funded(10_000).await;
    let connector = Arc::new(HeaderlessConnector {
        urls: std::sync::Mutex::new(Vec::new()),
    });
    let client = jiga::Client::builder()
        .base_url(&h.url)
        .retry(fast_retry())
        .token_store(Arc::new(jiga::client::MemoryTokenStore::with(
            funder.tokens(),
        )))
        .ws_connector(connector.clone())
        .build()
        .expect("client");
    let sid = client
        .hire(&hire(&agent.id, 5_000))
        .await
        .expect("hire")
        .session
        .id;
    let events = client.session_events(&sid);
    let mut n = 0;
    while let Some(ev) = events.next_event().await.expect("ok") {
        n += 1;
        if n == 5 {
            client.end_session(&sid).await.expect("end");
        }
        if ev.kind.is_terminal() {
            break;
        }
    }
    assert!(n >= 5);
    let urls = connector.urls.lock().expect("lock").clone();
    assert!(!urls.is_empty());
    assert!(
        urls.iter()
            .all(|u| u.contains("ticket=") && u.contains("afterSeq=")),
        "{urls:?}"
    );
}

#[tokio::test]
async fn close_stops_calls_in_flight_ends_the_streams_and_refuses_later_calls() {
    use std::time::Instant;

    // A call in flight: a server that accepts and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let silent_url = format!("http://{}", silent.local_addr().expect("addr"));
    let held = tokio::spawn(async move {
        let mut conns = Vec::new();
        while let Ok((c, _)) = silent.accept().await {
            conns.push(c);
        }
    });
    let stuck = Client::builder()
        .base_url(&silent_url)
        .build()
        .expect("client");
    let call = tokio::spawn({
        let c = stuck.clone();
        async move { c.featured().await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let t = Instant::now();
    stuck.close();
    let err = call.await.expect("joined").expect_err("closed");
    assert!(matches!(err, Error::Closed { .. }), "{err:?}");
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "stopped at once, not at the 30 s timeout"
    );
    held.abort();

    // A live stream with a reader waiting on it, and a command in flight.
    let h = Harness::start().await;
    let (_owner, agent) = h.published_agent(|r| r.actions_per_second = 5).await;
    let hirer = h.funded(5_000).await;
    let sid = hirer
        .hire(&hire(&agent.id, 4_000))
        .await
        .expect("hire")
        .session
        .id;
    let events = hirer.session_events(&sid);
    assert_eq!(
        events.next_event().await.expect("ok").expect("started").seq,
        1
    );
    let reader = tokio::spawn({
        let events = events.clone();
        async move {
            let mut n = 0;
            while let Some(_e) = events.next_event().await? {
                n += 1;
            }
            Ok::<_, Error>(n)
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let clone = hirer.clone();
    clone.close();
    assert!(hirer.is_closed(), "every clone is closed");
    tokio::time::timeout(Duration::from_secs(2), reader)
        .await
        .expect("the reader ends at once")
        .expect("joined")
        .expect("a closed stream ends without an error");
    let command = events.command("cmd-after-close", serde_json::json!({}));
    assert!(matches!(command.await, Err(Error::Closed { .. })));
    assert!(matches!(hirer.wallet().await, Err(Error::Closed { .. })));

    // The session was not touched: a new client with the same tokens ends it.
    let again = Client::builder()
        .base_url(&h.url)
        .token_store(std::sync::Arc::new(jiga::client::MemoryTokenStore::with(
            hirer.tokens(),
        )))
        .build()
        .expect("client");
    again.end_session(&sid).await.expect("ends");
}
