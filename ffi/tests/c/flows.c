/*
 * The C ABI's tests: the binding flows (shared/notes/binding-flows.md) and misuse, against
 * the real jiga-server. Run by ffi/tests/c/run.sh (which starts the server and runs this
 * under valgrind); the server's URL comes from JIGA_TEST_URL.
 *
 * Prints one line per test and a final "N passed, N failed"; exits non-zero on a failure.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "jiga.h"

static const char *URL;
static char fail_msg[512];

#define CHECK(cond, ...)                                                        \
  do {                                                                          \
    if (!(cond)) {                                                              \
      snprintf(fail_msg, sizeof fail_msg, "%s:%d: %s", __FILE__, __LINE__, #cond); \
      fprintf(stderr, "  " __VA_ARGS__);                                        \
      fprintf(stderr, "\n");                                                    \
      return 1;                                                                 \
    }                                                                           \
  } while (0)

#define OK(call) CHECK((call) == JIGA_OK, "%s: %s", #call, last_error())

static const char *last_error(void) {
  const char *m = jiga_last_error_message();
  return m ? m : "(none)";
}

/* ---- tiny JSON readers: enough for the contract's flat fields ---- */

/* Copies the string value of the first "key":"…" at or after `from` into buf. */
static int json_str(const char *from, const char *key, char *buf, size_t n) {
  char pat[128];
  snprintf(pat, sizeof pat, "\"%s\":\"", key);
  const char *p = from ? strstr(from, pat) : NULL;
  if (!p) return 0;
  p += strlen(pat);
  size_t i = 0;
  while (*p && *p != '"' && i + 1 < n) buf[i++] = *p++;
  buf[i] = 0;
  return 1;
}

/* The integer value of the first "key":N at or after `from`; `dflt` when absent. */
static long long json_int(const char *from, const char *key, long long dflt) {
  char pat[128];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *p = from ? strstr(from, pat) : NULL;
  if (!p) return dflt;
  return strtoll(p + strlen(pat), NULL, 10);
}

static int count(const char *hay, const char *needle) {
  int n = 0;
  for (const char *p = hay; p && (p = strstr(p, needle)); p += strlen(needle)) n++;
  return n;
}

/* ---- driving the queue ---- */

static uint64_t new_client(const char *extra) {
  char opts[4096];
  snprintf(opts, sizeof opts, "{\"baseUrl\":\"%s\"%s%s}", URL, extra ? "," : "",
           extra ? extra : "");
  uint64_t c = 0;
  if (jiga_client_new(opts, &c) != JIGA_OK) {
    fprintf(stderr, "  jiga_client_new: %s\n", last_error());
    return 0;
  }
  return c;
}

/* Waits (up to 30 s) for operation `op`'s completion into *out; other items are dropped. */
static int await_op(uint64_t client, uint64_t op, jiga_completion *out) {
  time_t deadline = time(NULL) + 30;
  while (time(NULL) < deadline) {
    int r = jiga_wait(client, 200);
    if (r < 0) return r;
    jiga_completion c;
    while (jiga_poll(client, &c) == JIGA_OK) {
      if (c.kind == JIGA_COMPLETION_KIND_OP && c.op_id == op) {
        *out = c;
        return JIGA_OK;
      }
      jiga_completion_free(&c);
    }
  }
  return JIGA_EMPTY;
}

/* Runs one operation to its end; returns its status, its JSON in *json (free it). */
static int run(uint64_t client, int32_t start_status, uint64_t op, jiga_completion *out) {
  if (start_status != JIGA_OK) return start_status;
  return await_op(client, op, out);
}

#define RUN(client, c, call)                                                   \
  do {                                                                         \
    uint64_t op_ = 0;                                                          \
    int32_t s_ = (call);                                                       \
    CHECK(run(client, s_, op_, &(c)) == JIGA_OK, "%s did not complete: %s", #call, \
          last_error());                                                       \
  } while (0)
/* `call` must write its op id to `op_`. */

static int expect_ok(jiga_completion *c) {
  if (c->status != JIGA_OK) {
    fprintf(stderr, "  operation failed: kind %d code %s: %s\n", (int)c->error.kind,
            c->error.code ? c->error.code : "-", c->error.message ? c->error.message : "-");
    return 0;
  }
  return 1;
}

static int sign_in_demo(uint64_t client) {
  jiga_completion c;
  RUN(client, c, jiga_login(client, "demo@jiga.dev", "demo-player-1", &op_));
  int ok = expect_ok(&c);
  jiga_completion_free(&c);
  CHECK(ok, "demo login");
  return 0;
}

static int expect_error(jiga_completion *c, jiga_error_kind kind, uint16_t status);

/* ---- flows ---- */

static int flow_sign_in(void) {
  char device[64], email[96], reg[256];
  snprintf(device, sizeof device, "c-device-%d-%ld", (int)getpid(), (long)time(NULL));
  snprintf(email, sizeof email, "c-%d-%ld@example.com", (int)getpid(), (long)time(NULL));
  snprintf(reg, sizeof reg,
           "{\"email\":\"%s\",\"password\":\"correct-horse-1\",\"displayName\":\"C Tester\"}",
           email);

  uint64_t a = new_client(NULL);
  CHECK(a, "client");
  jiga_completion c;
  RUN(a, c, jiga_sign_in_device(a, device, &op_));
  CHECK(expect_ok(&c) && strstr(c.json, "\"id\":"), "device sign-in returns the user");
  jiga_completion_free(&c);

  uint64_t b = new_client(NULL);
  RUN(b, c, jiga_register(b, reg, &op_));
  CHECK(expect_ok(&c), "register");
  jiga_completion_free(&c);
  RUN(b, c, jiga_login(b, email, "correct-horse-1", &op_));
  CHECK(expect_ok(&c), "login");
  jiga_completion_free(&c);

  char *tokens = NULL;
  OK(jiga_client_tokens(b, &tokens));
  CHECK(tokens && strstr(tokens, "accessToken"), "tokens out");
  char extra[4096];
  snprintf(extra, sizeof extra, "\"tokens\":%s", tokens);
  jiga_string_free(tokens);

  uint64_t restored = new_client(extra);
  CHECK(restored, "client from saved tokens");
  int32_t signed_in = 0;
  OK(jiga_client_is_signed_in(restored, &signed_in));
  CHECK(signed_in == 1, "restored client is signed in");
  RUN(restored, c, jiga_me(restored, &op_));
  CHECK(expect_ok(&c) && strstr(c.json, email), "restored client calls as the same user");
  jiga_completion_free(&c);

  OK(jiga_client_free(a));
  OK(jiga_client_free(b));
  OK(jiga_client_free(restored));
  return 0;
}

static int flow_search_paging(void) {
  uint64_t cl = new_client(NULL);
  CHECK(cl, "client");
  jiga_completion c;
  RUN(cl, c, jiga_search(cl, "{\"sort\":\"rating\",\"limit\":5}", &op_));
  CHECK(expect_ok(&c), "search");
  CHECK(strstr(c.json, "\"facets\""), "facets present");
  long long total = json_int(c.json, "total", -1);
  jiga_completion_free(&c);
  CHECK(total > 5, "the demo catalogue has more than one page (total %lld)", total);

  uint64_t pager = 0;
  OK(jiga_search_pages(cl, "{\"sort\":\"rating\",\"limit\":7}", &pager));
  long long seen = 0;
  int pages = 0;
  for (;;) {
    RUN(cl, c, jiga_paginator_next(pager, &op_));
    CHECK(expect_ok(&c), "next page");
    if (strcmp(c.json, "null") == 0) {
      jiga_completion_free(&c);
      break;
    }
    seen += count(c.json, "\"totalHires\":");
    CHECK(json_int(c.json, "total", -1) == total, "total stable across pages");
    pages++;
    jiga_completion_free(&c);
    CHECK(pages < 100, "pages end");
  }
  CHECK(seen == total, "every listing once: saw %lld of %lld", seen, total);
  CHECK(pages == (int)((total + 6) / 7), "page count %d", pages);
  OK(jiga_paginator_free(pager));

  /* The other read routes answer in the contract's shape. */
  RUN(cl, c, jiga_featured(cl, &op_));
  CHECK(expect_ok(&c), "featured");
  jiga_completion_free(&c);
  RUN(cl, c, jiga_categories(cl, &op_));
  CHECK(expect_ok(&c), "categories");
  jiga_completion_free(&c);
  OK(jiga_client_free(cl));
  return 0;
}

