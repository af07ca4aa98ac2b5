/* run.c — `blizzard run`: Arrow IPC inputs into the sink a YAML config describes, with the event
 * log, the progress line, the metrics server and a clean stop on SIGINT/SIGTERM. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "metrics_server.h"

static void usage_run(FILE *f) {
  fprintf(f,
          "usage: blizzard run --config FILE [--check] [--quiet] INPUT...\n\n"
          "run: streams Arrow IPC inputs (files, folders of *.arrows/*.arrow files, or - for stdin)\n"
          "into the sink the YAML config describes: rolling, partitioned Parquet files named by\n"
          "UUIDv7 plus _staging/pending/{uuid}.meta.json for each stored file.\n"
          "  --config FILE          the YAML configuration (sink: path, file_size_mb, ...)\n"
          "  --check                validate the configuration only\n"
          "  --quiet                warnings and errors only, no progress line\n"
          "  --log-level L          error, warn, info (default) or debug: one line per event on stderr\n"
          "  --log-format F         text (default) or json\n"
          "A `metrics:` section (enabled: true, address: HOST:PORT, default 0.0.0.0:9090) serves\n"
          "GET /metrics (Prometheus text format) and GET /health while the run lasts. On a terminal a\n"
          "progress line shows rows/s, MB/s, files written and uploads in flight.\n"
          "SIGINT/SIGTERM stop reading, finish and store every open file, and exit 0.\n"
          "\n"
          "Exactly once for files: each stored file's source rows are recorded in the table's landed\n"
          "log (_blizzard/landed.log; for S3 in the spill folder), and running again with the same\n"
          "input files after a crash or kill skips exactly the rows already landed. Rows read from\n"
          "stdin or a pipe are at most once: those not yet in a stored file when the run dies are lost.\n"
          "One run per table at a time (a lock in _blizzard/).\n"
          "\n");
}


static volatile int stop_requested = 0;
static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

typedef struct run_state {
  blz_sink *sink; /* read by the metrics thread: set once, before the ticker starts */
  int quiet, progress;
  int ticker_stop; /* atomics */
  int64_t rows_read, batches_read;
} run_state;

static void on_finished(void *ctx, const blz_finished_file *f) {
  (void)ctx;
  char rows[32], bytes[32];
  snprintf(rows, sizeof rows, "%lld", (long long)f->record_count);
  snprintf(bytes, sizeof bytes, "%lld", (long long)f->size);
  if (f->stored)
    log_event(LOG_INFO, "file_stored", "file", f->filename, "rows", rows, "bytes", bytes, "source", f->source_file, NULL);
  else
    log_event(LOG_ERROR, "file_not_stored", "file", f->filename, "rows", rows, "bytes", bytes, NULL);
}

static void on_event(void *ctx, const char *event, const char *object, const char *detail) {
  (void)ctx;
  log_event(LOG_WARN, event, "object", object, "detail", detail, NULL);
}

static void snapshot(void *ctx, blz_sink_stats *s) {
  run_state *rs = ctx;
  blz_sink *sink = __atomic_load_n(&rs->sink, __ATOMIC_ACQUIRE);
  if (sink) blz_sink_get_stats(sink, s);
}

