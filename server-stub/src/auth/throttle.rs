//! [`LoginThrottle`]: the contract's per-email failed-login window. After
//! [`MAX_FAILURES`] failed logins for one email within [`WINDOW`], every later login for that
//! email is refused (a correct password included) until the window, which starts at its first
//! failure, is over; refused attempts do not extend it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::ids::sha256_hex;

/// Failed logins one email may have in a window.
pub const MAX_FAILURES: u32 = 10;
/// The window, from its first failure.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Emails tracked at once before finished windows are swept (each entry is a fixed-size hash,
/// however long the email sent).
const SWEEP_ABOVE: usize = 100_000;

#[derive(Clone, Copy)]
struct Window {
    first_failure: Instant,
    failures: u32,
}

/// Failed logins per email.
#[derive(Default)]
pub struct LoginThrottle {
    windows: Mutex<HashMap<String, Window>>,
}

/// The key of an email: compared case-insensitively, stored as a hash of bounded size.
fn key(email: &str) -> String {
    sha256_hex(email.trim().to_lowercase())
}

impl LoginThrottle {
    /// `Err(retry_after)` when logins for `email` are refused right now.
    ///
    /// # Errors
    /// The time until the window ends.
    pub fn check(&self, email: &str) -> Result<(), Duration> {
        self.check_at(email, Instant::now())
    }

    fn check_at(&self, email: &str, now: Instant) -> Result<(), Duration> {
        let windows = self.windows.lock();
        match windows.get(&key(email)) {
            Some(w) if w.failures >= MAX_FAILURES => {
                let ends = w.first_failure + WINDOW;
                if now < ends { Err(ends - now) } else { Ok(()) }
            }
            _ => Ok(()),
        }
    }

    /// Counts a failed login for `email`.
    pub fn failed(&self, email: &str) {
        self.failed_at(email, Instant::now());
    }

    fn failed_at(&self, email: &str, now: Instant) {
        let mut windows = self.windows.lock();
        if windows.len() >= SWEEP_ABOVE {
            windows.retain(|_, w| now.duration_since(w.first_failure) < WINDOW);
        }
        let w = windows.entry(key(email)).or_insert(Window {
            first_failure: now,
            failures: 0,
        });
        if now.duration_since(w.first_failure) >= WINDOW {
            *w = Window {
                first_failure: now,
                failures: 0,
            };
        }
        w.failures = w.failures.saturating_add(1);
    }

    /// A successful login outside a refused window clears the email's failures.
    pub fn succeeded(&self, email: &str) {
        self.windows.lock().remove(&key(email));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_failures_lock_the_email_until_fifteen_minutes_after_the_first() {
        let t = LoginThrottle::default();
        let start = Instant::now();
        for i in 0..MAX_FAILURES {
            assert!(t.check_at("A@x.io", start).is_ok());
            t.failed_at(
                if i % 2 == 0 { "a@x.io" } else { "A@X.IO" },
                start + Duration::from_secs(u64::from(i)),
            );
        }
        let later = start + Duration::from_secs(60);
        assert_eq!(
            t.check_at("a@x.io", later),
            Err(WINDOW - Duration::from_secs(60))
        );
        // Refused attempts do not extend the window.
        assert!(
            t.check_at("a@x.io", start + WINDOW - Duration::from_secs(1))
                .is_err()
        );
        assert!(t.check_at("a@x.io", start + WINDOW).is_ok());
        assert!(t.check_at("b@x.io", later).is_ok());
    }
}
