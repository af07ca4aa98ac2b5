/* reencode_convert.c — test tool: converts an IPC stream like `blizzard convert`, after re-encoding
 * its columns through the C Data Interface into layouts no IPC producer we have can write: every
 * flat top-level column becomes run_end_encoded<int32, T> (runs of equal values, nulls included),
 * and every list<T> of a fixed-width or utf8 T becomes list_view<T> whose child holds the rows in
 * reverse order (views out of order) and whose equal consecutive rows share one view (overlap).
 * The Parquet file must read back equal to the original stream. usage: IN.arrows OUT.parquet */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blizzard.h"

/* Every allocation of one converted batch, freed once the writer has taken the batch. */
typedef struct arena {
  void **p;
  int n, cap;
} arena;

static void *keep(arena *a, void *p) {
  if (!p) {
    fprintf(stderr, "reencode_convert: out of memory\n");
    exit(1);
  }
  if (a->n == a->cap) {
    a->cap = a->cap ? a->cap * 2 : 64;
    a->p = realloc(a->p, (size_t)a->cap * sizeof *a->p);
    if (!a->p) exit(1);
  }
  a->p[a->n++] = p;
  return p;
}
static void *zalloc(arena *a, size_t n) { return keep(a, calloc(1, n ? n : 1)); }
static void arena_free(arena *a) {
  for (int i = 0; i < a->n; i++) free(a->p[i]);
  a->n = 0;
}

static void no_release_a(struct ArrowArray *x) { x->release = NULL; }
static void no_release_s(struct ArrowSchema *x) { x->release = NULL; }

static int width_of(const char *f) {
  if (!strcmp(f, "c") || !strcmp(f, "C")) return 1;
  if (!strcmp(f, "s") || !strcmp(f, "S")) return 2;
  if (!strcmp(f, "i") || !strcmp(f, "I") || !strcmp(f, "f") || !strcmp(f, "tdD") || !strcmp(f, "tts") || !strcmp(f, "ttm")) return 4;
  if (!strcmp(f, "l") || !strcmp(f, "L") || !strcmp(f, "g") || !strcmp(f, "tdm") || !strcmp(f, "ttu") || !strcmp(f, "ttn") ||
      !strncmp(f, "ts", 2) || !strncmp(f, "tD", 2))
    return 8;
  return 0;
}
static int is_utf8(const char *f) { return !strcmp(f, "u") || !strcmp(f, "z"); }
static int reencodable(const struct ArrowSchema *s) { return !s->dictionary && (width_of(s->format) || is_utf8(s->format)); }

static int valid(const struct ArrowArray *a, int64_t i) {
  const uint8_t *b = a->n_buffers > 0 ? a->buffers[0] : NULL;
  return !b || ((b[(a->offset + i) >> 3] >> ((a->offset + i) & 7)) & 1);
}

/* Bytes of value i (fixed width or utf8). */
static const uint8_t *value(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i, size_t *len) {
  int w = width_of(s->format);
  if (w) {
    *len = (size_t)w;
    return (const uint8_t *)a->buffers[1] + (size_t)(a->offset + i) * (size_t)w;
  }
  const int32_t *off = a->buffers[1];
  *len = (size_t)(off[a->offset + i + 1] - off[a->offset + i]);
  return (const uint8_t *)a->buffers[2] + off[a->offset + i];
}

static int same(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i, int64_t j) {
  if (valid(a, i) != valid(a, j)) return 0;
  if (!valid(a, i)) return 1;
  size_t li, lj;
  const uint8_t *pi = value(s, a, i, &li), *pj = value(s, a, j, &lj);
  return li == lj && !memcmp(pi, pj, li);
}

/* A new array of type s holding rows idx[0..n) of a (fixed width or utf8). */
static struct ArrowArray *take(arena *ar, const struct ArrowSchema *s, const struct ArrowArray *a, const int64_t *idx,
                               int64_t n) {
  struct ArrowArray *o = zalloc(ar, sizeof *o);
  int w = width_of(s->format);
  o->length = n;
  o->n_buffers = w ? 2 : 3;
  o->buffers = zalloc(ar, 3 * sizeof(void *));
  uint8_t *bits = zalloc(ar, (size_t)(n + 7) / 8 + 1);
  int64_t nulls = 0;
  size_t total = 0;
  for (int64_t k = 0; k < n; k++) {
    size_t l = 0;
    if (valid(a, idx[k])) {
      bits[k >> 3] |= (uint8_t)(1 << (k & 7));
      value(s, a, idx[k], &l);
    } else {
      nulls++;
    }
    total += w ? (size_t)w : l;
  }
  uint8_t *data = zalloc(ar, total + 1);
  int32_t *off = w ? NULL : zalloc(ar, (size_t)(n + 1) * sizeof *off);
  size_t at = 0;
  for (int64_t k = 0; k < n; k++) {
    size_t l = w ? (size_t)w : 0;
    if (valid(a, idx[k])) {
      const uint8_t *p = value(s, a, idx[k], &l);
      memcpy(data + at, p, l);
    }
    at += l;
    if (off) off[k + 1] = (int32_t)at;
  }
  o->null_count = nulls;
  o->buffers[0] = nulls ? bits : NULL;
  o->buffers[1] = w ? (const void *)data : (const void *)off;
  if (!w) o->buffers[2] = data;
  o->release = no_release_a;
  return o;
}

