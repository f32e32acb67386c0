#![doc = include_str!("../README.md")]
//!
//! ## A map of the crate
//!
//! - [`app`]: the shared state and the start/shutdown sequence.
//! - [`http`]: the router, middleware (request ids, errors, rate limits, metrics) and one
//!   module of handlers per API area; [`openapi`] builds `/v1/openapi.json` from the same
//!   route table.
//! - [`db`]: SQLite storage — the group-commit writer, migrations and the queries of each
//!   domain, the double-entry [`db::ledger`] among them.
//! - [`sim`]: the per-session runner that drives the (simulated) agent and charges DOF.
//! - [`stream`]: the event hub, the session-stream WebSocket and notifications.
//! - [`search`]: the in-memory marketplace index.
//! - [`auth`]: passwords, access tokens, extractors.

pub mod app;
pub mod auth;
pub mod config;
pub mod cursor;
pub mod db;
pub mod error;
pub mod http;
pub mod ids;
pub mod metrics;
pub mod openapi;
pub mod ratelimit;
pub mod search;
pub mod seed;
pub mod sim;
pub mod stream;

pub use app::{AppState, RunningServer, start};
pub use config::Config;
pub use error::{AppError, AppResult};
