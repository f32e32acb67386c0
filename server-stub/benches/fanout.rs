//! Stream fan-out: events per second delivered to connected viewers of many fast sessions,
//! against a bare tokio-tungstenite broadcast server sending the same frames at the same pace
//! to the same number of clients, in the same run.
//!
//! Run with: `cargo bench -p jiga-server --bench fanout`
//! (`JIGA_BENCH_SESSIONS`, `JIGA_BENCH_VIEWERS`, `JIGA_BENCH_SECONDS` change the load.)
//!
//! jiga-server does everything a real session does — the agent runner, a durable ledger charge
//! per action, storage of every frame, the hub — while the baseline only broadcasts frames
//! from memory. Both use the same client code, in this process, on the same two cores.

// A benchmark reports its figures on stdout.
#![allow(clippy::print_stdout)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A viewer: counts text frames until the socket closes.
async fn viewer(url: String, token: Option<String>, count: Arc<AtomicU64>) {
    let mut req = url.into_client_request().expect("request");
    if let Some(t) = token {
        req.headers_mut().insert(
            "authorization",
            format!("Bearer {t}").parse().expect("header"),
        );
    }
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("connect");
    while let Some(Ok(m)) = ws.next().await {
        if let Message::Text(t) = m {
            // Touch the payload as a consumer would (and as the baseline's consumers do).
            std::hint::black_box(t.len());
            count.fetch_add(1, Ordering::Relaxed);
        }
    }
}

async fn measure(count: &AtomicU64, seconds: u64) -> f64 {
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (c0, t0) = (count.load(Ordering::Relaxed), Instant::now());
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    (count.load(Ordering::Relaxed) - c0) as f64 / t0.elapsed().as_secs_f64()
}

