//! The `repr(C)` records the host reads: a completion (an operation's result, a session
//! event, a guard's action, a notification or a stream's end), its error record and its
//! event header; a session's meter and a stream's state.

use std::ffi::c_char;

use jiga::accounting::{DofMeter, GuardAction};
use jiga::{Error, ErrorKind, EventKind, SessionEvent};

use crate::queue::Item;
use crate::status::{JIGA_ERR_CALL, JIGA_OK, guard};
use crate::strings::{free_c, opt_c, to_c};

/// What a completion is.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JigaCompletionKind {
    /// Nothing (a zeroed record).
    None = 0,
    /// An operation finished: `op_id`, `status`, `json` or `error`.
    Op = 1,
    /// A session stream delivered an event: `handle`, `event`, `json` (the whole frame).
    SessionEvent = 2,
    /// A notification stream delivered one: `handle`, `json` (the whole notification).
    Notification = 3,
    /// A stream ended: `handle`, `status` (`JIGA_OK` after `session.ended` or a close),
    /// `error`; `json` holds the reconciliation when a session stream saw the whole session.
    StreamEnd = 4,
    /// A session's budget guard fired: `handle`, `json` (`{"action": "warn", "fraction":
    /// 0.5, "consumed": 510}` or `{"action": "end", "consumed": 900}`), `event.consumed`.
    /// For a stream opened with `endAtCap`, the end's `json` also holds `"ended"`: the
    /// `EndSessionResponse` of the end the core sent (or `status`/`error` say why it failed).
    Guard = 5,
}

/// Mirrors `jiga::ErrorKind`, one to one.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JigaErrorKind {
    /// No error.
    None = 0,
    /// Input refused, by the server (400) or by the client before sending; see `field`.
    InvalidArgument = 1,
    /// 401: sign in again.
    Unauthenticated = 2,
    /// 402: top up or spend less; see `needed` and `available`.
    InsufficientFunds = 3,
    /// 403.
    Forbidden = 4,
    /// 404.
    NotFound = 5,
    /// 409 `conflict`.
    Conflict = 6,
    /// 409 `idempotency_conflict`.
    IdempotencyConflict = 7,
    /// 429 after the core's retry policy gave up; see `retry_after_secs`.
    RateLimited = 8,
    /// 413; see `limit`.
    PayloadTooLarge = 9,
    /// Any other server answer.
    Server = 10,
    /// The request could not be sent or its answer not read.
    Transport = 11,
    /// A call or connection timed out.
    Timeout = 12,
    /// An answer or frame that is not the contract's.
    Decode = 13,
    /// A session stream broke its contract (a gap in `seq`).
    SessionMismatch = 14,
    /// The client's DOF count does not match the settlement.
    Reconciliation = 15,
    /// The handle or client was closed first.
    Closed = 16,
    /// A kind this version of the ABI does not know yet.
    Other = 99,
}

impl From<ErrorKind> for JigaErrorKind {
    fn from(k: ErrorKind) -> Self {
        match k {
            ErrorKind::InvalidArgument => JigaErrorKind::InvalidArgument,
            ErrorKind::Unauthenticated => JigaErrorKind::Unauthenticated,
            ErrorKind::InsufficientFunds => JigaErrorKind::InsufficientFunds,
            ErrorKind::Forbidden => JigaErrorKind::Forbidden,
            ErrorKind::NotFound => JigaErrorKind::NotFound,
            ErrorKind::Conflict => JigaErrorKind::Conflict,
            ErrorKind::IdempotencyConflict => JigaErrorKind::IdempotencyConflict,
            ErrorKind::RateLimited => JigaErrorKind::RateLimited,
            ErrorKind::PayloadTooLarge => JigaErrorKind::PayloadTooLarge,
            ErrorKind::Server => JigaErrorKind::Server,
            ErrorKind::Transport => JigaErrorKind::Transport,
            ErrorKind::Timeout => JigaErrorKind::Timeout,
            ErrorKind::Decode => JigaErrorKind::Decode,
            ErrorKind::SessionMismatch => JigaErrorKind::SessionMismatch,
            ErrorKind::Reconciliation => JigaErrorKind::Reconciliation,
            ErrorKind::Closed => JigaErrorKind::Closed,
            #[allow(unreachable_patterns)] // `ErrorKind` is non-exhaustive.
            _ => JigaErrorKind::Other,
        }
    }
}

/// The error of a failed operation or stream. Strings are NULL when absent; numbers are -1
/// when absent. Freed with its completion.
#[repr(C)]
#[derive(Debug)]
pub struct JigaError {
    /// The flat kind.
    pub kind: JigaErrorKind,
    /// The HTTP status, 0 when there was no answer.
    pub http_status: u16,
    /// The server's error code (`insufficient_funds`…), or NULL.
    pub code: *mut c_char,
    /// A message for people (never parse it: the numbers are in the fields below).
    pub message: *mut c_char,
    /// The server's `requestId`, or NULL.
    pub request_id: *mut c_char,
    /// The offending field of an invalid argument, or NULL.
    pub field: *mut c_char,
    /// Insufficient funds: the DOF needed, or -1.
    pub needed: i64,
    /// Insufficient funds: the DOF available, or -1.
    pub available: i64,
    /// Rate limited: seconds to wait, or -1.
    pub retry_after_secs: i64,
    /// Payload too large: the limit in bytes, or -1.
    pub limit: i64,
}

