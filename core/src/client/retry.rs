//! [`RetryPolicy`] and [`RetryObserver`]: how often and how long the client retries, and a
//! hook to watch it do so. The retry loop itself is in `http.rs`.

use std::fmt;
use std::time::Duration;

use super::transport::{SendOutsideWasm, SyncOutsideWasm};

/// How the client retries a failed request.
///
/// Retried: connection failures, 5xx answers and 429 (waiting for `Retry-After` when the server
/// sends it), each after a jittered exponential backoff, until `max_attempts` tries or the
/// total `budget` of time is spent. Which requests may be retried at all is decided per request:
/// reads and calls carrying an `Idempotency-Key` are; other writes are retried only when the
/// server cannot have acted on them (the connection was refused, or a 429).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included (1 disables retries).
    pub max_attempts: u32,
    /// The backoff ceiling of the first retry; it doubles on each retry.
    pub initial_backoff: Duration,
    /// The largest backoff between two tries.
    pub max_backoff: Duration,
    /// The most time one logical call may spend, retries and waits included.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            budget: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    #[must_use]
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait before retry number `retry` (1 for the first retry): "full jitter", a uniform
    /// draw in `[0, min(max_backoff, initial_backoff * 2^(retry-1))]`.
    #[must_use]
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .initial_backoff
            .saturating_mul(1u32 << retry.saturating_sub(1).min(20))
            .min(self.max_backoff);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(random_u64() % millis.saturating_add(1))
    }
}

/// Why a request is being retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryReason {
    /// The connection failed or was cut.
    Transport,
    /// The attempt timed out.
    Timeout,
    /// The server answered with this 5xx status.
    ServerError(u16),
    /// The server answered 429.
    RateLimited,
    /// A retry of a keyed request found the first try still in flight (409 `conflict`).
    InFlight,
}

/// One retry about to happen.
#[derive(Clone, Debug)]
pub struct RetryEvent {
    /// HTTP method.
    pub method: String,
    /// Path of the request (no query, no credentials).
    pub path: String,
    /// The try that failed (1 for the first).
    pub attempt: u32,
    /// Why.
    pub reason: RetryReason,
    /// How long the client waits before the next try.
    pub delay: Duration,
}

/// Watches retries (metrics, logs). Called before each wait; must not block.
pub trait RetryObserver: SendOutsideWasm + SyncOutsideWasm {
    /// A retry is about to happen.
    fn on_retry(&self, event: &RetryEvent);
}

/// The default observer: does nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoopObserver;

impl RetryObserver for NoopObserver {
    fn on_retry(&self, _event: &RetryEvent) {}
}

impl<F: Fn(&RetryEvent) + SendOutsideWasm + SyncOutsideWasm> RetryObserver for F {
    fn on_retry(&self, event: &RetryEvent) {
        self(event);
    }
}

impl fmt::Display for RetryReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RetryReason::Transport => f.write_str("transport error"),
            RetryReason::Timeout => f.write_str("timeout"),
            RetryReason::ServerError(s) => write!(f, "server error {s}"),
            RetryReason::RateLimited => f.write_str("rate limited"),
            RetryReason::InFlight => f.write_str("first try still in flight"),
        }
    }
}

/// 64 random bits from the operating system (the browser's `crypto.getRandomValues` on
/// wasm32), for jitter and idempotency keys.
pub(crate) fn random_u64() -> u64 {
    getrandom::u64().unwrap_or_else(|e| {
        // An OS without a random source is not one the SDK is built for; rather than fail a
        // request, fall back to a process-wide splitmix64 sequence (unique within the
        // process, which is what an idempotency key needs from one client).
        tracing::warn!(error = %e, "no random source; using a counter-based sequence");
        static STATE: std::sync::atomic::AtomicU64 =
            std::sync::atomic::AtomicU64::new(0x853c_49e6_748f_ea9b);
        let mut z = STATE.fetch_add(0x9E37_79B9_7F4A_7C15, std::sync::atomic::Ordering::Relaxed);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_under_its_ceiling() {
        let p = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(250),
            ..RetryPolicy::default()
        };
        for _ in 0..100 {
            assert!(p.backoff(1) <= Duration::from_millis(100));
            assert!(p.backoff(2) <= Duration::from_millis(200));
            assert!(p.backoff(30) <= Duration::from_millis(250));
        }
    }
}
