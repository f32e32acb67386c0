//! Receiving the store's webhooks (contract v1.2), sans-I/O: checking a delivery's
//! `JIGA-Signature` and decoding its body into the [`Notification`] it carries.
//!
//! The server POSTs every notification of a user with a webhook as `{id, type, ts, data}`,
//! with `JIGA-Delivery-Id` (the notification id) and
//! `JIGA-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. A
//! receiver hands [`verify`] the secret `Client::set_webhook` returned, the header, the raw
//! body as received (before any JSON parsing: one changed byte changes the MAC) and its clock;
//! it gets the notification back, or a [`WebhookError`] saying why the delivery is not to be
//! trusted. Delivery is at least once: a receiver deduplicates by the notification's `id`.
//!
//! [`sign`] is the server's side of the same scheme (`jiga-server` signs with it), so the two
//! cannot drift; tests use it to forge deliveries.
//!
//! No clock is read here: `now_unix` comes from the caller, so this builds for the server and
//! for wasm32 alike.

use std::time::Duration;

use hmac::{Hmac, Mac};

use crate::event::{DecodeError, Notification};

/// How far a delivery's `t` may be from the receiver's clock, either way, by default: the
/// window the server itself allows the payment webhooks it receives.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// The most `v1=` entries a `JIGA-Signature` header may carry (more than one while a secret
/// rotates). A header with more is malformed: checking it stays bounded.
pub const MAX_SIGNATURES: usize = 8;

type HmacSha256 = Hmac<sha2::Sha256>;

/// Why a delivery was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The `JIGA-Signature` header is not `t=<unix>,v1=<64 hex>[,v1=…]`.
    #[error("malformed JIGA-Signature header: {reason}")]
    MalformedHeader {
        /// What did not fit, quoting it.
        reason: String,
    },
    /// No `v1=` entry is the MAC of this body under this secret: the body was changed, or
    /// it was signed with another secret (an older one, before a `set_webhook` rotated it).
    #[error("no v1 signature of the JIGA-Signature header matches this body and secret")]
    BadSignature,
    /// Correctly signed, but at a `t` farther from the receiver's clock than the tolerance:
    /// an old delivery replayed, or a clock far off.
    #[error(
        "JIGA-Signature timestamp {timestamp} is {} s away from the receiver's clock \
         {now} (tolerance {} s)",
        timestamp.abs_diff(*now),
        tolerance.as_secs()
    )]
    TimestampOutOfTolerance {
        /// The header's `t`, Unix seconds.
        timestamp: i64,
        /// The receiver's clock, Unix seconds.
        now: i64,
        /// The window allowed.
        tolerance: Duration,
    },
    /// Correctly signed and in time, but the body is not a notification `{id, type, ts, data}`.
    #[error("webhook body is not a notification: {0}")]
    NotANotification(#[source] DecodeError),
}

impl WebhookError {
    /// A stable name for the kind of refusal, for bindings and logs: `malformed_header`,
    /// `bad_signature`, `timestamp_out_of_tolerance`, `not_a_notification`.
    #[must_use]
    pub fn reason(&self) -> &'static str {
        match self {
            WebhookError::MalformedHeader { .. } => "malformed_header",
            WebhookError::BadSignature => "bad_signature",
            WebhookError::TimestampOutOfTolerance { .. } => "timestamp_out_of_tolerance",
            WebhookError::NotANotification(_) => "not_a_notification",
        }
    }
}

/// A parsed `JIGA-Signature` header: its `t` and its `v1` MACs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureHeader {
    /// When the delivery was signed, Unix seconds.
    pub timestamp: i64,
    /// The `v1=` MACs (1..=[`MAX_SIGNATURES`]), any one of which may match.
    pub signatures: Vec<[u8; 32]>,
}

