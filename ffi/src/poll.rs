//! What the host calls to take results: `jiga_poll`, `jiga_wait`; and to steer them:
//! `jiga_cancel`, `jiga_set_wakeup`.

use std::time::Duration;

use crate::queue::JigaWakeFn;
use crate::record::JigaCompletion;
use crate::runtime::with_lib;
use crate::status::{JIGA_EMPTY, JIGA_OK, guard};
use crate::strings::out_ptr;

/// Takes one completion or event of `client` into `*out` without blocking.
///
/// Returns `JIGA_OK` (0) when `*out` was filled (free it with `jiga_completion_free`),
/// `JIGA_EMPTY` (1) when nothing is ready, a negative status otherwise. `*out` is written only
/// on `JIGA_OK`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_poll(client: u64, out: *mut JigaCompletion) -> i32 {
    guard(|| {
        let out = out_ptr(out, "out")?;
        let entry = with_lib(|lib| lib.clients.get(client))?;
        match entry.sink.queue.pop() {
            Some(item) => {
                *out = JigaCompletion::from_item(item);
                Ok(JIGA_OK)
            }
            None => Ok(JIGA_EMPTY),
        }
    })
}

/// Blocks the calling thread until `client`'s queue holds something, for at most
/// `timeout_ms` milliseconds (a negative value waits without limit).
///
/// Returns `JIGA_OK` when something is ready, `JIGA_EMPTY` on timeout, `JIGA_ERR_CLOSED` when
/// the client was freed or the library shut down while waiting.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_wait(client: u64, timeout_ms: i64) -> i32 {
    guard(|| {
        let entry = with_lib(|lib| lib.clients.get(client))?;
        let timeout = u64::try_from(timeout_ms).ok().map(Duration::from_millis);
        // Only the queue is held while blocking, so a shutdown on another thread proceeds.
        let queue = entry.sink.queue.clone();
        drop(entry);
        Ok(queue.wait(timeout))
    })
}

/// Cancels operation `op` of `client`.
///
/// Returns `JIGA_OK` when it was still running: it is stopped and no completion will come for
/// it. Returns `JIGA_EMPTY` when it had already finished (its completion is, or is about to
/// be, in the queue) or is unknown. Whatever the core had sent stays sent: cancelling a hire
/// whose request reached the server does not undo it (its idempotency key is gone with it).
#[unsafe(no_mangle)]
pub extern "C" fn jiga_cancel(client: u64, op: u64) -> i32 {
    guard(|| {
        let entry = with_lib(|lib| lib.clients.get(client))?;
        Ok(if entry.sink.cancel(op) {
            JIGA_OK
        } else {
            JIGA_EMPTY
        })
    })
}

/// Sets `client`'s wake-up callback (NULL clears it): called with the client's handle, on a
/// library thread and with no lock of the library held, each time its queue goes from empty
/// to not empty. Optional: a host that polls every frame needs none. The callback must return
/// quickly and may call `jiga_poll`; it must not call `jiga_shutdown` or `jiga_client_free`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_set_wakeup(client: u64, wake: JigaWakeFn) -> i32 {
    guard(|| {
        let entry = with_lib(|lib| lib.clients.get(client))?;
        entry.sink.queue.set_wake(wake, client);
        Ok(JIGA_OK)
    })
}
