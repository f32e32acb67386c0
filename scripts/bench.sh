#!/usr/bin/env bash
# Runs the server benchmarks, each with its baseline in the same run. Takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/jiga-target}"
# The ledger benchmark measures fsync: keep its files on the real disk, not a tmpfs.
export JIGA_BENCH_DIR="${JIGA_BENCH_DIR:-/var/tmp}"
for b in ledger fanout idle search; do
  echo "== $b"
  cargo bench -q -p jiga-server --bench "$b"
done
# Search as the catalogue grows: the same query mix at ten times the listings.
echo "== search at 100,000 listings"
JIGA_BENCH_LISTINGS=100000 cargo bench -q -p jiga-server --bench search
# The marketplace answer cache and the core's validators: latency with the cache off and
# on, and the share of a demo-bot workload answered 304.
echo "== marketplace_cache"
cargo bench -q -p jiga-core --bench marketplace_cache
