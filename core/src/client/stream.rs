//! The session stream: [`Client::session_events`] yields every [`SessionEvent`] of a session
//! exactly once, in order, reconnecting by itself after any cut and resuming with `afterSeq`.
//!
//! Each frame goes through a [`StreamCursor`], so a replayed duplicate is dropped and a gap is
//! an error ([`Error::SessionMismatch`]) rather than a silent loss. A link that shows no frame
//! for 30 s (the server pings at least every 15 s) is treated as dead and reconnected.
//! Reconnects are reported to the [`RetryObserver`](super::RetryObserver) like retries.

use std::collections::{HashMap, VecDeque};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::{FutureExt, Stream, StreamExt, stream};
use tokio::sync::{mpsc, oneshot, watch};

use super::Client;
use super::error::{Error, Result};
use super::http::seg;
use super::retry::{RetryEvent, RetryReason};
use super::transport::{WsConnection, WsFrame, WsOpenError, within};
use crate::SessionEvent;
use crate::cursor::{Accepted, StreamCursor};

/// No frame for this long means the link is dead (the server pings at least every 15 s).
const DEAD_LINK: Duration = Duration::from_secs(30);
/// Reconnects in a row without an event delivered before the stream gives up.
const MAX_RECONNECTS: u32 = 20;

pub(super) type Ws = Box<dyn WsConnection>;

/// Where a session stream's connection stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionState {
    /// Opening the first connection.
    Connecting,
    /// Connected: replaying, then following live.
    Live,
    /// The link was cut (or went silent); waiting to reconnect. `attempt` counts from 1.
    Reconnecting {
        /// Reconnects in a row without an event delivered.
        attempt: u32,
    },
    /// The stream is over: after `session.ended`, a final error, or when dropped.
    Ended,
}

/// A command waiting to go out on the socket.
struct Outgoing {
    command_id: String,
    data: serde_json::Value,
    acked: oneshot::Sender<()>,
}

/// The events of one session, as returned by [`Client::session_events`]: a
/// `Stream<Item = Result<SessionEvent>>` that also tells where its connection stands and sends
/// commands on the same socket.
pub struct SessionEvents {
    inner: Pin<Box<dyn Stream<Item = Result<SessionEvent>> + Send>>,
    state: watch::Receiver<ConnectionState>,
    commands: mpsc::UnboundedSender<Outgoing>,
}

impl SessionEvents {
    /// The connection's state now.
    #[must_use]
    pub fn state(&self) -> ConnectionState {
        *self.state.borrow()
    }

    /// A receiver that wakes on every change of [`ConnectionState`].
    #[must_use]
    pub fn watch_state(&self) -> watch::Receiver<ConnectionState> {
        self.state.clone()
    }

    /// Sends a command to the agent on this stream's socket and resolves once its
    /// `session.command_ack` has come through the stream.
    ///
    /// The acknowledgement is read by the stream itself, so keep polling it (the usual
    /// `while let Some(event) = events.next().await` loop) while awaiting this. A command
    /// sent while the link is down goes out after the reconnect. Acknowledgements are
    /// replayed after a cut, so one that arrived while reconnecting is still seen; a command
    /// lost with a cut before the server read it is never acknowledged — await it with a
    /// timeout and resend under a new `command_id` if that matters.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a bad `command_id` or a `data` that is not an object;
    /// [`Error::Transport`] if the stream ends before the acknowledgement.
    pub fn command(
        &self,
        command_id: impl Into<String>,
        data: serde_json::Value,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        let command_id = command_id.into();
        let req = crate::model::CommandRequest {
            command_id: command_id.clone(),
            data,
        };
        let (acked, rx) = oneshot::channel();
        let queued = match req.validate() {
            Err(e) => Err(Error::InvalidArgument {
                field: Some(e.field),
                message: e.message,
                request_id: None,
            }),
            Ok(()) => self
                .commands
                .send(Outgoing {
                    command_id,
                    data: req.data,
                    acked,
                })
                .map_err(|_| ended_before_ack()),
        };
        async move {
            queued?;
            rx.await.map_err(|_| ended_before_ack())
        }
    }
}

fn ended_before_ack() -> Error {
    Error::Transport {
        message: "the session stream ended before the command was acknowledged".into(),
        source: None,
    }
}

