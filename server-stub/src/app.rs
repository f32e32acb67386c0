//! [`start`]: opens storage, builds the state, resumes sessions and serves HTTP until shut
//! down; [`RunningServer`] is the handle on it. The accept loop is ours (see [`serve`]) so
//! that every connection has the contract's header-read timeout.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use parking_lot::Mutex;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::{LoginThrottle, TokenService};
use crate::catalog::Catalog;
use crate::config::Config;
use crate::db::{self, Db};
use crate::error::{AppError, AppResult};
use crate::forwarded::TrustedProxies;
use crate::metrics::Metrics;
use crate::profiles::Profiles;
use crate::ratelimit::RateLimiter;
use crate::sim::brain::SimBrains;
use crate::sim::runner::{Runner, RunnerDeps};
use crate::state::{AppState, Shared};
use crate::stream::conns::ConnectionCap;
use crate::stream::deps::StreamDeps;
use crate::stream::hub::Hub;
use crate::stream::notify::Notifier;
use crate::stream::tickets::TicketStore;

/// Kernel send buffer of each connection.
const SEND_BUFFER: usize = 256 * 1024;

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
        let sockets = self.state.streams.sockets.clone();
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
    let tokens = Arc::new(TokenService::new(&secret, config.access_token_ttl));
    tokens.revoke(db.read(db::users::revoked_families).await?);
    let metrics = Arc::new(Metrics::default());
    let shutdown = CancellationToken::new();
    let hub = Arc::new(Hub::default());
    let notifier = Arc::new(Notifier::default());
    let catalog = Arc::new(Catalog::new(
        db.clone(),
        Duration::from_secs(config.listing_cache_ttl_secs),
    ));
    let profiles = Arc::new(Profiles::new(
        db.clone(),
        Duration::from_secs(config.profile_cache_ttl_secs),
    ));
    let runner = Arc::new(Runner::new(RunnerDeps {
        db: db.clone(),
        hub: hub.clone(),
        notifier: notifier.clone(),
        catalog: catalog.clone(),
        metrics: metrics.clone(),
        shutdown: shutdown.clone(),
        fee_bps: config.platform_fee_bps,
        brains: Arc::new(SimBrains),
    }));
    let streams = Arc::new(StreamDeps {
        db: db.clone(),
        tokens: tokens.clone(),
        tickets: Arc::new(TicketStore::default()),
        conns: Arc::new(ConnectionCap::new(config.max_ws_per_user)),
        hub: hub.clone(),
        notifier: notifier.clone(),
        commands: runner.clone(),
        shutdown: shutdown.clone(),
        sockets: TaskTracker::new(),
        idle_timeout: Duration::from_secs(config.ws_idle_timeout_secs.max(1)),
    });
    let state = AppState::new(Shared {
        limiter: Arc::new(RateLimiter::new(
            config.rate_limit_anonymous,
            config.rate_limit_authenticated,
        )),
        config: config.clone(),
        db,
        tokens,
        hub,
        notifier,
        runner,
        catalog,
        profiles,
        inflight: Mutex::new(Default::default()),
        metrics,
        logins: LoginThrottle::default(),
        shutdown,
        streams,
    });
    if config.seed_demo {
        crate::seed::seed_demo(&state).await?;
    }
    state.catalog.load().await?;
    let resumed = state.runner.resume_all().await?;
    if resumed > 0 {
        tracing::info!(resumed, "resumed active sessions");
    }
    state.catalog.spawn_chores(state.shutdown.clone());
    state.streams.tickets.spawn_sweeper(state.shutdown.clone());
    state.limiter.spawn_sweeper(state.shutdown.clone());
    crate::channels::Dispatcher {
        db: state.db.clone(),
        notifier: state.notifier.clone(),
        queued: Arc::default(),
        webhooks: crate::channels::webhook::Sender::new(config.allow_private_webhooks)
            .map_err(AppError::internal)?,
        mailer: match &config.smtp_url {
            Some(url) => Some(
                crate::channels::email::Mailer::new(url, &config.mail_from)
                    .map_err(AppError::internal)?,
            ),
            None => None,
        },
        retry_base: Duration::from_millis(config.delivery_retry_base_ms.max(1)),
        sinks: if config.analytics_dir.is_some() {
            vec![
                crate::channels::FANOUT_SINK,
                crate::channels::analytics::SINK,
            ]
        } else {
            vec![crate::channels::FANOUT_SINK]
        },
    }
    .spawn(state.shutdown.clone());
    if let Some(dir) = &config.analytics_dir {
        crate::channels::analytics::Exporter::new(state.db.clone(), dir, "jiga-server")
            .map_err(AppError::internal)?
            .spawn(&state.notifier, state.shutdown.clone());
    }

    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|e| AppError::internal(format!("cannot bind {}: {e}", config.bind)))?;
    let addr = listener.local_addr().map_err(AppError::internal)?;
    let router = crate::http::router(state.clone());
    let task = tokio::spawn(serve(
        listener,
        router,
        state.shutdown.clone(),
        Duration::from_secs(config.header_read_timeout_secs.max(1)),
        Arc::new(TrustedProxies::new(config.trusted_proxies.clone())),
    ));
    Ok(RunningServer { addr, state, task })
}

/// Accepts connections until `shutdown`, then lets each finish its in-flight requests.
///
/// Hand-written rather than `axum::serve`, which gives hyper no timer and so no header-read
/// timeout: here a connection that has not sent a request's headers within `header_timeout`
/// of being opened (or of its previous response) is closed, so a silent or trickling client
/// cannot hold a connection and its task for ever.
///
/// Each request carries `ConnectInfo` with the client's address: the peer's, or the one a
/// trusted proxy forwarded ([`TrustedProxies`]).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: CancellationToken,
    header_timeout: Duration,
    proxies: Arc<TrustedProxies>,
) {
    let connections = TaskTracker::new();
    loop {
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of descriptors or the like: pause instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        // Small fixed send buffers: a stalled viewer is noticed (and cut as a slow consumer)
        // after a few hundred KiB instead of the kernel's autotuned megabytes, and idle
        // connections stay light. No Nagle delay for small event frames.
        let _ = tcp.set_nodelay(true);
        let _ = socket2::SockRef::from(&tcp).set_send_buffer_size(SEND_BUFFER);
        let router = router.clone();
        let proxies = proxies.clone();
        let service = hyper::service::service_fn(
            move |mut req: hyper::Request<hyper::body::Incoming>| {
                let client = SocketAddr::new(proxies.client(peer.ip(), req.headers()), peer.port());
                req.extensions_mut().insert(ConnectInfo(client));
                let mut router = router.clone();
                async move { tower::Service::call(&mut router, req.map(axum::body::Body::new)).await }
            },
        );
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            let conn = builder
                .serve_connection(TokioIo::new(tcp), service)
                .with_upgrades();
            tokio::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                    return;
                }
                () = shutdown.cancelled() => conn.as_mut().graceful_shutdown(),
            }
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    connections.close();
    connections.wait().await;
}

impl RunningServer {
    /// Waits for the shutdown token, then drains like [`RunningServer::shutdown`].
    pub async fn shutdown_when_cancelled(self) {
        self.state.shutdown.cancelled().await;
        self.shutdown().await;
    }
}
