#![doc = include_str!("../README.md")]
//!
//! ## A map of the crate
//!
//! - [`app`]: the start/shutdown sequence and the accept loop.
//! - [`state`]: [`AppState`], what handlers reach; it sits below `http` and above the parts.
//! - [`domain`]: the hire, charging and settlement rules, apart from HTTP and SQL.
//! - [`catalog`]: the marketplace as served (search index, counted views) and its chore.
//! - [`http`]: the router, middleware (request ids, errors, rate limits, metrics) and one
//!   module of handlers per API area; [`openapi`] builds `/v1/openapi.json` from the same
//!   route table.
//! - [`db`]: SQLite storage — the group-commit writer, migrations and the queries of each
//!   domain, the double-entry [`db::ledger`] among them.
//! - [`sim`]: the per-session runner that drives the (simulated) agent and charges DOF.
//! - [`stream`]: the event hub, the session-stream WebSocket and notifications.
//! - [`search`]: the in-memory marketplace index.
//! - [`auth`]: passwords, access tokens, extractors.
//! - [`forwarded`]: the client's address behind a trusted reverse proxy (`--trusted-proxy`).
//! - [`telemetry`]: trace export over OTLP/HTTP (`--otlp-endpoint`) and `traceparent`.
//! - [`hooks`]: pause points for tests that force one interleaving (feature `test-hooks`).

pub mod app;
pub mod auth;
pub mod catalog;
pub mod channels;
pub mod config;
pub mod cursor;
pub mod db;
pub mod domain;
pub mod error;
pub mod forwarded;
pub mod hooks;
pub mod http;
pub mod ids;
pub mod metrics;
pub mod openapi;
pub mod profiles;
pub mod ratelimit;
pub mod search;
pub mod seed;
pub mod sim;
pub mod state;
pub mod stream;
pub mod telemetry;

pub use app::{RunningServer, start};
pub use config::Config;
pub use error::{AppError, AppResult};
pub use state::AppState;
