//! What the session stream and the notification stream share: a driver task that owns the
//! socket, and the handle's side of it.
//!
//! A stream is a **handle** ([`SessionStream`](super::SessionStream),
//! [`NotificationStream`](super::NotificationStream)) over a **driver** spawned on the client's
//! [`Spawner`](super::Spawner). The driver opens the socket (with a bearer header, or a
//! single-use ticket where the connector cannot send headers), reads it, asks the sans-I/O
//! [`reconnect`](crate::reconnect) machine what each frame, close or cut means, and hands items
//! to the handle through a bounded queue of batches. Because the driver, not the reader,
//! polls the socket, a command's acknowledgement resolves whether or not anyone reads events,
//! and a host that blocks on it cannot deadlock.
//!
//! Memory stays bounded: when the queue is full the driver stops reading the socket (TCP
//! paces the server), unless a command waits for its acknowledgement: then it reads on only
//! to see acknowledgements, drops the events, and once the reader catches up reconnects with
//! `afterSeq` = the last event it queued, so delivery stays exactly once.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use tokio::sync::{Mutex, mpsc, watch};

use super::Client;
use super::error::{Error, Result};
use super::http::Req;
use super::retry::{RetryEvent, RetryReason};
use super::transport::{BoxFuture, SendOutsideWasm, WsConnection, WsFrame, WsOpenError, within};
use crate::model::StreamTicket;
use crate::reconnect::{DEAD_LINK, Frame, Link, LinkLoss, Next};
use crate::wire::{header, query};

/// Items per batch handed from the driver to the handle (one queue slot).
const BATCH: usize = 256;
/// Batches the queue holds: at most `BATCH * QUEUE` items wait for the reader.
const QUEUE: usize = 8;
/// What a new batch is allocated for (a replay burst fills about this many at once).
const BATCH_START: usize = 64;

/// Where a stream's connection stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionState {
    /// Opening the first connection.
    Connecting,
    /// Connected: replaying, then following live.
    Live,
    /// The link was cut (or went silent); waiting to reconnect. `attempt` counts from 1.
    Reconnecting {
        /// Reconnects in a row without an item delivered.
        attempt: u32,
    },
    /// The stream is over: after its last event, a final error, or `close()`.
    Ended,
}

/// The changes of a stream's [`ConnectionState`], from
/// [`SessionStream::state_changes`](super::SessionStream::state_changes) or
/// [`NotificationStream::state_changes`](super::NotificationStream::state_changes).
#[derive(Clone, Debug)]
pub struct StateChanges(watch::Receiver<ConnectionState>);

impl StateChanges {
    /// The state now.
    #[must_use]
    pub fn current(&self) -> ConnectionState {
        *self.0.borrow()
    }

    /// Waits for the next change and returns the new state; `None` once the stream's driver
    /// is gone (after [`ConnectionState::Ended`] was seen).
    pub async fn changed(&mut self) -> Option<ConnectionState> {
        self.0.changed().await.ok()?;
        Some(*self.0.borrow_and_update())
    }
}

/// What a stream's wire protocol adds to the shared driver.
pub(super) trait Protocol: SendOutsideWasm + 'static {
    /// What the handle yields.
    type Item: SendOutsideWasm + 'static;
    /// `session stream`, `notifications stream` (for messages).
    const WHAT: &'static str;
    /// The path and query of the next connection (`afterSeq` follows the cursor).
    fn path_and_query(&self) -> String;
    /// Where a single-use ticket for the next connection is issued.
    fn ticket_path(&self) -> String;
    /// The reconnect rules.
    fn link(&mut self) -> &mut Link;
    /// A text frame, while the handle's queue has room.
    fn on_text(&mut self, text: &str) -> Frame<Self::Item>;
    /// A text frame while the queue is full: not delivered (it is read again after the
    /// reconnect); returns the id of a command it acknowledges for the first time.
    fn skim(&mut self, text: &str) -> Option<String>;
    /// The command an item acknowledges.
    fn ack_of(item: &Self::Item) -> Option<&str>;
    /// True once the last item was delivered.
    fn is_finished(&self) -> bool;
}

/// A command for the agent, waiting to go out on the socket.
pub(super) struct Outgoing {
    pub(super) command_id: String,
    pub(super) frame: String,
    pub(super) acked: tokio::sync::oneshot::Sender<()>,
}

