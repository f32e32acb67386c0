//! Hire, charging and end rules of a session.
//!
//! - [`HirePolicy::check`]: who may hire what (published agent, not one's own, a budget that
//!   covers a minute, the price the hirer saw, the per-hirer cap of active sessions).
//! - [`decide`]: what one step of a running session does — charge a started minute, act and
//!   charge, say something, acknowledge a command, end — given only the session's state.
//! - [`settle`]: the settlement of an ending and the ledger postings that carry it out.

use jiga::Dof;
use jiga::event::{ChargeReason, EventKind};
use jiga::model::{
    Agent, AgentStatus, EndReason, HireRequest, Pricing, SessionStatus, Settlement, TransactionType,
};

use super::account;
use crate::error::{AppError, AppResult};

/// A session command's `data`, serialized, at most (the contract's Limits: 16 KiB).
pub const MAX_COMMAND_DATA_BYTES: usize = 16 * 1024;

/// True when a command's `data`, serialized, is within [`MAX_COMMAND_DATA_BYTES`] (REST and
/// WebSocket alike).
#[must_use]
pub fn command_data_fits(req: &jiga::model::CommandRequest) -> bool {
    serde_json::to_vec(&req.data).is_ok_and(|v| v.len() <= MAX_COMMAND_DATA_BYTES)
}

/// The rules a hire is checked against, from configuration.
#[derive(Clone, Copy, Debug)]
pub struct HirePolicy {
    /// Active sessions one hirer may have (the contract's 20 by default).
    pub max_active_per_hirer: u32,
    /// The platform's share at settlement, in basis points.
    pub fee_bps: u32,
}

impl HirePolicy {
    /// Checks a hire of `agent` (as found by `agent_id`) by `hirer`, who has `active` active
    /// sessions, and returns the agent to hire.
    ///
    /// # Errors
    /// In the contract's order: `not_found` (no such published agent), `forbidden` (one's own
    /// agent), `invalid_argument` on `budget` (below a minute of the price), `conflict`
    /// (`expectedPricing` differs from the agent's pricing), `rate_limited` (the hirer's
    /// active sessions are at the cap).
    pub fn check<'a>(
        &self,
        agent: Option<&'a Agent>,
        agent_id: &str,
        hirer: &str,
        req: &HireRequest,
        expected: Option<&Pricing>,
        active: u32,
    ) -> AppResult<&'a Agent> {
        let agent = agent
            .filter(|a| a.status == AgentStatus::Published)
            .ok_or_else(|| AppError::not_found("published agent", agent_id))?;
        if agent.owner_id == hirer {
            return Err(AppError::Forbidden("you cannot hire your own agent".into()));
        }
        req.validate_budget(agent.pricing.per_minute)?;
        if let Some(seen) = expected
            && *seen != agent.pricing
        {
            return Err(AppError::Conflict(format!(
                "the agent's pricing changed: it is now {} DOF per minute and {} per action, \
                 the hire expected {} and {}",
                agent.pricing.per_minute,
                agent.pricing.per_action,
                seen.per_minute,
                seen.per_action
            )));
        }
        if active >= self.max_active_per_hirer {
            return Err(AppError::Quota {
                message: format!(
                    "you have {active} active sessions, the most one hirer may have; end one first"
                ),
                retry_after: std::time::Duration::from_secs(60),
            });
        }
        Ok(agent)
    }
}

/// One step of a running session.
#[derive(Clone, Debug)]
pub enum Op {
    /// Charge the next started minute.
    Minute,
    /// Perform (and charge) one action.
    Action(jiga::event::AgentAction),
    /// Say something.
    Commentary(String),
    /// Acknowledge a command.
    CommandAck(String),
    /// End the session.
    End(EndReason),
}

/// The part of a session's state the charging rules read.
#[derive(Clone, Copy, Debug)]
pub struct Meter {
    /// Active or ended.
    pub status: SessionStatus,
    /// The agent's price as hired.
    pub pricing: Pricing,
    /// What is left of the budget.
    pub remaining: Dof,
}

/// What one [`Op`] does.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Nothing: the session has ended.
    Nothing,
    /// End and settle the session for this reason.
    End(EndReason),
    /// Emit this event (if any), then charge this much (if anything). `minute` and `action`
    /// say which counter the step advances.
    Step {
        /// The event the step emits before its charge.
        event: Option<EventKind>,
        /// The charge, with its reason.
        charge: Option<(Dof, ChargeReason)>,
        /// A started minute is counted.
        minute: bool,
        /// An action is counted.
        action: bool,
    },
}

