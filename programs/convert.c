/* convert.c — `blizzard convert IN OUT`: one Arrow IPC stream or file into one Parquet file, with a
 * progress line on a terminal. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

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
  cli_input_release released;
} convert_input;

static void convert_input_done(void *arg) {
  convert_input *ci = arg;
  cli_release_input(&ci->released, &ci->cnt->in, -1);
}

/* The convert progress line on a terminal: rows, and for a file input its share read, MB/s and
 * the time left. */
typedef struct convert_progress {
  counting_stream *cnt;
  struct ArrowArrayStream ipc; /* a view of the IPC reader, for the bytes it has read */
  int64_t size;                /* of the input file; 0 when unknown (a pipe) */
  int stop; /* atomics */
} convert_progress;

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

static void *convert_ticker(void *arg) {
  convert_progress *p = arg;
  double start = cli_now_s();
  while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
    print_progress(p, cli_now_s() - start);
    cli_sleep_unless(&p->stop, 500);
  }
  print_progress(p, cli_now_s() - start);
  fputc('\n', stderr);
  return NULL;
}

int cli_convert(int argc, char **argv) {
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
