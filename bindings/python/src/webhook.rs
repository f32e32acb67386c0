//! `verify_webhook`: the core's `jiga::webhook::verify` for a receiver written in Python, and
//! `WebhookError`, its refusal as an exception under `JigaError`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors::JigaError;
use crate::runtime::json_text;

create_exception!(
    jiga,
    WebhookError,
    JigaError,
    "A webhook delivery that did not verify; `reason` says why (`malformed_header`, \
     `bad_signature`, `timestamp_out_of_tolerance`, `not_a_notification`)."
);

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("WebhookError", py.get_type::<WebhookError>())?;
    m.add(
        "DEFAULT_WEBHOOK_TOLERANCE",
        jiga::webhook::DEFAULT_TOLERANCE.as_secs_f64(),
    )?;
    m.add_function(wrap_pyfunction!(verify_webhook, m)?)?;
    Ok(())
}

fn to_py(py: Python<'_>, e: &jiga::WebhookError) -> PyErr {
    let err = WebhookError::new_err(e.to_string());
    let value = err.value(py);
    // The attributes every `JigaError` has, then the refusal's own.
    for name in [
        "code",
        "status",
        "request_id",
        "field",
        "needed",
        "available",
        "retry_after",
        "limit",
    ] {
        let _ = value.setattr(name, py.None());
    }
    let _ = value.setattr("kind", "webhook");
    let _ = value.setattr("reason", e.reason());
    err
}

/// Checks a webhook delivery's `JIGA-Signature` against the raw `body` under `secret` and
/// returns the notification's JSON text. `now`: Unix seconds (default: this machine's clock);
/// `tolerance`: seconds `t` may be away from it (default: the core's five minutes).
#[pyfunction]
#[pyo3(signature = (secret, signature, body, now = None, tolerance = None))]
fn verify_webhook(
    py: Python<'_>,
    secret: &str,
    signature: &str,
    body: &[u8],
    now: Option<i64>,
    tolerance: Option<f64>,
) -> PyResult<Py<PyAny>> {
    let tolerance = match tolerance {
        None => jiga::webhook::DEFAULT_TOLERANCE,
        Some(s) => Duration::try_from_secs_f64(s).map_err(|_| {
            PyValueError::new_err(format!("tolerance {s} is not a number of seconds >= 0"))
        })?,
    };
    let now = match now {
        Some(n) => n,
        None => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
    };
    match jiga::webhook::verify(secret, signature, body, now, tolerance) {
        Ok(n) => json_text(py, n),
        Err(e) => Err(to_py(py, &e)),
    }
}
