//! One entry point per route of the contract, grouped as the core groups them. Each checks
//! its arguments, starts the call on the runtime and returns at once with an operation id;
//! the result (JSON in the contract's shape) or the error arrives in the client's queue.
//!
//! Calls that move DOF (`hire`, `topup`, `session_end`) have a `_with_key` twin taking the
//! idempotency key from the host, for a host that must retry across its own restarts.

mod agents;
mod marketplace;
mod sessions;
mod users;
mod wallet;

pub use agents::*;
pub use marketplace::*;
pub use sessions::*;
pub use users::*;
pub use wallet::*;
