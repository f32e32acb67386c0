//! Crash test: the `jiga-server` binary under ledger load is killed with SIGKILL at random
//! moments, ten times, and restarted on the same database file. After every kill the ledger's
//! invariants hold (checked straight from the file), every acknowledged top-up is still there
//! (its key replays the stored answer and the wallet holds at least every acknowledged amount),
//! and sessions that were running resume. All outside channels are on (v1.2): afterwards every
//! committed bus event is in the analytics files exactly once, every notification of a user
//! with a webhook reached it at least once, under its id, and every notification that goes
//! out by email to a user who opted in reached the SMTP server (aiosmtpd on loopback) at least
//! once, named by its id.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use serde_json::{Value, json};

#[path = "channels/smtp.rs"]
mod smtp;

const KILLS: usize = 10;
const TOPUP_USERS: usize = 6;

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    // A failing assertion must not leave the server running (it would hold the test's
    // inherited descriptors, and its port, past the test).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(db: &str) -> Server {
    start_with(db, &[])
}

fn start_with(db: &str, extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jiga-server"))
        .args([
            "--bind",
            "127.0.0.1:0",
            "--db",
            db,
            "--jwt-secret",
            "crash-test-secret",
        ])
        .args(extra)
        .args([
            "--rate-limit-anonymous",
            "0",
            "--rate-limit-authenticated",
            "0",
        ])
        .env("JIGA_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("server binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    let url = line
        .trim()
        .strip_prefix("jiga-server listening on ")
        .expect("the contract's listening line")
        .to_owned();
    Server { child, url }
}

fn audit(db_path: &std::path::Path) -> jiga_server::db::ledger::Audit {
    let conn = rusqlite::Connection::open(db_path).expect("open the database file");
    jiga_server::db::ledger::audit(&conn).expect("audit")
}

struct Client {
    http: reqwest::Client,
    url: String,
}

impl Client {
    async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        key: Option<&str>,
        body: Value,
    ) -> Option<(u16, Value, bool)> {
        let mut req = self
            .http
            .post(format!("{}{}", self.url, path))
            .json(&body)
            .timeout(Duration::from_secs(5));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        let res = req.send().await.ok()?;
        let status = res.status().as_u16();
        let replayed = res.headers().contains_key("idempotent-replayed");
        Some((status, res.json().await.unwrap_or(Value::Null), replayed))
    }

    async fn put(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        let res = self
            .http
            .put(format!("{}{}", self.url, path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("put");
        (
            res.status().as_u16(),
            res.json().await.unwrap_or(Value::Null),
        )
    }

    async fn get(&self, path: &str, token: &str) -> Value {
        self.http
            .get(format!("{}{}", self.url, path))
            .bearer_auth(token)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json")
    }

    /// A registered user at `email` who opted in to email notifications; their token.
    async fn email_user(&self, email: &str) -> String {
        let (status, body, _) = self
            .post(
                "/v1/auth/register",
                None,
                None,
                json!({"email": email, "password": "crash-password-1", "displayName": "Crash"}),
            )
            .await
            .expect("register");
        assert_eq!(status, 201, "{body}");
        let token = body["accessToken"].as_str().expect("token").to_owned();
        let res = self
            .http
            .patch(format!("{}/v1/users/me", self.url))
            .bearer_auth(&token)
            .json(&json!({"preferences": {"notifications": {"email": true}}}))
            .send()
            .await
            .expect("preferences");
        assert_eq!(res.status().as_u16(), 200);
        token
    }

    /// `email_user` when the server sends email, else a device user.
    async fn user(&self, name: &str, email: bool) -> String {
        if email {
            self.email_user(&format!("{name}@crash.test")).await
        } else {
            self.sign_in(name).await
        }
    }

    async fn sign_in(&self, device: &str) -> String {
        let (status, body, _) = self
            .post(
                "/v1/auth/anonymous",
                None,
                None,
                json!({"deviceId": device}),
            )
            .await
            .expect("sign in");
        assert_eq!(status, 200);
        body["accessToken"].as_str().expect("token").to_owned()
    }
}

#[derive(Default)]
struct Ledger {
    /// (user index, key, amount) of every 201 answer.
    acked: Vec<(usize, String, i64)>,
    /// Amounts sent per user (acknowledged or not).
    sent: Vec<i64>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_never_loses_an_acknowledged_topup_or_breaks_the_ledger() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("crash.db");
    let db = format!("sqlite://{}", path.display());
    let analytics = dir.path().join("analytics");
    let mail = smtp::SmtpSink::start(0);
    let mut sinks = vec![
        "--analytics-dir",
        analytics.to_str().expect("utf-8 path"),
        "--allow-private-webhooks",
    ];
    if let Some(m) = &mail {
        sinks.extend(["--smtp-url", m.url.as_str()]);
    }
    let email = mail.is_some();
    let (hook_url, delivered) = webhook_receiver().await;
    let mut server = start_with(&db, &sinks);
    let c = Client {
        http: reqwest::Client::new(),
        url: server.url.clone(),
    };

    // A fast agent and a hirer whose sessions run through the kills.
    let owner = c.user("crash-owner", email).await;
    let (s, agent, _) = c
        .post("/v1/agents", Some(&owner), None, json!({"name": "Crash Dummy", "rank": "gold", "type": "teammate",
            "provider": "sim", "pricing": {"perMinute": 2, "perAction": 1}, "actionsPerSecond": 200}))
        .await
        .expect("create agent");
    assert_eq!(s, 201);
    let agent = agent["id"].as_str().expect("id").to_owned();
    let (s, _, _) = c
        .post(
            &format!("/v1/agents/{agent}/publish"),
            Some(&owner),
            None,
            json!({}),
        )
        .await
        .expect("publish");
    assert_eq!(s, 200);
    let hirer = c.user("crash-hirer", email).await;
    let (s, _, _) = c
        .post(
            "/v1/wallet/topups",
            Some(&hirer),
            Some("hirer-fund"),
            json!({"amount": 1_000_000, "provider": "dev"}),
        )
        .await
        .expect("fund");
    assert_eq!(s, 201);

    let mut tokens = Vec::new();
    for u in 0..TOPUP_USERS {
        // Half of them get email too.
        let t = c
            .user(&format!("crash-user-{u}"), email && u % 2 == 0)
            .await;
        let (s, body) = c
            .put("/v1/users/me/webhook", &t, json!({"url": hook_url}))
            .await;
        assert_eq!(s, 200, "{body}");
        tokens.push(t);
    }
    let ledger = Arc::new(Mutex::new(Ledger {
        acked: Vec::new(),
        sent: vec![0; TOPUP_USERS],
    }));
    let mut sessions: Vec<String> = Vec::new();

    for round in 0..KILLS {
        let c = Arc::new(Client {
            http: reqwest::Client::new(),
            url: server.url.clone(),
        });
        // Load: top-ups from every user, and hires.
        let mut load = Vec::new();
        for (u, token) in tokens.iter().enumerate() {
            let (c, token, ledger) = (c.clone(), token.clone(), ledger.clone());
            load.push(tokio::spawn(async move {
                for i in 0.. {
                    let key = format!("r{round}-u{u}-t{i}");
                    let amount = 1 + (i % 50) as i64;
                    ledger.lock().expect("lock").sent[u] += amount;
                    match c
                        .post(
                            "/v1/wallet/topups",
                            Some(&token),
                            Some(&key),
                            json!({"amount": amount, "provider": "dev"}),
                        )
                        .await
                    {
                        Some((201, _, _)) => {
                            ledger.lock().expect("lock").acked.push((u, key, amount))
                        }
                        Some((s, b, _)) => panic!("top-up answered {s}: {b}"),
                        None => return,
                    }
                }
            }));
        }
        {
            let (c, hirer, agent) = (c.clone(), hirer.clone(), agent.clone());
            load.push(tokio::spawn(async move {
                for i in 0..3 {
                    let key = format!("r{round}-hire{i}");
                    if c.post(
                        "/v1/hires",
                        Some(&hirer),
                        Some(&key),
                        json!({"agentId": agent, "game": "chess", "budget": 5_000}),
                    )
                    .await
                    .is_none()
                    {
                        return;
                    }
                }
            }));
        }
        let wait = rand::rng().random_range(150..700);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        server.child.kill().expect("SIGKILL");
        server.child.wait().expect("reaped");
        for t in load {
            t.abort();
        }

        let a = audit(&path);
        assert_eq!(
            (a.entries_sum, a.negative_user_accounts, a.drifted_balances),
            (0, 0, 0),
            "after kill {round}"
        );

        server = start_with(&db, &sinks);
        let c = Client {
            http: reqwest::Client::new(),
            url: server.url.clone(),
        };
        let acked: Vec<_> = ledger.lock().expect("lock").acked.clone();
        let sent = ledger.lock().expect("lock").sent.clone();
        for (u, token) in tokens.iter().enumerate() {
            let acked_sum: i64 = acked
                .iter()
                .filter(|(w, _, _)| *w == u)
                .map(|(_, _, a)| a)
                .sum();
            let wallet = c.get("/v1/wallet", token).await;
            let balance = wallet["balance"].as_i64().expect("balance");
            assert!(
                balance >= acked_sum,
                "kill {round}, user {u}: balance {balance} lost acknowledged top-ups ({acked_sum})"
            );
            assert!(
                balance <= sent[u],
                "kill {round}, user {u}: balance {balance} above everything sent ({})",
                sent[u]
            );
        }
        // Every acknowledged key of this round replays its stored answer.
        for (u, key, amount) in acked
            .iter()
            .filter(|(_, k, _)| k.starts_with(&format!("r{round}-")))
        {
            let (s, body, replayed) = c
                .post(
                    "/v1/wallet/topups",
                    Some(&tokens[*u]),
                    Some(key),
                    json!({"amount": amount, "provider": "dev"}),
                )
                .await
                .expect("replay");
            assert_eq!(
                (s, replayed),
                (201, true),
                "kill {round}: key {key} not replayed: {body}"
            );
        }
        let listed = c.get("/v1/sessions?status=active&limit=100", &hirer).await;
        for s in listed["items"].as_array().expect("items") {
            let id = s["id"].as_str().expect("id").to_owned();
            if !sessions.contains(&id) {
                sessions.push(id);
            }
        }
    }

    // Sessions that were running at the kills resume: their seq moves on after a restart.
    let c = Client {
        http: reqwest::Client::new(),
        url: server.url.clone(),
    };
    let mut resumed = 0;
    for id in &sessions {
        let before = c.get(&format!("/v1/sessions/{id}"), &hirer).await;
        if before["status"] != "active" {
            continue;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let after = c.get(&format!("/v1/sessions/{id}"), &hirer).await;
        assert!(
            after["lastSeq"].as_u64() > before["lastSeq"].as_u64() || after["status"] == "ended",
            "session {id} did not resume"
        );
        resumed += 1;
        let (s, body, _) = c
            .post(
                &format!("/v1/sessions/{id}/end"),
                Some(&hirer),
                Some(&format!("end-{id}")),
                json!({}),
            )
            .await
            .expect("end");
        assert!(s == 200 || s == 409, "end {id}: {s} {body}");
    }
    assert!(resumed > 0, "no session was running across a kill");
    let w = c.get("/v1/wallet", &hirer).await;
    assert_eq!(w["held"], 0, "every session settled: {w}");
    // The sinks catch up: the export reaches the outbox's head, no delivery is waiting.
    let mut caught_up = false;
    for _ in 0..600 {
        let conn = rusqlite::Connection::open(&path).expect("open");
        // The fan-out past the head (it tries each delivery once before it moves on), and
        // nothing queued for a retry.
        let (head, exported, fanned, waiting): (i64, i64, i64, i64) = conn
            .query_row(
                "SELECT (SELECT COALESCE(MAX(seq), 0) FROM outbox),
                        (SELECT COALESCE(MAX(seq), 0) FROM outbox_progress WHERE sink = 'analytics'),
                        (SELECT COALESCE(MAX(seq), 0) FROM outbox_progress WHERE sink = 'deliveries'),
                        (SELECT COUNT(*) FROM deliveries)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .expect("progress");
        if head > 0 && exported == head && fanned == head && waiting == 0 {
            caught_up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        caught_up,
        "the analytics export or the webhooks did not catch up"
    );
    server.child.kill().expect("kill");
    let _ = server.child.wait();
    let a = audit(&path);
    assert_eq!(
        (a.entries_sum, a.negative_user_accounts, a.drifted_balances),
        (0, 0, 0)
    );

    // Every committed bus event is in the analytics files exactly once.
    let conn = rusqlite::Connection::open(&path).expect("open");
    let mut stmt = conn
        .prepare("SELECT id, recipients, type FROM outbox ORDER BY seq")
        .expect("outbox");
    let rows: Vec<(String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows");
    let mut exported: std::collections::HashMap<String, usize> = Default::default();
    for entry in std::fs::read_dir(&analytics).expect("analytics dir") {
        let p = entry.expect("entry").path();
        if p.extension().is_some_and(|e| e == "ndjson") {
            for line in std::fs::read_to_string(&p).expect("read").lines() {
                let v: Value = serde_json::from_str(line).expect("a JSON line");
                assert_eq!(v["metadata"]["version"], "1.0");
                *exported
                    .entry(v["id"].as_str().expect("id").to_owned())
                    .or_default() += 1;
            }
        }
    }
    let doubled: Vec<_> = exported.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "exported twice: {doubled:?}");
    let missing: Vec<_> = rows
        .iter()
        .filter(|(id, _, _)| !exported.contains_key(id))
        .collect();
    assert!(missing.is_empty(), "{} events not exported", missing.len());
    assert_eq!(
        exported.len(),
        rows.len(),
        "lines of events that never committed"
    );

    // Every notification of a user with a webhook reached it at least once.
    let users: std::collections::HashSet<String> = conn
        .prepare("SELECT user_id FROM user_webhooks")
        .expect("hooks")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows");
    let got = delivered.lock().expect("lock").clone();
    let mut expected = 0;
    for (_, recipients, _) in &rows {
        let recipients: Vec<[String; 2]> = serde_json::from_str(recipients).expect("recipients");
        for [user, id] in recipients {
            if users.contains(&user) {
                expected += 1;
                assert!(
                    got.contains(&id),
                    "notification {id} of {user} never delivered"
                );
            }
        }
    }
    assert!(expected > 0, "no notification went to a webhook");

    // Every notification that goes out by email to a user who opted in reached the SMTP server
    // at least once, named by its id; nothing else was mailed.
    if let Some(mail) = &mail {
        let mailed: std::collections::HashSet<String> =
            mail.messages().iter().map(smtp::notification_id).collect();
        let wanting: std::collections::HashSet<String> = conn
            .prepare(
                "SELECT id FROM users WHERE email IS NOT NULL
                 AND json_type(preferences, '$.notifications.email') = 'true'",
            )
            .expect("users")
            .query_map([], |r| r.get(0))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("rows");
        let mut due = std::collections::HashSet::new();
        for (_, recipients, kind) in &rows {
            if !jiga_server::channels::email::EMAIL_TYPES.contains(&kind.as_str()) {
                continue;
            }
            let recipients: Vec<[String; 2]> =
                serde_json::from_str(recipients).expect("recipients");
            for [user, id] in recipients {
                if wanting.contains(&user) {
                    assert!(mailed.contains(&id), "{kind} {id} of {user} never mailed");
                    due.insert(id);
                }
            }
        }
        assert!(
            due.len() > TOPUP_USERS,
            "too few emails to mean anything: {}",
            due.len()
        );
        let stray: Vec<_> = mailed.difference(&due).collect();
        assert!(
            stray.is_empty(),
            "mailed, but not a notification to mail: {stray:?}"
        );
    }
}

/// A webhook receiver on loopback: its URL and the delivery ids it got.
async fn webhook_receiver() -> (String, Arc<Mutex<std::collections::HashSet<String>>>) {
    let got: Arc<Mutex<std::collections::HashSet<String>>> = Arc::default();
    let seen = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap| {
            let seen = seen.clone();
            async move {
                if let Some(id) = headers
                    .get("jiga-delivery-id")
                    .and_then(|v| v.to_str().ok())
                {
                    seen.lock().expect("lock").insert(id.to_owned());
                }
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, got)
}

#[tokio::test]
async fn sigterm_closes_streams_with_1001_and_exits_0_within_10_s() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("term.db").display());
    let mut server = start(&db);
    let c = Client {
        http: reqwest::Client::new(),
        url: server.url.clone(),
    };
    let owner = c.sign_in("term-owner").await;
    let (_, agent, _) = c
        .post(
            "/v1/agents",
            Some(&owner),
            None,
            json!({"name": "T", "rank": "gold", "type": "coach", "provider": "sim",
            "pricing": {"perMinute": 1, "perAction": 0}, "actionsPerSecond": 5}),
        )
        .await
        .expect("agent");
    let agent = agent["id"].as_str().expect("id").to_owned();
    c.post(
        &format!("/v1/agents/{agent}/publish"),
        Some(&owner),
        None,
        json!({}),
    )
    .await
    .expect("publish");
    let hirer = c.sign_in("term-hirer").await;
    c.post(
        "/v1/wallet/topups",
        Some(&hirer),
        Some("f"),
        json!({"amount": 100, "provider": "dev"}),
    )
    .await
    .expect("fund");
    let (_, h, _) = c
        .post(
            "/v1/hires",
            Some(&hirer),
            Some("h"),
            json!({"agentId": agent, "game": "g", "budget": 100}),
        )
        .await
        .expect("hire");
    let sid = h["session"]["id"].as_str().expect("sid").to_owned();
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!(
        "{}/v1/sessions/{sid}/stream",
        server.url.replace("http://", "ws://")
    )
    .into_client_request()
    .expect("req");
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {hirer}").parse().expect("header"),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("connect");
    ws.next().await.expect("first event").expect("ok");

    let started = std::time::Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(status.success());
    let code = loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("close within 10 s")
        {
            Some(Ok(tokio_tungstenite::tungstenite::Message::Close(c))) => {
                break c.map(|c| u16::from(c.code));
            }
            Some(Ok(_)) => {}
            _ => break None,
        }
    };
    assert_eq!(code, Some(1001));
    let exit = tokio::task::spawn_blocking(move || server.child.wait())
        .await
        .expect("join")
        .expect("wait");
    assert!(exit.success(), "exit status {exit:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
}