impl SignatureHeader {
    /// Parses `t=<unix>,v1=<64 hex>,…`; keys other than `t` and `v1` are ignored (room for a
    /// later scheme), whitespace around entries too.
    ///
    /// # Errors
    /// [`WebhookError::MalformedHeader`] for no `t` or a `t` that is not an integer, no `v1`,
    /// more than [`MAX_SIGNATURES`] of them, or one that is not 64 hex characters.
    pub fn parse(header: &str) -> Result<SignatureHeader, WebhookError> {
        let bad = |reason: String| WebhookError::MalformedHeader { reason };
        let quote = |v: &str| v.chars().take(70).collect::<String>();
        let (mut timestamp, mut signatures) = (None, Vec::new());
        for part in header.split(',') {
            match part.trim().split_once('=') {
                Some(("t", v)) => {
                    let t = v
                        .parse::<i64>()
                        .map_err(|_| bad(format!("t '{}' is not Unix seconds", quote(v))))?;
                    timestamp = Some(t);
                }
                Some(("v1", v)) => {
                    if signatures.len() == MAX_SIGNATURES {
                        return Err(bad(format!("more than {MAX_SIGNATURES} v1 entries")));
                    }
                    let mut mac = [0u8; 32];
                    if v.len() != 64 || hex::decode_to_slice(v, &mut mac).is_err() {
                        return Err(bad(format!(
                            "v1 entry '{}' is not 64 hex characters",
                            quote(v)
                        )));
                    }
                    signatures.push(mac);
                }
                _ => {}
            }
        }
        let timestamp = timestamp.ok_or_else(|| bad("no t= entry".into()))?;
        if signatures.is_empty() {
            return Err(bad("no v1= entry".into()));
        }
        Ok(SignatureHeader {
            timestamp,
            signatures,
        })
    }

    /// Whether any of the `v1` MACs is HMAC-SHA256(`secret`, `"<t>.<body>"`). The MAC is
    /// computed once and compared with every entry in constant time (`verify_slice`), all of
    /// them, so the answer's timing says nothing about which matched. No entries: `false`.
    #[must_use]
    pub fn matches(&self, secret: &str, body: &[u8]) -> bool {
        let mac = mac_of(secret, self.timestamp, body);
        self.signatures.iter().fold(false, |any, sig| {
            mac.clone().verify_slice(sig).is_ok() | any
        })
    }
}

/// The MAC state after `"<t>.<body>"` under `secret`.
fn mac_of(secret: &str, t: i64, body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length (long ones are hashed first); this arm cannot be taken.
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `JIGA-Signature` value of `body` signed at `t` (Unix seconds) with `secret`:
/// `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
#[must_use]
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    let mac = mac_of(secret, t, body).finalize().into_bytes();
    format!("t={t},v1={}", hex::encode(mac))
}

