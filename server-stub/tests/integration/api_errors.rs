//! Tests: api_errors. The error body and codes for bad routes, methods and bodies; request ids;
//! operations routes (`/health`, `/ready`, `/metrics`, `/v1/openapi.json`); gzip; rate limits;
//! CORS.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

async fn raw(ts: &TestServer, method: Method, path: &str, body: &'static [u8]) -> Resp {
    let r = ts
        .http
        .request(method, format!("{}{path}", ts.url))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .expect("sent");
    Resp::read(r).await
}

fn header<'a>(r: &'a Resp, name: &str) -> Option<&'a str> {
    r.headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn an_unknown_route_is_not_found_with_the_error_body() {
    let ts = TestServer::start().await;
    for path in ["/v1/nope", "/nope", "/v2/wallet", "/v1/agents/x/y/z"] {
        let r = ts.get(path, None).await;
        r.assert_error(404, "not_found");
        assert!(
            header(&r, "content-type").is_some_and(|c| c.starts_with("application/json")),
            "{path}"
        );
    }
    ts.post("/v1/nope", None, json!({}))
        .await
        .assert_error(404, "not_found");
}

#[tokio::test]
async fn a_known_path_with_another_method_is_method_not_allowed() {
    let ts = TestServer::start().await;
    ts.call(Method::DELETE, "/v1/wallet", None, None, None)
        .await
        .assert_error(405, "method_not_allowed");
    let (token, _) = ts.user().await;
    ts.call(Method::DELETE, "/v1/wallet", Some(&token), None, None)
        .await
        .assert_error(405, "method_not_allowed");
    ts.call(
        Method::PUT,
        "/v1/users/me",
        Some(&token),
        Some(json!({})),
        None,
    )
    .await
    .assert_error(405, "method_not_allowed");
    ts.get("/v1/auth/login", None)
        .await
        .assert_error(405, "method_not_allowed");
    ts.call(Method::POST, "/health", None, Some(json!({})), None)
        .await
        .assert_error(405, "method_not_allowed");
}

#[tokio::test]
async fn malformed_bodies_are_invalid_arguments() {
    let ts = TestServer::start().await;
    raw(&ts, Method::POST, "/v1/auth/register", b"{\"email\": ")
        .await
        .assert_error(400, "invalid_argument");
    raw(&ts, Method::POST, "/v1/auth/register", b"not json at all")
        .await
        .assert_error(400, "invalid_argument");
    raw(&ts, Method::POST, "/v1/auth/register", b"")
        .await
        .assert_error(400, "invalid_argument");
    raw(&ts, Method::POST, "/v1/auth/register", b"{} trailing")
        .await
        .assert_error(400, "invalid_argument");
    // Non-objects where an object is expected.
    raw(&ts, Method::POST, "/v1/auth/register", b"[]")
        .await
        .assert_error(400, "invalid_argument");
    raw(&ts, Method::POST, "/v1/auth/anonymous", b"\"device\"")
        .await
        .assert_error(400, "invalid_argument");
    raw(&ts, Method::POST, "/v1/auth/anonymous", b"null")
        .await
        .assert_error(400, "invalid_argument");
    let (token, _) = ts.user().await;
    let r = ts
        .call(
            Method::POST,
            "/v1/agents",
            Some(&token),
            Some(json!([1, 2, 3])),
            None,
        )
        .await;
    r.assert_error(400, "invalid_argument");
}

#[tokio::test]
async fn a_json_array_is_refused_even_when_its_elements_fit_the_fields() {
    let ts = TestServer::start().await;
    // Field order: email, password, displayName.
    raw(
        &ts,
        Method::POST,
        "/v1/auth/register",
        b"[\"array@example.com\", \"password1\", \"Ann\"]",
    )
    .await
    .assert_error(400, "invalid_argument");
    raw(
        &ts,
        Method::POST,
        "/v1/auth/anonymous",
        b"[\"device-in-an-array\"]",
    )
    .await
    .assert_error(400, "invalid_argument");
    // Nothing was created by them.
    ts.post(
        "/v1/auth/login",
        None,
        json!({"email": "array@example.com", "password": "password1"}),
    )
    .await
    .assert_error(401, "unauthenticated");
}

