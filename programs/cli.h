/* cli.h — what the CLI's commands share: their entry points, a sink configuration loaded and
 * checked, an input torn down on a thread, and the tickers' clock and sleep. Private to programs/. */
#ifndef BLZ_CLI_H
#define BLZ_CLI_H

#include <pthread.h>
#include <stdbool.h>

#include "blizzard.h"

/* The commands. argv holds the command's own arguments (after "blizzard COMMAND"); each returns
 * the exit code: 0 success, 1 the work failed, 2 a usage or configuration error. */
int cli_convert(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_upload(int argc, char **argv);
int cli_recover(int argc, char **argv);

/* The YAML file at path, then the library's own validation of what it says (the same checks for
 * run --check, run, upload and recover), the message prefixed with the path. On failure *cfg
 * owns nothing. */
blz_status cli_load_config(const char *path, blz_sink_config *cfg, blz_error *err);

/* An input torn down on a thread of its own: unmapping a large input file (the 372 MB event log:
 * 12-20 ms) then overlaps the next input or the sink's close instead of delaying them. The stream
 * is done with: its batches were released as they were written. */
typedef struct cli_input_release {
  struct ArrowArrayStream stream;
  int fd; /* closed after the stream; -1: stdin, left open */
  pthread_t thread;
  bool started;
} cli_input_release;

/* Waits for the previous input's teardown held in r, then starts this one's: `stream` (moved into
 * r; its release is cleared) then fd (-1: none) on a thread, or here if no thread starts. */
void cli_release_input(cli_input_release *r, struct ArrowArrayStream *stream, int fd);

/* Seconds on the monotonic clock. */
double cli_now_s(void);
/* Sleeps ms milliseconds in 10 ms steps, returning early once *stop is set (read atomically). */
void cli_sleep_unless(const int *stop, int ms);

#endif
