//! Where the time of `nextBatch` goes, without the JVM: the replay of bench/run.sh read by
//! Rust through each layer in turn, in one run.
//! `cargo run --release -p jiga-uniffi --example rust-side -- URL SESSION DEVICE_ID RUNS`
//! prints events per second (best of RUNS) for:
//! - `core`: the core's `SessionStream::next_event` (what `replay-fixture read` measures);
//! - `accounted`: the core's `AccountedStream`, drained as the binding drains it;
//! - `packed`: the binding's `SessionEvents::next_packed` awaited on a thread of no runtime
//!   (as the JVM's is), each buffer then lowered as uniffi returns it and freed.

// A measuring program reports on stdout.
#![allow(clippy::print_stdout)]

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

use jiga_uniffi::{Client, ClientOptions, StreamOptions};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Runs `f` on this thread, parking between polls (no runtime, as a foreign thread).
fn block_on<F: Future>(f: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

/// This thread's CPU time so far, in ns (Linux's schedstat; 0 elsewhere).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The best events per second of `runs` passes, and the reading thread's CPU ns per event
/// over all of them.
fn best(
    runs: usize,
    total: u64,
    mut pass: impl FnMut() -> Result<u64, BoxError>,
) -> Result<(f64, f64), BoxError> {
    let mut best = 0f64;
    let cpu0 = thread_cpu_ns();
    for _ in 0..runs {
        let start = Instant::now();
        let n = pass()?;
        let t = start.elapsed();
        if n != total {
            return Err(format!("the replay delivered {n} of {total} events").into());
        }
        best = best.max(n as f64 / t.as_secs_f64());
    }
    let cpu = (thread_cpu_ns() - cpu0) as f64 / (runs as f64 * total as f64);
    Ok((best, cpu))
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, sid, device, runs] = args.as_slice() else {
        return Err("usage: rust-side URL SESSION DEVICE_ID RUNS".into());
    };
    let runs: usize = runs.parse()?;

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let core = {
        let _enter = rt.enter();
        jiga::client::Client::builder()
            .base_url(url.as_str())
            .build()?
    };
    let total = rt.block_on(async {
        core.sign_in_device(device).await?;
        Ok::<_, jiga::Error>(core.session(sid).await?.last_seq)
    })?;

    let core_rate = best(runs, total, || {
        rt.block_on(async {
            let events = core.session_events(sid);
            let mut n = 0u64;
            while let Some(ev) = events.next_event().await? {
                std::hint::black_box(ev);
                n += 1;
            }
            Ok(n)
        })
    })?;

    let accounted_rate = best(runs, total, || {
        rt.block_on(async {
            let events = core.session_events_with(sid, jiga::client::StreamOptions::new());
            let mut n = 0u64;
            'read: loop {
                let mut taken = 0;
                while taken < 256 {
                    match events.try_next() {
                        Poll::Ready(Ok(Some(ev))) => {
                            std::hint::black_box(ev);
                            n += 1;
                            taken += 1;
                        }
                        Poll::Ready(Ok(None)) => break 'read,
                        Poll::Ready(Err(e)) => return Err(e.into()),
                        Poll::Pending => break,
                    }
                }
                if taken == 0 {
                    match events.next().await? {
                        Some(ev) => {
                            std::hint::black_box(ev);
                            n += 1;
                        }
                        None => break,
                    }
                }
            }
            Ok::<_, BoxError>(n)
        })
    })?;

    let client = Client::new(
        ClientOptions {
            base_url: url.clone(),
            ..ClientOptions::default()
        },
        None,
    )?;
    block_on(client.sign_in_device(device.clone()))?;
    let packed_rate = best(runs, total, || {
        let events = client.session_events(sid.clone(), StreamOptions::default())?;
        let mut n = 0u64;
        loop {
            let bytes = block_on(events.next_packed(256))?;
            let count = u64::from(u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]));
            let buf =
                <Vec<u8> as uniffi::Lower<jiga_uniffi::UniFfiTag>>::lower_into_rust_buffer(bytes);
            buf.destroy();
            if count == 0 {
                break;
            }
            n += count;
        }
        Ok(n)
    })?;
    for (name, (rate, cpu)) in [
        ("core", core_rate),
        ("accounted", accounted_rate),
        ("packed", packed_rate),
    ] {
        println!("{name}={rate:.0} (reading thread: {cpu:.0} ns of CPU per event)");
    }
    Ok(())
}
