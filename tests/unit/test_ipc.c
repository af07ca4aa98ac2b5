/* test_ipc.c — the IPC reader on real streams (gen.mjs, Polars' compressed files) and on broken ones. */
#define _GNU_SOURCE /* memmem */
#include "../../lib/arrow/ipc_reader.h"
#include <errno.h>
#include <unistd.h>
#include "fixture.h"
#include "test.h"
#include "tests.h"

/* The whole file at `path` (the caller frees it, *len its length); a test failure and an empty
 * buffer when it cannot be opened. */
static uint8_t *file_bytes(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "  cannot open %s\n", path);
    test_failures++;
    *len = 0;
    return calloc(1, 1);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *p = malloc((size_t)n + 1);
  *len = fread(p, 1, (size_t)n, f);
  fclose(f);
  return p;
}

/* The test data file `name`. */
static uint8_t *slurp(const char *name, size_t *len) {
  char path[512];
  const char *dir = getenv("BLZ_TEST_DATA");
  snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/data", name);
  return file_bytes(path, len);
}

/* Reads every batch; returns the status and counts rows. */
static blz_status drain(const uint8_t *p, size_t n, int64_t *rows, int *batches, char *msg, size_t msglen) {
  struct ArrowArrayStream s;
  blz_error e = {0};
  *rows = 0;
  *batches = 0;
  blz_status st = blz_ipc_stream_from_buffer_limited(p, n, 64 << 20, &s, &e);
  if (st) {
    snprintf(msg, msglen, "%s", e.message);
    return st;
  }
  struct ArrowSchema sc;
  CHECK(s.get_schema(&s, &sc) == 0);
  sc.release(&sc);
  for (;;) {
    struct ArrowArray a;
    int rc = s.get_next(&s, &a);
    if (rc) {
      snprintf(msg, msglen, "%s", s.get_last_error(&s));
      s.release(&s);
      return BLZ_EFORMAT;
    }
    if (!a.release) break;
    *rows += a.length;
    (*batches)++;
    a.release(&a);
  }
  s.release(&s);
  return BLZ_OK;
}

/* Writes the whole stream to Parquet in memory. */
static blz_status to_parquet(const uint8_t *p, size_t n, blz_buf *out, blz_error *e) {
  struct ArrowArrayStream s;
  BLZ_TRY(blz_ipc_stream_from_buffer(p, n, &s, e));
  struct ArrowSchema sc;
  s.get_schema(&s, &sc);
  fx_mem m = {{0}, -1};
  blz_output sink = {&m, fx_mem_write};
  blz_writer *w = NULL;
  blz_status st = blz_writer_create(&sc, NULL, &sink, &w, e);
  sc.release(&sc);
  while (!st) {
    struct ArrowArray a;
    if (s.get_next(&s, &a)) {
      st = blz_fail(e, BLZ_EFORMAT, "%s", s.get_last_error(&s));
      break;
    }
    if (!a.release) break;
    st = blz_writer_write(w, &a, e);
    a.release(&a);
  }
  if (!st) st = blz_writer_close(w, e);
  blz_writer_destroy(w);
  s.release(&s);
  *out = m.buf;
  return st;
}

void test_ipc_reads_generated_streams(void) {
  size_t n;
  uint8_t *p = slurp("types_small.arrows", &n);
  int64_t rows;
  int batches;
  char msg[512];
  CHECK(drain(p, n, &rows, &batches, msg, sizeof msg) == BLZ_OK);
  CHECK_EQ_INT(rows, 40);
  CHECK(batches >= 5); /* 3 data batches plus empty ones */
  free(p);
  p = slurp("types_dict_replace.arrows", &n);
  CHECK(drain(p, n, &rows, &batches, msg, sizeof msg) == BLZ_OK);
  CHECK_EQ_INT(rows, 30);
  free(p);
}

/* The test file `name` (returned; the caller frees it, *n its length) opened as stream *s. */
static uint8_t *open_stream(const char *name, size_t *n, struct ArrowArrayStream *s) {
  uint8_t *p = slurp(name, n);
  blz_error e = {0};
  CHECK(blz_ipc_stream_from_buffer(p, *n, s, &e) == BLZ_OK);
  return p;
}

