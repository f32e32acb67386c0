//! The core's transport seam filled with what the JavaScript platform gives (wasm32 only):
//!
//! | seam | here |
//! |---|---|
//! | `HttpTransport` | [`FetchTransport`]: `fetch`, one `AbortController` per try (the try's timeout, and a dropped future aborts its request) |
//! | `WsConnector` | [`JsWsConnector`]: the `WebSocket` constructor given in the options (Node 20: the `ws` package) or the global one; it cannot send headers, so the core fetches a single-use stream ticket for each connection |
//! | `Timer` | [`JsTimer`]: `setTimeout` (cleared when the sleep is dropped), `performance.now()`, `Date.now()` |
//! | `Spawner` | [`LocalSpawner`]: `wasm_bindgen_futures::spawn_local` on the page's event loop |
//!
//! and [`JsTokenStore`], the core's `TokenStore` over a `{load, save}` hook (the ESM layer
//! passes `localStorage` in browsers).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use jiga::client::{
    BoxFuture, HttpRequest, HttpResponse, HttpTransport, Spawner, Timer, TokenStore, Tokens,
    TransportError, WsConnection, WsConnector, WsFrame, WsOpenError, WsText,
};
use js_sys::{Array, Function, Promise, Uint8Array};
use tokio::sync::mpsc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(inline_js = r#"
export function newAbortController() { return new AbortController(); }
export function abortController(c) { c.abort(); }
export async function jigaFetch(ctl, url, method, headers, body, timeoutMs) {
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; ctl.abort(); }, timeoutMs);
  try {
    const init = { method, headers, signal: ctl.signal };
    if (body !== undefined) init.body = body;
    const res = await fetch(url, init);
    const buf = new Uint8Array(await res.arrayBuffer());
    const hs = [];
    res.headers.forEach((v, k) => { hs.push(k, v); });
    return [res.status, hs, buf];
  } catch (e) {
    throw [timedOut ? 'timeout' : 'broken', String(e && e.cause ? e.message + ': ' + e.cause : e)];
  } finally {
    clearTimeout(timer);
  }
}
export function sleep(ms) {
  let id;
  const p = new Promise((resolve) => { id = setTimeout(resolve, ms); });
  return [p, id];
}
export function cancelSleep(id) { clearTimeout(id); }
export function monotonicMs() { return performance.now(); }
export function wallClockMs() { return Date.now(); }
export function openSocket(ctor, url, onOpen, onText, onClose, onError) {
  const Ctor = ctor ?? globalThis.WebSocket;
  if (typeof Ctor !== 'function') {
    throw new Error('no WebSocket here: pass the WebSocket option (on Node 20, the ws package)');
  }
  const ws = new Ctor(url);
  ws.onopen = () => onOpen();
  ws.onmessage = (ev) => { if (typeof ev.data === 'string') onText(ev.data); };
  ws.onclose = (ev) => onClose(ev.code ?? 1006, ev.reason ?? '');
  ws.onerror = (ev) => onError(String((ev && ev.message) || 'websocket error'));
  return ws;
}
export function socketSend(ws, text) {
  if (ws.readyState !== 1) return false;
  ws.send(text);
  return true;
}
export function socketClose(ws) {
  // No-ops rather than null: closing a socket that is still opening raises an error event,
  // which Node's ws throws when nothing listens.
  const noop = () => {};
  ws.onopen = ws.onmessage = ws.onclose = ws.onerror = noop;
  try { if (ws.readyState < 2) ws.close(1000); } catch (_) {}
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = newAbortController)]
    fn new_abort_controller() -> JsValue;
    #[wasm_bindgen(js_name = abortController)]
    fn abort_controller(c: &JsValue);
    #[wasm_bindgen(js_name = jigaFetch)]
    fn jiga_fetch(
        ctl: &JsValue,
        url: &str,
        method: &str,
        headers: &Array,
        body: JsValue,
        timeout_ms: f64,
    ) -> Promise;
    #[wasm_bindgen(js_name = sleep)]
    fn js_sleep(ms: f64) -> Array;
    #[wasm_bindgen(js_name = cancelSleep)]
    fn cancel_sleep(id: &JsValue);
    #[wasm_bindgen(js_name = monotonicMs)]
    fn monotonic_ms() -> f64;
    #[wasm_bindgen(js_name = wallClockMs)]
    fn wall_clock_ms() -> f64;
    #[wasm_bindgen(js_name = openSocket, catch)]
    fn open_socket(
        ctor: &JsValue,
        url: &str,
        on_open: &Function,
        on_text: &Function,
        on_close: &Function,
        on_error: &Function,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = socketSend, catch)]
    fn socket_send(ws: &JsValue, text: &str) -> Result<bool, JsValue>;
    #[wasm_bindgen(js_name = socketClose)]
    fn socket_close(ws: &JsValue);
}