/* Hires the best-rated agent costing at most 50/min; writes the session id. */
static int hire_one(uint64_t cl, long long budget, char *session_id, size_t n) {
  jiga_completion c;
  RUN(cl, c, jiga_search(cl, "{\"sort\":\"rating\",\"priceMax\":50,\"limit\":1}", &op_));
  CHECK(expect_ok(&c), "search");
  char agent[64] = {0}, game[64] = {0};
  const char *a = strstr(c.json, "\"items\":[");
  CHECK(json_str(a, "id", agent, sizeof agent), "an agent");
  /* "games":["chess",…]: take the first element by hand. */
  const char *g = strstr(a, "\"games\":[\"");
  if (g) sscanf(g + 10, "%63[^\"]", game);
  else strcpy(game, "practice");
  jiga_completion_free(&c);

  RUN(cl, c, jiga_listing(cl, agent, &op_));
  CHECK(expect_ok(&c), "listing");
  jiga_completion_free(&c);
  RUN(cl, c, jiga_agent(cl, agent, &op_));
  CHECK(expect_ok(&c), "agent");
  jiga_completion_free(&c);

  char req[256];
  snprintf(req, sizeof req, "{\"agentId\":\"%s\",\"game\":\"%s\",\"budget\":%lld,\"maxMinutes\":5}",
           agent, game, budget);
  RUN(cl, c, jiga_hire(cl, req, &op_));
  CHECK(expect_ok(&c), "hire");
  CHECK(json_str(strstr(c.json, "\"session\":"), "id", session_id, n), "session id");
  jiga_completion_free(&c);
  return 0;
}

static int flow_hire_stream_end(void) {
  /* A small queue: the stream's forwarder waits for room instead of growing memory. */
  uint64_t cl = new_client("\"queueCapacity\":4");
  CHECK(cl, "client");
  if (sign_in_demo(cl)) return 1;
  const long long budget = 300;
  char sid[64];
  if (hire_one(cl, budget, sid, sizeof sid)) return 1;

  uint64_t stream = 0;
  OK(jiga_session_open(cl, sid, NULL, &stream));
  uint64_t cmd_op = 0;
  OK(jiga_session_command(stream, "focus-1", "{\"focus\":\"mid\"}", &cmd_op));

  uint64_t last_seq = 0, end_op = 0;
  int actions = 0, cmd_done = 0, ended_event = 0, stream_end = 0, end_done = 0;
  long long meter = 0, ended_consumed = -1;
  char settlement[512] = {0};
  time_t deadline = time(NULL) + 60;
  while (!(stream_end && end_done && cmd_done) && time(NULL) < deadline) {
    /* Let the queue fill up now and then: nothing is lost while the host is slow. */
    if (last_seq == 2) usleep(300 * 1000);
    if (jiga_wait(cl, 500) != JIGA_OK) continue;
    jiga_completion c;
    while (jiga_poll(cl, &c) == JIGA_OK) {
      if (c.kind == JIGA_COMPLETION_KIND_SESSION_EVENT) {
        CHECK(c.handle == stream, "event of our stream");
        CHECK(c.event.seq == last_seq + 1, "gapless: %" PRIu64 " after %" PRIu64, c.event.seq,
              last_seq);
        if (c.event.seq == 1) CHECK(c.event.kind == JIGA_EVENT_KIND_STARTED, "seq 1 started");
        CHECK(c.json && strstr(c.json, "\"seq\":"), "frame json");
        CHECK(c.event.ts_millis > 1600000000000LL, "timestamp in ms");
        last_seq = c.event.seq;
        if (c.event.kind == JIGA_EVENT_KIND_ACTION) actions++;
        if (c.event.kind == JIGA_EVENT_KIND_DOF_UPDATE) {
          CHECK(c.event.consumed == meter + c.event.delta, "consumed adds up");
          CHECK(c.event.remaining == budget - c.event.consumed, "remaining = budget - consumed");
          meter = c.event.consumed;
        }
        if (c.event.kind == JIGA_EVENT_KIND_ENDED) {
          ended_event = 1;
          ended_consumed = c.event.consumed;
        }
        if (actions >= 3 && !end_op) OK(jiga_session_end(cl, sid, &end_op));
      } else if (c.kind == JIGA_COMPLETION_KIND_OP && c.op_id == cmd_op) {
        CHECK(expect_ok(&c), "command acknowledged");
        cmd_done = 1;
      } else if (c.kind == JIGA_COMPLETION_KIND_OP && end_op && c.op_id == end_op) {
        CHECK(expect_ok(&c), "end session");
        const char *s = strstr(c.json, "\"settlement\":");
        CHECK(s, "settlement");
        snprintf(settlement, sizeof settlement, "%s", s);
        end_done = 1;
      } else if (c.kind == JIGA_COMPLETION_KIND_STREAM_END) {
        CHECK(c.status == JIGA_OK, "the stream ends cleanly");
        /* flow reconcile: the core's account checked its count against the settlement. */
        CHECK(c.json && json_int(c.json, "consumed", -1) == meter, "reconciled: %s",
              c.json ? c.json : "(null)");
        stream_end = 1;
      }
      jiga_completion_free(&c);
    }
  }
  jiga_meter m;
  OK(jiga_session_meter(stream, &m));
  CHECK(m.consumed == meter && m.budget == budget && m.last_seq == last_seq &&
            m.remaining == budget - meter,
        "meter: consumed %" PRId64 " budget %" PRId64 " seq %" PRIu64, m.consumed, m.budget,
        m.last_seq);
  jiga_stream_state st;
  OK(jiga_session_state(stream, &st, NULL));
  CHECK(st == JIGA_STREAM_STATE_ENDED, "the stream is over: %d", (int)st);
  CHECK(stream_end && end_done && cmd_done, "stream end %d, end %d, command %d", stream_end,
        end_done, cmd_done);
  CHECK(ended_event, "session.ended delivered");
  long long consumed = json_int(settlement, "consumed", -1);
  long long owner = json_int(settlement, "ownerEarnings", -1);
  long long fee = json_int(settlement, "platformFee", -1);
  long long released = json_int(settlement, "released", -1);
  CHECK(consumed == owner + fee, "consumed %lld = owner %lld + fee %lld", consumed, owner, fee);
  CHECK(released == budget - consumed, "released %lld = budget - consumed", released);
  CHECK(meter == consumed && ended_consumed == consumed,
        "the stream's meter %lld matches the settlement %lld", meter, consumed);

  jiga_completion c;
  RUN(cl, c, jiga_session_get(cl, sid, &op_));
  CHECK(expect_ok(&c) && strstr(c.json, "\"ended\""), "session ended");
  jiga_completion_free(&c);
  RUN(cl, c, jiga_session_end(cl, sid, &op_));
  CHECK(expect_error(&c, JIGA_ERROR_KIND_CONFLICT, 409), "ending twice is a conflict");
  jiga_completion_free(&c);
  OK(jiga_session_close(stream));
  CHECK(jiga_session_close(stream) == JIGA_ERR_INVALID_HANDLE, "closed twice");
  OK(jiga_client_free(cl));
  return 0;
}

