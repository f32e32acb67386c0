//! The caller's trace on the wire (feature `otel`): each try of a request carries a W3C
//! `traceparent` (and `tracestate`, when there is one) naming the span it is sent from, so a
//! bot's trace continues into the server (the contract's "Tracing (v1.2)").
//!
//! The span is the current `tracing` span — the client's own `jiga.call`, or the caller's span
//! when the caller's subscriber filters `jiga.call` out — read through tracing-opentelemetry,
//! so the caller's subscriber must have a `tracing_opentelemetry` layer. A caller using the
//! OpenTelemetry API alone is read through its attached context instead. With neither, no
//! header is sent.

use opentelemetry::Context;
use opentelemetry::propagation::{Injector, TextMapPropagator};
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Adds `traceparent` (and `tracestate`) for the current span to `headers`; nothing when no
/// span with an OpenTelemetry context is current.
pub(crate) fn inject(headers: &mut Vec<(&'static str, String)>) {
    let mut cx = tracing::Span::current().context();
    if !cx.span().span_context().is_valid() {
        cx = Context::current();
        if !cx.span().span_context().is_valid() {
            return;
        }
    }
    TraceContextPropagator::new().inject_context(&cx, &mut Headers(headers));
}

/// The request's headers as the propagator writes them (only the W3C names, which the
/// headers' `&'static str` names need).
struct Headers<'a>(&'a mut Vec<(&'static str, String)>);

impl Injector for Headers<'_> {
    fn set(&mut self, key: &str, value: String) {
        let name = match key {
            "traceparent" => "traceparent",
            // The propagator writes it even when empty; an empty header says nothing.
            "tracestate" if !value.is_empty() => "tracestate",
            _ => return,
        };
        self.0.push((name, value));
    }
}