/* run_end_encoded<int32, T> of the flat column a. */
static struct ArrowArray *ree(arena *ar, const struct ArrowSchema *s, const struct ArrowArray *a) {
  int64_t n = a->length, runs = 0;
  int64_t *starts = zalloc(ar, (size_t)(n + 1) * sizeof *starts);
  int32_t *ends = zalloc(ar, (size_t)(n + 1) * sizeof *ends);
  for (int64_t i = 0; i < n; i++) {
    if (i > 0 && same(s, a, i, i - 1)) {
      ends[runs - 1] = (int32_t)(i + 1);
      continue;
    }
    starts[runs] = i;
    ends[runs++] = (int32_t)(i + 1);
  }
  struct ArrowArray *re = zalloc(ar, sizeof *re);
  re->length = runs;
  re->n_buffers = 2;
  re->buffers = zalloc(ar, 2 * sizeof(void *));
  re->buffers[1] = ends;
  re->release = no_release_a;
  struct ArrowArray *o = zalloc(ar, sizeof *o);
  o->length = n;
  o->n_children = 2;
  o->children = zalloc(ar, 2 * sizeof *o->children);
  o->children[0] = re;
  o->children[1] = take(ar, s, a, starts, runs);
  o->release = no_release_a;
  return o;
}

/* list_view<T> of the list column a: rows laid out in reverse, equal neighbours sharing a view. */
static struct ArrowArray *view(arena *ar, const struct ArrowSchema *s, const struct ArrowArray *a) {
  const struct ArrowSchema *cs = s->children[0];
  const struct ArrowArray *ch = a->children[0];
  const int32_t *lo = (const int32_t *)a->buffers[1] + a->offset;
  int64_t n = a->length, total = lo[n] - lo[0];
  int64_t *idx = zalloc(ar, (size_t)(total + 1) * sizeof *idx), m = 0;
  int32_t *off = zalloc(ar, (size_t)(n + 1) * sizeof *off), *size = zalloc(ar, (size_t)(n + 1) * sizeof *size);
  for (int64_t r = n - 1; r >= 0; r--) {
    off[r] = (int32_t)m;
    size[r] = lo[r + 1] - lo[r];
    for (int32_t k = lo[r]; k < lo[r + 1]; k++) idx[m++] = k;
  }
  for (int64_t r = 1; r < n; r++) { /* row r repeats row r-1: point at the same child entries */
    int eq = size[r] == size[r - 1] && valid(a, r) && valid(a, r - 1);
    for (int32_t k = 0; eq && k < size[r]; k++) eq = same(cs, ch, lo[r] + k, lo[r - 1] + k);
    if (eq) off[r] = off[r - 1];
  }
  struct ArrowArray *o = zalloc(ar, sizeof *o);
  o->length = n;
  o->null_count = a->null_count;
  o->n_buffers = 3;
  o->buffers = zalloc(ar, 3 * sizeof(void *));
  if (a->null_count && a->buffers[0]) {
    uint8_t *bits = zalloc(ar, (size_t)(n + 7) / 8 + 1);
    for (int64_t r = 0; r < n; r++)
      if (valid(a, r)) bits[r >> 3] |= (uint8_t)(1 << (r & 7));
    o->buffers[0] = bits;
  }
  o->buffers[1] = off;
  o->buffers[2] = size;
  o->n_children = 1;
  o->children = zalloc(ar, sizeof *o->children);
  o->children[0] = take(ar, cs, ch, idx, m);
  o->release = no_release_a;
  return o;
}

static int list_reencodable(const struct ArrowSchema *s) {
  return !strcmp(s->format, "+l") && s->n_children == 1 && reencodable(s->children[0]);
}