static int flow_wallet(void) {
  uint64_t cl = new_client(NULL);
  CHECK(cl, "client");
  char device[64];
  snprintf(device, sizeof device, "c-wallet-%d-%ld", (int)getpid(), (long)time(NULL));
  jiga_completion c;
  RUN(cl, c, jiga_sign_in_device(cl, device, &op_));
  CHECK(expect_ok(&c), "sign in");
  jiga_completion_free(&c);
  RUN(cl, c, jiga_wallet(cl, &op_));
  CHECK(expect_ok(&c), "wallet");
  long long before = json_int(c.json, "available", -1);
  jiga_completion_free(&c);
  RUN(cl, c, jiga_topup(cl, "{\"amount\":250,\"provider\":\"dev\"}", &op_));
  CHECK(expect_ok(&c), "top-up");
  jiga_completion_free(&c);
  RUN(cl, c, jiga_wallet(cl, &op_));
  CHECK(expect_ok(&c), "wallet");
  long long after = json_int(c.json, "available", -1);
  jiga_completion_free(&c);
  CHECK(after == before + 250, "the top-up moved the wallet once: %lld -> %lld", before, after);

  uint64_t pager = 0;
  OK(jiga_transaction_pages(cl, "{\"limit\":1}", &pager));
  int txs = 0;
  for (;;) {
    RUN(cl, c, jiga_paginator_next(pager, &op_));
    CHECK(expect_ok(&c), "transactions page");
    int done = strcmp(c.json, "null") == 0;
    if (!done) txs += count(c.json, "\"type\":");
    jiga_completion_free(&c);
    if (done || txs > 50) break;
  }
  CHECK(txs >= 1, "the top-up is a transaction (%d)", txs);
  OK(jiga_paginator_free(pager));
  OK(jiga_client_free(cl));
  return 0;
}

static int expect_error(jiga_completion *c, jiga_error_kind kind, uint16_t status) {
  if (c->status != JIGA_ERR_CALL || c->error.kind != kind) {
    fprintf(stderr, "  wanted kind %d, got status %d kind %d (%s)\n", (int)kind, c->status,
            (int)c->error.kind, c->error.message ? c->error.message : "-");
    return 0;
  }
  if (status && c->error.http_status != status) {
    fprintf(stderr, "  wanted http %u, got %u\n", status, c->error.http_status);
    return 0;
  }
  return c->json == NULL && c->error.message != NULL;
}

static int flow_errors(void) {
  uint64_t anon = new_client("\"retry\":{\"maxAttempts\":1}");
  CHECK(anon, "client");
  jiga_completion c;
  RUN(anon, c, jiga_wallet(anon, &op_));
  CHECK(expect_error(&c, JIGA_ERROR_KIND_UNAUTHENTICATED, 401), "unauthenticated");
  CHECK(c.error.code && strcmp(c.error.code, "unauthenticated") == 0, "code");
  CHECK(c.error.request_id != NULL, "request id");
  jiga_completion_free(&c);

  uint64_t cl = new_client(NULL);
  CHECK(cl, "client");
  if (sign_in_demo(cl)) return 1;
  RUN(cl, c, jiga_listing(cl, "agt_does_not_exist", &op_));
  CHECK(expect_error(&c, JIGA_ERROR_KIND_NOT_FOUND, 404), "not found");
  CHECK(c.error.request_id != NULL && c.error.code != NULL, "code and request id");
  jiga_completion_free(&c);

  RUN(cl, c, jiga_search(cl, "{\"limit\":100000}", &op_));
  CHECK(expect_error(&c, JIGA_ERROR_KIND_INVALID_ARGUMENT, 0), "invalid argument");
  CHECK(c.error.field != NULL, "the field is named");
  jiga_completion_free(&c);

  RUN(cl, c, jiga_search(cl, "{\"sort\":\"rating\",\"limit\":1}", &op_));
  CHECK(expect_ok(&c), "search");
  char agent[64];
  CHECK(json_str(strstr(c.json, "\"items\":["), "id", agent, sizeof agent), "agent");
  jiga_completion_free(&c);
  char req[256];
  snprintf(req, sizeof req,
           "{\"agentId\":\"%s\",\"game\":\"chess\",\"budget\":1000000,\"maxMinutes\":5}", agent);
  RUN(cl, c, jiga_hire(cl, req, &op_));
  CHECK(expect_error(&c, JIGA_ERROR_KIND_INSUFFICIENT_FUNDS, 402), "insufficient funds");
  CHECK(c.error.needed == 1000000 && c.error.available >= 0 &&
            c.error.available < c.error.needed,
        "needed %" PRId64 " available %" PRId64, c.error.needed, c.error.available);
  CHECK(c.error.retry_after_secs == -1 && c.error.limit == -1 && c.error.field == NULL,
        "absent details are -1 / NULL");
  jiga_completion_free(&c);

  /* Contract v1.1: a hire at a price the hirer did not see is a conflict. */
  RUN(cl, c, jiga_search(cl, "{\"sort\":\"rating\",\"priceMax\":50,\"limit\":1}", &op_));
  CHECK(expect_ok(&c), "search");
  CHECK(json_str(strstr(c.json, "\"items\":["), "id", agent, sizeof agent), "agent");
  jiga_completion_free(&c);
  snprintf(req, sizeof req,
           "{\"agentId\":\"%s\",\"game\":\"chess\",\"budget\":300,"
           "\"expectedPricing\":{\"perMinute\":999,\"perAction\":999}}",
           agent);
  RUN(cl, c, jiga_hire(cl, req, &op_));
  CHECK(expect_error(&c, JIGA_ERROR_KIND_CONFLICT, 409), "conflict on a changed price");
  jiga_completion_free(&c);

  RUN(cl, c, jiga_session_end(cl, "ses_does_not_exist", &op_));
  CHECK(c.status == JIGA_ERR_CALL, "ending an unknown session fails");
  jiga_completion_free(&c);

  OK(jiga_client_free(anon));
  OK(jiga_client_free(cl));
  return 0;
}

