//! Password hashing with argon2id (the crate's default parameters: 19 MiB, 2 passes), run on
//! the blocking pool because a hash takes tens of milliseconds by design.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};

use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

/// Hashes computed at once. Each takes 19 MiB and tens of milliseconds of a core, so without a
/// bound a burst of logins (from many addresses, each under its rate limit) would take as
/// many blocking threads and as much memory as it likes; beyond this many, callers queue.
const CONCURRENT_HASHES: usize = 4;

static HASHING: Semaphore = Semaphore::const_new(CONCURRENT_HASHES);

async fn bounded<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let permit = HASHING
        .acquire()
        .await
        .map_err(|_| AppError::internal("password hashing closed"))?;
    // The permit goes with the work: a caller that gives up does not free a slot while its
    // hash is still being computed.
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(AppError::internal)
}

/// Hashes a password with a fresh salt (PHC string).
///
/// # Errors
/// `internal` if hashing fails.
pub async fn hash_password(password: String) -> AppResult<String> {
    bounded(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(format!("password hashing: {e}")))
    })
    .await?
}

/// Checks a password against a stored hash; `false` for a wrong password or a bad hash.
pub async fn verify_password(password: String, hash: String) -> bool {
    bounded(move || {
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
