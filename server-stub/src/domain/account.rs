//! Ledger account names (`user:{id}:available`, `session:{id}:consumed`, …) and which of
//! them may never go negative.

/// A user's spendable DOF.
#[must_use]
pub fn available(user_id: &str) -> String {
    format!("user:{user_id}:available")
}
/// A user's DOF reserved by active sessions.
#[must_use]
pub fn held(user_id: &str) -> String {
    format!("user:{user_id}:held")
}
/// What a session has consumed, until settlement empties it.
#[must_use]
pub fn consumed(session_id: &str) -> String {
    format!("session:{session_id}:consumed")
}
/// Money coming in from a payment provider.
#[must_use]
pub fn external(provider: &str) -> String {
    format!("external:{provider}")
}
/// The platform's fees.
pub const PLATFORM_REVENUE: &str = "platform:revenue";

/// True for accounts that may never go negative (users' `available` and `held`).
#[must_use]
pub fn must_stay_non_negative(account: &str) -> bool {
    account.starts_with("user:") && (account.ends_with(":available") || account.ends_with(":held"))
}
