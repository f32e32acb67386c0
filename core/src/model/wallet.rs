use serde::{Deserialize, Serialize};

use super::agent::wire_enum;
use super::validate::{FieldError, int_between};
use crate::{Dof, Timestamp};

/// A user's DOF wallet. `available = balance - held`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Wallet {
    /// Everything the user owns.
    pub balance: Dof,
    /// Reserved by active sessions.
    pub held: Dof,
    /// What can be spent now.
    pub available: Dof,
    /// Always `"DOF"`.
    pub currency: String,
}

impl Wallet {
    /// A wallet from its two ledger accounts.
    ///
    /// Returns `None` if `available + held` overflows.
    #[must_use]
    pub fn from_accounts(available: Dof, held: Dof) -> Option<Wallet> {
        Some(Wallet {
            balance: available.checked_add(held)?,
            held,
            available,
            currency: "DOF".into(),
        })
    }
}

wire_enum!(
    /// The kinds of ledger transaction.
    TransactionType {
        /// Money in from a payment provider: `external → available`.
        Topup = "topup",
        /// A hire reserves its budget: `available → held`.
        Hold = "hold",
        /// A session charge: `held → session consumed`.
        Consume = "consume",
        /// The end of a session pays the owner and the platform from the consumed account.
        Settle = "settle",
        /// The end of a session returns the unused hold: `held → available`.
        Release = "release",
    }
);

/// One leg of a double-entry transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerEntry {
    /// `user:{id}:available`, `user:{id}:held`, `session:{id}:consumed`, `platform:revenue`,
    /// or `external:{provider}`.
    pub account: String,
    /// Positive credits the account, negative debits it.
    pub amount: Dof,
}

/// A ledger transaction; its entries sum to zero.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transaction {
    /// Opaque id (`txn_…`).
    pub id: String,
    /// Kind.
    #[serde(rename = "type")]
    pub kind: TransactionType,
    /// When it was written.
    pub created_at: Timestamp,
    /// The legs; they sum to zero.
    pub entries: Vec<LedgerEntry>,
    /// Context (`sessionId`, `topupId`, `reason`…).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub metadata: serde_json::Value,
}

wire_enum!(
    /// Where a top-up's money comes from.
    TopupProvider {
        /// Development provider: completes at once.
        Dev = "dev",
        /// Stripe: completes when the signed webhook confirms it.
        Stripe = "stripe",
        /// Shopify (v1.2): completes when the signed `orders/paid` webhook confirms it.
        Shopify = "shopify",
    }
);

wire_enum!(
    /// A top-up's state.
    TopupStatus {
        /// Waiting for the provider.
        Pending = "pending",
        /// Credited to the wallet.
        Completed = "completed",
    }
);

/// The most one top-up may bring in.
pub const MAX_TOPUP: i64 = 1_000_000;

/// `POST /v1/wallet/topups`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TopupRequest {
    /// 1..=1 000 000 DOF.
    pub amount: Dof,
    /// `dev`, `stripe` or `shopify`.
    pub provider: TopupProvider,
}

impl TopupRequest {
    /// Checks the contract's rules.
    ///
    /// # Errors
    /// A [`FieldError`] for an amount outside 1..=1 000 000.
    pub fn validate(&self) -> Result<(), FieldError> {
        int_between("amount", self.amount.get(), 1, MAX_TOPUP)
    }
}

/// A top-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Topup {
    /// Opaque id (`top_…`).
    pub id: String,
    /// DOF credited on completion.
    pub amount: Dof,
    /// Provider.
    pub provider: TopupProvider,
    /// State.
    pub status: TopupStatus,
    /// When it was requested.
    pub created_at: Timestamp,
}
