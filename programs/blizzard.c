/* blizzard.c — the command-line tool: `blizzard convert IN OUT` turns an Arrow IPC stream into Parquet. */
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include "blizzard.h"
#include "log.h"
#include "metrics_server.h"

/* The overview (blizzard --help) and each command's own flags (blizzard COMMAND --help). */
static void usage(FILE *f) {
  fprintf(f,
          "usage: blizzard convert IN OUT [options]\n"
          "       blizzard run --config FILE [--check] [--quiet] INPUT...\n"
          "       blizzard upload --config FILE [--prefix P] LOCAL_FILE...\n"
          "       blizzard recover --config FILE\n"
          "       blizzard --version\n"
          "\n"
          "convert  an Arrow IPC stream or file into one Parquet file\n"
          "run      Arrow IPC inputs into the rolling, partitioned sink a YAML config describes\n"
          "upload   local files into the configured s3:// sink path\n"
          "recover  finish what a killed run left in the table (run does this first)\n"
          "'blizzard COMMAND --help' lists a command's options; exit codes: 0 success, 1 the work\n"
          "failed, 2 usage or configuration error (man blizzard).\n");
}

static void usage_convert(FILE *f) {
  fprintf(f,
          "usage: blizzard convert IN OUT [options]\n\n"
          "convert: reads an Arrow IPC stream (or IPC file) from IN, a path or - for stdin, and\n"
          "writes the Parquet file OUT. OUT appears only when complete: on any error nothing is\n"
          "left under that name and the exit code is non-zero.\n"
          "\n"
          "options:\n"
          "  --compression C        snappy (default), gzip, zstd, lz4 (written as LZ4_RAW), uncompressed\n"
          "  --compression-level N  gzip 1..12 (default 5), zstd 1..22 (default 1)\n"
          "  --row-group-bytes N    flush a row group at this estimated encoded size (default 134217728)\n"
          "  --page-bytes N         target data page size (default 1048576)\n"
          "  --dictionary-bytes N   dictionary size limit before falling back to PLAIN (default 1048576)\n"
          "  --no-dictionary        no dictionary encoding\n"
          "  --encoding-profile P   compatible (default): dictionary where it pays, else PLAIN, read by\n"
          "                         every reader; compact: else whichever of PLAIN, DELTA_BINARY_PACKED,\n"
          "                         DELTA_(LENGTH_)BYTE_ARRAY, BYTE_STREAM_SPLIT compresses smallest\n"
          "  --column-encoding C=E  column C (dotted path for nested leaves) always in encoding E: plain,\n"
          "                         rle_dictionary, delta_binary_packed, delta_length_byte_array,\n"
          "                         delta_byte_array, byte_stream_split (repeatable)\n"
          "  --data-page-version V  1 (default) or 2\n"
          "  --no-page-index        leave out ColumnIndex/OffsetIndex\n"
          "  --page-checksums       a CRC-32 of every page in its header\n"
          "  --bloom-filter C       a split-block bloom filter for column C after each of its chunks\n"
          "                         (repeatable; all: every column but booleans)\n"
          "  --bloom-filter-fpp P   the filters' false positive rate (default 0.01)\n"
          "  --sort-by C            sort each row group's rows by column C, ascending, stable (repeatable:\n"
          "                         later keys break ties); recorded as sorting_columns\n"
          "  --sort-nulls-first     with --sort-by: nulls before values (default: after)\n"
          "  --no-utf8-check        trust that string columns hold valid UTF-8 (by default a batch with\n"
          "                         invalid UTF-8 is refused, naming the column and row)\n"
          "  --threads N            threads encoding columns (default 0: one per core; 1: the calling\n"
          "                         thread only); the output is byte-identical for every N\n"
          "  --quiet                no summary line on stderr\n"
          "  -h, --help             this text\n"
          "\n");
}

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

static void usage_upload(FILE *f) {
  fprintf(f,
          "usage: blizzard upload --config FILE [--prefix P] LOCAL_FILE...\n\n"
          "upload: puts local files into the configured s3:// sink.path as P/NAME (P defaults to\n"
          "nothing), with the sink's part size, concurrency and retries; e.g. to replay a spill folder.\n"
          "  --config FILE          the YAML configuration whose sink.path is s3://...\n"
          "  --prefix P             where under the sink path the files go (default: its root)\n");
}

