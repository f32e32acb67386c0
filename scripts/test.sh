#!/usr/bin/env bash
# Runs every check and test of the repository. Idempotent; installs what it needs.
# Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Compiled dependencies are reused between runs from outside the clone (a fresh machine
# simply starts with an empty directory).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/jiga-target}"
export CARGO_TERM_COLOR=never
export RUST_BACKTRACE=1

# Each step is printed with the seconds since the start; the last lines list every step's time.
timings=()
step_name=""
step_start=$SECONDS
step() {
  if [ -n "$step_name" ]; then timings+=("$(printf '%5ss  %s' $((SECONDS - step_start)) "$step_name")"); fi
  step_name="$*"
  step_start=$SECONDS
  printf '\n==> [%ss] %s\n' "$SECONDS" "$*"
}

step "toolchain"
cargo --version
rustup component list --installed 2>/dev/null | grep -E 'clippy|rustfmt' || true

# The sans-I/O layer of jiga-core must build for the browser. rustup cannot add targets here,
# so std for wasm32 comes from Debian's rustc-web sources (shared/notes/toolchains.md).
install_wasm_toolchain() {
  wait_for_deps
  rustup toolchain link deb-web /usr
}

# Everything fetched from the network (Debian packages, Python venvs, npm packages) is
# installed in the background while the format, clippy and doc steps keep the CPU busy; the
# first step that needs any of it waits for it.
scripts/install-deps.sh > /tmp/jiga-install-deps.log 2>&1 &
deps_pid=$!
wait_for_deps() {
  if [ -n "${deps_pid:-}" ]; then
    if ! wait "$deps_pid"; then
      cat /tmp/jiga-install-deps.log >&2
      echo "scripts/install-deps.sh failed" >&2
      exit 1
    fi
    deps_pid=""
    tail -3 /tmp/jiga-install-deps.log
  fi
}

step "format"
cargo fmt --all -- --check

step "clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

# The portable client alone (no native transports), as the wasm binding builds it.
cargo clippy -p jiga-core --no-default-features --features client --locked -- -D warnings
# The core with `otel` (traceparent on every request), which no workspace member turns on.
cargo clippy -p jiga-core --features otel --all-targets --locked -- -D warnings

step "docs (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

step "jiga-core builds for wasm32-unknown-unknown: the sans-I/O layer, and the portable client"
install_wasm_toolchain
wasm_build() {
  RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="${CARGO_TARGET_DIR}-wasm" cargo +deb-web build --locked \
    -p jiga-core --no-default-features "$@" --target wasm32-unknown-unknown \
    -Zbuild-std=std,panic_abort --config 'target.wasm32-unknown-unknown.linker="wasm-ld-22"'
}
wasm_build
wasm_build --features client
# The portable client must not pull a native transport in.
if RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="${CARGO_TARGET_DIR}-wasm" cargo +deb-web tree --locked \
  -p jiga-core --no-default-features --features client --target wasm32-unknown-unknown -e normal \
  | grep -E 'reqwest|tungstenite|mio '; then
  echo "the client feature depends on a native transport" >&2
  exit 1
fi

step "tests"
# The server's channel tests need Python: pyarrow reads the analytics Parquet files back (an
# independent reader), aiosmtpd is the real SMTP server the email tests send to (a venv of its
# own under /var/tmp, reused between runs).
wait_for_deps
channels_venv=/var/tmp/jiga-channels-venv
export JIGA_CHANNELS_PYTHON="$channels_venv/bin/python"
cargo test --workspace --locked --release 2>&1 | tee /tmp/jiga-test.log
# The core's `otel` feature is off in the workspace run: its test, on its own.
cargo test -p jiga-core --features otel --test integration --locked --release otel 2>&1 \
  | tee -a /tmp/jiga-test.log