static int misuse(void) {
  uint64_t h = 0, op = 0;
  jiga_completion c;
  CHECK(jiga_client_new(NULL, &h) == JIGA_ERR_NULL, "null options");
  CHECK(jiga_last_error_message() && strstr(jiga_last_error_message(), "options_json"),
        "message names the argument: %s", last_error());
  CHECK(jiga_client_new("{\"baseUrl\":\"http://x\"}", NULL) == JIGA_ERR_NULL, "null out");
  CHECK(jiga_client_new("{not json", &h) == JIGA_ERR_INVALID_JSON, "bad json");
  CHECK(jiga_client_new("{\"baseUrl\":\"http://x\",\"nope\":1}", &h) == JIGA_ERR_INVALID_JSON,
        "unknown option");
  CHECK(jiga_client_new("{\"baseUrl\":\"ftp://x\"}", &h) == JIGA_ERR_INVALID_ARGUMENT,
        "bad url");
  CHECK(jiga_client_new("{\"baseUrl\":\"http://x\",\"queueCapacity\":0}", &h) ==
            JIGA_ERR_INVALID_ARGUMENT,
        "capacity out of range");
  CHECK(jiga_client_new("{\"baseUrl\":\"http://x\",\"timeoutMs\":-5}", &h) ==
            JIGA_ERR_INVALID_JSON,
        "negative timeout");
  CHECK(jiga_client_new("{\"baseUrl\":\"http://x\",\"retry\":{\"maxAttempts\":0}}", &h) ==
            JIGA_ERR_INVALID_ARGUMENT,
        "zero attempts");
  const char bad_utf8[] = {'{', '"', (char)0xff, '"', '}', 0};
  CHECK(jiga_client_new(bad_utf8, &h) == JIGA_ERR_INVALID_UTF8, "invalid utf-8");

  uint64_t cl = new_client(NULL);
  CHECK(cl, "client");
  CHECK(jiga_sign_in_device(cl, NULL, &op) == JIGA_ERR_NULL, "null device id");
  CHECK(jiga_sign_in_device(cl, "d", NULL) == JIGA_ERR_NULL, "null op out");
  CHECK(jiga_search(cl, "[1,2", &op) == JIGA_ERR_INVALID_JSON, "bad search json");
  CHECK(jiga_search(cl, "{\"limit\":-1}", &op) == JIGA_ERR_INVALID_JSON, "negative limit");
  CHECK(jiga_hire(cl, "{\"agentId\":1}", &op) == JIGA_ERR_INVALID_JSON, "wrong shape");
  CHECK(jiga_session_command(0, "x", "{}", &op) == JIGA_ERR_INVALID_HANDLE, "zero stream");
  CHECK(jiga_poll(cl, NULL) == JIGA_ERR_NULL, "poll null");
  CHECK(jiga_poll(cl, &c) == JIGA_EMPTY, "nothing queued");
  CHECK(jiga_wait(cl, 10) == JIGA_EMPTY, "wait times out");

  uint64_t pager = 0;
  OK(jiga_search_pages(cl, "{}", &pager));
  CHECK(jiga_poll(pager, &c) == JIGA_ERR_INVALID_HANDLE, "a paginator is not a client");
  CHECK(jiga_paginator_next(cl, &op) == JIGA_ERR_INVALID_HANDLE, "a client is not a paginator");
  CHECK(jiga_poll(0xdeadbeefcafeULL, &c) == JIGA_ERR_INVALID_HANDLE, "made-up handle");

  OK(jiga_client_free(cl));
  CHECK(jiga_poll(cl, &c) == JIGA_ERR_INVALID_HANDLE, "freed client");
  CHECK(jiga_client_free(cl) == JIGA_ERR_INVALID_HANDLE, "double free");
  CHECK(jiga_paginator_next(pager, &op) == JIGA_ERR_INVALID_HANDLE,
        "the client's paginators go with it");
  CHECK(jiga_wallet(cl, &op) == JIGA_ERR_INVALID_HANDLE, "call on a freed client");

  jiga_string_free(NULL);
  jiga_completion_free(NULL);
  CHECK(jiga_version() && *jiga_version(), "version");
  return 0;
}

static int flow_shutdown(void) {
  /* Work in flight: a live stream, pending calls, a blocked reader's queue. */
  uint64_t cl = new_client(NULL);
  CHECK(cl, "client");
  if (sign_in_demo(cl)) return 1;
  char sid[64];
  if (hire_one(cl, 200, sid, sizeof sid)) return 1;
  uint64_t stream = 0, op = 0, notes = 0;
  OK(jiga_session_open(cl, sid, NULL, &stream));
  OK(jiga_notifications_open(cl, &notes));
  for (int i = 0; i < 10; i++) OK(jiga_search(cl, "{\"limit\":3}", &op));
  OK(jiga_wait(cl, 5000));
  /* Leave what is queued unread: shutdown frees it. */
  OK(jiga_shutdown());
  OK(jiga_shutdown()); /* idempotent */

  jiga_completion c;
  CHECK(jiga_poll(cl, &c) == JIGA_ERR_NOT_INITIALIZED, "after shutdown");
  CHECK(jiga_client_new("{\"baseUrl\":\"http://x\"}", &op) == JIGA_ERR_NOT_INITIALIZED,
        "no client after shutdown");
  CHECK(jiga_session_close(stream) == JIGA_ERR_NOT_INITIALIZED, "no stream after shutdown");

  OK(jiga_init());
  CHECK(jiga_poll(cl, &c) == JIGA_ERR_INVALID_HANDLE, "an old handle is stale after init");
  CHECK(jiga_notifications_close(notes) == JIGA_ERR_INVALID_HANDLE, "old stream handle");
  uint64_t again = new_client(NULL);
  CHECK(again, "client after re-init");
  CHECK(again != cl, "new handle");
  jiga_completion d;
  RUN(again, d, jiga_categories(again, &op_));
  CHECK(expect_ok(&d), "works after re-init");
  jiga_completion_free(&d);
  OK(jiga_client_free(again));
  (void)sid;
  return 0;
}

/* Signs a fresh device user in and gives them DOF. */
static int device_user(uint64_t cl, const char *device, long long topup) {
  jiga_completion c;
  RUN(cl, c, jiga_sign_in_device(cl, device, &op_));
  CHECK(expect_ok(&c), "device sign-in");
  jiga_completion_free(&c);
  if (topup > 0) {
    char req[128];
    snprintf(req, sizeof req, "{\"amount\":%lld,\"provider\":\"dev\"}", topup);
    RUN(cl, c, jiga_topup(cl, req, &op_));
    CHECK(expect_ok(&c), "top-up");
    jiga_completion_free(&c);
  }
  return 0;
}

/* Creates and publishes an agent of the signed-in user; its id goes to `id`. */
static int own_agent(uint64_t cl, int aps, int per_action, char *id, size_t n) {
  char req[512];
  snprintf(req, sizeof req,
           "{\"name\":\"C flow agent\",\"games\":[\"chess\"],\"rank\":\"gold\","
           "\"type\":\"coach\",\"provider\":\"c-tests\","
           "\"pricing\":{\"perMinute\":0,\"perAction\":%d},\"actionsPerSecond\":%d}",
           per_action, aps);
  jiga_completion c;
  RUN(cl, c, jiga_agent_create(cl, req, &op_));
  CHECK(expect_ok(&c), "create agent");
  CHECK(json_str(c.json, "id", id, n), "agent id");
  jiga_completion_free(&c);
  RUN(cl, c, jiga_agent_publish(cl, id, &op_));
  CHECK(expect_ok(&c) && strstr(c.json, "\"published\""), "publish");
  jiga_completion_free(&c);
  return 0;
}

static int hire_agent(uint64_t cl, const char *agent, long long budget, char *sid, size_t n) {
  char req[256];
  snprintf(req, sizeof req, "{\"agentId\":\"%s\",\"game\":\"chess\",\"budget\":%lld}", agent,
           budget);
  jiga_completion c;
  RUN(cl, c, jiga_hire(cl, req, &op_));
  CHECK(expect_ok(&c), "hire");
  CHECK(json_str(strstr(c.json, "\"session\""), "id", sid, n), "session id");
  jiga_completion_free(&c);
  return 0;
}

/* flow budget_guard: a guard with a cap below the budget; the library ends the session at
 * the cap (endAtCap) and consumed stays within the cap plus one charge. */
static int flow_budget_guard(void) {
  uint64_t owner = new_client(NULL), cl = new_client(NULL);
  CHECK(owner && cl, "clients");
  if (device_user(owner, "c-guard-owner", 0) || device_user(cl, "c-guard-hirer", 500)) return 1;
  char agent[64], sid[64];
  const int per_action = 2;
  if (own_agent(owner, 5, per_action, agent, sizeof agent)) return 1;
  if (hire_agent(cl, agent, 200, sid, sizeof sid)) return 1;
  uint64_t stream = 0;
  CHECK(jiga_session_open(cl, sid, "{\"guard\":{\"cap\":12,\"warnAt\":[0.01,0.05]},\"nope\":1}",
                          &stream) == JIGA_ERR_INVALID_JSON,
        "unknown option refused");
  OK(jiga_session_open(cl, sid, "{\"guard\":{\"cap\":12,\"warnAt\":[0.01,0.05]},\"endAtCap\":true}",
                       &stream));
  int warns = 0, ends = 0, stream_end = 0, end_ok = 0;
  long long consumed_at_end = -1, settled = -1;
  time_t deadline = time(NULL) + 60;
  while (!stream_end && time(NULL) < deadline) {
    if (jiga_wait(cl, 500) != JIGA_OK) continue;
    jiga_completion c;
    while (jiga_poll(cl, &c) == JIGA_OK) {
      if (c.kind == JIGA_COMPLETION_KIND_GUARD) {
        CHECK(c.handle == stream && c.json, "guard of our stream");
        if (strstr(c.json, "\"warn\"")) {
          CHECK(ends == 0, "warnings come before the end");
          warns++;
        } else {
          /* The core ended the session before handing the event over: the answer is here. */
          CHECK(expect_ok(&c) && strstr(c.json, "\"end\""), "end: %s", c.json);
          CHECK(c.event.consumed >= 12, "at the cap: %" PRId64, c.event.consumed);
          consumed_at_end = c.event.consumed;
          settled = json_int(strstr(c.json, "\"settlement\""), "consumed", -1);
          end_ok = settled >= 0;
          ends++;
        }
      } else if (c.kind == JIGA_COMPLETION_KIND_STREAM_END) {
        CHECK(c.status == JIGA_OK, "clean end, reconciled");
        stream_end = 1;
      }
      jiga_completion_free(&c);
    }
  }
  CHECK(stream_end && end_ok, "the session was ended by the guard (%d, %d)", stream_end, end_ok);
  CHECK(warns == 2 && ends == 1, "two warnings, one end: %d, %d", warns, ends);
  CHECK(settled >= consumed_at_end && settled <= 12 + per_action,
        "consumed %lld within cap 12 + one charge", settled);
  OK(jiga_session_close(stream));
  OK(jiga_client_free(cl));
  OK(jiga_client_free(owner));
  return 0;
}

