#!/usr/bin/env bash
# Runs HireStream.kt against a store: the URL given, or a demo store of its own
# (`jiga-server --seed-demo`, in memory, on a free port).
# Usage: examples/kotlin/run.sh [URL]
# Installs kotlinc (npm), JNA (Debian) and a JDK if missing; builds libjiga_uniffi.so.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/jiga-target}"
work="$(mktemp -d)"
source scripts/test-servers.sh
source bindings/uniffi/scripts/kotlin-env.sh
cleanup() {
  jiga_test_servers_stop "$work"
  rm -rf "$work"
}
trap cleanup EXIT

jiga_kotlin_tools
if [ -z "${1:-}" ]; then extra=(-p jiga-server); else extra=(); fi
cargo build --release --locked -q -p jiga-uniffi "${extra[@]}"
jiga_kotlin_sdk "$work"
"$JIGA_KOTLINC" -nowarn -cp "$(jiga_kotlin_cp "$work/jiga-sdk.jar")" -d "$work/example.jar" \
  examples/kotlin/HireStream.kt
url="${1:-$(_jiga_server "$work" "$CARGO_TARGET_DIR/release" demo --seed-demo)}"
# shellcheck disable=SC2046
"$JIGA_JAVA" $(jiga_kotlin_jvm_flags) -cp "$(jiga_kotlin_cp "$work/jiga-sdk.jar" "$work/example.jar")" \
  ai.jiga.examples.HireStreamKt "$url"
