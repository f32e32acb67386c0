#!/usr/bin/env bash
# Installs, in one pass, what the test suites need from the network: every Debian package (one
# `apt-get update`, one `apt-get install` of what is missing), the Python venvs (the channel
# tests' pyarrow and aiosmtpd, maturin, the Dockerfile's parser), and the npm packages (the JS
# package's devDeps, kotlinc). Idempotent: on a warm machine it finds everything and does
# nothing.
#
# scripts/test.sh starts it in the background while clippy compiles, since it waits on the
# network and the disk rather than on the CPU; each suite's runner still checks for what it
# uses, so every runner also works on its own.
# Usage: scripts/install-deps.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages, by what needs them. Node.js (with its npm) and a JDK count as present
# whatever installed them: this machine's Node 20 is NodeSource's, which Debian's npm package
# conflicts with.
packages=(
  # the wasm32 builds (Debian's rustc-web with its std sources, and lld)
  rustc-web cargo-web rust-web-src lld-22
  # python3 -m venv for the Python package and the channel tests; curl for the runners
  python3-venv curl
  # the C ABI's tests and fuzzing
  valgrind gcc g++ make libc6-dev pkg-config
  # the Unity package's C# under Mono
  mono-mcs mono-runtime nunit-console libnunit-cil-dev libnewtonsoft-json-cil-dev
  # the JS package's headless Chromium
  chromium chromium-driver
  # the uniffi bindings' Kotlin on the JVM
  libjna-java
  # the deployment files' checks (promtool, nginx -t)
  prometheus nginx-light
)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
command -v javac >/dev/null || missing+=(openjdk-17-jdk-headless)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "apt: installing ${missing[*]}"
  $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python: the channel tests' venv, and the Python package's build tools.
export PIP_CACHE_DIR="${PIP_CACHE_DIR:-/var/tmp/jiga-pip-cache}"
channels_venv=/var/tmp/jiga-channels-venv
if ! "$channels_venv/bin/python" -c 'import pyarrow, aiosmtpd' 2>/dev/null; then
  rm -rf "$channels_venv"
  python3 -m venv "$channels_venv"
  "$channels_venv/bin/pip" install -q 'pyarrow>=17,<23' 'aiosmtpd>=1.4,<2'
fi
tools="${JIGA_PY_TOOLS:-/var/tmp/jiga-py-tools}"
if [ ! -x "$tools/bin/maturin" ] || ! "$tools/bin/maturin" --version | grep -q '^maturin 1\.'; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install -q 'maturin>=1.16,<2'
fi

# The Dockerfile's parser (BuildKit's, from PyPI), for deploy/check.sh.
deploy_venv=/var/tmp/jiga-deploy-venv
if ! "$deploy_venv/bin/python" -c 'import dockerfile' 2>/dev/null; then
  rm -rf "$deploy_venv"
  python3 -m venv "$deploy_venv"
  "$deploy_venv/bin/pip" install -q 'dockerfile>=3.3,<4'
fi

# npm: the JS package's devDeps (as bindings/js/tests/run.sh installs them), and kotlinc.
js=bindings/js
if ! cmp -s "$js/package-lock.json" "$js/node_modules/.jiga-installed-lock" 2>/dev/null; then
  (cd "$js" && npm ci --cache /var/tmp/jiga-npm-cache --no-audit --no-fund --loglevel=error)
  cp "$js/package-lock.json" "$js/node_modules/.jiga-installed-lock"
fi
# shellcheck source=../bindings/uniffi/scripts/kotlin-env.sh
source bindings/uniffi/scripts/kotlin-env.sh
jiga_kotlin_tools
echo "install-deps: done"