/* flow notifications: the owner's stream receives agent.hired once when another user hires. */
static int flow_notifications(void) {
  uint64_t owner = new_client(NULL), cl = new_client(NULL);
  CHECK(owner && cl, "clients");
  if (device_user(owner, "c-notes-owner", 0) || device_user(cl, "c-notes-hirer", 300)) return 1;
  char agent[64], sid[64];
  if (own_agent(owner, 1, 1, agent, sizeof agent)) return 1;
  uint64_t notes = 0;
  OK(jiga_notifications_open(owner, &notes));
  usleep(300 * 1000); /* let the stream connect; a notification before that is not replayed */
  if (hire_agent(cl, agent, 50, sid, sizeof sid)) return 1;
  int hired = 0;
  time_t deadline = time(NULL) + 20;
  while (time(NULL) < deadline && hired == 0) {
    if (jiga_wait(owner, 500) != JIGA_OK) continue;
    jiga_completion c;
    while (jiga_poll(owner, &c) == JIGA_OK) {
      if (c.kind == JIGA_COMPLETION_KIND_NOTIFICATION && strstr(c.json, "agent.hired") &&
          strstr(c.json, sid))
        hired++;
      jiga_completion_free(&c);
    }
  }
  /* Anything more would arrive within the next half second. */
  for (int i = 0; i < 5; i++) {
    jiga_wait(owner, 100);
    jiga_completion c;
    while (jiga_poll(owner, &c) == JIGA_OK) {
      if (c.kind == JIGA_COMPLETION_KIND_NOTIFICATION && strstr(c.json, "agent.hired") &&
          strstr(c.json, sid))
        hired++;
      jiga_completion_free(&c);
    }
  }
  CHECK(hired == 1, "agent.hired delivered once: %d", hired);
  jiga_completion c;
  RUN(cl, c, jiga_session_end(cl, sid, &op_));
  CHECK(expect_ok(&c), "end");
  jiga_completion_free(&c);
  OK(jiga_notifications_close(notes));
  OK(jiga_client_free(cl));
  OK(jiga_client_free(owner));
  return 0;
}

/* ---- a webhook receiver on loopback ---- */

/* A listening socket on 127.0.0.1; its port goes to *port. */
static int listen_loopback(int *port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
    close(fd);
    return -1;
  }
  *port = ntohs(a.sin_port);
  return fd;
}

/* Accepts one request within `secs` seconds, answers 204, and copies its JIGA-Signature
 * header into sig and its raw body into body (NUL-terminated; the length in *body_len). */
static int receive_delivery(int lfd, int secs, char *sig, size_t sig_n, char *body, size_t body_n,
                            size_t *body_len) {
  struct pollfd p = {.fd = lfd, .events = POLLIN};
  if (poll(&p, 1, secs * 1000) != 1) return -1;
  int fd = accept(lfd, NULL, NULL);
  if (fd < 0) return -1;
  static char buf[65536];
  size_t got = 0;
  char *end = NULL;
  long long length = -1;
  while (got + 1 < sizeof buf) {
    p.fd = fd;
    if (poll(&p, 1, secs * 1000) != 1) break;
    ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
    if (n <= 0) break;
    got += (size_t)n;
    buf[got] = 0;
    if (!end && (end = strstr(buf, "\r\n\r\n"))) {
      for (char *line = buf; line < end; line = strstr(line, "\r\n") + 2) {
        if (strncasecmp(line, "content-length:", 15) == 0) length = strtoll(line + 15, NULL, 10);
        if (strncasecmp(line, "jiga-signature:", 15) == 0) {
          const char *v = line + 15;
          while (*v == ' ') v++;
          size_t i = 0;
          while (v[i] && v[i] != '\r' && i + 1 < sig_n) { sig[i] = v[i]; i++; }
          sig[i] = 0;
        }
      }
    }
    if (end && length >= 0 && got >= (size_t)(end + 4 - buf) + (size_t)length) break;
  }
  const char answer[] = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
  ssize_t sent = send(fd, answer, sizeof answer - 1, 0);
  close(fd);
  if (!end || length < 0 || (size_t)length + 1 > body_n || sent < 0) return -1;
  memcpy(body, end + 4, (size_t)length);
  body[length] = 0;
  *body_len = (size_t)length;
  return 0;
}

/* flow webhook: set (URL and secret), read back (no secret), one real delivery to a loopback
 * receiver verified with jiga_webhook_verify, a tampered body refused, delete twice. */
