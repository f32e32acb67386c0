# Sourced by every binding's test runner (ffi/tests/c, bindings/unity/Tests,
# bindings/python/tests): starts the real servers and fault proxies the flows need, on
# loopback, and exports their URLs. Usage:
#   source scripts/test-servers.sh
#   jiga_test_servers "$work" "$target"     # $target: where jiga-server, jiga-faultproxy are
#   ...                                     # JIGA_TEST_URL* set
#   jiga_test_servers_stop "$work"          # (in the runner's EXIT trap)

_jiga_wait_url() { # log, banner; prints the URL the process announced
  local url=""
  for _ in $(seq 1 100); do
    url=$(sed -n "s/^$2 listening on \\(http:\\/\\/[^ ]*\\).*/\\1/p" "$1" | head -1)
    [ -n "$url" ] && break
    sleep 0.1
  done
  if [ -z "$url" ]; then cat "$1" >&2; echo "$1: did not start" >&2; return 1; fi
  echo "$url"
}

_jiga_server() { # work, target, name, flags...
  local work="$1" target="$2" name="$3"; shift 3
  "$target/jiga-server" --bind 127.0.0.1:0 --db sqlite::memory: "$@" >"$work/$name.log" 2>&1 &
  echo $! >>"$work/pids"
  _jiga_wait_url "$work/$name.log" jiga-server
}

_jiga_proxy() { # work, target, name, flags...
  local work="$1" target="$2" name="$3"; shift 3
  "$target/jiga-faultproxy" --upstream "${JIGA_TEST_URL#http://}" "$@" >"$work/$name.log" 2>&1 &
  echo $! >>"$work/pids"
  _jiga_wait_url "$work/$name.log" jiga-faultproxy
}

jiga_test_servers() { # work, target
  local work="$1" target="$2"
  # Suites sign in often from one address: the main servers' anonymous limit is raised (the
  # limited server is where rate limiting is tested).
  JIGA_TEST_URL=$(_jiga_server "$work" "$target" main --seed-demo --rate-limit-anonymous 5000)
  JIGA_TEST_URL_SHORT_TTL=$(_jiga_server "$work" "$target" short-ttl --access-token-ttl 2 \
    --rate-limit-anonymous 5000)
  JIGA_TEST_URL_LIMITED=$(_jiga_server "$work" "$target" limited --rate-limit-anonymous 3)
  # jiga-testkit's proxies in front of the main server: one cuts every connection after a few
  # hundred bytes (resume), one drops the first answer to a hire (idempotent retry).
  JIGA_TEST_CHOP_STATS="$work/cuts"
  JIGA_TEST_URL_CHOP=$(_jiga_proxy "$work" "$target" chop --chop 300..1500 --stats "$JIGA_TEST_CHOP_STATS")
  JIGA_TEST_URL_DROP=$(_jiga_proxy "$work" "$target" drop --drop-first-response "POST /v1/hires")
  export JIGA_TEST_URL JIGA_TEST_URL_SHORT_TTL JIGA_TEST_URL_LIMITED JIGA_TEST_CHOP_STATS \
    JIGA_TEST_URL_CHOP JIGA_TEST_URL_DROP
}

jiga_test_servers_stop() { # work
  if [ -f "$1/pids" ]; then
    while read -r p; do kill "$p" 2>/dev/null || true; done <"$1/pids"
    while read -r p; do wait "$p" 2>/dev/null || true; done <"$1/pids"
  fi
}