impl Stream for SessionEvents {
    type Item = Result<SessionEvent>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl std::fmt::Debug for SessionEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionEvents")
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

struct Events {
    client: Client,
    session_id: String,
    cursor: StreamCursor,
    ws: Option<Ws>,
    /// The bearer the current connection was opened with, to refresh it after a 4001.
    token: Option<String>,
    refreshed: bool,
    failures: u32,
    finished: bool,
    state: watch::Sender<ConnectionState>,
    commands: mpsc::UnboundedReceiver<Outgoing>,
    /// Commands to send once connected.
    outbox: VecDeque<Outgoing>,
    /// Sent commands waiting for their `session.command_ack`.
    awaiting_ack: HashMap<String, oneshot::Sender<()>>,
}

impl Drop for Events {
    fn drop(&mut self) {
        self.state.send_replace(ConnectionState::Ended);
    }
}

impl Client {
    /// Every event of a session from the first (`session.started`, seq 1) to
    /// `session.ended`, as a stream that survives connection cuts.
    ///
    /// The stream ends after `session.ended`. It yields an error and ends when the server
    /// refuses the caller ([`Error::Unauthenticated`], [`Error::Forbidden`],
    /// [`Error::NotFound`]), on a gap in `seq` ([`Error::SessionMismatch`]), on an
    /// undecodable frame ([`Error::Decode`]), or after 20 reconnects in a row without an
    /// event. Dropping the stream closes the connection.
    pub fn session_events(&self, session_id: &str) -> SessionEvents {
        self.session_events_after(session_id, 0)
    }

    /// [`Client::session_events`] starting after `after_seq` (the last seq the application
    /// processed, for instance before a restart).
    pub fn session_events_after(&self, session_id: &str, after_seq: u64) -> SessionEvents {
        let (state_tx, state_rx) = watch::channel(ConnectionState::Connecting);
        let (commands_tx, commands_rx) = mpsc::unbounded_channel();
        let state = Events {
            client: self.clone(),
            session_id: session_id.to_owned(),
            cursor: StreamCursor::after(after_seq),
            ws: None,
            token: None,
            refreshed: false,
            failures: 0,
            finished: false,
            state: state_tx,
            commands: commands_rx,
            outbox: VecDeque::new(),
            awaiting_ack: HashMap::new(),
        };
        // The state is boxed so each step moves a pointer, not the whole connection state.
        let inner = stream::unfold(Box::new(state), |mut st| async move {
            let item = st.next_event().await;
            if item.is_none() || st.finished {
                st.state.send_replace(ConnectionState::Ended);
            }
            Some((item?, st))
        });
        SessionEvents {
            inner: Box::pin(inner),
            state: state_rx,
            commands: commands_tx,
        }
    }
}

impl Events {
    fn url(&self) -> String {
        ws_url(
            &self.client,
            &format!(
                "/v1/sessions/{}/stream?afterSeq={}",
                seg(&self.session_id),
                self.cursor.last_seq()
            ),
        )
    }

    fn path(&self) -> String {
        format!("/v1/sessions/{}/stream", seg(&self.session_id))
    }

