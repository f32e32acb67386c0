/*
 * Signs in as the demo player, hires the best-rated agent of the demo store, prints the
 * session's stream, and ends it after a few actions. Everything through libjiga's C ABI.
 *
 * Run with: make -C examples/c run URL=http://127.0.0.1:3000
 * (a store: cargo run --release -p jiga-server -- --seed-demo --db sqlite::memory:)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jiga.h"

/* Polls until operation `op` completes; prints any event that arrives meanwhile. */
static int await_op(uint64_t client, uint64_t op, jiga_completion *out) {
  for (;;) {
    if (jiga_wait(client, 10000) != JIGA_OK) return -1;
    while (jiga_poll(client, out) == JIGA_OK) {
      if (out->kind == JIGA_COMPLETION_KIND_OP && out->op_id == op) {
        if (out->status == JIGA_OK) return 0;
        fprintf(stderr, "error %s: %s\n", out->error.code ? out->error.code : "-",
                out->error.message);
        jiga_completion_free(out);
        return -1;
      }
      jiga_completion_free(out);
    }
  }
}

/* The string value of "key":"…" after `from`, copied into buf. */
static const char *field(const char *from, const char *key, char *buf, size_t n) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\":\"", key);
  const char *p = from ? strstr(from, pat) : NULL;
  if (!p) return NULL;
  size_t i = 0;
  for (p += strlen(pat); *p && *p != '"' && i + 1 < n; p++) buf[i++] = *p;
  buf[i] = 0;
  return buf;
}

int main(int argc, char **argv) {
  const char *url = argc > 1 ? argv[1] : "http://127.0.0.1:3000";
  char opts[256], agent[64], game[64] = "practice", sid[64], req[256];
  uint64_t client, op, stream;
  jiga_completion c;

  if (jiga_init() != JIGA_OK) return 1;
  snprintf(opts, sizeof opts, "{\"baseUrl\":\"%s\"}", url);
  if (jiga_client_new(opts, &client) != JIGA_OK) {
    fprintf(stderr, "%s\n", jiga_last_error_message());
    return 1;
  }
  jiga_login(client, "demo@jiga.dev", "demo-player-1", &op);
  if (await_op(client, op, &c)) return 1;
  jiga_completion_free(&c);

  jiga_search(client, "{\"sort\":\"rating\",\"priceMax\":50,\"limit\":1}", &op);
  if (await_op(client, op, &c)) return 1;
  if (!field(strstr(c.json, "\"items\":["), "id", agent, sizeof agent)) return 1;
  const char *g = strstr(c.json, "\"games\":[\"");
  if (g) sscanf(g + 10, "%63[^\"]", game);
  jiga_completion_free(&c);

  snprintf(req, sizeof req, "{\"agentId\":\"%s\",\"game\":\"%s\",\"budget\":300,\"maxMinutes\":5}",
           agent, game);
  jiga_hire(client, req, &op);
  if (await_op(client, op, &c)) return 1;
  field(strstr(c.json, "\"session\":"), "id", sid, sizeof sid);
  jiga_completion_free(&c);
  printf("hired %s for %s: session %s\n", agent, game, sid);

  jiga_session_open(client, sid, NULL, &stream);
  int actions = 0, done = 0;
  while (!done && jiga_wait(client, 30000) == JIGA_OK) {
    while (jiga_poll(client, &c) == JIGA_OK) {
      if (c.kind == JIGA_COMPLETION_KIND_SESSION_EVENT) {
        printf("#%llu kind %d consumed %lld: %s\n", (unsigned long long)c.event.seq,
               (int)c.event.kind, (long long)c.event.consumed, c.json);
        if (c.event.kind == JIGA_EVENT_KIND_ACTION && ++actions == 5)
          jiga_session_end(client, sid, &op);
      } else if (c.kind == JIGA_COMPLETION_KIND_OP) {
        if (c.json) printf("ended: %s\n", c.json);
      } else if (c.kind == JIGA_COMPLETION_KIND_STREAM_END) {
        done = 1;
      }
      jiga_completion_free(&c);
    }
  }
  jiga_session_close(stream);
  jiga_client_free(client);
  jiga_shutdown();
  return 0;
}
