//! The client of the store API (feature `client`; its native transports with `native`, on
//! by default).
//!
//! | file | what it holds |
//! |---|---|
//! | `mod.rs` | [`Client`] and [`ClientBuilder`] |
//! | `error.rs` | [`Error`], [`ErrorKind`] and [`Result`] |
//! | `transport.rs` | the seam: [`HttpTransport`], [`WsConnector`], [`Timer`], [`Spawner`] |
//! | `native.rs` | the native transports: reqwest, tokio-tungstenite, tokio (feature `native`) |
//! | `http.rs` | the request core: bearer token, refresh on 401, the retry loop |
//! | `otel.rs` | `traceparent` from the caller's span on every request (feature `otel`) |
//! | `retry.rs` | [`RetryPolicy`], [`RetryObserver`] |
//! | `idempotency.rs` | [`IdempotencyKey`] |
//! | `auth.rs` | sign-in, [`Tokens`], [`TokenStore`], the single-flight refresh |
//! | `users.rs`, `agents.rs`, `marketplace.rs`, `wallet.rs`, `sessions.rs` | one method per route |
//! | `pagination.rs` | [`PageRequest`], the named paginators (`next_page`) and their `Stream`s |
//! | `link.rs` | what both stream drivers share: opening a socket, [`ConnectionState`] |
//! | `stream.rs` | [`SessionStream`]: a session's events, with resume and commands |
//! | `notifications.rs` | [`NotificationStream`]: the caller's notifications |
//!
//! A [`Client`] is cheap to clone (one `Arc`) and safe to share across tasks; clones share the
//! connection pool and the login. Dropping a call's future cancels it. Streams are handles
//! that own a background driver, so a host that blocks, or never reads, cannot stall them.

mod accounted;
mod agents;
mod auth;
mod base_url;
mod error;
mod http;
mod idempotency;
mod link;
mod marketplace;
#[cfg(feature = "native")]
mod native;
mod notifications;
mod options;
#[cfg(feature = "otel")]
mod otel;
mod pagination;
mod retry;
mod sessions;
mod stream;
pub mod transport;
mod users;
mod validators;
mod wallet;

use std::sync::Arc;
use std::time::Duration;

pub use accounted::{AccountedEvent, AccountedStream, StreamOptions};
pub use auth::{MemoryTokenStore, TokenStore, Tokens};
pub use error::{BoxError, Error, ErrorKind, Result};
pub use idempotency::IdempotencyKey;
pub use link::{ConnectionState, StateChanges};
pub use marketplace::{ListingOptions, SearchParams};
#[cfg(feature = "native")]
pub use native::{ReqwestTransport, TokioSpawner, TokioTimer, TungsteniteConnector};
pub use notifications::NotificationStream;
pub use options::{ClientOptions, RetryOptions, from_json};
pub use pagination::{
    AgentPages, PageRequest, ReviewPages, SearchPages, SessionPages, TransactionPages, VersionPages,
};
pub use retry::{NoopObserver, RetryEvent, RetryObserver, RetryPolicy, RetryReason};
pub use sessions::SessionFilter;
pub use stream::SessionStream;
pub use transport::{
    BoxFuture, BoxStream, HttpRequest, HttpResponse, HttpTransport, Method, SendOutsideWasm,
    Spawner, SyncOutsideWasm, Timer, TransportError, WsConnection, WsConnector, WsFrame,
    WsOpenError, WsText,
};
pub use wallet::TransactionFilter;

/// A client of one store server.
///
/// ```no_run
/// # async fn demo() -> jiga::Result<()> {
/// let client = jiga::Client::builder().base_url("http://127.0.0.1:3000").build()?;
/// client.sign_in_device("device-1234").await?;
/// let wallet = client.wallet().await?;
/// println!("{} available", wallet.available);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Arc<dyn HttpTransport>,
    ws: Arc<dyn WsConnector>,
    timer: Arc<dyn Timer>,
    spawner: Arc<dyn Spawner>,
    /// The base URL without a trailing slash.
    base: String,
    retry: RetryPolicy,
    observer: Arc<dyn RetryObserver>,
    auth: auth::AuthState,
    /// Set by [`Client::close`].
    shutdown: Shutdown,
    /// Public answers kept with their validators.
    validators: validators::Validators,
}

