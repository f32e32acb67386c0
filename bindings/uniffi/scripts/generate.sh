#!/usr/bin/env bash
# Generates the Kotlin and Swift sources of the uniffi bindings from the built library, with
# the hand-written Kotlin beside them. One command:
#   bindings/uniffi/scripts/generate.sh [OUT]      (default OUT: bindings/uniffi/generated)
# OUT/kotlin/ai/jiga/sdk/{jiga_uniffi.kt,JigaFlows.kt}, OUT/swift/{JigaSDK.swift,
# JigaSDKFFI.h,JigaSDKFFI.modulemap}; prints the library's path last (`lib=...`).
# Builds libjiga_uniffi.so (release) and uniffi-bindgen (its own workspace, bindgen/) when
# they are stale; set JIGA_UNIFFI_NO_BUILD=1 when the caller built the library already.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$here/generated}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/jiga-target}"
lib="$CARGO_TARGET_DIR/release/libjiga_uniffi.so"
bindgen="$CARGO_TARGET_DIR/release/uniffi-bindgen"
if [ "${JIGA_UNIFFI_NO_BUILD:-0}" != 1 ]; then
  (cd "$root" && cargo build --release --locked -q -p jiga-uniffi)
fi
(cd "$here/bindgen" && cargo build --release --locked -q)
rm -rf "$out/kotlin" "$out/swift"
mkdir -p "$out/kotlin" "$out/swift"
# --metadata-no-deps: the crate's uniffi.toml is found through the workspace's own metadata;
# its dependencies export nothing.
(cd "$root" && "$bindgen" generate --metadata-no-deps --no-format --language kotlin \
  -o "$out/kotlin" "$lib" >/dev/null)
(cd "$root" && "$bindgen" generate --metadata-no-deps --no-format --language swift \
  -o "$out/swift" "$lib" >/dev/null)
cp "$here/kotlin/ai/jiga/sdk/JigaFlows.kt" "$out/kotlin/ai/jiga/sdk/"
test -s "$out/kotlin/ai/jiga/sdk/jiga_uniffi.kt"
test -s "$out/swift/JigaSDK.swift"
echo "lib=$lib"
