//! Prometheus metrics, exposed with `prometheus-client`: request counts and latency histograms
//! per route and status, active sessions, DOF consumed, the platform's DOF balance, ledger
//! transactions by type and session events. A scrape reads counters only, never storage: the ledger's totals are kept
//! by the writer as it commits ([`crate::db::LedgerTotals`]), so a scrape costs the same
//! however large the ledger grows.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::db::LedgerTotals;

/// Histogram bucket bounds, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TypeLabels {
    r#type: String,
}

type Latency = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Latency,
    events: Counter,
    active_sessions: Gauge,
    dof_consumed: Counter,
    platform_balance: Gauge,
    transactions: Family<TypeLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "jiga_http_requests",
            "HTTP requests by method, route and status",
            requests.clone(),
        );
        let latency: Latency = Family::new_with_constructor(|| Histogram::new(BUCKETS));
        registry.register(
            "jiga_http_request_duration_seconds",
            "HTTP request latency by method and route",
            latency.clone(),
        );
        let active_sessions = Gauge::default();
        registry.register(
            "jiga_active_sessions",
            "Sessions running on this server",
            active_sessions.clone(),
        );
        let dof_consumed = Counter::default();
        registry.register(
            "jiga_dof_consumed",
            "DOF consumed by all sessions",
            dof_consumed.clone(),
        );
        let platform_balance = Gauge::default();
        registry.register(
            "jiga_platform_balance_dof",
            "Balance of the platform's account (platform:revenue), in DOF",
            platform_balance.clone(),
        );
        let transactions = Family::<TypeLabels, Counter>::default();
        registry.register(
            "jiga_ledger_transactions",
            "Ledger transactions by type",
            transactions.clone(),
        );
        let events = Counter::default();
        registry.register(
            "jiga_session_events",
            "Session events emitted by this process",
            events.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            events,
            active_sessions,
            dof_consumed,
            platform_balance,
            transactions,
        }
    }
}

impl Metrics {
    /// Records one finished request. Routes are the router's templates (`/v1/agents/{id}`),
    /// so the label sets are bounded by the route table.
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Counts session events emitted.
    pub fn events_emitted(&self, n: u64) {
        self.events.inc_by(n);
    }

    /// The text exposition: the store's figures as of now (`active_sessions` and the ledger's
    /// running totals), then every metric.
    #[must_use]
    pub fn render(&self, active_sessions: usize, ledger: &LedgerTotals) -> String {
        self.active_sessions
            .set(i64::try_from(active_sessions).unwrap_or(i64::MAX));
        self.platform_balance.set(ledger.platform_revenue());
        // Counters only go up: bring each to the running total.
        let consumed = u64::try_from(ledger.consumed()).unwrap_or(0);
        self.dof_consumed
            .inc_by(consumed.saturating_sub(self.dof_consumed.get()));
        for (kind, n) in ledger.by_type() {
            let c = self.transactions.get_or_create(&TypeLabels {
                r#type: kind.as_str().to_owned(),
            });
            c.inc_by(n.saturating_sub(c.get()));
        }
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "could not encode the metrics");
        }
        out
    }
}
