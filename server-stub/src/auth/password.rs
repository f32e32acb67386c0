//! Password hashing with argon2id (the crate's default parameters: 19 MiB, 2 passes), run on
//! the blocking pool because a hash takes tens of milliseconds by design.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};

use crate::error::{AppError, AppResult};

/// Hashes a password with a fresh salt (PHC string).
///
/// # Errors
/// `internal` if hashing fails.
pub async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(format!("password hashing: {e}")))
    })
    .await
    .map_err(AppError::internal)?
}

/// Checks a password against a stored hash; `false` for a wrong password or a bad hash.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}