static void usage_recover(FILE *f) {
  fprintf(f,
          "usage: blizzard recover --config FILE\n\n"
          "recover: finishes what a killed run left in the table, without reading input: files\n"
          "published without their _staging metadata get it, files waiting in the spill folder are\n"
          "uploaded and announced, temporary files are removed, multipart uploads a dead run left\n"
          "open are aborted. `run` does the same before it reads. Exit 0 when the table is clean.\n");
}

static int parse_i64(const char *flag, const char *s, int64_t min, int64_t *out) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || *end || end == s || v < min) {
    fprintf(stderr, "blizzard: %s expects an integer >= %lld, got '%s'\n", flag, (long long)min, s);
    return -1;
  }
  *out = v;
  return 0;
}

/* An input torn down on a thread of its own: unmapping a large input file (the 372 MB event log:
 * 12-20 ms) then overlaps the next input or the sink's close instead of delaying them. The stream
 * is done with: its batches were released as they were written. */
typedef struct input_release {
  struct ArrowArrayStream stream;
  int fd; /* closed after the stream; -1: stdin, left open */
  pthread_t thread;
  bool started;
} input_release;

static void *input_release_main(void *arg) {
  input_release *r = arg;
  r->stream.release(&r->stream);
  if (r->fd >= 0) close(r->fd);
  return NULL;
}

/* Waits for the previous input's teardown, then starts this one's (in place if no thread). */
static void release_input(input_release *r, struct ArrowArrayStream *stream, int fd) {
  if (r->started) pthread_join(r->thread, NULL);
  r->stream = *stream;
  stream->release = NULL;
  r->fd = fd;
  r->started = pthread_create(&r->thread, NULL, input_release_main, r) == 0;
  if (!r->started) input_release_main(r);
}

/* A pass-through stream that counts the rows handed out, for the progress line. */
typedef struct counting_stream {
  struct ArrowArrayStream in;
  int64_t rows; /* atomics: read by the progress thread */
} counting_stream;

static int cnt_schema(struct ArrowArrayStream *s, struct ArrowSchema *out) {
  counting_stream *c = s->private_data;
  return c->in.get_schema(&c->in, out);
}
static int cnt_next(struct ArrowArrayStream *s, struct ArrowArray *out) {
  counting_stream *c = s->private_data;
  int rc = c->in.get_next(&c->in, out);
  if (!rc && out->release) __atomic_add_fetch(&c->rows, out->length, __ATOMIC_RELAXED);
  return rc;
}
static const char *cnt_error(struct ArrowArrayStream *s) {
  counting_stream *c = s->private_data;
  return c->in.release && c->in.get_last_error ? c->in.get_last_error(&c->in) : NULL;
}
static void cnt_release(struct ArrowArrayStream *s) {
  counting_stream *c = s->private_data;
  if (c->in.release) c->in.release(&c->in);
  s->release = NULL;
}

/* convert's input_done: the input (the 372 MB event log's mapping: 16-20 ms to unmap) is torn
 * down on a thread while the output thread writes the last row group, not after it. */
typedef struct convert_input {
  counting_stream *cnt;
  input_release released;
} convert_input;

static void convert_input_done(void *arg) {
  convert_input *ci = arg;
  release_input(&ci->released, &ci->cnt->in, -1);
}

/* The convert progress line on a terminal: rows, and for a file input its share read, MB/s and
 * the time left. */
typedef struct convert_progress {
  counting_stream *cnt;
  struct ArrowArrayStream ipc; /* a view of the IPC reader, for the bytes it has read */
  int64_t size;                /* of the input file; 0 when unknown (a pipe) */
  int stop; /* atomics */
} convert_progress;

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_progress(const convert_progress *p, double elapsed) {
  long long rows = (long long)__atomic_load_n(&p->cnt->rows, __ATOMIC_RELAXED);
  int64_t bytes = blz_ipc_stream_bytes_read(&p->ipc);
  if (elapsed <= 0) elapsed = 1e-9;
  if (p->size > 0 && bytes >= 0) {
    double rate = (double)bytes / elapsed, left = rate > 0 ? (double)(p->size - bytes) / rate : 0;
    fprintf(stderr, "\r%lld rows  %5.1f%% of input  %.1f MB/s  ETA %.0f s   ", rows, 100.0 * (double)bytes / (double)p->size,
            rate / 1e6, left);
  } else {
    fprintf(stderr, "\r%lld rows  %.0f rows/s   ", rows, (double)rows / elapsed);
  }
  fflush(stderr);
}

