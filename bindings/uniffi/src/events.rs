//! The streams: `SessionEvents` (the core's `AccountedStream`: events with the DOF meter, the
//! budget guard and reconciliation) and `Notifications`.
//!
//! Both are pull objects: `next()` suspends until an item arrives, `null`/`nil` after the
//! last one. `SessionEvents.nextBatch(max)` hands over every event already queued (up to
//! `max`) in one crossing, waiting only when none is — a transport bridge over the core's
//! `try_next`, so a burst costs one FFI call and one buffer, not one per event. The records
//! they hand out are in `records`.

use std::sync::{Mutex, PoisonError};
use std::task::Poll;

use jiga::accounting;
use jiga::client::{AccountedEvent, AccountedStream, ConnectionState, NotificationStream};

use crate::error::JigaError;
use crate::models::Notification;
use crate::packed;
use crate::records::SessionEvent;
use crate::runtime::{Live, run};

/// A session's DOF meter.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Meter {
    /// Charged so far.
    pub consumed: i64,
    /// What is left of the budget, once known.
    pub remaining: Option<i64>,
    /// The budget, once `session.started` was seen.
    pub budget: Option<i64>,
    /// Charges counted.
    pub charges: u64,
    /// The last seq metered.
    pub last_seq: u64,
    /// DOF per minute over the meter's window.
    pub rate_per_minute: i64,
}

impl From<&accounting::DofMeter> for Meter {
    fn from(m: &accounting::DofMeter) -> Self {
        Meter {
            consumed: m.consumed().get(),
            remaining: m.remaining().map(jiga::Dof::get),
            budget: m.budget().map(jiga::Dof::get),
            charges: m.charges(),
            last_seq: m.last_seq(),
            rate_per_minute: m.rate_per_minute().get(),
        }
    }
}

/// The stream's charges against the settlement, which agreed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Reconciled {
    /// The consumed total both sides agree on.
    pub consumed: i64,
    /// The owner's share.
    pub owner_earnings: i64,
    /// The platform's share.
    pub platform_fee: i64,
    /// Given back.
    pub released: i64,
    /// Charges counted.
    pub charges: u64,
}

impl From<accounting::Reconciled> for Reconciled {
    fn from(r: accounting::Reconciled) -> Self {
        Reconciled {
            consumed: r.consumed.get(),
            owner_earnings: r.owner_earnings.get(),
            platform_fee: r.platform_fee.get(),
            released: r.released.get(),
            charges: r.charges,
        }
    }
}

/// A stream's connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum StreamState {
    /// Opening the first connection.
    Connecting,
    /// Connected.
    Live,
    /// Cut; reconnecting.
    Reconnecting,
    /// Over.
    Ended,
}

fn state(s: ConnectionState) -> StreamState {
    match s {
        ConnectionState::Connecting => StreamState::Connecting,
        ConnectionState::Live => StreamState::Live,
        ConnectionState::Reconnecting { .. } => StreamState::Reconnecting,
        _ => StreamState::Ended,
    }
}

/// The events of one session with their accounting. `next()` suspends until the next event
/// and gives `null` after `session.ended`; cancelling it loses no event. `stop()` ends the
/// stream (pending reads give `null`, unacknowledged commands fail with `Closed`);
/// `close()` frees the handle, which also ends the stream.
#[derive(uniffi::Object)]
pub struct SessionEvents {
    stream: AccountedStream,
    /// An error `nextBatch` met after taking events: thrown by the next read.
    pending: Mutex<Option<jiga::Error>>,
    _live: Live,
}

impl SessionEvents {
    pub(crate) fn new(stream: AccountedStream) -> Self {
        SessionEvents {
            stream,
            pending: Mutex::new(None),
            _live: Live::new(),
        }
    }

    /// `next_batch`'s events, as the core hands them over.
    async fn take_batch(&self, max: u32) -> Result<Vec<AccountedEvent>, JigaError> {
        if let Some(e) = self.take_pending() {
            return Err(e.into());
        }
        let max = usize::try_from(max).unwrap_or(usize::MAX).max(1);
        // What is queued already is taken on the caller's thread, as in `next`; only an
        // empty queue sends the wait to the runtime.
        let d = drain(&self.stream, max);
        let d = if d.events.is_empty() && d.err.is_none() && !d.ended {
            let s = self.stream.clone();
            run(
                async move { Ok::<_, jiga::Error>(batch(s, max).await) },
                |d| d,
            )
            .await?
        } else {
            d
        };
        self.settle(d)
    }