void test_ipc_delta_dictionary(void) {
  size_t n;
  struct ArrowArrayStream s;
  uint8_t *p = open_stream("dict_delta.arrows", &n, &s);
  struct ArrowArray a;
  CHECK(s.get_next(&s, &a) == 0 && a.release);
  CHECK_EQ_INT(a.children[0]->dictionary->length, 2);
  a.release(&a);
  CHECK(s.get_next(&s, &a) == 0 && a.release);
  const struct ArrowArray *d = a.children[0]->dictionary;
  CHECK_EQ_INT(d->length, 4); /* alpha, beta + the delta's gamma, delta */
  const int32_t *off = d->buffers[1];
  const char *data = d->buffers[2];
  CHECK(off[3] - off[2] == 5 && !memcmp(data + off[2], "gamma", 5));
  CHECK(off[4] - off[3] == 5 && !memcmp(data + off[3], "delta", 5));
  a.release(&a);
  CHECK(s.get_next(&s, &a) == 0 && !a.release);
  s.release(&s);
  free(p);
}

void test_ipc_compressed_matches_plain(void) {
  const char *names[3] = {"views_plain.arrow", "views_zstd.arrow", "views_lz4.arrows"};
  blz_buf out[3];
  for (int i = 0; i < 3; i++) {
    size_t n;
    uint8_t *p = slurp(names[i], &n);
    blz_error e = {0};
    blz_status st = to_parquet(p, n, &out[i], &e);
    if (st) fprintf(stderr, "  %s: %s\n", names[i], e.message);
    CHECK(st == BLZ_OK);
    free(p);
  }
  /* same rows give the same bytes: the IPC files (Utf8View, uncompressed or ZSTD) entirely; the
   * LZ4_FRAME stream, where Polars writes LargeUtf8, up to the footer (ARROW:schema differs) */
  CHECK(out[0].len > 1000);
  CHECK(out[0].len == out[1].len && !memcmp(out[0].data, out[1].data, out[0].len));
  size_t data_len = out[0].len - 8 - blz_load_le32(out[0].data + out[0].len - 8);
  CHECK(out[2].len > data_len && !memcmp(out[0].data, out[2].data, data_len));
  for (int i = 0; i < 3; i++) blz_buf_free(&out[i]);
}

void test_ipc_truncated_streams_fail_cleanly(void) {
  size_t n;
  uint8_t *p = slurp("logs_small.arrows", &n);
  int64_t rows;
  int batches, failures = 0;
  char msg[512];
  for (size_t cut = 1; cut + 8 < n; cut += 211) {
    uint8_t *q = malloc(cut);
    memcpy(q, p, cut);
    msg[0] = 0;
    blz_status st = drain(q, cut, &rows, &batches, msg, sizeof msg);
    if (st != BLZ_OK) {
      failures++;
      CHECK(strstr(msg, "byte") != NULL);
    } else {
      /* a cut exactly between messages is a shorter, valid stream */
      CHECK(rows < 200);
    }
    free(q);
  }
  CHECK(failures > 10);
  free(p);
}

void test_ipc_decreasing_offsets_named(void) {
  /* the first batch's first string column: its offsets, as read, are found in the file's bytes;
   * one offset of a copy made smaller than the one before, or negative, is refused naming its
   * row */
  size_t n;
  struct ArrowArrayStream s;
  uint8_t *p = open_stream("logs_small.arrows", &n, &s);
  struct ArrowSchema sc;
  CHECK(s.get_schema(&s, &sc) == 0);
  int col = -1;
  for (int i = 0; i < sc.n_children && col < 0; i++)
    if (!strcmp(sc.children[i]->format, "u")) col = i;
  sc.release(&sc);
  struct ArrowArray a;
  CHECK(col >= 0 && s.get_next(&s, &a) == 0 && a.release && a.length > 40);
  const int32_t *off = (const int32_t *)a.children[col]->buffers[1] + a.children[col]->offset;
  const uint8_t *found = memmem(p, n, off, 40 * 4); /* the first 40 offsets, as stored */
  a.release(&a);
  s.release(&s);
  CHECK(found != NULL);
  if (!found) {
    free(p);
    return;
  }
  size_t where = (size_t)(found - p) + 30 * 4; /* where row 30 starts */
  for (int k = 0; k < 2; k++) {
    uint8_t *q = malloc(n);
    memcpy(q, p, n);
    int32_t bad = k == 0 ? -1 : (int32_t)blz_load_le32(q + where - 4) - 1;
    blz_store_le32(q + where, (uint32_t)bad);
    int64_t rows;
    int batches;
    char msg[512] = "";
    CHECK(drain(q, n, &rows, &batches, msg, sizeof msg) != BLZ_OK);
    CHECK(strstr(msg, "offsets decrease at row 29") != NULL);
    free(q);
  }
  free(p);
}