static int flow_webhook(void) {
  uint64_t cl = new_client(NULL);
  CHECK(cl, "client");
  char device[64];
  snprintf(device, sizeof device, "c-hook-%ld", (long)getpid());
  if (device_user(cl, device, 0)) return 1;
  jiga_completion c;
  RUN(cl, c, jiga_webhook_get(cl, &op_));
  CHECK(expect_ok(&c) && strcmp(c.json, "null") == 0, "no webhook yet: %s", c.json);
  jiga_completion_free(&c);
  RUN(cl, c, jiga_webhook_delete(cl, &op_));
  CHECK(expect_ok(&c) && strcmp(c.json, "false") == 0, "nothing to delete: %s", c.json);
  jiga_completion_free(&c);

  int port = 0, lfd = listen_loopback(&port);
  CHECK(lfd >= 0, "listen on loopback");
  char hook_url[64], secret[128] = "", got_url[64] = "";
  snprintf(hook_url, sizeof hook_url, "http://127.0.0.1:%d/hook", port);
  RUN(cl, c, jiga_webhook_set(cl, hook_url, &op_));
  CHECK(expect_ok(&c) && json_str(c.json, "secret", secret, sizeof secret) &&
            json_str(c.json, "url", got_url, sizeof got_url),
        "set");
  jiga_completion_free(&c);
  CHECK(strcmp(got_url, hook_url) == 0 && strncmp(secret, "whsec_", 6) == 0, "url and secret");
  RUN(cl, c, jiga_webhook_get(cl, &op_));
  CHECK(expect_ok(&c) && strstr(c.json, hook_url) && !strstr(c.json, "secret"),
        "read back without its secret: %s", c.json);
  jiga_completion_free(&c);

  /* One real delivery: a dev top-up completes at once, notifying the caller. */
  RUN(cl, c, jiga_topup(cl, "{\"amount\":50,\"provider\":\"dev\"}", &op_));
  CHECK(expect_ok(&c), "top-up");
  jiga_completion_free(&c);
  char sig[512] = "", body[8192];
  size_t len = 0;
  int r = receive_delivery(lfd, 20, sig, sizeof sig, body, sizeof body, &len);
  close(lfd);
  CHECK(r == 0 && sig[0], "a delivery within 20 s");

  char *json = NULL;
  int64_t now = (int64_t)time(NULL);
  OK(jiga_webhook_verify(secret, sig, (const uint8_t *)body, len, now, -1, &json));
  CHECK(json && strstr(json, "\"type\":\"transaction.completed\"") && strstr(json, "\"id\":\"ntf_") &&
            json_int(json, "amount", 0) == 50,
        "the notification: %s", json ? json : "-");
  jiga_string_free(json);

  char *amount = strstr(body, "\"amount\":50");
  CHECK(amount, "the amount in the body");
  amount[10] = '9'; /* 50 -> 59 */
  json = (char *)1;
  CHECK(jiga_webhook_verify(secret, sig, (const uint8_t *)body, len, now, -1, &json) ==
            JIGA_ERR_WEBHOOK_BAD_SIGNATURE && json == NULL,
        "a tampered body: %s", last_error());
  amount[10] = '0';
  CHECK(jiga_webhook_verify("whsec_other", sig, (const uint8_t *)body, len, now, -1, &json) ==
            JIGA_ERR_WEBHOOK_BAD_SIGNATURE,
        "another secret");
  CHECK(jiga_webhook_verify(secret, sig, (const uint8_t *)body, len, now + 3600, -1, &json) ==
            JIGA_ERR_WEBHOOK_TIMESTAMP,
        "an hour late");
  CHECK(strstr(last_error(), "tolerance 300 s"), "the message says why: %s", last_error());
  OK(jiga_webhook_verify(secret, sig, (const uint8_t *)body, len, now + 3600, 7200, &json));
  jiga_string_free(json);
  CHECK(jiga_webhook_verify(secret, "v1=nope", (const uint8_t *)body, len, now, -1, &json) ==
            JIGA_ERR_WEBHOOK_MALFORMED_HEADER,
        "malformed header");
  CHECK(jiga_webhook_verify(secret, sig, NULL, len, now, -1, &json) == JIGA_ERR_NULL, "null body");
  CHECK(jiga_webhook_verify(NULL, sig, (const uint8_t *)body, len, now, -1, &json) == JIGA_ERR_NULL,
        "null secret");
  CHECK(jiga_webhook_verify(secret, sig, (const uint8_t *)body, len, now, -1, NULL) == JIGA_ERR_NULL,
        "null out");
  const char bad_utf8[] = {'t', '=', (char)0xff, 0};
  CHECK(jiga_webhook_verify(secret, bad_utf8, (const uint8_t *)body, len, now, -1, &json) ==
            JIGA_ERR_INVALID_UTF8,
        "a header that is not utf-8");

  RUN(cl, c, jiga_webhook_delete(cl, &op_));
  CHECK(expect_ok(&c) && strcmp(c.json, "true") == 0, "deleted: %s", c.json);
  jiga_completion_free(&c);
  RUN(cl, c, jiga_webhook_get(cl, &op_));
  CHECK(expect_ok(&c) && strcmp(c.json, "null") == 0, "gone: %s", c.json);
  jiga_completion_free(&c);
  RUN(cl, c, jiga_webhook_delete(cl, &op_));
  CHECK(expect_ok(&c) && strcmp(c.json, "false") == 0, "deleted again: %s", c.json);
  jiga_completion_free(&c);
  OK(jiga_client_free(cl));
  return 0;
}

/* flow cancel: a cancelled operation never completes; one that finished first does; the
 * client keeps working. */
static int flow_cancel(void) {
  uint64_t cl = new_client(NULL);
  CHECK(cl, "client");
  if (sign_in_demo(cl)) return 1;
  enum { N = 20 };
  uint64_t ops[N];
  int cancelled[N], cancels = 0;
  for (int i = 0; i < N; i++) {
    OK(jiga_search(cl, "{\"q\":\"coach\",\"limit\":50}", &ops[i]));
    int r = jiga_cancel(cl, ops[i]);
    CHECK(r == JIGA_OK || r == JIGA_EMPTY, "cancel status %d", r);
    cancelled[i] = r == JIGA_OK;
    cancels += cancelled[i];
  }
  CHECK(cancels > 0, "at least one search was cancelled while in flight");
  CHECK(jiga_cancel(cl, ops[0]) == JIGA_EMPTY, "cancelling twice finds nothing");
  CHECK(jiga_cancel(cl, 123456789) == JIGA_EMPTY, "unknown op");
  int completed[N] = {0};
  for (int k = 0; k < 20; k++) {
    jiga_wait(cl, 100);
    jiga_completion c;
    while (jiga_poll(cl, &c) == JIGA_OK) {
      for (int i = 0; i < N; i++)
        if (c.kind == JIGA_COMPLETION_KIND_OP && c.op_id == ops[i]) completed[i]++;
      jiga_completion_free(&c);
    }
  }
  for (int i = 0; i < N; i++)
    CHECK(completed[i] == !cancelled[i], "op %d: cancelled %d, completions %d", i, cancelled[i],
          completed[i]);
  jiga_completion c;
  RUN(cl, c, jiga_wallet(cl, &op_));
  CHECK(expect_ok(&c), "the client still works");
  jiga_completion_free(&c);
  OK(jiga_client_free(cl));
  return 0;
}

static int wake_calls;
static void on_wake(uint64_t client) {
  (void)client;
  __atomic_add_fetch(&wake_calls, 1, __ATOMIC_SEQ_CST);
}

/* The optional wake-up callback: called when the queue stops being empty. */
static int wakeup_callback(void) {
  uint64_t cl = new_client(NULL);
  CHECK(cl, "client");
  OK(jiga_set_wakeup(cl, on_wake));
  jiga_completion c;
  RUN(cl, c, jiga_categories(cl, &op_));
  CHECK(expect_ok(&c), "categories");
  jiga_completion_free(&c);
  /* The callback runs on a library thread right after the push: give it a moment. */
  for (int i = 0; i < 100 && __atomic_load_n(&wake_calls, __ATOMIC_SEQ_CST) < 1; i++)
    usleep(10 * 1000);
  CHECK(__atomic_load_n(&wake_calls, __ATOMIC_SEQ_CST) >= 1, "woken");
  OK(jiga_set_wakeup(cl, NULL));
  int before = __atomic_load_n(&wake_calls, __ATOMIC_SEQ_CST);
  RUN(cl, c, jiga_categories(cl, &op_));
  jiga_completion_free(&c);
  CHECK(__atomic_load_n(&wake_calls, __ATOMIC_SEQ_CST) == before, "cleared");
  CHECK(jiga_set_wakeup(0, on_wake) == JIGA_ERR_INVALID_HANDLE, "bad handle");
  OK(jiga_client_free(cl));
  return 0;
}

