//! The HTTP transport seam: everything the client sends goes through one [`HttpTransport`].
//!
//! The client's logic — tokens, retries, idempotency keys, error mapping — sits above this
//! trait and never sees the HTTP stack. The default, [`ReqwestTransport`], is reqwest over
//! tokio; a host can plug its own (a browser's `fetch`, an engine's HTTP layer, or a transport
//! that injects faults on purpose in tests) with [`ClientBuilder::http_transport`].
//!
//! [`ClientBuilder::http_transport`]: super::ClientBuilder::http_transport

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use super::error::{BoxError, Error, Result};

/// A boxed, sendable future (what [`HttpTransport::send`] returns).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One try of a request, as the client hands it to the transport.
#[derive(Clone)]
pub struct HttpRequest {
    /// `GET`, `POST`, `PATCH`.
    pub method: String,
    /// Absolute URL without the query.
    pub url: String,
    /// Query parameters, not yet encoded.
    pub query: Vec<(&'static str, String)>,
    /// Headers (`authorization`, `idempotency-key`, `content-type`).
    pub headers: Vec<(&'static str, String)>,
    /// JSON body bytes.
    pub body: Option<Vec<u8>>,
}

/// Deliberately terse: the headers hold the bearer token.
impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// The server's answer.
#[derive(Clone, Debug)]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// The whole body.
    pub body: bytes::Bytes,
}

impl HttpResponse {
    /// The first value of header `name` (case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How a try failed below HTTP. The difference matters: only a request that was certainly
/// not sent may be repeated when it carries no idempotency key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The request never left (connection refused, DNS failure…).
    #[error("not sent: {message}")]
    NotSent {
        /// What happened.
        message: String,
        /// The transport's own error.
        #[source]
        source: Option<BoxError>,
    },
    /// No answer in time; the server may have acted.
    #[error("timed out: {message}")]
    Timeout {
        /// What happened.
        message: String,
    },
    /// The connection broke after the request may have reached the server.
    #[error("connection broken: {message}")]
    Broken {
        /// What happened.
        message: String,
        /// The transport's own error.
        #[source]
        source: Option<BoxError>,
    },
}

/// Sends one HTTP request and reads the whole answer.
pub trait HttpTransport: Send + Sync + 'static {
    /// Sends `req`.
    ///
    /// # Errors
    /// A [`TransportError`] when no HTTP answer came back; any status, 5xx included, is an
    /// `Ok` answer.
    fn send(
        &self,
        req: HttpRequest,
    ) -> BoxFuture<'_, std::result::Result<HttpResponse, TransportError>>;
}

/// The default transport: reqwest (rustls) on tokio.
#[derive(Clone, Debug)]
pub struct ReqwestTransport {
    http: reqwest::Client,
}

impl ReqwestTransport {
    /// A transport with a time limit per try and per connection.
    ///
    /// # Errors
    /// [`Error::Transport`] when the HTTP stack cannot be set up.
    pub fn new(timeout: Duration, connect_timeout: Duration) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(connect_timeout)
            .user_agent(concat!("jiga-core/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Transport {
                message: format!("cannot set up the http client: {e}"),
                source: Some(Box::new(e)),
            })?;
        Ok(ReqwestTransport { http })
    }
}

fn classify(e: reqwest::Error) -> TransportError {
    let message = e.to_string();
    if e.is_connect() {
        TransportError::NotSent {
            message,
            source: Some(Box::new(e)),
        }
    } else if e.is_timeout() {
        TransportError::Timeout { message }
    } else {
        TransportError::Broken {
            message,
            source: Some(Box::new(e)),
        }
    }
}

impl HttpTransport for ReqwestTransport {
    fn send(
        &self,
        req: HttpRequest,
    ) -> BoxFuture<'_, std::result::Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|e| {
                TransportError::NotSent {
                    message: format!("bad method '{}': {e}", req.method),
                    source: None,
                }
            })?;
            let mut rb = self.http.request(method, &req.url);
            if !req.query.is_empty() {
                rb = rb.query(&req.query);
            }
            for (name, value) in &req.headers {
                rb = rb.header(*name, value);
            }
            if let Some(body) = req.body {
                rb = rb.body(body);
            }
            let res = rb.send().await.map_err(classify)?;
            let status = res.status().as_u16();
            let headers = res
                .headers()
                .iter()
                .filter_map(|(k, v)| {
                    v.to_str()
                        .ok()
                        .map(|v| (k.as_str().to_owned(), v.to_owned()))
                })
                .collect();
            let body = res.bytes().await.map_err(classify)?;
            Ok(HttpResponse {
                status,
                headers,
                body,
            })
        })
    }
}