void test_ipc_corrupt_bytes_never_crash(void) {
  size_t n;
  uint8_t *p = slurp("types_small.arrows", &n);
  uint8_t *q = malloc(n);
  unsigned seed = 1;
  int64_t rows;
  int batches;
  char msg[512];
  for (int round = 0; round < 300; round++) {
    memcpy(q, p, n);
    for (int k = 0; k < 4; k++) {
      seed = seed * 1103515245u + 12345u;
      size_t at = (seed >> 4) % (n < 4096 ? n : 4096); /* metadata lives near the front */
      q[at] ^= (uint8_t)(1u << (seed % 8));
    }
    blz_buf out = {0};
    blz_error e;
    (void)drain(q, n, &rows, &batches, msg, sizeof msg);
    (void)to_parquet(q, n, &out, &e);
    blz_buf_free(&out);
  }
  free(q);
  free(p);
  CHECK(1);
}

void test_ipc_schema_change_mid_stream(void) {
  size_t n;
  uint8_t *p = slurp("logs_small.arrows", &n);
  /* drop the end-of-stream marker and append the stream again: a second schema message */
  CHECK(n > 8 && blz_load_le32(p + n - 8) == 0xFFFFFFFFu && blz_load_le32(p + n - 4) == 0);
  uint8_t *q = malloc(2 * n);
  memcpy(q, p, n - 8);
  memcpy(q + n - 8, p, n);
  int64_t rows;
  int batches;
  char msg[512];
  CHECK(drain(q, 2 * n - 8, &rows, &batches, msg, sizeof msg) != BLZ_OK);
  CHECK_CONTAINS(msg, "schema cannot change mid-stream");
  char want[64];
  snprintf(want, sizeof want, "at byte %zu", n - 8);
  CHECK_CONTAINS(msg, want);
  free(q);
  free(p);
}

void test_ipc_not_a_stream(void) {
  const char junk[] = "hello, this is not arrow";
  struct ArrowArrayStream s;
  blz_error e = {0};
  CHECK(blz_ipc_stream_from_buffer(junk, sizeof junk, &s, &e) != BLZ_OK);
  CHECK_CONTAINS(e.message, "byte 0");
  CHECK(blz_ipc_stream_from_buffer("", 0, &s, &e) == BLZ_EFORMAT);
  CHECK_CONTAINS(e.message, "no schema");
}

#include "../../lib/arrow/ipc_schema_writer.h"

/* The schema message written for ARROW:schema reads back through our own IPC reader. */
void test_ipc_schema_message_roundtrip(void) {
  const char *formats[] = {"i", "L", "u", "U", "vz", "tdm", "tsn:Europe/Paris", "tss:", "ttu", "d:38,10", "d:76,3,256", "w:16", "e", "b", "n"};
  int n = (int)(sizeof formats / sizeof formats[0]);
  struct ArrowSchema *fields[16];
  for (int i = 0; i < n; i++) {
    char name[16];
    snprintf(name, sizeof name, "c%d", i);
    fields[i] = fx_schema(formats[i], name, i % 2 == 0, 0, NULL);
  }
  struct ArrowSchema *dict_col = fx_schema("s", "tag", true, 0, NULL);
  dict_col->dictionary = fx_schema("u", "", true, 0, NULL);
  fields[n] = dict_col;
  struct ArrowSchema *s = fx_struct_schema(n + 1, fields);
  blz_buf msg = {0};
  blz_error e = {0};
  CHECK(blz_ipc_write_schema_message(s, &msg, &e) == BLZ_OK);
  CHECK(msg.len % 8 == 0 && blz_load_le32(msg.data) == 0xFFFFFFFFu);
  const uint8_t eos[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0};
  blz_buf_append(&msg, eos, 8);
  struct ArrowArrayStream st;
  CHECK(blz_ipc_stream_from_buffer(msg.data, msg.len, &st, &e) == BLZ_OK);
  struct ArrowSchema back;
  CHECK(st.get_schema(&st, &back) == 0);
  CHECK_EQ_INT(back.n_children, n + 1);
  for (int i = 0; i < n; i++) {
    CHECK(!strcmp(back.children[i]->format, formats[i]));
    CHECK(!strcmp(back.children[i]->name, fields[i]->name));
    CHECK_EQ_INT(back.children[i]->flags & ARROW_FLAG_NULLABLE, i % 2 == 0 ? ARROW_FLAG_NULLABLE : 0);
  }
  CHECK(!strcmp(back.children[n]->format, "s") && back.children[n]->dictionary &&
        !strcmp(back.children[n]->dictionary->format, "u"));
  back.release(&back);
  st.release(&st);
  fx_free_schema(s);
  blz_buf_free(&msg);
  blz_buf b = {0};
  CHECK(blz_base64((const uint8_t *)"any carnal pleas", 16, &b));
  CHECK(!strcmp((char *)b.data, "YW55IGNhcm5hbCBwbGVhcw=="));
  blz_buf_free(&b);
}

