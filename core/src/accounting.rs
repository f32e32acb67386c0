//! DOF accounting, sans-I/O: the live [`DofMeter`] of a session, the client-side
//! [`BudgetGuard`], and [`reconcile`], which checks what the client counted against the
//! server's settlement. [`SessionAccount`] puts the three together for one stream: what every
//! binding feeds its session's events into.
//!
//! Everything here is driven by [`SessionEvent`]s and their timestamps, never by a clock, so
//! it runs the same in a test, a game loop or a browser.

use std::collections::VecDeque;
use std::time::Duration;

use crate::Dof;
use crate::event::{EventKind, SessionEvent};
use crate::model::Settlement;

/// An inconsistency the meter saw while counting.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MeterError {
    /// Adding a charge overflowed `i64`.
    #[error("dof total overflowed at seq {seq}")]
    Overflow {
        /// The event that overflowed.
        seq: u64,
    },
    /// A `session.dof_update` reports a running total other than the one counted: an update
    /// was lost or counted twice.
    #[error(
        "seq {seq} reports {reported} consumed but the meter counted {counted}; a charge was lost or counted twice"
    )]
    TotalMismatch {
        /// The event.
        seq: u64,
        /// What the client summed from the deltas.
        counted: Dof,
        /// The event's `consumed`.
        reported: Dof,
    },
}

/// A live meter of one session's DOF, fed with its events in order.
///
/// `consumed` is the sum of every `session.dof_update` delta seen; `remaining` and `budget`
/// come from the events; the rate is the DOF charged over a sliding window of event time,
/// scaled to one minute.
#[derive(Clone, Debug)]
pub struct DofMeter {
    budget: Option<Dof>,
    consumed: Dof,
    remaining: Option<Dof>,
    charges: u64,
    last_seq: u64,
    window: Duration,
    recent: VecDeque<(i64, Dof)>,
    settlement: Option<Settlement>,
}

impl Default for DofMeter {
    fn default() -> Self {
        DofMeter::new()
    }
}

impl DofMeter {
    /// A meter with a one-minute rate window.
    #[must_use]
    pub fn new() -> Self {
        DofMeter {
            budget: None,
            consumed: Dof::ZERO,
            remaining: None,
            charges: 0,
            last_seq: 0,
            window: Duration::from_secs(60),
            recent: VecDeque::new(),
            settlement: None,
        }
    }

    /// Uses `window` (at least one millisecond) for [`DofMeter::rate_per_minute`].
    #[must_use]
    pub fn with_window(mut self, window: Duration) -> Self {
        self.window = window.max(Duration::from_millis(1));
        self
    }

