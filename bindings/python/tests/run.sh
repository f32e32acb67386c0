#!/usr/bin/env bash
# The Python package's checks, as a user meets it: builds the abi3 wheel and the jiga-server
# wheel with maturin, installs both into a fresh venv, checks that models.py is what the
# server's OpenAPI document generates, runs mypy.stubtest (the stubs against the native
# module), mypy over the tests and the example, then pytest against real servers. Prints pytest's summary line.
# Usage: bindings/python/tests/run.sh
# Expects jiga-server and jiga-faultproxy built in "$CARGO_TARGET_DIR/release".
set -euo pipefail
cd "$(dirname "$0")/../../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/jiga-target}"
target="$CARGO_TARGET_DIR/release"
work="$(mktemp -d)"
source scripts/test-servers.sh
cleanup() {
  jiga_test_servers_stop "$work"
  rm -rf "$work"
}
trap cleanup EXIT

# Build tools live in a venv of their own under /var/tmp (reused between runs); pip's
# downloads are cached there too.
tools="${JIGA_PY_TOOLS:-/var/tmp/jiga-py-tools}"
export PIP_CACHE_DIR="${PIP_CACHE_DIR:-/var/tmp/jiga-pip-cache}"
if [ ! -x "$tools/bin/maturin" ] || ! "$tools/bin/maturin" --version | grep -q '^maturin 1\.'; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install -q 'maturin>=1.16,<2'
fi
# Two wheels, as a user installs them: the package, and the reference server (a binary wheel)
# that jiga.testing starts.
wheels="$work/wheels"
"$tools/bin/maturin" build --release --strip --quiet -m bindings/python/Cargo.toml -o "$wheels"
"$tools/bin/maturin" build --release --strip --quiet -m server-stub/Cargo.toml -o "$wheels"

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$wheels"/jiga-*.whl "$wheels"/jiga_server-*.whl pytest mypy

jiga_test_servers "$work" "$target"

# The models are the server's OpenAPI document, generated; the checked-in file must match.
curl -sf "$JIGA_TEST_URL/v1/openapi.json" -o "$work/openapi.json"
python3 bindings/python/scripts/gen_models.py "$work/openapi.json" "$work/models.py"
if ! diff -u bindings/python/python/jiga/models.py "$work/models.py"; then
  echo "bindings/python/python/jiga/models.py is stale: run scripts/gen_models.py" >&2
  exit 1
fi

# The stubs against the installed native module, then the tests and the example against them.
(cd "$work" && venv/bin/python -m mypy.stubtest jiga._jiga)
"$work/venv/bin/python" -m mypy --strict --no-incremental --cache-dir "$work/mypy-cache" \
  --allow-untyped-defs --allow-untyped-calls bindings/python/tests examples/python

cd bindings/python/tests
"$work/venv/bin/python" -m pytest -q -p no:cacheprovider . 2>&1 | tee "$work/pytest.log"