impl JigaError {
    fn none() -> Self {
        JigaError {
            kind: JigaErrorKind::None,
            http_status: 0,
            code: std::ptr::null_mut(),
            message: std::ptr::null_mut(),
            request_id: std::ptr::null_mut(),
            field: std::ptr::null_mut(),
            needed: -1,
            available: -1,
            retry_after_secs: -1,
            limit: -1,
        }
    }

    fn from_error(e: &Error) -> Self {
        let num = |v: Option<i64>| v.unwrap_or(-1);
        JigaError {
            kind: e.kind().into(),
            http_status: e.status().unwrap_or(0),
            code: opt_c(e.code().map(|c| c.as_str().to_owned())),
            message: to_c(e.message()),
            request_id: opt_c(e.request_id().map(str::to_owned)),
            field: opt_c(e.field().map(str::to_owned)),
            needed: num(e.needed().map(jiga::Dof::get)),
            available: num(e.available().map(jiga::Dof::get)),
            retry_after_secs: num(e
                .retry_after()
                .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))),
            limit: num(e.limit().map(|l| i64::try_from(l).unwrap_or(i64::MAX))),
        }
    }

    fn free(&mut self) {
        for p in [
            &mut self.code,
            &mut self.message,
            &mut self.request_id,
            &mut self.field,
        ] {
            free_c(std::mem::replace(p, std::ptr::null_mut()));
        }
    }
}

/// The kind of a session event.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JigaEventKind {
    /// `session.started` (always seq 1).
    Started = 1,
    /// `agent.action`.
    Action = 2,
    /// `agent.commentary`.
    Commentary = 3,
    /// `session.dof_update`: `delta`, `consumed`, `remaining` are set.
    DofUpdate = 4,
    /// `session.command_ack`.
    CommandAck = 5,
    /// `session.ended`: `consumed` is the settlement's, `remaining` what was released.
    Ended = 6,
    /// A type this version does not know; read `json`.
    Unknown = 99,
}

/// The fixed part of a session event; the whole frame is the completion's `json`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct JigaEvent {
    /// Position in the session, from 1, without gaps.
    pub seq: u64,
    /// What happened.
    pub kind: JigaEventKind,
    /// When the server emitted it, in Unix milliseconds.
    pub ts_millis: i64,
    /// `session.dof_update`: this charge; else 0.
    pub delta: i64,
    /// DOF consumed so far (`dof_update`, `ended`); else 0.
    pub consumed: i64,
    /// DOF left of the budget (`dof_update`), released (`ended`); else 0.
    pub remaining: i64,
}

impl JigaEvent {
    fn zero() -> Self {
        JigaEvent {
            seq: 0,
            kind: JigaEventKind::Unknown,
            ts_millis: 0,
            delta: 0,
            consumed: 0,
            remaining: 0,
        }
    }

    fn from_event(e: &SessionEvent) -> Self {
        let mut out = JigaEvent {
            seq: e.seq,
            ts_millis: e.ts.unix_millis(),
            ..JigaEvent::zero()
        };
        out.kind = match &e.kind {
            EventKind::Started { .. } => JigaEventKind::Started,
            EventKind::Action(_) => JigaEventKind::Action,
            EventKind::Commentary { .. } => JigaEventKind::Commentary,
            EventKind::DofUpdate(u) => {
                out.delta = u.delta.get();
                out.consumed = u.consumed.get();
                out.remaining = u.remaining.get();
                JigaEventKind::DofUpdate
            }
            EventKind::CommandAck { .. } => JigaEventKind::CommandAck,
            EventKind::Ended { settlement, .. } => {
                out.consumed = settlement.consumed.get();
                out.remaining = settlement.released.get();
                JigaEventKind::Ended
            }
            _ => JigaEventKind::Unknown,
        };
        out
    }
}

/// A session's DOF meter (`jiga_session_meter`). Amounts are -1 while unknown.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct JigaMeter {
    /// DOF counted so far: the sum of every `session.dof_update` delta seen.
    pub consumed: i64,
    /// What is left of the budget, as the last event said, or -1.
    pub remaining: i64,
    /// The session's budget, or -1 before the first event that tells it.
    pub budget: i64,
    /// How many charges were counted.
    pub charges: u64,
    /// The seq of the last event counted.
    pub last_seq: u64,
    /// DOF charged over the last minute of event time.
    pub rate_per_minute: i64,
}

