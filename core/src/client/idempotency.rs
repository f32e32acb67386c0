//! [`IdempotencyKey`]: one per logical DOF-moving operation, reused on every retry of it.

use std::fmt;

use super::error::Error;

/// The `Idempotency-Key` of one logical operation (`POST /v1/hires`, `/v1/sessions/{id}/end`,
/// `/v1/wallet/topups`).
///
/// The client generates one per call and sends the same key on every retry of that call, so
/// the server applies the operation at most once. An application that must survive a restart
/// mid-operation can generate the key itself, persist it, and pass it to the `*_with_key`
/// methods on the next launch.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// A fresh random key (`jiga-` and a ULID).
    #[must_use]
    pub fn generate() -> Self {
        // 128 random bits: unique without a clock (which wasm32 has only through the host).
        let (a, b) = (super::retry::random_u64(), super::retry::random_u64());
        IdempotencyKey(format!("jiga-{a:016x}{b:016x}"))
    }

    /// A key chosen by the application: 1–255 printable ASCII characters.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] on field `Idempotency-Key` for anything else.
    pub fn new(key: impl Into<String>) -> Result<Self, Error> {
        let key = key.into();
        let printable = key.bytes().all(|b| (0x20..=0x7e).contains(&b));
        if key.is_empty() || key.len() > 255 || !printable {
            return Err(Error::InvalidArgument {
                field: Some("Idempotency-Key".into()),
                message: format!(
                    "'{}' is not 1 to 255 printable ascii characters",
                    key.escape_debug()
                ),
                request_id: None,
            });
        }
        Ok(IdempotencyKey(key))
    }

    /// The key as sent.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdempotencyKey({})", self.0)
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_unique_and_valid() {
        let a = IdempotencyKey::generate();
        let b = IdempotencyKey::generate();
        assert_ne!(a, b);
        assert!(IdempotencyKey::new(a.as_str()).is_ok());
    }

    #[test]
    fn bad_keys_are_refused_quoting_the_input() {
        assert!(IdempotencyKey::new("").is_err());
        assert!(IdempotencyKey::new("x".repeat(256)).is_err());
        assert!(IdempotencyKey::new("a b").is_ok());
        let e = IdempotencyKey::new("a\tb").expect_err("tab");
        assert!(e.to_string().contains("'a\\tb'"), "{e}");
    }
}
