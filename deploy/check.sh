#!/usr/bin/env bash
# Checks every deployment file with a tool that parses it: the Prometheus alert rules with
# promtool (`check rules`, and `test rules` over their unit tests), the nginx configuration
# with `nginx -t`, the Dockerfile with BuildKit's parser (PyPI `dockerfile`). Installs what
# it needs (scripts/install-deps.sh installs the same in the background of the test command).
# Prints `N passed, N failed`.
# Usage: deploy/check.sh
set -uo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
if ! command -v promtool >/dev/null || ! command -v nginx >/dev/null; then
  $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
    --no-install-recommends prometheus nginx-light >/dev/null
fi
venv=/var/tmp/jiga-deploy-venv
if ! "$venv/bin/python" -c 'import dockerfile' 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  PIP_CACHE_DIR=/var/tmp/jiga-pip-cache "$venv/bin/pip" install -q 'dockerfile>=3.3,<4'
fi

passed=0
failed=0
check() {
  local name="$1"
  shift
  if out="$("$@" 2>&1)"; then
    passed=$((passed + 1))
    echo "ok   $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name"
    echo "$out" | sed 's/^/     /'
  fi
}

check "prometheus: alerts.yml parses (promtool check rules)" \
  promtool check rules prometheus/alerts.yml
check "prometheus: each alert fires when it must and not before (promtool test rules)" \
  promtool test rules prometheus/alerts_test.yml
# nginx -t with the configuration's own paths; its pid and temp files in a scratch prefix.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
check "nginx: jiga.conf (nginx -t)" \
  nginx -t -q -p "$scratch" -c "$PWD/nginx/jiga.conf" -g "pid $scratch/nginx.pid;"
check "Dockerfile: parses, and its final stage runs jiga-server as a non-root user" \
  "$venv/bin/python" - Dockerfile <<'PY'
import sys, dockerfile
cmds = dockerfile.parse_file(sys.argv[1])
stages = [c for c in cmds if c.cmd == "FROM"]
assert len(stages) == 2, f"two stages expected, got {len(stages)}"
last = cmds[[i for i, c in enumerate(cmds) if c.cmd == "FROM"][-1]:]
by = {c.cmd: c for c in last}
assert by["USER"].value[0].split(":")[0] != "0", "the server must not run as root"
assert by["ENTRYPOINT"].value == ("/usr/local/bin/jiga-server",), by["ENTRYPOINT"].value
assert any(c.cmd == "COPY" and "--from=build" in c.flags for c in last), "binary copied from the build stage"
PY

echo "${passed} passed, ${failed} failed"
[ "$failed" = 0 ]