# A plain summary line for CI readers.
passed=$(grep -Eo 'test result: ok\. [0-9]+ passed' /tmp/jiga-test.log | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' /tmp/jiga-test.log | awk '{s+=$1} END {print s+0}')
echo "cargo: ${passed} passed, ${failed} failed"

# The deployment files (deploy/): the alert rules with promtool, and their unit tests; the
# nginx configuration with nginx -t; the Dockerfile with BuildKit's parser.
step "deployment files: promtool, nginx -t, the Dockerfile parsed"
deploy/check.sh 2>&1 | tee /tmp/jiga-deploy.log
grep -E '^[0-9]+ passed, [0-9]+ failed$' /tmp/jiga-deploy.log | sed 's/^/deploy: /'

# The C ABI (ffi/): its generated header must be checked in up to date, and its C tests run
# under valgrind memcheck against the real server (ffi/tests/c/run.sh).
export PATH="$HOME/.cargo/bin:$PATH"
step "C ABI: ffi/include/jiga.h is what cbindgen generates"
if ! cbindgen --version 2>/dev/null | grep -q '^cbindgen 0\.29\.'; then
  cargo install cbindgen --version '^0.29' --locked
fi
cbindgen --quiet --config ffi/cbindgen.toml --crate jiga-ffi --output ffi/include/jiga.h ffi
git diff --exit-code ffi/include/jiga.h

step "C ABI: C tests under valgrind against the real server"
cargo build --release --locked -p jiga-ffi -p jiga-server -p jiga-testkit
ffi/tests/c/run.sh 2>&1 | tee /tmp/jiga-ffi-c.log
grep -E '^[0-9]+ passed, [0-9]+ failed$' /tmp/jiga-ffi-c.log | sed 's/^/C ABI: /'
make -s -C examples/c CARGO_TARGET_DIR="$CARGO_TARGET_DIR" hire_stream
# Installed with its pkg-config file, the library builds the example from pkg-config alone.
pc_prefix="$(mktemp -d)"
make -s -C examples/c CARGO_TARGET_DIR="$CARGO_TARGET_DIR" install PREFIX="$pc_prefix"
PKG_CONFIG_PATH="$pc_prefix/lib/pkgconfig" make -s -C examples/c hire_stream_pc
rm -rf "$pc_prefix" examples/c/hire_stream examples/c/hire_stream_pc

step "C ABI: fuzzing random JSON and call sequences (cargo-fuzz, AddressSanitizer, 30 s)"
if ! cargo fuzz --version 2>/dev/null | grep -q '^cargo-fuzz 0\.13\.'; then
  cargo install cargo-fuzz --version '^0.13' --locked
fi
fuzz_corpus="${CARGO_TARGET_DIR}-fuzz-corpus"
mkdir -p "$fuzz_corpus"
(cd ffi/fuzz && CARGO_TARGET_DIR="${CARGO_TARGET_DIR}-fuzz" cargo +nightly fuzz run abi_calls \
  "$fuzz_corpus" -- -max_total_time=30 -rss_limit_mb=4096 2>&1 | tail -3)
echo "fuzz: abi_calls ran 30 s without a crash"

# The Unity package (bindings/unity/): its P/Invoke layer must be checked in as csbindgen
# generates it (ffi/build.rs rewrote it during the builds above if it was stale), and its C#
# compiles with Mono's mcs and passes its NUnit tests under Mono against the real server.
step "Unity package: Runtime/Native/NativeMethods.g.cs is what csbindgen generates"
git diff --exit-code bindings/unity/Runtime/Native/NativeMethods.g.cs

step "Unity package: C# tests under Mono against the real server"
bindings/unity/Tests/run.sh 2>&1 | tee /tmp/jiga-unity-cs.log
grep -E '^[0-9]+ passed, [0-9]+ failed$' /tmp/jiga-unity-cs.log | sed 's/^/C#: /'

# The Python package (bindings/python/): the wheel built with maturin and installed into a
# fresh venv, models.py checked against the server's OpenAPI document, the stubs checked with
# mypy.stubtest, mypy over the tests and the example, and pytest against the real servers.
step "Python package: wheel, stubtest, mypy and pytest against the real server"
bindings/python/tests/run.sh 2>&1 | tee /tmp/jiga-python.log
grep -E '^[0-9]+ (passed|failed)' /tmp/jiga-python.log | tail -1 | sed 's/^/Python: /'

# The JS package (bindings/js/): jiga-core compiled to wasm32 with wasm-bindgen (Debian's
# rustc-web, -Zbuild-std), wasm-opt -Oz, the Node suite with ws and the Chromium suite with
# playwright-core against the real servers, the demo page screenshotted, tsc over the
# declarations and a typed usage example.
step "JS package: wasm build, Node and Chromium suites against the real server, tsc"
bindings/js/tests/run.sh 2>&1 | tee /tmp/jiga-js.log
grep -E '^[0-9]+ passed, [0-9]+ failed$' /tmp/jiga-js.log | tail -1 | sed 's/^/JS: /'

# The uniffi bindings (bindings/uniffi/): libjiga_uniffi.so, the Kotlin and Swift sources
# generated from it (the Swift only generated: no Swift compiler here), the Kotlin SDK and
# tests compiled with kotlinc (npm kotlin-compiler) and run on the JVM (JNA from Debian)
# against the real servers.
step "uniffi bindings: Kotlin and Swift generated, Kotlin tests on the JVM against the real server"
bindings/uniffi/tests/run.sh 2>&1 | tee /tmp/jiga-kotlin.log
grep -E '^Kotlin: [0-9]+ passed, [0-9]+ failed$' /tmp/jiga-kotlin.log | tail -1

step "done"
printf '\nstep times (%ss in all):\n' "$SECONDS"
printf '%s\n' "${timings[@]}"
