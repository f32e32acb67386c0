#!/usr/bin/env bash
# Builds and runs the C ABI's tests (flows.c) under valgrind memcheck against a real
# jiga-server on loopback. Usage: ffi/tests/c/run.sh [--no-valgrind]
# Expects libjiga.so, jiga-server and jiga-faultproxy already built in "$CARGO_TARGET_DIR/release".
set -euo pipefail
cd "$(dirname "$0")/../../.."
target="${CARGO_TARGET_DIR:-/var/tmp/jiga-target}/release"
work="$(mktemp -d)"
server_pids=""
cleanup() {
  for pid in $server_pids; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

gcc -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -g -O1 -I ffi/include \
  ffi/tests/c/flows.c -L "$target" -ljiga -Wl,-rpath,"$target" -o "$work/flows"

# start_server NAME ARGS...: starts a jiga-server on a free port and sets $url to its URL.
start_server() {
  local name="$1"; shift
  "$target/jiga-server" --bind 127.0.0.1:0 --db sqlite::memory: "$@" >"$work/$name.log" 2>&1 &
  server_pids="$server_pids $!"
  url=""
  for _ in $(seq 1 100); do
    url=$(sed -n 's/^jiga-server listening on \(http:\/\/[^ ]*\).*/\1/p' "$work/$name.log" | head -1)
    [ -n "$url" ] && break
    sleep 0.1
  done
  if [ -z "$url" ]; then cat "$work/$name.log" >&2; echo "the $name server did not start" >&2; exit 1; fi
}
start_server main --seed-demo
export JIGA_TEST_URL="$url"
# Fault injection (jiga-testkit's proxies) in front of the main server.
start_proxy() {
  local name="$1"; shift
  "$target/jiga-faultproxy" --upstream "${JIGA_TEST_URL#http://}" "$@" >"$work/$name.log" 2>&1 &
  server_pids="$server_pids $!"
  url=""
  for _ in $(seq 1 100); do
    url=$(sed -n 's/^jiga-faultproxy listening on \(http:\/\/[^ ]*\).*/\1/p' "$work/$name.log" | head -1)
    [ -n "$url" ] && break
    sleep 0.1
  done
  if [ -z "$url" ]; then cat "$work/$name.log" >&2; echo "the $name proxy did not start" >&2; exit 1; fi
}
start_proxy chop --chop 300..1500 --stats "$work/cuts"
export JIGA_TEST_URL_CHOP="$url" JIGA_TEST_CHOP_STATS="$work/cuts"
start_proxy drop --drop-first-response "POST /v1/hires"
export JIGA_TEST_URL_DROP="$url"
start_server short-ttl --access-token-ttl 2
export JIGA_TEST_URL_SHORT_TTL="$url"
start_server limited --rate-limit-anonymous 5
export JIGA_TEST_URL_LIMITED="$url"
if [ "${1:-}" = "--no-valgrind" ]; then
  "$work/flows"
else
  valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,possible \
    --suppressions=ffi/tests/c/valgrind.supp "$work/flows"
fi
