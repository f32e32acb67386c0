//! The session stream: every seq exactly once, in order, across many connection cuts made by
//! a real TCP proxy, and the DOF accounting reconciles with the settlement.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use jiga::accounting::{DofMeter, reconcile};
use jiga::client::{MemoryTokenStore, RetryEvent, RetryObserver, RetryPolicy};
use jiga::model::EndReason;
use jiga::{Client, Error, EventKind, SessionEvent};

use crate::common::{Harness, fast_retry, hire, unique};

/// A proxy that cuts every connection after a random number (300..1500) of bytes from the
/// server; it counts the connections it cut.
async fn chopping_proxy(upstream: SocketAddr) -> (String, Arc<AtomicUsize>) {
    let p = jiga_testkit::chopping(upstream, 300..1500, |_| {})
        .await
        .expect("proxy");
    (p.url, p.faults)
}

/// Reads events until `session.ended`, checking order and feeding the meter; ends the session
/// (through `ender`) once `end_after` events were seen.
async fn read_all(
    events: impl futures_util::Stream<Item = jiga::Result<SessionEvent>>,
    ender: &Client,
    session_id: &str,
    end_after: u64,
) -> (Vec<u64>, DofMeter, Option<jiga::model::EndSessionResponse>) {
    let mut events = std::pin::pin!(events);
    let mut seqs = Vec::new();
    let mut meter = DofMeter::new();
    let mut ended = None;
    while let Some(ev) = events.next().await {
        let ev = ev.expect("no stream error");
        seqs.push(ev.seq);
        meter.observe(&ev).expect("totals agree");
        if ev.seq == end_after && ended.is_none() {
            ended = Some(ender.end_session(session_id).await.expect("end"));
        }
        if ev.kind.is_terminal() {
            break;
        }
    }
    assert!(
        events.next().await.is_none(),
        "the stream ends after session.ended"
    );
    (seqs, meter, ended)
}

#[tokio::test]
async fn the_stream_delivers_every_event_and_reconciles() {
    let h = Harness::start().await;
    let (_, agent) = h
        .published_agent(|r| {
            r.actions_per_second = 50;
            r.has_commentator = true;
        })
        .await;
    let hirer = h.funded(10_000).await;
    let sid = hirer
        .hire(&hire(&agent.id, 5_000))
        .await
        .expect("hire")
        .session
        .id;
    let (seqs, meter, ended) = read_all(hirer.session_events(&sid), &hirer, &sid, 60).await;
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    let ended = ended.expect("ended by the test");
    let settlement = meter.settlement().copied().expect("session.ended seen");
    assert_eq!(settlement, ended.settlement);
    let r = reconcile(&meter, &settlement).expect("reconciles");
    assert_eq!(r.consumed, ended.settlement.consumed);
    assert!(meter.charges() > 0);

    // Resuming after a seq replays only what follows it.
    let mut tail = std::pin::pin!(hirer.session_events_after(&sid, 10));
    let first = tail.next().await.expect("an event").expect("ok");
    assert_eq!(first.seq, 11);
}

