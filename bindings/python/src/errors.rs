//! One exception class per error kind under `JigaError`, carrying the error's fields.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

use jiga::ErrorKind;

create_exception!(jiga, JigaError, PyException, "Every error of the SDK.");
create_exception!(
    jiga,
    InvalidArgument,
    JigaError,
    "Input refused (400 or before sending); see `field`."
);
create_exception!(jiga, Unauthenticated, JigaError, "401: sign in again.");
create_exception!(
    jiga,
    InsufficientFunds,
    JigaError,
    "402: see `needed` and `available`."
);
create_exception!(jiga, Forbidden, JigaError, "403.");
create_exception!(jiga, NotFound, JigaError, "404.");
create_exception!(jiga, Conflict, JigaError, "409 `conflict`.");
create_exception!(
    jiga,
    IdempotencyConflict,
    JigaError,
    "409 `idempotency_conflict`."
);
create_exception!(
    jiga,
    RateLimited,
    JigaError,
    "429 after the retries; see `retry_after`."
);
create_exception!(jiga, PayloadTooLarge, JigaError, "413; see `limit`.");
create_exception!(
    jiga,
    ServerError,
    JigaError,
    "Any other answer of the server."
);
create_exception!(
    jiga,
    TransportError,
    JigaError,
    "The request could not be sent or its answer not read."
);
create_exception!(jiga, Timeout, JigaError, "A call or connection timed out.");
create_exception!(
    jiga,
    DecodeError,
    JigaError,
    "An answer or frame that is not the contract's."
);
create_exception!(
    jiga,
    SessionMismatch,
    JigaError,
    "A session stream broke its contract."
);
create_exception!(
    jiga,
    ReconciliationError,
    JigaError,
    "The DOF counted does not match the settlement."
);
create_exception!(
    jiga,
    Closed,
    JigaError,
    "The stream or client was closed first."
);

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("JigaError", py.get_type::<JigaError>())?;
    m.add("InvalidArgument", py.get_type::<InvalidArgument>())?;
    m.add("Unauthenticated", py.get_type::<Unauthenticated>())?;
    m.add("InsufficientFunds", py.get_type::<InsufficientFunds>())?;
    m.add("Forbidden", py.get_type::<Forbidden>())?;
    m.add("NotFound", py.get_type::<NotFound>())?;
    m.add("Conflict", py.get_type::<Conflict>())?;
    m.add("IdempotencyConflict", py.get_type::<IdempotencyConflict>())?;
    m.add("RateLimited", py.get_type::<RateLimited>())?;
    m.add("PayloadTooLarge", py.get_type::<PayloadTooLarge>())?;
    m.add("ServerError", py.get_type::<ServerError>())?;
    m.add("TransportError", py.get_type::<TransportError>())?;
    m.add("Timeout", py.get_type::<Timeout>())?;
    m.add("DecodeError", py.get_type::<DecodeError>())?;
    m.add("SessionMismatch", py.get_type::<SessionMismatch>())?;
    m.add("ReconciliationError", py.get_type::<ReconciliationError>())?;
    m.add("Closed", py.get_type::<Closed>())?;
    Ok(())
}

/// The exception of `e`, with `kind`, `code`, `status`, `request_id`, `field`, `needed`,
/// `available`, `retry_after` (seconds, float) and `limit` set (None when absent).
pub(crate) fn to_py(py: Python<'_>, e: &jiga::Error) -> PyErr {
    let message = e.message();
    let err = match e.kind() {
        ErrorKind::InvalidArgument => InvalidArgument::new_err(message),
        ErrorKind::Unauthenticated => Unauthenticated::new_err(message),
        ErrorKind::InsufficientFunds => InsufficientFunds::new_err(message),
        ErrorKind::Forbidden => Forbidden::new_err(message),
        ErrorKind::NotFound => NotFound::new_err(message),
        ErrorKind::Conflict => Conflict::new_err(message),
        ErrorKind::IdempotencyConflict => IdempotencyConflict::new_err(message),
        ErrorKind::RateLimited => RateLimited::new_err(message),
        ErrorKind::PayloadTooLarge => PayloadTooLarge::new_err(message),
        ErrorKind::Transport => TransportError::new_err(message),
        ErrorKind::Timeout => Timeout::new_err(message),
        ErrorKind::Decode => DecodeError::new_err(message),
        ErrorKind::SessionMismatch => SessionMismatch::new_err(message),
        ErrorKind::Reconciliation => ReconciliationError::new_err(message),
        ErrorKind::Closed => Closed::new_err(message),
        _ => ServerError::new_err(message),
    };
    let value = err.value(py);
    let attrs: [(&str, Option<Py<PyAny>>); 9] = [
        (
            "kind",
            Some(
                e.kind()
                    .as_str()
                    .into_pyobject(py)
                    .map(|v| v.into_any().unbind())
                    .unwrap_or_else(|_| py.None()),
            ),
        ),
        (
            "code",
            e.code()
                .and_then(|c| c.as_str().into_pyobject(py).ok())
                .map(|v| v.into_any().unbind()),
        ),
        (
            "status",
            e.status()
                .and_then(|s| s.into_pyobject(py).ok())
                .map(|v| v.into_any().unbind()),
        ),
        (
            "request_id",
            e.request_id()
                .and_then(|s| s.into_pyobject(py).ok())
                .map(|v| v.into_any().unbind()),
        ),
        (
            "field",
            e.field()
                .and_then(|s| s.into_pyobject(py).ok())
                .map(|v| v.into_any().unbind()),
        ),
        (
            "needed",
            e.needed()
                .and_then(|d| d.get().into_pyobject(py).ok())
                .map(|v| v.into_any().unbind()),
        ),
        (
            "available",
            e.available()
                .and_then(|d| d.get().into_pyobject(py).ok())
                .map(|v| v.into_any().unbind()),
        ),
        (
            "retry_after",
            e.retry_after()
                .and_then(|d| d.as_secs_f64().into_pyobject(py).ok())
                .map(|v| v.into_any().unbind()),
        ),
        (
            "limit",
            e.limit()
                .and_then(|l| l.into_pyobject(py).ok())
                .map(|v| v.into_any().unbind()),
        ),
    ];
    for (name, v) in attrs {
        let _ = value.setattr(name, v.unwrap_or_else(|| py.None()));
    }
    err
}