static void *ticker(void *arg) {
  run_state *rs = arg;
  double start = cli_now_s(), last_progress = start;
  while (!__atomic_load_n(&rs->ticker_stop, __ATOMIC_ACQUIRE)) {
    cli_sleep_unless(&rs->ticker_stop, 100);
    blz_error e = {0};
    if (blz_sink_tick(rs->sink, &e) != BLZ_OK) log_event(LOG_ERROR, "tick_failed", "error", e.message, NULL);
    double t = cli_now_s();
    if (rs->progress && t - last_progress >= 1.0) {
      last_progress = t;
      blz_sink_stats s;
      blz_sink_get_stats(rs->sink, &s);
      double el = t - start;
      /* bytes encoded so far: stored files plus what open files hold, so the rate moves before the
       * first file completes */
      fprintf(stderr, "\r%lld rows  %.0f rows/s  %.1f MB/s encoded  %lld files  %lld uploads in flight   ",
              (long long)s.rows_received, (double)s.rows_received / el,
              (double)(s.bytes_written + s.open_bytes) / 1e6 / el, (long long)s.files_written,
              (long long)s.active_uploads);
      fflush(stderr);
    }
  }
  if (rs->progress) fputc('\n', stderr);
  return NULL;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Expands folders into their *.arrows / *.arrow files, sorted by name. */
static int expand_inputs(int n, char **in, char ***out, int *nout) {
  *out = NULL;
  *nout = 0;
  for (int i = 0; i < n; i++) {
    struct stat st;
    if (strcmp(in[i], "-") && stat(in[i], &st) == 0 && S_ISDIR(st.st_mode)) {
      DIR *d = opendir(in[i]);
      if (!d) {
        log_say(LOG_ERROR, "cannot read folder %s: %s", in[i], strerror(errno));
        return -1;
      }
      int start = *nout;
      struct dirent *e;
      while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.') continue;
        if (!((l > 7 && !strcmp(e->d_name + l - 7, ".arrows")) || (l > 6 && !strcmp(e->d_name + l - 6, ".arrow")))) continue;
        *out = realloc(*out, (size_t)(*nout + 1) * sizeof **out);
        size_t pl = strlen(in[i]) + l + 2;
        (*out)[*nout] = malloc(pl);
        snprintf((*out)[*nout], pl, "%s/%s", in[i], e->d_name);
        (*nout)++;
      }
      closedir(d);
      qsort(*out + start, (size_t)(*nout - start), sizeof **out, cmp_str);
    } else {
      *out = realloc(*out, (size_t)(*nout + 1) * sizeof **out);
      (*out)[(*nout)++] = strdup(in[i]);
    }
  }
  return 0;
}

static int same_schema(const struct ArrowSchema *a, const struct ArrowSchema *b) {
  if (strcmp(a->format, b->format) || a->n_children != b->n_children) return 0;
  if (strcmp(a->name ? a->name : "", b->name ? b->name : "")) return 0;
  if ((a->dictionary == NULL) != (b->dictionary == NULL)) return 0;
  if (a->dictionary && !same_schema(a->dictionary, b->dictionary)) return 0;
  for (int64_t i = 0; i < a->n_children; i++)
    if (!same_schema(a->children[i], b->children[i])) return 0;
  return 1;
}

/* What `run` was asked to do. */
typedef struct run_args {
  const char *config;
  int check, quiet, level;
  bool json;
  char **inputs;
  int ninputs;
} run_args;

/* Parses run's options; returns -1 to go on, else the exit code (help printed, or a usage error). */
static int parse_run_args(int argc, char **argv, run_args *a) {
  memset(a, 0, sizeof *a);
  a->level = LOG_INFO;
  a->inputs = calloc((size_t)argc + 1, sizeof *a->inputs);
  if (!a->inputs) return 1;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--config") && i + 1 < argc) a->config = argv[++i];
    else if (!strcmp(argv[i], "--log-level") && i + 1 < argc) {
      a->level = log_level_parse(argv[++i]);
      if (a->level < 0) {
        fprintf(stderr, "blizzard: --log-level: error, warn, info or debug, not '%s'\n", argv[i]);
        return 2;
      }
    } else if (!strcmp(argv[i], "--log-format") && i + 1 < argc) {
      i++;
      if (strcmp(argv[i], "json") && strcmp(argv[i], "text")) {
        fprintf(stderr, "blizzard: --log-format: text or json, not '%s'\n", argv[i]);
        return 2;
      }
      a->json = !strcmp(argv[i], "json");
    } else if (!strcmp(argv[i], "--check")) a->check = 1;
    else if (!strcmp(argv[i], "--quiet")) a->quiet = 1;
    else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      usage_run(stdout);
      return 0;
    } else if (!strncmp(argv[i], "--", 2)) {
      fprintf(stderr, "blizzard: unknown option %s (see --help)\n", argv[i]);
      return 2;
    } else a->inputs[a->ninputs++] = argv[i];
  }
  if (a->quiet && a->level > LOG_WARN) a->level = LOG_WARN;
  if (!a->config) {
    fprintf(stderr, "blizzard: run needs --config FILE\n");
    return 2;
  }
  return -1;
}

/* SIGINT/SIGTERM stop reading; no SA_RESTART, so a blocking read returns and the run can stop. */
static void install_stop_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

/* The sink, once the first input's schema is known, and its ticker thread (which must not take
 * the stop signals: they go to the reading thread). Returns 0 or an exit code. */
