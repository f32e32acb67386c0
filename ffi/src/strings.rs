//! Reading what the host hands in (C strings, JSON, idempotency keys) and handing strings
//! out.

use std::ffi::{CStr, CString, c_char};

use jiga::client::IdempotencyKey;
use serde::de::DeserializeOwned;

use crate::status::{
    Fail, JIGA_ERR_INVALID_ARGUMENT, JIGA_ERR_INVALID_JSON, JIGA_ERR_INVALID_UTF8, JIGA_ERR_NULL,
    Res, guard,
};

/// A required UTF-8 string argument.
pub(crate) fn arg_str<'a>(ptr: *const c_char, name: &str) -> Res<&'a str> {
    if ptr.is_null() {
        return Err(Fail::new(JIGA_ERR_NULL, format!("'{name}' is null")));
    }
    // SAFETY: non-null; the header requires a NUL-terminated string that outlives the call.
    let c = unsafe { CStr::from_ptr(ptr) };
    c.to_str()
        .map_err(|e| Fail::new(JIGA_ERR_INVALID_UTF8, format!("'{name}' is not utf-8: {e}")))
}

/// A JSON argument parsed into `T`.
pub(crate) fn arg_json<T: DeserializeOwned>(ptr: *const c_char, name: &str) -> Res<T> {
    let text = arg_str(ptr, name)?;
    serde_json::from_str(text)
        .map_err(|e| Fail::new(JIGA_ERR_INVALID_JSON, format!("'{name}': {e}")))
}

/// An optional JSON argument: NULL stands for `T::default()`.
pub(crate) fn opt_json<T: DeserializeOwned + Default>(ptr: *const c_char, name: &str) -> Res<T> {
    if ptr.is_null() {
        Ok(T::default())
    } else {
        arg_json(ptr, name)
    }
}

/// An idempotency key argument (1–255 printable ASCII characters, the core's rule).
pub(crate) fn arg_key(ptr: *const c_char) -> Res<IdempotencyKey> {
    IdempotencyKey::new(arg_str(ptr, "idempotency_key")?)
        .map_err(|e| Fail::new(JIGA_ERR_INVALID_ARGUMENT, e.to_string()))
}

/// A required out-pointer.
pub(crate) fn out_ptr<'a, T>(ptr: *mut T, name: &str) -> Res<&'a mut T> {
    if ptr.is_null() {
        return Err(Fail::new(JIGA_ERR_NULL, format!("'{name}' is null")));
    }
    // SAFETY: non-null; the header requires a valid, writable, aligned pointer.
    Ok(unsafe { &mut *ptr })
}

/// A string the host owns until it calls `jiga_string_free`. Interior NULs (which JSON
/// never holds) are escaped so that nothing is cut.
pub(crate) fn to_c(text: String) -> *mut c_char {
    let text = if text.contains('\0') {
        text.replace('\0', "\\0")
    } else {
        text
    };
    CString::new(text).map_or(std::ptr::null_mut(), CString::into_raw)
}

/// An optional string for a record field (NULL when absent).
pub(crate) fn opt_c(text: Option<String>) -> *mut c_char {
    text.map_or(std::ptr::null_mut(), to_c)
}

/// Takes back a string made by [`to_c`].
pub(crate) fn free_c(ptr: *mut c_char) {
    if !ptr.is_null() {
        // SAFETY: every non-null string the library hands out comes from `CString::into_raw`;
        // the header forbids freeing one twice or freeing a foreign pointer.
        drop(unsafe { CString::from_raw(ptr) });
    }
}

/// Frees a string the library returned (a result's JSON, a record's text). NULL is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_string_free(s: *mut c_char) {
    guard(|| {
        free_c(s);
        Ok(0)
    });
}
