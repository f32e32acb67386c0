#!/usr/bin/env bash
# Builds the package's wasm module and its glue into pkg/: the crate for wasm32 with Debian's
# rustc-web and -Zbuild-std (shared/notes/toolchains.md), panics as immediate aborts (no
# panic messages in the module), wasm-bindgen 0.2.130 (the crate's pinned version), then
# wasm-opt -Oz from npm's binaryen (Debian's is too old). Expects `npm ci` to have run.
# Usage: bindings/js/build.sh   (JIGA_HEAVY_LOCK=file: run cargo under flock on it)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
export PATH="$HOME/.local/wasm-tools/bin:$PATH"
target="${JIGA_WASM_TARGET_DIR:-${CARGO_TARGET_DIR:-/var/tmp/jiga-target}-wasm}"
lock() { if [ -n "${JIGA_HEAVY_LOCK:-}" ]; then flock "$JIGA_HEAVY_LOCK" "$@"; else "$@"; fi; }
RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" CARGO_TARGET_DIR="$target" \
  lock cargo +deb-web build --locked -p jiga-js --profile wasm --target wasm32-unknown-unknown \
  -Zbuild-std=std,panic_abort --config 'target.wasm32-unknown-unknown.linker="wasm-ld-22"'
rm -rf pkg
wasm-bindgen --target web --out-dir pkg "$target/wasm32-unknown-unknown/wasm/jiga_js.wasm"
node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers --enable-reference-types \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals pkg/jiga_js_bg.wasm -o pkg/jiga_js_bg.wasm
echo "pkg/jiga_js_bg.wasm: $(wc -c <pkg/jiga_js_bg.wasm) bytes"
