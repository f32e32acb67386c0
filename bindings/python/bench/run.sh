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
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
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

"$target/jiga-server" --bind 127.0.0.1:0 --db "sqlite://$work/bench.db" --rate-limit-anonymous 0 \
  --rate-limit-authenticated 0 >"$work/server.log" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 100); do
  url=$(sed -n 's/^jiga-server listening on \(http:\/\/[^ ]*\).*/\1/p' "$work/server.log" | head -1)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/server.log" >&2; exit 1; }

echo "recording a finished session of at least $events events..."
rec=$("$target/replay-fixture" record "$url" "$events")
sid=$(sed -n 's/^session=//p' <<<"$rec")
device=$(sed -n 's/^hirer_device=//p' <<<"$rec")

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
