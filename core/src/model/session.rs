use serde::{Deserialize, Serialize};

use super::agent::{Pricing, wire_enum};
use super::validate::{FieldError, chars_between, int_between};
use crate::{Dof, Timestamp};

wire_enum!(
    /// Whether a session still runs.
    SessionStatus {
        /// The agent is acting and charging.
        Active = "active",
        /// Settled; no more events but `session.ended`.
        Ended = "ended",
    }
);

wire_enum!(
    /// Why a session ended.
    EndReason {
        /// The hirer called end.
        EndedByHirer = "ended_by_hirer",
        /// `remaining` could not pay the next charge.
        BudgetExhausted = "budget_exhausted",
        /// `expiresAt` passed.
        Expired = "expired",
        /// The agent failed.
        AgentError = "agent_error",
    }
);

/// A hired session of an agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    /// Opaque id (`ses_…`).
    pub id: String,
    /// The hired agent.
    pub agent_id: String,
    /// Who hired (and pays).
    pub hirer_id: String,
    /// The agent's owner (who earns).
    pub owner_id: String,
    /// The game played.
    pub game: String,
    /// `active` or `ended`.
    pub status: SessionStatus,
    /// DOF held for the session at hire.
    pub budget: Dof,
    /// DOF charged so far.
    pub consumed: Dof,
    /// `budget - consumed`.
    pub remaining: Dof,
    /// Hire time.
    pub started_at: Timestamp,
    /// End time, once ended.
    pub ended_at: Option<Timestamp>,
    /// Why it ended, once ended.
    pub end_reason: Option<EndReason>,
    /// When the session ends by itself.
    pub expires_at: Timestamp,
    /// The seq of the last event emitted.
    pub last_seq: u64,
}

/// The default `maxMinutes` of a hire.
pub const DEFAULT_MAX_MINUTES: u32 = 60;
/// The longest a hire may last.
pub const MAX_MAX_MINUTES: u32 = 240;
/// The largest budget a hire may hold.
pub const MAX_BUDGET: i64 = 1_000_000;

/// `POST /v1/hires`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HireRequest {
    /// A published agent.
    pub agent_id: String,
    /// The game to play (1–50 characters).
    pub game: String,
    /// DOF to hold: at least one minute of the agent's price, at most 1 000 000.
    pub budget: Dof,
    /// 1..=240, default 60.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_minutes: Option<u32>,
    /// The pricing the hirer saw on the listing (contract v1.1): when given and different
    /// from the agent's pricing now, the hire is refused with 409 `conflict`, so an owner
    /// cannot raise the price under a hirer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_pricing: Option<Pricing>,
}

impl HireRequest {
    /// Checks the rules that do not depend on the agent.
    ///
    /// # Errors
    /// A [`FieldError`] naming the first field that breaks a rule.
    pub fn validate(&self) -> Result<(), FieldError> {
        chars_between("agentId", &self.agent_id, 1, 100)?;
        chars_between("game", self.game.trim(), 1, 50)?;
        int_between("budget", self.budget.get(), 1, MAX_BUDGET)?;
        if let Some(p) = &self.expected_pricing {
            int_between("expectedPricing.perMinute", p.per_minute.get(), 0, i64::MAX)?;
            int_between("expectedPricing.perAction", p.per_action.get(), 0, i64::MAX)?;
        }
        if let Some(m) = self.max_minutes {
            int_between("maxMinutes", i64::from(m), 1, i64::from(MAX_MAX_MINUTES))?;
        }
        Ok(())
    }

    /// Checks the budget against the agent's price: it must cover one minute.
    ///
    /// # Errors
    /// A [`FieldError`] on `budget` when it is below `per_minute`.
    pub fn validate_budget(&self, per_minute: Dof) -> Result<(), FieldError> {
        if self.budget < per_minute {
            return Err(FieldError::new(
                "budget",
                format!(
                    "must cover at least one minute of the agent ({per_minute}), got {}",
                    self.budget
                ),
            ));
        }
        Ok(())
    }
}

