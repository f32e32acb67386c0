//! The stream handles: `RawEvents` over the core's `AccountedStream` (meter, budget guard,
//! end at cap, reconciliation) and `RawNotifications`. Events cross in batches — every event
//! the core already holds, up to `max`, as one JSON array — so a fast replay costs one
//! boundary crossing and one `JSON.parse` per batch rather than per event.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use futures_util::FutureExt;
use jiga::accounting::GuardAction;
use jiga::client::{AccountedEvent, AccountedStream, ConnectionState, NotificationStream};
use js_sys::Promise;
use wasm_bindgen::prelude::*;

use crate::convert::{json_out, promise};
use crate::errors::{ErrorRecord, to_js};

/// The streams a client opened, closed with it (weakly held: a stream the program dropped is
/// not kept alive by its client).
#[derive(Default)]
pub(crate) struct Streams {
    sessions: Vec<Weak<AccountedStream>>,
    notifications: Vec<Weak<NotificationStream>>,
}

impl Streams {
    pub(crate) fn add_session(&mut self, e: &RawEvents) {
        self.sessions.retain(|w| w.strong_count() > 0);
        self.sessions.push(Rc::downgrade(&e.stream));
    }

    pub(crate) fn add_notifications(&mut self, n: &RawNotifications) {
        self.notifications.retain(|w| w.strong_count() > 0);
        self.notifications.push(Rc::downgrade(&n.stream));
    }

    pub(crate) fn close_all(&mut self) {
        for s in self.sessions.drain(..).filter_map(|w| w.upgrade()) {
            s.close();
        }
        for n in self.notifications.drain(..).filter_map(|w| w.upgrade()) {
            n.close();
        }
    }

    /// Streams still held and not ended.
    pub(crate) fn open(&mut self) -> u32 {
        self.sessions.retain(|w| w.strong_count() > 0);
        self.notifications.retain(|w| w.strong_count() > 0);
        let s = self
            .sessions
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|s| s.stream().state() != ConnectionState::Ended)
            .count();
        let n = self
            .notifications
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|n| n.state() != ConnectionState::Ended)
            .count();
        u32::try_from(s + n).unwrap_or(u32::MAX)
    }
}

/// The events of one session with their accounting.
#[wasm_bindgen]
pub struct RawEvents {
    stream: Rc<AccountedStream>,
    /// An error met after a batch was already under way, returned by the next call.
    deferred: Rc<RefCell<Option<jiga::Error>>>,
    /// Whether events the core already holds may be taken together. Not with `endAtCap`:
    /// reading the event that reaches the cap sends the end, which must not be cut short.
    batch: bool,
}

impl RawEvents {
    pub(crate) fn new(stream: AccountedStream, batch: bool) -> Self {
        RawEvents {
            stream: Rc::new(stream),
            deferred: Rc::new(RefCell::new(None)),
            batch,
        }
    }
}

/// Appends one event and its accounting to `out` as a JSON object: the frame's members
/// (`seq`, `type`, `ts`, `data`) and `consumedTotal`, `guardActions`, `capEnd` /
/// `capEndError`.
fn push_event(out: &mut String, e: &AccountedEvent) -> jiga::Result<()> {
    let frame = e.event.to_json().map_err(|err| jiga::Error::Decode {
        message: err.to_string(),
    })?;
    let body = frame.strip_suffix('}').unwrap_or(&frame);
    out.push_str(body);
    out.push_str(",\"consumedTotal\":");
    out.push_str(&e.consumed.get().to_string());
    if !e.actions.is_empty() {
        out.push_str(",\"guardActions\":[");
        for (i, a) in e.actions.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            match a {
                GuardAction::Warn(f) => {
                    out.push_str(&format!("{{\"type\":\"warn\",\"fraction\":{f}}}"));
                }
                _ => out.push_str("{\"type\":\"end\"}"),
            }
        }
        out.push(']');
    }
    match &e.cap_end {
        Some(Ok(r)) => {
            out.push_str(",\"capEnd\":");
            out.push_str(
                &serde_json::to_string(r).map_err(|err| jiga::Error::Decode {
                    message: err.to_string(),
                })?,
            );
        }
        Some(Err(err)) => {
            out.push_str(",\"capEndError\":");
            out.push_str(&serde_json::to_string(&ErrorRecord::new(err)).unwrap_or_default());
        }
        None => {}
    }
    out.push('}');
    Ok(())
}

