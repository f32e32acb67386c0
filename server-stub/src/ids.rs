//! Opaque ids: a type prefix and a ULID (`ses_01J…`), so ids sort by creation time and say what
//! they name in logs.

/// A new id with `prefix` (`usr`, `agt`, `ses`, `txn`, `top`, `rev`, `req`, `ntf`).
#[must_use]
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", ulid::Ulid::new())
}

/// A random secret of 32 bytes, hex-encoded (refresh tokens, stream tickets).
#[must_use]
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

/// SHA-256 of `s`, hex-encoded: how secrets are stored.
#[must_use]
pub fn sha256_hex(s: impl AsRef<[u8]>) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_ref()))
}

/// Milliseconds since the Unix epoch.
#[must_use]
pub fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
