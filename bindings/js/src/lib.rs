//! `@jiga/sdk`'s native half: jiga-core's portable client (feature `client`) compiled to
//! `wasm32-unknown-unknown` and handed to JavaScript with wasm-bindgen. The package's ESM
//! layer (`js/index.js`) gives it the shape a web developer meets: camelCase, Promises,
//! `AbortSignal`s, `Error` subclasses, `for await`.
//!
//! | file | what it holds |
//! |---|---|
//! | `platform.rs` | the core's transport seam filled with the platform: `fetch`, the platform's `WebSocket` (or one passed in, such as Node's `ws`), `setTimeout`, `spawn_local`; and the token store over a JS storage hook (wasm32 only) |
//! | `client.rs` | `RawClient`: every route of the core's `Client` as a method returning a `Promise`; `RawPager` over the core's paginators |
//! | `events.rs` | `RawEvents` over the core's `AccountedStream` (events in batches, commands, meter, reconciliation), `RawNotifications` |
//! | `convert.rs` | JSON in and out, `AbortSignal`s, Promises |
//! | `webhook.rs` | `verifyWebhook`, the core's check of a webhook delivery |
//! | `errors.rs` | the core's flat error view as a plain JS object the ESM layer turns into its `Error` subclasses |
//!
//! Arguments and results cross the boundary as the contract's JSON text: one `JSON.parse`
//! per answer is faster than building JS objects field by field from Rust. This crate holds no
//! rule of the store: retries, keys, refresh, resume, paging and accounting are the core's.
//!
//! On the host target the crate compiles (so the workspace's clippy and fmt cover it) but a
//! client can only be built on wasm32, where the platform's fetch and WebSocket exist.

mod client;
mod convert;
mod errors;
mod events;
#[cfg(all(test, target_arch = "wasm32"))]
mod glue_tests;
#[cfg(target_arch = "wasm32")]
mod platform;
mod webhook;

pub use client::{RawClient, RawPager};
pub use events::{RawEvents, RawNotifications};
pub use webhook::verify_webhook;