static int start_sink(run_state *rs, const blz_sink_config *cfg, blz_sink_hooks *hooks,
                      const struct ArrowSchema *schema, pthread_t *tick_thread, int *ticking) {
  blz_sink *sink = NULL;
  blz_error err = {0};
  if (blz_sink_create(cfg, schema, hooks, &sink, &err)) {
    log_say(LOG_ERROR, "%s", err.message);
    return 2;
  }
  __atomic_store_n(&rs->sink, sink, __ATOMIC_RELEASE);
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  *ticking = pthread_create(tick_thread, NULL, ticker, rs) == 0;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return 0;
}

/* Streams every batch of one input into the sink; returns 0 or an exit code. `source` names the
 * input's rows for the landed log: the absolute path of a regular file; NULL for stdin and pipes,
 * whose rows cannot be read again. */
static int run_input(run_state *rs, const char *name, const char *source, struct ArrowArrayStream *stream) {
  bool is_stdin = !strcmp(name, "-");
  blz_error err = {0};
  int rc = 0;
  while (rc == 0 && !stop_requested) {
    struct ArrowArray batch;
    if (stream->get_next(stream, &batch)) {
      if (!stop_requested) {
        log_say(LOG_ERROR, "%s: %s", is_stdin ? "stdin" : name, stream->get_last_error(stream));
        rc = 1;
      }
      break;
    }
    if (!batch.release) break;
    rs->rows_read += batch.length;
    rs->batches_read++;
    if (blz_sink_write(rs->sink, &batch, source, &err)) {
      log_say(LOG_ERROR, "%s: %s", is_stdin ? "stdin" : name, err.message);
      rc = 1;
    }
    batch.release(&batch);
  }
  return rc;
}

/* Closes the sink (storing every open file), prints the summary, stops the metrics server before
 * the sink is freed. Returns the exit code given the run's so far. */
static int finish_run(run_state *rs, metrics_server *ms, int rc) {
  if (!rs->sink) {
    metrics_server_stop(ms);
    return rc;
  }
  blz_error err = {0};
  if (blz_sink_close(rs->sink, &err)) {
    log_say(LOG_ERROR, "not stored: %s", err.message);
    rc = rc ? rc : 1;
  }
  blz_sink_stats ss;
  blz_sink_get_stats(rs->sink, &ss);
  if (log_json()) { /* the summary as one event, its numbers as numbers */
    char v[8][24];
    int64_t nums[8] = {rs->rows_read, rs->batches_read, ss.rows_skipped, ss.files_written, ss.rows_written,
                       ss.bytes_written, ss.files_failed, ss.bytes_uploaded};
    for (int i = 0; i < 8; i++) snprintf(v[i], sizeof v[i], "%lld", (long long)nums[i]);
    log_force(LOG_INFO, "run_finished", "rows_read", v[0], "batches_read", v[1], "rows_skipped", v[2],
              "files_stored", v[3], "rows_stored", v[4], "bytes_stored", v[5], "files_failed", v[6],
              "bytes_uploaded", v[7], "stopped_by", stop_requested ? "signal" : NULL, NULL);
  } else {
    if (ss.rows_skipped) log_say(LOG_INFO, "skipped %lld rows that an earlier run had landed", (long long)ss.rows_skipped);
    log_say(LOG_INFO, "read %lld rows in %lld batches%s; stored %lld files, %lld rows, %lld bytes; %lld files failed",
            (long long)rs->rows_read, (long long)rs->batches_read, stop_requested ? " (stopped by signal)" : "",
            (long long)ss.files_written, (long long)ss.rows_written, (long long)ss.bytes_written,
            (long long)ss.files_failed);
    if (ss.bytes_uploaded || ss.upload_failures || ss.upload_retries)
      log_say(LOG_INFO, "uploaded %lld bytes; %lld multipart uploads, %lld retries, %lld failed uploads",
              (long long)ss.bytes_uploaded, (long long)ss.multipart_uploads, (long long)ss.upload_retries,
              (long long)ss.upload_failures);
  }
  blz_sink *sink = rs->sink;
  __atomic_store_n(&rs->sink, NULL, __ATOMIC_RELEASE);
  metrics_server_stop(ms); /* no scrape may run while the sink is freed */
  blz_sink_destroy(sink);
  return rc;
}