/* Sleeps ms milliseconds in 10 ms steps, returning early once *stop is set: a ticker thread must
 * not hold up the end of a short command by its whole period. */
static void sleep_unless(const int *stop, int ms) {
  for (int i = 0; i < ms / 10 && !__atomic_load_n(stop, __ATOMIC_ACQUIRE); i++) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

static void *convert_ticker(void *arg) {
  convert_progress *p = arg;
  double start = mono_s();
  while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
    print_progress(p, mono_s() - start);
    sleep_unless(&p->stop, 500);
  }
  print_progress(p, mono_s() - start);
  fputc('\n', stderr);
  return NULL;
}

static int cmd_convert(int argc, char **argv) {
  const char *in = NULL, *out = NULL;
  blz_writer_options opts;
  blz_writer_options_init(&opts);
  int quiet = 0;
  opts.threads = 0; /* every core, unless told otherwise */
  blz_column_encoding encs[argc + 1]; /* at most one per argument */
  opts.column_encodings = encs;
  const char *blooms[argc + 1];
  opts.bloom_filter_columns = blooms;
  const char *sorts[argc + 1];
  opts.sort_by = sorts;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    int64_t n;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage_convert(stdout);
      return 0;
    } else if (!strcmp(a, "--quiet")) {
      quiet = 1;
    } else if (!strcmp(a, "--no-dictionary")) {
      opts.enable_dictionary = 0;
    } else if (!strcmp(a, "--no-page-index")) {
      opts.write_page_index = 0;
    } else if (!strcmp(a, "--no-utf8-check")) {
      opts.validate_utf8 = 0;
    } else if (!strcmp(a, "--page-checksums")) {
      opts.page_checksums = 1;
    } else if (!strcmp(a, "--sort-nulls-first")) {
      opts.sort_nulls_first = 1;
    } else if (!strncmp(a, "--", 2) && strcmp(a, "--") != 0) {
      if (!v) {
        fprintf(stderr, "blizzard: %s needs a value\n", a);
        return 2;
      }
      i++;
      if (!strcmp(a, "--compression")) {
        if (blz_compression_parse(v, &opts.compression) != BLZ_OK) {
          fprintf(stderr, "blizzard: unknown compression '%s' (snappy, gzip, zstd, lz4, uncompressed)\n", v);
          return 2;
        }
      } else if (!strcmp(a, "--compression-level")) {
        if (parse_i64(a, v, 1, &n)) return 2;
        opts.compression_level = (int)n;
      } else if (!strcmp(a, "--sort-by")) {
        sorts[opts.n_sort_by++] = v;
      } else if (!strcmp(a, "--bloom-filter")) {
        if (!strcmp(v, "all")) opts.bloom_filter_all = 1;
        else blooms[opts.n_bloom_filter_columns++] = v;
      } else if (!strcmp(a, "--bloom-filter-fpp")) {
        char *end;
        opts.bloom_filter_fpp = strtod(v, &end);
        if (*end || end == v || !(opts.bloom_filter_fpp > 0 && opts.bloom_filter_fpp < 1)) {
          fprintf(stderr, "blizzard: --bloom-filter-fpp expects a number between 0 and 1, got '%s'\n", v);
          return 2;
        }
      } else if (!strcmp(a, "--encoding-profile")) {
        if (blz_encoding_profile_parse(v, &opts.encoding_profile) != BLZ_OK) {
          fprintf(stderr, "blizzard: unknown encoding profile '%s' (compatible, compact)\n", v);
          return 2;
        }
      } else if (!strcmp(a, "--column-encoding")) {
        char *eq = strrchr(v, '=');
        blz_column_encoding *ce = &encs[opts.n_column_encodings];
        if (!eq || eq == v || blz_encoding_parse(eq + 1, &ce->encoding) != BLZ_OK) {
          fprintf(stderr, "blizzard: --column-encoding expects COLUMN=ENCODING (plain, rle_dictionary, "
                          "delta_binary_packed, delta_length_byte_array, delta_byte_array, "
                          "byte_stream_split), got '%s'\n", v);
          return 2;
        }
        *eq = 0;
        ce->column = v;
        opts.n_column_encodings++;
      } else if (!strcmp(a, "--row-group-bytes")) {
        if (parse_i64(a, v, 1, &opts.row_group_size_bytes)) return 2;
      } else if (!strcmp(a, "--page-bytes")) {
        if (parse_i64(a, v, 1, &opts.data_page_size)) return 2;
      } else if (!strcmp(a, "--dictionary-bytes")) {
        if (parse_i64(a, v, 1, &opts.dictionary_page_size_limit)) return 2;
      } else if (!strcmp(a, "--data-page-version")) {
        if (parse_i64(a, v, 1, &n)) return 2;
        if (n != 1 && n != 2) {
          fprintf(stderr, "blizzard: --data-page-version: 1 or 2\n");
          return 2;
        }
        opts.data_page_version = (int)n;
      } else if (!strcmp(a, "--threads")) {
        if (parse_i64(a, v, 0, &n)) return 2;
        if (n > 1024) {
          fprintf(stderr, "blizzard: --threads: at most 1024\n");
          return 2;
        }
        opts.threads = (int)n;
      } else {
        fprintf(stderr, "blizzard: unknown option %s (see --help)\n", a);
        return 2;
      }
    } else if (!in) {
      in = a;
    } else if (!out) {
      out = a;
    } else {
      fprintf(stderr, "blizzard: unexpected argument '%s'\n", a);
      return 2;
    }
  }
  if (!in || !out) {
    usage_convert(stderr);
    return 2;
  }
  int fd = strcmp(in, "-") ? open(in, O_RDONLY) : 0;
  if (fd < 0) {
    fprintf(stderr, "blizzard: cannot open %s: %s\n", in, strerror(errno));
    return 1;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  blz_error err = {0};
  struct ArrowArrayStream stream;
  blz_status st = blz_ipc_stream_from_fd(fd, &stream, &err);
  int64_t rows = 0;
  struct stat in_st;
  bool regular = fstat(fd, &in_st) == 0 && S_ISREG(in_st.st_mode);
  convert_progress prog = {0};
  prog.ipc = stream; /* a view: only its reader is consulted */
  prog.size = regular ? (int64_t)in_st.st_size : 0;
  if (!st && opts.threads != 1 && !regular) {
    /* from a pipe, the next batches are read (copied) while this one is encoded; a regular file
     * is mapped and its batches cost nothing to read, so no thread is spent on it */
    struct ArrowArrayStream direct = stream;
    st = blz_stream_read_ahead(&direct, &stream, &err);
    if (st) direct.release(&direct);
  }
  counting_stream cnt = {0};
  pthread_t tick;
  bool ticking = false;
  if (!st) {
    cnt.in = stream;
    stream = (struct ArrowArrayStream){cnt_schema, cnt_next, cnt_error, cnt_release, &cnt};
    prog.cnt = &cnt;
    ticking = !quiet && isatty(2) && pthread_create(&tick, NULL, convert_ticker, &prog) == 0;
    /* the ticker reads the reader until the end, so with it the input is released after; with
     * --threads 1 no thread but the caller's is started */
    convert_input ci;
    memset(&ci, 0, sizeof ci);
    ci.cnt = &cnt;
    bool early = !ticking && opts.threads != 1;
    st = blz_write_stream_to_file_ex(&stream, out, &opts, early ? convert_input_done : NULL, &ci, &rows, &err);
    if (ticking) {
      __atomic_store_n(&prog.stop, 1, __ATOMIC_RELEASE);
      pthread_join(tick, NULL);
    }
    stream.release(&stream);
    if (ci.released.started) pthread_join(ci.released.thread, NULL);
  }
  if (fd != 0) close(fd);
  if (st) {
    fprintf(stderr, "blizzard: %s: %s\n", strcmp(in, "-") ? in : "stdin", err.message);
    return 1;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (!quiet)
    fprintf(stderr, "blizzard: wrote %s: %lld rows in %.3f s\n", out, (long long)rows,
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
  return 0;
}


/* The YAML file, then the library's own validation of what it says: the same checks for --check,
 * run and upload. On failure *cfg owns nothing. */
static blz_status load_config(const char *path, blz_sink_config *cfg, blz_error *err) {
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

/* ------------------------------------------------------------------------------------------ */
/* run */

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

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *ticker(void *arg) {
  run_state *rs = arg;
  double start = now_s(), last_progress = start;
  while (!__atomic_load_n(&rs->ticker_stop, __ATOMIC_ACQUIRE)) {
    sleep_unless(&rs->ticker_stop, 100);
    blz_error e = {0};
    if (blz_sink_tick(rs->sink, &e) != BLZ_OK) log_event(LOG_ERROR, "tick_failed", "error", e.message, NULL);
    double t = now_s();
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
        fprintf(stderr, "blizzard: cannot read folder %s: %s\n", in[i], strerror(errno));
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
    fprintf(stderr, "blizzard: %s\n", err.message);
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
        fprintf(stderr, "blizzard: %s: %s\n", is_stdin ? "stdin" : name, stream->get_last_error(stream));
        rc = 1;
      }
      break;
    }
    if (!batch.release) break;
    rs->rows_read += batch.length;
    rs->batches_read++;
    if (blz_sink_write(rs->sink, &batch, source, &err)) {
      fprintf(stderr, "blizzard: %s: %s\n", is_stdin ? "stdin" : name, err.message);
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
    fprintf(stderr, "blizzard: not stored: %s\n", err.message);
    rc = rc ? rc : 1;
  }
  blz_sink_stats ss;
  blz_sink_get_stats(rs->sink, &ss);
  if (ss.rows_skipped)
    fprintf(stderr, "blizzard: skipped %lld rows that an earlier run had landed\n", (long long)ss.rows_skipped);
  fprintf(stderr, "blizzard: read %lld rows in %lld batches%s; stored %lld files, %lld rows, %lld bytes; %lld files failed\n",
          (long long)rs->rows_read, (long long)rs->batches_read, stop_requested ? " (stopped by signal)" : "",
          (long long)ss.files_written, (long long)ss.rows_written, (long long)ss.bytes_written,
          (long long)ss.files_failed);
  if (ss.bytes_uploaded || ss.upload_failures || ss.upload_retries)
    fprintf(stderr, "blizzard: uploaded %lld bytes; %lld multipart uploads, %lld retries, %lld failed uploads\n",
            (long long)ss.bytes_uploaded, (long long)ss.multipart_uploads, (long long)ss.upload_retries,
            (long long)ss.upload_failures);
  blz_sink *sink = rs->sink;
  __atomic_store_n(&rs->sink, NULL, __ATOMIC_RELEASE);
  metrics_server_stop(ms); /* no scrape may run while the sink is freed */
  blz_sink_destroy(sink);
  return rc;
}

static int cmd_run(int argc, char **argv) {
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
  if (load_config(a.config, &cfg, &err)) {
    fprintf(stderr, "blizzard: %s\n", err.message);
    rc = 2;
  } else if (a.check) {
    printf("blizzard: %s is valid (sink.path %s)\n", a.config, cfg.path);
    rc = 0;
  } else if (a.ninputs == 0) {
    fprintf(stderr, "blizzard: run needs at least one INPUT (a file, a folder or -)\n");
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
      fprintf(stderr, "blizzard: %s\n", merr);
      rc = 2;
    } else {
      log_event(LOG_INFO, "metrics_listening", "address", cfg.metrics_address, NULL);
    }
  }
  if (!rc) log_event(LOG_INFO, "run_started", "config", a.config, "path", cfg.path, NULL);
  struct ArrowSchema first_schema = {0};
  input_release released = {0};
  pthread_t tick_thread;
  int ticking = 0;
  for (int i = 0; i < nfiles && !stop_requested && rc == 0; i++) {
    const char *name = files[i];
    int is_stdin = !strcmp(name, "-");
    int fd = is_stdin ? 0 : open(name, O_RDONLY);
    if (fd < 0) {
      fprintf(stderr, "blizzard: cannot open %s: %s\n", name, strerror(errno));
      rc = 1;
      break;
    }
    struct ArrowArrayStream stream;
    if (blz_ipc_stream_from_fd_cancellable(fd, &stop_requested, &stream, &err)) {
      if (!stop_requested) {
        fprintf(stderr, "blizzard: %s: %s\n", is_stdin ? "stdin" : name, err.message);
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
      fprintf(stderr, "blizzard: %s: its schema differs from the first input's\n", name);
      rc = 1;
    }
    if (schema.release) schema.release(&schema);
    struct stat fst;
    char *source = !is_stdin && fstat(fd, &fst) == 0 && S_ISREG(fst.st_mode) ? realpath(name, NULL) : NULL;
    if (!rc) rc = run_input(&rs, name, source, &stream);
    free(source);
    release_input(&released, &stream, is_stdin ? -1 : fd);
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

static int cmd_recover(int argc, char **argv) {
  const char *config = NULL;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      usage_recover(stdout);
      return 0;
    }
    if (!strcmp(argv[i], "--config") && i + 1 < argc) config = argv[++i];
    else {
      fprintf(stderr, "blizzard: recover: unexpected argument %s (see blizzard recover --help)\n", argv[i]);
      return 2;
    }
  }
  if (!config) {
    fprintf(stderr, "blizzard: recover needs --config FILE\n");
    return 2;
  }
  blz_sink_config cfg;
  blz_sink_config_init(&cfg);
  blz_error err = {0};
  if (load_config(config, &cfg, &err)) {
    fprintf(stderr, "blizzard: %s\n", err.message);
    return 2;
  }
  blz_recovery_report r;
  int rc = 0;
  if (blz_sink_recover(&cfg, &r, &err)) {
    fprintf(stderr, "blizzard: recover %s: %s\n", cfg.path, err.message);
    rc = 1;
  } else {
    fprintf(stderr, "blizzard: recovered %s: %lld files landed, %lld never-published files dropped, %lld temporary "
            "files removed, %lld spill copies removed, %lld multipart uploads aborted\n", cfg.path,
            (long long)r.files_landed, (long long)r.files_dropped, (long long)r.temp_files_removed,
            (long long)r.spill_files_removed, (long long)r.uploads_aborted);
  }
  blz_sink_config_free(&cfg);
  return rc;
}

static int cmd_upload(int argc, char **argv) {
  const char *config = NULL, *prefix = "";
  int n = 0;
  const char **local = calloc((size_t)argc + 1, sizeof *local), **rel = calloc((size_t)argc + 1, sizeof *rel);
  char **owned = calloc((size_t)argc + 1, sizeof *owned);
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      usage_upload(stdout);
      free(local), free(rel), free(owned);
      return 0;
    }
    if (!strcmp(argv[i], "--config") && i + 1 < argc) config = argv[++i];
    else if (!strcmp(argv[i], "--prefix") && i + 1 < argc) prefix = argv[++i];
    else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "blizzard: upload: unknown option %s (see blizzard upload --help)\n", argv[i]);
      free(local), free(rel), free(owned);
      return 2;
    } else local[n++] = argv[i];
  }
  int rc = 0;
  blz_sink_config cfg;
  blz_sink_config_init(&cfg);
  blz_error err = {0};
  if (!config || n == 0) {
    fprintf(stderr, "blizzard: upload needs --config FILE and at least one file\n");
    rc = 2;
  } else if (load_config(config, &cfg, &err)) {
    fprintf(stderr, "blizzard: %s\n", err.message);
    rc = 2;
  } else {
    for (int i = 0; i < n; i++) {
      const char *base = strrchr(local[i], '/');
      base = base ? base + 1 : local[i];
      size_t len = strlen(prefix) + strlen(base) + 2;
      owned[i] = malloc(len);
      snprintf(owned[i], len, "%s%s%s", prefix, *prefix ? "/" : "", base);
      rel[i] = owned[i];
    }
    if (blz_upload_files(&cfg, n, local, rel, &err)) {
      fprintf(stderr, "blizzard: %s\n", err.message);
      rc = 1;
    }
    blz_sink_config_free(&cfg);
  }
  for (int i = 0; i < n; i++) free(owned[i]);
  free(owned);
  free(local);
  free(rel);
  return rc;
}