impl JigaMeter {
    pub(crate) fn from_meter(m: &DofMeter) -> Self {
        JigaMeter {
            consumed: m.consumed().get(),
            remaining: m.remaining().map_or(-1, jiga::Dof::get),
            budget: m.budget().map_or(-1, jiga::Dof::get),
            charges: m.charges(),
            last_seq: m.last_seq(),
            rate_per_minute: m.rate_per_minute().get(),
        }
    }
}

/// A stream's connection state (`jiga_session_state`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JigaStreamState {
    /// Opening the first connection.
    Connecting = 1,
    /// Connected: replaying, then following live.
    Live = 2,
    /// The link was cut (or went silent); reconnecting.
    Reconnecting = 3,
    /// Over: after its last event, a final error, or a close.
    Ended = 4,
}

/// One thing taken from a client's queue by `jiga_poll`. Free it with
/// `jiga_completion_free` (or free `json` and the error's strings one by one with
/// `jiga_string_free`).
#[repr(C)]
#[derive(Debug)]
pub struct JigaCompletion {
    /// What this is.
    pub kind: JigaCompletionKind,
    /// The operation id (`JIGA_COMPLETION_KIND_OP`), else 0.
    pub op_id: u64,
    /// The stream handle (events, notifications, stream ends), else 0.
    pub handle: u64,
    /// `JIGA_OK`, or `JIGA_ERR_CALL` with `error` filled.
    pub status: i32,
    /// UTF-8 JSON in the contract's shape: an operation's result, an event's whole frame, a
    /// notification; NULL on failure.
    pub json: *mut c_char,
    /// Why it failed (`kind` is `JIGA_ERROR_KIND_NONE` on success).
    pub error: JigaError,
    /// The event header (`JIGA_COMPLETION_KIND_SESSION_EVENT`).
    pub event: JigaEvent,
}

impl JigaCompletion {
    fn empty(kind: JigaCompletionKind) -> Self {
        JigaCompletion {
            kind,
            op_id: 0,
            handle: 0,
            status: JIGA_OK,
            json: std::ptr::null_mut(),
            error: JigaError::none(),
            event: JigaEvent::zero(),
        }
    }

    fn fail(&mut self, e: &Error) {
        self.status = JIGA_ERR_CALL;
        self.error = JigaError::from_error(e);
    }

    pub(crate) fn from_item(item: Item) -> Self {
        match item {
            Item::Op { op, result } => {
                let mut c = JigaCompletion::empty(JigaCompletionKind::Op);
                c.op_id = op;
                match result {
                    Ok(json) => c.json = to_c(json),
                    Err(e) => c.fail(&e),
                }
                c
            }
            Item::Event { stream, event } => {
                let mut c = JigaCompletion::empty(JigaCompletionKind::SessionEvent);
                c.handle = stream;
                c.event = JigaEvent::from_event(&event);
                // A frame always serializes; an empty object keeps the field non-NULL if not.
                c.json = to_c(event.to_json().unwrap_or_else(|_| "{}".into()));
                c
            }
            Item::Notification {
                stream,
                notification,
            } => {
                let mut c = JigaCompletion::empty(JigaCompletionKind::Notification);
                c.handle = stream;
                c.json = to_c(serde_json::to_string(&notification).unwrap_or_else(|_| "{}".into()));
                c
            }
            Item::Guard {
                stream,
                action,
                consumed,
                end,
            } => {
                let mut c = JigaCompletion::empty(JigaCompletionKind::Guard);
                c.handle = stream;
                c.event.consumed = consumed.get();
                let mut json = match action {
                    GuardAction::Warn(fraction) => serde_json::json!({
                        "action": "warn", "fraction": fraction, "consumed": consumed,
                    }),
                    GuardAction::End => serde_json::json!({"action": "end", "consumed": consumed}),
                };
                match end {
                    Some(Ok(ended)) => json["ended"] = serde_json::json!(ended),
                    Some(Err(e)) => c.fail(&e),
                    None => {}
                }
                c.json = to_c(json.to_string());
                c
            }
            Item::StreamEnd {
                stream,
                result,
                json,
            } => {
                let mut c = JigaCompletion::empty(JigaCompletionKind::StreamEnd);
                c.handle = stream;
                match result {
                    Ok(()) => c.json = opt_c(json),
                    Err(e) => c.fail(&e),
                }
                c
            }
        }
    }
}

/// Frees the strings a completion holds and resets it; the record itself is the caller's.
/// NULL is ignored; freeing the same record twice is harmless (its pointers are reset).
#[unsafe(no_mangle)]
pub extern "C" fn jiga_completion_free(c: *mut JigaCompletion) {
    guard(|| {
        if c.is_null() {
            return Ok(0);
        }
        // SAFETY: non-null; the header requires a record filled by `jiga_poll`.
        let c = unsafe { &mut *c };
        free_c(std::mem::replace(&mut c.json, std::ptr::null_mut()));
        c.error.free();
        Ok(0)
    });
}
