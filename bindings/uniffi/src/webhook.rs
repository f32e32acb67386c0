//! `verify_webhook`: the core's `jiga::webhook::verify` for a receiver on the JVM or Apple
//! platforms, and `WebhookError`, its refusal (Kotlin `WebhookException.BadSignature(…)`, Swift
//! `WebhookError.badSignature(…)`). The answer records of the webhook routes are here too.

use std::time::{Duration, SystemTime};

use crate::models::Notification;

/// A webhook delivery that did not verify: one variant per reason of the core's.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The `JIGA-Signature` header is not `t=<unix>,v1=<64 hex>[,v1=…]`.
    #[error("{error_message}")]
    MalformedHeader {
        /// What did not fit.
        error_message: String,
    },
    /// No `v1=` entry matches the body under this secret (a changed body, another secret).
    #[error("{error_message}")]
    BadSignature {
        /// The message.
        error_message: String,
    },
    /// Correctly signed, but at a time farther from the receiver's clock than the tolerance.
    #[error("{error_message}")]
    TimestampOutOfTolerance {
        /// The message.
        error_message: String,
        /// The signature's `t`, Unix seconds.
        timestamp: i64,
        /// The receiver's clock, Unix seconds.
        now: i64,
    },
    /// Correctly signed and in time, but the body is not a notification.
    #[error("{error_message}")]
    NotANotification {
        /// The message.
        error_message: String,
    },
}

impl From<jiga::WebhookError> for WebhookError {
    fn from(e: jiga::WebhookError) -> Self {
        let error_message = e.to_string();
        match e {
            jiga::WebhookError::MalformedHeader { .. } => {
                WebhookError::MalformedHeader { error_message }
            }
            jiga::WebhookError::BadSignature => WebhookError::BadSignature { error_message },
            jiga::WebhookError::TimestampOutOfTolerance { timestamp, now, .. } => {
                WebhookError::TimestampOutOfTolerance {
                    error_message,
                    timestamp,
                    now,
                }
            }
            jiga::WebhookError::NotANotification(_) => {
                WebhookError::NotANotification { error_message }
            }
            // A reason added to the core later: its message, under the nearest variant.
            _ => WebhookError::MalformedHeader { error_message },
        }
    }
}

/// Unix seconds of `t` (negative before 1970).
fn unix(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

/// Checks one webhook delivery and returns its notification: `secret` from `setWebhook`,
/// `signature` the `JIGA-Signature` header, `body` the raw body's bytes, `now` the receiver's
/// clock (default: this device's), `tolerance` how far the signature's time may be from it
/// (default: the core's five minutes). Deliveries come at least once: deduplicate by `id`.
///
/// # Errors
/// A `WebhookError`.
#[uniffi::export(default(now = None, tolerance = None))]
pub fn verify_webhook(
    secret: String,
    signature: String,
    body: Vec<u8>,
    now: Option<SystemTime>,
    tolerance: Option<Duration>,
) -> Result<Notification, WebhookError> {
    let now = unix(now.unwrap_or_else(SystemTime::now));
    let tolerance = tolerance.unwrap_or(jiga::webhook::DEFAULT_TOLERANCE);
    Ok(jiga::webhook::verify(&secret, &signature, &body, now, tolerance)?.into())
}

/// The caller's webhook (`GET /v1/users/me/webhook`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Webhook {
    /// Where notifications are POSTed.
    pub url: String,
}

impl From<jiga::model::Webhook> for Webhook {
    fn from(w: jiga::model::Webhook) -> Self {
        Webhook { url: w.url }
    }
}

/// What `setWebhook` answers: the URL and the signing secret, shown this once (a new
/// `setWebhook` rotates it).
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct WebhookSecret {
    /// Where notifications are POSTed.
    pub url: String,
    /// The HMAC-SHA256 key `verifyWebhook` checks deliveries with.
    pub secret: String,
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSecret")
            .field("url", &self.url)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl From<jiga::model::WebhookSecret> for WebhookSecret {
    fn from(w: jiga::model::WebhookSecret) -> Self {
        WebhookSecret {
            url: w.url,
            secret: w.secret,
        }
    }
}