/* glibc's malloc backs its heap with transparent huge pages only when told so at start-up
 * (GLIBC_TUNABLES=glibc.malloc.hugetlb=1); with BLZ_HUGEPAGES=1 the CLI restarts itself once with
 * the tunable set, keeping its PID, for `convert` of stdin or of a file of 32 MB or more. Off by
 * default: huge pages cut the page faults of touching fresh buffers (wide table: 20,700 -> 2,400),
 * but a 2 MiB page comes from the free blocks a VM's balloon reports to its host, which the host
 * must map back in. Runs 5 s apart on the 2-core Firecracker VM: event log 0.84-1.11 s with huge
 * pages against 0.76-0.92 s without (kernel time 0.30-0.39 s against 0.15 s), wide table
 * 0.30-0.34 s against 0.17-0.21 s. Back to back they win (each run reuses the blocks the last one
 * freed before they are reported), which is what made them look good in a benchmark loop. */
static void restart_with_huge_pages(int argc, char **argv) {
  const char *t = getenv("GLIBC_TUNABLES"), *on = getenv("BLZ_HUGEPAGES");
  if (!on || strcmp(on, "1") || (t && strstr(t, "glibc.malloc.hugetlb"))) return;
  if (argc < 3 || strcmp(argv[1], "convert")) return;
  {
    struct stat st; /* the first operand that is not an option is the input */
    const char *in = NULL;
    for (int i = 2; i < argc && !in; i++) {
      if (argv[i][0] != '-' || !strcmp(argv[i], "-")) in = argv[i];
      else if (strcmp(argv[i], "--quiet") && strcmp(argv[i], "--no-dictionary") && strcmp(argv[i], "--no-page-index") &&
               strcmp(argv[i], "--no-utf8-check") && strcmp(argv[i], "--page-checksums") &&
               strcmp(argv[i], "--sort-nulls-first"))
        i++;
    }
    if (!in || (strcmp(in, "-") && (stat(in, &st) || st.st_size < (32 << 20)))) return;
  }
  char mode[128] = "";
  FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
  if (!f) return;
  if (!fgets(mode, sizeof mode, f)) mode[0] = 0;
  fclose(f);
  if (!strstr(mode, "[madvise]") && !strstr(mode, "[always]")) return;
  char value[1024];
  int n = snprintf(value, sizeof value, "%s%sglibc.malloc.hugetlb=1", t ? t : "", t ? ":" : "");
  if (n < 0 || (size_t)n >= sizeof value || setenv("GLIBC_TUNABLES", value, 1)) return;
  execv("/proc/self/exe", argv); /* returns only on failure: then run as we are */
}

int main(int argc, char **argv) {
  restart_with_huge_pages(argc, argv);
  /* one malloc arena: encoding threads take over each other's columns, and per-thread arenas
   * would each fault in their own fresh memory (wide table, 2 threads: 132 -> 108 ms) */
  mallopt(M_ARENA_MAX, 1);
  /* buffers of up to 64 MiB come from the heap and stay there when freed, so the next column,
   * row group or file reuses memory already faulted in instead of mapping fresh zero pages
   * (sink, event log in 73 hourly files: 1.32 -> 1.16 s) */
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("blizzard %s\n", blz_version());
    return 0;
  }
  if (!strcmp(argv[1], "convert")) return cmd_convert(argc - 2, argv + 2);
  if (!strcmp(argv[1], "run")) return cmd_run(argc - 2, argv + 2);
  if (!strcmp(argv[1], "upload")) return cmd_upload(argc - 2, argv + 2);
  if (!strcmp(argv[1], "recover")) return cmd_recover(argc - 2, argv + 2);
  fprintf(stderr, "blizzard: unknown command '%s' (see --help)\n", argv[1]);
  return 2;
}