    /// Counts one event. Events must come in order, each once (see
    /// [`StreamCursor`](crate::cursor::StreamCursor)).
    ///
    /// # Errors
    /// A [`MeterError`] when the total overflows or an update's running total disagrees with
    /// what was counted. The charge is counted either way, so [`reconcile`] still sees it.
    pub fn observe(&mut self, event: &SessionEvent) -> Result<(), MeterError> {
        self.last_seq = self.last_seq.max(event.seq);
        match &event.kind {
            EventKind::Started { session } => {
                self.budget = Some(session.budget);
                self.remaining = Some(session.remaining);
                Ok(())
            }
            EventKind::DofUpdate(u) => {
                self.charges += 1;
                self.consumed = self
                    .consumed
                    .checked_add(u.delta)
                    .ok_or(MeterError::Overflow { seq: event.seq })?;
                self.remaining = Some(u.remaining);
                if self.budget.is_none() {
                    self.budget = u.consumed.checked_add(u.remaining);
                }
                let now = event.ts.unix_millis();
                self.recent.push_back((now, u.delta));
                let window = i64::try_from(self.window.as_millis()).unwrap_or(i64::MAX);
                while self
                    .recent
                    .front()
                    .is_some_and(|(t, _)| now.saturating_sub(*t) >= window)
                {
                    self.recent.pop_front();
                }
                if u.consumed != self.consumed {
                    return Err(MeterError::TotalMismatch {
                        seq: event.seq,
                        counted: self.consumed,
                        reported: u.consumed,
                    });
                }
                Ok(())
            }
            EventKind::Ended { settlement, .. } => {
                self.settlement = Some(*settlement);
                self.remaining = self.budget.and_then(|b| b.checked_sub(settlement.consumed));
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// DOF counted so far: the sum of every charge seen.
    #[must_use]
    pub fn consumed(&self) -> Dof {
        self.consumed
    }

    /// What is left of the budget, as the last event said.
    #[must_use]
    pub fn remaining(&self) -> Option<Dof> {
        self.remaining
    }

    /// The session's budget, once `session.started` (or a charge) was seen.
    #[must_use]
    pub fn budget(&self) -> Option<Dof> {
        self.budget
    }

    /// How many charges were counted.
    #[must_use]
    pub fn charges(&self) -> u64 {
        self.charges
    }

    /// The seq of the last event observed.
    #[must_use]
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// The settlement of `session.ended`, once seen.
    #[must_use]
    pub fn settlement(&self) -> Option<&Settlement> {
        self.settlement.as_ref()
    }

    /// DOF charged within the window ending at the last charge, scaled to one minute
    /// (rounded down).
    #[must_use]
    pub fn rate_per_minute(&self) -> Dof {
        let sum: i128 = self.recent.iter().map(|(_, d)| i128::from(d.get())).sum();
        let window = self.window.as_millis().max(1) as i128;
        let per_minute = sum * 60_000 / window;
        Dof::new(i64::try_from(per_minute).unwrap_or(i64::MAX))
    }
}

/// What a [`BudgetGuard`] asks the application to do.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GuardAction {
    /// `consumed` crossed this fraction of the budget (fired once per threshold).
    Warn(f64),
    /// `consumed` reached the client-side cap: end the session now (fired once).
    End,
}

/// A client-side spending guard: warnings at fractions of the budget and an end at a cap.
///
/// ```
/// use jiga::Dof;
/// use jiga::accounting::{BudgetGuard, GuardAction};
///
/// let mut guard = BudgetGuard::new(Dof::new(1000)).cap(Dof::new(900)).warn_at([0.5, 0.8]);
/// assert_eq!(guard.check(Dof::new(400)), vec![]);
/// assert_eq!(guard.check(Dof::new(850)), vec![GuardAction::Warn(0.5), GuardAction::Warn(0.8)]);
/// assert_eq!(guard.check(Dof::new(900)), vec![GuardAction::End]);
/// assert_eq!(guard.check(Dof::new(950)), vec![]);
/// ```
#[derive(Clone, Debug)]
pub struct BudgetGuard {
    budget: Dof,
    cap: Option<Dof>,
    /// `(fraction, amount it stands for, fired)`, ascending.
    thresholds: Vec<(f64, Dof, bool)>,
    ended: bool,
}

impl BudgetGuard {
    /// A guard over `budget` with no cap and no threshold.
    #[must_use]
    pub fn new(budget: Dof) -> Self {
        BudgetGuard {
            budget,
            cap: None,
            thresholds: Vec::new(),
            ended: false,
        }
    }

    /// Ends the session once `consumed >= cap` (a cap above the budget never fires before the
    /// server ends the session itself).
    #[must_use]
    pub fn cap(mut self, cap: Dof) -> Self {
        self.cap = Some(cap);
        self
    }

    /// Warns once when `consumed` reaches each fraction of the budget. Fractions outside
    /// `(0, 1]` (or NaN) are ignored; the amount of a fraction is rounded down to whole DOF.
    #[must_use]
    pub fn warn_at(mut self, fractions: impl IntoIterator<Item = f64>) -> Self {
        for f in fractions {
            if f > 0.0 && f <= 1.0 {
                // The fraction becomes basis points so the amount is integer arithmetic.
                let bps = (f * 10_000.0).round() as i128;
                let amount = i128::from(self.budget.get()) * bps / 10_000;
                let amount = Dof::new(i64::try_from(amount).unwrap_or(i64::MAX));
                self.thresholds.push((f, amount, false));
            }
        }
        self.thresholds.sort_by_key(|a| a.1);
        self
    }

    /// The actions `consumed` triggers now, thresholds in ascending order, `End` last.
    pub fn check(&mut self, consumed: Dof) -> Vec<GuardAction> {
        let mut actions = Vec::new();
        for (fraction, amount, fired) in &mut self.thresholds {
            if !*fired && consumed >= *amount {
                *fired = true;
                actions.push(GuardAction::Warn(*fraction));
            }
        }
        if !self.ended && self.cap.is_some_and(|cap| consumed >= cap) {
            self.ended = true;
            actions.push(GuardAction::End);
        }
        actions
    }

    /// [`BudgetGuard::check`] with the meter's consumed total.
    pub fn check_meter(&mut self, meter: &DofMeter) -> Vec<GuardAction> {
        self.check(meter.consumed())
    }
}

/// A settlement that matches what the client counted. As JSON: `{"consumed", "ownerEarnings",
/// "platformFee", "released", "charges"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reconciled {
    /// The consumed total both sides agree on.
    pub consumed: Dof,
    /// Paid to the agent's owner.
    pub owner_earnings: Dof,
    /// Kept by the platform.
    pub platform_fee: Dof,
    /// Returned to the hirer.
    pub released: Dof,
    /// Charges counted.
    pub charges: u64,
}

/// Why a settlement does not reconcile.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReconciliationError {
    /// The client counted a different consumed total than the server settled.
    #[error(
        "the client counted {counted} consumed from {charges} charges but the settlement says {settled}"
    )]
    ConsumedMismatch {
        /// Sum of the `session.dof_update` deltas seen.
        counted: Dof,
        /// The settlement's `consumed`.
        settled: Dof,
        /// Charges counted.
        charges: u64,
    },
    /// The settlement does not add up: `ownerEarnings + platformFee != consumed`, or
    /// `consumed + released != budget`.
    #[error("the settlement does not add up: {reason}")]
    Inconsistent {
        /// Which sum fails.
        reason: String,
    },
}