/// Checks a delivery and decodes it: `signature_header` is the `JIGA-Signature` value, `body`
/// the raw body, `now_unix` the receiver's clock (Unix seconds), `tolerance` how far the
/// header's `t` may be from it ([`DEFAULT_TOLERANCE`] unless you have a reason).
///
/// The signature is checked ([`SignatureHeader::matches`]) before the time, so [`WebhookError::TimestampOutOfTolerance`]
/// means a genuine delivery that is too old (or too new).
///
/// # Errors
/// A [`WebhookError`]: the header malformed, no matching signature, `t` outside the
/// tolerance, or the body not a notification.
pub fn verify(
    secret: &str,
    signature_header: &str,
    body: &[u8],
    now_unix: i64,
    tolerance: Duration,
) -> Result<Notification, WebhookError> {
    let header = SignatureHeader::parse(signature_header)?;
    if !header.matches(secret, body) {
        return Err(WebhookError::BadSignature);
    }
    if header.timestamp.abs_diff(now_unix) > tolerance.as_secs() {
        return Err(WebhookError::TimestampOutOfTolerance {
            timestamp: header.timestamp,
            now: now_unix,
            tolerance,
        });
    }
    serde_json::from_slice(body)
        .map_err(|e| WebhookError::NotANotification(DecodeError::new("notification", &e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";
    const NOW: i64 = 1_795_640_591;
    const BODY: &str = r#"{"id":"ntf_1","type":"transaction.completed","ts":"2026-11-25T21:03:11.123Z","data":{"topupId":"top_1","amount":50}}"#;

    fn check(header: &str, body: &str, now: i64) -> Result<Notification, WebhookError> {
        verify(SECRET, header, body.as_bytes(), now, DEFAULT_TOLERANCE)
    }

    #[test]
    fn signs_as_the_contract_says() {
        // Computed independently (the server's own test vector):
        // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac s3cret
        assert_eq!(
            sign("s3cret", 1_700_000_000, br#"{"a":1}"#),
            "t=1700000000,v1=1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940"
        );
    }

    #[test]
    fn a_signed_delivery_verifies_and_decodes() {
        let header = sign(SECRET, NOW, BODY.as_bytes());
        let n = check(&header, BODY, NOW + 10).expect("verifies");
        assert_eq!(n.id, "ntf_1");
        assert_eq!(n.kind, "transaction.completed");
        assert_eq!(n.data.as_str(), r#"{"topupId":"top_1","amount":50}"#);
        assert!(
            check(&header, BODY, NOW - 300).is_ok(),
            "edge of the window"
        );
    }

    #[test]
    fn a_changed_body_or_another_secret_is_a_bad_signature() {
        let header = sign(SECRET, NOW, BODY.as_bytes());
        let tampered = BODY.replace("50", "5000");
        assert_eq!(
            check(&header, &tampered, NOW),
            Err(WebhookError::BadSignature)
        );
        let other = sign("whsec_other", NOW, BODY.as_bytes());
        assert_eq!(check(&other, BODY, NOW), Err(WebhookError::BadSignature));
        // A changed t changes the signed text.
        let moved = header.replacen(&NOW.to_string(), &(NOW + 1).to_string(), 1);
        assert_eq!(check(&moved, BODY, NOW), Err(WebhookError::BadSignature));
    }

    #[test]
    fn any_v1_entry_may_match_while_a_secret_rotates() {
        let new = sign(SECRET, NOW, BODY.as_bytes());
        let old = sign("whsec_old", NOW, BODY.as_bytes());
        let old_v1 = old.split_once(",v1=").map(|(_, v)| v).expect("v1");
        for header in [
            format!("{new},v1={old_v1}"),
            format!("t={NOW},v1={old_v1},v0=ignored,{}", &new[new.len() - 67..]),
            format!(" {} , {} ", &new[..12], &new[13..]),
        ] {
            assert!(check(&header, BODY, NOW).is_ok(), "{header}");
        }
    }

    #[test]
    fn a_delivery_outside_the_tolerance_is_refused_after_its_signature() {
        let header = sign(SECRET, NOW, BODY.as_bytes());
        let e = check(&header, BODY, NOW + 301).expect_err("too old");
        assert_eq!(e.reason(), "timestamp_out_of_tolerance");
        assert_eq!(
            e.to_string(),
            format!(
                "JIGA-Signature timestamp {NOW} is 301 s away from the receiver's clock {} \
                 (tolerance 300 s)",
                NOW + 301
            )
        );
        assert!(check(&header, BODY, NOW - 301).is_err(), "from the future");
        assert!(
            verify(
                SECRET,
                &header,
                BODY.as_bytes(),
                NOW + 3600,
                Duration::from_secs(3600)
            )
            .is_ok()
        );
        // A forged header is a bad signature whatever its time.
        let forged = sign("whsec_other", 0, BODY.as_bytes());
        assert_eq!(check(&forged, BODY, NOW), Err(WebhookError::BadSignature));
    }

    #[test]
    fn malformed_headers_say_what_is_wrong() {
        let v1 = "a".repeat(64);
        for (header, reason) in [
            ("", "no t= entry"),
            (&format!("v1={v1}") as &str, "no t= entry"),
            ("t=12", "no v1= entry"),
            (&format!("t=soon,v1={v1}"), "t 'soon' is not Unix seconds"),
            ("t=1,v1=abc", "v1 entry 'abc' is not 64 hex characters"),
            (
                &format!("t=1,v1={}", "z".repeat(64)),
                "v1 entry 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz' is not 64 hex characters",
            ),
            (
                &format!("t=1{}", format!(",v1={v1}").repeat(9)),
                "more than 8 v1 entries",
            ),
        ] {
            let e = check(header, BODY, NOW).expect_err(header);
            assert_eq!(
                e,
                WebhookError::MalformedHeader {
                    reason: reason.into()
                },
                "{header}"
            );
            assert_eq!(e.reason(), "malformed_header");
        }
    }

    #[test]
    fn a_signed_body_that_is_not_a_notification_is_refused() {
        for body in [
            "{}",
            "[1]",
            "not json",
            r#"{"id":"n","type":"t","ts":"x","data":{}}"#,
        ] {
            let header = sign(SECRET, NOW, body.as_bytes());
            let e = check(&header, body, NOW).expect_err(body);
            assert_eq!(e.reason(), "not_a_notification", "{body}: {e}");
        }
    }
}
