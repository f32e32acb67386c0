//! The records a session stream hands out: `SessionEvent`, its `EventKind`, the guard's
//! `GuardAction`s and the `CapEnd` of a stream opened with `endAtCap`, each converted from the
//! core's type. `events` hands them out one by one, `packed` writes them into one buffer.

use jiga::accounting;
use jiga::client::AccountedEvent;

use crate::error::{ErrorInfo, info_of};
use crate::models::{EndSessionResponse, Session, Settlement};

/// What a session event says happened.
#[derive(Clone, Debug, PartialEq, uniffi::Enum)]
pub enum EventKind {
    /// `session.started`: always seq 1.
    Started {
        /// The session as it was at hire.
        session: Session,
    },
    /// `agent.action`.
    Action {
        /// What the agent did.
        action: String,
        /// What it acted on.
        target: Option<String>,
        /// A human-readable detail.
        detail: String,
    },
    /// `agent.commentary`.
    Commentary {
        /// What the commentator said.
        text: String,
    },
    /// `session.dof_update`: a charge.
    DofUpdate {
        /// This charge.
        delta: i64,
        /// Charged so far, this charge included.
        consumed: i64,
        /// What is left of the budget.
        remaining: i64,
        /// What was charged for.
        reason: ChargeReason,
    },
    /// `session.command_ack`.
    CommandAck {
        /// The acknowledged command.
        command_id: String,
    },
    /// `session.ended`: the last event.
    Ended {
        /// Why (`ended_by_hirer`, `budget_exhausted`, `expired`, `agent_error`).
        reason: String,
        /// How the DOF was split.
        settlement: Settlement,
    },
    /// A type this version does not know.
    Unknown {
        /// Its `type`.
        event_type: String,
        /// Its `data`, as JSON text.
        data_json: String,
    },
}

/// What a `session.dof_update` charged for (an enum, not a string: one is on every charge).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum ChargeReason {
    /// `pricing.perAction` for one action.
    Action,
    /// `pricing.perMinute` at the start of a started minute.
    Minute,
}

/// What the budget guard asks for after an event.
#[derive(Clone, Debug, PartialEq, uniffi::Enum)]
pub enum GuardAction {
    /// `consumed` crossed this fraction of the budget.
    Warn {
        /// The threshold crossed.
        fraction: f64,
    },
    /// `consumed` reached the cap: end the session (done already with `endAtCap`).
    End,
}

/// On the event that reached the cap of a stream opened with `endAtCap`: the end the stream
/// sent, or the error it met (reported here, not thrown).
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct CapEnd {
    /// The end's answer.
    pub response: Option<EndSessionResponse>,
    /// Or why it failed.
    pub error: Option<ErrorInfo>,
}

/// One event of a session with what it did to the session's account.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct SessionEvent {
    /// Position in the session, from 1, without gaps.
    pub seq: u64,
    /// When the server emitted it, Unix milliseconds.
    pub ts_millis: i64,
    /// What happened.
    pub kind: EventKind,
    /// DOF counted on this stream so far, this event included.
    pub consumed_total: i64,
    /// What the guard asks for after this event.
    pub guard_actions: Vec<GuardAction>,
    /// Set on the event that reached the cap of an `endAtCap` stream.
    pub cap_end: Option<CapEnd>,
}

impl From<jiga::EventKind> for EventKind {
    fn from(k: jiga::EventKind) -> Self {
        match k {
            jiga::EventKind::Started { session } => EventKind::Started {
                session: (*session).into(),
            },
            jiga::EventKind::Action(a) => EventKind::Action {
                action: a.action,
                target: a.target,
                detail: a.detail,
            },
            jiga::EventKind::Commentary { text } => EventKind::Commentary { text },
            jiga::EventKind::DofUpdate(u) => EventKind::DofUpdate {
                delta: u.delta.get(),
                consumed: u.consumed.get(),
                remaining: u.remaining.get(),
                reason: u.reason.into(),
            },
            jiga::EventKind::CommandAck { command_id } => EventKind::CommandAck { command_id },
            jiga::EventKind::Ended { reason, settlement } => EventKind::Ended {
                reason: reason.to_string(),
                settlement: settlement.into(),
            },
            other => EventKind::Unknown {
                event_type: other.event_type().to_owned(),
                data_json: match &other {
                    jiga::EventKind::Unknown { data, .. } => data.as_str().to_owned(),
                    _ => "null".to_owned(),
                },
            },
        }
    }
}

impl From<jiga::event::ChargeReason> for ChargeReason {
    fn from(r: jiga::event::ChargeReason) -> Self {
        match r {
            jiga::event::ChargeReason::Action => ChargeReason::Action,
            _ => ChargeReason::Minute,
        }
    }
}

impl From<accounting::GuardAction> for GuardAction {
    fn from(a: accounting::GuardAction) -> Self {
        match a {
            accounting::GuardAction::Warn(fraction) => GuardAction::Warn { fraction },
            _ => GuardAction::End,
        }
    }
}

impl From<jiga::Result<jiga::model::EndSessionResponse>> for CapEnd {
    fn from(r: jiga::Result<jiga::model::EndSessionResponse>) -> Self {
        match r {
            Ok(resp) => CapEnd {
                response: Some(resp.into()),
                error: None,
            },
            Err(err) => CapEnd {
                response: None,
                error: Some(info_of(&err)),
            },
        }
    }
}

impl From<AccountedEvent> for SessionEvent {
    fn from(e: AccountedEvent) -> Self {
        SessionEvent {
            seq: e.event.seq,
            ts_millis: e.event.ts.unix_millis(),
            kind: e.event.kind.into(),
            consumed_total: e.consumed.get(),
            guard_actions: e.actions.into_iter().map(GuardAction::from).collect(),
            cap_end: e.cap_end.map(CapEnd::from),
        }
    }
}