/// Aborts its request when dropped (a finished request ignores it).
struct AbortOnDrop(JsValue);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        abort_controller(&self.0);
    }
}

/// HTTP through `fetch`.
pub(crate) struct FetchTransport {
    /// The time limit of one try.
    pub(crate) timeout: Duration,
}

fn failure(e: JsValue) -> TransportError {
    let parts = Array::from(&e);
    let message = parts.get(1).as_string().unwrap_or_else(|| format!("{e:?}"));
    if parts.get(0).as_string().as_deref() == Some("timeout") {
        TransportError::Timeout { message }
    } else {
        // `fetch` does not say whether the request left: it may have reached the server.
        TransportError::Broken {
            message,
            source: None,
        }
    }
}

impl HttpTransport for FetchTransport {
    fn send(
        &self,
        req: HttpRequest,
    ) -> BoxFuture<'_, std::result::Result<HttpResponse, TransportError>> {
        let timeout = self.timeout;
        Box::pin(async move {
            let headers = Array::new();
            for (name, value) in &req.headers {
                headers.push(&Array::of2(
                    &JsValue::from_str(name),
                    &JsValue::from_str(value),
                ));
            }
            let body = match &req.body {
                Some(b) => Uint8Array::from(b.as_slice()).into(),
                None => JsValue::UNDEFINED,
            };
            let ctl = AbortOnDrop(new_abort_controller());
            let answer = JsFuture::from(jiga_fetch(
                &ctl.0,
                &req.full_url(),
                req.method.as_str(),
                &headers,
                body,
                timeout.as_secs_f64() * 1000.0,
            ))
            .await
            .map_err(failure)?;
            let parts = Array::from(&answer);
            let status = parts.get(0).as_f64().unwrap_or(0.0) as u16;
            let flat = Array::from(&parts.get(1));
            let headers = (0..flat.length() / 2)
                .map(|i| {
                    let k = flat.get(2 * i).as_string().unwrap_or_default();
                    let v = flat.get(2 * i + 1).as_string().unwrap_or_default();
                    (k, v)
                })
                .collect();
            let body = Uint8Array::new(&parts.get(2)).to_vec().into();
            Ok(HttpResponse {
                status,
                headers,
                body,
            })
        })
    }
}

/// What the socket's callbacks tell the connection.
enum Signal {
    Open,
    Text(String),
    Close(u16, String),
    Error(String),
}

/// The platform's WebSocket (or the constructor given in the options).
pub(crate) struct JsWsConnector {
    /// The `WebSocket` constructor; `undefined` for the global one.
    pub(crate) ctor: JsValue,
}

/// One open socket: its frames arrive through the callbacks into a channel.
struct JsWsConnection {
    ws: JsValue,
    rx: mpsc::UnboundedReceiver<Signal>,
    /// The callbacks, kept alive as long as the socket.
    _callbacks: Callbacks,
    closed: bool,
}

struct Callbacks {
    _open: Closure<dyn FnMut()>,
    _text: Closure<dyn FnMut(String)>,
    _close: Closure<dyn FnMut(u16, String)>,
    _error: Closure<dyn FnMut(String)>,
}

impl Drop for JsWsConnection {
    fn drop(&mut self) {
        // Detaches the callbacks before they are freed, and closes the socket.
        socket_close(&self.ws);
    }
}

impl futures_util::Stream for JsWsConnection {
    type Item = std::result::Result<WsFrame, TransportError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.closed {
            return Poll::Ready(None);
        }
        loop {
            return match self.rx.poll_recv(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Ready(Some(Signal::Open)) => continue,
                Poll::Ready(Some(Signal::Text(t))) => {
                    Poll::Ready(Some(Ok(WsFrame::Text(WsText::from(t)))))
                }
                Poll::Ready(Some(Signal::Close(code, reason))) => {
                    self.closed = true;
                    // 1005/1006 mean no close frame came: a cut, as natively.
                    if code == 1005 || code == 1006 {
                        Poll::Ready(Some(Err(TransportError::Broken {
                            message: format!("the socket closed without a close frame ({code})"),
                            source: None,
                        })))
                    } else {
                        Poll::Ready(Some(Ok(WsFrame::Close(Some((code, reason))))))
                    }
                }
                // An error is followed by a close event, which says how it ended.
                Poll::Ready(Some(Signal::Error(_))) => continue,
            };
        }
    }
}

impl WsConnection for JsWsConnection {
    fn send_text(
        &mut self,
        text: String,
    ) -> BoxFuture<'_, std::result::Result<(), TransportError>> {
        let sent = socket_send(&self.ws, &text);
        Box::pin(async move {
            match sent {
                Ok(true) => Ok(()),
                Ok(false) => Err(TransportError::Broken {
                    message: "the socket is not open".into(),
                    source: None,
                }),
                Err(e) => Err(TransportError::Broken {
                    message: format!("{e:?}"),
                    source: None,
                }),
            }
        })
    }

    fn close(&mut self) -> BoxFuture<'_, ()> {
        socket_close(&self.ws);
        self.closed = true;
        Box::pin(async {})
    }
}

