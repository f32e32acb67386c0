//! `libjiga`: the C ABI of the JIGA Store SDK over `jiga-core` (imported as `jiga`).
//!
//! The ABI holds no rule of the store: it converts types (C strings and JSON in, JSON and
//! `repr(C)` records out), bridges to a tokio runtime of its own, and maps the core's
//! [`jiga::Error`] to a flat error record. Retries, idempotency keys, refresh and resume all
//! happen inside `jiga-core`.
//!
//! | file | what it holds |
//! |---|---|
//! | `status.rs` | status codes, the thread-local last error, `catch_unwind` at the boundary |
//! | `strings.rs` | reading C strings and JSON from the host; `jiga_string_free` |
//! | `runtime.rs` | `jiga_init` / `jiga_shutdown`: the global runtime and handle tables |
//! | `handles.rs` | generational handle tables (`uint64_t` ids, never pointers) |
//! | `queue.rs` | the bounded completion queue of a client, `jiga_poll` / `jiga_wait` |
//! | `record.rs` | the `repr(C)` records handed to the host: completion, error, event |
//! | `client.rs` | client creation from options JSON, tokens, sign-in |
//! | `calls.rs` | one entry point per route: each returns an operation id at once |
//! | `streams.rs` | session and notification streams feeding the client's queue |
//! | `paging.rs` | paginators over the core's named paginators |
//!
//! Threading: any thread may call any function. Results never arrive by callback: the host
//! pulls them from its client's queue with `jiga_poll`.

mod calls;
mod client;
mod handles;
mod paging;
mod queue;
mod record;
mod runtime;
mod status;
mod streams;
mod strings;

pub use calls::*;
pub use client::*;
pub use paging::*;
pub use queue::{jiga_poll, jiga_wait};
pub use record::*;
pub use runtime::{jiga_init, jiga_shutdown, jiga_version};
pub use status::*;
pub use strings::jiga_string_free;