#[wasm_bindgen]
impl RawEvents {
    /// The next events as a JSON array (at least one, at most `max`), or `null` after
    /// `session.ended`. Cancelling it (its signal) loses no event.
    #[wasm_bindgen(js_name = nextBatch)]
    pub fn next_batch(&self, max: u32, signal: Option<JsValue>) -> Promise {
        let stream = Rc::clone(&self.stream);
        let deferred = Rc::clone(&self.deferred);
        let max = if self.batch { max.max(1) } else { 1 };
        promise(
            signal,
            async move {
                if let Some(e) = deferred.borrow_mut().take() {
                    return Err(e);
                }
                let Some(first) = stream.next().await? else {
                    return Ok(None);
                };
                let mut out = String::with_capacity(256);
                out.push('[');
                push_event(&mut out, &first)?;
                for _ in 1..max {
                    // Only what is already here: a pending read is dropped, which loses nothing.
                    match stream.next().now_or_never() {
                        Some(Ok(Some(e))) => {
                            out.push(',');
                            push_event(&mut out, &e)?;
                        }
                        Some(Ok(None)) | None => break,
                        Some(Err(e)) => {
                            *deferred.borrow_mut() = Some(e);
                            break;
                        }
                    }
                }
                out.push(']');
                Ok(Some(out))
            },
            |v: Option<String>| Ok(v.map_or(JsValue::NULL, |s| JsValue::from_str(&s))),
        )
    }

    /// Sends a command (`data` as JSON text) on the stream's socket; resolves once its
    /// `session.command_ack` came through, whether or not anyone reads events.
    pub fn command(&self, command_id: String, data: &str, signal: Option<JsValue>) -> Promise {
        let sent = self.stream.stream().command_json(command_id, data);
        promise(signal, sent, |()| Ok(JsValue::NULL))
    }

    /// The meter as of the last event returned, as JSON: `consumed`, `remaining`, `budget`,
    /// `charges`, `lastSeq`, `ratePerMinute`.
    ///
    /// # Errors
    /// Never in practice (the meter always encodes).
    pub fn meter(&self) -> Result<String, JsValue> {
        let m = self.stream.meter();
        let v = serde_json::json!({
            "consumed": m.consumed().get(),
            "remaining": m.remaining().map(jiga::Dof::get),
            "budget": m.budget().map(jiga::Dof::get),
            "charges": m.charges(),
            "lastSeq": m.last_seq(),
            "ratePerMinute": m.rate_per_minute().get(),
        });
        serde_json::to_string(&v).map_err(|e| JsValue::from_str(&e.to_string()))
    }

    /// The reconciliation with the settlement (JSON) once `session.ended` was read; `null`
    /// before, and for a stream that did not see the session from seq 1.
    ///
    /// # Errors
    /// A `reconciliation` error record when the settlement does not match what was counted.
    pub fn reconciled(&self) -> Result<Option<String>, JsValue> {
        match self.stream.reconciled() {
            None => Ok(None),
            Some(Ok(r)) => Ok(serde_json::to_string(&r).ok()),
            Some(Err(e)) => Err(to_js(&e)),
        }
    }

    /// `connecting`, `live`, `reconnecting` or `ended`.
    pub fn state(&self) -> String {
        state_name(self.stream.stream().state()).to_owned()
    }

    /// Ends the stream: the socket closes, pending reads resolve `null`, commands not yet
    /// acknowledged reject with a `closed` error.
    pub fn close(&self) {
        self.stream.close();
    }
}

fn state_name(s: ConnectionState) -> &'static str {
    match s {
        ConnectionState::Connecting => "connecting",
        ConnectionState::Live => "live",
        ConnectionState::Reconnecting { .. } => "reconnecting",
        _ => "ended",
    }
}

/// The caller's notifications.
#[wasm_bindgen]
pub struct RawNotifications {
    stream: Rc<NotificationStream>,
}

impl RawNotifications {
    pub(crate) fn new(stream: NotificationStream) -> Self {
        RawNotifications {
            stream: Rc::new(stream),
        }
    }
}

#[wasm_bindgen]
impl RawNotifications {
    /// The next notification's JSON, or `null` once closed.
    pub fn next(&self, signal: Option<JsValue>) -> Promise {
        let stream = Rc::clone(&self.stream);
        promise(signal, async move { stream.next().await }, |n| match n {
            Some(n) => json_out(&n),
            None => Ok(JsValue::NULL),
        })
    }

    /// `connecting`, `live`, `reconnecting` or `ended`.
    pub fn state(&self) -> String {
        state_name(self.stream.state()).to_owned()
    }

    /// Ends the stream; pending reads resolve `null`.
    pub fn close(&self) {
        self.stream.close();
    }
}
