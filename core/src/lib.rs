#![doc = include_str!("../README.md")]

pub mod accounting;
pub mod cursor;
pub mod dof;
pub mod event;
pub mod model;
pub mod reconnect;
mod time;
pub mod webhook;
pub mod wire;

#[cfg(feature = "client")]
pub mod client;

#[cfg(feature = "client")]
pub use client::{Client, ClientBuilder, Error, ErrorKind, Result};
pub use dof::Dof;
pub use event::{DecodeError, EventKind, RawJson, SessionEvent};
pub use time::{ParseTimestampError, Timestamp};
pub use webhook::WebhookError;
