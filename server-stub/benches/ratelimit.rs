//! The rate limiter's cost per request, ours (fixed windows) beside `governor`'s keyed GCRA,
//! and what each could put in the contract's `RateLimit-*` headers.
//!
//! `cargo bench -p jiga-server --bench ratelimit`. Both limiters count `CHECKS` requests spread
//! over `KEYS` callers, from one thread and then from two at once (the server's runtime has
//! one worker per core). `governor` is a dev-dependency for this comparison only.

#![allow(clippy::print_stdout)]

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use governor::{Quota, RateLimiter as Governor};
use jiga_server::ratelimit::{Caller, RateLimiter};

const KEYS: usize = 10_000;
const CHECKS: usize = 2_000_000;
const LIMIT: u32 = 1000;

fn keys() -> Arc<Vec<String>> {
    Arc::new((0..KEYS).map(|i| format!("usr_{i:08}")).collect())
}

/// Nanoseconds per check with `threads` threads sharing one limiter.
fn per_check(threads: usize, check: impl Fn(&str) -> bool + Send + Sync + 'static) -> f64 {
    let check = Arc::new(check);
    let keys = keys();
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (check, keys) = (check.clone(), keys.clone());
            std::thread::spawn(move || {
                let mut allowed = 0u64;
                for i in (t..CHECKS).step_by(threads) {
                    allowed += u64::from(check(&keys[i % KEYS]));
                }
                allowed
            })
        })
        .collect();
    let allowed: u64 = handles.into_iter().map(|h| h.join().expect("thread")).sum();
    assert!(allowed > 0);
    start.elapsed().as_nanos() as f64 / CHECKS as f64
}

fn main() {
    println!("rate limiter: {CHECKS} checks over {KEYS} callers, {LIMIT} per minute each");
    for threads in [1, 2] {
        let ours = Arc::new(RateLimiter::new(0, LIMIT));
        let o = per_check(threads, move |k| {
            ours.check(Caller::User(k.to_owned()))
                .is_some_and(|v| v.allowed)
        });
        let gov = Arc::new(Governor::keyed(Quota::per_minute(
            NonZeroU32::new(LIMIT).expect("non-zero"),
        )));
        let g = per_check(threads, move |k| gov.check_key(&k.to_owned()).is_ok());
        println!(
            "  {threads} thread(s): fixed window {o:.0} ns/check, governor keyed {g:.0} ns/check ({:.2}x ours)",
            g / o
        );
    }

    // What the headers could say 1.2 s after a caller used up a limit of 100 per minute.
    let ours = RateLimiter::new(100, 0);
    let gov = Governor::keyed(Quota::per_minute(NonZeroU32::new(100).expect("non-zero")));
    let ip = Caller::Anonymous([127, 0, 0, 1].into());
    for _ in 0..100 {
        let _ = ours.check(ip.clone());
        let _ = gov.check_key(&"ip");
    }
    std::thread::sleep(Duration::from_millis(1_200));
    let v = ours.check(ip).expect("limited");
    let regained = (0..100).filter(|_| gov.check_key(&"ip").is_ok()).count();
    println!(
        "after 100 of 100 and 1.2 s: fixed window allows={} remaining={} reset={} s; \
         governor lets {regained} more through (continuous refill: no window, so no \
         RateLimit-Reset to announce and a Remaining that creeps back)",
        v.allowed, v.remaining, v.reset_secs
    );
}