/// A client's [`close`](Client::close): a flag every handle reads without a lock, and a signal
/// the work in flight waits on.
#[derive(Debug)]
pub(crate) struct Shutdown {
    flag: Arc<std::sync::atomic::AtomicBool>,
    signal: tokio::sync::watch::Sender<bool>,
}

impl Shutdown {
    fn new() -> Self {
        Shutdown {
            flag: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            signal: tokio::sync::watch::channel(false).0,
        }
    }

    pub(crate) fn is_set(&self) -> bool {
        self.flag.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The flag, for a handle to read after the client is gone.
    pub(crate) fn flag(&self) -> Arc<std::sync::atomic::AtomicBool> {
        Arc::clone(&self.flag)
    }

    pub(crate) fn subscribe(&self) -> tokio::sync::watch::Receiver<bool> {
        self.signal.subscribe()
    }

    fn set(&self) {
        self.flag.store(true, std::sync::atomic::Ordering::Release);
        self.signal.send_replace(true);
    }
}

/// The error of a call on (or cut short by) a closed client.
pub(crate) fn closed_error() -> Error {
    Error::Closed {
        message: "the client was closed".into(),
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base)
            .field("retry", &self.inner.retry)
            .field("signed_in", &self.is_signed_in())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder; `base_url` is required.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The server's base URL, without a trailing slash.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// Shuts the client down, with every clone: calls in flight stop and fail with
    /// [`Error::Closed`] (a DOF-moving call may or may not have reached the server: its
    /// effect shows in the wallet, and a retry under the same idempotency key from a new
    /// client is safe), later calls fail with it at once, and the streams opened from it end
    /// (reads return `Ok(None)`, commands not yet acknowledged fail with `Closed`). Tokens
    /// stay where they are, for a new client. Idempotent.
    pub fn close(&self) {
        self.inner.shutdown.set();
    }

    /// Whether [`close`](Client::close) was called.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.inner.shutdown.is_set()
    }
}

/// Configures a [`Client`].
#[must_use]
pub struct ClientBuilder {
    base_url: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    observer: Arc<dyn RetryObserver>,
    store: Arc<dyn TokenStore>,
    transport: Option<Arc<dyn HttpTransport>>,
    ws: Option<Arc<dyn WsConnector>>,
    timer: Option<Arc<dyn Timer>>,
    spawner: Option<Arc<dyn Spawner>>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            observer: Arc::new(NoopObserver),
            store: Arc::new(MemoryTokenStore::default()),
            transport: None,
            ws: None,
            timer: None,
            spawner: None,
        }
    }
}

impl ClientBuilder {
    /// The server, e.g. `https://store.example.com` or `http://127.0.0.1:3000`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The time limit of one try of a request (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time limit of opening a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How failed requests are retried (default [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Called before every retry (default: nothing).
    pub fn retry_observer(mut self, observer: Arc<dyn RetryObserver>) -> Self {
        self.observer = observer;
        self
    }