/// Checks `settlement` against what `meter` counted.
///
/// # Errors
/// [`ReconciliationError::ConsumedMismatch`] when the totals differ,
/// [`ReconciliationError::Inconsistent`] when the settlement's own sums fail.
pub fn reconcile(
    meter: &DofMeter,
    settlement: &Settlement,
) -> Result<Reconciled, ReconciliationError> {
    if meter.consumed() != settlement.consumed {
        return Err(ReconciliationError::ConsumedMismatch {
            counted: meter.consumed(),
            settled: settlement.consumed,
            charges: meter.charges(),
        });
    }
    if settlement
        .owner_earnings
        .checked_add(settlement.platform_fee)
        != Some(settlement.consumed)
    {
        return Err(ReconciliationError::Inconsistent {
            reason: format!(
                "owner earnings {} + platform fee {} != consumed {}",
                settlement.owner_earnings, settlement.platform_fee, settlement.consumed
            ),
        });
    }
    if let Some(budget) = meter.budget()
        && settlement.consumed.checked_add(settlement.released) != Some(budget)
    {
        return Err(ReconciliationError::Inconsistent {
            reason: format!(
                "consumed {} + released {} != budget {budget}",
                settlement.consumed, settlement.released
            ),
        });
    }
    Ok(Reconciled {
        consumed: settlement.consumed,
        owner_earnings: settlement.owner_earnings,
        platform_fee: settlement.platform_fee,
        released: settlement.released,
        charges: meter.charges(),
    })
}

/// A spending guard to set up once the session's budget is known: the [`BudgetGuard`] of a
/// [`SessionAccount`], in the shape bindings take it (`{"cap": 900, "warnAt": [0.5, 0.8]}`).
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GuardSpec {
    /// End the session once this much is consumed.
    pub cap: Option<Dof>,
    /// Warn once at each fraction of the budget (each in `(0, 1]`).
    #[serde(default)]
    pub warn_at: Vec<f64>,
}

/// What one event did to a [`SessionAccount`].
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Observation {
    /// What the guard asks for now (thresholds in ascending order, `End` last).
    pub actions: Vec<GuardAction>,
    /// An inconsistency the meter saw in this event (the charge is still counted).
    pub meter_error: Option<MeterError>,
    /// After `session.ended`: whether the settlement reconciles with what was counted.
    /// `None` when the account did not see the session from `session.started` (a stream
    /// resumed after a seq), whose earlier charges it cannot know.
    pub reconciled: Option<Result<Reconciled, ReconciliationError>>,
}

/// The accounting of one session stream: its [`DofMeter`], an optional [`BudgetGuard`] made
/// from a [`GuardSpec`] once the budget is known, and reconciliation at `session.ended`.
///
/// ```
/// use jiga::accounting::{GuardAction, GuardSpec, SessionAccount};
/// # use jiga::{Dof, SessionEvent};
/// # fn events() -> Vec<SessionEvent> { Vec::new() }
/// let mut account = SessionAccount::new(Some(GuardSpec { cap: Some(Dof::new(90)), warn_at: vec![0.5] }));
/// for event in events() {
///     let seen = account.observe(&event);
///     if seen.actions.contains(&GuardAction::End) {
///         // end the session now
///     }
/// }
/// assert_eq!(account.meter().consumed(), Dof::ZERO);
/// ```
#[derive(Clone, Debug)]
pub struct SessionAccount {
    meter: DofMeter,
    spec: Option<GuardSpec>,
    guard: Option<BudgetGuard>,
    from_start: Option<bool>,
    reconciled: Option<Result<Reconciled, ReconciliationError>>,
}