/// The bare server: per session a producer emitting `frames` at `per_sec` in 10 ms ticks into a
/// broadcast channel; per connection a task writing what it receives.
async fn bare_server(
    sessions: usize,
    frames: Arc<Vec<Utf8Bytes>>,
    per_sec: u64,
) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let channels: Vec<_> = (0..sessions)
        .map(|_| tokio::sync::broadcast::channel::<Utf8Bytes>(16384).0)
        .collect();
    for tx in channels.clone() {
        let frames = frames.clone();
        tokio::spawn(async move {
            let start = Instant::now();
            let mut sent = 0u64;
            let mut tick = tokio::time::interval(Duration::from_millis(10));
            loop {
                tick.tick().await;
                let due = start.elapsed().as_millis() as u64 * per_sec / 1000;
                while sent < due {
                    let _ = tx.send(frames[(sent % frames.len() as u64) as usize].clone());
                    sent += 1;
                }
            }
        });
    }
    tokio::spawn(async move {
        let mut n = 0usize;
        loop {
            let (tcp, _) = listener.accept().await.expect("accept");
            let _ = tcp.set_nodelay(true);
            let mut rx = channels[n % channels.len()].subscribe();
            n += 1;
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                    return;
                };
                while let Ok(f) = rx.recv().await {
                    if ws.feed(Message::Text(f)).await.is_err() {
                        return;
                    }
                    while let Ok(f) = rx.try_recv() {
                        if ws.feed(Message::Text(f)).await.is_err() {
                            return;
                        }
                    }
                    if ws.flush().await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// jiga-server with `sessions` fast sessions of `viewers` viewers each, for `seconds`: events
/// per second delivered, the writer's stats, one session's events per second and its frames.
/// `sinks`: the analytics export on, and the agent owner's webhook set (to a receiver on
/// loopback) and email on (to an SMTP receiver on loopback).
async fn run_server(
    sessions: usize,
    viewers: usize,
    seconds: u64,
    sinks: bool,
) -> (f64, jiga_server::db::WriteStats, f64, Vec<(u64, String)>) {
    let analytics = tempfile::tempdir().expect("tempdir");
    let dir = analytics.path().to_owned();
    let (smtp, _) = common::smtp_receiver().await;
    let b = common::start_with(move |c| {
        // Every viewer of a session signs in as its hirer: room for all of them (the
        // per-user cap of 32 would refuse half).
        c.max_ws_per_user = u32::try_from(viewers + 8).unwrap_or(u32::MAX);
        if sinks {
            c.analytics_dir = Some(dir);
            c.allow_private_webhooks = true;
            c.smtp_url = Some(smtp);
        }
    })
    .await;
    let owner = if sinks {
        b.email_user("owner@bench.test").await
    } else {
        b.user("bench-owner").await
    };
    if sinks {
        let url = common::webhook_receiver().await;
        let r = b
            .http
            .put(format!("{}/v1/users/me/webhook", b.url))
            .bearer_auth(&owner)
            .json(&serde_json::json!({"url": url}))
            .send()
            .await
            .expect("webhook");
        assert!(r.status().is_success());
    }
    let agent = b.agent(&owner, 1000, 1).await;
    let count = Arc::new(AtomicU64::new(0));
    let mut sids = Vec::new();
    for s in 0..sessions {
        let (t, sid) = b.session(s, &agent, 1_000_000).await;
        for _ in 0..viewers {
            let url = format!(
                "{}/v1/sessions/{sid}/stream",
                b.url.replace("http://", "ws://")
            );
            tokio::spawn(viewer(url, Some(t.clone()), count.clone()));
        }
        sids.push((t, sid));
    }
    let ours = measure(&count, seconds).await;
    let commits = b.server.state().db.write_stats();
    // What one session emits per second, as measured: the baseline's pace.
    let (t, sid) = &sids[0];
    let s: serde_json::Value = b
        .http
        .get(format!("{}/v1/sessions/{sid}", b.url))
        .bearer_auth(t)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let started = s["startedAt"]
        .as_str()
        .and_then(|v| v.parse::<jiga::Timestamp>().ok())
        .expect("startedAt");
    let per_session = s["lastSeq"].as_u64().expect("lastSeq") as f64
        / ((jiga::Timestamp::from(chrono::Utc::now()).unix_millis() - started.unix_millis())
            as f64
            / 1000.0);
    let pk_frames = {
        let key = sid.clone();
        b.server
            .state()
            .db
            .read(move |c| {
                let row = jiga_server::db::sessions::get(c, &key)?.expect("session");
                jiga_server::db::sessions::events_after(c, row.pk, 1, 4000)
            })
            .await
            .expect("frames")
    };
    b.server.state().shutdown.cancel();
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(b);
    (ours, commits, per_session, pk_frames)
}

fn main() {
    let sessions = env("JIGA_BENCH_SESSIONS", 16) as usize;
    let viewers = env("JIGA_BENCH_VIEWERS", 64) as usize;
    let seconds = env("JIGA_BENCH_SECONDS", 5);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        // jiga-server, with no outside sink and then with every sink on (v1.2).
        let (ours, commits, per_session, pk_frames) = run_server(sessions, viewers, seconds, false).await;
        let (with_sinks, _, _, _) = run_server(sessions, viewers, seconds, true).await;

        // The bare broadcast server, same frames, same pace, same number of clients.
        let frames: Arc<Vec<Utf8Bytes>> = Arc::new(pk_frames.into_iter().map(|(_, f)| Utf8Bytes::from(f.as_str())).collect());
        let addr = bare_server(sessions, frames, per_session.round() as u64).await;
        let count = Arc::new(AtomicU64::new(0));
        for _ in 0..sessions * viewers {
            tokio::spawn(viewer(format!("ws://{addr}/"), None, count.clone()));
        }
        let bare = measure(&count, seconds).await;

        println!("stream fan-out: {sessions} sessions x {viewers} viewers, 1000 actions/s per session, {seconds} s");
        println!("{:<46} {:>14}", "bare tokio-tungstenite broadcast (baseline)", format!("{bare:.0} ev/s"));
        println!("{:<46} {:>14}", "jiga-server (runner + ledger + storage + hub)", format!("{ours:.0} ev/s"));
        println!("events per session per second: {per_session:.0}; group commits so far: {} for {} jobs", commits.commits, commits.jobs);
        println!("{:<46} {:>14}", "  the same with every sink on (export, hooks, mail)", format!("{with_sinks:.0} ev/s"));
        println!("ratio: {:.2}x (target: at least 0.85x)", ours / bare);
        println!("every sink on vs none: {:.2}x (target: at least 0.8x)", with_sinks / ours);
    });
}