type Ws = Box<dyn WsConnection>;
type Batch<T> = Vec<Result<T>>;

/// The handle's end: batches from the driver, and what is left of the current one.
///
/// Reading an item that is already here takes one uncontended `std` lock; only an empty
/// buffer waits on the queue (under the async lock, so concurrent readers queue up).
pub(super) struct Inbox<T> {
    buf: std::sync::Mutex<VecDeque<Result<T>>>,
    rx: Mutex<InboxState<T>>,
    closed: AtomicBool,
    /// The client's [`close`](super::Client::close) flag.
    client_closed: Arc<AtomicBool>,
    state: watch::Receiver<ConnectionState>,
    close: watch::Sender<bool>,
}

struct InboxState<T> {
    rx: mpsc::Receiver<Batch<T>>,
    done: bool,
}

impl<T> Drop for Inbox<T> {
    fn drop(&mut self) {
        // The last handle is gone: the driver stops and closes the socket.
        self.close.send_replace(true);
    }
}

impl<T> Inbox<T> {
    fn pop(&self) -> Option<Result<T>> {
        self.buf
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop_front()
    }

    /// A batch from the driver: its first item, the rest into the buffer.
    fn unpack(&self, batch: Batch<T>) -> Option<Result<T>> {
        let mut items = batch.into_iter();
        let first = items.next();
        self.buf
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(items);
        first
    }

    /// The next item; `Ok(None)` after the last one, after a final error, or once closed.
    pub(super) async fn next(&self) -> Result<Option<T>> {
        if self.is_closed() {
            return Ok(None);
        }
        if let Some(item) = self.pop() {
            return item.map(Some);
        }
        let mut st = self.rx.lock().await;
        loop {
            if self.is_closed() {
                return Ok(None);
            }
            // Another reader may have filled the buffer while this one waited for the lock.
            if let Some(item) = self.pop() {
                return item.map(Some);
            }
            if st.done {
                return Ok(None);
            }
            match st.rx.recv().await {
                Some(batch) => {
                    if let Some(item) = self.unpack(batch) {
                        return item.map(Some);
                    }
                }
                None => st.done = true,
            }
        }
    }

    /// The next item if one is here already, without waiting: `Poll::Pending` when the
    /// driver has nothing yet (or another reader is waiting on it), otherwise what
    /// [`next`](Inbox::next) would return.
    pub(super) fn try_next(&self) -> std::task::Poll<Result<Option<T>>> {
        use std::task::Poll;
        if self.is_closed() {
            return Poll::Ready(Ok(None));
        }
        if let Some(item) = self.pop() {
            return Poll::Ready(item.map(Some));
        }
        // A reader waiting in `next` holds the queue; it will fill the buffer.
        let Ok(mut st) = self.rx.try_lock() else {
            return Poll::Pending;
        };
        if let Some(item) = self.pop() {
            return Poll::Ready(item.map(Some));
        }
        loop {
            if st.done {
                return Poll::Ready(Ok(None));
            }
            match st.rx.try_recv() {
                Ok(batch) => {
                    if let Some(item) = self.unpack(batch) {
                        return Poll::Ready(item.map(Some));
                    }
                }
                Err(mpsc::error::TryRecvError::Empty) => return Poll::Pending,
                Err(mpsc::error::TryRecvError::Disconnected) => st.done = true,
            }
        }
    }

    pub(super) fn state(&self) -> ConnectionState {
        *self.state.borrow()
    }

    pub(super) fn state_changes(&self) -> StateChanges {
        StateChanges(self.state.clone())
    }

    pub(super) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.close.send_replace(true);
    }

    pub(super) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire) || self.client_closed.load(Ordering::Acquire)
    }
}

/// The read in progress of a handle's `Stream` impl (kept per clone, not shared).
pub(super) type PendingRead<T> = std::sync::Mutex<Option<BoxFuture<'static, Result<Option<T>>>>>;

