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

/// The text of a WebSocket frame: valid UTF-8, shared without a copy when the transport
/// allows it (the default transport's frames are never copied nor validated twice).
#[derive(Clone, Debug)]
pub struct WsText(TextRepr);

#[derive(Clone, Debug)]
enum TextRepr {
    Owned(String),
    Tungstenite(tokio_tungstenite::tungstenite::Utf8Bytes),
}

impl WsText {
    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            TextRepr::Owned(s) => s,
            TextRepr::Tungstenite(t) => t.as_str(),
        }
    }
}

impl From<String> for WsText {
    fn from(s: String) -> Self {
        WsText(TextRepr::Owned(s))
    }
}

/// One frame received on a WebSocket, as the client needs it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum WsFrame {
    /// A text frame.
    Text(WsText),
    /// The peer closed, with its close code and reason if it sent them.
    Close(Option<(u16, String)>),
    /// Anything else (pings are answered by the transport).
    Other,
}

/// An open WebSocket: a stream of frames, and text going the other way.
pub trait WsConnection:
    futures_util::Stream<Item = std::result::Result<WsFrame, TransportError>> + Send + Unpin
{
    /// Sends one text frame.
    ///
    /// # Errors
    /// [`TransportError::Broken`] when the socket is gone.
    fn send_text(&mut self, text: String)
    -> BoxFuture<'_, std::result::Result<(), TransportError>>;
    /// Closes the socket politely (best effort).
    fn close(&mut self) -> BoxFuture<'_, ()>;
}

/// Why a WebSocket did not open.
#[derive(Debug)]
#[non_exhaustive]
pub enum WsOpenError {
    /// The server answered the upgrade with an HTTP error.
    Refused {
        /// Its status.
        status: u16,
        /// Its body.
        body: Vec<u8>,
    },
    /// No answer: the connection failed or timed out.
    Failed(TransportError),
}

/// Opens WebSockets; the seam a browser build fills with the browser's WebSocket.
pub trait WsConnector: Send + Sync + 'static {
    /// Opens `url` with `headers` (the bearer token among them).
    ///
    /// # Errors
    /// [`WsOpenError`].
    fn connect(
        &self,
        url: String,
        headers: Vec<(&'static str, String)>,
    ) -> BoxFuture<'_, std::result::Result<Box<dyn WsConnection>, WsOpenError>>;
}

/// The default connector: tokio-tungstenite (rustls for `wss://`).
#[derive(Clone, Copy, Debug, Default)]
pub struct TungsteniteConnector;

struct TungsteniteConnection(
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
);

impl futures_util::Stream for TungsteniteConnection {
    type Item = std::result::Result<WsFrame, TransportError>;

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use tokio_tungstenite::tungstenite::Message;
        Pin::new(&mut self.0).poll_next(cx).map(|item| {
            item.map(|r| match r {
                // Zero-copy: the frame's bytes move into `WsFrame` as they are.
                Ok(Message::Text(t)) => Ok(WsFrame::Text(WsText(TextRepr::Tungstenite(t)))),
                Ok(Message::Close(f)) => Ok(WsFrame::Close(
                    f.map(|f| (u16::from(f.code), f.reason.to_string())),
                )),
                Ok(_) => Ok(WsFrame::Other),
                Err(e) => Err(TransportError::Broken {
                    message: e.to_string(),
                    source: Some(Box::new(e)),
                }),
            })
        })
    }
}

impl WsConnection for TungsteniteConnection {
    fn send_text(
        &mut self,
        text: String,
    ) -> BoxFuture<'_, std::result::Result<(), TransportError>> {
        use futures_util::SinkExt;
        Box::pin(async move {
            self.0
                .send(tokio_tungstenite::tungstenite::Message::text(text))
                .await
                .map_err(|e| TransportError::Broken {
                    message: e.to_string(),
                    source: Some(Box::new(e)),
                })
        })
    }

    fn close(&mut self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let _ = self.0.close(None).await;
        })
    }
}

impl WsConnector for TungsteniteConnector {
    fn connect(
        &self,
        url: String,
        headers: Vec<(&'static str, String)>,
    ) -> BoxFuture<'_, std::result::Result<Box<dyn WsConnection>, WsOpenError>> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        use tokio_tungstenite::tungstenite::http::HeaderValue;
        Box::pin(async move {
            let bad = |message: String| {
                WsOpenError::Failed(TransportError::NotSent {
                    message,
                    source: None,
                })
            };
            let mut req = url
                .as_str()
                .into_client_request()
                .map_err(|e| bad(format!("bad url '{url}': {e}")))?;
            for (name, value) in headers {
                let value = HeaderValue::from_str(&value)
                    .map_err(|_| bad(format!("header '{name}' is not a valid value")))?;
                req.headers_mut().insert(name, value);
            }
            match tokio_tungstenite::connect_async(req).await {
                Ok((ws, _)) => Ok(Box::new(TungsteniteConnection(ws)) as Box<dyn WsConnection>),
                Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
                    Err(WsOpenError::Refused {
                        status: res.status().as_u16(),
                        body: res.body().clone().unwrap_or_default(),
                    })
                }
                Err(e) => Err(WsOpenError::Failed(TransportError::NotSent {
                    message: e.to_string(),
                    source: Some(Box::new(e)),
                })),
            }
        })
    }
}

/// Time, for retry delays, budgets and dead-link detection: the seam a browser build fills
/// with `setTimeout` and `performance.now()`.
pub trait Timer: Send + Sync + 'static {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
    /// A monotonic clock reading; only differences between readings mean anything.
    fn now(&self) -> Duration;
    /// The wall clock (token expiry survives restarts, so it is kept in wall-clock time).
    fn wall_clock(&self) -> std::time::SystemTime {
        std::time::SystemTime::now()
    }
}

/// The default timer: tokio's (so tests may pause and advance it).
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioTimer;

impl Timer for TokioTimer {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }

    fn now(&self) -> Duration {
        static ORIGIN: std::sync::OnceLock<tokio::time::Instant> = std::sync::OnceLock::new();
        ORIGIN.get_or_init(tokio::time::Instant::now).elapsed()
    }
}

/// A deadline passed before the work finished.
#[derive(Debug)]
pub(crate) struct Elapsed;

/// `work`, unless `deadline` (a [`Timer::sleep`]) completes first.
pub(crate) async fn within<F: Future>(
    deadline: BoxFuture<'static, ()>,
    work: F,
) -> std::result::Result<F::Output, Elapsed> {
    let work = std::pin::pin!(work);
    match futures_util::future::select(work, deadline).await {
        futures_util::future::Either::Left((out, _)) => Ok(out),
        futures_util::future::Either::Right(_) => Err(Elapsed),
    }
}
