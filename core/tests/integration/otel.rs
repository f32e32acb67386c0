//! Feature `otel`: the trace of the caller's span reaches the server as the request's W3C
//! `traceparent`. The server here is a loopback HTTP listener that keeps each request's
//! headers and answers 404, which the client does not retry.

use std::sync::{Arc, Mutex};

use jiga::Client;
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tracing::Instrument;
use tracing::instrument::WithSubscriber;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;

use crate::common::fast_retry;

type Heads = Arc<Mutex<Vec<Vec<(String, String)>>>>;

/// Starts the listener: its URL, and the headers of every request it has read.
async fn capturing_server() -> (String, Heads) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let heads: Heads = Arc::default();
    let kept = heads.clone();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tcp.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&head);
                let headers = text
                    .lines()
                    .skip(1)
                    .filter_map(|l| l.split_once(':'))
                    .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                    .collect();
                kept.lock().expect("lock").push(headers);
                let body =
                    r#"{"error":{"code":"not_found","message":"captured","requestId":"req_1"}}"#;
                let answer = format!(
                    "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tcp.write_all(answer.as_bytes()).await;
                let _ = tcp.shutdown().await;
            });
        }
    });
    (url, heads)
}

fn client(url: &str) -> Client {
    Client::builder()
        .base_url(url)
        .retry(fast_retry())
        .build()
        .expect("client")
}

fn header(heads: &Heads, name: &str) -> Vec<Option<String>> {
    heads
        .lock()
        .expect("lock")
        .iter()
        .map(|h| h.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
        .collect()
}

#[tokio::test]
async fn a_callers_span_reaches_the_server_as_its_traceparent() {
    let (url, heads) = capturing_server().await;
    let client = client(&url);
    // The caller's pipeline: a tracer (no exporter needed) behind a tracing-opentelemetry layer.
    let provider = SdkTracerProvider::builder().build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("bot")));
    let trace_id = async {
        let span = tracing::info_span!("bot turn");
        let trace_id = span.context().span().span_context().trace_id();
        let _ = client.categories().instrument(span).await;
        trace_id
    }
    .with_subscriber(subscriber)
    .await;

    let sent = header(&heads, "traceparent");
    assert_eq!(sent.len(), 1, "one request");
    let tp = sent[0].clone().expect("a traceparent header");
    let parts: Vec<&str> = tp.split('-').collect();
    assert_eq!(parts.len(), 4, "'{tp}'");
    assert_eq!(parts[0], "00");
    assert_eq!(parts[1], trace_id.to_string(), "the caller's trace id");
    assert_eq!(parts[2].len(), 16);
    assert_eq!(parts[3], "01", "sampled, as the caller's span is");
    assert_eq!(
        header(&heads, "tracestate"),
        vec![None],
        "no empty tracestate"
    );
}

#[tokio::test]
async fn without_an_opentelemetry_span_no_traceparent_is_sent() {
    let (url, heads) = capturing_server().await;
    let client = client(&url);
    let _ = client.categories().await;
    let _ = client
        .categories()
        .instrument(tracing::info_span!("a span with no OpenTelemetry layer"))
        .await;
    assert_eq!(header(&heads, "traceparent"), vec![None, None]);
}