    /// Where tokens are loaded from and saved to (default: memory only).
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = store;
        self
    }

    /// Sends HTTP through `transport` instead of the native `ReqwestTransport` (then
    /// `timeout` and `connect_timeout` are the transport's business). Required without the
    /// `native` feature.
    pub fn http_transport(mut self, transport: Arc<dyn HttpTransport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Opens WebSockets (session and notification streams) through `connector` instead of
    /// the native `TungsteniteConnector`. Required without the `native` feature.
    pub fn ws_connector(mut self, connector: Arc<dyn WsConnector>) -> Self {
        self.ws = Some(connector);
        self
    }

    /// Takes time (retry delays, dead-link detection, token expiry) from `timer` instead of
    /// tokio's. Required without the `native` feature.
    pub fn timer(mut self, timer: Arc<dyn Timer>) -> Self {
        self.timer = Some(timer);
        self
    }

    /// Runs stream drivers through `spawner` instead of on the tokio runtime the client is
    /// built in (a binding passes its own runtime's `TokioSpawner::new(handle)`). Required
    /// without the `native` feature.
    pub fn spawner(mut self, spawner: Arc<dyn Spawner>) -> Self {
        self.spawner = Some(spawner);
        self
    }

    /// Builds the client, loading any saved tokens from the store.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a missing or malformed base URL, a missing seam part
    /// (without the `native` feature), or no tokio runtime to spawn stream drivers on (with
    /// it, when no spawner is given); [`Error::Transport`] when the HTTP stack cannot be set
    /// up.
    pub fn build(self) -> Result<Client> {
        let bad = |field: &str, message: String| Error::InvalidArgument {
            field: Some(field.into()),
            message,
            request_id: None,
        };
        let raw = self
            .base_url
            .ok_or_else(|| bad("baseUrl", "a base url is required".into()))?;
        let base = base_url::normalise(&raw).map_err(|m| bad("baseUrl", m))?;
        let seams = Seams {
            transport: self.transport,
            ws: self.ws,
            timer: self.timer,
            spawner: self.spawner,
        }
        .complete(self.timeout, self.connect_timeout)?;
        Ok(Client {
            inner: Arc::new(Inner {
                transport: seams.0,
                ws: seams.1,
                timer: seams.2,
                spawner: seams.3,
                base,
                retry: self.retry,
                observer: self.observer,
                auth: auth::AuthState::new(self.store),
                shutdown: Shutdown::new(),
                validators: validators::Validators::default(),
            }),
        })
    }
}

/// The seam parts a builder was given; the rest are filled with the native defaults.
struct Seams {
    transport: Option<Arc<dyn HttpTransport>>,
    ws: Option<Arc<dyn WsConnector>>,
    timer: Option<Arc<dyn Timer>>,
    spawner: Option<Arc<dyn Spawner>>,
}

type Complete = (
    Arc<dyn HttpTransport>,
    Arc<dyn WsConnector>,
    Arc<dyn Timer>,
    Arc<dyn Spawner>,
);

impl Seams {
    #[cfg(feature = "native")]
    fn complete(self, timeout: Duration, connect_timeout: Duration) -> Result<Complete> {
        let transport: Arc<dyn HttpTransport> = match self.transport {
            Some(t) => t,
            None => Arc::new(ReqwestTransport::new(timeout, connect_timeout)?),
        };
        let spawner: Arc<dyn Spawner> = match self.spawner {
            Some(s) => s,
            None => Arc::new(TokioSpawner::current()?),
        };
        Ok((
            transport,
            self.ws.unwrap_or_else(|| Arc::new(TungsteniteConnector)),
            self.timer.unwrap_or_else(|| Arc::new(TokioTimer)),
            spawner,
        ))
    }

    /// Without native transports every part must be given (a wasm binding gives them all).
    #[cfg(not(feature = "native"))]
    fn complete(self, _timeout: Duration, _connect_timeout: Duration) -> Result<Complete> {
        let missing = |what: &str| Error::InvalidArgument {
            field: Some(what.into()),
            message: format!(
                "this build has no native transports (feature `native`): give ClientBuilder::{what}"
            ),
            request_id: None,
        };
        Ok((
            self.transport.ok_or_else(|| missing("http_transport"))?,
            self.ws.ok_or_else(|| missing("ws_connector"))?,
            self.timer.ok_or_else(|| missing("timer"))?,
            self.spawner.ok_or_else(|| missing("spawner"))?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_and_handles_are_send_sync_and_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<Client>();
        check::<SessionStream>();
        check::<NotificationStream>();
        check::<SearchPages>();
    }

    #[test]
    fn outside_a_runtime_the_builder_asks_for_a_spawner() {
        let e = Client::builder()
            .base_url("http://127.0.0.1:3000")
            .build()
            .expect_err("no runtime");
        assert_eq!(e.field(), Some("spawner"));
    }

    #[tokio::test]
    async fn base_url_is_checked() {
        assert!(Client::builder().build().is_err());
        assert!(Client::builder().base_url("ftp://x").build().is_err());
        assert!(Client::builder().base_url("not a url").build().is_err());
        let c = Client::builder()
            .base_url("http://127.0.0.1:3000/")
            .build()
            .expect("valid");
        assert_eq!(c.base_url(), "http://127.0.0.1:3000");
    }
}