/* Every route the other flows do not take, once, against the real server. */
static int routes(void) {
  uint64_t cl = new_client(NULL), other = new_client(NULL);
  CHECK(cl && other, "clients");
  if (device_user(cl, "c-routes-owner", 10) || device_user(other, "c-routes-other", 400)) return 1;
  char agent[64], sid[64], me_id[64];
  if (own_agent(cl, 2, 1, agent, sizeof agent)) return 1;
  jiga_completion c;
  RUN(cl, c, jiga_agent_update(cl, agent, "{\"description\":\"updated by C\"}", &op_));
  CHECK(expect_ok(&c) && strstr(c.json, "updated by C"), "update agent");
  jiga_completion_free(&c);
  RUN(cl, c, jiga_agent_versions(cl, agent, NULL, &op_));
  CHECK(expect_ok(&c) && strstr(c.json, "\"items\""), "versions");
  jiga_completion_free(&c);
  RUN(cl, c, jiga_my_agents(cl, "{\"limit\":5}", &op_));
  CHECK(expect_ok(&c) && strstr(c.json, agent), "my agents");
  jiga_completion_free(&c);
  RUN(cl, c, jiga_me_update(cl, "{\"displayName\":\"C Routes\"}", &op_));
  CHECK(expect_ok(&c) && strstr(c.json, "C Routes"), "update me");
  CHECK(json_str(c.json, "id", me_id, sizeof me_id), "my id");
  jiga_completion_free(&c);
  RUN(cl, c, jiga_user(cl, me_id, &op_));
  CHECK(expect_ok(&c), "myself");
  jiga_completion_free(&c);
  /* errors: forbidden */
  RUN(other, c, jiga_user(other, me_id, &op_));
  CHECK(expect_error(&c, JIGA_ERROR_KIND_FORBIDDEN, 403), "someone else's user is forbidden");
  CHECK(c.error.code && c.error.request_id, "code and request id");
  jiga_completion_free(&c);

  if (hire_agent(other, agent, 60, sid, sizeof sid)) return 1;
  RUN(other, c, jiga_send_command(other, sid, "{\"commandId\":\"c-rest-1\",\"data\":{\"x\":1}}", &op_));
  CHECK(expect_ok(&c), "REST command");
  jiga_completion_free(&c);
  RUN(other, c, jiga_stream_ticket(other, sid, &op_));
  CHECK(expect_ok(&c) && strstr(c.json, "\"ticket\""), "stream ticket: %s",
        c.json ? c.json : "-");
  jiga_completion_free(&c);
  RUN(other, c, jiga_sessions(other, "{\"status\":\"active\"}", &op_));
  CHECK(expect_ok(&c) && strstr(c.json, sid), "active sessions");
  jiga_completion_free(&c);
  RUN(other, c, jiga_session_end_with_key(other, sid, "c-end-key-0001", &op_));
  CHECK(expect_ok(&c), "end with a key");
  jiga_completion_free(&c);
  RUN(other, c, jiga_session_end_with_key(other, sid, "c-end-key-0001", &op_));
  CHECK(expect_ok(&c), "the same key again replays the first answer");
  jiga_completion_free(&c);
  char review[256];
  snprintf(review, sizeof review, "{\"sessionId\":\"%s\",\"rating\":4,\"text\":\"solid\"}", sid);
  RUN(other, c, jiga_review_create(other, agent, review, &op_));
  CHECK(expect_ok(&c) && strstr(c.json, "solid"), "review by the hirer");
  jiga_completion_free(&c);
  RUN(cl, c, jiga_reviews(cl, agent, "{\"limit\":5}", &op_));
  CHECK(expect_ok(&c) && strstr(c.json, "solid"), "reviews");
  jiga_completion_free(&c);
  RUN(cl, c, jiga_transactions(cl, "{\"type\":\"topup\",\"limit\":2}", &op_));
  CHECK(expect_ok(&c) && strstr(c.json, "\"topup\""), "transactions");
  jiga_completion_free(&c);

  /* errors: idempotency conflict, the same key with another request */
  RUN(cl, c, jiga_topup_with_key(cl, "{\"amount\":5,\"provider\":\"dev\"}", "c-topup-key-01", &op_));
  CHECK(expect_ok(&c), "top-up with a key");
  jiga_completion_free(&c);
  RUN(cl, c, jiga_topup_with_key(cl, "{\"amount\":6,\"provider\":\"dev\"}", "c-topup-key-01", &op_));
  CHECK(expect_error(&c, JIGA_ERROR_KIND_IDEMPOTENCY_CONFLICT, 409), "idempotency conflict");
  jiga_completion_free(&c);
  uint64_t op = 0;
  CHECK(jiga_topup_with_key(cl, "{\"amount\":5,\"provider\":\"dev\"}", "bad\tkey", &op) ==
            JIGA_ERR_INVALID_ARGUMENT,
        "a malformed key is refused before sending");

  /* Every paginator walks to its end (JSON null). */
  uint64_t pagers[4] = {0};
  OK(jiga_session_pages(other, NULL, &pagers[0]));
  OK(jiga_my_agent_pages(cl, "{\"limit\":1}", &pagers[1]));
  OK(jiga_agent_version_pages(cl, agent, NULL, &pagers[2]));
  OK(jiga_review_pages(cl, agent, NULL, &pagers[3]));
  for (int i = 0; i < 4; i++) {
    int pages = 0;
    for (;;) {
      uint64_t owner_of = i == 0 ? other : cl;
      RUN(owner_of, c, jiga_paginator_next(pagers[i], &op_));
      CHECK(expect_ok(&c), "page");
      int done = strcmp(c.json, "null") == 0;
      jiga_completion_free(&c);
      if (done) break;
      CHECK(++pages < 50, "paginator %d ends", i);
    }
    CHECK(i == 3 || pages >= 1, "paginator %d had a page", i);
    OK(jiga_paginator_free(pagers[i]));
  }
  OK(jiga_client_free(other));
  OK(jiga_client_free(cl));
  return 0;
}

/* flow refresh: against a server whose access tokens live 2 s, calls keep succeeding. */
static int flow_refresh(void) {
  const char *url = getenv("JIGA_TEST_URL_SHORT_TTL");
  CHECK(url, "JIGA_TEST_URL_SHORT_TTL is set");
  char opts[512];
  snprintf(opts, sizeof opts, "{\"baseUrl\":\"%s\"}", url);
  uint64_t cl = 0;
  OK(jiga_client_new(opts, &cl));
  jiga_completion c;
  RUN(cl, c, jiga_sign_in_device(cl, "c-refresh", &op_));
  CHECK(expect_ok(&c), "sign in");
  jiga_completion_free(&c);
  char *before = NULL, *after = NULL;
  OK(jiga_client_tokens(cl, &before));
  for (int round = 0; round < 3; round++) {
    sleep(2);
    enum { N = 6 };
    uint64_t ops[N];
    for (int i = 0; i < N; i++) OK(jiga_wallet(cl, &ops[i]));
    /* Concurrent calls meeting an expired token share one refresh (the core's). */
    int done = 0;
    time_t deadline = time(NULL) + 30;
    while (done < N && time(NULL) < deadline) {
      if (jiga_wait(cl, 200) != JIGA_OK) continue;
      while (jiga_poll(cl, &c) == JIGA_OK) {
        CHECK(c.kind == JIGA_COMPLETION_KIND_OP && expect_ok(&c), "call after the token expired");
        done++;
        jiga_completion_free(&c);
      }
    }
    CHECK(done == N, "%d of %d calls completed", done, N);
  }
  RUN(cl, c, jiga_refresh(cl, &op_));
  CHECK(expect_ok(&c) && strcmp(c.json, "null") == 0, "explicit refresh");
  jiga_completion_free(&c);
  OK(jiga_client_tokens(cl, &after));
  CHECK(strcmp(before, after) != 0, "the tokens changed");
  jiga_string_free(before);
  jiga_string_free(after);
  OK(jiga_client_free(cl));
  return 0;
}

/* errors: rate limited, against a server allowing 5 anonymous requests a minute. */
static int flow_rate_limited(void) {
  const char *url = getenv("JIGA_TEST_URL_LIMITED");
  CHECK(url, "JIGA_TEST_URL_LIMITED is set");
  char opts[512];
  snprintf(opts, sizeof opts, "{\"baseUrl\":\"%s\",\"retry\":{\"maxAttempts\":1}}", url);
  uint64_t cl = 0;
  OK(jiga_client_new(opts, &cl));
  int limited = 0;
  for (int i = 0; i < 10 && !limited; i++) {
    jiga_completion c;
    RUN(cl, c, jiga_categories(cl, &op_));
    if (c.status != JIGA_OK) {
      CHECK(expect_error(&c, JIGA_ERROR_KIND_RATE_LIMITED, 429), "rate limited");
      CHECK(c.error.retry_after_secs > 0 && c.error.request_id, "retry after %" PRId64,
            c.error.retry_after_secs);
      limited = 1;
    }
    jiga_completion_free(&c);
  }
  CHECK(limited, "the limit was reached");
  OK(jiga_client_free(cl));
  return 0;
}