impl WsConnector for JsWsConnector {
    fn connect(
        &self,
        url: String,
        _headers: Vec<(&'static str, String)>,
    ) -> BoxFuture<'_, std::result::Result<Box<dyn WsConnection>, WsOpenError>> {
        Box::pin(async move {
            let (tx, mut rx) = mpsc::unbounded_channel();
            let callbacks = {
                let (t1, t2, t3, t4) = (tx.clone(), tx.clone(), tx.clone(), tx);
                Callbacks {
                    _open: Closure::new(move || {
                        let _ = t1.send(Signal::Open);
                    }),
                    _text: Closure::new(move |s: String| {
                        let _ = t2.send(Signal::Text(s));
                    }),
                    _close: Closure::new(move |code: u16, reason: String| {
                        let _ = t3.send(Signal::Close(code, reason));
                    }),
                    _error: Closure::new(move |m: String| {
                        let _ = t4.send(Signal::Error(m));
                    }),
                }
            };
            let failed = |message: String| {
                WsOpenError::Failed(TransportError::NotSent {
                    message,
                    source: None,
                })
            };
            let ws = open_socket(
                &self.ctor,
                &url,
                callbacks._open.as_ref().unchecked_ref(),
                callbacks._text.as_ref().unchecked_ref(),
                callbacks._close.as_ref().unchecked_ref(),
                callbacks._error.as_ref().unchecked_ref(),
            )
            .map_err(|e| {
                failed(
                    js_sys::Error::from(e)
                        .message()
                        .as_string()
                        .unwrap_or_default(),
                )
            })?;
            let mut conn = JsWsConnection {
                ws,
                rx: mpsc::unbounded_channel().1,
                _callbacks: callbacks,
                closed: false,
            };
            // A browser does not tell why an upgrade failed (no status): any failure to open
            // is a failed attempt, which the core's reconnect machine counts.
            loop {
                match rx.recv().await {
                    Some(Signal::Open) => break,
                    Some(Signal::Error(m)) => return Err(failed(m)),
                    Some(Signal::Close(code, reason)) => {
                        return Err(failed(format!("closed while opening ({code} {reason})")));
                    }
                    Some(Signal::Text(_)) | None => {}
                }
            }
            conn.rx = rx;
            Ok(Box::new(conn) as Box<dyn WsConnection>)
        })
    }

    fn sends_headers(&self) -> bool {
        false
    }
}

/// A `setTimeout` that is cleared when the future is dropped.
struct Sleep {
    done: JsFuture,
    id: JsValue,
}

impl Drop for Sleep {
    fn drop(&mut self) {
        cancel_sleep(&self.id);
    }
}

impl std::future::Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.done).poll(cx).map(|_| ())
    }
}

/// Time from the JavaScript platform.
pub(crate) struct JsTimer;

impl Timer for JsTimer {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        let pair = js_sleep(duration.as_secs_f64() * 1000.0);
        Box::pin(Sleep {
            done: JsFuture::from(Promise::from(pair.get(0))),
            id: pair.get(1),
        })
    }

    fn now(&self) -> Duration {
        Duration::from_secs_f64(monotonic_ms().max(0.0) / 1000.0)
    }

    fn wall_clock(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs_f64(wall_clock_ms().max(0.0) / 1000.0)
    }
}

/// Background tasks (stream drivers) on the event loop.
pub(crate) struct LocalSpawner;

impl Spawner for LocalSpawner {
    fn spawn(&self, task: BoxFuture<'static, ()>) {
        wasm_bindgen_futures::spawn_local(task);
    }
}

/// The core's `TokenStore` over a JS hook: `load()` returns the saved tokens' JSON text (or
/// `null`), `save(text)` stores it (`null` forgets).
pub(crate) struct JsTokenStore {
    pub(crate) load: Function,
    pub(crate) save: Function,
}

impl TokenStore for JsTokenStore {
    fn load(&self) -> Option<Tokens> {
        let text = self.load.call0(&JsValue::NULL).ok()?.as_string()?;
        serde_json::from_slice(text.as_bytes()).ok()
    }

    fn save(&self, tokens: Option<&Tokens>) {
        let value = match tokens.and_then(|t| serde_json::to_string(t).ok()) {
            Some(text) => JsValue::from_str(&text),
            None => JsValue::NULL,
        };
        // A storage that refuses (quota, private mode) leaves the client signed in anyway.
        let _ = self.save.call1(&JsValue::NULL, &value);
    }
}