/// Decides what `op` does to a session in the state `m`: a charge the remaining budget cannot
/// pay ends the session with `budget_exhausted` instead; zero charges are not posted.
#[must_use]
pub fn decide(m: &Meter, op: &Op) -> Decision {
    if m.status == SessionStatus::Ended {
        return Decision::Nothing;
    }
    let charge = |amount: Dof, reason| (!amount.is_zero()).then_some((amount, reason));
    match op {
        Op::Minute if m.pricing.per_minute > m.remaining => {
            Decision::End(EndReason::BudgetExhausted)
        }
        Op::Minute => Decision::Step {
            event: None,
            charge: charge(m.pricing.per_minute, ChargeReason::Minute),
            minute: true,
            action: false,
        },
        Op::Action(_) if m.pricing.per_action > m.remaining => {
            Decision::End(EndReason::BudgetExhausted)
        }
        Op::Action(a) => Decision::Step {
            event: Some(EventKind::Action(a.clone())),
            charge: charge(m.pricing.per_action, ChargeReason::Action),
            minute: false,
            action: true,
        },
        Op::Commentary(text) => Decision::Step {
            event: Some(EventKind::Commentary { text: text.clone() }),
            charge: None,
            minute: false,
            action: false,
        },
        Op::CommandAck(id) => Decision::Step {
            event: Some(EventKind::CommandAck {
                command_id: id.clone(),
            }),
            charge: None,
            minute: false,
            action: false,
        },
        Op::End(reason) => Decision::End(*reason),
    }
}

/// A ledger transaction to post: its type and its entries (account, amount).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Posting {
    /// The transaction type.
    pub kind: TransactionType,
    /// Balanced entries.
    pub entries: Vec<(String, i64)>,
}

/// The parties and amounts of a session being settled.
#[derive(Clone, Copy, Debug)]
pub struct Ending<'a> {
    /// The session.
    pub session_id: &'a str,
    /// Who hired it.
    pub hirer_id: &'a str,
    /// Who owns its agent.
    pub owner_id: &'a str,
    /// The hold.
    pub budget: Dof,
    /// What it consumed.
    pub consumed: Dof,
}

/// A session that consumed more than its budget: [`settle`] refuses it (the charging rules
/// never let it happen).
#[derive(Debug, thiserror::Error)]
#[error("session '{session_id}' consumed more than its budget")]
pub struct OverBudget {
    /// The session.
    pub session_id: String,
}

