#!/usr/bin/env bash
# The web demo in one command: builds the package if needed, starts jiga-server with the demo
# store on 127.0.0.1:3000 (allowing this page's origin) and serves the page on :8080.
# Run with: examples/web/serve.sh   then open http://127.0.0.1:8080/examples/web/
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/jiga-target}"
[ -d bindings/js/node_modules ] || (cd bindings/js && npm ci --cache /var/tmp/jiga-npm-cache)
[ -f bindings/js/pkg/jiga_js_bg.wasm ] || bindings/js/build.sh
cargo build --release --locked -p jiga-server
"$CARGO_TARGET_DIR/release/jiga-server" --bind 127.0.0.1:3000 --db sqlite::memory: --seed-demo \
  --cors-origin http://127.0.0.1:8080 &
server=$!
trap 'kill $server' EXIT
echo "open http://127.0.0.1:8080/examples/web/"
node bindings/js/tests/browser/serve.mjs 8080 "$PWD"
