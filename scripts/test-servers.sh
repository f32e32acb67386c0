# Sourced by every binding's test runner (ffi/tests/c, bindings/unity/Tests,
# bindings/python/tests, bindings/js/tests): starts the real servers and fault proxies the flows need, on
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

_jiga_server() { # work, target, name, [--db URL], flags... (in memory unless --db comes first)
  local work="$1" target="$2" name="$3" db="sqlite::memory:"; shift 3
  if [ "${1:-}" = --db ]; then db="$2"; shift 2; fi
  "$target/jiga-server" --bind 127.0.0.1:0 --db "$db" "$@" >"$work/$name.log" 2>&1 &
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
  # A browser suite sets JIGA_TEST_CORS_ORIGIN to the origin of its test pages. Webhooks may
  # target loopback, where each suite's own receiver listens (the webhook flow).
  JIGA_TEST_URL=$(_jiga_server "$work" "$target" main --seed-demo --rate-limit-anonymous 5000 \
    --allow-private-webhooks \
    ${JIGA_TEST_CORS_ORIGIN:+--cors-origin "$JIGA_TEST_CORS_ORIGIN"})
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

# For the benchmarks (bindings/*/bench/run.sh): one server on a file database with rate limits
# off, and one finished session of at least EVENTS events recorded on it by a fast agent
# (examples/replay_fixture.rs), to be replayed by every reader of a run. Exports
# JIGA_BENCH_URL, JIGA_BENCH_SESSION, JIGA_BENCH_DEVICE (the hirer's device id) and
# JIGA_BENCH_EVENTS (the session's event count). Stop it with jiga_test_servers_stop WORK.
jiga_replay_fixture() { # work, target, events
  local work="$1" target="$2" rec
  JIGA_BENCH_URL=$(_jiga_server "$work" "$target" bench --db "sqlite://$work/bench.db" \
    --rate-limit-anonymous 0 --rate-limit-authenticated 0)
  echo "recording a finished session of at least $3 events..."
  rec=$("$target/replay-fixture" record "$JIGA_BENCH_URL" "$3")
  JIGA_BENCH_EVENTS=$(sed -n 's/^events=//p' <<<"$rec")
  JIGA_BENCH_SESSION=$(sed -n 's/^session=//p' <<<"$rec")
  JIGA_BENCH_DEVICE=$(sed -n 's/^hirer_device=//p' <<<"$rec")
  export JIGA_BENCH_URL JIGA_BENCH_SESSION JIGA_BENCH_DEVICE JIGA_BENCH_EVENTS
}