/// The settlement of an ending session and the postings that carry it out: the consumed DOF
/// to the owner and the platform (`fee_bps`, rounded in the owner's favour), the unused hold
/// back to the hirer's available balance. Zero movements are not posted.
///
/// # Errors
/// [`OverBudget`] when the session consumed more than its budget (a broken invariant).
pub fn settle(e: &Ending<'_>, fee_bps: u32) -> Result<(Settlement, Vec<Posting>), OverBudget> {
    let st = Settlement::compute(e.budget, e.consumed, fee_bps).ok_or_else(|| OverBudget {
        session_id: e.session_id.to_owned(),
    })?;
    let mut postings = Vec::with_capacity(2);
    if !st.consumed.is_zero() {
        let mut entries = vec![
            (account::consumed(e.session_id), -st.consumed.get()),
            (account::available(e.owner_id), st.owner_earnings.get()),
        ];
        if !st.platform_fee.is_zero() {
            entries.push((account::PLATFORM_REVENUE.to_owned(), st.platform_fee.get()));
        }
        postings.push(Posting {
            kind: TransactionType::Settle,
            entries,
        });
    }
    if !st.released.is_zero() {
        postings.push(Posting {
            kind: TransactionType::Release,
            entries: vec![
                (account::held(e.hirer_id), -st.released.get()),
                (account::available(e.hirer_id), st.released.get()),
            ],
        });
    }
    Ok((st, postings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiga::model::{AgentType, Rank};

    fn agent(owner: &str, per_minute: i64, status: AgentStatus) -> Agent {
        let now = jiga::Timestamp::from_unix_millis(0).expect("epoch");
        Agent {
            id: "agt_1".into(),
            owner_id: owner.into(),
            name: "A".into(),
            description: String::new(),
            tags: vec![],
            specializations: vec![],
            games: vec![],
            rank: Rank::Gold,
            agent_type: AgentType::Coach,
            provider: "p".into(),
            has_voice_chat: false,
            has_commentator: false,
            pricing: Pricing {
                per_minute: per_minute.into(),
                per_action: 1.into(),
            },
            actions_per_second: 2,
            image_url: None,
            nationality: None,
            status,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    fn hire(budget: i64) -> HireRequest {
        HireRequest {
            agent_id: "agt_1".into(),
            game: "chess".into(),
            budget: budget.into(),
            max_minutes: None,
            expected_pricing: None,
        }
    }

    const POLICY: HirePolicy = HirePolicy {
        max_active_per_hirer: 20,
        fee_bps: 2000,
    };

    fn code(r: AppResult<&Agent>) -> u16 {
        r.map_or_else(|e| e.status().as_u16(), |_| 200)
    }

    #[test]
    fn a_hire_is_checked_in_the_contracts_order() {
        let a = agent("owner", 10, AgentStatus::Published);
        let draft = agent("owner", 10, AgentStatus::Draft);
        let p = POLICY;
        assert_eq!(code(p.check(None, "agt_1", "me", &hire(100), None, 0)), 404);
        assert_eq!(
            code(p.check(Some(&draft), "agt_1", "me", &hire(100), None, 0)),
            404
        );
        assert_eq!(
            code(p.check(Some(&a), "agt_1", "owner", &hire(100), None, 0)),
            403
        );
        assert_eq!(
            code(p.check(Some(&a), "agt_1", "me", &hire(9), None, 0)),
            400
        );
        let seen = a.pricing;
        assert_eq!(
            code(p.check(Some(&a), "agt_1", "me", &hire(100), Some(&seen), 0)),
            200
        );
        let raised = Pricing {
            per_minute: 11.into(),
            ..seen
        };
        assert_eq!(
            code(p.check(Some(&a), "agt_1", "me", &hire(100), Some(&raised), 0)),
            409
        );
        assert_eq!(
            code(p.check(Some(&a), "agt_1", "me", &hire(100), None, 19)),
            200
        );
        assert_eq!(
            code(p.check(Some(&a), "agt_1", "me", &hire(100), None, 20)),
            429
        );
    }

    #[test]
    fn a_charge_the_budget_cannot_pay_ends_the_session() {
        let m = Meter {
            status: SessionStatus::Active,
            pricing: Pricing {
                per_minute: 10.into(),
                per_action: 3.into(),
            },
            remaining: 5.into(),
        };
        assert_eq!(
            decide(&m, &Op::Minute),
            Decision::End(EndReason::BudgetExhausted)
        );
        let act = Op::Action(jiga::event::AgentAction {
            action: "move".into(),
            target: None,
            detail: "d".into(),
        });
        assert!(matches!(
            decide(&m, &act),
            Decision::Step { charge: Some((d, ChargeReason::Action)), action: true, .. } if d == Dof::new(3)
        ));
        let free = Meter {
            pricing: Pricing {
                per_minute: Dof::ZERO,
                per_action: Dof::ZERO,
            },
            ..m
        };
        assert!(matches!(
            decide(&free, &Op::Minute),
            Decision::Step {
                charge: None,
                minute: true,
                ..
            }
        ));
        let ended = Meter {
            status: SessionStatus::Ended,
            ..m
        };
        assert_eq!(decide(&ended, &Op::Minute), Decision::Nothing);
    }

    #[test]
    fn settlement_pays_owner_and_platform_and_releases_the_rest() {
        let e = Ending {
            session_id: "s",
            hirer_id: "h",
            owner_id: "o",
            budget: 100.into(),
            consumed: 33.into(),
        };
        let (st, postings) = settle(&e, 2000).expect("settles");
        assert_eq!(
            (
                st.owner_earnings.get(),
                st.platform_fee.get(),
                st.released.get()
            ),
            (27, 6, 67)
        );
        assert_eq!(postings.len(), 2);
        for p in &postings {
            assert_eq!(p.entries.iter().map(|(_, a)| a).sum::<i64>(), 0);
        }
        let nothing = Ending {
            consumed: Dof::ZERO,
            ..e
        };
        let (_, postings) = settle(&nothing, 2000).expect("settles");
        assert_eq!(
            postings.iter().map(|p| p.kind).collect::<Vec<_>>(),
            [TransactionType::Release]
        );
        let over = Ending {
            consumed: 101.into(),
            ..e
        };
        assert!(settle(&over, 2000).is_err());
    }
}
