//! User webhooks (contract v1.2): the body, its signature, and the HTTP client that sends it.
//!
//! `JIGA-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` — the
//! scheme of the payment webhooks the server itself receives, so a receiver verifies it the
//! same way: recompute over the raw body, compare in constant time, refuse an old `t`.

use std::time::Duration;

use jiga::event::Notification;

use super::guard::{GuardedResolver, is_public};
use crate::db::DbError;
use crate::db::deliveries::Hook;
use crate::db::outbox::{Note, Stored};

/// How long a receiver has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The most of a receiver's answer that is read (and kept as the last error).
const ERROR_BODY: usize = 200;

/// The JSON a webhook receives for `note` of `event`: the notification `{id, type, ts, data}`.
///
/// # Errors
/// An event this server could not have recorded (bad timestamp or data).
pub fn body(event: &Stored, note: &Note) -> Result<String, DbError> {
    let n = Notification {
        id: note.id.clone(),
        kind: event.kind.clone(),
        ts: jiga::Timestamp::from_unix_millis(event.ts)
            .ok_or_else(|| DbError::internal("outbox timestamp out of range"))?,
        data: jiga::RawJson::from_string(event.data.clone()).map_err(DbError::internal)?,
    };
    serde_json::to_string(&n).map_err(DbError::internal)
}

/// The `JIGA-Signature` value of `body` signed at `t` (Unix seconds) with `secret`: the
/// core's [`jiga::webhook::sign`], the one the SDK's `verify` checks against.
#[must_use]
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    jiga::webhook::sign(secret, t, body.as_bytes())
}

/// Sends webhook deliveries: no redirects, no proxy, a 10 s limit, and every address checked
/// by the private-address guard at connect time.
#[derive(Clone, Debug)]
pub struct Sender {
    client: reqwest::Client,
    allow_private: bool,
}

impl Sender {
    /// A sender; `allow_private` lets webhooks reach private and loopback addresses.
    ///
    /// # Errors
    /// The HTTP client cannot be built (no TLS backend).
    pub fn new(allow_private: bool) -> Result<Sender, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .user_agent(concat!(
                "jiga-server/",
                env!("CARGO_PKG_VERSION"),
                " (webhooks)"
            ))
            .dns_resolver(std::sync::Arc::new(GuardedResolver { allow_private }))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Sender {
            client,
            allow_private,
        })
    }

    /// POSTs `body` to `hook` as delivery `id`.
    ///
    /// # Errors
    /// Why it did not go out (no answer, a refused address, a non-2xx answer).
    pub async fn send(&self, hook: &Hook, id: &str, body: &str) -> Result<(), String> {
        // The resolver checks names; an address written in the URL never reaches it.
        let url = url::Url::parse(&hook.url).map_err(|e| format!("not a URL: {e}"))?;
        let literal = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
            _ => None,
        };
        if let Some(ip) = literal.filter(|ip| !self.allow_private && !is_public(*ip)) {
            return Err(format!("refused: {ip} is not a public address"));
        }
        let t = chrono::Utc::now().timestamp();
        let res = self
            .client
            .post(url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(jiga::wire::header::JIGA_DELIVERY_ID, id)
            .header(
                jiga::wire::header::JIGA_SIGNATURE,
                signature(&hook.secret, t, body),
            )
            .body(body.to_owned())
            .send()
            .await
            .map_err(|e| {
                // The guard's refusal is in the source chain; say it plainly.
                let mut msg = e.to_string();
                let mut src = std::error::Error::source(&e);
                while let Some(s) = src {
                    msg = format!("{msg}: {s}");
                    src = s.source();
                }
                msg
            })?;
        let status = res.status();
        if status.is_success() {
            return Ok(());
        }
        let text = res.text().await.unwrap_or_default();
        let head: String = text.chars().take(ERROR_BODY).collect();
        Err(format!("answered {status}: {head}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_over_t_dot_body() {
        // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac s3cret
        assert_eq!(
            signature("s3cret", 1_700_000_000, r#"{"a":1}"#),
            "t=1700000000,v1=1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940"
        );
    }
}