static long long read_count(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  long long n = 0;
  if (fscanf(f, "%lld", &n) != 1) n = 0;
  fclose(f);
  return n;
}

static long long available(uint64_t cl) {
  jiga_completion c;
  uint64_t op = 0;
  if (jiga_wallet(cl, &op) != JIGA_OK || await_op(cl, op, &c) != JIGA_OK) return -1;
  long long v = c.status == JIGA_OK ? json_int(c.json, "available", -1) : -1;
  jiga_completion_free(&c);
  return v;
}

/* flow resume_across_cuts: a fast session, replayed through a proxy that cuts every
 * connection after a few hundred bytes; the host sees every seq once, in order. */
static int flow_resume_across_cuts(void) {
  const char *chop_url = getenv("JIGA_TEST_URL_CHOP"), *stats = getenv("JIGA_TEST_CHOP_STATS");
  CHECK(chop_url && stats, "the chopping proxy is set up");
  uint64_t owner = new_client(NULL), cl = new_client(NULL);
  CHECK(owner && cl, "clients");
  if (device_user(owner, "c-cuts-owner", 0) || device_user(cl, "c-cuts-hirer", 1000)) return 1;
  char agent[64], sid[64];
  if (own_agent(owner, 50, 1, agent, sizeof agent)) return 1;
  if (hire_agent(cl, agent, 900, sid, sizeof sid)) return 1;
  sleep(3);
  jiga_completion c;
  RUN(cl, c, jiga_session_end(cl, sid, &op_));
  CHECK(expect_ok(&c), "end");
  jiga_completion_free(&c);

  /* The same user's tokens, in a client whose every connection goes through the proxy. */
  char *tokens = NULL;
  OK(jiga_client_tokens(cl, &tokens));
  char opts[4096];
  snprintf(opts, sizeof opts, "{\"baseUrl\":\"%s\",\"tokens\":%s}", chop_url, tokens);
  jiga_string_free(tokens);
  uint64_t via = 0;
  OK(jiga_client_new(opts, &via));
  long long cuts_before = read_count(stats);
  uint64_t stream = 0;
  OK(jiga_session_open(via, sid, NULL, &stream));
  uint64_t last = 0;
  int ended = 0, end = 0;
  time_t deadline = time(NULL) + 240;
  while (!end && time(NULL) < deadline) {
    if (jiga_wait(via, 500) != JIGA_OK) continue;
    while (jiga_poll(via, &c) == JIGA_OK) {
      if (c.kind == JIGA_COMPLETION_KIND_SESSION_EVENT) {
        CHECK(c.event.seq == last + 1, "seq %" PRIu64 " after %" PRIu64, c.event.seq, last);
        last = c.event.seq;
        ended |= c.event.kind == JIGA_EVENT_KIND_ENDED;
      } else if (c.kind == JIGA_COMPLETION_KIND_STREAM_END) {
        CHECK(c.status == JIGA_OK, "clean end: %s", c.error.message ? c.error.message : "-");
        CHECK(c.json && strstr(c.json, "\"consumed\""), "reconciled across cuts");
        end = 1;
      }
      jiga_completion_free(&c);
    }
  }
  long long cuts = read_count(stats) - cuts_before;
  CHECK(end && ended, "the replay reached session.ended (last seq %" PRIu64 ")", last);
  CHECK(cuts >= 50, "at least 50 cuts: %lld over %" PRIu64 " events", cuts, last);
  printf("     %" PRIu64 " events through %lld cuts\n", last, cuts);
  OK(jiga_session_close(stream));
  OK(jiga_client_free(via));
  OK(jiga_client_free(cl));
  OK(jiga_client_free(owner));
  return 0;
}

/* flow idempotent_retry: a hire whose first answer the proxy drops; the core retries under
 * the same idempotency key and the wallet moves once. */
static int flow_idempotent_retry(void) {
  const char *drop_url = getenv("JIGA_TEST_URL_DROP");
  CHECK(drop_url, "the dropping proxy is set up");
  char opts[512];
  snprintf(opts, sizeof opts,
           "{\"baseUrl\":\"%s\",\"retry\":{\"initialBackoffMs\":10,\"maxBackoffMs\":50}}",
           drop_url);
  uint64_t cl = 0, direct = new_client(NULL);
  OK(jiga_client_new(opts, &cl));
  CHECK(direct, "client");
  if (device_user(direct, "c-retry-owner", 0)) return 1;
  char agent[64];
  if (own_agent(direct, 1, 1, agent, sizeof agent)) return 1;
  if (device_user(cl, "c-retry-hirer", 500)) return 1;
  long long before = available(cl);
  char sid[64];
  if (hire_agent(cl, agent, 120, sid, sizeof sid)) return 1;
  long long after = available(cl);
  CHECK(before == 500 && after == before - 120, "held once: %lld -> %lld", before, after);
  jiga_completion c;
  RUN(cl, c, jiga_sessions(cl, "{\"status\":\"active\"}", &op_));
  CHECK(expect_ok(&c) && count(c.json, "\"ses_") == 1, "one session: %s", c.json);
  jiga_completion_free(&c);
  RUN(cl, c, jiga_session_end(cl, sid, &op_));
  CHECK(expect_ok(&c), "end");
  jiga_completion_free(&c);
  OK(jiga_client_free(cl));
  OK(jiga_client_free(direct));
  return 0;
}

/* One trivial ABI call, timed: jiga_poll on an empty queue (what a game does each frame). */
static int bench_trivial_call(void) {
  if (!getenv("JIGA_BENCH")) return 0;
  uint64_t cl = new_client(NULL);
  CHECK(cl, "client");
  jiga_completion c;
  const int n = 2000000;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < n; i++) (void)jiga_poll(cl, &c);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n;
  printf("bench: jiga_poll on an empty queue: %.1f ns per call\n", ns);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < n; i++) (void)jiga_version();
  clock_gettime(CLOCK_MONOTONIC, &t1);
  ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n;
  printf("bench: jiga_version: %.1f ns per call\n", ns);
  OK(jiga_client_free(cl));
  return 0;
}

struct test {
  const char *name;
  int (*fn)(void);
};

int main(void) {
  URL = getenv("JIGA_TEST_URL");
  if (!URL) {
    fprintf(stderr, "JIGA_TEST_URL is not set\n");
    return 2;
  }
  const struct test tests[] = {
      {"flow_sign_in", flow_sign_in},
      {"flow_search_paging", flow_search_paging},
      {"flow_hire_stream_end", flow_hire_stream_end},
      {"flow_wallet", flow_wallet},
      {"flow_errors", flow_errors},
      {"flow_budget_guard", flow_budget_guard},
      {"flow_notifications", flow_notifications},
      {"flow_webhook", flow_webhook},
      {"flow_cancel", flow_cancel},
      {"flow_refresh", flow_refresh},
      {"flow_rate_limited", flow_rate_limited},
      {"wakeup_callback", wakeup_callback},
      {"routes", routes},
      {"flow_resume_across_cuts", flow_resume_across_cuts},
      {"flow_idempotent_retry", flow_idempotent_retry},
      {"misuse", misuse},
      {"flow_shutdown", flow_shutdown},
      {"bench_trivial_call", bench_trivial_call},
  };
  int passed = 0, failed = 0;
  if (jiga_init() != JIGA_OK) return 2;
  for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
    fail_msg[0] = 0;
    int r = tests[i].fn();
    if (r == 0) {
      passed++;
      printf("ok   %s\n", tests[i].name);
    } else {
      failed++;
      printf("FAIL %s: %s\n", tests[i].name, fail_msg);
    }
    fflush(stdout);
  }
  jiga_shutdown();
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
