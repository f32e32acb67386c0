#![doc = include_str!("../README.md")]

pub mod dof;
pub mod event;
pub mod model;
mod time;

pub use dof::Dof;
pub use event::{EventKind, SessionEvent};
pub use time::{ParseTimestampError, Timestamp};