impl SessionAccount {
    /// An account with a guard built from `guard` once the budget is known (none: meter only).
    #[must_use]
    pub fn new(guard: Option<GuardSpec>) -> Self {
        SessionAccount {
            meter: DofMeter::new(),
            spec: guard,
            guard: None,
            from_start: None,
            reconciled: None,
        }
    }

    /// Counts one event (in order, each once, as a session stream delivers them).
    pub fn observe(&mut self, event: &SessionEvent) -> Observation {
        let from_start = *self.from_start.get_or_insert(event.seq == 1);
        let mut seen = Observation {
            meter_error: self.meter.observe(event).err(),
            ..Observation::default()
        };
        if self.guard.is_none()
            && let (Some(spec), Some(budget)) = (&self.spec, self.meter.budget())
        {
            let mut guard = BudgetGuard::new(budget).warn_at(spec.warn_at.iter().copied());
            if let Some(cap) = spec.cap {
                guard = guard.cap(cap);
            }
            self.guard = Some(guard);
        }
        if let Some(guard) = &mut self.guard
            && matches!(event.kind, EventKind::DofUpdate(_))
        {
            seen.actions = guard.check_meter(&self.meter);
        }
        if let (EventKind::Ended { settlement, .. }, true) = (&event.kind, from_start) {
            seen.reconciled = Some(reconcile(&self.meter, settlement));
            self.reconciled.clone_from(&seen.reconciled);
        }
        seen
    }

    /// The verdict of `session.ended`, once observed (see [`Observation::reconciled`]).
    #[must_use]
    pub fn reconciled(&self) -> Option<&Result<Reconciled, ReconciliationError>> {
        self.reconciled.as_ref()
    }