#[tokio::test]
async fn every_seq_exactly_once_across_many_cuts() {
    let h = Harness::start().await;
    let (_, agent) = h
        .published_agent(|r| {
            r.actions_per_second = 250;
            r.has_commentator = true;
        })
        .await;
    let hirer = h.funded(200_000).await;
    let sid = hirer
        .hire(&hire(&agent.id, 100_000))
        .await
        .expect("hire")
        .session
        .id;

    let (proxy, cuts) = chopping_proxy(h.server.addr()).await;
    struct Count(AtomicUsize);
    impl RetryObserver for Count {
        fn on_retry(&self, _: &RetryEvent) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let reconnects = Arc::new(Count(AtomicUsize::new(0)));
    let viewer = Client::builder()
        .base_url(&proxy)
        .retry(RetryPolicy {
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(20),
            ..fast_retry()
        })
        .retry_observer(reconnects.clone())
        .token_store(Arc::new(MemoryTokenStore::with(hirer.tokens())))
        .build()
        .expect("client");

    let (seqs, meter, ended) = read_all(viewer.session_events(&sid), &hirer, &sid, 5000).await;
    assert_eq!(
        seqs,
        (1..=seqs.len() as u64).collect::<Vec<_>>(),
        "no gap, no duplicate"
    );
    assert!(seqs.len() >= 5000);
    let cuts = cuts.load(Ordering::SeqCst);
    assert!(cuts >= 1000, "only {cuts} cuts");
    assert!(reconnects.0.load(Ordering::SeqCst) >= 1000);
    let ended = ended.expect("ended");
    assert_eq!(ended.session.end_reason, Some(EndReason::EndedByHirer));
    let r = reconcile(&meter, &ended.settlement).expect("reconciles after the cuts");
    assert_eq!(r.consumed, ended.settlement.consumed);
    eprintln!("{} events across {cuts} cuts", seqs.len());
}

#[tokio::test]
async fn a_refused_stream_ends_with_the_reason() {
    let h = Harness::start().await;
    let (_, agent) = h.published_agent(|_| {}).await;
    let hirer = h.funded(1000).await;
    let sid = hirer
        .hire(&hire(&agent.id, 100))
        .await
        .expect("hire")
        .session
        .id;

    let stranger = h.user().await;
    let mut s = std::pin::pin!(stranger.session_events(&sid));
    let e = s.next().await.expect("an item").expect_err("refused");
    assert!(
        matches!(e, Error::NotFound { .. } | Error::Forbidden { .. }),
        "{e:?}"
    );
    assert!(s.next().await.is_none());

    let anonymous = h.client();
    let mut s = std::pin::pin!(anonymous.session_events(&sid));
    let e = s.next().await.expect("an item").expect_err("refused");
    assert!(matches!(e, Error::Unauthenticated { .. }), "{e:?}");

    let mut s = std::pin::pin!(hirer.session_events(&format!("ses_{}", unique("x"))));
    let e = s.next().await.expect("an item").expect_err("no session");
    assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
    let first = std::pin::pin!(hirer.session_events(&sid))
        .next()
        .await
        .expect("event")
        .expect("ok");
    assert!(matches!(first.kind, EventKind::Started { .. }));
}

#[tokio::test]
async fn a_4001_refreshes_the_token_and_reconnects() {
    let h = Harness::start_with(|c| c.access_token_ttl = 1).await;
    let (_, agent) = h.published_agent(|_| {}).await;
    let hirer = h.funded(1000).await;
    let sid = hirer
        .hire(&hire(&agent.id, 100))
        .await
        .expect("hire")
        .session
        .id;
    // Tokens the client believes fresh but the server has expired.
    let mut tokens = hirer.tokens().expect("tokens");
    tokens.expires_at = std::time::SystemTime::now() + Duration::from_secs(3600);
    let stale = tokens.access_token.clone();
    let viewer = h.client_at(&h.url, Arc::new(MemoryTokenStore::with(Some(tokens))));
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let first = std::pin::pin!(viewer.session_events(&sid))
        .next()
        .await
        .expect("an event")
        .expect("reconnected after a refresh");
    assert_eq!(first.seq, 1);
    assert_ne!(viewer.tokens().expect("tokens").access_token, stale);
}

#[tokio::test]
async fn the_connection_state_is_observable_from_connecting_to_ended() {
    let h = Harness::start().await;
    let (_, agent) = h.published_agent(|r| r.actions_per_second = 20).await;
    let hirer = h.funded(10_000).await;
    let sid = hirer
        .hire(&hire(&agent.id, 5_000))
        .await
        .expect("hire")
        .session
        .id;
    let mut events = hirer.session_events(&sid);
    assert_eq!(events.state(), jiga::client::ConnectionState::Connecting);
    let first = events.next().await.expect("an event").expect("ok");
    assert_eq!(first.seq, 1);
    assert_eq!(events.state(), jiga::client::ConnectionState::Live);
    hirer.end_session(&sid).await.expect("end");
    while let Some(ev) = events.next().await {
        ev.expect("no stream error");
    }
    assert_eq!(events.state(), jiga::client::ConnectionState::Ended);
}

#[tokio::test]
async fn a_command_on_the_socket_resolves_when_its_ack_comes_through() {
    let h = Harness::start().await;
    let (_, agent) = h.published_agent(|r| r.actions_per_second = 20).await;
    let hirer = h.funded(10_000).await;
    let sid = hirer
        .hire(&hire(&agent.id, 5_000))
        .await
        .expect("hire")
        .session
        .id;
    let mut events = hirer.session_events(&sid);
    let ack = events.command("focus-mid", serde_json::json!({"focus": "mid"}));
    let mut ack = std::pin::pin!(ack);
    let mut seen_ack_event = false;
    // Poll the stream (which reads the acknowledgement) and the command together.
    loop {
        tokio::select! {
            r = &mut ack => {
                r.expect("acknowledged");
                break;
            }
            ev = events.next() => {
                let ev = ev.expect("stream open").expect("ok");
                if let EventKind::CommandAck { command_id } = &ev.kind {
                    assert_eq!(command_id, "focus-mid");
                    seen_ack_event = true;
                }
            }
        }
    }
    // The application sees the acknowledgement as an event too (now or on its next read).
    while !seen_ack_event {
        let ev = tokio::time::timeout(Duration::from_secs(10), events.next())
            .await
            .expect("an event in time")
            .expect("stream open")
            .expect("ok");
        seen_ack_event =
            matches!(&ev.kind, EventKind::CommandAck { command_id } if command_id == "focus-mid");
    }
    // A command that breaks the contract's rules is refused before it is sent.
    let bad = events.command("", serde_json::json!({})).await;
    assert!(matches!(bad, Err(Error::InvalidArgument { .. })), "{bad:?}");
}

#[tokio::test]
async fn notifications_tell_the_owner_their_agent_was_hired() {
    let h = Harness::start().await;
    let (owner, agent) = h.published_agent(|_| {}).await;
    let hirer = h.funded(1_000).await;
    let mut notes = std::pin::pin!(owner.notifications());
    // The stream connects when first polled: poll it briefly so the subscription exists
    // before the hire (a poll cut short keeps the stream's progress).
    let early = tokio::time::timeout(Duration::from_millis(300), notes.next()).await;
    assert!(early.is_err(), "nothing to notify yet: {early:?}");
    let sid = hirer
        .hire(&hire(&agent.id, 500))
        .await
        .expect("hire")
        .session
        .id;
    let note = loop {
        let n = tokio::time::timeout(Duration::from_secs(10), notes.next())
            .await
            .expect("a notification in time")
            .expect("stream open")
            .expect("decodes");
        if n.kind == "agent.hired" {
            break n;
        }
    };
    let sid = Some(sid);
    let data: serde_json::Value = note.data.parse().expect("json");
    assert_eq!(data["sessionId"].as_str(), sid.as_deref());
    assert_eq!(data["agentId"].as_str(), Some(agent.id.as_str()));
}

/// A WebSocket connector that refuses its first `fail` connections on purpose, then opens
/// real ones through the default connector.
struct FlakyConnector {
    fail: AtomicUsize,
}

impl jiga::client::WsConnector for FlakyConnector {
    fn connect(
        &self,
        url: String,
        headers: Vec<(&'static str, String)>,
    ) -> jiga::client::BoxFuture<
        '_,
        Result<Box<dyn jiga::client::WsConnection>, jiga::client::WsOpenError>,
    > {
        Box::pin(async move {
            let left = self.fail.load(Ordering::SeqCst);
            if left > 0 {
                self.fail.store(left - 1, Ordering::SeqCst);
                return Err(jiga::client::WsOpenError::Failed(
                    jiga::client::TransportError::NotSent {
                        message: "refused (injected)".into(),
                        source: None,
                    },
                ));
            }
            jiga::client::TungsteniteConnector
                .connect(url, headers)
                .await
        })
    }
}

#[tokio::test]
async fn through_the_ws_seam_refused_connections_are_retried_and_nothing_is_lost() {
    let h = Harness::start().await;
    let (_, agent) = h.published_agent(|r| r.actions_per_second = 50).await;
    let funder = h.funded(10_000).await;
    let tokens = funder.tokens().expect("signed in");
    let client = Client::builder()
        .base_url(&h.url)
        .retry(fast_retry())
        .token_store(Arc::new(MemoryTokenStore::with(Some(tokens))))
        .ws_connector(Arc::new(FlakyConnector {
            fail: AtomicUsize::new(3),
        }))
        .build()
        .expect("client");
    let sid = client
        .hire(&hire(&agent.id, 5_000))
        .await
        .expect("hire")
        .session
        .id;
    let mut events = client.session_events(&sid);
    let states = events.state_changes();
    let first = events.next().await.expect("an event").expect("ok");
    assert_eq!(first.seq, 1);
    // Three refused connections later, the stream is live.
    assert_eq!(states.current(), jiga::client::ConnectionState::Live);
    let (seqs, meter, ended) = read_all(events, &client, &sid, 40).await;
    assert_eq!(
        seqs,
        (2..=seqs.len() as u64 + 1).collect::<Vec<_>>(),
        "every seq after the first, once"
    );
    let ended = ended.expect("ended");
    // `session.started` (seq 1) charges nothing, so the rest reconciles on its own.
    reconcile(&meter, &ended.settlement).expect("reconciles");
}

#[tokio::test]
async fn an_accounted_stream_ends_the_session_at_the_guards_cap_and_reconciles() {
    use jiga::Dof;
    use jiga::accounting::{GuardAction, GuardSpec};
    use jiga::client::StreamOptions;

    let h = Harness::start().await;
    let (_owner, agent) = h
        .published_agent(|r| {
            r.actions_per_second = 20;
            r.pricing = jiga::model::Pricing {
                per_minute: Dof::new(0),
                per_action: Dof::new(2),
            };
        })
        .await;
    let hirer = h.funded(500).await;
    let session = hirer
        .hire(&hire(&agent.id, 400))
        .await
        .expect("hire")
        .session;
    let guard = GuardSpec {
        cap: Some(Dof::new(20)),
        warn_at: vec![0.025],
    };
    let events = hirer.session_events_with(
        &session.id,
        StreamOptions::new().guard(guard).end_at_cap(true),
    );
    let (mut warned, mut ended_at, mut settled) = (0, None, None);
    while let Some(e) = events.next().await.expect("no stream error") {
        warned += e
            .actions
            .iter()
            .filter(|a| matches!(a, GuardAction::Warn(_)))
            .count();
        if let Some(end) = e.cap_end {
            ended_at = Some(e.consumed);
            settled = Some(
                end.expect("the stream ended the session")
                    .settlement
                    .consumed,
            );
        }
    }
    let (ended_at, settled) = (ended_at.expect("the cap fired"), settled.expect("settled"));
    assert_eq!(warned, 1, "10 DOF of 400 warns once");
    assert!(ended_at >= Dof::new(20), "{ended_at}");
    // The end reached the server before the next charge could be made, or one after it.
    assert!(
        settled <= ended_at.checked_add(Dof::new(2)).expect("small"),
        "{settled}"
    );
    let r = events
        .reconciled()
        .expect("seen whole")
        .expect("reconciles");
    assert_eq!(r.consumed, settled);
    assert_eq!(events.meter().consumed(), settled);
}

#[tokio::test]
async fn try_next_and_next_mixed_deliver_every_event_once_and_the_cap_event_through_next() {
    use std::task::Poll;

    use jiga::Dof;
    use jiga::accounting::GuardSpec;
    use jiga::client::StreamOptions;

    let h = Harness::start().await;
    let (_owner, agent) = h
        .published_agent(|r| {
            r.actions_per_second = 200;
            r.pricing = jiga::model::Pricing {
                per_minute: Dof::new(0),
                per_action: Dof::new(1),
            };
        })
        .await;
    let hirer = h.funded(1_000).await;
    let session = hirer
        .hire(&hire(&agent.id, 900))
        .await
        .expect("hire")
        .session;
    let guard = GuardSpec {
        cap: Some(Dof::new(60)),
        warn_at: vec![],
    };
    let events = hirer.session_events_with(
        &session.id,
        StreamOptions::new().guard(guard).end_at_cap(true),
    );
    let (mut seqs, mut without_waiting, mut cap_ends) = (Vec::new(), 0, 0);
    loop {
        let next = match events.try_next() {
            Poll::Ready(r) => {
                without_waiting += 1;
                r
            }
            Poll::Pending => events.next().await,
        };
        let Some(e) = next.expect("no stream error") else {
            break;
        };
        if let Some(end) = &e.cap_end {
            cap_ends += 1;
            assert!(end.is_ok(), "{end:?}");
            assert!(e.consumed >= Dof::new(60), "{}", e.consumed);
        }
        seqs.push(e.event.seq);
    }
    assert_eq!(
        seqs,
        (1..=seqs.len() as u64).collect::<Vec<_>>(),
        "gapless, once"
    );
    assert_eq!(cap_ends, 1, "the cap's end is sent once, by next");
    assert!(without_waiting > 0, "a 200/s agent leaves events waiting");
    events
        .reconciled()
        .expect("seen whole")
        .expect("reconciles");

    // The finished session's replay: its events are all there, nearly all taken without a wait.
    let replay = hirer.session_events_with(&session.id, StreamOptions::new());
    let (mut n, mut waited) = (0_u64, 0);
    loop {
        let next = match replay.try_next() {
            Poll::Ready(r) => r,
            Poll::Pending => {
                waited += 1;
                replay.next().await
            }
        };
        match next.expect("no stream error") {
            Some(e) => {
                n += 1;
                assert_eq!(e.event.seq, n);
            }
            None => break,
        }
    }
    assert_eq!(n, seqs.len() as u64);
    assert!(waited < n, "{waited} waits for {n} events");
}

/// A WebSocket connector that counts the connections it opens.
#[derive(Default)]
struct CountingConnector {
    opened: AtomicUsize,
}

impl jiga::client::WsConnector for CountingConnector {
    fn connect(
        &self,
        url: String,
        headers: Vec<(&'static str, String)>,
    ) -> jiga::client::BoxFuture<
        '_,
        Result<Box<dyn jiga::client::WsConnection>, jiga::client::WsOpenError>,
    > {
        self.opened.fetch_add(1, Ordering::SeqCst);
        jiga::client::TungsteniteConnector.connect(url, headers)
    }
}

#[tokio::test]
async fn regression_a_reader_pausing_in_a_replay_costs_no_reconnect() {
    // The driver used to read on while its queue was full, drop what it read and reconnect
    // once the reader caught up: a reader slower than the socket made it fetch the replay
    // over and over. Now TCP holds the server back and one connection serves the replay.
    let h = Harness::start().await;
    let (_owner, agent) = h.published_agent(|r| r.actions_per_second = 1000).await;
    let hirer = h.funded(100_000).await;
    let sid = hirer
        .hire(&hire(&agent.id, 90_000))
        .await
        .expect("hire")
        .session
        .id;
    // Record a finished session of more events than the driver queues (8 × 256).
    let live = hirer.session_events(&sid);
    while let Some(e) = live.next_event().await.expect("event") {
        if e.seq == 5_000 {
            hirer.end_session(&sid).await.expect("end");
        }
    }
    let total = hirer.session(&sid).await.expect("session").last_seq;
    assert!(total > 5_000, "{total}");

    let counting = Arc::new(CountingConnector::default());
    let reader = Client::builder()
        .base_url(&h.url)
        .token_store(Arc::new(MemoryTokenStore::with(hirer.tokens())))
        .ws_connector(counting.clone())
        .build()
        .expect("client");
    let replay = reader.session_events(&sid);
    let mut n = 0;
    while let Some(e) = replay.next_event().await.expect("event") {
        n += 1;
        assert_eq!(e.seq, n);
        if n % 1_000 == 1 {
            // Long enough for the driver to fill its queue and stall.
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }
    assert_eq!(n, total);
    assert_eq!(
        counting.opened.load(Ordering::SeqCst),
        1,
        "one connection for the replay"
    );
}
