//! The hot path: `SessionEvent` (one class for every event type, with typed attributes per
//! kind), `Meter`, and the stream handles `RawEvents` (the core's `AccountedStream`) and
//! `RawNotifications`.

use std::sync::OnceLock;
use std::task::Poll;

use jiga::accounting::{DofMeter, GuardAction};
use jiga::client::{AccountedEvent, AccountedStream, ConnectionState, NotificationStream};
use jiga::event::{ChargeReason, EventKind, Notification};
use jiga::model::EndSessionResponse;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::errors::to_py;
use crate::runtime::{Owner, awaitable, blocking, json_text};

/// The model classes of the Python package, for the nested objects of events
/// (`session`, `settlement`, `cap_end`); plain dicts until the package registers them.
static MODELS: OnceLock<Py<PyDict>> = OnceLock::new();

/// Called once by the package: `register_models({"Session": Session, ...})`.
#[pyfunction]
pub(crate) fn register_models(models: Bound<'_, PyDict>) {
    let _ = MODELS.set(models.unbind());
}

/// A model of the package's class `name` (a dict when none is registered) from `value`.
fn model<T: serde::Serialize>(py: Python<'_>, name: &str, value: &T) -> PyResult<Py<PyAny>> {
    let text = serde_json::to_string(value)
        .map_err(|e| crate::errors::JigaError::new_err(e.to_string()))?;
    let data = py.import("json")?.call_method1("loads", (text,))?;
    match MODELS
        .get()
        .and_then(|m| m.bind(py).get_item(name).ok().flatten())
    {
        Some(cls) => Ok(cls.call1((data,))?.unbind()),
        None => Ok(data.unbind()),
    }
}

/// One event of a session stream: `seq`, `type`, `ts` and the attributes of its type
/// (`None` on events of other types).
#[pyclass(frozen, module = "jiga._jiga")]
pub(crate) struct SessionEvent {
    event: jiga::SessionEvent,
    actions: Vec<GuardAction>,
    consumed_total: i64,
    cap_end: Option<Result<EndSessionResponse, jiga::Error>>,
}

impl SessionEvent {
    fn new(e: AccountedEvent) -> Self {
        SessionEvent {
            consumed_total: e.consumed.get(),
            actions: e.actions,
            cap_end: e.cap_end,
            event: e.event,
        }
    }

    fn update(&self) -> Option<&jiga::event::DofUpdate> {
        match &self.event.kind {
            EventKind::DofUpdate(u) => Some(u),
            _ => None,
        }
    }
}

#[pymethods]
impl SessionEvent {
    /// Position in the session, from 1, without gaps.
    #[getter]
    fn seq(&self) -> u64 {
        self.event.seq
    }

