//! Idle stream connections: the server's resident memory per open session-stream WebSocket.
//!
//! Run with: `cargo bench -p jiga-server --bench idle` (`JIGA_BENCH_CONNECTIONS`, default
//! 10 000).
//!
//! The release `jiga-server` binary runs as a child process so its memory is its own. The
//! benchmark opens the connections to quiet sessions (one action per second) and reads the
//! child's `VmRSS` before and after; the difference divided by the number of connections is
//! the cost of one idle viewer (target: at most 30 KB).

// A benchmark reports its figures on stdout.
#![allow(clippy::print_stdout)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS")
}

fn raise_fd_limit() -> u64 {
    let (_, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).expect("getrlimit");
    rlimit::setrlimit(rlimit::Resource::NOFILE, hard, hard).expect("setrlimit");
    hard
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    key: Option<&str>,
    body: Value,
) -> Value {
    let mut req = http.post(url).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    req.send().await.expect("send").json().await.expect("json")
}

fn main() {
    let connections: usize = std::env::var("JIGA_BENCH_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let limit = raise_fd_limit();
    // Client and server are separate processes, each holding one descriptor per connection.
    assert!(
        limit as usize > connections + 1000,
        "open-file limit {limit} is too low for {connections} connections"
    );
    let dir = tempfile::tempdir_in(std::env::var("JIGA_BENCH_DIR").unwrap_or_else(|_| ".".into()))
        .expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("idle.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_jiga-server"))
        .args([
            "--bind",
            "127.0.0.1:0",
            "--db",
            &db,
            "--jwt-secret",
            "idle-bench",
        ])
        .args([
            "--rate-limit-anonymous",
            "0",
            "--rate-limit-authenticated",
            "0",
        ])
        .env("JIGA_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("server");
    let pid = child.id();
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("line");
    let url = line
        .trim()
        .trim_start_matches("jiga-server listening on ")
        .to_owned();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let http = reqwest::Client::new();
        let sign_in = |d: String| {
            let (http, url) = (http.clone(), url.clone());
            async move {
                post(&http, &format!("{url}/v1/auth/anonymous"), None, None, json!({"deviceId": d})).await["accessToken"]
                    .as_str()
                    .expect("token")
                    .to_owned()
            }
        };
        let owner = sign_in("owner".into()).await;
        let agent = post(&http, &format!("{url}/v1/agents"), Some(&owner), None, json!({"name": "Quiet", "rank": "gold",
            "type": "coach", "provider": "sim", "pricing": {"perMinute": 1, "perAction": 0}, "actionsPerSecond": 1})).await;
        let agent = agent["id"].as_str().expect("id").to_owned();
        post(&http, &format!("{url}/v1/agents/{agent}/publish"), Some(&owner), None, json!({})).await;
        let sessions = 100usize;
        let mut targets = Vec::new();
        for s in 0..sessions {
            let t = sign_in(format!("hirer{s}")).await;
            post(&http, &format!("{url}/v1/wallet/topups"), Some(&t), Some("f"), json!({"amount": 1000, "provider": "dev"})).await;
            let h = post(&http, &format!("{url}/v1/hires"), Some(&t), Some("h"), json!({"agentId": agent, "game": "idle", "budget": 1000})).await;
            targets.push((t, h["session"]["id"].as_str().expect("sid").to_owned()));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let before = rss_kib(pid);
        let mut sockets = Vec::with_capacity(connections);
        let cfg = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0);
        for i in 0..connections {
            let (t, sid) = &targets[i % sessions];
            let mut req = format!("{}/v1/sessions/{sid}/stream", url.replace("http://", "ws://")).into_client_request().expect("req");
            req.headers_mut().insert("authorization", format!("Bearer {t}").parse().expect("header"));
            let (ws, _) = tokio_tungstenite::connect_async_with_config(req, Some(cfg), true).await.expect("connect");
            // Each viewer reads in the background, as an idle client would.
            sockets.push(tokio::spawn(async move {
                let mut ws = ws;
                while let Some(Ok(_)) = ws.next().await {}
            }));
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        let after = rss_kib(pid);
        let per = (after.saturating_sub(before)) as f64 * 1024.0 / connections as f64;
        println!("idle session-stream connections: {connections} over {sessions} quiet sessions");
        println!("server RSS before: {before} KiB, after: {after} KiB");
        println!("per connection: {:.1} KB (target: at most 30 KB; tungstenite's defaults alone buffer 128 KiB)", per / 1000.0);
        for s in sockets {
            s.abort();
        }
    });
    let _ = child.kill();
    let _ = child.wait();
}
