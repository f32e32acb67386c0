//! [`AppState`], everything a request handler can reach, and [`start`], which opens storage,
//! resumes sessions and serves HTTP until shut down.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Mutex, RwLock};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::TokenService;
use crate::config::Config;
use crate::db::{self, Db};
use crate::error::{AppError, AppResult};
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::search::SearchIndex;
use crate::sim::runner::{self, Runner};
use crate::stream::hub::Hub;
use crate::stream::notify::Notifier;

/// Kernel send buffer of each connection.
const SEND_BUFFER: usize = 256 * 1024;

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
    pub tokens: TokenService,
    /// Live session events.
    pub hub: Hub,
    /// Live notifications.
    pub notifier: Notifier,
    /// Running sessions.
    pub runner: Runner,
    /// The marketplace index.
    pub search: RwLock<SearchIndex>,
    /// Idempotency keys whose request is being processed right now.
    pub inflight: Mutex<HashSet<(String, String)>>,
    /// Unused stream tickets: ticket → (session id, user id, expiry in Unix ms).
    pub tickets: Mutex<HashMap<String, (String, String, i64)>>,
    /// Listing views not yet written to storage.
    pub pending_views: Mutex<HashMap<String, i64>>,
    /// Request metrics.
    pub metrics: Metrics,
    /// Rate limits.
    pub limiter: RateLimiter,
    /// Cancelled when the server shuts down.
    pub shutdown: CancellationToken,
    /// Open WebSocket connections. Upgraded connections are no longer hyper's, so graceful
    /// shutdown waits for these itself: each must get to send its 1001 before the process
    /// exits.
    pub sockets: TaskTracker,
}

impl Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// Re-reads a listing from storage into the search index (or drops it if unpublished).
    pub async fn refresh_listing(&self, agent_id: &str) {
        let id = agent_id.to_owned();
        match self.db.read(move |c| db::agents::listing(c, &id)).await {
            Ok(Some(l)) => self.search.write().upsert(l),
            Ok(None) => self.search.write().remove(agent_id),
            Err(e) => tracing::warn!(error = %e, agent_id, "could not refresh a listing"),
        }
    }

    /// [`AppState::refresh_listing`] in the background.
    pub fn refresh_listing_later(&self, agent_id: &str) {
        let (state, id) = (self.clone(), agent_id.to_owned());
        tokio::spawn(async move { state.refresh_listing(&id).await });
    }
}

/// A server that is running.
pub struct RunningServer {
    addr: SocketAddr,
    state: AppState,
    task: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    /// The address it listens on.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server's state (tests use it to audit the ledger).
    #[must_use]
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops accepting, closes streams with 1001, finishes in-flight requests (at most 10 s).
    pub async fn shutdown(self) {
        self.state.shutdown.cancel();
        let sockets = self.state.sockets.clone();
        let drained = async move {
            let _ = self.task.await;
            sockets.close();
            sockets.wait().await;
        };
        let _ = tokio::time::timeout(Duration::from_secs(10), drained).await;
    }

    /// Waits until the server stops.
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// Opens storage, seeds, resumes sessions and starts serving.
///
/// # Errors
/// Storage that cannot be opened, or an address that cannot be bound.
pub async fn start(config: Config) -> AppResult<RunningServer> {
    let db = Db::open(&config.db)?;
    let secret = match &config.jwt_secret {
        Some(s) => s.clone().into_bytes(),
        None => {
            tracing::warn!(
                "no --jwt-secret given: using a random one; tokens will not survive a restart"
            );
            rand::random::<[u8; 32]>().to_vec()
        }
    };
    let tokens = TokenService::new(&secret, config.access_token_ttl);
    tokens.revoke(db.read(db::users::revoked_families).await?);
    let limiter = RateLimiter::new(config.rate_limit_anonymous, config.rate_limit_authenticated);
    let state = AppState(Arc::new(Shared {
        config: config.clone(),
        db,
        tokens,
        hub: Hub::default(),
        notifier: Notifier::default(),
        runner: Runner::default(),
        search: RwLock::new(SearchIndex::new()),
        inflight: Mutex::new(HashSet::new()),
        tickets: Mutex::new(HashMap::new()),
        pending_views: Mutex::new(HashMap::new()),
        metrics: Metrics::default(),
        limiter,
        shutdown: CancellationToken::new(),
        sockets: TaskTracker::new(),
    }));
    if config.seed_demo {
        crate::seed::seed_demo(&state).await?;
    }
    let listings = state.db.read(db::agents::all_listings).await?;
    {
        let mut index = state.search.write();
        for l in listings {
            index.upsert(l);
        }
    }
    let resumed = runner::resume_all(&state).await?;
    if resumed > 0 {
        tracing::info!(resumed, "resumed active sessions");
    }
    crate::http::spawn_background(&state);

    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|e| AppError::internal(format!("cannot bind {}: {e}", config.bind)))?;
    let addr = listener.local_addr().map_err(AppError::internal)?;
    // Small fixed send buffers: a stalled viewer is noticed (and cut as a slow consumer) after
    // a few hundred KiB instead of the kernel's autotuned megabytes, and idle connections stay
    // light. No Nagle delay for small event frames.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
        let _ = socket2::SockRef::from(&*tcp).set_send_buffer_size(SEND_BUFFER);
    });
    let router = crate::http::router(state.clone());
    let shutdown = state.shutdown.clone();
    let task = tokio::spawn(async move {
        let serve = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { shutdown.cancelled().await });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "server failed");
        }
    });
    Ok(RunningServer { addr, state, task })
}

impl RunningServer {
    /// Waits for the shutdown token, then drains like [`RunningServer::shutdown`].
    pub async fn shutdown_when_cancelled(self) {
        self.state.shutdown.cancelled().await;
        self.shutdown().await;
    }
}
