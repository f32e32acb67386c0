#!/usr/bin/env bash
# The JS package's checks, as a web developer meets it: installs the toolchain it needs
# (rustc-web with its std sources, lld, chromium, wasm-bindgen-cli 0.2.130, the npm devDeps
# from package-lock.json), builds the wasm module and its glue once (build.sh), runs the glue's
# #[wasm_bindgen_test]s in Node and Chromium, then the
# Node suite (node:test, `ws`), the Chromium suite (playwright-core driving Debian's chromium,
# the demo page included), and tsc --noEmit over the declarations and a typed usage example,
# against the real servers scripts/test-servers.sh starts. Prints `N passed, N failed`.
# Usage: bindings/js/tests/run.sh   (JIGA_HEAVY_LOCK=file: cargo runs under flock on it)
# Expects jiga-server and jiga-faultproxy built in "$CARGO_TARGET_DIR/release".
set -euo pipefail
cd "$(dirname "$0")/../../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/jiga-target}"
target="$CARGO_TARGET_DIR/release"
js=bindings/js
work="$(mktemp -d)"
source scripts/test-servers.sh
cleanup() {
  jiga_test_servers_stop "$work"
  rm -rf "$work"
}
trap cleanup EXIT

lock() { if [ -n "${JIGA_HEAVY_LOCK:-}" ]; then flock "$JIGA_HEAVY_LOCK" "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
missing=""
for p in rustc-web cargo-web rust-web-src lld-22 chromium chromium-driver; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
  # shellcheck disable=SC2086
  $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $missing
fi
rustup toolchain link deb-web /usr
export PATH="$HOME/.local/wasm-tools/bin:$PATH"
if ! wasm-bindgen --version 2>/dev/null | grep -q '^wasm-bindgen 0\.2\.130$'; then
  lock cargo +stable install wasm-bindgen-cli --version =0.2.130 --root "$HOME/.local/wasm-tools"
fi
# npm ci only when package-lock.json changed since the last install.
if ! cmp -s "$js/package-lock.json" "$js/node_modules/.jiga-installed-lock" 2>/dev/null; then
  (cd "$js" && lock npm ci --cache /var/tmp/jiga-npm-cache --no-audit --no-fund --loglevel=error)
  cp "$js/package-lock.json" "$js/node_modules/.jiga-installed-lock"
fi

export JIGA_WASM_TARGET_DIR="${JIGA_WASM_TARGET_DIR:-${CARGO_TARGET_DIR}-js-wasm}"
"$js/build.sh"

# The glue's #[wasm_bindgen_test]s, in Node and in headless Chromium (webdriver.json's flags).
glue() {
  RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$JIGA_WASM_TARGET_DIR" \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    lock cargo +deb-web test --locked -p jiga-js --lib --target wasm32-unknown-unknown \
    -Zbuild-std=std,panic_abort --config 'target.wasm32-unknown-unknown.linker="wasm-ld-22"'
}
status=0
glue 2>&1 | tee "$work/glue-node.log" || status=1
WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver glue 2>&1 | tee "$work/glue-chromium.log" || status=1

# The browser suite's pages are served from this origin, which the main server allows.
JIGA_STATIC_PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
export JIGA_STATIC_PORT JIGA_TEST_CORS_ORIGIN="http://127.0.0.1:$JIGA_STATIC_PORT"
jiga_test_servers "$work" "$target"

# The models' declarations are the server's OpenAPI document, generated; the checked-in file
# must match.
curl -sf "$JIGA_TEST_URL/v1/openapi.json" -o "$work/openapi.json"
node "$js/scripts/gen_types.mjs" "$work/openapi.json" "$work/models.d.ts"
if ! diff -u "$js/js/models.d.ts" "$work/models.d.ts"; then
  echo "bindings/js/js/models.d.ts is stale: run scripts/gen_types.mjs" >&2
  exit 1
fi

node --test --test-timeout=240000 "$js"/tests/node/ 2>&1 | tee "$work/node.log" || status=1
node "$js/tests/browser/run.mjs" 2>&1 | tee "$work/chromium.log" || status=1
if (cd "$js" && node_modules/.bin/tsc -p tests/types/tsconfig.json) 2>&1 | tee "$work/tsc.log"; then
  echo "ok - tsc --noEmit over js/index.d.ts and tests/types/usage.ts"; tsc_pass=1; tsc_fail=0
else
  echo "not ok - tsc --noEmit"; tsc_pass=0; tsc_fail=1; status=1
fi

count() { grep -E "^# $1 [0-9]+$" "$2" | awk '{s+=$3} END {print s+0}'; }
glue_count() { grep -Eo "[0-9]+ $1" "$work"/glue-*.log | awk -F: '{split($2,a," "); s+=a[1]} END {print s+0}'; }
passed=$(( $(count pass "$work/node.log") + $(count pass "$work/chromium.log") + tsc_pass + $(glue_count passed) ))
failed=$(( $(count fail "$work/node.log") + $(count fail "$work/chromium.log") + tsc_fail + $(glue_count failed) ))
if [ "$status" != 0 ] && [ "$failed" = 0 ]; then failed=1; fi
echo "${passed} passed, ${failed} failed"
exit "$status"
