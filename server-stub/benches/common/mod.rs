//! Shared set-up of the server benchmarks: an embedded server on a file database, and a few
//! API calls.

#![allow(dead_code)]

use jiga_server::{Config, RunningServer};
use serde_json::{Value, json};

pub struct Bench {
    pub server: RunningServer,
    pub http: reqwest::Client,
    pub url: String,
    _dir: tempfile::TempDir,
}

/// A webhook receiver on loopback that answers every POST to `/hook` with 204; its URL.
pub async fn webhook_receiver() -> String {
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(|| async { axum::http::StatusCode::NO_CONTENT }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// An SMTP receiver on loopback that takes every message and drops it (the email sink's
/// counterpart of [`webhook_receiver`]); its `smtp://` URL and how many messages it took.
pub async fn smtp_receiver() -> (String, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    use std::sync::atomic::Ordering;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("smtp://{}", listener.local_addr().expect("addr"));
    let taken = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let count = taken.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r);
                let mut line = String::new();
                let mut data = false;
                w.write_all(b"220 bench ESMTP\r\n").await?;
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok::<(), std::io::Error>(());
                    }
                    let reply: &[u8] = if data {
                        if line != ".\r\n" {
                            continue;
                        }
                        data = false;
                        count.fetch_add(1, Ordering::Relaxed);
                        b"250 OK\r\n"
                    } else {
                        match line.get(..4).map(str::to_ascii_uppercase).as_deref() {
                            Some("EHLO") => b"250-bench\r\n250 8BITMIME\r\n",
                            Some("DATA") => {
                                data = true;
                                b"354 go on\r\n"
                            }
                            Some("QUIT") => {
                                w.write_all(b"221 bye\r\n").await?;
                                return Ok(());
                            }
                            _ => b"250 OK\r\n",
                        }
                    };
                    w.write_all(reply).await?;
                }
            });
        }
    });
    (url, taken)
}

pub async fn start() -> Bench {
    start_with(|_| {}).await
}

/// [`start`] with `configure` applied to the test configuration first.
pub async fn start_with(configure: impl FnOnce(&mut Config)) -> Bench {
    let dir = tempfile::tempdir_in(std::env::var("JIGA_BENCH_DIR").unwrap_or_else(|_| ".".into()))
        .expect("tempdir");
    let mut config = Config::for_tests(format!(
        "sqlite://{}",
        dir.path().join("bench.db").display()
    ));
    configure(&mut config);
    let server = jiga_server::start(config).await.expect("server");
    let url = server.url();
    Bench {
        server,
        http: reqwest::Client::new(),
        url,
        _dir: dir,
    }
}

impl Bench {
    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        key: Option<&str>,
        body: Value,
    ) -> Value {
        let mut req = self.http.post(format!("{}{path}", self.url)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        let res = req.send().await.expect("send");
        assert!(res.status().is_success(), "{path}: {}", res.status());
        res.json().await.expect("json")
    }

    pub async fn user(&self, device: &str) -> String {
        self.post(
            "/v1/auth/anonymous",
            None,
            None,
            json!({"deviceId": device}),
        )
        .await["accessToken"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    /// A registered user (with an email address) who opted in to email notifications; their
    /// token.
    pub async fn email_user(&self, email: &str) -> String {
        let token = self
            .post(
                "/v1/auth/register",
                None,
                None,
                json!({"email": email, "password": "bench-password-1", "displayName": "Bench"}),
            )
            .await["accessToken"]
            .as_str()
            .expect("token")
            .to_owned();
        let r = self
            .http
            .patch(format!("{}/v1/users/me", self.url))
            .bearer_auth(&token)
            .json(&json!({"preferences": {"notifications": {"email": true}}}))
            .send()
            .await
            .expect("preferences");
        assert!(r.status().is_success(), "{}", r.status());
        token
    }

    pub async fn agent(&self, owner: &str, aps: u32, per_action: i64) -> String {
        let a = self
            .post(
                "/v1/agents",
                Some(owner),
                None,
                json!({"name": "Bench", "rank": "gold", "type": "teammate", "provider": "sim",
                "pricing": {"perMinute": 1, "perAction": per_action}, "actionsPerSecond": aps}),
            )
            .await;
        let id = a["id"].as_str().expect("id").to_owned();
        self.post(
            &format!("/v1/agents/{id}/publish"),
            Some(owner),
            None,
            json!({}),
        )
        .await;
        id
    }

    /// A funded hirer's new session of `agent`; returns (token, session id).
    pub async fn session(&self, n: usize, agent: &str, budget: i64) -> (String, String) {
        let t = self.user(&format!("bench-hirer-{n}")).await;
        self.post(
            "/v1/wallet/topups",
            Some(&t),
            Some(&format!("fund-{n}")),
            json!({"amount": budget, "provider": "dev"}),
        )
        .await;
        let h = self
            .post(
                "/v1/hires",
                Some(&t),
                Some(&format!("hire-{n}")),
                json!({"agentId": agent, "game": "bench", "budget": budget}),
            )
            .await;
        (t, h["session"]["id"].as_str().expect("sid").to_owned())
    }
}

/// Percentile of sorted samples.
pub fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}
