//! The tokio runtime the core runs on, how a foreign `suspend`/`async` call waits for a core
//! future, and the count of live native objects the tests read.
//!
//! Every call is spawned on the binding's own runtime (two workers, like the C ABI's) and the
//! foreign side awaits its `JoinHandle`, which needs no runtime. uniffi's own
//! `async_runtime = "tokio"` would poll the futures inside `async-compat`'s runtime, a second
//! tokio runtime beside the one the stream drivers run on; with the handle, one runtime runs
//! everything. Cancelling the foreign coroutine drops the awaiting future, which aborts the
//! task: the core's work stops (the core's calls are cancel-safe: a cancelled event read
//! loses no event).

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI64, Ordering};
use std::task::{Context, Poll};

use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

use crate::error::JigaError;

/// The binding's runtime, made on first use.
pub(crate) fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("jiga-uniffi")
            .enable_all()
            .build()
            // Without threads the library can do nothing at all; there is no error to return
            // from a lazily made runtime, and the panic reaches the caller as uniffi's
            // InternalException.
            .unwrap_or_else(|e| panic!("cannot start the jiga runtime: {e}"))
    })
}

/// Objects of this crate alive now (clients, streams, pagers), and core calls in flight.
static LIVE_OBJECTS: AtomicI64 = AtomicI64::new(0);
static CALLS_IN_FLIGHT: AtomicI64 = AtomicI64::new(0);

/// Held by every exported object: counts it alive until it is dropped.
#[derive(Debug)]
pub(crate) struct Live(());

impl Live {
    pub(crate) fn new() -> Self {
        LIVE_OBJECTS.fetch_add(1, Ordering::Relaxed);
        Live(())
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        LIVE_OBJECTS.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Held by a spawned call until its task ends (completed or aborted).
struct InFlight;

impl InFlight {
    fn new() -> Self {
        CALLS_IN_FLIGHT.fetch_add(1, Ordering::Relaxed);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        CALLS_IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
    }
}

/// How many native objects of this library are alive: clients, session and notification
/// streams, pagers. A test that closed everything it made expects 0.
#[uniffi::export]
pub fn live_native_objects() -> i64 {
    LIVE_OBJECTS.load(Ordering::Relaxed)
}

/// How many core calls are running now on the library's runtime (a cancelled call stops
/// being one as soon as its task is aborted).
#[uniffi::export]
pub fn calls_in_flight() -> i64 {
    CALLS_IN_FLIGHT.load(Ordering::Relaxed)
}

/// A spawned core call, awaited from the foreign executor; dropping it aborts the task.
pub(crate) struct Call<T> {
    handle: JoinHandle<T>,
}

impl<T> Drop for Call<T> {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

impl<T> Future for Call<T> {
    type Output = Result<T, JigaError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.handle)
            .poll(cx)
            .map_err(|e| JigaError::closed(&format!("the call was stopped: {e}")))
    }
}

/// Runs `fut` on the runtime; the result is converted there too (`convert`), so a large
/// answer is not converted on the foreign executor's thread.
pub(crate) fn spawn<T, U, F>(fut: F, convert: fn(T) -> U) -> Call<jiga::Result<U>>
where
    F: Future<Output = jiga::Result<T>> + Send + 'static,
    T: Send + 'static,
    U: Send + 'static,
{
    let in_flight = InFlight::new();
    Call {
        handle: runtime().spawn(async move {
            let _in_flight = in_flight;
            fut.await.map(convert)
        }),
    }
}

/// `spawn`, awaited: the form every exported `async fn` ends with.
pub(crate) async fn run<T, U, F>(fut: F, convert: fn(T) -> U) -> Result<U, JigaError>
where
    F: Future<Output = jiga::Result<T>> + Send + 'static,
    T: Send + 'static,
    U: Send + 'static,
{
    spawn(fut, convert).await?.map_err(|e| JigaError::from(&e))
}
