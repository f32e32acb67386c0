//! Client throughput: events per second delivered to application code through the
//! `SessionStream` handle's `next_event()` (decoded `SessionEvent`s, with resume bookkeeping,
//! handed over from the stream's driver task), against a bare
//! tokio-tungstenite client reading and decoding the same stream from the same server, in the
//! same run.
//!
//! Run with: `cargo bench -p jiga-core --bench replay` (`JIGA_BENCH_EVENTS`, default 40 000).
//!
//! As `shared/notes/design.md` prescribes, the stream is the replay (`afterSeq=0`) of a
//! finished session holding many events: a live session only produces events as fast as its
//! agent acts. Each reader replays the whole session several times, alternating, and the best
//! run of each is reported.

// A benchmark reports its figures on stdout.
#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use jiga::Dof;
use jiga::SessionEvent;
use jiga::client::Client;
use jiga::model::{
    AgentType, CreateAgentRequest, HireRequest, Pricing, Rank, TopupProvider, TopupRequest,
};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const RUNS: usize = 4;

async fn ours(client: &Client, session: &str) -> (u64, Duration) {
    let start = Instant::now();
    let mut n = 0u64;
    let events = client.session_events(session);
    while let Some(ev) = events.next_event().await.expect("event") {
        std::hint::black_box(ev);
        n += 1;
    }
    (n, start.elapsed())
}

async fn bare(ws_url: &str, token: &str) -> (u64, Duration) {
    let start = Instant::now();
    let mut req = ws_url.into_client_request().expect("request");
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("connect");
    let mut n = 0u64;
    while let Some(Ok(m)) = ws.next().await {
        match m {
            Message::Text(t) => {
                std::hint::black_box(SessionEvent::from_json(t.as_str()).expect("decodes"));
                n += 1;
            }
            Message::Close(_) => break,
            _ => {}
        }
    }
    (n, start.elapsed())
}

fn main() {
    let want: u64 = std::env::var("JIGA_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let dir =
            tempfile::tempdir_in(std::env::var("JIGA_BENCH_DIR").unwrap_or_else(|_| ".".into()))
                .expect("tempdir");
        let config = jiga_server::Config::for_tests(format!(
            "sqlite://{}",
            dir.path().join("replay.db").display()
        ));
        let server = jiga_server::start(config).await.expect("server");
        let url = server.url();

        // Record one finished session with `want` events from a fast agent.
        let owner = Client::builder().base_url(&url).build().expect("client");
        owner.sign_in_device("replay-owner").await.expect("owner");
        let agent = owner
            .create_agent(&CreateAgentRequest {
                name: "Replay".into(),
                description: String::new(),
                tags: vec![],
                specializations: vec![],
                games: vec!["bench".into()],
                rank: Rank::Gold,
                agent_type: AgentType::Teammate,
                provider: "sim".into(),
                has_voice_chat: false,
                has_commentator: true,
                pricing: Pricing {
                    per_minute: Dof::new(1),
                    per_action: Dof::new(1),
                },
                actions_per_second: 1000,
                image_url: None,
                nationality: None,
            })
            .await
            .expect("agent");
        owner.publish_agent(&agent.id).await.expect("publish");
        let hirer = Client::builder().base_url(&url).build().expect("client");
        hirer.sign_in_device("replay-hirer").await.expect("hirer");
        hirer
            .topup(&TopupRequest {
                amount: Dof::new(1_000_000),
                provider: TopupProvider::Dev,
            })
            .await
            .expect("topup");
        let hired = hirer
            .hire(&HireRequest {
                agent_id: agent.id.clone(),
                game: "bench".into(),
                budget: Dof::new(1_000_000),
                max_minutes: None,
                expected_pricing: None,
            })
            .await
            .expect("hire");
        let sid = hired.session.id;
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            if hirer.session(&sid).await.expect("session").last_seq >= want {
                break;
            }
        }
        hirer.end_session(&sid).await.expect("end");
        let total = hirer.session(&sid).await.expect("session").last_seq;

        let token = hirer.tokens().expect("signed in").access_token;
        let ws_url = format!(
            "{}/v1/sessions/{sid}/stream",
            url.replace("http://", "ws://")
        );
        println!("replay of a finished session of {total} events, best of {RUNS} runs each");
        // Two places a reader runs: on the thread that blocks on the runtime (as a C host or
        // a sync Python call does), and as a task of the runtime (an async application).
        for as_task in [false, true] {
            let (mut best_ours, mut best_bare) = (0f64, 0f64);
            for _ in 0..RUNS {
                let (n, t) = if as_task {
                    let (u, tk) = (ws_url.clone(), token.clone());
                    tokio::spawn(async move { bare(&u, &tk).await })
                        .await
                        .expect("task")
                } else {
                    bare(&ws_url, &token).await
                };
                assert_eq!(n, total, "the bare client read the whole session");
                best_bare = best_bare.max(n as f64 / t.as_secs_f64());
                let (n, t) = if as_task {
                    let (c, s) = (hirer.clone(), sid.clone());
                    tokio::spawn(async move { ours(&c, &s).await })
                        .await
                        .expect("task")
                } else {
                    ours(&hirer, &sid).await
                };
                assert_eq!(n, total, "session_events delivered the whole session");
                best_ours = best_ours.max(n as f64 / t.as_secs_f64());
            }
            let place = if as_task {
                "reader as a task"
            } else {
                "reader blocking on the runtime"
            };
            println!("-- {place}");
            println!(
                "{:<56} {:>12}",
                "bare tokio-tungstenite client + SessionEvent::from_json",
                format!("{best_bare:.0} ev/s")
            );
            println!(
                "{:<56} {:>12}",
                "jiga SessionStream::next_event",
                format!("{best_ours:.0} ev/s")
            );
            println!(
                "ratio: {:.2}x (target: at least 0.9x)",
                best_ours / best_bare
            );
        }
        server.shutdown().await;
    });
}
