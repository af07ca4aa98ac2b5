/* fixture.c — builders for Arrow C structs with release callbacks that free what they own. */
#include "fixture.h"

#include <stdio.h>

#include "test.h"

static void schema_release(struct ArrowSchema *s) {
  for (int64_t i = 0; i < s->n_children; i++) fx_free_schema(s->children[i]);
  free(s->children);
  if (s->dictionary) fx_free_schema(s->dictionary);
  free((void *)s->format);
  free((void *)s->name);
  s->release = NULL;
}

struct ArrowSchema *fx_schema(const char *format, const char *name, bool nullable, int n,
                              struct ArrowSchema **children) {
  struct ArrowSchema *s = calloc(1, sizeof *s);
  s->format = strdup(format);
  s->name = strdup(name);
  s->flags = nullable ? ARROW_FLAG_NULLABLE : 0;
  s->n_children = n;
  s->children = calloc((size_t)n + 1, sizeof *s->children);
  for (int i = 0; i < n; i++) s->children[i] = children[i];
  s->release = schema_release;
  return s;
}

struct ArrowSchema *fx_struct_schema(int n, struct ArrowSchema **fields) {
  return fx_schema("+s", "", false, n, fields);
}

void fx_free_schema(struct ArrowSchema *s) {
  if (!s) return;
  if (s->release) s->release(s);
  free(s);
}

static void array_release(struct ArrowArray *a) {
  for (int64_t i = 0; i < a->n_buffers; i++) free((void *)a->buffers[i]);
  free(a->buffers);
  for (int64_t i = 0; i < a->n_children; i++) fx_free_array(a->children[i]);
  free(a->children);
  if (a->dictionary) fx_free_array(a->dictionary);
  a->release = NULL;
}

struct ArrowArray *fx_array(int64_t length, int64_t null_count, int64_t offset, int nbuf,
                            const void **bufs, const size_t *sizes, int nchildren,
                            struct ArrowArray **children) {
  struct ArrowArray *a = calloc(1, sizeof *a);
  a->length = length;
  a->null_count = null_count;
  a->offset = offset;
  a->n_buffers = nbuf;
  a->buffers = calloc((size_t)nbuf + 1, sizeof *a->buffers);
  for (int i = 0; i < nbuf; i++) {
    if (!bufs[i]) continue;
    void *p = malloc(sizes[i] + 1);
    memcpy(p, bufs[i], sizes[i]);
    a->buffers[i] = p;
  }
  a->n_children = nchildren;
  a->children = calloc((size_t)nchildren + 1, sizeof *a->children);
  for (int i = 0; i < nchildren; i++) a->children[i] = children[i];
  a->release = array_release;
  return a;
}

void fx_free_array(struct ArrowArray *a) {
  if (!a) return;
  if (a->release) a->release(a);
  free(a);
}

size_t fx_bits(const char *mask, uint8_t *out) {
  size_t n = strlen(mask);
  memset(out, 0, (n + 7) / 8);
  for (size_t i = 0; i < n; i++)
    if (mask[i] == '1') out[i / 8] |= (uint8_t)(1 << (i % 8));
  return (n + 7) / 8;
}

/* n integers v as `fmt` ("c" int8, "s" int16, "i" int32; each v[i] must fit), nulls where mask
 * has '0'. */
static struct ArrowArray *fx_ints(const char *fmt, const int32_t *v, int64_t n, const char *mask) {
  size_t w = fmt[0] == 'c' ? 1 : fmt[0] == 's' ? 2 : 4;
  uint8_t *vals = malloc((size_t)n * w + 1);
  for (int64_t i = 0; i < n; i++) {
    if (w == 1) ((int8_t *)vals)[i] = (int8_t)v[i];
    else if (w == 2) ((int16_t *)vals)[i] = (int16_t)v[i];
    else ((int32_t *)vals)[i] = v[i];
  }
  uint8_t *bits = mask ? malloc(strlen(mask) / 8 + 1) : NULL;
  int64_t nulls = 0;
  size_t nb = 0;
  if (mask) {
    nb = fx_bits(mask, bits);
    for (const char *m = mask; *m; m++) nulls += *m == '0';
  }
  const void *bufs[2] = {bits, vals};
  size_t sizes[2] = {nb, (size_t)n * w};
  struct ArrowArray *a = fx_array(n, nulls, 0, 2, bufs, sizes, 0, NULL);
  free(bits); /* fx_array copied them */
  free(vals);
  return a;
}

