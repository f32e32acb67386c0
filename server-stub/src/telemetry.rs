//! Trace export, the contract's "Tracing (v1.2)": with `--otlp-endpoint`, the server's
//! `request` and `session` spans go to an OpenTelemetry collector over OTLP/HTTP (protobuf),
//! sampled by a parent-based ratio sampler (`--trace-sample-ratio`).
//!
//! - [`Traces::start`] builds the pipeline: the OTLP exporter behind the SDK's batch
//!   processor (its own thread), and [`Traces::layer`], the `tracing-opentelemetry` layer
//!   that `main` adds beside the log layer. Only this crate's spans reach it, so nothing the
//!   exporter itself does (its HTTP client, its own logs) is ever traced.
//! - [`continue_trace`] makes a request's span the child of the caller's W3C `traceparent`
//!   when it is valid; an invalid one is ignored, never an error.
//! - A session's span is opened inside the hire request's span (the hire's follow-up runs
//!   detached, but under the request's span: `state::detached`), so the session belongs to the
//!   hire's trace.
//! - [`Traces::shutdown`] exports what is still queued, on graceful shutdown.
//!
//! Without `--otlp-endpoint` none of this exists: `main` installs the log layer alone, the
//! `request` span stays disabled at the default log level, and [`continue_trace`] returns at
//! once.

use std::time::Duration;

use axum::http::HeaderMap;
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use tracing::Subscriber;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::Layer;
use tracing_subscriber::registry::LookupSpan;

/// The OTLP/HTTP path of traces, appended to an endpoint given as a collector's base URL.
const TRACES_PATH: &str = "/v1/traces";

/// How long one export may take before it is abandoned.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long shutdown waits for the last export: the contract gives the whole process 10 s
/// to exit, most of which draining requests may use.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(3);

/// The trace pipeline of a process started with `--otlp-endpoint`.
pub struct Traces {
    provider: SdkTracerProvider,
}

impl Traces {
    /// Builds the exporter for `endpoint` (a collector's base URL such as
    /// `http://localhost:4318`, or the full URL ending in `/v1/traces`) and the sampler for
    /// `ratio`. Nothing is sent until a sampled span ends.
    ///
    /// # Errors
    /// An endpoint that is not a URL, or a ratio outside `0.0..=1.0`.
    pub fn start(endpoint: &str, ratio: f64) -> Result<Self, String> {
        if !(0.0..=1.0).contains(&ratio) {
            return Err(format!(
                "trace sample ratio '{ratio}' is not between 0.0 and 1.0"
            ));
        }
        let url = traces_url(endpoint);
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(url.clone())
            .with_timeout(EXPORT_TIMEOUT)
            .build()
            .map_err(|e| format!("cannot export traces to '{url}': {e}"))?;
        let resource = Resource::builder()
            .with_service_name("jiga-server")
            .with_attribute(opentelemetry::KeyValue::new(
                "service.version",
                env!("CARGO_PKG_VERSION"),
            ))
            .build();
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            // A caller's decision stands (a sampled `traceparent` is always kept, an unsampled
            // one never); a trace that starts here is kept at the configured ratio.
            .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
                ratio,
            ))))
            .with_resource(resource)
            .build();
        Ok(Traces { provider })
    }

    /// The layer that turns this crate's spans into OpenTelemetry spans, events of INFO and
    /// above inside them into span events.
    pub fn layer<S>(&self) -> impl Layer<S> + Send + Sync + 'static
    where
        S: Subscriber + for<'a> LookupSpan<'a> + Send + Sync,
    {
        let tracer = self.provider.tracer("jiga-server");
        tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_threads(false)
            .with_filter(tracing_subscriber::filter::filter_fn(|meta| {
                meta.target().starts_with("jiga_server")
                    && (meta.is_span() || *meta.level() <= tracing::Level::INFO)
            }))
    }

    /// Exports the spans still queued and stops the exporter, waiting at most a few seconds.
    pub async fn shutdown(self) {
        let provider = self.provider;
        let done =
            tokio::task::spawn_blocking(move || provider.shutdown_with_timeout(SHUTDOWN_TIMEOUT));
        match done.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "traces not flushed at shutdown"),
            Err(e) => tracing::warn!(error = %e, "traces not flushed at shutdown"),
        }
    }
}

/// The URL traces are posted to: `endpoint` itself when it names the traces path, else the
/// traces path under it (as `OTEL_EXPORTER_OTLP_ENDPOINT` is read).
#[must_use]
pub fn traces_url(endpoint: &str) -> String {
    let base = endpoint.trim_end_matches('/');
    if base.ends_with(TRACES_PATH) {
        base.to_owned()
    } else {
        format!("{base}{TRACES_PATH}")
    }
}

/// Makes `span` (a request's, not yet entered) continue the trace of the request's W3C
/// `traceparent` (and `tracestate`) header. A missing or invalid header leaves the span a
/// root, sampled at the configured ratio.
pub fn continue_trace(span: &tracing::Span, headers: &HeaderMap) {
    // Without an exporter the span is disabled (or logged only): no header is parsed.
    if span.is_disabled() {
        return;
    }
    let Some(header) = headers.get("traceparent").and_then(|v| v.to_str().ok()) else {
        return;
    };
    if !well_formed(header) {
        return;
    }
    let cx = TraceContextPropagator::new().extract(&Headers(headers));
    if cx.span().span_context().is_valid() {
        // Fails only when no OpenTelemetry layer is installed: then there is nothing to join.
        let _ = span.set_parent(cx);
    }
}

/// Whether `traceparent` has the W3C shape: `version-traceid-parentid-flags`, fields of 2,
/// 32, 16 and 2 lower-case hex digits (later versions may append fields, version `00` may
/// not). The propagator checks the values (no zero ids, no version `ff`) but accepts short
/// ids, which the W3C format does not.
fn well_formed(traceparent: &str) -> bool {
    let parts: Vec<&str> = traceparent.trim().split('-').collect();
    let hex = |s: &str, len: usize| {
        s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    parts.len() >= 4
        && (parts[0] != "00" || parts.len() == 4)
        && hex(parts[0], 2)
        && hex(parts[1], 32)
        && hex(parts[2], 16)
        && hex(parts[3], 2)
}

/// Request headers as the propagator reads them.
struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(axum::http::HeaderName::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traces_url_appends_the_traces_path_to_a_base_url_only() {
        assert_eq!(
            traces_url("http://localhost:4318"),
            "http://localhost:4318/v1/traces"
        );
        assert_eq!(
            traces_url("http://localhost:4318/"),
            "http://localhost:4318/v1/traces"
        );
        assert_eq!(
            traces_url("http://collector/otlp/v1/traces"),
            "http://collector/otlp/v1/traces"
        );
    }

    #[test]
    fn only_the_w3c_shape_of_traceparent_is_well_formed() {
        let ok = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert!(well_formed(ok));
        assert!(well_formed(
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later"
        ));
        for bad in [
            "",
            "garbage",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            assert!(!well_formed(bad), "'{bad}'");
        }
    }

    #[test]
    fn a_ratio_outside_zero_to_one_is_refused() {
        let err = Traces::start("http://127.0.0.1:4318", 1.5)
            .err()
            .expect("refused");
        assert!(err.contains("'1.5'"), "{err}");
    }
}
