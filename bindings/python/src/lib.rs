//! `jiga._jiga`, the native module under the `jiga` Python package: the core's client with
//! every call in two forms (`name`, an awaitable for asyncio; `name_blocking`, which releases
//! the GIL and stays interruptible by Ctrl-C), the accounted session stream, the event class
//! of the hot path, and one exception class per error kind.
//!
//! It holds no rule of the store: calls take and return the contract's JSON (turned into the
//! package's model classes on the Python side), and accounting, retries and resume are the
//! core's. Its README is the package's.
//!
//! | file | what it holds |
//! |---|---|
//! | `errors.rs` | the exception classes and `jiga::Error` → exception |
//! | `runtime.rs` | the tokio runtime, awaiting and blocking on core futures, fork detection |
//! | `events.rs` | `SessionEvent`, `Meter`, `RawEvents` (an `AccountedStream`), `RawNotifications` |
//! | `client.rs` | `RawClient`: every route in both forms |
//! | `webhook.rs` | `verify_webhook` (the core's webhook check) and `WebhookError` |

use pyo3::prelude::*;

mod client;
mod errors;
mod events;
mod runtime;
mod webhook;

#[pymodule]
fn _jiga(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The core's `tracing` records reach Python's `logging` under the logger `jiga` (down to
    // debug: the core logs nothing finer), other crates' from warnings up. The ceiling
    // matters: every record under it costs a lookup in the logger, and the WebSocket crate
    // traces every frame — at `Trace`, that lookup was half the CPU of a replay.
    // Python loggers are cached, their levels are not: `logging.getLogger("jiga").setLevel`
    // takes effect at once (a level is read per record, which the ceiling keeps rare).
    let _ = pyo3_log::Logger::new(m.py(), pyo3_log::Caching::Loggers)?
        .filter(log::LevelFilter::Warn)
        .filter_target("jiga".to_owned(), log::LevelFilter::Debug)
        .install();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    webhook::register(m)?;
    m.add_class::<client::RawClient>()?;
    m.add_class::<client::RawPager>()?;
    m.add_class::<events::SessionEvent>()?;
    m.add_class::<events::Meter>()?;
    m.add_class::<events::RawEvents>()?;
    m.add_class::<events::RawNotifications>()?;
    m.add_function(wrap_pyfunction!(events::register_models, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::after_fork_in_child, m)?)?;
    Ok(())
}
