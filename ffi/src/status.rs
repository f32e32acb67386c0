//! Status codes, the thread-local message of the last synchronous failure, and the guard
//! every entry point runs in (no panic crosses the boundary).

use std::cell::RefCell;
use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Success.
pub const JIGA_OK: i32 = 0;
/// `jiga_poll`: the queue is empty; `jiga_wait`: the timeout passed first.
pub const JIGA_EMPTY: i32 = 1;
/// A required pointer argument was NULL.
pub const JIGA_ERR_NULL: i32 = -1;
/// A handle that was freed, is stale (from before a `jiga_shutdown`), or is of another kind.
pub const JIGA_ERR_INVALID_HANDLE: i32 = -2;
/// A string argument was not UTF-8.
pub const JIGA_ERR_INVALID_UTF8: i32 = -3;
/// A JSON argument did not parse, or did not have the expected shape.
pub const JIGA_ERR_INVALID_JSON: i32 = -4;
/// An argument was out of range or refused by the core (see `jiga_last_error_message`).
pub const JIGA_ERR_INVALID_ARGUMENT: i32 = -5;
/// `jiga_init` was not called, or `jiga_shutdown` was called since.
pub const JIGA_ERR_NOT_INITIALIZED: i32 = -6;
/// A bug inside the library (a caught panic); the message says where.
pub const JIGA_ERR_PANIC: i32 = -7;
/// The client or stream was closed (its queue accepts nothing more).
pub const JIGA_ERR_CLOSED: i32 = -8;
/// An operation failed: the completion's `error` record says why.
pub const JIGA_ERR_CALL: i32 = -9;
/// `jiga_webhook_verify`: the `JIGA-Signature` header is not `t=<unix>,v1=<64 hex>[,v1=…]`.
pub const JIGA_ERR_WEBHOOK_MALFORMED_HEADER: i32 = -10;
/// `jiga_webhook_verify`: no `v1=` entry matches the body under the secret (a changed body,
/// another secret).
pub const JIGA_ERR_WEBHOOK_BAD_SIGNATURE: i32 = -11;
/// `jiga_webhook_verify`: correctly signed, but at a time farther from `now_unix` than the
/// tolerance.
pub const JIGA_ERR_WEBHOOK_TIMESTAMP: i32 = -12;
/// `jiga_webhook_verify`: correctly signed and in time, but the body is not a notification.
pub const JIGA_ERR_WEBHOOK_NOT_A_NOTIFICATION: i32 = -13;

/// A synchronous failure: a status and a message for `jiga_last_error_message`.
#[derive(Debug)]
pub(crate) struct Fail {
    pub(crate) status: i32,
    pub(crate) message: String,
}

impl Fail {
    pub(crate) fn new(status: i32, message: impl Into<String>) -> Fail {
        Fail {
            status,
            message: message.into(),
        }
    }
}

pub(crate) type Res<T = ()> = Result<T, Fail>;

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

fn set_last_error(message: &str) {
    let c = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = Some(c));
}

/// Runs one entry point: no panic escapes, a failure's message is kept for
/// `jiga_last_error_message`, and the status is returned.
pub(crate) fn guard(f: impl FnOnce() -> Res<i32>) -> i32 {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(status)) => status,
        Ok(Err(fail)) => {
            set_last_error(&fail.message);
            fail.status
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            set_last_error(&format!("internal error (panic): {what}"));
            JIGA_ERR_PANIC
        }
    }
}

/// The message of the last failed call on this thread, or NULL when none failed yet.
///
/// The string belongs to the library and stays valid until the next failing call on the same
/// thread; do not free it.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_last_error_message() -> *const c_char {
    catch_unwind(|| {
        LAST_ERROR.with(|e| e.borrow().as_ref().map_or(std::ptr::null(), |c| c.as_ptr()))
    })
    .unwrap_or(std::ptr::null())
}