/// `Stream::poll_next` of a handle over `inbox`, keeping the read in progress in `pending`.
pub(super) fn poll_next_item<T: SendOutsideWasm + 'static>(
    inbox: &Arc<Inbox<T>>,
    pending: &mut PendingRead<T>,
    cx: &mut std::task::Context<'_>,
) -> std::task::Poll<Option<Result<T>>> {
    let pending = pending
        .get_mut()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let fut = pending.get_or_insert_with(|| {
        let inbox = Arc::clone(inbox);
        Box::pin(async move { inbox.next().await })
    });
    let out = std::task::ready!(fut.as_mut().poll(cx));
    *pending = None;
    std::task::Poll::Ready(out.transpose())
}

/// Spawns the driver of `protocol` on the client's spawner and returns the handle's end.
pub(super) fn spawn<P: Protocol>(
    client: &Client,
    protocol: P,
    commands: Option<mpsc::Receiver<Outgoing>>,
) -> Inbox<P::Item> {
    let (out, rx) = mpsc::channel(QUEUE);
    let (state_tx, state_rx) = watch::channel(ConnectionState::Connecting);
    let (close_tx, close_rx) = watch::channel(false);
    let driver = Driver {
        client: client.clone(),
        protocol,
        ws: None,
        token: None,
        out,
        batch: Vec::new(),
        skimmed: false,
        state: state_tx,
        close: Closing {
            handle: close_rx,
            client: client.inner.shutdown.subscribe(),
        },
        commands,
        outbox: VecDeque::new(),
        awaiting: std::collections::HashMap::new(),
    };
    client.inner.spawner.spawn(Box::pin(driver.run()));
    Inbox {
        buf: std::sync::Mutex::new(VecDeque::new()),
        rx: Mutex::new(InboxState { rx, done: false }),
        closed: AtomicBool::new(false),
        client_closed: client.inner.shutdown.flag(),
        state: state_rx,
        close: close_tx,
    }
}

struct Driver<P: Protocol> {
    client: Client,
    protocol: P,
    ws: Option<Ws>,
    /// The bearer the current connection was opened with (refreshed after a 4001).
    token: Option<String>,
    out: mpsc::Sender<Batch<P::Item>>,
    /// Items not yet handed to the handle.
    batch: Batch<P::Item>,
    /// Frames were read and dropped while the queue was full: replay them.
    skimmed: bool,
    state: watch::Sender<ConnectionState>,
    close: Closing,
    commands: Option<mpsc::Receiver<Outgoing>>,
    /// Commands to send once connected.
    outbox: VecDeque<Outgoing>,
    /// Sent commands waiting for their acknowledgement.
    awaiting: std::collections::HashMap<String, tokio::sync::oneshot::Sender<()>>,
}

/// Why the driver's loop stops.
enum Stop {
    /// The handle closed (or was dropped).
    Closed,
    /// The last item, or a final error, is in the batch.
    Finished,
}

/// Returns to the executor once, runnable at once (a reader woken on this worker runs first).
async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            return std::task::Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    })
    .await;
}

/// Resolves when `close` is set (or its handle is gone).
async fn closed(close: &mut watch::Receiver<bool>) {
    let _ = close.wait_for(|c| *c).await;
}

/// What ends a driver: its handle's close (or the last handle dropped), or the client's.
struct Closing {
    handle: watch::Receiver<bool>,
    client: watch::Receiver<bool>,
}

impl Closing {
    fn is_set(&self) -> bool {
        *self.handle.borrow() || *self.client.borrow()
    }

    /// Resolves once either is set. The client's sender lives as long as the client, which
    /// the driver holds, so its side never resolves by being dropped.
    async fn wait(&mut self) {
        tokio::select! {
            () = closed(&mut self.handle) => {}
            () = closed(&mut self.client) => {}
        }
    }
}