/* A stream over an IPC buffer that input_done tears down: the buffer is poisoned and freed, the
 * reader released; a get_next after that is counted (and fails). */
typedef struct done_probe {
  struct ArrowArrayStream in;
  uint8_t *buf;
  size_t n;
  int done_calls, reads_after_done, eof_seen;
} done_probe;

static int probe_schema(struct ArrowArrayStream *s, struct ArrowSchema *out) {
  done_probe *p = s->private_data;
  return p->in.get_schema(&p->in, out);
}
static int probe_next(struct ArrowArrayStream *s, struct ArrowArray *out) {
  done_probe *p = s->private_data;
  if (p->done_calls) {
    p->reads_after_done++;
    return EIO;
  }
  int rc = p->in.get_next(&p->in, out);
  if (!rc && !out->release) p->eof_seen++;
  return rc;
}
static const char *probe_error(struct ArrowArrayStream *s) {
  done_probe *p = s->private_data;
  return p->in.release ? p->in.get_last_error(&p->in) : "released";
}
static void probe_release(struct ArrowArrayStream *s) {
  done_probe *p = s->private_data;
  if (p->in.release) p->in.release(&p->in);
  s->release = NULL;
}
static void probe_done(void *ctx) {
  done_probe *p = ctx;
  p->done_calls++;
  if (!p->eof_seen) p->reads_after_done += 1000; /* called before the end: counted as a failure */
  p->in.release(&p->in);
  memset(p->buf, 0xA5, p->n);
  free(p->buf);
  p->buf = NULL;
}

/* blz_write_stream_to_file_ex: input_done comes once, after the stream's end, and the input can be
 * torn down there — freed and poisoned — with the file the same bytes as without the callback,
 * on one thread and with an output thread. */
void test_write_stream_input_done(void) {
  char dir[] = "/tmp/blz-done-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char ref[600], got[600];
  snprintf(ref, sizeof ref, "%s/ref.parquet", dir);
  snprintf(got, sizeof got, "%s/got.parquet", dir);
  for (int threads = 1; threads <= 3; threads += 2) {
    blz_writer_options o;
    blz_writer_options_init(&o);
    o.threads = threads;
    o.row_group_size_bytes = 64 << 10; /* several row groups: the last is handed off */
    blz_error e = {0};
    size_t n;
    struct ArrowArrayStream s;
    uint8_t *b = open_stream("logs_small.arrows", &n, &s);
    int64_t rows_ref = 0, rows_got = 0;
    CHECK_EQ_INT(blz_write_stream_to_file(&s, ref, &o, &rows_ref, &e), BLZ_OK);
    s.release(&s);
    free(b);
    done_probe p = {0};
    p.buf = open_stream("logs_small.arrows", &p.n, &p.in);
    struct ArrowArrayStream w = {probe_schema, probe_next, probe_error, probe_release, &p};
    CHECK_EQ_INT(blz_write_stream_to_file_ex(&w, got, &o, probe_done, &p, &rows_got, &e), BLZ_OK);
    w.release(&w);
    CHECK_EQ_INT(p.done_calls, 1);
    CHECK_EQ_INT(p.reads_after_done, 0);
    CHECK_EQ_INT(rows_got, rows_ref);
    CHECK(rows_ref > 0);
    size_t n1 = 0, n2 = 0;
    uint8_t *a1 = file_bytes(ref, &n1), *a2 = file_bytes(got, &n2);
    CHECK(n1 == n2 && n1 > 0 && memcmp(a1, a2, n1) == 0);
    free(a1), free(a2), free(p.buf);
    remove(ref), remove(got);
  }
  /* a stream failing before its end: no call, no file */
  done_probe p = {0};
  p.buf = open_stream("logs_small.arrows", &p.n, &p.in);
  p.done_calls = 1; /* probe_next now fails at once */
  struct ArrowArrayStream w = {probe_schema, probe_next, probe_error, probe_release, &p};
  blz_writer_options o;
  blz_writer_options_init(&o);
  blz_error e = {0};
  CHECK(blz_write_stream_to_file_ex(&w, got, &o, probe_done, &p, NULL, &e) != BLZ_OK);
  CHECK_EQ_INT(p.done_calls, 1); /* still only the preset count: probe_done was not called */
  CHECK(access(got, F_OK) != 0);
  w.release(&w);
  free(p.buf);
  rmdir(dir);
}
