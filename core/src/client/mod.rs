//! The async client of the store API (feature `client`, on by default).
//!
//! | file | what it holds |
//! |---|---|
//! | `mod.rs` | [`Client`] and [`ClientBuilder`] |
//! | `error.rs` | [`Error`] and [`Result`] |
//! | `http.rs` | the request core: bearer token, refresh on 401, the retry loop |
//! | `retry.rs` | [`RetryPolicy`], [`RetryObserver`] |
//! | `idempotency.rs` | [`IdempotencyKey`] |
//! | `auth.rs` | sign-in, [`Tokens`], [`TokenStore`], the single-flight refresh |
//! | `users.rs`, `agents.rs`, `marketplace.rs`, `wallet.rs`, `sessions.rs` | one method per route |
//! | `pagination.rs` | [`PageRequest`] and [`paginate`], a `Stream` over every page |
//! | `stream.rs` | [`Client::session_events`]: the session stream with resume |
//!
//! A [`Client`] is cheap to clone (one `Arc`) and safe to share across tasks; clones share the
//! connection pool and the login. Dropping a call's future cancels it.

mod agents;
mod auth;
mod error;
mod http;
mod idempotency;
mod marketplace;
mod notifications;
mod pagination;
mod retry;
mod sessions;
mod stream;
mod transport;
pub use stream::{ConnectionState, SessionEvents};
pub use transport::{
    BoxFuture, HttpRequest, HttpResponse, HttpTransport, ReqwestTransport, Timer, TokioTimer,
    TransportError, TungsteniteConnector, WsConnection, WsConnector, WsFrame, WsOpenError, WsText,
};
mod users;
mod wallet;

use std::sync::Arc;
use std::time::Duration;

pub use auth::{MemoryTokenStore, TokenStore, Tokens};
pub use error::{BoxError, Error, Result};
pub use idempotency::IdempotencyKey;
pub use marketplace::SearchParams;
pub use pagination::{PageRequest, paginate};
pub use retry::{NoopObserver, RetryEvent, RetryObserver, RetryPolicy, RetryReason};
pub use sessions::SessionFilter;
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
    /// The base URL without a trailing slash.
    base: String,
    retry: RetryPolicy,
    observer: Arc<dyn RetryObserver>,
    auth: auth::AuthState,
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

    /// Sends HTTP through `transport` instead of the default [`ReqwestTransport`] (then
    /// `timeout` and `connect_timeout` are the transport's business).
    pub fn http_transport(mut self, transport: Arc<dyn HttpTransport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Opens WebSockets (session and notification streams) through `connector` instead of
    /// the default [`TungsteniteConnector`].
    pub fn ws_connector(mut self, connector: Arc<dyn WsConnector>) -> Self {
        self.ws = Some(connector);
        self
    }

    /// Takes time (retry delays, dead-link detection) from `timer` instead of tokio's.
    pub fn timer(mut self, timer: Arc<dyn Timer>) -> Self {
        self.timer = Some(timer);
        self
    }

    /// Builds the client, loading any saved tokens from the store.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a missing or malformed base URL,
    /// [`Error::Transport`] when the HTTP stack cannot be set up.
    pub fn build(self) -> Result<Client> {
        let bad = |message: String| Error::InvalidArgument {
            field: Some("baseUrl".into()),
            message,
            request_id: None,
        };
        let raw = self
            .base_url
            .ok_or_else(|| bad("a base url is required".into()))?;
        let url = reqwest::Url::parse(&raw).map_err(|e| bad(format!("'{raw}': {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.query().is_some() {
            return Err(bad(format!(
                "'{raw}' must be an http or https url without a query"
            )));
        }
        let transport = match self.transport {
            Some(t) => t,
            None => Arc::new(ReqwestTransport::new(self.timeout, self.connect_timeout)?),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                ws: self.ws.unwrap_or_else(|| Arc::new(TungsteniteConnector)),
                timer: self.timer.unwrap_or_else(|| Arc::new(TokioTimer)),
                base: url.as_str().trim_end_matches('/').to_owned(),
                retry: self.retry,
                observer: self.observer,
                auth: auth::AuthState::new(self.store),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_is_send_sync_and_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<Client>();
    }

    #[test]
    fn base_url_is_checked() {
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
