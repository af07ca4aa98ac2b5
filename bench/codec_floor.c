/* codec_floor.c — what the compressors alone cost on a shape's pages: the floor under any writer.
 *
 * Reads an uncompressed Parquet file and a list of its column chunks' byte ranges ("START LENGTH"
 * per line, from chunk-ranges.mjs), cuts each chunk into pieces of at most 1 MiB (blizzard's page
 * size limit; a one-page chunk stays whole) and compresses every piece separately, as a writer
 * compresses pages, with each library and level a writer could use: libsnappy, liblz4 (LZ4_RAW),
 * libzstd levels 1-3, libdeflate gzip levels 1-7 (8 and 9 take 3-5× level 7) and, when built with -DHAVE_ISAL, ISA-L's igzip
 * levels 0-3 (gzip members too). Prints one line per codec and level:
 *   CODEC LEVEL INPUT_BYTES OUTPUT_BYTES MEDIAN_MS
 * the median of --runs timings of compressing every piece once, on one thread. No writer does
 * less compression work than this for that codec, level and page size, so a target time below it
 * cannot be met with that library at that level.
 * usage: codec_floor FILE.parquet RANGES.txt [--runs N] */
#include <libdeflate.h>
#include <lz4.h>
#include <snappy-c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>
#ifdef HAVE_ISAL
#include <isa-l.h>
#endif

#define PIECE ((size_t)1 << 20)
#define MAX_RUNS 99

typedef struct {
  const uint8_t *p;
  size_t n;
} piece;

typedef struct {
  piece *v;
  size_t n, in_bytes;
  uint8_t *out;
  size_t out_cap;
} work;

typedef size_t (*compress_fn)(work *w, const piece *pc, int level, void *ctx);

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static size_t c_snappy(work *w, const piece *pc, int level, void *ctx) {
  (void)level, (void)ctx;
  size_t cap = w->out_cap;
  if (snappy_compress((const char *)pc->p, pc->n, (char *)w->out, &cap) != SNAPPY_OK) return 0;
  return cap;
}

static size_t c_lz4(work *w, const piece *pc, int level, void *ctx) {
  (void)level, (void)ctx;
  int got = LZ4_compress_default((const char *)pc->p, (char *)w->out, (int)pc->n, (int)w->out_cap);
  return got > 0 ? (size_t)got : 0;
}

static size_t c_zstd(work *w, const piece *pc, int level, void *ctx) {
  ZSTD_CCtx *z = ctx;
  ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, level);
  size_t got = ZSTD_compress2(z, w->out, w->out_cap, pc->p, pc->n);
  return ZSTD_isError(got) ? 0 : got;
}

static size_t c_deflate(work *w, const piece *pc, int level, void *ctx) {
  (void)level;
  return libdeflate_gzip_compress(ctx, pc->p, pc->n, w->out, w->out_cap);
}

#ifdef HAVE_ISAL
static const uint32_t isal_buf[] = {ISAL_DEF_LVL0_DEFAULT, ISAL_DEF_LVL1_DEFAULT,
                                    ISAL_DEF_LVL2_DEFAULT, ISAL_DEF_LVL3_DEFAULT};
static size_t c_isal(work *w, const piece *pc, int level, void *ctx) {
  struct isal_zstream s;
  isal_deflate_stateless_init(&s);
  s.level = (uint32_t)level;
  s.level_buf = ctx;
  s.level_buf_size = isal_buf[level];
  s.gzip_flag = IGZIP_GZIP;
  s.next_in = (uint8_t *)pc->p;
  s.avail_in = (uint32_t)pc->n;
  s.next_out = w->out;
  s.avail_out = (uint32_t)w->out_cap;
  s.end_of_stream = 1;
  s.flush = NO_FLUSH;
  return isal_deflate_stateless(&s) == COMP_OK ? s.total_out : 0;
}
#endif

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Compresses every piece once per run; prints the output size and the median time. */
static int measure(work *w, const char *name, compress_fn fn, int level, void *ctx, int runs) {
  double ms[MAX_RUNS];
  size_t out = 0;
  for (int r = 0; r < runs; r++) {
    size_t total = 0;
    double t0 = now_ms();
    for (size_t i = 0; i < w->n; i++) {
      size_t got = fn(w, &w->v[i], level, ctx);
      if (got == 0 && w->v[i].n > 0) {
        fprintf(stderr, "codec_floor: %s level %d failed on a piece of %zu bytes\n", name, level,
                w->v[i].n);
        return -1;
      }
      total += got;
    }
    ms[r] = now_ms() - t0;
    out = total;
  }
  qsort(ms, (size_t)runs, sizeof ms[0], cmp_double);
  printf("%s %d %zu %zu %.1f\n", name, level, w->in_bytes, out, ms[runs / 2]);
  fflush(stdout);
  return 0;
}

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *buf = NULL;
  if (fseek(f, 0, SEEK_END) == 0) {
    long n = ftell(f);
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL &&
        fread(buf, 1, (size_t)n, f) != (size_t)n) {
      free(buf);
      buf = NULL;
    }
    *len = (size_t)n;
  }
  fclose(f);
  return buf;
}