    /// `session.started`, `agent.action`, `agent.commentary`, `session.dof_update`,
    /// `session.command_ack`, `session.ended`, or a type this version does not know.
    #[getter]
    fn r#type<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        // The known types are interned: reading `.type` of every event allocates nothing.
        match self.event.kind.event_type() {
            "session.started" => intern!(py, "session.started").clone(),
            "agent.action" => intern!(py, "agent.action").clone(),
            "agent.commentary" => intern!(py, "agent.commentary").clone(),
            "session.dof_update" => intern!(py, "session.dof_update").clone(),
            "session.command_ack" => intern!(py, "session.command_ack").clone(),
            "session.ended" => intern!(py, "session.ended").clone(),
            other => PyString::new(py, other),
        }
    }

    /// When the server emitted it (RFC 3339).
    #[getter]
    fn ts(&self) -> String {
        self.event.ts.to_string()
    }

    /// When the server emitted it, in Unix milliseconds.
    #[getter]
    fn ts_millis(&self) -> i64 {
        self.event.ts.unix_millis()
    }

    /// `session.dof_update`: this charge.
    #[getter]
    fn delta(&self) -> Option<i64> {
        self.update().map(|u| u.delta.get())
    }

    /// `session.dof_update`: charged so far; `session.ended`: the settlement's.
    #[getter]
    fn consumed(&self) -> Option<i64> {
        match &self.event.kind {
            EventKind::DofUpdate(u) => Some(u.consumed.get()),
            EventKind::Ended { settlement, .. } => Some(settlement.consumed.get()),
            _ => None,
        }
    }

    /// `session.dof_update`: what is left of the budget.
    #[getter]
    fn remaining(&self) -> Option<i64> {
        self.update().map(|u| u.remaining.get())
    }

    /// `session.dof_update`: `action` or `minute`.
    #[getter]
    fn reason(&self) -> Option<&'static str> {
        self.update().map(|u| match u.reason {
            ChargeReason::Action => "action",
            _ => "minute",
        })
    }

    /// `agent.action`: what the agent did.
    #[getter]
    fn action(&self) -> Option<&str> {
        match &self.event.kind {
            EventKind::Action(a) => Some(&a.action),
            _ => None,
        }
    }

    /// `agent.action`: what it acted on.
    #[getter]
    fn target(&self) -> Option<&str> {
        match &self.event.kind {
            EventKind::Action(a) => a.target.as_deref(),
            _ => None,
        }
    }

    /// `agent.action`: a human-readable detail.
    #[getter]
    fn detail(&self) -> Option<&str> {
        match &self.event.kind {
            EventKind::Action(a) => Some(&a.detail),
            _ => None,
        }
    }

    /// `agent.commentary`: what the commentator said.
    #[getter]
    fn text(&self) -> Option<&str> {
        match &self.event.kind {
            EventKind::Commentary { text } => Some(text),
            _ => None,
        }
    }

    /// `session.command_ack`: the acknowledged command.
    #[getter]
    fn command_id(&self) -> Option<&str> {
        match &self.event.kind {
            EventKind::CommandAck { command_id } => Some(command_id),
            _ => None,
        }
    }

    /// `session.started`: the session as it was at hire (`jiga.Session`).
    #[getter]
    fn session(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        match &self.event.kind {
            EventKind::Started { session } => model(py, "Session", session).map(Some),
            _ => Ok(None),
        }
    }

    /// `session.ended`: how the DOF was split (`jiga.Settlement`).
    #[getter]
    fn settlement(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        match &self.event.kind {
            EventKind::Ended { settlement, .. } => model(py, "Settlement", settlement).map(Some),
            _ => Ok(None),
        }
    }

    /// `session.ended`: why it ended.
    #[getter]
    fn end_reason(&self) -> Option<String> {
        match &self.event.kind {
            EventKind::Ended { reason, .. } => serde_json::to_value(reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned)),
            _ => None,
        }
    }

    /// The whole frame as the contract's JSON.
    #[getter]
    fn json(&self) -> String {
        self.event.to_json().unwrap_or_default()
    }

    /// What the budget guard asked for after this event: `("warn", fraction)` or
    /// `("end", None)` tuples.
    #[getter]
    fn guard_actions<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        self.actions
            .iter()
            .map(|a| match a {
                GuardAction::Warn(f) => PyTuple::new(
                    py,
                    [
                        "warn".into_pyobject(py)?.into_any(),
                        f.into_pyobject(py)?.into_any(),
                    ],
                ),
                GuardAction::End => PyTuple::new(
                    py,
                    [
                        "end".into_pyobject(py)?.into_any(),
                        py.None().into_bound(py),
                    ],
                ),
            })
            .collect()
    }

    /// DOF counted so far on this stream, this event included.
    #[getter]
    fn consumed_total(&self) -> i64 {
        self.consumed_total
    }

    /// On the event that reached the cap of a stream opened with `end_at_cap`: the
    /// `EndSessionResponse` of the end the stream sent, or the error it met (not raised).
    #[getter]
    fn cap_end(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        match &self.cap_end {
            None => Ok(None),
            Some(Ok(r)) => model(py, "EndSessionResponse", r).map(Some),
            Some(Err(e)) => Ok(Some(to_py(py, e).into_value(py).into_any())),
        }
    }

    fn __repr__(&self) -> String {
        let extra = match &self.event.kind {
            EventKind::DofUpdate(u) => {
                format!(
                    ", delta={}, consumed={}, remaining={}",
                    u.delta, u.consumed, u.remaining
                )
            }
            EventKind::Action(a) => format!(", action={:?}", a.action),
            EventKind::Commentary { text } => format!(", text={text:?}"),
            EventKind::CommandAck { command_id } => format!(", command_id={command_id:?}"),
            EventKind::Ended { settlement, .. } => {
                format!(", consumed={}", settlement.consumed.get())
            }
            _ => String::new(),
        };
        format!(
            "SessionEvent(seq={}, type={:?}{extra})",
            self.event.seq,
            self.event.kind.event_type()
        )
    }
}

/// A session's DOF meter: `consumed`, `remaining`, `budget`, `charges`, `last_seq`,
/// `rate_per_minute`.
#[pyclass(frozen, get_all, module = "jiga._jiga")]
pub(crate) struct Meter {
    consumed: i64,
    remaining: Option<i64>,
    budget: Option<i64>,
    charges: u64,
    last_seq: u64,
    rate_per_minute: i64,
}

