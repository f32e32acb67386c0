//! Wire types of the store API (`shared/spec/store-api.md`), shared by the client and the
//! reference server so the two cannot drift.
//!
//! Field names are `camelCase` on the wire. Request types carry a `validate` method holding the
//! contract's input rules, so a client can refuse bad input before a round trip and the server
//! enforces the very same rules.

mod achievement;
mod agent;
mod auth;
mod error;
mod marketplace;
mod page;
mod session;
mod shape;
mod user;
mod validate;
mod wallet;

pub use achievement::*;
pub use agent::*;
pub use auth::*;
pub use error::*;
pub use marketplace::*;
pub use page::*;
pub use session::*;
pub use shape::*;
pub use user::*;
pub use validate::FieldError;
pub use wallet::*;
