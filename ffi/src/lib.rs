//! `libjiga`: the C ABI of the JIGA Store SDK over `jiga-core` (imported as `jiga`).
//!
//! The ABI holds no rule of the store: it converts types (C strings and JSON in, JSON and
//! `repr(C)` records out), bridges to a tokio runtime of its own, and maps the core's
//! [`jiga::Error`] to a flat error record. Retries, idempotency keys, refresh, resume and the
//! DOF accounting all happen inside `jiga-core`.
//!
//! The files, from the ground up (each imports only files above it in this list):
//!
//! | file | what it holds |
//! |---|---|
//! | `status.rs` | status codes, the thread-local last error, `catch_unwind` at the boundary |
//! | `strings.rs` | reading C strings, JSON and keys from the host; `jiga_string_free` |
//! | `webhook.rs` | `jiga_webhook_verify`: a webhook delivery checked, synchronously |
//! | `handles.rs` | generational handle tables (`uint64_t` ids, never pointers) |
//! | `queue.rs` | a client's bounded queue and its pending operations (for cancel) |
//! | `record.rs` | the `repr(C)` records handed to the host: completion, error, event, meter |
//! | `entries.rs` | what a handle stands for: client, session stream, notifications, pager |
//! | `runtime.rs` | `jiga_init` / `jiga_shutdown`: the runtime, the tables; starting an operation |
//! | `poll.rs` | `jiga_poll`, `jiga_wait`, `jiga_cancel`, `jiga_set_wakeup` |
//! | `client.rs` | client creation from options JSON, tokens, sign-in, refresh |
//! | `routes/` | one entry point per route, by area: each returns an operation id at once |
//! | `paging.rs` | paginators over the core's named paginators |
//! | `streams.rs` | session streams (with meter, guard, reconciliation) and notifications |
//!
//! Threading: any thread may call any function. Results never arrive by callback: the host
//! pulls them from its client's queue with `jiga_poll` (an optional wake-up callback only says
//! that something is there).

mod client;
mod entries;
mod handles;
mod paging;
mod poll;
mod queue;
mod record;
mod routes;
mod runtime;
mod status;
mod streams;
mod strings;
mod webhook;

pub use client::*;
pub use paging::*;
pub use poll::*;
pub use queue::JigaWakeFn;
pub use record::*;
pub use routes::*;
pub use runtime::{jiga_init, jiga_shutdown, jiga_version};
pub use status::*;
pub use streams::*;
pub use strings::jiga_string_free;
pub use webhook::jiga_webhook_verify;
