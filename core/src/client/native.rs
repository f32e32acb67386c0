//! The native transports (feature `native`): reqwest for HTTP, tokio-tungstenite for
//! WebSockets, tokio for time and background tasks. This is the only module that names
//! reqwest, tungstenite or the tokio runtime; the client's logic sees the traits of
//! [`transport`](super::transport).

use std::pin::Pin;
use std::time::Duration;

use super::error::{Error, Result};
use super::transport::{
    BoxFuture, HttpRequest, HttpResponse, HttpTransport, Method, Spawner, TextBuffer, Timer,
    TransportError, WsConnection, WsConnector, WsFrame, WsOpenError, WsText,
};

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
            let method = match req.method {
                Method::Get => reqwest::Method::GET,
                Method::Post => reqwest::Method::POST,
                Method::Patch => reqwest::Method::PATCH,
                Method::Put => reqwest::Method::PUT,
                Method::Delete => reqwest::Method::DELETE,
            };
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

/// The default connector: tokio-tungstenite (rustls for `wss://`).
#[derive(Clone, Copy, Debug, Default)]
pub struct TungsteniteConnector;

/// A tungstenite text frame, already checked as UTF-8, handed over without a copy.
struct TungsteniteText(tokio_tungstenite::tungstenite::Utf8Bytes);

impl TextBuffer for TungsteniteText {
    fn text(&self) -> &str {
        self.0.as_str()
    }
}

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
                Ok(Message::Text(t)) => Ok(WsFrame::Text(WsText::shared(TungsteniteText(t)))),
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

    fn wall_clock(&self) -> std::time::SystemTime {
        std::time::SystemTime::now()
    }
}

/// Runs the client's background tasks on a tokio runtime.
#[derive(Clone, Debug)]
pub struct TokioSpawner(tokio::runtime::Handle);

impl TokioSpawner {
    /// Spawns on the runtime of `handle` (a binding's own runtime, for instance).
    #[must_use]
    pub fn new(handle: tokio::runtime::Handle) -> Self {
        TokioSpawner(handle)
    }

    /// Spawns on the runtime the caller runs in.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] outside a tokio runtime: build the client inside one, or
    /// give [`ClientBuilder::spawner`](super::ClientBuilder::spawner) a spawner.
    pub fn current() -> Result<Self> {
        tokio::runtime::Handle::try_current()
            .map(TokioSpawner)
            .map_err(|_| Error::InvalidArgument {
                field: Some("spawner".into()),
                message: "no tokio runtime is running here: build the client inside one, or give ClientBuilder::spawner a TokioSpawner::new(handle)".into(),
                request_id: None,
            })
    }
}

impl Spawner for TokioSpawner {
    fn spawn(&self, task: BoxFuture<'static, ()>) {
        drop(self.0.spawn(task));
    }
}
