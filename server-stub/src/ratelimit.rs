//! Fixed-window rate limits: per client address without a token, per user with one.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

const WINDOW: Duration = Duration::from_secs(60);

/// Who a request is counted against.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Caller {
    /// No (valid) token: the client's address.
    Anonymous(std::net::IpAddr),
    /// A signed-in user.
    User(String),
}

/// The state of a caller's window after counting a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The caller's limit (0: unlimited).
    pub limit: u32,
    /// Requests left in the window.
    pub remaining: u32,
    /// Seconds until the window resets.
    pub reset_secs: u64,
    /// Whether this request is allowed.
    pub allowed: bool,
}

/// The limiter.
pub struct RateLimiter {
    anonymous: u32,
    authenticated: u32,
    windows: Mutex<HashMap<Caller, (Instant, u32)>>,
}

impl RateLimiter {
    /// Limits per minute; 0 turns a limit off.
    #[must_use]
    pub fn new(anonymous: u32, authenticated: u32) -> Self {
        RateLimiter {
            anonymous,
            authenticated,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request; `None` when the caller's limit is off.
    pub fn check(&self, caller: Caller) -> Option<Verdict> {
        let limit = match caller {
            Caller::Anonymous(_) => self.anonymous,
            Caller::User(_) => self.authenticated,
        };
        if limit == 0 {
            return None;
        }
        let now = Instant::now();
        let mut windows = self.windows.lock();
        if windows.len() > 100_000 {
            // Forget finished windows so a flood of addresses cannot grow memory for ever.
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let (start, count) = windows.entry(caller).or_insert((now, 0));
        if now.duration_since(*start) >= WINDOW {
            *start = now;
            *count = 0;
        }
        let reset_secs = WINDOW
            .saturating_sub(now.duration_since(*start))
            .as_secs()
            .max(1);
        let allowed = *count < limit;
        if allowed {
            *count += 1;
        }
        Some(Verdict {
            limit,
            remaining: limit - *count,
            reset_secs,
            allowed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_and_reports_what_is_left() {
        let rl = RateLimiter::new(2, 0);
        let ip = Caller::Anonymous([127, 0, 0, 1].into());
        assert_eq!(
            rl.check(ip.clone()).map(|v| (v.allowed, v.remaining)),
            Some((true, 1))
        );
        assert_eq!(
            rl.check(ip.clone()).map(|v| (v.allowed, v.remaining)),
            Some((true, 0))
        );
        assert_eq!(rl.check(ip).map(|v| v.allowed), Some(false));
        assert_eq!(rl.check(Caller::User("u".into())), None);
    }
}