static blz_status fwrite_sink(void *ctx, const void *d, size_t n, blz_error *err) {
  if (fwrite(d, 1, n, ctx) != n) {
    snprintf(err->message, sizeof err->message, "short write");
    return BLZ_EIO;
  }
  return BLZ_OK;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: reencode_convert IN.arrows OUT.parquet\n");
    return 2;
  }
  int fd = open(argv[1], O_RDONLY);
  FILE *out = fopen(argv[2], "wb");
  if (fd < 0 || !out) return 1;
  blz_error e = {0};
  struct ArrowArrayStream st;
  if (blz_ipc_stream_from_fd(fd, &st, &e)) {
    fprintf(stderr, "%s\n", e.message);
    return 1;
  }
  struct ArrowSchema sc;
  st.get_schema(&st, &sc);
  /* the re-encoded schema: REE fields get run_ends + values children, lists become list views */
  arena keep_schema = {0};
  int64_t nf = sc.n_children;
  struct ArrowSchema top = sc, **kids = zalloc(&keep_schema, (size_t)(nf + 1) * sizeof *kids);
  top.children = kids;
  top.release = no_release_s;
  for (int64_t i = 0; i < nf; i++) {
    struct ArrowSchema *f = sc.children[i];
    kids[i] = f;
    if (reencodable(f)) {
      struct ArrowSchema *r = zalloc(&keep_schema, sizeof *r), *ends = zalloc(&keep_schema, sizeof *ends),
                         *vals = zalloc(&keep_schema, sizeof *vals);
      *vals = *f;
      vals->name = "values";
      vals->flags = ARROW_FLAG_NULLABLE;
      vals->release = no_release_s;
      ends->format = "i";
      ends->name = "run_ends";
      ends->release = no_release_s;
      r->format = "+r";
      r->name = f->name;
      r->flags = f->flags;
      r->n_children = 2;
      r->children = zalloc(&keep_schema, 2 * sizeof *r->children);
      r->children[0] = ends;
      r->children[1] = vals;
      r->release = no_release_s;
      kids[i] = r;
    } else if (list_reencodable(f)) {
      struct ArrowSchema *v = zalloc(&keep_schema, sizeof *v);
      *v = *f;
      v->format = "+vl";
      v->release = no_release_s;
      kids[i] = v;
    }
  }
  blz_output sink = {out, fwrite_sink};
  blz_writer *w = NULL;
  blz_status rc = blz_writer_create(&top, NULL, &sink, &w, &e);
  arena batch = {0};
  int64_t runs = 0, views = 0;
  while (!rc) {
    struct ArrowArray b;
    if (st.get_next(&st, &b)) {
      fprintf(stderr, "%s\n", st.get_last_error(&st));
      return 1;
    }
    if (!b.release) break;
    struct ArrowArray v = b, **cols = zalloc(&batch, (size_t)(nf + 1) * sizeof *cols);
    v.children = cols;
    v.release = no_release_a;
    for (int64_t i = 0; i < nf; i++) {
      struct ArrowArray *c = b.children[i];
      /* the tool's own loops read from row 0: a sliced batch is not what it tests */
      struct ArrowArray flat = *c;
      flat.offset += b.offset;
      flat.length = b.length;
      if (reencodable(sc.children[i])) cols[i] = ree(&batch, sc.children[i], &flat), runs += cols[i]->children[0]->length;
      else if (list_reencodable(sc.children[i])) cols[i] = view(&batch, sc.children[i], &flat), views += b.length;
      else cols[i] = c;
    }
    if (v.offset) { /* re-encoded columns start at row 0; untouched ones keep their own offsets */
      for (int64_t i = 0; i < nf; i++)
        if (cols[i] == b.children[i]) {
          struct ArrowArray *copy = zalloc(&batch, sizeof *copy);
          *copy = *cols[i];
          copy->offset += v.offset;
          copy->release = no_release_a;
          cols[i] = copy;
        }
      v.offset = 0;
    }
    rc = blz_writer_write(w, &v, &e);
    arena_free(&batch);
    b.release(&b);
  }
  if (!rc) rc = blz_writer_close(w, &e);
  blz_writer_destroy(w);
  arena_free(&keep_schema);
  free(keep_schema.p);
  free(batch.p);
  sc.release(&sc);
  st.release(&st);
  fclose(out);
  close(fd);
  if (rc) fprintf(stderr, "reencode_convert: %s\n", e.message);
  else fprintf(stderr, "reencode_convert: %lld runs, %lld list views\n", (long long)runs, (long long)views);
  return rc ? 1 : 0;
}
