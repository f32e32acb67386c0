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
