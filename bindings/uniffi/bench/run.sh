#!/usr/bin/env bash
# The uniffi bindings' benchmark: events per second reaching Kotlin objects from the replay of
# a finished session (through `nextBatch`, the `asFlow` path, and through `next()` per
# event), next to the Rust core alone (`SessionStream::next_event`) on the same server and
# session in the same run; and `nextPacked`'s buffers taken without decoding (the Rust side
# and the crossing, without the JVM's decoding), to tell where the time goes.
# Usage: bindings/uniffi/bench/run.sh   (JIGA_BENCH_EVENTS, default 40000; JIGA_BENCH_RUNS, default 3;
#   JIGA_BENCH_BATCH, nextBatch's max, default 256; JIGA_BENCH_SKIP_NEXT=1 skips the next() pass;
#   JIGA_BENCH_JVM_FLAGS, e.g. a -XX:StartFlightRecording=... for a profile)
# The Rust side alone, layer by layer (no JVM), against the same kind of replay:
#   cargo run --release -p jiga-uniffi --example rust-side -- URL SESSION DEVICE_ID RUNS
set -euo pipefail
cd "$(dirname "$0")/../../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/jiga-target}"
target="$CARGO_TARGET_DIR/release"
events="${JIGA_BENCH_EVENTS:-40000}"
runs="${JIGA_BENCH_RUNS:-3}"
work="$(mktemp -d)"
source scripts/test-servers.sh
source bindings/uniffi/scripts/kotlin-env.sh
cleanup() {
  jiga_test_servers_stop "$work"
  rm -rf "$work"
}
trap cleanup EXIT

jiga_kotlin_tools
cargo build --release --locked -q -p jiga-server -p jiga-uniffi
cargo build --release --locked -q -p jiga-examples --bin replay-fixture
jiga_kotlin_sdk "$work"
"$JIGA_KOTLINC" -nowarn -cp "$(jiga_kotlin_cp "$work/jiga-sdk.jar")" -d "$work/bench.jar" \
  bindings/uniffi/bench/Replay.kt

jiga_replay_fixture "$work" "$target" "$events"
url="$JIGA_BENCH_URL"; sid="$JIGA_BENCH_SESSION"; device="$JIGA_BENCH_DEVICE"

rust_read() { "$target/replay-fixture" read "$url" "$sid" "$device" "$runs" | sed -n 's/^rust_events_per_sec=//p'; }
# The Rust core reads before and after the Kotlin program; its better figure is the baseline.
rust_before=$(rust_read)
# shellcheck disable=SC2046
out=$("$JIGA_JAVA" $(jiga_kotlin_jvm_flags) ${JIGA_BENCH_JVM_FLAGS:-} -cp "$(jiga_kotlin_cp "$work/jiga-sdk.jar" "$work/bench.jar")" \
  ai.jiga.sdk.bench.ReplayKt "$url" "$sid" "$device" "$runs")
rust_after=$(rust_read)
rust=$(( rust_before > rust_after ? rust_before : rust_after ))
get() { sed -n "s/^$1=//p" <<<"$out"; }
echo "replay of a finished session of $(get events) events, best of $runs runs (Kotlin: after warm-up passes until the JIT is idle, $(get batch_warmup_passes) for nextBatch; next() per event: one pass)"
printf '%-66s %10s ev/s\n' "Rust core alone: SessionStream::next_event (before / after Kotlin)" "$rust_before / $rust_after"
printf "%-66s %10s ev/s\n" "Kotlin: SessionEvents.nextBatch(${JIGA_BENCH_BATCH:-256}) (asFlow; $(get batch_mean) events a call)" "$(get kotlin_batch)"
printf '%-66s %10s ev/s\n' "Kotlin: nextPacked's buffers, not decoded (no event objects)" "$(get kotlin_packed)"
printf '%-66s %10s ev/s\n' "Kotlin: SessionEvents.next() per event" "$(get kotlin_next)"
awk -v r="$rust" -v b="$(get kotlin_batch)" -v p="$(get kotlin_packed)" -v n="$(get kotlin_next)" 'BEGIN {
  printf "Kotlin nextBatch / Rust (the better Rust figure) = %.2fx (target >= 0.5x); undecoded buffers / Rust = %.2fx; next() / Rust = %.2fx\n", b / r, p / r, n / r }'
echo "CPU ns per event, each timed pass, reading thread / whole JVM: nextBatch$(get batch_cpu); undecoded$(get packed_cpu)"
echo "JVM threads' CPU ticks (10 ms) over the timed nextBatch passes: $(get batch_cpu_ticks_by_thread); undecoded calls that waited: $(get packed_calls_that_waited)"
