/* blizzard.c — the command-line tool: `blizzard convert IN OUT` turns an Arrow IPC stream into Parquet. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "blizzard.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: blizzard convert IN OUT [options]\n"
          "       blizzard --version\n"
          "\n"
          "convert: reads an Arrow IPC stream (or IPC file) from IN, a path or - for stdin, and\n"
          "writes the Parquet file OUT. OUT appears only when complete: on any error nothing is\n"
          "left under that name and the exit code is non-zero.\n"
          "\n"
          "options:\n"
          "  --compression C        snappy (default), gzip, zstd, lz4 (written as LZ4_RAW), uncompressed\n"
          "  --compression-level N  gzip 1..9 (default 6), zstd 1..22 (default 1)\n"
          "  --row-group-bytes N    flush a row group at this estimated encoded size (default 134217728)\n"
          "  --page-bytes N         target data page size (default 1048576)\n"
          "  --dictionary-bytes N   dictionary size limit before falling back to PLAIN (default 1048576)\n"
          "  --no-dictionary        PLAIN encoding only\n"
          "  --threads N            worker threads; blizzard encodes on the calling thread, so only 1 is accepted\n"
          "  --quiet                no summary line on stderr\n"
          "  -h, --help             this text\n");
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

static int cmd_convert(int argc, char **argv) {
  const char *in = NULL, *out = NULL;
  blz_writer_options opts;
  blz_writer_options_init(&opts);
  int quiet = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    int64_t n;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--quiet")) {
      quiet = 1;
    } else if (!strcmp(a, "--no-dictionary")) {
      opts.enable_dictionary = 0;
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
      } else if (!strcmp(a, "--row-group-bytes")) {
        if (parse_i64(a, v, 1, &opts.row_group_size_bytes)) return 2;
      } else if (!strcmp(a, "--page-bytes")) {
        if (parse_i64(a, v, 1, &opts.data_page_size)) return 2;
      } else if (!strcmp(a, "--dictionary-bytes")) {
        if (parse_i64(a, v, 1, &opts.dictionary_page_size_limit)) return 2;
      } else if (!strcmp(a, "--threads")) {
        if (parse_i64(a, v, 1, &n)) return 2;
        if (n != 1) {
          fprintf(stderr, "blizzard: --threads: only 1 is supported\n");
          return 2;
        }
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
    usage(stderr);
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
  if (!st) {
    st = blz_write_stream_to_file(&stream, out, &opts, &rows, &err);
    stream.release(&stream);
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

int main(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("blizzard %s\n", blz_version());
    return 0;
  }
  if (!strcmp(argv[1], "convert")) return cmd_convert(argc - 2, argv + 2);
  fprintf(stderr, "blizzard: unknown command '%s' (see --help)\n", argv[1]);
  return 2;
}
