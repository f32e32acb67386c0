#!/usr/bin/env bash
# The Kotlin tests of the uniffi bindings on the JVM, against the real servers: installs what
# it needs (kotlinc from npm, JNA from Debian, a JDK), builds libjiga_uniffi.so, jiga-server
# and jiga-faultproxy once, generates the Kotlin and Swift sources (the Swift is generated
# only: there is no Swift compiler here), compiles the SDK and the tests with kotlinc and runs
# them (tests/kotlin/Flows.kt). Prints `Kotlin: N passed, N failed` last.
# Usage: bindings/uniffi/tests/run.sh [TEST_NAME_FILTER]
set -euo pipefail
cd "$(dirname "$0")/../../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/jiga-target}"
target="$CARGO_TARGET_DIR/release"
work="$(mktemp -d)"
source scripts/test-servers.sh
source bindings/uniffi/scripts/kotlin-env.sh
cleanup() {
  jiga_test_servers_stop "$work"
  rm -rf "$work"
}
trap cleanup EXIT

jiga_kotlin_tools
cargo build --release --locked -q -p jiga-uniffi -p jiga-server -p jiga-testkit
jiga_kotlin_sdk "$work"
test -s "$work/gen/swift/JigaSDK.swift" && test -s "$work/gen/swift/JigaSDKFFI.h"

"$JIGA_KOTLINC" -nowarn -cp "$(jiga_kotlin_cp "$work/jiga-sdk.jar")" -d "$work/tests.jar" \
  bindings/uniffi/tests/kotlin/*.kt

jiga_test_servers "$work" "$target"
# shellcheck disable=SC2046
"$JIGA_JAVA" $(jiga_kotlin_jvm_flags) -cp "$(jiga_kotlin_cp "$work/jiga-sdk.jar" "$work/tests.jar")" \
  ai.jiga.sdk.tests.FlowsKt "$@"
