//! Tracing (v1.2): the `jiga-server` binary started with `--otlp-endpoint` pointing at an
//! OTLP/HTTP receiver this test runs on loopback, which decodes every
//! `ExportTraceServiceRequest` the server posts. Each test stops its server with SIGTERM, so
//! what it reads is what the graceful shutdown flushed.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use parking_lot::Mutex;
use prost::Message;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A loopback OTLP/HTTP collector: what was posted to `/v1/traces`, span by span.
struct Receiver {
    url: String,
    spans: Arc<Mutex<Vec<Span>>>,
    posts: Arc<Mutex<usize>>,
}

async fn receiver() -> Receiver {
    let spans = Arc::new(Mutex::new(Vec::new()));
    let posts = Arc::new(Mutex::new(0));
    let (s, p) = (spans.clone(), posts.clone());
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |body: bytes::Bytes| {
            let (s, p) = (s.clone(), p.clone());
            async move {
                let req = ExportTraceServiceRequest::decode(body).expect("an OTLP protobuf body");
                *p.lock() += 1;
                for rs in req.resource_spans {
                    let service = rs
                        .resource
                        .iter()
                        .flat_map(|r| &r.attributes)
                        .find(|kv| kv.key == "service.name")
                        .and_then(|kv| kv.value.as_ref()?.value.clone());
                    assert_eq!(service, Some(AnyValue::StringValue("jiga-server".into())));
                    for ss in rs.scope_spans {
                        s.lock().extend(ss.spans);
                    }
                }
                // An empty ExportTraceServiceResponse: everything accepted.
                (
                    [("content-type", "application/x-protobuf")],
                    Vec::<u8>::new(),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the receiver");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver { url, spans, posts }
}

impl Receiver {
    fn spans(&self) -> Vec<Span> {
        self.spans.lock().clone()
    }
}

/// The server binary on port 0 over a temporary database.
struct Server {
    child: Child,
    url: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn start(args: &[&str], env: &[(&str, &str)]) -> Server {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = format!("sqlite://{}", dir.path().join("jiga.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_jiga-server"))
        .args([
            "--bind",
            "127.0.0.1:0",
            "--db",
            &db,
            "--jwt-secret",
            "tracing-test-secret",
        ])
        .args(args)
        .envs(env.iter().copied())
        .env("JIGA_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("server binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .await
        .expect("listening line");
    let url = line
        .trim()
        .strip_prefix("jiga-server listening on ")
        .unwrap_or_else(|| panic!("the contract's listening line, got '{line}'"))
        .to_owned();
    Server {
        child,
        url,
        http: reqwest::Client::new(),
        _dir: dir,
    }
}

async fn traced(receiver: &Receiver, ratio: &str, extra: &[&str]) -> Server {
    let mut args = vec![
        "--otlp-endpoint",
        &receiver.url,
        "--trace-sample-ratio",
        ratio,
    ];
    args.extend_from_slice(extra);
    // The SDK's batch delay (5 s by default), short so that a test can wait for an export.
    start(&args, &[("OTEL_BSP_SCHEDULE_DELAY", "50")]).await
}

impl Server {
    /// `GET path` with an optional `traceparent`; the answer's status and `X-Request-Id`.
    async fn get(&self, path: &str, traceparent: Option<&str>) -> (u16, String) {
        let mut req = self.http.get(format!("{}{path}", self.url));
        if let Some(tp) = traceparent {
            req = req.header("traceparent", tp);
        }
        let res = req.send().await.expect("request");
        let id = res
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .expect("x-request-id")
            .to_owned();
        (res.status().as_u16(), id)
    }

    async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        traceparent: Option<&str>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .post(format!("{}{path}", self.url))
            .header("idempotency-key", format!("key-{}", rand::random::<u64>()));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        if let Some(tp) = traceparent {
            req = req.header("traceparent", tp);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// SIGTERM, then the exit: the contract's graceful shutdown, which flushes the traces.
    async fn stop(mut self) {
        let pid = self.child.id().expect("running");
        let killed = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .await
            .expect("kill runs");
        assert!(killed.success());
        let status = tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .expect("the server exits within 15 s of SIGTERM")
            .expect("exit status");
        assert!(status.success(), "exit status {status}");
    }
}

fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

/// A fresh `traceparent` with the given flags (`01` sampled, `00` not): the header and its
/// trace and parent span ids.
fn traceparent(flags: &str) -> (String, String, String) {
    let (trace, parent) = (random_hex(16), random_hex(8));
    (format!("00-{trace}-{parent}-{flags}"), trace, parent)
}

fn attr<'a>(span: &'a Span, key: &str) -> Option<&'a AnyValue> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref()?.value.as_ref())
}

fn attr_str(span: &Span, key: &str) -> Option<String> {
    match attr(span, key)? {
        AnyValue::StringValue(s) => Some(s.clone()),
        AnyValue::IntValue(i) => Some(i.to_string()),
        other => Some(format!("{other:?}")),
    }
}

fn request_spans(spans: &[Span]) -> Vec<&Span> {
    spans
        .iter()
        .filter(|s| attr(s, "request_id").is_some())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sampled_traceparent_is_continued_by_the_request_span_with_the_request_id() {
    let rx = receiver().await;
    // Ratio 0: only the caller's sampling decision can make this trace exported.
    let server = traced(&rx, "0.0", &[]).await;
    let (tp, trace, parent) = traceparent("01");
    let (status, request_id) = server.get("/health", Some(&tp)).await;
    assert_eq!(status, 200);
    server.stop().await;

    let spans = rx.spans();
    let span = spans
        .iter()
        .find(|s| hex::encode(&s.trace_id) == trace)
        .unwrap_or_else(|| panic!("no span of trace {trace} among {spans:?}"));
    assert_eq!(hex::encode(&span.parent_span_id), parent);
    assert_eq!(
        attr_str(span, "request_id").as_deref(),
        Some(request_id.as_str())
    );
    assert_eq!(span.name, "GET /health");
    assert_eq!(span.kind, SpanKind::Server as i32);
    assert_eq!(attr_str(span, "route").as_deref(), Some("/health"));
    assert_eq!(attr_str(span, "method").as_deref(), Some("GET"));
    assert_eq!(attr_str(span, "status").as_deref(), Some("200"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_ratio_one_every_request_trace_is_exported() {
    let rx = receiver().await;
    let server = traced(&rx, "1.0", &[]).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(server.get("/health", None).await.1);
    }
    server.stop().await;

    let spans = rx.spans();
    let requests = request_spans(&spans);
    for id in &ids {
        let span = requests
            .iter()
            .find(|s| attr_str(s, "request_id").as_deref() == Some(id))
            .unwrap_or_else(|| panic!("request {id} not exported"));
        assert!(span.parent_span_id.is_empty(), "a root span");
    }
    let mut traces: Vec<_> = requests.iter().map(|s| s.trace_id.clone()).collect();
    traces.sort();
    traces.dedup();
    assert_eq!(traces.len(), ids.len(), "one trace per request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_ratio_zero_no_unsampled_root_is_exported() {
    let rx = receiver().await;
    let server = traced(&rx, "0.0", &[]).await;
    for _ in 0..5 {
        server.get("/health", None).await;
    }
    // A caller that did not sample its trace is followed too.
    let (unsampled, _, _) = traceparent("00");
    server.get("/health", Some(&unsampled)).await;
    // The control: the exporter works, and this is the one trace it exports.
    let (sampled, trace, _) = traceparent("01");
    server.get("/health", Some(&sampled)).await;
    server.stop().await;

    let spans = rx.spans();
    let traces: Vec<String> = spans.iter().map(|s| hex::encode(&s.trace_id)).collect();
    assert!(!traces.is_empty(), "the sampled request was exported");
    assert!(
        traces.iter().all(|t| *t == trace),
        "only the sampled caller's trace: {traces:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_traceparent_is_ignored_and_the_request_starts_its_own_trace() {
    let rx = receiver().await;
    let server = traced(&rx, "1.0", &[]).await;
    let zeros = "0".repeat(32);
    let invalid = [
        "garbage".to_owned(),
        format!("00-{zeros}-{}-01", random_hex(8)),
        format!("00-{}-{}-01", random_hex(16), "0".repeat(16)),
        format!("ff-{}-{}-01", random_hex(16), random_hex(8)),
        format!("00-{}-{}-01", random_hex(15), random_hex(8)),
        format!("00-{}-{}-01", random_hex(16).to_uppercase(), random_hex(8)),
        format!("00-{}-{}-zz", random_hex(16), random_hex(8)),
    ];
    let mut ids = Vec::new();
    for tp in &invalid {
        let (status, id) = server.get("/health", Some(tp)).await;
        assert_eq!(status, 200, "'{tp}' is not an error");
        ids.push((tp, id));
    }
    server.stop().await;

    let spans = rx.spans();
    let requests = request_spans(&spans);
    for (tp, id) in &ids {
        let span = requests
            .iter()
            .find(|s| attr_str(s, "request_id").as_deref() == Some(id))
            .unwrap_or_else(|| panic!("the request with '{tp}' not exported"));
        assert!(
            span.parent_span_id.is_empty(),
            "'{tp}' gave the span a parent"
        );
        let trace = hex::encode(&span.trace_id);
        assert_ne!(trace, zeros);
        assert!(!tp.contains(&trace), "'{tp}' was followed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hire_exports_a_session_span_in_the_hire_requests_trace() {
    let rx = receiver().await;
    let server = traced(&rx, "0.0", &["--seed-demo"]).await;
    let (_, login) = server
        .post(
            "/v1/auth/login",
            None,
            Some(json!({"email": jiga_server::seed::DEMO_EMAIL, "password": jiga_server::seed::DEMO_PASSWORD})),
            None,
        )
        .await;
    let token = login["accessToken"]
        .as_str()
        .expect("access token")
        .to_owned();
    let found: Value = server
        .http
        .get(format!("{}/v1/marketplace/search?limit=1", server.url))
        .send()
        .await
        .expect("search")
        .json()
        .await
        .expect("json");
    let agent = &found["items"][0];
    let budget = agent["pricing"]["perMinute"].as_i64().expect("price") * 3;
    let (tp, trace, _) = traceparent("01");
    let (status, hired) = server
        .post(
            "/v1/hires",
            Some(&token),
            Some(json!({"agentId": agent["id"], "game": agent["games"][0], "budget": budget})),
            Some(&tp),
        )
        .await;
    assert_eq!(status, 201, "{hired}");
    let session = hired["session"]["id"]
        .as_str()
        .expect("session id")
        .to_owned();
    // A session's span ends with its runner, which stops just after answering the end: wait
    // for the span's export (batches every 50 ms here) rather than guess how long that takes.
    let (status, ended) = server
        .post(
            &format!("/v1/sessions/{session}/end"),
            Some(&token),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200, "{ended}");
    let exported = async {
        while !rx.spans().iter().any(|s| s.name == "session") {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), exported)
        .await
        .expect("the session span is exported within 10 s of the end");
    server.stop().await;

    let spans = rx.spans();
    let hire = spans
        .iter()
        .find(|s| s.name == "POST /v1/hires")
        .unwrap_or_else(|| panic!("no hire span among {spans:?}"));
    assert_eq!(hex::encode(&hire.trace_id), trace);
    let run = spans
        .iter()
        .find(|s| s.name == "session")
        .unwrap_or_else(|| panic!("no session span among {spans:?}"));
    assert_eq!(
        attr_str(run, "session_id").as_deref(),
        Some(session.as_str())
    );
    assert_eq!(
        run.trace_id, hire.trace_id,
        "the session is in the hire's trace"
    );
    assert_eq!(
        run.parent_span_id, hire.span_id,
        "the hire request is its parent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_otlp_endpoint_nothing_is_exported_even_with_the_otel_variables_set() {
    let rx = receiver().await;
    // The SDK's own variables point at the receiver; only `--otlp-endpoint` turns export on.
    let server = start(
        &["--trace-sample-ratio", "1.0"],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &rx.url),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                &format!("{}/v1/traces", rx.url),
            ),
        ],
    )
    .await;
    let (tp, _, _) = traceparent("01");
    assert_eq!(server.get("/health", Some(&tp)).await.0, 200);
    server.stop().await;
    assert_eq!(*rx.posts.lock(), 0, "nothing was posted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_origin_may_send_the_trace_context_headers() {
    let server = start(&["--cors-origin", "https://game.example"], &[]).await;
    let res = server
        .http
        .request(reqwest::Method::OPTIONS, format!("{}/health", server.url))
        .header("origin", "https://game.example")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "traceparent,tracestate")
        .send()
        .await
        .expect("preflight");
    let allowed = res
        .headers()
        .get("access-control-allow-headers")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    server.stop().await;
    assert!(allowed.contains("traceparent"), "{allowed}");
    assert!(allowed.contains("tracestate"), "{allowed}");
}

/// The signal handlers were installed by a task spawned after the listening line, so a
/// SIGTERM sent as soon as the line was read (a busy CI machine had not yet run that task)
/// killed the process, exit by signal 15, and no trace was flushed. The handlers are now
/// installed before the line is printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_sigterm_right_after_the_listening_line_is_a_graceful_exit() {
    for _ in 0..5 {
        start(&[], &[]).await.stop().await;
    }
}
