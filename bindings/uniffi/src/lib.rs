#![doc = include_str!("../README.md")]
//!
//! | file | what it holds |
//! |---|---|
//! | `runtime.rs` | the tokio runtime, `run` (a core call spawned and awaited, aborted when the foreign coroutine is cancelled), the live-object count |
//! | `error.rs` | `JigaError`, one variant per `jiga::ErrorKind`, with `ErrorInfo` |
//! | `tokens.rs` | `Tokens` and the foreign `TokenStore` trait, bridged to the core's |
//! | `inputs.rs` | the argument records (`ClientOptions`, `SearchParams`, `HireRequest`, …) |
//! | `models.rs` | the answer records (`Listing`, `Session`, `Wallet`, …) |
//! | `client.rs` | `Client`: every route |
//! | `pagers.rs` | one pager object per list route |
//! | `events.rs` | `SessionEvents` (meter, guard, reconciliation, `nextBatch`, `nextPacked`), `Notifications` |
//! | `webhook.rs` | `verifyWebhook` (the core's check of a webhook delivery), `WebhookError`, the webhook records |
//! | `packed.rs` | a batch of events as one buffer, the transport under Kotlin's `nextBatch` |

// `JigaError` carries every field of the contract's error by value: uniffi lifts an error
// enum as it is (a `Box<JigaError>` is not a uniffi type), and an error is the rare path.
#![allow(clippy::result_large_err)]

mod client;
mod error;
mod events;
mod inputs;
mod models;
mod packed;
mod pagers;
mod records;
mod runtime;
mod tokens;
mod webhook;

pub use client::Client;
pub use error::{ErrorInfo, JigaError};
pub use events::{Meter, Notifications, Reconciled, SessionEvents, StreamState};
pub use inputs::{
    ClientOptions, CreateAgentRequest, CreateReviewRequest, GuardSpec, HireRequest, PageRequest,
    RegisterRequest, SearchParams, SessionFilter, StreamOptions, TopupRequest, TransactionFilter,
};
pub use models::*;
pub use pagers::*;
pub use records::{CapEnd, ChargeReason, EventKind, GuardAction, SessionEvent};
pub use runtime::{calls_in_flight, live_native_objects};
pub use tokens::{TokenStore, Tokens};
pub use webhook::{Webhook, WebhookError, WebhookSecret, verify_webhook};

uniffi::setup_scaffolding!();
