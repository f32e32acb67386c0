//! Test harness: the real server on 127.0.0.1:0 over a real SQLite file, and a small HTTP
//! helper that speaks the contract directly (no SDK), as an independent client would.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};

use jiga_server::{Config, RunningServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub struct TestServer {
    pub server: Option<RunningServer>,
    pub url: String,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A unique suffix for emails, device ids and idempotency keys.
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config =
            Config::for_tests(format!("sqlite://{}", dir.path().join("jiga.db").display()));
        tweak(&mut config);
        let server = jiga_server::start(config).await.expect("server starts");
        let url = server.url();
        TestServer {
            server: Some(server),
            url,
            http: reqwest::Client::new(),
            _dir: dir,
        }
    }

    pub fn state(&self) -> &jiga_server::AppState {
        self.server.as_ref().expect("running").state()
    }

    pub fn ws_url(&self, path: &str) -> String {
        format!("{}{}", self.url.replace("http://", "ws://"), path)
    }

    /// Sends a request; returns status, headers and the JSON body (Null when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        idem: Option<&str>,
    ) -> Resp {
        let mut req = self.http.request(method, format!("{}{}", self.url, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(k) = idem {
            req = req.header("Idempotency-Key", k);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request sent");
        Resp::read(res).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.call(Method::GET, path, token, None, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.call(Method::POST, path, token, Some(body), None).await
    }

    pub async fn post_idem(&self, path: &str, token: &str, body: Option<Value>, key: &str) -> Resp {
        self.call(Method::POST, path, Some(token), body, Some(key))
            .await
    }

    /// A fresh signed-in device user; returns (token, user id).
    pub async fn user(&self) -> (String, String) {
        let r = self
            .post(
                "/v1/auth/anonymous",
                None,
                json!({"deviceId": unique("dev")}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        (
            r.body["accessToken"].as_str().expect("token").to_owned(),
            r.body["user"]["id"].as_str().expect("id").to_owned(),
        )
    }

    /// A user with `dof` DOF topped up through the dev provider.
    pub async fn funded_user(&self, dof: i64) -> (String, String) {
        let (t, id) = self.user().await;
        if dof > 0 {
            let r = self
                .post_idem(
                    "/v1/wallet/topups",
                    &t,
                    Some(json!({"amount": dof, "provider": "dev"})),
                    &unique("top"),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
        (t, id)
    }

    /// A published agent owned by a new user; returns (owner token, agent id).
    pub async fn published_agent(&self, extra: Value) -> (String, String) {
        let (owner, _) = self.user().await;
        let mut body = json!({
            "name": "Test Agent", "rank": "gold", "type": "teammate", "provider": "openai",
            "pricing": {"perMinute": 10, "perAction": 1}, "games": ["chess"], "actionsPerSecond": 5
        });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        let r = self.post("/v1/agents", Some(&owner), body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.body["id"].as_str().expect("id").to_owned();
        let r = self
            .post(&format!("/v1/agents/{id}/publish"), Some(&owner), json!({}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        (owner, id)
    }

    /// Hires `agent` with `budget`; returns the session id.
    pub async fn hire(&self, token: &str, agent: &str, budget: i64) -> String {
        let r = self
            .post_idem(
                "/v1/hires",
                token,
                Some(json!({"agentId": agent, "game": "chess", "budget": budget})),
                &unique("hire"),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body["session"]["id"]
            .as_str()
            .expect("session id")
            .to_owned()
    }

    /// Tops `token`'s wallet up by `amount` DOF through the dev provider.
    pub async fn top_up(&self, token: &str, amount: i64) {
        let r = self
            .post_idem(
                "/v1/wallet/topups",
                token,
                Some(json!({"amount": amount, "provider": "dev"})),
                &unique("top"),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }

    /// The ledger's invariants, straight from storage.
    pub async fn audit(&self) -> jiga_server::db::ledger::Audit {
        self.state()
            .db
            .read(jiga_server::db::ledger::audit)
            .await
            .expect("audit")
    }

    /// Stops the server and starts a new one (test configuration) on the same database.
    pub async fn restart(self) -> TestServer {
        self.restart_with(|_| {}).await
    }

    /// Stops the server and starts a new one on the same database, its test configuration
    /// changed by `tweak`.
    pub async fn restart_with(mut self, tweak: impl FnOnce(&mut Config)) -> TestServer {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
        let mut config = Config::for_tests(format!(
            "sqlite://{}",
            self._dir.path().join("jiga.db").display()
        ));
        tweak(&mut config);
        let server = jiga_server::start(config).await.expect("server restarts");
        TestServer {
            url: server.url(),
            server: Some(server),
            http: reqwest::Client::new(),
            _dir: self._dir,
        }
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub raw: bytes::Bytes,
}

impl Resp {
    pub async fn read(res: reqwest::Response) -> Resp {
        let status = res.status();
        let headers = res.headers().clone();
        let raw = res.bytes().await.expect("body");
        let body = if raw.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&raw).unwrap_or(Value::Null)
        };
        Resp {
            status,
            headers,
            body,
            raw,
        }
    }

    /// Asserts a 400 `invalid_argument` whose message names `field`.
    pub fn assert_invalid_field(&self, field: &str) {
        self.assert_error(400, "invalid_argument");
        assert_eq!(
            self.body["error"]["details"]["field"], field,
            "details.field does not name '{field}': {}",
            self.body
        );
    }

    /// Asserts the contract's error shape and code.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert_eq!(self.body["error"]["code"], code, "body: {}", self.body);
        assert!(
            self.body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        let rid = self
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .expect("X-Request-Id");
        assert_eq!(self.body["error"]["requestId"], rid);
        // Contract v1.1: `details` carries what a program acts on, per code.
        let details = &self.body["error"]["details"];
        match code {
            "invalid_argument" => assert!(details["field"].is_string(), "body: {}", self.body),
            "insufficient_funds" => {
                assert!(details["needed"].is_i64(), "body: {}", self.body);
                assert!(details["available"].is_i64(), "body: {}", self.body);
            }
            "rate_limited" => {
                let header = self
                    .headers
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .expect("Retry-After");
                assert_eq!(details["retryAfter"], header, "body: {}", self.body);
            }
            "payload_too_large" => assert!(details["limit"].is_u64(), "body: {}", self.body),
            _ => assert!(
                details.is_null() || details.as_object().is_some_and(|o| o.is_empty()),
                "body: {}",
                self.body
            ),
        }
    }
}
