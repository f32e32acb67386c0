//! `jiga_webhook_verify`: the core's `jiga::webhook::verify`, synchronous (no runtime, no
//! client, no `jiga_init` needed), for a host that receives the store's webhooks.

use std::ffi::c_char;
use std::time::Duration;

use jiga::WebhookError;

use crate::status::{
    Fail, JIGA_ERR_NULL, JIGA_ERR_PANIC, JIGA_ERR_WEBHOOK_BAD_SIGNATURE,
    JIGA_ERR_WEBHOOK_MALFORMED_HEADER, JIGA_ERR_WEBHOOK_NOT_A_NOTIFICATION,
    JIGA_ERR_WEBHOOK_TIMESTAMP, JIGA_OK, guard,
};
use crate::strings::{arg_str, out_ptr, to_c};

/// The status of each refusal.
fn status_of(e: &WebhookError) -> i32 {
    match e {
        WebhookError::BadSignature => JIGA_ERR_WEBHOOK_BAD_SIGNATURE,
        WebhookError::TimestampOutOfTolerance { .. } => JIGA_ERR_WEBHOOK_TIMESTAMP,
        WebhookError::NotANotification(_) => JIGA_ERR_WEBHOOK_NOT_A_NOTIFICATION,
        // Malformed, and any reason a later core adds: the delivery is not to be trusted.
        _ => JIGA_ERR_WEBHOOK_MALFORMED_HEADER,
    }
}

/// Checks one webhook delivery and writes its notification `{id, type, ts, data}` as JSON to
/// `*out_json` (free it with `jiga_string_free`; NULL on failure).
///
/// `secret`: the `secret` of `jiga_webhook_set`'s result; `signature`: the `JIGA-Signature`
/// header; `body`/`body_len`: the raw request body as received (NULL only with `body_len` 0);
/// `now_unix`: the receiver's clock, Unix seconds; `tolerance_secs`: how far the signature's
/// time may be from it (negative: the library's default, 300). Deliveries come at least once:
/// deduplicate by the notification's `id`.
///
/// Returns `JIGA_OK`, `JIGA_ERR_WEBHOOK_*` (the message in `jiga_last_error_message`), or
/// `JIGA_ERR_NULL` / `JIGA_ERR_INVALID_UTF8` for bad arguments.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_webhook_verify(
    secret: *const c_char,
    signature: *const c_char,
    body: *const u8,
    body_len: usize,
    now_unix: i64,
    tolerance_secs: i64,
    out_json: *mut *mut c_char,
) -> i32 {
    guard(|| {
        let out = out_ptr(out_json, "out_json")?;
        *out = std::ptr::null_mut();
        let secret = arg_str(secret, "secret")?;
        let signature = arg_str(signature, "signature")?;
        let body: &[u8] = match (body.is_null(), body_len) {
            (_, 0) => &[],
            (true, _) => return Err(Fail::new(JIGA_ERR_NULL, "'body' is null")),
            // SAFETY: non-null; the header requires `body_len` readable bytes for the call.
            (false, n) => unsafe { std::slice::from_raw_parts(body, n) },
        };
        let tolerance = u64::try_from(tolerance_secs)
            .map_or(jiga::webhook::DEFAULT_TOLERANCE, Duration::from_secs);
        let n = jiga::webhook::verify(secret, signature, body, now_unix, tolerance)
            .map_err(|e| Fail::new(status_of(&e), e.to_string()))?;
        let text = serde_json::to_string(&n)
            .map_err(|e| Fail::new(JIGA_ERR_PANIC, format!("cannot encode a notification: {e}")))?;
        *out = to_c(text);
        Ok(JIGA_OK)
    })
}
