/*
 * The same replay read by a C host through libjiga (jiga_poll / jiga_completion_free only):
 * the ABI's own ceiling, between the Rust core alone and the C# reader. Run by bench/run.sh.
 * Usage: replay_c URL SESSION_ID DEVICE_ID RUNS; prints "c_events_per_sec=N" (best of RUNS).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "jiga.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: replay_c URL SESSION_ID DEVICE_ID RUNS\n");
    return 2;
  }
  char opts[1024];
  snprintf(opts, sizeof opts, "{\"baseUrl\":\"%s\",\"queueCapacity\":4096}", argv[1]);
  uint64_t client = 0, op = 0;
  jiga_completion r;
  if (jiga_init() != JIGA_OK || jiga_client_new(opts, &client) != JIGA_OK ||
      jiga_sign_in_device(client, argv[3], &op) != JIGA_OK) {
    fprintf(stderr, "setup: %s\n", jiga_last_error_message());
    return 1;
  }
  for (int done = 0; !done;) {
    jiga_wait(client, 1000);
    while (jiga_poll(client, &r) == JIGA_OK) {
      if (r.kind == JIGA_COMPLETION_KIND_OP && r.op_id == op) {
        if (r.status != JIGA_OK) {
          fprintf(stderr, "sign-in failed: %s\n", r.error.message);
          return 1;
        }
        done = 1;
      }
      jiga_completion_free(&r);
    }
  }
  double best = 0;
  for (int k = 0; k < atoi(argv[4]); k++) {
    uint64_t stream = 0;
    double t0 = now();
    if (jiga_session_open(client, argv[2], NULL, &stream) != JIGA_OK) return 1;
    long n = 0;
    int end = 0;
    while (!end) {
      if (jiga_poll(client, &r) != JIGA_OK) {
        jiga_wait(client, 1000);
        continue;
      }
      if (r.kind == JIGA_COMPLETION_KIND_STREAM_END) {
        if (r.status != JIGA_OK) return 1;
        end = 1;
      } else if (r.kind == JIGA_COMPLETION_KIND_SESSION_EVENT) {
        n++;
      }
      jiga_completion_free(&r);
    }
    double rate = n / (now() - t0);
    if (rate > best) best = rate;
    jiga_session_close(stream);
  }
  printf("c_events_per_sec=%.0f\n", best);
  jiga_client_free(client);
  jiga_shutdown();
  return 0;
}