    /// The events already queued, up to `max`, without waiting (none when none is).
    fn take_queued(&self, max: u32) -> Result<Vec<AccountedEvent>, JigaError> {
        if let Some(e) = self.take_pending() {
            return Err(e.into());
        }
        let max = usize::try_from(max).unwrap_or(usize::MAX).max(1);
        self.settle(drain(&self.stream, max))
    }

    /// The events of `d`; its error thrown now when it has none, else by the next read.
    fn settle(&self, d: Drained) -> Result<Vec<AccountedEvent>, JigaError> {
        match d.err {
            Some(e) if d.events.is_empty() => Err(e.into()),
            Some(e) => {
                *self.pending.lock().unwrap_or_else(PoisonError::into_inner) = Some(e);
                Ok(d.events)
            }
            None => Ok(d.events),
        }
    }

    fn take_pending(&self) -> Option<jiga::Error> {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

impl Drop for SessionEvents {
    fn drop(&mut self) {
        self.stream.close();
    }
}

/// What is queued of a stream, taken without waiting.
struct Drained {
    events: Vec<AccountedEvent>,
    /// An error met after `events` (or instead of any).
    err: Option<jiga::Error>,
    /// The stream is over (`next` would give `None`).
    ended: bool,
}

/// Up to `max` events of `s` that are here already.
fn drain(s: &AccountedStream, max: usize) -> Drained {
    let mut d = Drained {
        events: Vec::with_capacity(max.min(256)),
        err: None,
        ended: false,
    };
    while d.events.len() < max {
        match s.try_next() {
            Poll::Ready(Ok(Some(e))) => d.events.push(e),
            Poll::Ready(Ok(None)) => {
                d.ended = true;
                break;
            }
            Poll::Ready(Err(e)) => {
                d.err = Some(e);
                break;
            }
            Poll::Pending => break,
        }
    }
    d
}

/// The next event awaited, and up to `max - 1` more that came with it.
async fn batch(s: AccountedStream, max: usize) -> Drained {
    match s.next().await {
        Ok(Some(first)) => {
            let mut d = drain(&s, max.saturating_sub(1));
            d.events.insert(0, first);
            d
        }
        Ok(None) => Drained {
            events: Vec::new(),
            err: None,
            ended: true,
        },
        Err(e) => Drained {
            events: Vec::new(),
            err: Some(e),
            ended: false,
        },
    }
}

#[uniffi::export]
impl SessionEvents {
    /// The session's id.
    pub fn session_id(&self) -> String {
        self.stream.stream().session_id().to_owned()
    }

    /// The next event, or `None` after `session.ended` (or once stopped).
    ///
    /// # Errors
    /// What the core's stream ends with (a refused stream, `SessionMismatch`, once
    /// `Reconciliation`).
    pub async fn next(&self) -> Result<Option<SessionEvent>, JigaError> {
        if let Some(e) = self.take_pending() {
            return Err(e.into());
        }
        // An event already queued is handed over at once, on the caller's thread: no task,
        // no wake-up from a runtime thread (the costly part of a foreign await).
        match self.stream.try_next() {
            Poll::Ready(r) => Ok(r?.map(SessionEvent::from)),
            Poll::Pending => {
                let s = self.stream.clone();
                run(async move { s.next().await }, |e| e.map(SessionEvent::from)).await
            }
        }
    }

    /// Every event already here, up to `max`; when none is, waits for one. Empty after
    /// `session.ended`. (Kotlin's `nextBatch` is `JigaFlows.kt`'s, over `nextPacked`; this
    /// record one is Swift's.)
    ///
    /// # Errors
    /// As `next`; an error met after some events is thrown by the following call.
    pub async fn next_batch(&self, max: u32) -> Result<Vec<SessionEvent>, JigaError> {
        let events = self.take_batch(max).await?;
        Ok(events.into_iter().map(SessionEvent::from).collect())
    }

    /// What `next_batch` returns, as one buffer in the format of `packed.rs`: the transport
    /// under Kotlin's `nextBatch`, which decodes it into `SessionEvent` records (call that,
    /// not this).
    ///
    /// # Errors
    /// As `next_batch`.
    pub async fn next_packed(&self, max: u32) -> Result<Vec<u8>, JigaError> {
        Ok(packed::encode(self.take_batch(max).await?))
    }

    /// What `next_packed` would return if events are queued already, without waiting: an
    /// empty batch when none is, or the stream is over (`next_packed` tells which). The
    /// first step of Kotlin's `nextBatch`: a plain call, not an async one, so a burst costs
    /// no future, poll and callback across JNA.
    ///
    /// # Errors
    /// As `next_batch`.
    pub fn try_next_packed(&self, max: u32) -> Result<Vec<u8>, JigaError> {
        Ok(packed::encode(self.take_queued(max)?))
    }

    /// The next event if it is here already, without waiting (`None` when none is, or the
    /// stream is over: `next` tells which).
    ///
    /// # Errors
    /// As `next`.
    pub fn try_next(&self) -> Result<Option<SessionEvent>, JigaError> {
        if let Some(e) = self.take_pending() {
            return Err(e.into());
        }
        match self.stream.try_next() {
            Poll::Ready(Ok(Some(e))) => Ok(Some(e.into())),
            Poll::Ready(Err(e)) => Err(e.into()),
            Poll::Ready(Ok(None)) | Poll::Pending => Ok(None),
        }
    }

    /// Sends a command on the stream's socket (`data_json`: a JSON object); returns once its
    /// `session.command_ack` came through, whether or not anyone reads events.
    ///
    /// # Errors
    /// `InvalidArgument` for a bad id or data, `Closed` when the stream ends first.
    pub async fn command(&self, command_id: String, data_json: String) -> Result<(), JigaError> {
        let fut = self.stream.stream().command_json(command_id, &data_json);
        run(fut, |()| ()).await
    }

    /// The meter as of the last event returned.
    pub fn meter(&self) -> Meter {
        Meter::from(&self.stream.meter())
    }

    /// The reconciliation once `session.ended` was read (`None` before, or when the stream
    /// did not see the session from seq 1).
    ///
    /// # Errors
    /// `Reconciliation` when the settlement does not match what was counted.
    pub fn reconciled(&self) -> Result<Option<Reconciled>, JigaError> {
        match self.stream.reconciled() {
            None => Ok(None),
            Some(Ok(r)) => Ok(Some(r.into())),
            Some(Err(e)) => Err(e.into()),
        }
    }

    /// The connection's state.
    pub fn state(&self) -> StreamState {
        state(self.stream.stream().state())
    }

    /// Ends the stream now: pending and later reads give `None`, commands not yet
    /// acknowledged fail with `Closed`. Idempotent.
    pub fn stop(&self) {
        self.stream.close();
    }
}

/// The caller's notifications. `next()` suspends until one arrives; `stop()` ends the
/// stream; `close()` frees the handle (and ends the stream).
#[derive(uniffi::Object)]
pub struct Notifications {
    stream: NotificationStream,
    _live: Live,
}

impl Notifications {
    pub(crate) fn new(stream: NotificationStream) -> Self {
        Notifications {
            stream,
            _live: Live::new(),
        }
    }
}

impl Drop for Notifications {
    fn drop(&mut self) {
        self.stream.close();
    }
}

#[uniffi::export]
impl Notifications {
    /// The next notification, or `None` once stopped.
    ///
    /// # Errors
    /// What the core's stream ends with.
    pub async fn next(&self) -> Result<Option<Notification>, JigaError> {
        let s = self.stream.clone();
        run(async move { s.next().await }, |n| n.map(Notification::from)).await
    }

    /// The connection's state.
    pub fn state(&self) -> StreamState {
        state(self.stream.state())
    }

    /// Ends the stream: a pending `next` gives `None`.
    pub fn stop(&self) {
        self.stream.close();
    }
}
