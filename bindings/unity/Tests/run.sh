#!/usr/bin/env bash
# Builds the Unity package's C# with Mono's mcs and runs its NUnit tests under the Mono runtime
# against real jiga-server instances on loopback: the demo catalogue, one with 2-second access
# tokens (refresh), one with a low anonymous rate limit (errors). Prints "N passed, N failed".
# Usage: bindings/unity/Tests/run.sh
# Expects libjiga.so, jiga-server and jiga-faultproxy built in "$CARGO_TARGET_DIR/release"
# (cargo build --release -p jiga-ffi -p jiga-server -p jiga-testkit).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-/var/tmp/jiga-target}/release"
work="$(mktemp -d)"
source ../../scripts/test-servers.sh
cleanup() {
  jiga_test_servers_stop "$work"
  rm -rf "$work"
}
trap cleanup EXIT

# The runtime exactly as Unity compiles it (C# 7.2, unsafe, no UNITY_* symbols), then the tests.
newtonsoft="$(pkg-config --libs newtonsoft-json)"
mcs -langversion:7.2 -unsafe -warnaserror -nowarn:1591 -target:library $newtonsoft \
  -out:"$work/Jiga.Runtime.dll" $(find Runtime -name '*.cs' | sort)
mcs -langversion:7.2 -warnaserror -target:library $newtonsoft $(pkg-config --libs nunit) \
  -r:"$work/Jiga.Runtime.dll" -out:"$work/Jiga.Tests.dll" $(find Tests -name '*.cs' | sort)

jiga_test_servers "$work" "$target"

export LD_LIBRARY_PATH="$target${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
set +e
(cd "$work" && timeout 900 nunit-console -nologo -noresult -labels Jiga.Tests.dll) 2>&1 | tee "$work/nunit.log"
status=${PIPESTATUS[0]}
set -e
# NUnit 2.6's summary: "Tests run: R, Errors: E, Failures: F, Inconclusive: I, Time: …" and
# "Not run: N, Invalid: V, Ignored: G, …". An ignored or not-run test counts as failed here:
# this script gives every test what it needs.
summary=$(grep -E '^Tests run: ' "$work/nunit.log" | tail -1)
notrun=$(grep -E '^ *Not run: ' "$work/nunit.log" | tail -1)
field() { sed -n "s/.*$1: \([0-9]*\).*/\1/p" <<<"$2"; }
run=$(field 'Tests run' "$summary"); errors=$(field Errors "$summary"); failures=$(field Failures "$summary")
inconclusive=$(field Inconclusive "$summary"); skipped=$(field 'Not run' "$notrun")
run=${run:-0}; errors=${errors:-0}; failures=${failures:-0}; inconclusive=${inconclusive:-0}; skipped=${skipped:-0}
failed=$((errors + failures + inconclusive + skipped))
passed=$((run - errors - failures - inconclusive))
if [ "$run" -eq 0 ]; then failed=$((failed + 1)); echo "no test ran" >&2; fi
echo "${passed} passed, ${failed} failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
