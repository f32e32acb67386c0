//! Random JSON and random call sequences against the C ABI, as a C host could make them:
//! arbitrary bytes for every string (invalid UTF-8, interior garbage, no JSON at all), made-up
//! and stale handles, calls after free and across `jiga_shutdown` / `jiga_init`. Every call
//! must return a status; none may panic, crash or corrupt memory (AddressSanitizer watches).
//!
//! Network calls go to a port where nothing listens, with one attempt, so they fail fast
//! with a transport error through the whole completion path.
//!
//! Run: `cargo +nightly fuzz run abi_calls -- -max_total_time=60` from `ffi/`.
#![no_main]

use std::ffi::{CString, c_char};
use std::ptr;

use jiga::*;
use libfuzzer_sys::fuzz_target;

/// Reads the input as a program: one opcode byte, then its operands.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*b)
    }

    /// A string of up to 255 arbitrary bytes (no NUL: C strings end there).
    fn text(&mut self) -> CString {
        let n = usize::from(self.byte().unwrap_or(0)).min(self.0.len());
        let (s, rest) = self.0.split_at(n);
        self.0 = rest;
        CString::new(
            s.iter()
                .map(|&b| if b == 0 { b'?' } else { b })
                .collect::<Vec<u8>>(),
        )
        .unwrap_or_default()
    }

    /// A handle: one the program made, a corrupted one, or garbage.
    fn handle(&mut self, made: &[u64]) -> u64 {
        match self.byte().unwrap_or(0) {
            0..=159 if !made.is_empty() => made[usize::from(self.byte().unwrap_or(0)) % made.len()],
            160..=199 if !made.is_empty() => {
                made[usize::from(self.byte().unwrap_or(0)) % made.len()] ^ (1 << 33)
            }
            _ => {
                let mut v = 0u64;
                for _ in 0..8 {
                    v = (v << 8) | u64::from(self.byte().unwrap_or(0));
                }
                v
            }
        }
    }
}

const OPTIONS: &str = "{\"baseUrl\":\"http://127.0.0.1:9\",\"retry\":{\"maxAttempts\":1},\"connectTimeoutMs\":200,\"queueCapacity\":8}";

fn drain(clients: &[u64]) {
    for &c in clients {
        let mut rec = std::mem::MaybeUninit::<JigaCompletion>::uninit();
        while jiga_poll(c, rec.as_mut_ptr()) == JIGA_OK {
            // SAFETY: JIGA_OK means jiga_poll filled the record.
            let mut rec_ = unsafe { rec.assume_init_read() };
            jiga_completion_free(&mut rec_);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    jiga_init();
    let mut input = Input(data);
    let mut clients: Vec<u64> = Vec::new();
    let mut others: Vec<u64> = Vec::new();
    let options = CString::new(OPTIONS).unwrap_or_default();
    let mut steps = 0;
    while let Some(op) = input.byte() {
        steps += 1;
        if steps > 64 {
            break;
        }
        let mut out: u64 = 0;
        match op % 24 {
            0 => {
                if jiga_client_new(options.as_ptr(), &mut out) == JIGA_OK {
                    clients.push(out);
                }
            }
            1 => {
                // Options from the input: almost always refused, never a crash.
                let opts = input.text();
                if jiga_client_new(opts.as_ptr(), &mut out) == JIGA_OK {
                    clients.push(out);
                }
            }
            2 => {
                let (c, j) = (input.handle(&clients), input.text());
                jiga_search(c, j.as_ptr(), &mut out);
            }
            3 => {
                let (c, j) = (input.handle(&clients), input.text());
                jiga_hire(c, j.as_ptr(), &mut out);
            }
            4 => {
                let (c, j, k) = (input.handle(&clients), input.text(), input.text());
                jiga_topup_with_key(c, j.as_ptr(), k.as_ptr(), &mut out);
            }
            5 => {
                let (c, id, opts) = (input.handle(&clients), input.text(), input.text());
                if jiga_session_open(c, id.as_ptr(), opts.as_ptr(), &mut out) == JIGA_OK {
                    others.push(out);
                }
            }
            6 => {
                let (s, id, d) = (input.handle(&others), input.text(), input.text());
                jiga_session_command(s, id.as_ptr(), d.as_ptr(), &mut out);
            }
            7 => {
                let mut m = std::mem::MaybeUninit::<JigaMeter>::uninit();
                jiga_session_meter(input.handle(&others), m.as_mut_ptr());
                let mut st = std::mem::MaybeUninit::<JigaStreamState>::uninit();
                jiga_session_state(input.handle(&others), st.as_mut_ptr(), ptr::null_mut());
            }
            8 => {
                jiga_session_close(input.handle(&others));
            }
            9 => {
                let (c, j) = (input.handle(&clients), input.text());
                if jiga_search_pages(c, j.as_ptr(), &mut out) == JIGA_OK {
                    others.push(out);
                }
            }
            10 => {
                let (c, j) = (input.handle(&clients), input.text());
                if jiga_transaction_pages(c, j.as_ptr(), &mut out) == JIGA_OK {
                    others.push(out);
                }
            }
            11 => {
                jiga_paginator_next(input.handle(&others), &mut out);
            }
            12 => {
                jiga_paginator_free(input.handle(&others));
            }
            13 => drain(&clients),
            14 => {
                let c = input.handle(&clients);
                jiga_cancel(c, u64::from(input.byte().unwrap_or(0)));
            }
            15 => {
                jiga_wait(input.handle(&clients), 1);
            }
            16 => {
                jiga_client_free(input.handle(&clients));
            }
            17 => {
                let mut s: *mut c_char = ptr::null_mut();
                if jiga_client_tokens(input.handle(&clients), &mut s) == JIGA_OK {
                    jiga_string_free(s);
                }
            }
            18 => {
                let (c, a, b) = (input.handle(&clients), input.text(), input.text());
                jiga_login(c, a.as_ptr(), b.as_ptr(), &mut out);
            }
            19 => {
                let (c, a, b) = (input.handle(&clients), input.text(), input.text());
                jiga_agent_update(c, a.as_ptr(), b.as_ptr(), &mut out);
            }
            20 => {
                let (c, j) = (input.handle(&clients), input.text());
                jiga_sessions(c, j.as_ptr(), &mut out);
            }
            21 => {
                if jiga_notifications_open(input.handle(&clients), &mut out) == JIGA_OK {
                    others.push(out);
                }
            }
            22 => {
                // Null pointers where the header forbids them are still an error, not UB.
                let c = input.handle(&clients);
                jiga_search(c, ptr::null(), ptr::null_mut());
                jiga_poll(c, ptr::null_mut());
                jiga_hire(c, ptr::null(), &mut out);
            }
            _ => {
                // Shut down with work in flight, then start again: old handles go stale.
                jiga_shutdown();
                jiga_init();
            }
        }
    }
    drain(&clients);
    jiga_shutdown();
});