    async fn next_event(&mut self) -> Option<Result<SessionEvent>> {
        loop {
            if self.finished {
                if let Some(mut ws) = self.ws.take() {
                    let _ = within(
                        self.client.inner.timer.sleep(Duration::from_secs(1)),
                        ws.close(),
                    )
                    .await;
                }
                return None;
            }
            let Some(ws) = self.ws.as_mut() else {
                if let Err(e) = self.connect().await {
                    self.finished = true;
                    return Some(Err(e));
                }
                continue;
            };
            if let Some(out) = self.outbox.pop_front() {
                let text = serde_json::json!({"type": "command", "commandId": out.command_id, "data": out.data}).to_string();
                if ws.send_text(text).await.is_ok() {
                    self.awaiting_ack.insert(out.command_id, out.acked);
                } else {
                    // The socket is gone: the command goes out after the reconnect.
                    self.outbox.push_front(out);
                    self.ws = None;
                    let e = Error::Transport {
                        message: "session stream cut while sending a command".into(),
                        source: None,
                    };
                    if let Err(e) = self.wait_before_reconnect(RetryReason::Transport, e).await {
                        self.finished = true;
                        return Some(Err(e));
                    }
                }
                continue;
            }
            // A frame already buffered is taken without arming the dead-link timer: during a
            // replay nearly every frame is, and a timer per frame costs more than the decoding.
            let next = match ws.next().now_or_never() {
                Some(frame) => Ok(frame),
                None => tokio::select! {
                    next = within(self.client.inner.timer.sleep(DEAD_LINK), ws.next()) => next,
                    Some(out) = self.commands.recv() => {
                        self.outbox.push_back(out);
                        continue;
                    }
                },
            };
            let (reason, error) = match next {
                Ok(Some(Ok(frame))) => match self.on_frame(frame).await {
                    Some(item) => return Some(item),
                    None => continue,
                },
                Ok(Some(Err(e))) => (
                    RetryReason::Transport,
                    Error::Transport {
                        message: format!("session stream cut: {e}"),
                        source: Some(Box::new(e)),
                    },
                ),
                Ok(None) => (
                    RetryReason::Transport,
                    Error::Transport {
                        message: "session stream closed without a close frame".into(),
                        source: None,
                    },
                ),
                Err(_) => {
                    // Reported apart from a cut: the link is silent, not closed.
                    tracing::warn!(session_id = %self.session_id, "no frame for 30 s; link is dead");
                    (
                        RetryReason::Timeout,
                        Error::Timeout {
                            message: "session stream showed no frame for 30 s".into(),
                        },
                    )
                }
            };
            tracing::debug!(session_id = %self.session_id, %error, "session stream lost");
            self.ws = None;
            if let Err(e) = self.wait_before_reconnect(reason, error).await {
                self.finished = true;
                return Some(Err(e));
            }
        }
    }

    /// Handles one frame: `Some` is an item for the application, `None` reads on.
    async fn on_frame(&mut self, frame: WsFrame) -> Option<Result<SessionEvent>> {
        match frame {
            WsFrame::Text(text) => {
                let event = match SessionEvent::from_json(text.as_str()) {
                    Ok(e) => e,
                    Err(e) => {
                        self.finished = true;
                        return Some(Err(Error::Decode {
                            message: format!("session stream frame: {e}"),
                        }));
                    }
                };
                match self.cursor.accept(event.seq) {
                    Ok(Accepted::Duplicate) => None,
                    Ok(Accepted::Deliver) => {
                        self.failures = 0;
                        self.refreshed = false;
                        if let crate::EventKind::CommandAck { command_id } = &event.kind
                            && let Some(acked) = self.awaiting_ack.remove(command_id)
                        {
                            let _ = acked.send(());
                        }
                        if event.kind.is_terminal() {
                            self.finished = true;
                        }
                        Some(Ok(event))
                    }
                    Err(gap) => {
                        self.finished = true;
                        Some(Err(Error::SessionMismatch {
                            message: format!("session '{}': {gap}", self.session_id),
                        }))
                    }
                }
            }
            WsFrame::Close(frame) => {
                let code = frame.as_ref().map(|(code, _)| *code);
                let reason = frame.map(|(_, reason)| reason).unwrap_or_default();
                let e = self.closed(code, reason).await?;
                self.finished = true;
                Some(Err(e))
            }
            // Pings are answered by tungstenite; nothing else is expected.
            _ => None,
        }
    }

    /// Handles a close frame: `Some(error)` ends the stream, `None` reconnects.
    async fn closed(&mut self, code: Option<u16>, reason: String) -> Option<Error> {
        self.ws = None;
        match code {
            Some(4001) => {
                let unauthenticated = Error::Unauthenticated {
                    message: reason,
                    request_id: None,
                };
                // Without a token, or after a refresh already failed to help, give up.
                let Some(stale) = self.token.clone() else {
                    return Some(unauthenticated);
                };
                if self.refreshed {
                    return Some(unauthenticated);
                }
                self.refreshed = true;
                let client = self.client.clone();
                client
                    .inner
                    .auth
                    .refresh_replacing(&client, &stale)
                    .await
                    .err()
            }
            Some(4003) => Some(Error::Forbidden {
                message: reason,
                request_id: None,
            }),
            Some(4004) => Some(Error::NotFound {
                message: reason,
                request_id: None,
            }),
            // 1000 before `session.ended` reached us, 1001, 4008 or anything else: resume.
            _ => self
                .wait_before_reconnect(
                    RetryReason::Transport,
                    Error::Transport {
                        message: format!("session stream closed with {code:?}: {reason}"),
                        source: None,
                    },
                )
                .await
                .err(),
        }
    }

