#!/usr/bin/env bash
# The Python package's benchmark: events per second reaching Python code from the replay of a
# finished session, through `async for event in client.session_events(...)` (and the blocking
# `for`), next to hand-rolled readers on websockets, aiohttp and picows (+ json.loads) and the
# Rust core alone, on the same server and session in the same run; and the cost of one trivial
# call into the extension next to a Python method call.
# Usage: bindings/python/bench/run.sh   (JIGA_BENCH_EVENTS, default 40000; JIGA_BENCH_RUNS, default 3)
set -euo pipefail
cd "$(dirname "$0")/../../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/jiga-target}"
target="$CARGO_TARGET_DIR/release"
events="${JIGA_BENCH_EVENTS:-40000}"
runs="${JIGA_BENCH_RUNS:-3}"
cargo build --release --locked -q -p jiga-server -p jiga-examples --bin replay-fixture
work="$(mktemp -d)"
source scripts/test-servers.sh
cleanup() {
  jiga_test_servers_stop "$work"
  rm -rf "$work"
}
trap cleanup EXIT

tools="${JIGA_PY_TOOLS:-/var/tmp/jiga-py-tools}"
export PIP_CACHE_DIR="${PIP_CACHE_DIR:-/var/tmp/jiga-pip-cache}"
if [ ! -x "$tools/bin/maturin" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install -q 'maturin>=1.16,<2'
fi
"$tools/bin/maturin" build --release --strip --quiet -m bindings/python/Cargo.toml -o "$work/wheels"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$work"/wheels/jiga-*.whl 'websockets>=17,<18' 'aiohttp>=3.14,<4' 'picows>=2.3,<3'

jiga_replay_fixture "$work" "$target" "$events"
url="$JIGA_BENCH_URL"; sid="$JIGA_BENCH_SESSION"; device="$JIGA_BENCH_DEVICE"; total="$JIGA_BENCH_EVENTS"

rust=$("$target/replay-fixture" read "$url" "$sid" "$device" "$runs" | sed -n 's/^rust_events_per_sec=//p')
out=$("$work/venv/bin/python" bindings/python/bench/events.py "$url" "$sid" "$device" "$runs")
get() { sed -n "s/^$1=//p" <<<"$out"; }
echo "replay of a finished session of $(get events) events, best of $((2 * runs)) runs each (Rust: $runs)"
printf '%-58s %10s ev/s\n' "Rust core alone: SessionStream::next_event" "$rust"
printf '%-58s %10s ev/s\n' "jiga: async for event in client.session_events(...)" "$(get jiga_async)"
printf '%-58s %10s ev/s\n' "jiga: for event in Client.session_events(...) (blocking)" "$(get jiga_blocking)"
printf '%-58s %10s ev/s\n' "websockets 17 + json.loads" "$(get websockets)"
printf '%-58s %10s ev/s\n' "aiohttp 3 + json.loads" "$(get aiohttp)"
printf '%-58s %10s ev/s\n' "picows 2 + json.loads" "$(get picows)"
awk -v j="$(get jiga_async)" -v w="$(get websockets)" -v a="$(get aiohttp)" -v p="$(get picows)" 'BEGIN {
  printf "jiga async / websockets = %.2fx (target >= 3x), / aiohttp = %.2fx, / picows = %.2fx\n", j / w, j / a, j / p }'
echo "one trivial call into the extension (RawClient.is_signed_in): $(get trivial_call_ns) ns; a Python method call: $(get python_method_call_ns) ns"