/// The next command, or never (the notification stream takes none).
async fn next_command(commands: &mut Option<mpsc::Receiver<Outgoing>>) -> Option<Outgoing> {
    match commands {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

impl<P: Protocol> Driver<P> {
    async fn run(mut self) {
        let stop = self.drive().await;
        if let Some(mut ws) = self.ws.take() {
            let _ = within(
                self.client.inner.timer.sleep(Duration::from_secs(1)),
                ws.close(),
            )
            .await;
        }
        if matches!(stop, Stop::Finished) && !self.batch.is_empty() {
            // Hand over the last items unless the handle closes first.
            let batch = std::mem::take(&mut self.batch);
            tokio::select! {
                biased;
                () = self.close.wait() => {}
                _ = self.out.send(batch) => {}
            }
        }
        self.state.send_replace(ConnectionState::Ended);
    }

    fn full(&self) -> bool {
        self.batch.len() >= BATCH
    }

    /// Hands the batch over if the queue has room; false when the handle is gone.
    fn flush(&mut self) -> bool {
        if self.batch.is_empty() {
            return true;
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_START));
        match self.out.try_send(batch) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(b)) => {
                self.batch = b;
                true
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    async fn drive(&mut self) -> Stop {
        loop {
            if self.close.is_set() || !self.flush() {
                return Stop::Closed;
            }
            if self.protocol.is_finished() {
                return Stop::Finished;
            }
            if self.full() {
                // Wait for room, reading on for acknowledgements only.
                if let Some(stop) = self.wait_for_room().await {
                    return stop;
                }
                continue;
            }
            if self.ws.is_none() {
                if let Some(stop) = self.connect().await {
                    return stop;
                }
                continue;
            }
            if let Some(out) = self.outbox.pop_front() {
                if let Some(stop) = self.send_command(out).await {
                    return stop;
                }
                continue;
            }
            // Frames already buffered are taken without arming the dead-link timer: during a
            // replay nearly every frame is, and a timer per frame costs more than decoding.
            let mut took = false;
            while !self.full() {
                let Some(ws) = self.ws.as_mut() else { break };
                let Some(frame) = ws.next().now_or_never() else {
                    break;
                };
                took = true;
                if let Some(stop) = self.on_frame(Ok(frame)).await {
                    return stop;
                }
                if self.ws.is_none() || self.protocol.is_finished() {
                    break;
                }
            }
            if took {
                // Let a reader on this worker take the batch before reading on.
                if !self.batch.is_empty() && self.flush() && self.batch.is_empty() {
                    yield_once().await;
                }
                continue;
            }
            let Some(ws) = self.ws.as_mut() else { continue };
            let timer = self.client.inner.timer.sleep(DEAD_LINK);
            let frame = tokio::select! {
                biased;
                () = self.close.wait() => return Stop::Closed,
                Some(out) = next_command(&mut self.commands) => {
                    self.outbox.push_back(out);
                    continue;
                }
                frame = within(timer, ws.next()) => frame,
            };
            if let Some(stop) = self.on_frame(frame).await {
                return stop;
            }
        }
    }

    /// While the queue is full: wait for room, still reading the socket for acks.
    async fn wait_for_room(&mut self) -> Option<Stop> {
        let out = self.out.clone();
        loop {
            // Commands still go out: their acknowledgements are what this mode reads for.
            if let (Some(ws), Some(cmd)) = (self.ws.as_mut(), self.outbox.pop_front()) {
                if ws.send_text(cmd.frame.clone()).await.is_ok() {
                    self.awaiting.insert(cmd.command_id, cmd.acked);
                } else {
                    self.outbox.push_front(cmd);
                    self.skimmed = true;
                    self.ws = None;
                }
                continue;
            }
            // With no command awaiting its acknowledgement the socket is left unread: TCP
            // holds the server back (a replay is paced by its reader), and nothing is read
            // only to be dropped and fetched again. Reading resumes — skimming for acks —
            // while a command waits.
            self.awaiting.retain(|_, acked| !acked.is_closed());
            let ws = if self.awaiting.is_empty() {
                None
            } else {
                self.ws.as_mut()
            };
            let reading = async move {
                match ws {
                    Some(ws) => ws.next().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                () = self.close.wait() => return Some(Stop::Closed),
                permit = out.reserve() => {
                    let Ok(permit) = permit else { return Some(Stop::Closed) };
                    permit.send(std::mem::take(&mut self.batch));
                    if self.skimmed {
                        // Events were dropped: read them again from where the queue stops.
                        self.skimmed = false;
                        self.ws = None;
                    }
                    return None;
                }
                Some(out) = next_command(&mut self.commands) => self.outbox.push_back(out),
                frame = reading => match frame {
                    Some(Ok(WsFrame::Text(text))) => {
                        self.skimmed = true;
                        if let Some(id) = self.protocol.skim(text.as_str()) {
                            self.ack(&id);
                        }
                    }
                    Some(Ok(WsFrame::Other)) => {}
                    // Any loss: reconnect once there is room (not counted: nothing failed).
                    _ => {
                        self.skimmed = true;
                        self.ws = None;
                    }
                },
            }
        }
    }

    fn ack(&mut self, command_id: &str) {
        if let Some(acked) = self.awaiting.remove(command_id) {
            let _ = acked.send(());
        }
    }

    async fn send_command(&mut self, out: Outgoing) -> Option<Stop> {
        let ws = self.ws.as_mut()?;
        if ws.send_text(out.frame.clone()).await.is_ok() {
            self.awaiting.insert(out.command_id, out.acked);
            return None;
        }
        // The socket is gone: the command goes out after the reconnect.
        self.outbox.push_front(out);
        self.lost(LinkLoss::Cut).await
    }

    /// Handles one read: `Some` stops the driver.
    async fn on_frame(
        &mut self,
        read: std::result::Result<
            Option<std::result::Result<WsFrame, super::TransportError>>,
            super::transport::Elapsed,
        >,
    ) -> Option<Stop> {
        match read {
            Ok(Some(Ok(WsFrame::Text(text)))) => match self.protocol.on_text(text.as_str()) {
                Frame::Deliver(item) => {
                    if let Some(id) = P::ack_of(&item) {
                        let id = id.to_owned();
                        self.ack(&id);
                    }
                    self.batch.push(Ok(item));
                    None
                }
                Frame::Duplicate => None,
                Frame::End(e) => self.end(Error::from_stream(e, P::WHAT)),
            },
            Ok(Some(Ok(WsFrame::Close(frame)))) => {
                self.ws = None;
                let (code, reason) = match frame {
                    Some((code, reason)) => (Some(code), reason),
                    None => (None, String::new()),
                };
                let next = self.protocol.link().on_close(code, &reason);
                self.follow(next).await
            }
            Ok(Some(Ok(_))) => None,
            Ok(Some(Err(e))) => {
                tracing::debug!(error = %e, "{} cut", P::WHAT);
                self.lost(LinkLoss::Cut).await
            }
            Ok(None) => self.lost(LinkLoss::Ended).await,
            Err(_) => {
                tracing::warn!(
                    "{}: no frame for {} s; link is dead",
                    P::WHAT,
                    DEAD_LINK.as_secs()
                );
                self.lost(LinkLoss::DeadLink).await
            }
        }
    }

    async fn lost(&mut self, loss: LinkLoss) -> Option<Stop> {
        self.ws = None;
        let next = self.protocol.link().on_loss(loss);
        self.follow(next).await
    }

    fn end(&mut self, error: Error) -> Option<Stop> {
        self.batch.push(Err(error));
        Some(Stop::Finished)
    }

    /// Does what the reconnect machine decided.
    async fn follow(&mut self, next: Next) -> Option<Stop> {
        match next {
            Next::Reconnect { attempt, cause } => {
                tracing::debug!(attempt, %cause, "{} lost", P::WHAT);
                self.state
                    .send_replace(ConnectionState::Reconnecting { attempt });
                let reason = match cause {
                    LinkLoss::DeadLink => RetryReason::Timeout,
                    LinkLoss::Unavailable { status } if status != 429 => {
                        RetryReason::ServerError(status)
                    }
                    LinkLoss::Unavailable { .. } => RetryReason::RateLimited,
                    _ => RetryReason::Transport,
                };
                let target = self.protocol.path_and_query();
                let path = target.split('?').next().unwrap_or_default();
                let pause = pause_before_reconnect(&self.client, path, attempt, reason);
                tokio::select! {
                    biased;
                    () = self.close.wait() => Some(Stop::Closed),
                    () = pause => None,
                }
            }
            Next::RefreshThenReconnect => {
                let stale = self.token.clone().unwrap_or_default();
                let client = self.client.clone();
                match client.inner.auth.refresh_replacing(&client, &stale).await {
                    Ok(_) => None,
                    Err(e) => self.end(e),
                }
            }
            Next::End(e) => self.end(Error::from_stream(e, P::WHAT)),
        }
    }

    /// Opens the socket, or decides what a failure to open means.
    async fn connect(&mut self) -> Option<Stop> {
        let client = self.client.clone();
        let opening = open(
            &client,
            self.protocol.path_and_query(),
            self.protocol.ticket_path(),
            P::WHAT,
        );
        let opened = tokio::select! {
            biased;
            () = self.close.wait() => return Some(Stop::Closed),
            opened = opening => opened,
        };
        match opened {
            Ok(Opened::Ws(ws, token)) => {
                tracing::debug!(path = %self.protocol.path_and_query(), "{} open", P::WHAT);
                self.protocol.link().opened(token.is_some());
                self.token = token;
                self.ws = Some(ws);
                self.state.send_replace(ConnectionState::Live);
                None
            }
            Ok(Opened::Refused { status, body }) => {
                let next = self.protocol.link().on_refused(status);
                if let Next::End(crate::reconnect::StreamError::Refused { .. }) = next {
                    // The server's own answer says more than the status.
                    return self.end(Error::from_response(status, &body, None, None));
                }
                self.follow(next).await
            }
            Ok(Opened::Failed(loss)) => {
                let next = self.protocol.link().on_loss(loss);
                self.follow(next).await
            }
            Err(e) => self.end(e),
        }
    }
}

/// What an attempt to open a stream's socket led to.
enum Opened {
    /// Open, with the bearer it was opened with.
    Ws(Ws, Option<String>),
    /// The upgrade was answered with an HTTP error.
    Refused { status: u16, body: Vec<u8> },
    /// No answer.
    Failed(LinkLoss),
}

/// The `ws://`/`wss://` form of the client's base URL, followed by `path_and_query`.
fn ws_url(client: &Client, path_and_query: &str) -> String {
    let base = client.base_url();
    let ws_base = match base.strip_prefix("https://") {
        Some(rest) => format!("wss://{rest}"),
        None => format!("ws://{}", base.trim_start_matches("http://")),
    };
    format!("{ws_base}{path_and_query}")
}

/// Opens a socket with a fresh bearer (refreshed first if it is about to expire), or with a
/// single-use ticket when the connector cannot send headers.
///
/// # Errors
/// The bearer or the ticket could not be had (signed out, refused refresh, a refused ticket).
async fn open(
    client: &Client,
    mut path: String,
    ticket_path: String,
    what: &'static str,
) -> Result<Opened> {
    let token = client.inner.auth.bearer(client).await?;
    let mut headers = Vec::new();
    if client.inner.ws.sends_headers() {
        if let Some(t) = &token {
            headers.push((header::AUTHORIZATION, format!("Bearer {t}")));
        }
    } else if token.is_some() {
        // Repeatable: a ticket cut on its way back is fetched again, and the unused one expires.
        // A ticket that cannot be had for a transient reason (transport, timeout, 429, 5xx,
        // after the call's own retries) is a failed attempt to open, which the reconnect
        // machine counts like any other; a refusal (401, 403, 404) ends the stream.
        let ticket: StreamTicket = match client.call(Req::post(ticket_path).repeatable()).await {
            Ok(t) => t,
            Err(e) if e.is_transient() => {
                tracing::debug!(error = %e, "{what}: no ticket");
                return Ok(Opened::Failed(LinkLoss::OpenFailed));
            }
            Err(e) => return Err(e),
        };
        let sep = if path.contains('?') { '&' } else { '?' };
        path = format!(
            "{path}{sep}{}={}",
            query::TICKET,
            super::http::seg(&ticket.ticket)
        );
    }
    let connect = client.inner.ws.connect(ws_url(client, &path), headers);
    Ok(
        match within(client.inner.timer.sleep(DEAD_LINK), connect).await {
            Ok(Ok(ws)) => Opened::Ws(ws, token),
            Ok(Err(WsOpenError::Refused { status, body })) => Opened::Refused { status, body },
            Ok(Err(WsOpenError::Failed(e))) => {
                tracing::debug!(error = %e, "{what} did not open");
                Opened::Failed(LinkLoss::OpenFailed)
            }
            Err(_) => Opened::Failed(LinkLoss::DeadLink),
        },
    )
}

/// Waits the retry policy's backoff before reconnect number `attempt` of a stream at `path`,
/// telling the [`RetryObserver`](super::RetryObserver) first.
async fn pause_before_reconnect(client: &Client, path: &str, attempt: u32, reason: RetryReason) {
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
