#!/usr/bin/env bash
# The Unity package's benchmarks under Mono, each beside its baseline in the same run:
# (a) a finished session's replay into C# SessionEvent objects through libjiga vs the Rust core
#     alone (jiga SessionStream::next_event) on the same server and the same session;
# (b) one trivial ABI call through P/Invoke vs from C (ffi/tests/c bench_trivial_call).
# Usage: bindings/unity/bench/run.sh   (JIGA_BENCH_EVENTS, default 40000; JIGA_BENCH_RUNS, default 4)
set -euo pipefail
cd "$(dirname "$0")/../../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/jiga-target}"
target="$CARGO_TARGET_DIR/release"
events="${JIGA_BENCH_EVENTS:-40000}"
runs="${JIGA_BENCH_RUNS:-4}"
cargo build --release --locked -q -p jiga-ffi -p jiga-server -p jiga-examples --bin replay-fixture
work="$(mktemp -d)"
source scripts/test-servers.sh
cleanup() {
  jiga_test_servers_stop "$work"
  rm -rf "$work"
}
trap cleanup EXIT

mcs -langversion:7.2 -unsafe -nowarn:1591 -optimize+ $(pkg-config --libs newtonsoft-json) \
  -out:"$work/Bench.exe" $(find bindings/unity/Runtime -name '*.cs' | sort) bindings/unity/bench/Bench.cs
gcc -std=c11 -D_DEFAULT_SOURCE -O2 -Wall -Wextra -Werror -I ffi/include bindings/unity/bench/replay_c.c \
  -L "$target" -ljiga -Wl,-rpath,"$target" -o "$work/replay_c"
export LD_LIBRARY_PATH="$target${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

jiga_replay_fixture "$work" "$target" "$events"
url="$JIGA_BENCH_URL"; sid="$JIGA_BENCH_SESSION"; device="$JIGA_BENCH_DEVICE"; total="$JIGA_BENCH_EVENTS"

# Alternate the readers twice; each reports its best of $runs replays. The C reader shows the
# ABI's own ceiling (jiga_poll + jiga_completion_free, nothing else).
rust=0; cs=0; c=0
for _ in 1 2; do
  r=$("$target/replay-fixture" read "$url" "$sid" "$device" "$runs" | sed -n 's/^rust_events_per_sec=//p')
  x=$(mono --optimize=all "$work/Bench.exe" replay "$url" "$sid" "$device" "$runs" 4096 | sed -n 's/^csharp_events_per_sec=//p')
  y=$("$work/replay_c" "$url" "$sid" "$device" "$runs" | sed -n 's/^c_events_per_sec=//p')
  [ "$r" -gt "$rust" ] && rust=$r
  [ "$x" -gt "$cs" ] && cs=$x
  [ "$y" -gt "$c" ] && c=$y
done
echo "replay of a finished session of $total events, best of $((2 * runs)) runs each"
printf '%-62s %12s\n' "Rust core alone: SessionStream::next_event" "$rust ev/s"
printf '%-62s %12s\n' "C through libjiga: jiga_poll + jiga_completion_free" "$c ev/s"
printf '%-62s %12s\n' "C# under Mono: libjiga -> JigaClient.Pump -> SessionEvent" "$cs ev/s"
awk -v x="$cs" -v r="$rust" -v c="$c" 'BEGIN {
  printf "ratio C#/Rust: %.2fx (target: at least 0.5x); C/Rust (the ABI): %.2fx; C#/C: %.2fx\n", x / r, c / r, x / c }'

echo
mono --optimize=all "$work/Bench.exe" trivial
jiga_test_servers_stop "$work"; rm -f "$work/pids"
JIGA_BENCH=1 ffi/tests/c/run.sh --no-valgrind 2>&1 | grep '^bench:' | sed 's/^bench: /bench: C /'
