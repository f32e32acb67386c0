//! [`AppState`]: everything a request handler can reach. It sits below the layers that use it
//! (`http`, `seed`) and above the parts it holds, none of which names it: storage, tokens, the
//! catalogue, the session runner, the streams' [`StreamDeps`] (hub, tickets, connection cap),
//! limits and metrics. The WebSocket handlers take only [`StreamDeps`] (through [`FromRef`]).

use std::collections::HashSet;
use std::ops::Deref;
use std::sync::Arc;

use axum::extract::FromRef;
use parking_lot::Mutex;
use tokio_util::sync::CancellationToken;

use crate::auth::{LoginThrottle, TokenService, TokenSource};
use crate::catalog::Catalog;
use crate::config::Config;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::metrics::Metrics;
use crate::profiles::Profiles;
use crate::ratelimit::RateLimiter;
use crate::sim::runner::Runner;
use crate::stream::deps::StreamDeps;
use crate::stream::hub::Hub;
use crate::stream::notify::Notifier;

/// Shared server state; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The parts of the server state.
pub struct Shared {
    /// Configuration.
    pub config: Config,
    /// Storage.
    pub db: Db,
    /// Access tokens.
    pub tokens: Arc<TokenService>,
    /// Live session events.
    pub hub: Arc<Hub>,
    /// Live notifications.
    pub notifier: Arc<Notifier>,
    /// Running sessions.
    pub runner: Arc<Runner>,
    /// The marketplace: its search index and counted views.
    pub catalog: Arc<Catalog>,
    /// Agent profiles as read (the in-process cache of `GET /v1/agents/{id}`).
    pub profiles: Arc<Profiles>,
    /// Idempotency keys whose request is being processed right now.
    pub inflight: Mutex<HashSet<(String, String)>>,
    /// Request metrics and the store's counters.
    pub metrics: Arc<Metrics>,
    /// Rate limits.
    pub limiter: Arc<RateLimiter>,
    /// The per-email failed-login window.
    pub logins: LoginThrottle,
    /// Cancelled when the server shuts down.
    pub shutdown: CancellationToken,
    /// What the WebSocket streams use: their tickets, connection cap and open sockets among it.
    pub streams: Arc<StreamDeps>,
}

impl Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// Wraps the parts.
    #[must_use]
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }
}

impl FromRef<AppState> for Arc<StreamDeps> {
    fn from_ref(state: &AppState) -> Self {
        state.streams.clone()
    }
}

impl TokenSource for AppState {
    fn tokens(&self) -> &TokenService {
        &self.tokens
    }
}

/// Runs `work` as a task of its own and waits for it.
///
/// Whatever commits must finish its work (publishing, spawning a session's runner, refreshing
/// the index) even when the client goes away and its request's future is dropped: the work
/// runs detached from the request, which merely waits for its answer. It runs in the
/// request's span all the same, so what it starts (a session's span) joins the request's
/// trace.
///
/// # Errors
/// Whatever `work` returns; `internal` if it panicked.
pub async fn detached<T, F>(work: F) -> AppResult<T>
where
    F: Future<Output = AppResult<T>> + Send + 'static,
    T: Send + 'static,
{
    tokio::spawn(tracing::Instrument::in_current_span(work))
        .await
        .map_err(|e| AppError::internal(format!("detached task: {e}")))?
}
