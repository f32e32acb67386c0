//! The tokio runtime the core runs on (pyo3-async-runtimes' own), and the two ways Python
//! waits for a core future: as an awaitable, or blocking with the GIL released.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use pyo3::prelude::*;

use crate::errors::{JigaError, to_py};

/// How often a blocking call looks for a signal (Ctrl-C) while it waits.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

pub(crate) fn runtime() -> &'static tokio::runtime::Runtime {
    pyo3_async_runtimes::tokio::get_runtime()
}

/// How many times this process is a `fork()` child of the one the module was loaded in;
/// raised by `after_fork_in_child`, which the package registers with `os.register_at_fork`.
static FORKS: AtomicU32 = AtomicU32::new(0);

/// Registered by the package with `os.register_at_fork(after_in_child=...)`.
#[pyfunction]
pub(crate) fn after_fork_in_child() {
    FORKS.fetch_add(1, Ordering::Relaxed);
}

/// The process a client was made in: after `fork()` its runtime's threads do not exist in the
/// child, so a call there fails at once instead of hanging. Checked on every call, so it is
/// one atomic load rather than a `getpid` system call (forks made by Python's `os.fork`,
/// which `multiprocessing` uses too, are counted).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Owner(u32);

impl Owner {
    pub(crate) fn here() -> Self {
        Owner(FORKS.load(Ordering::Relaxed))
    }

    pub(crate) fn check(self) -> PyResult<()> {
        if FORKS.load(Ordering::Relaxed) == self.0 {
            Ok(())
        } else {
            Err(JigaError::new_err(
                "this client was created before fork(); create a new client in the child process",
            ))
        }
    }
}

/// `fut` as a Python awaitable; its value goes through `convert` (with the GIL). Cancelling
/// the awaiting task drops the future, which stops the Rust work.
pub(crate) fn awaitable<'py, T, F>(
    py: Python<'py>,
    fut: F,
    convert: fn(Python<'_>, T) -> PyResult<Py<PyAny>>,
) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = jiga::Result<T>> + Send + 'static,
    T: Send + 'static,
{
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        let result = fut.await;
        Python::attach(|py| match result {
            Ok(v) => convert(py, v),
            Err(e) => Err(to_py(py, &e)),
        })
    })
}

/// Runs `fut` on the runtime and waits for it with the GIL released. A signal (Ctrl-C) stops
/// the work and raises `KeyboardInterrupt` at once.
pub(crate) fn blocking<T, F>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = jiga::Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    // Behind a mutex so that the waiting closure may move to a thread without the GIL.
    let rx = std::sync::Mutex::new(rx);
    let task = runtime().spawn(async move {
        let _ = tx.send(fut.await);
    });
    loop {
        let next = py.detach(|| {
            rx.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .recv_timeout(SIGNAL_POLL)
        });
        match next {
            Ok(result) => return result.map_err(|e| to_py(py, &e)),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Err(interrupted) = py.check_signals() {
                    task.abort();
                    return Err(interrupted);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(JigaError::new_err(
                    "the call was stopped (runtime shut down)",
                ));
            }
        }
    }
}

/// A value as the contract's JSON text (the Python side makes models of it).
pub(crate) fn json_text<T: serde::Serialize>(py: Python<'_>, v: T) -> PyResult<Py<PyAny>> {
    let text = serde_json::to_string(&v)
        .map_err(|e| JigaError::new_err(format!("cannot encode a result: {e}")))?;
    Ok(text.into_pyobject(py)?.into_any().unbind())
}
