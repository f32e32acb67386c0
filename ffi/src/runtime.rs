//! The library's global state: one tokio runtime (two workers) and the handle tables, made by
//! `jiga_init` and torn down by `jiga_shutdown`; and how an operation is started on it.

use std::ffi::c_char;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use serde::Serialize;
use tokio::runtime::{Handle, Runtime};

use jiga::Client;

use crate::entries::{ClientEntry, NotificationsEntry, PagerEntry, SessionEntry};
use crate::handles::{Kind, Table};
use crate::queue::{Item, Sink};
use crate::status::{Fail, JIGA_ERR_NOT_INITIALIZED, JIGA_ERR_PANIC, JIGA_OK, Res, guard};
use crate::strings::out_ptr;

/// How long `jiga_shutdown` lets running tasks finish before it stops waiting for them.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(2);

pub(crate) struct Lib {
    runtime: Mutex<Option<Runtime>>,
    pub(crate) handle: Handle,
    pub(crate) clients: Table<ClientEntry>,
    pub(crate) sessions: Table<SessionEntry>,
    pub(crate) notifications: Table<NotificationsEntry>,
    pub(crate) pagers: Table<PagerEntry>,
}

static LIB: RwLock<Option<Arc<Lib>>> = RwLock::new(None);

/// Operation ids are unique for the life of the process (never 0).
static NEXT_OP: AtomicU64 = AtomicU64::new(1);

/// Runs `f` with the live library, or fails with `JIGA_ERR_NOT_INITIALIZED`.
pub(crate) fn with_lib<T>(f: impl FnOnce(&Arc<Lib>) -> Res<T>) -> Res<T> {
    let lib = LIB
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
        .ok_or_else(|| {
            Fail::new(
                JIGA_ERR_NOT_INITIALIZED,
                "the library is not initialized (call jiga_init)",
            )
        })?;
    f(&lib)
}

impl Lib {
    /// Runs `fut` on the runtime and queues its result, as JSON, into `sink`; returns the
    /// operation's id at once. `jiga_cancel` may abort it until it finishes.
    pub(crate) fn spawn_op<F, T>(&self, sink: &Sink, fut: F) -> u64
    where
        F: Future<Output = jiga::Result<T>> + Send + 'static,
        T: Serialize,
    {
        let op = NEXT_OP.fetch_add(1, Ordering::Relaxed);
        let task_sink = sink.clone();
        sink.register(op, || {
            self.handle
                .spawn(async move {
                    let result = fut.await.and_then(|value| {
                        serde_json::to_string(&value).map_err(|e| jiga::Error::Decode {
                            message: format!("cannot encode the result as json: {e}"),
                        })
                    });
                    if !task_sink.finish(op) {
                        return; // cancelled
                    }
                    // A closed queue means the client was freed: nobody wants the result.
                    let _ = task_sink.queue.push(Item::Op { op, result }).await;
                })
                .abort_handle()
        });
        op
    }
}

/// Starts an operation of `client`: `make` checks the arguments and builds the future; its
/// result is queued as JSON under the id written to `*out_op`.
pub(crate) fn start<F, T>(
    client: u64,
    out_op: *mut u64,
    make: impl FnOnce(&Client) -> Res<F>,
) -> i32
where
    F: Future<Output = jiga::Result<T>> + Send + 'static,
    T: Serialize,
{
    guard(|| {
        let out = out_ptr(out_op, "out_op")?;
        with_lib(|lib| {
            let entry = lib.clients.get(client)?;
            let fut = make(&entry.client)?;
            *out = lib.spawn_op(&entry.sink, fut);
            Ok(JIGA_OK)
        })
    })
}

/// Starts the library: its runtime (two worker threads) and empty handle tables.
///
/// Call it once before anything else; calling it again while initialized does nothing. After
/// `jiga_shutdown` it may be called again (handles from before stay invalid).
#[unsafe(no_mangle)]
pub extern "C" fn jiga_init() -> i32 {
    guard(|| {
        let mut lib = LIB.write().unwrap_or_else(PoisonError::into_inner);
        if lib.is_some() {
            return Ok(JIGA_OK);
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("jiga-worker")
            .enable_all()
            .build()
            .map_err(|e| Fail::new(JIGA_ERR_PANIC, format!("cannot start the runtime: {e}")))?;
        *lib = Some(Arc::new(Lib {
            handle: runtime.handle().clone(),
            runtime: Mutex::new(Some(runtime)),
            clients: Table::new(Kind::Client),
            sessions: Table::new(Kind::Session),
            notifications: Table::new(Kind::Notifications),
            pagers: Table::new(Kind::Paginator),
        }));
        Ok(JIGA_OK)
    })
}

/// Stops the library: closes every stream and client (waking any `jiga_wait`), ends every
/// task, stops the runtime's threads (waiting at most two seconds for running tasks) and
/// frees everything. Every handle becomes invalid; later calls fail with
/// `JIGA_ERR_NOT_INITIALIZED` until `jiga_init` is called again. Calling it when not
/// initialized does nothing. Must not be called from a thread blocked in another jiga call.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_shutdown() -> i32 {
    guard(|| {
        let Some(lib) = LIB.write().unwrap_or_else(PoisonError::into_inner).take() else {
            return Ok(JIGA_OK);
        };
        for s in lib.sessions.drain() {
            s.stream.close();
        }
        for n in lib.notifications.drain() {
            n.stream.close();
        }
        drop(lib.pagers.drain());
        for c in lib.clients.drain() {
            c.sink.close();
        }
        let runtime = lib
            .runtime
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(rt) = runtime {
            rt.shutdown_timeout(SHUTDOWN_TIMEOUT);
        }
        Ok(JIGA_OK)
    })
}

/// The library's version, a static string (never free it).
#[unsafe(no_mangle)]
pub extern "C" fn jiga_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
