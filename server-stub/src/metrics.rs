//! Prometheus metrics: request counts and latency histograms per route and status, plus the
//! store's gauges (rendered from storage at scrape time, so they are exact).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;

/// Histogram bucket bounds, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Hist {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The server's request metrics.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<(String, String), Hist>>,
    events: AtomicU64,
}

impl Metrics {
    /// Records one finished request.
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        *self
            .requests
            .lock()
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        let secs = elapsed.as_secs_f64();
        let mut lat = self.latency.lock();
        let h = lat
            .entry((method.to_owned(), route.to_owned()))
            .or_default();
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                h.buckets[i] += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    /// Counts session events emitted.
    pub fn events_emitted(&self, n: u64) {
        self.events.fetch_add(n, Ordering::Relaxed);
    }

    /// The text exposition, with the store gauges given by the caller.
    #[must_use]
    pub fn render(&self, gauges: &StoreGauges) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP jiga_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE jiga_http_requests_total counter\n");
        for ((m, r, s), n) in self.requests.lock().iter() {
            let _ = writeln!(
                out,
                "jiga_http_requests_total{{method=\"{m}\",route=\"{r}\",status=\"{s}\"}} {n}"
            );
        }
        out.push_str(
            "# HELP jiga_http_request_duration_seconds HTTP request latency by method and route.\n",
        );
        out.push_str("# TYPE jiga_http_request_duration_seconds histogram\n");
        for ((m, r), h) in self.latency.lock().iter() {
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "jiga_http_request_duration_seconds_bucket{{method=\"{m}\",route=\"{r}\",le=\"{b}\"}} {}",
                    h.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "jiga_http_request_duration_seconds_bucket{{method=\"{m}\",route=\"{r}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "jiga_http_request_duration_seconds_sum{{method=\"{m}\",route=\"{r}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "jiga_http_request_duration_seconds_count{{method=\"{m}\",route=\"{r}\"}} {}",
                h.count
            );
        }
        out.push_str("# HELP jiga_active_sessions Sessions running on this server.\n# TYPE jiga_active_sessions gauge\n");
        let _ = writeln!(out, "jiga_active_sessions {}", gauges.active_sessions);
        out.push_str("# HELP jiga_dof_consumed_total DOF consumed by all sessions.\n# TYPE jiga_dof_consumed_total counter\n");
        let _ = writeln!(out, "jiga_dof_consumed_total {}", gauges.dof_consumed);
        out.push_str("# HELP jiga_ledger_transactions_total Ledger transactions by type.\n# TYPE jiga_ledger_transactions_total counter\n");
        for (t, n) in &gauges.transactions_by_type {
            let _ = writeln!(out, "jiga_ledger_transactions_total{{type=\"{t}\"}} {n}");
        }
        out.push_str("# HELP jiga_session_events_total Session events emitted by this process.\n# TYPE jiga_session_events_total counter\n");
        let _ = writeln!(
            out,
            "jiga_session_events_total {}",
            self.events.load(Ordering::Relaxed)
        );
        out
    }
}

/// Store-wide figures read at scrape time.
#[derive(Clone, Debug, Default)]
pub struct StoreGauges {
    /// Running sessions.
    pub active_sessions: usize,
    /// Sum of `consumed` over all sessions.
    pub dof_consumed: i64,
    /// Transaction counts per type.
    pub transactions_by_type: Vec<(String, i64)>,
}
