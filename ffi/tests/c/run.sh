#!/usr/bin/env bash
# Builds and runs the C ABI's tests (flows.c) under valgrind memcheck against a real
# jiga-server on loopback. Usage: ffi/tests/c/run.sh [--no-valgrind]
# Expects libjiga.so, jiga-server and jiga-faultproxy already built in "$CARGO_TARGET_DIR/release".
set -euo pipefail
cd "$(dirname "$0")/../../.."
target="${CARGO_TARGET_DIR:-/var/tmp/jiga-target}/release"
work="$(mktemp -d)"
source scripts/test-servers.sh
cleanup() {
  jiga_test_servers_stop "$work"
  rm -rf "$work"
}
trap cleanup EXIT

gcc -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -g -O1 -I ffi/include \
  ffi/tests/c/flows.c -L "$target" -ljiga -Wl,-rpath,"$target" -o "$work/flows"

jiga_test_servers "$work" "$target"

if [ "${1:-}" = "--no-valgrind" ]; then
  "$work/flows"
else
  valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,possible \
    --suppressions=ffi/tests/c/valgrind.supp "$work/flows"
fi
