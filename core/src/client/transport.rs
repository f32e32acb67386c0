//! The transport seam: everything the client sends, opens, waits for or spawns goes through
//! five traits, so the client's logic — tokens, retries, idempotency keys, resume, error
//! mapping — never names an HTTP stack, a socket library or a runtime.
//!
//! | trait | native default (feature `native`) | a browser build fills it with |
//! |---|---|---|
//! | [`HttpTransport`] | `ReqwestTransport` | `fetch` |
//! | [`WsConnector`] / [`WsConnection`] | `TungsteniteConnector` | the browser's `WebSocket` |
//! | [`Timer`] | `TokioTimer` | `setTimeout`, `performance.now()`, `Date.now()` |
//! | [`Spawner`] | `TokioSpawner` | `wasm_bindgen_futures::spawn_local` |
//!
//! Natively every future and every seam object is `Send`; on wasm32 they need not be (browser
//! futures hold JS values), which [`SendOutsideWasm`] and [`BoxFuture`] express once.
//!
//! A host or a test injects its own with [`ClientBuilder`](super::ClientBuilder).

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use super::error::BoxError;

/// `Send` natively; nothing on wasm32, where browser futures and JS handles are not `Send`
/// (as matrix-sdk-common's `SendOutsideWasm`).
#[cfg(not(target_arch = "wasm32"))]
pub trait SendOutsideWasm: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + ?Sized> SendOutsideWasm for T {}
/// `Send` natively; nothing on wasm32, where browser futures and JS handles are not `Send`
/// (as matrix-sdk-common's `SendOutsideWasm`).
#[cfg(target_arch = "wasm32")]
pub trait SendOutsideWasm {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> SendOutsideWasm for T {}

/// `Sync` natively; nothing on wasm32.
#[cfg(not(target_arch = "wasm32"))]
pub trait SyncOutsideWasm: Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Sync + ?Sized> SyncOutsideWasm for T {}
/// `Sync` natively; nothing on wasm32.
#[cfg(target_arch = "wasm32")]
pub trait SyncOutsideWasm {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> SyncOutsideWasm for T {}

/// A boxed future, `Send` natively (what the seam's methods return).
#[cfg(not(target_arch = "wasm32"))]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// A boxed future, `Send` natively (what the seam's methods return).
#[cfg(target_arch = "wasm32")]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// A boxed stream, `Send` natively (what the paging streams return).
#[cfg(not(target_arch = "wasm32"))]
pub type BoxStream<'a, T> = Pin<Box<dyn futures_util::Stream<Item = T> + Send + 'a>>;
/// A boxed stream, `Send` natively (what the paging streams return).
#[cfg(target_arch = "wasm32")]
pub type BoxStream<'a, T> = Pin<Box<dyn futures_util::Stream<Item = T> + 'a>>;

/// The HTTP methods the contract uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PATCH`
    Patch,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method as sent on the wire.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One try of a request, as the client hands it to the transport.
#[derive(Clone)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
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

impl HttpRequest {
    /// The URL with the query percent-encoded (for transports that take one string).
    #[must_use]
    pub fn full_url(&self) -> String {
        if self.query.is_empty() {
            return self.url.clone();
        }
        let mut url = self.url.clone();
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.query {
            ser.append_pair(k, v);
        }
        url.push('?');
        url.push_str(&ser.finish());
        url
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
pub trait HttpTransport: SendOutsideWasm + SyncOutsideWasm + 'static {
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

/// What a frame's text is borrowed from, for transports that hand frames over without a copy.
pub trait TextBuffer: SendOutsideWasm + SyncOutsideWasm + 'static {
    /// The text (valid UTF-8, checked once by the transport).
    fn text(&self) -> &str;
}

/// The text of a WebSocket frame: valid UTF-8, shared without a copy when the transport
/// allows it (the native transport's frames are never copied nor validated twice).
pub struct WsText(TextRepr);

enum TextRepr {
    Owned(String),
    Shared(Box<dyn TextBuffer>),
}

impl WsText {
    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            TextRepr::Owned(s) => s,
            TextRepr::Shared(t) => t.text(),
        }
    }

    /// Text held by a transport's own buffer.
    #[must_use]
    pub fn shared(buffer: impl TextBuffer) -> Self {
        WsText(TextRepr::Shared(Box::new(buffer)))
    }
}

impl std::fmt::Debug for WsText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("WsText").field(&self.as_str()).finish()
    }
}

impl From<String> for WsText {
    fn from(s: String) -> Self {
        WsText(TextRepr::Owned(s))
    }
}

/// One frame received on a WebSocket, as the client needs it.
#[derive(Debug)]
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
    futures_util::Stream<Item = std::result::Result<WsFrame, TransportError>> + SendOutsideWasm + Unpin
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
pub trait WsConnector: SendOutsideWasm + SyncOutsideWasm + 'static {
    /// Opens `url` with `headers` (the bearer token among them, unless
    /// [`WsConnector::sends_headers`] is false).
    ///
    /// # Errors
    /// [`WsOpenError`].
    fn connect(
        &self,
        url: String,
        headers: Vec<(&'static str, String)>,
    ) -> BoxFuture<'_, std::result::Result<Box<dyn WsConnection>, WsOpenError>>;

    /// Whether `connect` can send headers. A browser's WebSocket cannot: the client then
    /// fetches a single-use stream ticket before each connection and puts it in the URL.
    fn sends_headers(&self) -> bool {
        true
    }
}

/// Time, for retry delays, budgets, dead-link detection and token expiry.
pub trait Timer: SendOutsideWasm + SyncOutsideWasm + 'static {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
    /// A monotonic clock reading; only differences between readings mean anything.
    fn now(&self) -> Duration;
    /// The wall clock (token expiry survives restarts, so it is kept in wall-clock time).
    /// Required: `SystemTime::now()` panics on wasm32.
    fn wall_clock(&self) -> SystemTime;
}

/// Runs the client's background tasks: the drivers of session and notification streams,
/// which own their socket so that a handle works whoever polls it (or nobody).
pub trait Spawner: SendOutsideWasm + SyncOutsideWasm + 'static {
    /// Runs `task` to completion in the background.
    fn spawn(&self, task: BoxFuture<'static, ()>);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_url_encodes_the_query() {
        let req = HttpRequest {
            method: Method::Get,
            url: "http://h/v1/marketplace/search".into(),
            query: vec![("q", "chess coach".into()), ("rank", "gold&x".into())],
            headers: vec![],
            body: None,
        };
        assert_eq!(
            req.full_url(),
            "http://h/v1/marketplace/search?q=chess+coach&rank=gold%26x"
        );
    }
}