#[tokio::test]
async fn a_missing_or_mistyped_field_is_named_in_the_message() {
    let ts = TestServer::start().await;
    let r = ts
        .post(
            "/v1/auth/register",
            None,
            json!({"email": "a@example.com", "displayName": "Ann"}),
        )
        .await;
    r.assert_invalid_field("password");
    let r = ts
        .post("/v1/auth/login", None, json!({"password": "whatever1"}))
        .await;
    r.assert_invalid_field("email");
    let r = ts
        .post(
            "/v1/auth/register",
            None,
            json!({"email": 5, "password": "password1", "displayName": "Ann"}),
        )
        .await;
    r.assert_invalid_field("email");
    let r = ts.post("/v1/auth/anonymous", None, json!({})).await;
    r.assert_invalid_field("deviceId");
    // Nested fields are named by their path.
    let (token, _) = ts.user().await;
    let r = ts.post("/v1/agents", Some(&token), json!({"name": "A", "rank": "gold", "type": "coach", "provider": "x", "pricing": {"perMinute": 1}})).await;
    r.assert_invalid_field("pricing.perAction");
    // Unknown fields are ignored.
    let r = ts
        .post(
            "/v1/auth/anonymous",
            None,
            json!({"deviceId": unique("dev"), "color": "blue"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_body_over_one_mib_is_payload_too_large() {
    let ts = TestServer::start().await;
    let filler = "x".repeat(1024 * 1024);
    let body = format!(
        r#"{{"email": "a@example.com", "password": "password1", "displayName": "{filler}"}}"#
    );
    assert!(body.len() > 1024 * 1024);
    let r = ts
        .http
        .post(format!("{}/v1/auth/register", ts.url))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .expect("sent");
    Resp::read(r).await.assert_error(413, "payload_too_large");
    // The same on a DOF-moving route, which reads its raw body itself.
    let (token, _) = ts.user().await;
    let body = format!(
        r#"{{"amount": 10, "provider": "dev", "pad": "{}"}}"#,
        "y".repeat(1024 * 1024)
    );
    let r = ts
        .http
        .post(format!("{}/v1/wallet/topups", ts.url))
        .bearer_auth(&token)
        .header("Idempotency-Key", unique("top"))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .expect("sent");
    Resp::read(r).await.assert_error(413, "payload_too_large");
    assert_eq!(ts.get("/v1/wallet", Some(&token)).await.body["balance"], 0);
    // Just under the limit is read (and refused for what it says, not for its size).
    let body = format!(r#"{{"deviceId": "{}"}}"#, "z".repeat(1024 * 1024 - 100));
    let r = ts
        .http
        .post(format!("{}/v1/auth/anonymous", ts.url))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .expect("sent");
    let r = Resp::read(r).await;
    r.assert_invalid_field("deviceId");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let ts = TestServer::start().await;
    let mut seen = BTreeSet::new();
    let (token, _) = ts.user().await;
    let responses = [
        ts.get("/health", None).await,
        ts.get("/ready", None).await,
        ts.get("/metrics", None).await,
        ts.get("/v1/openapi.json", None).await,
        ts.get("/v1/marketplace/featured", None).await,
        ts.get("/v1/wallet", Some(&token)).await,
        ts.post_idem(
            "/v1/wallet/topups",
            &token,
            Some(json!({"amount": 5, "provider": "dev"})),
            &unique("top"),
        )
        .await,
        ts.get("/v1/nope", None).await,
        ts.get("/v1/wallet", None).await,
        ts.call(Method::DELETE, "/v1/wallet", None, None, None)
            .await,
    ];
    for r in &responses {
        let id = header(r, "x-request-id")
            .unwrap_or_else(|| panic!("X-Request-Id on {} {}", r.status, r.body));
        assert!(!id.is_empty());
        assert!(seen.insert(id.to_owned()), "request ids are unique: {id}");
    }
    assert_eq!(seen.len(), responses.len());
}

#[tokio::test]
async fn health_ready_and_metrics() {
    let ts = TestServer::start().await;
    let r = ts.get("/health", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["status"], "ok");
    let r = ts.get("/ready", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    ts.funded_user(42).await;
    let r = ts
        .http
        .get(format!("{}/metrics", ts.url))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            // OpenMetrics, the Prometheus exposition format `prometheus-client` writes.
            .is_some_and(|c| c.starts_with("application/openmetrics-text")),
        "{:?}",
        r.headers()
    );
    let text = r.text().await.expect("text");
    let samples: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert!(
        samples
            .iter()
            .any(|l| l.starts_with("jiga_http_requests_total")),
        "{text}"
    );
    let topups: Vec<&&str> = samples
        .iter()
        .filter(|l| l.starts_with("jiga_ledger_transactions_total") && l.contains("topup"))
        .collect();
    assert_eq!(topups.len(), 1, "{text}");
    assert!(topups[0].ends_with(" 1"), "one top-up so far: {text}");
    assert!(
        text.contains("# TYPE jiga_http_request_duration_seconds histogram"),
        "latency histograms: {text}"
    );
}

/// Every route of the contract: (method, path with `{}` for parameters).
const CONTRACT_ROUTES: &[(&str, &str)] = &[
    ("post", "/v1/auth/register"),
    ("post", "/v1/auth/login"),
    ("post", "/v1/auth/anonymous"),
    ("post", "/v1/auth/refresh"),
    ("get", "/v1/users/me"),
    ("patch", "/v1/users/me"),
    ("get", "/v1/users/{}"),
    ("get", "/v1/users/me/agents"),
    ("get", "/v1/users/me/achievements"),
    ("post", "/v1/agents"),
    ("get", "/v1/agents/{}"),
    ("patch", "/v1/agents/{}"),
    ("get", "/v1/agents/{}/versions"),
    ("post", "/v1/agents/{}/publish"),
    ("post", "/v1/agents/{}/unpublish"),
    ("post", "/v1/agents/{}/reviews"),
    ("get", "/v1/agents/{}/reviews"),
    ("get", "/v1/marketplace/search"),
    ("get", "/v1/marketplace/listings/{}"),
    ("get", "/v1/marketplace/featured"),
    ("get", "/v1/marketplace/categories"),
    ("get", "/v1/wallet"),
    ("get", "/v1/wallet/transactions"),
    ("post", "/v1/wallet/topups"),
    ("post", "/v1/webhooks/payments/stripe"),
    ("post", "/v1/webhooks/payments/shopify"),
    ("post", "/v1/hires"),
    ("get", "/v1/sessions"),
    ("get", "/v1/sessions/{}"),
    ("post", "/v1/sessions/{}/commands"),
    ("post", "/v1/sessions/{}/end"),
    ("post", "/v1/sessions/{}/stream-tickets"),
    ("get", "/v1/sessions/{}/stream"),
    ("get", "/v1/events/stream"),
    ("get", "/health"),
    ("get", "/ready"),
    ("get", "/metrics"),
    ("get", "/v1/openapi.json"),
];

/// `/v1/agents/{id}/versions` → `/v1/agents/{}/versions`.
fn normalize(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

#[tokio::test]
async fn regression_each_paged_route_documents_its_own_item_type() {
    // Every `Page<T>` was registered under the one name `Page`, so all five paged routes
    // claimed to return pages of sessions, and `Transaction` had no schema at all.
    let ts = TestServer::start().await;
    let doc: Value =
        serde_json::from_slice(&ts.get("/v1/openapi.json", None).await.raw).expect("valid JSON");
    let schemas = &doc["components"]["schemas"];
    for (path, method, item) in [
        ("/v1/wallet/transactions", "get", "Transaction"),
        ("/v1/agents/{id}/reviews", "get", "Review"),
        ("/v1/agents/{id}/versions", "get", "Agent"),
        ("/v1/users/me/agents", "get", "Agent"),
        ("/v1/sessions", "get", "Session"),
    ] {
        let page =
            doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
                ["$ref"]
                .as_str()
                .unwrap_or_default()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned();
        assert_eq!(page, format!("Page_{item}"), "{method} {path}");
        assert_eq!(
            schemas[&page]["properties"]["items"]["items"]["$ref"],
            format!("#/components/schemas/{item}"),
            "{page}"
        );
        assert!(schemas[item].is_object(), "{item} has a schema");
    }
}

/// Every `enum` in the document, wherever it stands, with the path to it.
fn enums_in(v: &Value, at: String, out: &mut Vec<(String, Vec<Value>)>) {
    match v {
        Value::Object(o) => {
            if let Some(Value::Array(values)) = o.get("enum") {
                out.push((at.clone(), values.clone()));
            }
            for (k, child) in o {
                enums_in(child, format!("{at}/{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                enums_in(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Values of `T` as serde writes them.
fn wire<T: serde::Serialize>(all: &[T]) -> Vec<Value> {
    all.iter()
        .map(|v| serde_json::to_value(v).expect("serializes"))
        .collect()
}

#[tokio::test]
async fn regression_openapi_enums_are_written_as_on_the_wire() {
    // Every wire enum of the core was documented with its Rust variant names (`Gold`, `Coach`,
    // `EndedByHirer`) while the wire, and the server's parsers, have `gold`, `coach`,
    // `ended_by_hirer`: a client generated from the document sent values the server refuses.
    use jiga::model::*;
    let ts = TestServer::start().await;
    let doc: Value =
        serde_json::from_slice(&ts.get("/v1/openapi.json", None).await.raw).expect("valid JSON");
    let mut found = Vec::new();
    enums_in(&doc, String::new(), &mut found);
    // What serde writes, per schema; every enum of the document must be one of these, so a
    // new one cannot go unchecked.
    let expected: Vec<(&str, Vec<Value>)> = vec![
        ("AchievementId", wire(AchievementId::ALL)),
        ("AgentStatus", wire(AgentStatus::ALL)),
        ("AgentType", wire(AgentType::ALL)),
        ("EndReason", wire(EndReason::ALL)),
        ("Rank", wire(Rank::ALL)),
        ("SessionStatus", wire(SessionStatus::ALL)),
        ("TopupProvider", wire(TopupProvider::ALL)),
        ("TopupStatus", wire(TopupStatus::ALL)),
        ("TransactionType", wire(TransactionType::ALL)),
        (
            "ChargeReason",
            wire(&[
                jiga::event::ChargeReason::Action,
                jiga::event::ChargeReason::Minute,
            ]),
        ),
    ];
    // A stream frame's `type` is one constant of the core's event types.
    let event_types = [
        jiga::event::types::STARTED,
        jiga::event::types::ACTION,
        jiga::event::types::COMMENTARY,
        jiga::event::types::DOF_UPDATE,
        jiga::event::types::COMMAND_ACK,
        jiga::event::types::ENDED,
    ];
    let frame_types: Vec<&Value> = found
        .iter()
        .filter(|(at, _)| at.ends_with("Event/properties/type"))
        .map(|(_, values)| {
            assert_eq!(values.len(), 1, "one type per frame schema");
            &values[0]
        })
        .collect();
    assert_eq!(frame_types.len(), event_types.len());
    for t in event_types {
        assert!(frame_types.contains(&&Value::from(t)), "{t} is documented");
    }
    found.retain(|(at, _)| !at.ends_with("Event/properties/type"));
    assert!(!found.is_empty());
    for (at, values) in &found {
        let name = at.rsplit('/').next().unwrap_or_default();
        if name == "ErrorCode" {
            // No list of every code in the core; each documented code must read back as itself.
            for v in values {
                let code: ErrorCode = serde_json::from_value(v.clone()).expect("a code");
                assert_eq!(&serde_json::to_value(code).expect("serializes"), v, "{at}");
            }
            continue;
        }
        let want = expected
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("{at}: an enum this test does not know; add it"));
        assert_eq!(values, &want.1, "{at}");
    }
    for (name, _) in &expected {
        assert!(
            found
                .iter()
                .any(|(at, _)| at.ends_with(&format!("/{name}"))),
            "{name} is documented"
        );
    }
    // And the server takes what the document says: a search by every documented rank.
    let ranks = &doc["components"]["schemas"]["Rank"]["enum"];
    for rank in ranks.as_array().expect("ranks") {
        let r = ts
            .get(
                &format!(
                    "/v1/marketplace/search?rank={}",
                    rank.as_str().expect("str")
                ),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "rank={rank}: {}", r.body);
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let ts = TestServer::start().await;
    let r = ts.get("/v1/openapi.json", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc: Value = serde_json::from_slice(&r.raw).expect("valid JSON");
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    assert!(doc["info"]["title"].is_string());
    let paths = doc["paths"].as_object().expect("paths");
    let documented: BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            let p = normalize(path);
            item.as_object().into_iter().flat_map(move |ops| {
                ops.keys().map({
                    let p = p.clone();
                    move |m| (m.to_lowercase(), p.clone())
                })
            })
        })
        .collect();
    let missing: Vec<&(&str, &str)> = CONTRACT_ROUTES
        .iter()
        .filter(|(m, p)| !documented.contains(&((*m).to_owned(), (*p).to_owned())))
        .collect();
    assert!(
        missing.is_empty(),
        "routes missing from the OpenAPI document: {missing:?}"
    );
}

#[tokio::test]
async fn large_responses_are_gzipped_on_request_and_small_ones_are_not() {
    let ts = TestServer::start().await;
    for i in 0..30 {
        ts.published_agent(json!({"name": format!("Compressible Agent {i}"), "description": "A description long enough to matter."})).await;
    }
    let client = reqwest::Client::builder()
        .gzip(false)
        .build()
        .expect("client");
    let r = client
        .get(format!("{}/v1/marketplace/search?limit=30", ts.url))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("gzip")
    );
    assert!(r.headers().contains_key("x-request-id"));
    let compressed = r.bytes().await.expect("body");
    assert_eq!(&compressed[..2], &[0x1f, 0x8b], "a gzip stream");
    // reqwest's own gzip decoder (on by default in the harness's client) reads the same
    // document as an uncompressed request.
    let decoded = ts.get("/v1/marketplace/search?limit=30", None).await;
    assert_eq!(decoded.status, StatusCode::OK);
    assert_eq!(decoded.body["total"], 30);
    assert_eq!(decoded.body["items"].as_array().map(Vec::len), Some(30));
    let plain = client
        .get(format!("{}/v1/marketplace/search?limit=30", ts.url))
        .send()
        .await
        .expect("sent");
    assert!(plain.headers().get("content-encoding").is_none());
    let plain: Value = plain.json().await.expect("json");
    assert_eq!(plain["items"], decoded.body["items"]);
    assert!(compressed.len() < serde_json::to_vec(&plain).expect("json").len());

    // A small response is not compressed even when asked.
    let r = client
        .get(format!("{}/health", ts.url))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers().get("content-encoding").is_none(),
        "{:?}",
        r.headers()
    );
    assert_eq!(
        r.json::<Value>().await.expect("json"),
        json!({"status": "ok"})
    );
}

#[tokio::test]
async fn anonymous_callers_are_rate_limited_but_health_is_not() {
    let ts = TestServer::start_with(|c| c.rate_limit_anonymous = 5).await;
    for i in 0..5u32 {
        let r = ts.get("/v1/marketplace/featured", None).await;
        assert_eq!(r.status, StatusCode::OK, "request {i}: {}", r.body);
        assert_eq!(header(&r, "ratelimit-limit"), Some("5"));
        assert_eq!(
            header(&r, "ratelimit-remaining"),
            Some((4 - i).to_string().as_str())
        );
        let reset: u64 = header(&r, "ratelimit-reset")
            .expect("RateLimit-Reset")
            .parse()
            .expect("seconds");
        assert!((1..=60).contains(&reset), "{reset}");
    }
    let r = ts.get("/v1/marketplace/featured", None).await;
    r.assert_error(429, "rate_limited");
    let retry: u64 = header(&r, "retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(header(&r, "ratelimit-limit"), Some("5"));
    assert_eq!(header(&r, "ratelimit-remaining"), Some("0"));
    assert!(header(&r, "ratelimit-reset").is_some());
    // Every limited route shares the caller's budget.
    ts.get("/v1/marketplace/categories", None)
        .await
        .assert_error(429, "rate_limited");
    // Operations routes are never limited, and carry no rate-limit headers.
    for _ in 0..10 {
        let r = ts.get("/health", None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(header(&r, "ratelimit-limit").is_none());
    }
    assert_eq!(ts.get("/ready", None).await.status, StatusCode::OK);
    assert_eq!(ts.get("/metrics", None).await.status, StatusCode::OK);
    // Nor are webhooks (this one is refused for its missing signature, not for the rate).
    for _ in 0..3 {
        ts.post("/v1/webhooks/payments/stripe", None, json!({}))
            .await
            .assert_error(400, "invalid_argument");
    }
}

/// Two anonymous callers behind one proxy, as `X-Forwarded-For` tells them apart; the limit's
/// remaining count for each, after a request from `from`.
async fn remaining_after(ts: &TestServer, from: &str) -> (StatusCode, Option<String>) {
    let r = ts
        .http
        .get(format!("{}/v1/marketplace/featured", ts.url))
        .header("x-forwarded-for", from)
        .send()
        .await
        .expect("sent");
    let left = r
        .headers()
        .get("ratelimit-remaining")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (r.status(), left)
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let ts = TestServer::start_with(|c| {
        c.rate_limit_anonymous = 3;
        c.trusted_proxies = vec!["127.0.0.0/8".parse().expect("net")];
    })
    .await;
    for left in ["2", "1", "0"] {
        assert_eq!(
            remaining_after(&ts, "198.51.100.1").await,
            (StatusCode::OK, Some(left.into()))
        );
    }
    assert_eq!(
        remaining_after(&ts, "198.51.100.1").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same proxy is not held back by the first.
    assert_eq!(
        remaining_after(&ts, "198.51.100.2").await,
        (StatusCode::OK, Some("2".into()))
    );
    // A client cannot escape its limit by writing the header itself: the proxy appends the
    // address it saw, and only that rightmost hop is believed.
    assert_eq!(
        remaining_after(&ts, "203.0.113.9, 198.51.100.1").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn without_a_trusted_proxy_x_forwarded_for_is_ignored() {
    let ts = TestServer::start_with(|c| c.rate_limit_anonymous = 2).await;
    assert_eq!(
        remaining_after(&ts, "198.51.100.1").await.1.as_deref(),
        Some("1")
    );
    assert_eq!(
        remaining_after(&ts, "198.51.100.2").await.1.as_deref(),
        Some("0")
    );
    assert_eq!(
        remaining_after(&ts, "198.51.100.3").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn cors_allows_the_configured_origins_with_credentials() {
    let ts = TestServer::start_with(|c| c.cors_origins = vec!["https://game.example".into()]).await;
    let preflight = |origin: &'static str| {
        ts.http
            .request(Method::OPTIONS, format!("{}/v1/wallet", ts.url))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
    };
    let r = preflight("https://game.example").await.expect("sent");
    assert!(r.status().is_success(), "{}", r.status());
    let h = r.headers();
    // Regression: preflights were answered outside the request-id middleware.
    assert!(
        h.get("x-request-id").is_some(),
        "a preflight carries X-Request-Id too"
    );
    assert_eq!(
        h.get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("https://game.example")
    );
    assert_eq!(
        h.get("access-control-allow-credentials")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let methods = h
        .get("access-control-allow-methods")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_uppercase();
    assert!(methods.contains("GET"), "{methods}");

    let r = preflight("https://evil.example").await.expect("sent");
    assert!(
        r.headers().get("access-control-allow-origin").is_none(),
        "{:?}",
        r.headers()
    );

    // A simple request from the allowed origin gets the header too; another origin does not.
    let r = ts
        .http
        .get(format!("{}/health", ts.url))
        .header("Origin", "https://game.example")
        .send()
        .await
        .expect("sent");
    assert_eq!(
        r.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("https://game.example")
    );
    let r = ts
        .http
        .get(format!("{}/health", ts.url))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .expect("sent");
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn signed_in_callers_are_limited_per_user() {
    let ts = TestServer::start_with(|c| c.rate_limit_authenticated = 3).await;
    let (alice, _) = ts.user().await;
    let (bob, _) = ts.user().await;
    for i in 0..3u32 {
        let r = ts.get("/v1/wallet", Some(&alice)).await;
        assert_eq!(r.status, StatusCode::OK, "request {i}: {}", r.body);
        assert_eq!(header(&r, "ratelimit-limit"), Some("3"));
        assert_eq!(
            header(&r, "ratelimit-remaining"),
            Some((2 - i).to_string().as_str())
        );
    }
    let r = ts.get("/v1/wallet", Some(&alice)).await;
    r.assert_error(429, "rate_limited");
    assert!(header(&r, "retry-after").is_some());
    // Bob has his own budget, and the anonymous limit is off here.
    assert_eq!(
        ts.get("/v1/wallet", Some(&bob)).await.status,
        StatusCode::OK
    );
    let r = ts.get("/v1/marketplace/featured", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        header(&r, "ratelimit-limit").is_none(),
        "a limit of 0 is no limit"
    );
}