impl Meter {
    fn new(m: &DofMeter) -> Self {
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

#[pymethods]
impl Meter {
    fn __repr__(&self) -> String {
        format!(
            "Meter(consumed={}, remaining={:?}, budget={:?}, charges={}, last_seq={}, rate_per_minute={})",
            self.consumed,
            self.remaining,
            self.budget,
            self.charges,
            self.last_seq,
            self.rate_per_minute
        )
    }
}

fn event_or_none(py: Python<'_>, e: Option<AccountedEvent>) -> PyResult<Py<PyAny>> {
    match e {
        Some(e) => Ok(Py::new(py, SessionEvent::new(e))?.into_any()),
        None => Ok(py.None()),
    }
}

/// The events of one session with their accounting (the core's `AccountedStream`).
#[pyclass(frozen, module = "jiga._jiga")]
pub(crate) struct RawEvents {
    stream: AccountedStream,
    owner: Owner,
}

impl RawEvents {
    pub(crate) fn new(stream: AccountedStream, owner: Owner) -> Self {
        RawEvents { stream, owner }
    }
}

#[pymethods]
impl RawEvents {
    /// The next event, or None after `session.ended` (an awaitable). Cancelling it loses no
    /// event.
    fn next<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.owner.check()?;
        let s = self.stream.clone();
        awaitable(py, async move { s.next().await }, event_or_none)
    }

    /// The next event if it has arrived already, without waiting; None when none is here yet
    /// or the stream has ended (then `next()` says which). The fast path of iteration: a
    /// burst is read without a trip through the event loop per event.
    fn try_next(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.owner.check()?;
        match self.stream.try_next() {
            Poll::Ready(Ok(Some(e))) => event_or_none(py, Some(e)),
            Poll::Ready(Err(e)) => Err(to_py(py, &e)),
            Poll::Ready(Ok(None)) | Poll::Pending => Ok(py.None()),
        }
    }

    /// The next event, or None after `session.ended` (blocking).
    fn next_blocking(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.owner.check()?;
        let s = self.stream.clone();
        let e = blocking(py, async move { s.next().await })?;
        event_or_none(py, e)
    }

    /// Sends a command on the stream's socket; resolves on its acknowledgement.
    fn command<'py>(
        &self,
        py: Python<'py>,
        command_id: String,
        data: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.owner.check()?;
        let data: serde_json::Value = serde_json::from_str(data)
            .map_err(|e| crate::errors::InvalidArgument::new_err(format!("data: {e}")))?;
        let fut = self.stream.stream().command(command_id, data);
        awaitable(py, fut, json_text)
    }

    /// `command`, blocking.
    fn command_blocking(&self, py: Python<'_>, command_id: String, data: &str) -> PyResult<()> {
        self.owner.check()?;
        let data: serde_json::Value = serde_json::from_str(data)
            .map_err(|e| crate::errors::InvalidArgument::new_err(format!("data: {e}")))?;
        let fut = self.stream.stream().command(command_id, data);
        blocking(py, fut)
    }

    /// The meter as of the last event returned.
    fn meter(&self) -> Meter {
        Meter::new(&self.stream.meter())
    }

    /// The reconciliation (JSON) once `session.ended` was read; None before, or when the
    /// stream did not see the session from seq 1.
    fn reconciled(&self, py: Python<'_>) -> PyResult<Option<String>> {
        match self.stream.reconciled() {
            None => Ok(None),
            Some(Ok(r)) => Ok(serde_json::to_string(&r).ok()),
            Some(Err(e)) => Err(to_py(py, &e)),
        }
    }

    /// `connecting`, `live`, `reconnecting` or `ended`.
    fn state(&self) -> &'static str {
        match self.stream.stream().state() {
            ConnectionState::Connecting => "connecting",
            ConnectionState::Live => "live",
            ConnectionState::Reconnecting { .. } => "reconnecting",
            _ => "ended",
        }
    }

    /// Ends the stream (pending reads return None).
    fn close(&self) {
        self.stream.close();
    }
}

fn notification_or_none(py: Python<'_>, n: Option<Notification>) -> PyResult<Py<PyAny>> {
    match n {
        Some(n) => json_text(py, n),
        None => Ok(py.None()),
    }
}

/// The caller's notification stream: `next()` gives each notification's JSON.
#[pyclass(frozen, module = "jiga._jiga")]
pub(crate) struct RawNotifications {
    stream: NotificationStream,
    owner: Owner,
}

impl RawNotifications {
    pub(crate) fn new(stream: NotificationStream, owner: Owner) -> Self {
        RawNotifications { stream, owner }
    }
}

#[pymethods]
impl RawNotifications {
    /// The next notification's JSON, or None once closed (an awaitable).
    fn next<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.owner.check()?;
        let s = self.stream.clone();
        awaitable(py, async move { s.next().await }, notification_or_none)
    }

    /// The next notification's JSON, or None once closed (blocking).
    fn next_blocking(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.owner.check()?;
        let s = self.stream.clone();
        let n = blocking(py, async move { s.next().await })?;
        notification_or_none(py, n)
    }

    /// Ends the stream.
    fn close(&self) {
        self.stream.close();
    }
}