    /// Waits before the next connection; `error` (what broke) is returned once too many
    /// reconnects in a row failed.
    async fn wait_before_reconnect(&mut self, reason: RetryReason, error: Error) -> Result<()> {
        self.failures += 1;
        if self.failures > MAX_RECONNECTS {
            return Err(error);
        }
        self.state.send_replace(ConnectionState::Reconnecting {
            attempt: self.failures,
        });
        pause_before_reconnect(&self.client, &self.path(), self.failures, reason).await;
        Ok(())
    }

    /// Opens the socket with a fresh bearer, retrying transient failures.
    async fn connect(&mut self) -> Result<()> {
        loop {
            match open_ws(&self.client, &self.url(), "session stream").await? {
                Opened::Ws(ws, token) => {
                    tracing::debug!(session_id = %self.session_id, after_seq = self.cursor.last_seq(), "session stream open");
                    self.token = token;
                    self.ws = Some(ws);
                    self.state.send_replace(ConnectionState::Live);
                    return Ok(());
                }
                Opened::Retry(reason, error) => self.wait_before_reconnect(reason, error).await?,
            }
        }
    }
}

/// What an attempt to open a WebSocket led to.
pub(super) enum Opened {
    /// Open, with the bearer it was opened with.
    Ws(Ws, Option<String>),
    /// A transient failure: wait and try again.
    Retry(RetryReason, Error),
}

/// The `ws://`/`wss://` form of the client's base URL, followed by `path_and_query`.
pub(super) fn ws_url(client: &Client, path_and_query: &str) -> String {
    let base = client.base_url();
    let ws_base = match base.strip_prefix("https://") {
        Some(rest) => format!("wss://{rest}"),
        None => format!("ws://{}", base.trim_start_matches("http://")),
    };
    format!("{ws_base}{path_and_query}")
}

/// Opens a WebSocket at `url` with a fresh bearer (refreshed first if it is about to expire).
///
/// # Errors
/// A final refusal: a 4xx answer to the upgrade, or a URL or token that cannot be sent.
pub(super) async fn open_ws(client: &Client, url: &str, what: &str) -> Result<Opened> {
    let token = client.inner.auth.bearer(client).await?;
    let headers = token
        .iter()
        .map(|t| ("authorization", format!("Bearer {t}")))
        .collect();
    let connect = client.inner.ws.connect(url.to_owned(), headers);
    Ok(
        match within(client.inner.timer.sleep(DEAD_LINK), connect).await {
            Ok(Ok(ws)) => Opened::Ws(ws, token),
            Ok(Err(WsOpenError::Refused { status, body })) => {
                let err = Error::from_response(status, &body, None, None);
                if status < 500 && status != 429 {
                    return Err(err);
                }
                Opened::Retry(RetryReason::ServerError(status), err)
            }
            Ok(Err(WsOpenError::Failed(e))) => Opened::Retry(
                RetryReason::Transport,
                Error::Transport {
                    message: format!("cannot open the {what}: {e}"),
                    source: Some(Box::new(e)),
                },
            ),
            Err(_) => Opened::Retry(
                RetryReason::Timeout,
                Error::Timeout {
                    message: format!("opening the {what}"),
                },
            ),
        },
    )
}

/// Waits the retry policy's backoff before reconnect number `attempt` of a stream at `path`,
/// telling the [`RetryObserver`](super::RetryObserver) first.
pub(super) async fn pause_before_reconnect(
    client: &Client,
    path: &str,
    attempt: u32,
    reason: RetryReason,
) {
    let delay = client.inner.retry.backoff(attempt);
    client.inner.observer.on_retry(&RetryEvent {
        method: "GET".into(),
        path: path.to_owned(),
        attempt,
        reason,
        delay,
    });
    client.inner.timer.sleep(delay).await;
}
