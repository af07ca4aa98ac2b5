/* cli.c — what the CLI's commands share: a sink configuration loaded and checked, an input torn
 * down on a thread, and the tickers' clock and sleep. */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void *input_release_main(void *arg) {
  cli_input_release *r = arg;
  r->stream.release(&r->stream);
  if (r->fd >= 0) close(r->fd);
  return NULL;
}

/* Waits for the previous input's teardown, then starts this one's (in place if no thread). */
void cli_release_input(cli_input_release *r, struct ArrowArrayStream *stream, int fd) {
  if (r->started) pthread_join(r->thread, NULL);
  r->stream = *stream;
  stream->release = NULL;
  r->fd = fd;
  r->started = pthread_create(&r->thread, NULL, input_release_main, r) == 0;
  if (!r->started) input_release_main(r);
}

double cli_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps ms milliseconds in 10 ms steps, returning early once *stop is set: a ticker thread must
 * not hold up the end of a short command by its whole period. */
void cli_sleep_unless(const int *stop, int ms) {
  for (int i = 0; i < ms / 10 && !__atomic_load_n(stop, __ATOMIC_ACQUIRE); i++) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

/* The YAML file, then the library's own validation of what it says: the same checks for --check,
 * run and upload. On failure *cfg owns nothing. */
blz_status cli_load_config(const char *path, blz_sink_config *cfg, blz_error *err) {
  blz_status st = blz_sink_config_load(path, cfg, err);
  if (st) return st;
  st = blz_sink_config_validate(cfg, err);
  if (st) {
    char msg[sizeof err->message + 64];
    snprintf(msg, sizeof msg, "%.60s: %s", path, err->message);
    size_t n = strlen(msg) < sizeof err->message ? strlen(msg) : sizeof err->message - 1;
    memcpy(err->message, msg, n);
    err->message[n] = 0;
    blz_sink_config_free(cfg);
  }
  return st;
}
