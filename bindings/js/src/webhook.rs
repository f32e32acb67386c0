//! `verifyWebhook`: the core's `jiga::webhook::verify` for a receiver in Node (or a worker),
//! returning the notification's JSON text or throwing a `{jigaKind: "webhook", reason,
//! message}` record the ESM layer turns into its `WebhookError`.

use std::time::Duration;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::errors::{invalid, to_js};

/// What JavaScript sees of a `jiga::WebhookError`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WebhookErrorRecord {
    jiga_kind: &'static str,
    /// `malformed_header`, `bad_signature`, … (`WebhookError::reason`).
    reason: &'static str,
    message: String,
}

fn webhook_error(e: &jiga::WebhookError) -> JsValue {
    let record = WebhookErrorRecord {
        jiga_kind: "webhook",
        reason: e.reason(),
        message: e.to_string(),
    };
    match serde_json::to_string(&record) {
        Ok(text) => js_sys::JSON::parse(&text).unwrap_or_else(|_| JsValue::from_str(&text)),
        Err(_) => JsValue::from_str(e.reason()),
    }
}

/// Milliseconds from JavaScript as a whole, non-negative count.
fn millis(name: &str, ms: f64) -> Result<u64, JsValue> {
    if ms.is_finite() && ms >= 0.0 && ms <= u64::MAX as f64 {
        // Truncation is the conversion: a fraction of a millisecond means nothing here.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(ms as u64)
    } else {
        Err(to_js(&invalid(
            name,
            format!("{name} {ms} is not a number of milliseconds >= 0"),
        )))
    }
}

/// Checks one delivery: `secret` from `setWebhook`, `signature` the `JIGA-Signature` header,
/// `body` the raw body's bytes, `now_ms` the receiver's clock (`Date.now()`), `tolerance_ms`
/// how far the signature's time may be from it (`undefined`: the core's five minutes). The
/// notification's JSON text.
///
/// # Errors
/// The `WebhookError` record, or `invalid_argument` for a clock or tolerance that is not a
/// count of milliseconds.
#[wasm_bindgen(js_name = verifyWebhook)]
pub fn verify_webhook(
    secret: &str,
    signature: &str,
    body: &[u8],
    now_ms: f64,
    tolerance_ms: Option<f64>,
) -> Result<String, JsValue> {
    let now = i64::try_from(millis("nowMs", now_ms)? / 1000).unwrap_or(i64::MAX);
    let tolerance = match tolerance_ms {
        None => jiga::webhook::DEFAULT_TOLERANCE,
        Some(ms) => Duration::from_millis(millis("toleranceMs", ms)?),
    };
    let n = jiga::webhook::verify(secret, signature, body, now, tolerance)
        .map_err(|e| webhook_error(&e))?;
    serde_json::to_string(&n).map_err(|e| {
        to_js(&jiga::Error::Decode {
            message: e.to_string(),
        })
    })
}