int cli_run(int argc, char **argv) {
  run_args a;
  int rc = parse_run_args(argc, argv, &a);
  if (rc >= 0) {
    free(a.inputs);
    return rc;
  }
  log_setup(a.level, a.json);
  blz_sink_config cfg;
  blz_sink_config_init(&cfg);
  blz_error err = {0};
  char **files = NULL;
  int nfiles = 0;
  if (cli_load_config(a.config, &cfg, &err)) {
    log_say(LOG_ERROR, "%s", err.message);
    rc = 2;
  } else if (a.check) {
    printf("blizzard: %s is valid (sink.path %s)\n", a.config, cfg.path);
    rc = 0;
  } else if (a.ninputs == 0) {
    log_say(LOG_ERROR, "run needs at least one INPUT (a file, a folder or -)");
    rc = 2;
  } else if (expand_inputs(a.ninputs, a.inputs, &files, &nfiles)) {
    rc = 1;
  }
  free(a.inputs);
  if (rc >= 0) {
    blz_sink_config_free(&cfg);
    return rc;
  }
  rc = 0;
  install_stop_handlers();
  run_state rs = {0};
  rs.quiet = a.quiet;
  rs.progress = !a.quiet && isatty(2);
  blz_sink_hooks hooks = {NULL, on_finished, on_event, &rs};
  metrics_server *ms = NULL;
  if (cfg.metrics_enabled) {
    char merr[512];
    ms = metrics_server_start(cfg.metrics_address, snapshot, &rs, merr, sizeof merr);
    if (!ms) {
      log_say(LOG_ERROR, "%s", merr);
      rc = 2;
    } else {
      log_event(LOG_INFO, "metrics_listening", "address", cfg.metrics_address, NULL);
    }
  }
  if (!rc) log_event(LOG_INFO, "run_started", "config", a.config, "path", cfg.path, NULL);
  struct ArrowSchema first_schema = {0};
  cli_input_release released = {0};
  pthread_t tick_thread;
  int ticking = 0;
  for (int i = 0; i < nfiles && !stop_requested && rc == 0; i++) {
    const char *name = files[i];
    int is_stdin = !strcmp(name, "-");
    int fd = is_stdin ? 0 : open(name, O_RDONLY);
    if (fd < 0) {
      log_say(LOG_ERROR, "cannot open %s: %s", name, strerror(errno));
      rc = 1;
      break;
    }
    struct ArrowArrayStream stream;
    if (blz_ipc_stream_from_fd_cancellable(fd, &stop_requested, &stream, &err)) {
      if (!stop_requested) {
        log_say(LOG_ERROR, "%s: %s", is_stdin ? "stdin" : name, err.message);
        rc = 1;
      }
      if (!is_stdin) close(fd);
      break;
    }
    struct ArrowSchema schema;
    stream.get_schema(&stream, &schema);
    log_event(LOG_INFO, "input_opened", "input", is_stdin ? "stdin" : name, NULL);
    if (!rs.sink) {
      rc = start_sink(&rs, &cfg, &hooks, &schema, &tick_thread, &ticking);
      if (!rc) {
        first_schema = schema; /* kept to compare the next inputs with */
        schema.release = NULL;
      }
    } else if (!same_schema(&first_schema, &schema)) {
      log_say(LOG_ERROR, "%s: its schema differs from the first input's", name);
      rc = 1;
    }
    if (schema.release) schema.release(&schema);
    struct stat fst;
    char *source = !is_stdin && fstat(fd, &fst) == 0 && S_ISREG(fst.st_mode) ? realpath(name, NULL) : NULL;
    if (!rc) rc = run_input(&rs, name, source, &stream);
    free(source);
    cli_release_input(&released, &stream, is_stdin ? -1 : fd);
  }
  if (ticking) {
    __atomic_store_n(&rs.ticker_stop, 1, __ATOMIC_RELEASE);
    pthread_join(tick_thread, NULL);
  }
  rc = finish_run(&rs, ms, rc);
  if (released.started) pthread_join(released.thread, NULL);
  if (first_schema.release) first_schema.release(&first_schema);
  for (int i = 0; i < nfiles; i++) free(files[i]);
  free(files);
  blz_sink_config_free(&cfg);
  return rc;
}