/* Cuts the chunks listed in `ranges` into pieces of at most PIECE bytes. */
static int load_pieces(work *w, const uint8_t *file, size_t file_len, const char *ranges) {
  FILE *f = fopen(ranges, "r");
  if (!f) return -1;
  unsigned long long start, len;
  size_t cap = 0;
  int rc = 0;
  while (fscanf(f, "%llu %llu", &start, &len) == 2) {
    if (start > file_len || len > file_len - start) {
      fprintf(stderr, "codec_floor: range %llu+%llu is outside the file\n", start, len);
      rc = -1;
      break;
    }
    for (size_t off = 0; off < len; off += PIECE) {
      if (w->n == cap) {
        cap = cap ? cap * 2 : 256;
        piece *v = realloc(w->v, cap * sizeof *v);
        if (!v) {
          rc = -1;
          break;
        }
        w->v = v;
      }
      size_t n = len - off < PIECE ? (size_t)(len - off) : PIECE;
      w->v[w->n++] = (piece){file + start + off, n};
      w->in_bytes += n;
    }
  }
  fclose(f);
  return rc;
}

int main(int argc, char **argv) {
  int runs = 5;
  if (argc == 5 && strcmp(argv[3], "--runs") == 0) runs = atoi(argv[4]);
  if ((argc != 3 && argc != 5) || runs < 1 || runs > MAX_RUNS) {
    fprintf(stderr, "usage: codec_floor FILE.parquet RANGES.txt [--runs N (1..%d)]\n", MAX_RUNS);
    return 2;
  }
  size_t file_len = 0;
  uint8_t *file = read_file(argv[1], &file_len);
  if (!file) {
    fprintf(stderr, "codec_floor: cannot read %s\n", argv[1]);
    return 1;
  }
  work w = {0};
  if (load_pieces(&w, file, file_len, argv[2]) != 0 || w.n == 0) {
    fprintf(stderr, "codec_floor: no usable ranges in %s\n", argv[2]);
    return 1;
  }
  w.out_cap = 2 * PIECE + 4096;
  w.out = malloc(w.out_cap);
  ZSTD_CCtx *z = ZSTD_createCCtx();
  if (!w.out || !z) return 1;
  int rc = measure(&w, "snappy", c_snappy, 0, NULL, runs);
  if (rc == 0) rc = measure(&w, "lz4", c_lz4, 0, NULL, runs);
  for (int level = 1; rc == 0 && level <= 3; level++)
    rc = measure(&w, "zstd", c_zstd, level, z, runs);
  for (int level = 1; rc == 0 && level <= 7; level++) {
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
    rc = c ? measure(&w, "gzip-libdeflate", c_deflate, level, c, runs) : -1;
    libdeflate_free_compressor(c);
  }
#ifdef HAVE_ISAL
  for (int level = 0; rc == 0 && level <= 3; level++) {
    void *buf = malloc(isal_buf[level]);
    rc = buf ? measure(&w, "gzip-isal", c_isal, level, buf, runs) : -1;
    free(buf);
  }
#endif
  ZSTD_freeCCtx(z);
  free(w.out);
  free(w.v);
  free(file);
  return rc == 0 ? 0 : 1;
}