/// The answer of `POST /v1/hires`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HireResponse {
    /// The new session.
    pub session: Session,
    /// Where to open its stream: `/v1/sessions/{id}/stream`.
    pub stream_path: String,
}

/// How an ended session's consumed DOF was split.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Settlement {
    /// Charged over the session.
    pub consumed: Dof,
    /// Paid to the owner.
    pub owner_earnings: Dof,
    /// Kept by the platform.
    pub platform_fee: Dof,
    /// Returned to the hirer's available balance.
    pub released: Dof,
}

impl Settlement {
    /// The settlement of a session that held `budget` and consumed `consumed`, with the
    /// platform taking `fee_bps` basis points (rounded down, in the owner's favour).
    ///
    /// Returns `None` for inconsistent inputs (negative amounts, `consumed > budget`,
    /// `fee_bps > 10_000`).
    #[must_use]
    pub fn compute(budget: Dof, consumed: Dof, fee_bps: u32) -> Option<Settlement> {
        let released = budget.checked_sub(consumed)?;
        if released.is_negative() {
            return None;
        }
        let (owner_earnings, platform_fee) = consumed.split_fee(fee_bps)?;
        Some(Settlement {
            consumed,
            owner_earnings,
            platform_fee,
            released,
        })
    }
}

/// The answer of `POST /v1/sessions/{id}/end`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EndSessionResponse {
    /// The ended session.
    pub session: Session,
    /// How its DOF was split.
    pub settlement: Settlement,
}

/// `POST /v1/sessions/{id}/commands`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandRequest {
    /// The caller's id for the command (1–100 characters); echoed in `session.command_ack`.
    pub command_id: String,
    /// Free-form JSON object for the agent.
    #[serde(default = "empty_object")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

impl CommandRequest {
    /// Checks the contract's rules.
    ///
    /// # Errors
    /// A [`FieldError`] for a bad `commandId` or a `data` that is not an object.
    pub fn validate(&self) -> Result<(), FieldError> {
        chars_between("commandId", &self.command_id, 1, 100)?;
        if !self.data.is_object() {
            return Err(FieldError::new("data", "must be a JSON object"));
        }
        Ok(())
    }
}

/// The 202 answer of `POST /v1/sessions/{id}/commands`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandAccepted {
    /// The accepted command's id.
    pub command_id: String,
}

/// `POST /v1/sessions/{id}/stream-tickets`: a single-use stream credential for browsers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamTicket {
    /// Pass as `?ticket=` once.
    pub ticket: String,
    /// Seconds the ticket stays valid (60).
    pub expires_in: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settlement_splits_and_releases() {
        let s = Settlement::compute(Dof::new(500), Dof::new(101), 2000).expect("consistent");
        assert_eq!(
            (
                s.owner_earnings.get(),
                s.platform_fee.get(),
                s.released.get()
            ),
            (81, 20, 399)
        );
        assert!(Settlement::compute(Dof::new(5), Dof::new(6), 2000).is_none());
    }

    #[test]
    fn hire_budget_must_cover_a_minute() {
        let h = HireRequest {
            agent_id: "a".into(),
            game: "chess".into(),
            budget: Dof::new(9),
            max_minutes: None,
            expected_pricing: None,
        };
        assert!(h.validate().is_ok());
        assert!(h.validate_budget(Dof::new(10)).is_err());
        assert!(h.validate_budget(Dof::new(9)).is_ok());
    }

    #[test]
    fn expected_pricing_is_optional_on_the_wire_and_checked() {
        let json = r#"{"agentId":"a","game":"chess","budget":9}"#;
        let h: HireRequest = serde_json::from_str(json).expect("decodes");
        assert_eq!(h.expected_pricing, None);
        assert_eq!(serde_json::to_string(&h).expect("encodes"), json);
        let with = HireRequest {
            expected_pricing: Some(Pricing {
                per_minute: Dof::new(-1),
                per_action: Dof::new(0),
            }),
            ..h
        };
        assert_eq!(
            with.validate().map_err(|e| e.field),
            Err("expectedPricing.perMinute".to_owned())
        );
    }
}