struct ArrowArray *fx_i32(const int32_t *v, int64_t n, const char *mask) { return fx_ints("i", v, n, mask); }

struct ArrowArray *fx_utf8(const char *const *v, int64_t n) {
  int32_t *off = calloc((size_t)n + 1, 4);
  uint8_t *bits = calloc((size_t)n / 8 + 1, 1);
  size_t total = 0;
  int64_t nulls = 0;
  for (int64_t i = 0; i < n; i++) {
    if (v[i]) {
      total += strlen(v[i]);
      bits[i / 8] |= (uint8_t)(1 << (i % 8));
    } else {
      nulls++;
    }
    off[i + 1] = (int32_t)total;
  }
  char *data = malloc(total + 1);
  for (int64_t i = 0; i < n; i++)
    if (v[i]) memcpy(data + off[i], v[i], strlen(v[i]));
  const void *bufs[3] = {nulls ? bits : NULL, off, data};
  size_t sizes[3] = {(size_t)(n + 7) / 8, (size_t)(n + 1) * 4, total};
  struct ArrowArray *a = fx_array(n, nulls, 0, 3, bufs, sizes, 0, NULL);
  free(off);
  free(bits);
  free(data);
  return a;
}

struct ArrowArray *fx_batch(int64_t length, int n, struct ArrowArray **cols) {
  const void *bufs[1] = {NULL};
  size_t sizes[1] = {0};
  return fx_array(length, 0, 0, 1, bufs, sizes, n, cols);
}

blz_status fx_mem_write(void *ctx, const void *data, size_t len, blz_error *err) {
  fx_mem *m = ctx;
  if (m->fail_after >= 0 && (int64_t)(m->buf.len + len) > m->fail_after)
    return blz_fail(err, BLZ_EIO, "test sink: write refused");
  if (!blz_buf_append(&m->buf, data, len)) return blz_fail(err, BLZ_ENOMEM, "oom");
  return BLZ_OK;
}

struct ArrowSchema *fx_dict_utf8_schema_as(const char *index_format, const char *name) {
  struct ArrowSchema *col = fx_schema(index_format, name, true, 0, NULL);
  col->dictionary = fx_schema("u", "", true, 0, NULL);
  struct ArrowSchema *f[1] = {col};
  return fx_struct_schema(1, f);
}

struct ArrowSchema *fx_dict_utf8_schema(const char *name) { return fx_dict_utf8_schema_as("i", name); }

struct ArrowArray *fx_dict_utf8_as(const char *index_format, const int32_t *idx, int64_t n, const char *mask,
                                   const char *const *vals, int64_t nvals) {
  struct ArrowArray *a = fx_ints(index_format, idx, n, mask);
  a->dictionary = fx_utf8(vals, nvals);
  return a;
}

struct ArrowArray *fx_dict_utf8(const int32_t *idx, int64_t n, const char *mask, const char *const *vals, int64_t nvals) {
  return fx_dict_utf8_as("i", idx, n, mask, vals, nvals);
}

blz_writer *fx_open_mem(struct ArrowSchema *s, const blz_writer_options *o, fx_mem *m) {
  memset(m, 0, sizeof *m);
  m->fail_after = -1;
  blz_output sink = {m, fx_mem_write};
  blz_writer *w = NULL;
  blz_error e = {0};
  blz_status st = blz_writer_create(s, o, &sink, &w, &e);
  if (st) fprintf(stderr, "  create: %s\n", e.message);
  CHECK(st == BLZ_OK);
  return w;
}
