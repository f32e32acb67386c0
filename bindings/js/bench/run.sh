#!/usr/bin/env bash
# The JS package's benchmarks (not a test): the gzipped size of the wasm module plus its JS
# glue next to @heroiclabs/nakama-js bundled with esbuild --minify and gzipped; and events per
# second reaching JS code through `for await` on the replay of one finished session, next to a
# plain WebSocket + JSON.parse reader of the same replay, in Node (ws) and in Chromium. Same
# run, same server, same session.
# Usage: bindings/js/bench/run.sh   (JIGA_BENCH_EVENTS, default 30000; JIGA_BENCH_RUNS, default 3)
# Expects bindings/js/build.sh to have built pkg/ and jiga-server in "$CARGO_TARGET_DIR/release".
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/jiga-target}"
events="${JIGA_BENCH_EVENTS:-30000}"
runs="${JIGA_BENCH_RUNS:-3}"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

gz() { cat "$@" | gzip -9 | wc -c; }
ours=$(gz pkg/jiga_js_bg.wasm pkg/jiga_js.js pkg/snippets/*/*.js js/index.js js/errors.js)
raw=$(cat pkg/jiga_js_bg.wasm pkg/jiga_js.js pkg/snippets/*/*.js js/index.js js/errors.js | wc -c)
node_modules/.bin/esbuild --bundle --minify --format=esm --log-level=warning \
  node_modules/@heroiclabs/nakama-js/dist/nakama-js.esm.mjs --outfile="$work/nakama.min.js"
nakama=$(gz "$work/nakama.min.js")
echo "size: @jiga/sdk wasm + glue ${raw} B raw, ${ours} B gzip -9 (target <= 153600)"
echo "size: @heroiclabs/nakama-js 2.8.0, esbuild --minify: $(wc -c <"$work/nakama.min.js") B raw, ${nakama} B gzip -9"

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
"$CARGO_TARGET_DIR/release/jiga-server" --bind 127.0.0.1:0 --db "sqlite://$work/bench.db" \
  --rate-limit-anonymous 0 --rate-limit-authenticated 0 --cors-origin "http://127.0.0.1:$port" \
  >"$work/server.log" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 100); do
  url=$(sed -n 's/^jiga-server listening on \(http:\/\/[^ ]*\).*/\1/p' "$work/server.log" | head -1)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/server.log" >&2; exit 1; }

echo "recording a finished session of at least $events events..."
rec=$(node bench/node.mjs record "$url" "$events")
sid=$(node -e 'console.log(JSON.parse(process.argv[1]).session)' "$rec")
tokens=$(node -e 'console.log(JSON.stringify(JSON.parse(process.argv[1]).tokens))' "$rec")
n=$(node -e 'console.log(JSON.parse(process.argv[1]).total)' "$rec")
nodeout=$(node bench/node.mjs read "$url" "$sid" "$tokens" "$runs")
chrome=$(node bench/node.mjs chromium "$url" "$sid" "$tokens" "$runs" "$port")
field() { node -e 'console.log(Math.round(JSON.parse(process.argv[1])[process.argv[2]]))' "$1" "$2"; }
echo "replay of a finished session of $n events, best of $runs runs each"
printf '%-52s %10s ev/s\n' "Node 20: for await (client.sessionEvents(id))" "$(field "$nodeout" sdk)"
printf '%-52s %10s ev/s\n' "Node 20: ws + JSON.parse" "$(field "$nodeout" plain)"
printf '%-52s %10s ev/s\n' "Chromium: for await (client.sessionEvents(id))" "$(field "$chrome" sdk)"
printf '%-52s %10s ev/s\n' "Chromium: WebSocket + JSON.parse" "$(field "$chrome" plain)"