    /// The meter, as of the last event observed.
    #[must_use]
    pub fn meter(&self) -> &DofMeter {
        &self.meter
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;
    use crate::event::{ChargeReason, DofUpdate};
    use crate::model::EndReason;

    fn ev(seq: u64, ms: i64, kind: EventKind) -> SessionEvent {
        SessionEvent {
            seq,
            ts: Timestamp::from_unix_millis(1_795_640_000_000 + ms).expect("in range"),
            kind,
        }
    }

    fn charge(seq: u64, ms: i64, delta: i64, consumed: i64, budget: i64) -> SessionEvent {
        ev(
            seq,
            ms,
            EventKind::DofUpdate(DofUpdate {
                delta: Dof::new(delta),
                consumed: Dof::new(consumed),
                remaining: Dof::new(budget - consumed),
                reason: ChargeReason::Action,
            }),
        )
    }

    fn ended(seq: u64, s: Settlement) -> SessionEvent {
        ev(
            seq,
            0,
            EventKind::Ended {
                reason: EndReason::EndedByHirer,
                settlement: s,
            },
        )
    }

    #[test]
    fn meter_counts_charges_and_rate() {
        let mut m = DofMeter::new();
        m.observe(&charge(2, 0, 10, 10, 100)).expect("ok");
        m.observe(&charge(3, 30_000, 5, 15, 100)).expect("ok");
        assert_eq!(m.consumed(), Dof::new(15));
        assert_eq!(m.remaining(), Some(Dof::new(85)));
        assert_eq!(m.budget(), Some(Dof::new(100)));
        assert_eq!(m.charges(), 2);
        assert_eq!(m.rate_per_minute(), Dof::new(15));
        // The first charge leaves the one-minute window.
        m.observe(&charge(4, 61_000, 1, 16, 100)).expect("ok");
        assert_eq!(m.rate_per_minute(), Dof::new(6));
        assert_eq!(m.last_seq(), 4);
        let half = DofMeter::new().with_window(Duration::from_secs(30));
        let mut half = half;
        half.observe(&charge(2, 0, 10, 10, 100)).expect("ok");
        assert_eq!(half.rate_per_minute(), Dof::new(20));
    }

    #[test]
    fn meter_reports_a_lost_charge() {
        let mut m = DofMeter::new();
        m.observe(&charge(2, 0, 10, 10, 100)).expect("ok");
        let err = m
            .observe(&charge(4, 1, 3, 16, 100))
            .expect_err("lost seq 3");
        assert_eq!(
            err,
            MeterError::TotalMismatch {
                seq: 4,
                counted: Dof::new(13),
                reported: Dof::new(16)
            }
        );
        let mut m = DofMeter::new();
        m.observe(&charge(2, 0, i64::MAX, i64::MAX, i64::MAX))
            .expect("ok");
        assert_eq!(
            m.observe(&charge(3, 0, 1, 1, 1)),
            Err(MeterError::Overflow { seq: 3 })
        );
    }

    #[test]
    fn reconcile_accepts_a_match_and_refuses_a_mismatch() {
        let mut m = DofMeter::new();
        m.observe(&charge(2, 0, 10, 10, 100)).expect("ok");
        m.observe(&charge(3, 0, 11, 21, 100)).expect("ok");
        let s = Settlement::compute(Dof::new(100), Dof::new(21), 2000).expect("valid");
        m.observe(&ended(4, s)).expect("ok");
        let r = reconcile(&m, &s).expect("reconciles");
        assert_eq!(
            (r.consumed, r.released, r.charges),
            (Dof::new(21), Dof::new(79), 2)
        );

        let more = Settlement::compute(Dof::new(100), Dof::new(22), 2000).expect("valid");
        assert!(matches!(
            reconcile(&m, &more),
            Err(ReconciliationError::ConsumedMismatch { counted, settled, .. })
                if counted == Dof::new(21) && settled == Dof::new(22)
        ));
        let mut bad = s;
        bad.released = Dof::new(1);
        assert!(matches!(
            reconcile(&m, &bad),
            Err(ReconciliationError::Inconsistent { .. })
        ));
        let mut bad = s;
        bad.platform_fee = Dof::new(0);
        assert!(matches!(
            reconcile(&m, &bad),
            Err(ReconciliationError::Inconsistent { .. })
        ));
    }

    #[test]
    fn guard_warns_once_per_threshold_and_ends_once() {
        let mut g =
            BudgetGuard::new(Dof::new(200))
                .cap(Dof::new(150))
                .warn_at([0.9, 0.25, 1.5, f64::NAN]);
        assert!(g.check(Dof::new(49)).is_empty());
        assert_eq!(g.check(Dof::new(50)), vec![GuardAction::Warn(0.25)]);
        assert!(g.check(Dof::new(60)).is_empty());
        assert_eq!(g.check(Dof::new(150)), vec![GuardAction::End]);
        assert_eq!(g.check(Dof::new(180)), vec![GuardAction::Warn(0.9)]);
        assert!(g.check(Dof::new(200)).is_empty());
        let mut m = DofMeter::new();
        m.observe(&charge(2, 0, 200, 200, 200)).expect("ok");
        let mut g = BudgetGuard::new(Dof::new(200)).warn_at([1.0]);
        assert_eq!(g.check_meter(&m), vec![GuardAction::Warn(1.0)]);
    }

    #[test]
    fn account_builds_its_guard_from_the_budget_and_reconciles_at_the_end() {
        let spec = GuardSpec {
            cap: Some(Dof::new(30)),
            warn_at: vec![0.1],
        };
        let mut a = SessionAccount::new(Some(spec));
        // seq 1 stands in for `session.started` here: what matters is that seq 1 was seen.
        let seen = a.observe(&charge(1, 0, 10, 10, 100));
        assert_eq!(seen.actions, vec![GuardAction::Warn(0.1)]);
        assert_eq!(a.observe(&charge(2, 0, 15, 25, 100)).actions, vec![]);
        assert_eq!(
            a.observe(&charge(3, 0, 10, 35, 100)).actions,
            vec![GuardAction::End]
        );
        let s = Settlement::compute(Dof::new(100), Dof::new(35), 2000).expect("valid");
        let end = a.observe(&ended(4, s));
        assert_eq!(
            end.reconciled
                .expect("seen from the start")
                .expect("ok")
                .consumed,
            Dof::new(35)
        );
        assert!(matches!(a.reconciled(), Some(Ok(r)) if r.charges == 3));
        assert_eq!(a.meter().consumed(), Dof::new(35));

        // A stream resumed after seq 2 cannot know the earlier charges: no verdict.
        let mut resumed = SessionAccount::new(None);
        assert!(
            resumed
                .observe(&charge(3, 0, 10, 35, 100))
                .meter_error
                .is_some()
        );
        assert_eq!(resumed.observe(&ended(4, s)).reconciled, None);
    }
}
