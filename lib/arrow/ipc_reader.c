/* ipc_reader.c — Arrow IPC stream (and file) reader exposed as an ArrowArrayStream. */
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../codecs/codec.h"
#include "ipc_internal.h"
#include "ipc_reader.h"

enum { MSG_SCHEMA = 1, MSG_DICTIONARY = 2, MSG_RECORD_BATCH = 3 };

#define META_LIMIT (64u << 20)

/* ---------- shared ownership of the memory behind one batch's buffers ---------- */

/* A read-only mapping of the input file, shared by every batch whose buffers point into it. */
typedef struct mapping {
  long refs;
  void *addr;
  size_t len;
} mapping;

static void mapping_unref(mapping *m) {
  if (!m || __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) > 0) return;
  munmap(m->addr, m->len);
  free(m);
}

typedef struct holder {
  long refs;
  void **allocs;
  size_t n, cap;
  mapping *map; /* set when buffers point into the mapped input */
} holder;

/* A new holder with one reference, the creator's. */
static holder *holder_new(void) {
  holder *h = calloc(1, sizeof(holder));
  if (h) h->refs = 1;
  return h;
}

static bool holder_own(holder *h, void *p) {
  if (h->n == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 8;
    void **a = realloc(h->allocs, cap * sizeof *a);
    if (!a) return false;
    h->allocs = a;
    h->cap = cap;
  }
  h->allocs[h->n++] = p;
  return true;
}

static void holder_unref(holder *h) {
  if (!h || __atomic_sub_fetch(&h->refs, 1, __ATOMIC_ACQ_REL) > 0) return;
  for (size_t i = 0; i < h->n; i++) free(h->allocs[i]);
  free(h->allocs);
  mapping_unref(h->map);
  free(h);
}

typedef struct node_priv {
  holder *h;
  const void **bufs;
  struct ArrowArray **children;
} node_priv;

static void node_release(struct ArrowArray *a) {
  if (!a->release) return;
  node_priv *p = a->private_data;
  for (int64_t i = 0; i < a->n_children; i++) {
    if (a->children[i]->release) a->children[i]->release(a->children[i]);
    free(a->children[i]);
  }
  if (a->dictionary) {
    if (a->dictionary->release) a->dictionary->release(a->dictionary);
    free(a->dictionary);
  }
  if (p) {
    holder_unref(p->h);
    free(p->bufs);
    free(p->children);
    free(p);
  }
  a->release = NULL;
}

/* A node that keeps `h` alive; buffers and children are filled by the caller. */
static bool node_init(struct ArrowArray *a, holder *h, int64_t nbuf, int64_t nchildren) {
  memset(a, 0, sizeof *a);
  node_priv *p = calloc(1, sizeof *p);
  if (!p) return false;
  __atomic_add_fetch(&h->refs, 1, __ATOMIC_ACQ_REL);
  p->h = h;
  a->private_data = p;
  a->release = node_release;
  p->bufs = calloc((size_t)(nbuf ? nbuf : 1), sizeof *p->bufs);
  p->children = calloc((size_t)(nchildren ? nchildren : 1), sizeof *p->children);
  if (!p->bufs || !p->children) return false;
  a->buffers = p->bufs;
  a->n_buffers = nbuf;
  a->children = p->children;
  for (int64_t i = 0; i < nchildren; i++) {
    p->children[i] = calloc(1, sizeof(struct ArrowArray));
    if (!p->children[i]) return false;
    a->n_children = i + 1;
  }
  return true;
}

/* Another reference to the same arrays (dictionaries are shared by many batches). */
static bool node_share(const struct ArrowArray *src, struct ArrowArray *dst) {
  node_priv *sp = src->private_data;
  if (!node_init(dst, sp->h, src->n_buffers, src->n_children)) return false;
  dst->length = src->length;
  dst->null_count = src->null_count;
  dst->offset = src->offset;
  for (int64_t i = 0; i < src->n_buffers; i++) ((node_priv *)dst->private_data)->bufs[i] = src->buffers[i];
  for (int64_t i = 0; i < src->n_children; i++)
    if (!node_share(src->children[i], dst->children[i])) return false;
  if (src->dictionary) {
    dst->dictionary = calloc(1, sizeof *dst->dictionary);
    if (!dst->dictionary || !node_share(src->dictionary, dst->dictionary)) return false;
  }
  return true;
}

/* ---------- reader state ---------- */

typedef struct dict_entry {
  int64_t id;
  const ipc_field *field; /* the dictionary-encoded field; its layout describes the values */
  struct ArrowArray values; /* released == no dictionary yet */
} dict_entry;

typedef struct ipc_reader {
  int fd;
  const uint8_t *mem;
  size_t mem_len;
  uint64_t pos;
  int64_t consumed;  /* pos after the last message handed out; read by other threads (atomics) */
  int64_t max_alloc;
  struct ArrowSchema schema;
  ipc_field *fields;
  int nfields;
  dict_entry *dicts;
  int ndicts;
  bool done;
  uint8_t peek[8]; /* bytes read to sniff the file magic, served again before the fd */
  size_t peek_len, peek_pos;
  mapping *map;    /* mem is this mapping: bodies are used in place, not copied */
  const volatile int *cancel;
  bool big_endian; /* the schema said so: every buffer of a number is byte-swapped on reading */
  blz_error err;
} ipc_reader;

static blz_status src_read(ipc_reader *r, void *dst, size_t n, size_t *got) {
  *got = 0;
  if (r->mem) {
    size_t left = r->mem_len - (size_t)r->pos;
    size_t k = n < left ? n : left;
    memcpy(dst, r->mem + r->pos, k);
    r->pos += k;
    *got = k;
    return BLZ_OK;
  }
  while (*got < n && r->peek_pos < r->peek_len) {
    ((uint8_t *)dst)[(*got)++] = r->peek[r->peek_pos++];
    r->pos++;
  }
  while (*got < n) {
    ssize_t k = read(r->fd, (uint8_t *)dst + *got, n - *got);
    if (k < 0) {
      if (errno == EINTR && r->cancel && *r->cancel)
        return blz_fail(&r->err, BLZ_EIO, "interrupted at byte %llu", (unsigned long long)r->pos);
      if (errno == EINTR) continue;
      return blz_fail(&r->err, BLZ_EIO, "read error at byte %llu: %s", (unsigned long long)r->pos, strerror(errno));
    }
    if (k == 0) break;
    *got += (size_t)k;
    r->pos += (uint64_t)k;
  }
  return BLZ_OK;
}

/* Reads exactly n bytes into a fresh allocation, growing it as data arrives so that a corrupt
 * length in a truncated stream fails on the data, not on a huge allocation. */
static blz_status read_alloc(ipc_reader *r, uint64_t n, const char *what, uint8_t **out) {
  *out = NULL;
  uint64_t start = r->pos;
  if ((int64_t)n < 0 || (int64_t)n > r->max_alloc)
    return blz_fail(&r->err, BLZ_EFORMAT, "%s of %llu bytes at byte %llu exceeds the limit", what,
                    (unsigned long long)n, (unsigned long long)start);
  if (r->mem && n > r->mem_len - r->pos)
    return blz_fail(&r->err, BLZ_EFORMAT, "truncated stream: %s of %llu bytes at byte %llu, only %llu left",
                    what, (unsigned long long)n, (unsigned long long)start, (unsigned long long)(r->mem_len - r->pos));
  size_t cap = n < (64u << 20) ? (size_t)n : (64u << 20);
  uint8_t *p = malloc(cap + 8);
  if (!p) return blz_fail(&r->err, BLZ_ENOMEM, "out of memory reading %s", what);
  size_t have = 0;
  while (have < n) {
    if (have == cap) {
      size_t ncap = cap * 2 > n ? (size_t)n : cap * 2;
      uint8_t *q = realloc(p, ncap + 8);
      if (!q) {
        free(p);
        return blz_fail(&r->err, BLZ_ENOMEM, "out of memory reading %s", what);
      }
      p = q;
      cap = ncap;
    }
    size_t got;
    blz_status st = src_read(r, p + have, cap - have, &got);
    if (st) {
      free(p);
      return st;
    }
    if (got == 0) {
      free(p);
      return blz_fail(&r->err, BLZ_EFORMAT, "truncated stream: %s at byte %llu needs %llu bytes, got %zu",
                      what, (unsigned long long)start, (unsigned long long)n, have);
    }
    have += got;
  }
  *out = p;
  return BLZ_OK;
}

/* ---------- record batch decoding ---------- */

typedef struct batch_ctx {
  ipc_reader *r;
  holder *h;
  const uint8_t *body;
  uint64_t body_len;
  const fb_table *rb;
  size_t nodes_pos, bufs_pos, variadic_pos;
  uint32_t nnodes, nbufs, nvariadic;
  uint32_t ni, bi, vi;
  int codec; /* -1 none, 0 lz4 frame, 1 zstd */
  uint64_t msg_pos;
} batch_ctx;

static const int64_t zero_offsets[2] = {0, 0};

#define BAD(...) blz_fail(&c->r->err, BLZ_EFORMAT, __VA_ARGS__)

static blz_status next_node(batch_ctx *c, const ipc_field *f, int64_t *len, int64_t *nulls) {
  if (c->ni >= c->nnodes) return BAD("record batch at byte %llu: column %s: fewer field nodes than the schema needs", (unsigned long long)c->msg_pos, f->path);
  const uint8_t *p = c->rb->buf + c->nodes_pos + 16 * (size_t)c->ni++;
  *len = (int64_t)blz_load_le64(p);
  *nulls = (int64_t)blz_load_le64(p + 8);
  if (*len < 0 || *nulls < 0 || *nulls > *len)
    return BAD("record batch at byte %llu: column %s: bad length %lld / null count %lld", (unsigned long long)c->msg_pos,
               f->path, (long long)*len, (long long)*nulls);
  return BLZ_OK;
}

static blz_status next_buffer(batch_ctx *c, const ipc_field *f, const uint8_t **out, uint64_t *out_len) {
  if (c->bi >= c->nbufs) return BAD("record batch at byte %llu: column %s: fewer buffers than the schema needs", (unsigned long long)c->msg_pos, f->path);
  const uint8_t *p = c->rb->buf + c->bufs_pos + 16 * (size_t)c->bi++;
  uint64_t off = blz_load_le64(p), len = blz_load_le64(p + 8);
  if (off > c->body_len || len > c->body_len - off)
    return BAD("record batch at byte %llu: column %s: buffer [%lld, +%lld) outside the %llu-byte body",
               (unsigned long long)c->msg_pos, f->path, (long long)off, (long long)len, (unsigned long long)c->body_len);
  if (len == 0) {
    *out = (const uint8_t *)zero_offsets;
    *out_len = 0;
    return BLZ_OK;
  }
  const uint8_t *raw = c->body + off; /* len > 0: the body is there */
  if (c->codec >= 0) {
    if (len < 8) return BAD("column %s: compressed buffer of %llu bytes", f->path, (unsigned long long)len);
    int64_t ulen = (int64_t)blz_load_le64(raw);
    raw += 8;
    len -= 8;
    if (ulen != -1) {
      if (ulen < 0 || ulen > c->r->max_alloc)
        return BAD("column %s: compressed buffer claims %lld bytes", f->path, (long long)ulen);
      uint8_t *dst = malloc((size_t)ulen + 8);
      if (!dst || !holder_own(c->h, dst)) {
        free(dst);
        return blz_fail(&c->r->err, BLZ_ENOMEM, "out of memory decompressing column %s", f->path);
      }
      blz_error e;
      blz_status st = c->codec == 0 ? blz_decompress_lz4_frame(raw, len, dst, (size_t)ulen, &e)
                                    : blz_decompress_zstd(raw, len, dst, (size_t)ulen, &e);
      if (st) return BAD("record batch at byte %llu: column %s: %s", (unsigned long long)c->msg_pos, f->path, e.message);
      *out = dst;
      *out_len = (uint64_t)ulen;
      return BLZ_OK;
    }
  }
  if ((uintptr_t)raw % 8) { /* keep typed loads aligned */
    uint8_t *dst = malloc(len);
    if (!dst || !holder_own(c->h, dst)) {
      free(dst);
      return blz_fail(&c->r->err, BLZ_ENOMEM, "out of memory");
    }
    memcpy(dst, raw, len);
    raw = dst;
  }
  *out = raw;
  *out_len = len;
  return BLZ_OK;
}

static blz_status validity(batch_ctx *c, const ipc_field *f, int64_t len, int64_t nulls, struct ArrowArray *a) {
  const uint8_t *p;
  uint64_t n;
  BLZ_TRY(next_buffer(c, f, &p, &n));
  if (nulls == 0) {
    a->buffers[0] = NULL;
    return BLZ_OK;
  }
  if (n < (uint64_t)(len + 7) / 8)
    return BAD("column %s: validity bitmap of %llu bytes for %lld rows", f->path, (unsigned long long)n, (long long)len);
  a->buffers[0] = p;
  return BLZ_OK;
}

static blz_status check_offsets32(batch_ctx *c, const ipc_field *f, const uint8_t *p, uint64_t n, int64_t len,
                                  uint64_t limit, const char *what, const void **out) {
  if (len == 0) {
    *out = n >= 4 ? (const void *)p : (const void *)zero_offsets;
    return BLZ_OK;
  }
  if (n / 4 < (uint64_t)len + 1) return BAD("column %s: offsets buffer too short for %lld rows", f->path, (long long)len);
  const int32_t *o = (const int32_t *)p;
  if (o[0] < 0) return BAD("column %s: negative offset", f->path);
  if (blz_offsets32_bad(o, len))
    for (int64_t i = 0; i < len; i++)
      if (o[i + 1] < o[i]) return BAD("column %s: offsets decrease at row %lld", f->path, (long long)i);
  if ((uint64_t)o[len] > limit)
    return BAD("column %s: offset %d past the end of its %s (%llu)", f->path, o[len], what, (unsigned long long)limit);
  *out = p;
  return BLZ_OK;
}

static blz_status check_offsets64(batch_ctx *c, const ipc_field *f, const uint8_t *p, uint64_t n, int64_t len,
                                  uint64_t limit, const char *what, const void **out) {
  if (len == 0) {
    *out = n >= 8 ? (const void *)p : (const void *)zero_offsets;
    return BLZ_OK;
  }
  if (n / 8 < (uint64_t)len + 1) return BAD("column %s: offsets buffer too short for %lld rows", f->path, (long long)len);
  const int64_t *o = (const int64_t *)p;
  if (o[0] < 0) return BAD("column %s: negative offset", f->path);
  for (int64_t i = 0; i < len; i++)
    if (o[i + 1] < o[i]) return BAD("column %s: offsets decrease at row %lld", f->path, (long long)i);
  if ((uint64_t)o[len] > limit)
    return BAD("column %s: offset %lld past the end of its %s (%llu)", f->path, (long long)o[len], what, (unsigned long long)limit);
  *out = p;
  return BLZ_OK;
}

static blz_status build(batch_ctx *c, const ipc_field *f, bool as_values, struct ArrowArray *a, int depth);

/* Big-endian input: a copy of the n-byte buffer *p with every `unit`-byte value reversed, as Arrow
 * C++ does on read, so the rest of the library sees native little-endian numbers. */
static blz_status native(batch_ctx *c, const ipc_field *f, const uint8_t **p, uint64_t n, int unit) {
  if (!c->r->big_endian || unit == 0 || unit == 1 || n == 0) return BLZ_OK;
  if (unit < 0) return blz_fail(&c->r->err, BLZ_ENOTSUP, "column %s: this type cannot be read from a big-endian stream", f->path);
  uint8_t *d = malloc((size_t)n);
  if (!d || !holder_own(c->h, d)) {
    free(d);
    return blz_fail(&c->r->err, BLZ_ENOMEM, "out of memory");
  }
  uint64_t whole = n - n % (uint64_t)unit;
  for (uint64_t i = 0; i < whole; i += (uint64_t)unit)
    for (int k = 0; k < unit; k++) d[i + (uint64_t)k] = (*p)[i + (uint64_t)(unit - 1 - k)];
  memcpy(d + whole, *p + whole, (size_t)(n - whole));
  *p = d;
  return BLZ_OK;
}

/* Big-endian views: the length, and for out-of-line values the buffer index and offset, are
 * swapped; inline bytes are not numbers and stay as they are. */
static blz_status native_views(batch_ctx *c, const ipc_field *f, const uint8_t **p, uint64_t n) {
  if (!c->r->big_endian || n == 0) return BLZ_OK;
  uint8_t *d = malloc((size_t)n);
  if (!d || !holder_own(c->h, d)) {
    free(d);
    return blz_fail(&c->r->err, BLZ_ENOMEM, "out of memory");
  }
  memcpy(d, *p, (size_t)n);
  for (uint64_t i = 0; i + 16 <= n; i += 16) {
    uint8_t *v = d + i;
    uint32_t len = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
    for (int w = 0; w < (len > 12 ? 3 : 1); w++) {
      uint8_t *q = w == 0 ? v : v + 4 + 4 * w; /* bytes 0-3, then 8-11 and 12-15 */
      uint8_t t0 = q[0], t1 = q[1];
      q[0] = q[3], q[1] = q[2], q[2] = t1, q[3] = t0;
    }
  }
  (void)f;
  *p = d;
  return BLZ_OK;
}

/* A run-end encoded array: no buffers of its own; its run ends (int16/32/64, positive, strictly
 * increasing, the last covering the array) and one value per run. */
static blz_status build_ree(batch_ctx *c, const ipc_field *f, int64_t len, int64_t nulls, struct ArrowArray *a,
                            int depth) {
  if (nulls != 0) return BAD("column %s: a run_end_encoded array has no nulls of its own (%lld)", f->path, (long long)nulls);
  const ipc_field *rf = &f->children[0];
  if (rf->layout != LAYOUT_FIXED || rf->is_dict || (rf->width != 2 && rf->width != 4 && rf->width != 8))
    return BAD("column %s: run ends must be int16, int32 or int64", f->path);
  BLZ_TRY(build(c, rf, false, a->children[0], depth + 1));
  BLZ_TRY(build(c, &f->children[1], false, a->children[1], depth + 1));
  const struct ArrowArray *re = a->children[0];
  if (re->null_count != 0) return BAD("column %s: run ends hold nulls", f->path);
  const uint8_t *e = re->buffers[1];
  int64_t prev = 0, runs = 0;
  for (int64_t j = 0; j < re->length && prev < len; j++, runs++) {
    int64_t v = rf->width == 2 ? (int16_t)blz_load_le16(e + 2 * j)
              : rf->width == 4 ? (int32_t)blz_load_le32(e + 4 * j) : (int64_t)blz_load_le64(e + 8 * j);
    if (v <= prev) return BAD("column %s: run %lld ends at %lld, not after %lld", f->path, (long long)j, (long long)v, (long long)prev);
    prev = v;
  }
  if (prev < len) return BAD("column %s: runs end at %lld, before the array's %lld rows", f->path, (long long)prev, (long long)len);
  if (a->children[1]->length < runs) return BAD("column %s: %lld runs but %lld values", f->path, (long long)runs, (long long)a->children[1]->length);
  return BLZ_OK;
}

static blz_status build_layout(batch_ctx *c, const ipc_field *f, ipc_layout layout, int64_t width,
                               int swap, struct ArrowArray *a, int depth) {
  int64_t len = 0, nulls = 0;
  BLZ_TRY(next_node(c, f, &len, &nulls));
  const uint8_t *p;
  uint64_t n;
  int64_t nbuf = 0, nch = 0;
  uint64_t nvar = 0;
  switch (layout) {
    case LAYOUT_NULL: nbuf = 0; break;
    case LAYOUT_BOOL: case LAYOUT_FIXED: nbuf = 2; break;
    case LAYOUT_VAR32: case LAYOUT_VAR64: nbuf = 3; break;
    case LAYOUT_VIEW:
      if (c->vi >= c->nvariadic) return BAD("column %s: missing variadic buffer count", f->path);
      nvar = blz_load_le64(c->rb->buf + c->variadic_pos + 8 * (size_t)c->vi++);
      if (nvar > c->nbufs) return BAD("column %s: %llu variadic buffers", f->path, (unsigned long long)nvar);
      nbuf = 2 + (int64_t)nvar + 1;
      break;
    case LAYOUT_LIST32: case LAYOUT_LIST64: nbuf = 2; nch = 1; break;
    case LAYOUT_FSL: nbuf = 1; nch = 1; break;
    case LAYOUT_STRUCT: nbuf = 1; nch = f->nchildren; break;
    case LAYOUT_REE: nbuf = 0; nch = 2; break;
    case LAYOUT_LISTVIEW32: case LAYOUT_LISTVIEW64: nbuf = 3; nch = 1; break;
  }
  if (!node_init(a, c->h, nbuf, nch)) return blz_fail(&c->r->err, BLZ_ENOMEM, "out of memory");
  a->length = len;
  a->null_count = nulls;
  if (layout == LAYOUT_NULL) {
    a->null_count = len;
    return BLZ_OK;
  }
  if (layout == LAYOUT_REE) return build_ree(c, f, len, nulls, a, depth);
  BLZ_TRY(validity(c, f, len, nulls, a));
  switch (layout) {
    case LAYOUT_BOOL:
      BLZ_TRY(next_buffer(c, f, &p, &n));
      if (n < (uint64_t)(len + 7) / 8) return BAD("column %s: data buffer too short", f->path);
      a->buffers[1] = p;
      break;
    case LAYOUT_FIXED:
      BLZ_TRY(next_buffer(c, f, &p, &n));
      BLZ_TRY(native(c, f, &p, n, swap));
      if ((uint64_t)len > n / (uint64_t)width) return BAD("column %s: data buffer of %llu bytes for %lld values of %lld bytes", f->path, (unsigned long long)n, (long long)len, (long long)width);
      a->buffers[1] = p;
      break;
    case LAYOUT_VAR32: case LAYOUT_VAR64: {
      const uint8_t *op, *dp;
      uint64_t on, dn;
      BLZ_TRY(next_buffer(c, f, &op, &on));
      BLZ_TRY(next_buffer(c, f, &dp, &dn));
      BLZ_TRY(native(c, f, &op, on, layout == LAYOUT_VAR32 ? 4 : 8));
      if (layout == LAYOUT_VAR32) BLZ_TRY(check_offsets32(c, f, op, on, len, dn, "data buffer", &a->buffers[1]));
      else BLZ_TRY(check_offsets64(c, f, op, on, len, dn, "data buffer", &a->buffers[1]));
      a->buffers[2] = dp;
      break;
    }
    case LAYOUT_VIEW: {
      const uint8_t *vp;
      uint64_t vn;
      BLZ_TRY(next_buffer(c, f, &vp, &vn));
      BLZ_TRY(native_views(c, f, &vp, vn));
      if ((uint64_t)len > vn / 16) return BAD("column %s: views buffer too short", f->path);
      a->buffers[1] = vp;
      int64_t *sizes = malloc((nvar ? nvar : 1) * sizeof *sizes);
      if (!sizes || !holder_own(c->h, sizes)) {
        free(sizes);
        return blz_fail(&c->r->err, BLZ_ENOMEM, "out of memory");
      }
      for (uint64_t i = 0; i < nvar; i++) {
        BLZ_TRY(next_buffer(c, f, &p, &n));
        a->buffers[2 + i] = p;
        sizes[i] = (int64_t)n;
      }
      a->buffers[2 + nvar] = sizes;
      for (int64_t i = 0; i < len; i++) {
        const uint8_t *v = vp + 16 * i;
        int32_t vlen = (int32_t)blz_load_le32(v);
        if (vlen < 0) return BAD("column %s: row %lld: negative view length", f->path, (long long)i);
        if (vlen > 12) {
          uint32_t b = blz_load_le32(v + 8);
          int32_t off = (int32_t)blz_load_le32(v + 12);
          if (b >= nvar || off < 0 || (uint64_t)off + (uint64_t)vlen > (uint64_t)sizes[b])
            return BAD("column %s: row %lld: view points outside its data buffers", f->path, (long long)i);
        }
      }
      break;
    }
    case LAYOUT_LIST32: case LAYOUT_LIST64: {
      BLZ_TRY(next_buffer(c, f, &p, &n));
      BLZ_TRY(native(c, f, &p, n, layout == LAYOUT_LIST32 ? 4 : 8));
      BLZ_TRY(build(c, &f->children[0], false, a->children[0], depth + 1));
      uint64_t clen = (uint64_t)a->children[0]->length;
      if (layout == LAYOUT_LIST32) BLZ_TRY(check_offsets32(c, f, p, n, len, clen, "child array", &a->buffers[1]));
      else BLZ_TRY(check_offsets64(c, f, p, n, len, clen, "child array", &a->buffers[1]));
      break;
    }
    case LAYOUT_LISTVIEW32: case LAYOUT_LISTVIEW64: {
      const uint8_t *op, *sp;
      uint64_t on, sn;
      size_t w = layout == LAYOUT_LISTVIEW32 ? 4 : 8;
      BLZ_TRY(next_buffer(c, f, &op, &on));
      BLZ_TRY(next_buffer(c, f, &sp, &sn));
      BLZ_TRY(native(c, f, &op, on, (int)w));
      BLZ_TRY(native(c, f, &sp, sn, (int)w));
      if (on / w < (uint64_t)len || sn / w < (uint64_t)len) return BAD("column %s: list view offsets or sizes too short", f->path);
      BLZ_TRY(build(c, &f->children[0], false, a->children[0], depth + 1));
      int64_t clen = a->children[0]->length;
      for (int64_t i = 0; i < len; i++) { /* every view inside the child, null rows' too */
        int64_t o = w == 4 ? (int32_t)blz_load_le32(op + 4 * i) : (int64_t)blz_load_le64(op + 8 * i);
        int64_t sz = w == 4 ? (int32_t)blz_load_le32(sp + 4 * i) : (int64_t)blz_load_le64(sp + 8 * i);
        if (o < 0 || sz < 0 || o > clen || sz > clen - o)
          return BAD("column %s: row %lld: list view [%lld, +%lld) outside its child of %lld", f->path, (long long)i,
                     (long long)o, (long long)sz, (long long)clen);
      }
      a->buffers[1] = len ? (const void *)op : (const void *)zero_offsets;
      a->buffers[2] = len ? (const void *)sp : (const void *)zero_offsets;
      break;
    }
    case LAYOUT_FSL:
      BLZ_TRY(build(c, &f->children[0], false, a->children[0], depth + 1));
      if (width > 0 && a->children[0]->length / width < len) return BAD("column %s: child array too short", f->path);
      break;
    case LAYOUT_STRUCT:
      for (int i = 0; i < f->nchildren; i++) {
        BLZ_TRY(build(c, &f->children[i], false, a->children[i], depth + 1));
        if (a->children[i]->length < len) return BAD("column %s: child %d shorter than its parent", f->path, i);
      }
      break;
    default: break;
  }
  return BLZ_OK;
}

static blz_status build(batch_ctx *c, const ipc_field *f, bool as_values, struct ArrowArray *a, int depth) {
  if (depth > IPC_MAX_DEPTH) return BAD("nesting deeper than %d", IPC_MAX_DEPTH);
  if (!f->is_dict || as_values) return build_layout(c, f, f->layout, f->width, f->swap, a, depth);
  BLZ_TRY(build_layout(c, f, LAYOUT_FIXED, f->index_bytes, f->index_bytes, a, depth));
  for (int i = 0; i < c->r->ndicts; i++) {
    dict_entry *d = &c->r->dicts[i];
    if (d->id != f->dict_id) continue;
    if (!d->values.release) break;
    a->dictionary = calloc(1, sizeof *a->dictionary);
    if (!a->dictionary || !node_share(&d->values, a->dictionary))
      return blz_fail(&c->r->err, BLZ_ENOMEM, "out of memory");
    return BLZ_OK;
  }
  return BAD("record batch at byte %llu: column %s: dictionary id %lld used before it was sent", (unsigned long long)c->msg_pos, f->path, (long long)f->dict_id);
}

/* Takes ownership of *body (sets it to NULL) so the arrays can keep pointing into it; a body in
 * the mapped input is kept alive through a reference to the mapping instead. */
static blz_status batch_init(ipc_reader *r, batch_ctx *c, const fb_table *rb, uint8_t **body,
                             bool mapped, uint64_t body_len, uint64_t msg_pos) {
  memset(c, 0, sizeof *c);
  c->r = r;
  c->rb = rb;
  c->body = *body;
  c->body_len = body_len;
  c->msg_pos = msg_pos;
  c->codec = -1;
  bool ok = true;
  fb_vector(rb, 1, 16, &c->nodes_pos, &c->nnodes, &ok);
  fb_vector(rb, 2, 16, &c->bufs_pos, &c->nbufs, &ok);
  fb_vector(rb, 4, 8, &c->variadic_pos, &c->nvariadic, &ok);
  fb_table comp;
  if (fb_table_field(rb, 3, &comp, &ok)) {
    int64_t codec = fb_int(&comp, 0, 1, 0, &ok), method = fb_int(&comp, 1, 1, 0, &ok);
    if (codec != 0 && codec != 1) return blz_fail(&r->err, BLZ_ENOTSUP, "record batch at byte %llu: unknown body compression %lld", (unsigned long long)msg_pos, (long long)codec);
    if (method != 0) return blz_fail(&r->err, BLZ_ENOTSUP, "record batch at byte %llu: unknown compression method", (unsigned long long)msg_pos);
    c->codec = (int)codec;
  }
  if (!ok) return blz_fail(&r->err, BLZ_EFORMAT, "corrupt record batch metadata at byte %llu", (unsigned long long)msg_pos);
  c->h = holder_new();
  if (!c->h) return blz_fail(&r->err, BLZ_ENOMEM, "out of memory");
  if (*body && mapped) {
    __atomic_add_fetch(&r->map->refs, 1, __ATOMIC_ACQ_REL);
    c->h->map = r->map;
  } else if (*body) {
    if (!holder_own(c->h, *body)) {
      holder_unref(c->h);
      c->h = NULL;
      return blz_fail(&r->err, BLZ_ENOMEM, "out of memory");
    }
    *body = NULL;
  }
  return BLZ_OK;
}

/* ---------- dictionary deltas: concatenation of flat arrays ---------- */


static blz_status concat_values(ipc_reader *r, const ipc_field *f, const struct ArrowArray *x,
                                const struct ArrowArray *y, struct ArrowArray *out) {
  if (f->layout != LAYOUT_FIXED && f->layout != LAYOUT_BOOL && f->layout != LAYOUT_VAR32 && f->layout != LAYOUT_VAR64)
    return blz_fail(&r->err, BLZ_ENOTSUP, "column %s: delta dictionaries of this type are not supported", f->path);
  holder *h = holder_new();
  if (!h) return blz_fail(&r->err, BLZ_ENOMEM, "out of memory");
  int64_t n = x->length + y->length;
  bool ok = node_init(out, h, f->layout == LAYOUT_VAR32 || f->layout == LAYOUT_VAR64 ? 3 : 2, 0);
  holder_unref(h); /* the node holds the only reference now */
  if (!ok) return blz_fail(&r->err, BLZ_ENOMEM, "out of memory");
  out->length = n;
  uint8_t *valid = calloc((size_t)(n + 7) / 8 + 1, 1);
  if (!valid || !holder_own(h, valid)) { free(valid); return blz_fail(&r->err, BLZ_ENOMEM, "out of memory"); }
  int64_t nulls = 0;
  for (int64_t i = 0; i < n; i++) {
    bool v = i < x->length ? blz_valid(x, x->offset + i) : blz_valid(y, y->offset + i - x->length);
    if (v) valid[i >> 3] |= (uint8_t)(1 << (i & 7));
    else nulls++;
  }
  out->null_count = nulls;
  out->buffers[0] = valid;
  if (f->layout == LAYOUT_FIXED || f->layout == LAYOUT_BOOL) {
    size_t w = (size_t)f->width;
    size_t bytes = f->layout == LAYOUT_BOOL ? (size_t)(n + 7) / 8 + 1 : (size_t)n * w + 1;
    uint8_t *d = calloc(bytes, 1);
    if (!d || !holder_own(h, d)) { free(d); return blz_fail(&r->err, BLZ_ENOMEM, "out of memory"); }
    if (f->layout == LAYOUT_BOOL) {
      for (int64_t i = 0; i < n; i++) {
        bool v = i < x->length ? blz_bit(x->buffers[1], x->offset + i) : blz_bit(y->buffers[1], y->offset + i - x->length);
        if (v) d[i >> 3] |= (uint8_t)(1 << (i & 7));
      }
    } else {
      memcpy(d, (const uint8_t *)x->buffers[1] + (size_t)x->offset * w, (size_t)x->length * w);
      memcpy(d + (size_t)x->length * w, (const uint8_t *)y->buffers[1] + (size_t)y->offset * w, (size_t)y->length * w);
    }
    out->buffers[1] = d;
    return BLZ_OK;
  }
  bool wide = f->layout == LAYOUT_VAR64;
  int64_t total = 0;
  const struct ArrowArray *parts[2] = {x, y};
  for (int k = 0; k < 2; k++) {
    const struct ArrowArray *a = parts[k];
    int64_t s = wide ? ((const int64_t *)a->buffers[1])[a->offset] : ((const int32_t *)a->buffers[1])[a->offset];
    int64_t e = wide ? ((const int64_t *)a->buffers[1])[a->offset + a->length] : ((const int32_t *)a->buffers[1])[a->offset + a->length];
    total += e - s;
  }
  if (!wide && total > INT32_MAX) return blz_fail(&r->err, BLZ_EFORMAT, "column %s: dictionary larger than 2 GiB", f->path);
  uint8_t *offs = malloc((size_t)(n + 1) * (wide ? 8 : 4));
  uint8_t *data = malloc((size_t)total + 1);
  if (!offs || !data || !holder_own(h, offs) || !holder_own(h, data)) {
    free(offs); free(data);
    return blz_fail(&r->err, BLZ_ENOMEM, "out of memory");
  }
  int64_t pos = 0, row = 0;
  for (int k = 0; k < 2; k++) {
    const struct ArrowArray *a = parts[k];
    for (int64_t i = 0; i < a->length; i++, row++) {
      int64_t s = wide ? ((const int64_t *)a->buffers[1])[a->offset + i] : ((const int32_t *)a->buffers[1])[a->offset + i];
      int64_t e = wide ? ((const int64_t *)a->buffers[1])[a->offset + i + 1] : ((const int32_t *)a->buffers[1])[a->offset + i + 1];
      if (wide) ((int64_t *)offs)[row] = pos;
      else ((int32_t *)offs)[row] = (int32_t)pos;
      memcpy(data + pos, (const uint8_t *)a->buffers[2] + s, (size_t)(e - s));
      pos += e - s;
    }
  }
  if (wide) ((int64_t *)offs)[n] = pos;
  else ((int32_t *)offs)[n] = (int32_t)pos;
  out->buffers[1] = offs;
  out->buffers[2] = data;
  return BLZ_OK;
}

static blz_status on_dictionary(ipc_reader *r, const fb_table *msg_header, uint8_t **body, bool mapped,
                                uint64_t body_len, uint64_t msg_pos) {
  bool ok = true;
  int64_t id = fb_int(msg_header, 0, 8, 0, &ok);
  bool delta = fb_int(msg_header, 2, 1, 0, &ok) != 0;
  fb_table rb;
  if (!fb_table_field(msg_header, 1, &rb, &ok) || !ok)
    return blz_fail(&r->err, BLZ_EFORMAT, "corrupt dictionary batch at byte %llu", (unsigned long long)msg_pos);
  dict_entry *d = NULL;
  for (int i = 0; i < r->ndicts; i++)
    if (r->dicts[i].id == id) d = &r->dicts[i];
  if (!d) return blz_fail(&r->err, BLZ_EFORMAT, "dictionary batch at byte %llu: id %lld is not in the schema", (unsigned long long)msg_pos, (long long)id);
  batch_ctx c;
  BLZ_TRY(batch_init(r, &c, &rb, body, mapped, body_len, msg_pos));
  struct ArrowArray values;
  memset(&values, 0, sizeof values);
  blz_status st = build(&c, d->field, true, &values, 0);
  holder_unref(c.h); /* nodes keep their own references */
  if (st) {
    if (values.release) values.release(&values);
    return st;
  }
  if (delta && d->values.release) {
    struct ArrowArray merged;
    memset(&merged, 0, sizeof merged);
    st = concat_values(r, d->field, &d->values, &values, &merged);
    values.release(&values);
    if (st) {
      if (merged.release) merged.release(&merged);
      return st;
    }
    d->values.release(&d->values);
    d->values = merged;
  } else {
    if (d->values.release) d->values.release(&d->values);
    d->values = values;
  }
  return BLZ_OK;
}

static void collect_dicts(ipc_reader *r, const ipc_field *f, int n, int *count, bool fill) {
  for (int i = 0; i < n; i++) {
    if (f[i].is_dict) {
      bool seen = false;
      for (int k = 0; fill && k < *count; k++) seen |= r->dicts[k].id == f[i].dict_id;
      if (!seen) {
        if (fill) {
          r->dicts[*count].id = f[i].dict_id;
          r->dicts[*count].field = &f[i];
        }
        (*count)++;
      }
    }
    collect_dicts(r, f[i].children, f[i].nchildren, count, fill);
  }
}

/* ---------- messages ---------- */

typedef struct message {
  uint8_t *meta, *body;
  bool body_mapped; /* body points into the reader's mapping and is not ours to free */
  fb_table header;
  int type;
  uint64_t body_len, pos;
} message;

static void message_free(message *m) {
  free(m->meta);
  if (!m->body_mapped) free(m->body);
  memset(m, 0, sizeof *m);
}

/* Reads the next message; *eos on the end-of-stream marker or a clean end of input. */
static blz_status read_message(ipc_reader *r, message *m, bool *eos) {
  memset(m, 0, sizeof *m);
  *eos = false;
  m->pos = r->pos;
  uint8_t w[4];
  size_t got;
  BLZ_TRY(src_read(r, w, 4, &got));
  if (got == 0) {
    *eos = true;
    return BLZ_OK;
  }
  if (got < 4) return blz_fail(&r->err, BLZ_EFORMAT, "truncated stream: message header at byte %llu", (unsigned long long)m->pos);
  uint32_t len = blz_load_le32(w);
  if (len == 0xFFFFFFFFu) {
    BLZ_TRY(src_read(r, w, 4, &got));
    if (got == 0) {
      *eos = true;
      return BLZ_OK;
    }
    if (got < 4) return blz_fail(&r->err, BLZ_EFORMAT, "truncated stream: message length at byte %llu", (unsigned long long)m->pos);
    len = blz_load_le32(w);
  }
  if (len == 0) {
    *eos = true;
    return BLZ_OK;
  }
  if (len > META_LIMIT) return blz_fail(&r->err, BLZ_EFORMAT, "message at byte %llu: metadata length %u is not plausible", (unsigned long long)m->pos, len);
  BLZ_TRY(read_alloc(r, len, "message metadata", &m->meta));
  fb_table msg;
  bool ok = true;
  if (!fb_root(m->meta, len, &msg)) {
    message_free(m);
    return blz_fail(&r->err, BLZ_EFORMAT, "message at byte %llu: corrupt metadata", (unsigned long long)m->pos);
  }
  int64_t version = fb_int(&msg, 0, 2, 0, &ok);
  m->type = (int)(uint8_t)fb_int(&msg, 1, 1, 0, &ok);
  bool has_header = fb_table_field(&msg, 2, &m->header, &ok);
  int64_t body_len = fb_int(&msg, 3, 8, 0, &ok);
  if (!ok || !has_header || body_len < 0) {
    message_free(m);
    return blz_fail(&r->err, BLZ_EFORMAT, "message at byte %llu: corrupt metadata", (unsigned long long)m->pos);
  }
  if (version < 3) {
    message_free(m);
    return blz_fail(&r->err, BLZ_ENOTSUP, "message at byte %llu: Arrow IPC metadata version V%lld is too old", (unsigned long long)m->pos, (long long)version + 1);
  }
  m->body_len = (uint64_t)body_len;
  if (body_len > 0 && r->map) {
    if ((uint64_t)body_len > r->mem_len - r->pos) {
      blz_status st = blz_fail(&r->err, BLZ_EFORMAT, "truncated stream: message body at byte %llu needs %lld bytes, %llu left",
                               (unsigned long long)r->pos, (long long)body_len, (unsigned long long)(r->mem_len - r->pos));
      message_free(m);
      return st;
    }
    m->body = (uint8_t *)r->mem + r->pos;
    m->body_mapped = true;
    r->pos += (uint64_t)body_len;
  } else if (body_len > 0) {
    blz_status st = read_alloc(r, (uint64_t)body_len, "message body", &m->body);
    if (st) {
      message_free(m);
      return st;
    }
  }
  return BLZ_OK;
}

/* ---------- the ArrowArrayStream ---------- */

static int stream_get_schema(struct ArrowArrayStream *s, struct ArrowSchema *out) {
  ipc_reader *r = s->private_data;
  if (ipc_schema_copy(&r->schema, out)) {
    blz_fail(&r->err, BLZ_ENOMEM, "out of memory");
    return ENOMEM;
  }
  return 0;
}

static int stream_get_next(struct ArrowArrayStream *s, struct ArrowArray *out) {
  ipc_reader *r = s->private_data;
  memset(out, 0, sizeof *out);
  if (r->done) return 0;
  r->err.code = BLZ_OK;
  r->err.message[0] = 0;
  for (;;) {
    message m;
    bool eos;
    if (read_message(r, &m, &eos)) return EIO;
    if (eos) {
      r->done = true;
      return 0;
    }
    blz_status st = BLZ_OK;
    if (m.type == MSG_DICTIONARY) {
      st = on_dictionary(r, &m.header, &m.body, m.body_mapped, m.body_len, m.pos);
    } else if (m.type == MSG_RECORD_BATCH) {
      batch_ctx c;
      st = batch_init(r, &c, &m.header, &m.body, m.body_mapped, m.body_len, m.pos);
      if (!st) {
        bool ok = true;
        int64_t len = fb_int(&m.header, 0, 8, 0, &ok);
        if (!ok || len < 0) st = blz_fail(&r->err, BLZ_EFORMAT, "record batch at byte %llu: bad length", (unsigned long long)m.pos);
        if (!st && !node_init(out, c.h, 1, r->nfields)) st = blz_fail(&r->err, BLZ_ENOMEM, "out of memory");
        if (!st) out->length = len;
        for (int i = 0; i < r->nfields && !st; i++) {
          st = build(&c, &r->fields[i], false, out->children[i], 0);
          if (!st && out->children[i]->length != len)
            st = blz_fail(&r->err, BLZ_EFORMAT, "record batch at byte %llu: column %s has %lld rows, the batch %lld",
                          (unsigned long long)m.pos, r->fields[i].path, (long long)out->children[i]->length, (long long)len);
        }
        holder_unref(c.h);
        if (st && out->release) out->release(out);
      }
      message_free(&m);
      if (st) return st == BLZ_ENOMEM ? ENOMEM : EIO;
      __atomic_store_n(&r->consumed, (int64_t)r->pos, __ATOMIC_RELAXED);
      return 0;
    } else if (m.type == MSG_SCHEMA) {
      st = blz_fail(&r->err, BLZ_EFORMAT, "schema message at byte %llu: the schema cannot change mid-stream", (unsigned long long)m.pos);
    } else {
      st = blz_fail(&r->err, BLZ_ENOTSUP, "message at byte %llu: unsupported message type %d", (unsigned long long)m.pos, m.type);
    }
    message_free(&m);
    if (st) return st == BLZ_ENOMEM ? ENOMEM : EIO;
  }
}

static void stream_release(struct ArrowArrayStream *s);

int64_t blz_ipc_stream_bytes_read(const struct ArrowArrayStream *stream) {
  if (!stream || stream->release != stream_release || !stream->private_data) return -1;
  const ipc_reader *r = stream->private_data;
  return __atomic_load_n(&r->consumed, __ATOMIC_RELAXED);
}

static const char *stream_last_error(struct ArrowArrayStream *s) {
  ipc_reader *r = s->private_data;
  return r->err.message[0] ? r->err.message : NULL;
}

static void reader_free(ipc_reader *r) {
  if (!r) return;
  if (r->schema.release) r->schema.release(&r->schema);
  for (int i = 0; i < r->ndicts; i++)
    if (r->dicts[i].values.release) r->dicts[i].values.release(&r->dicts[i].values);
  free(r->dicts);
  ipc_fields_free(r->fields, r->nfields);
  mapping_unref(r->map);
  free(r);
}

static void stream_release(struct ArrowArrayStream *s) {
  if (!s->release) return;
  reader_free(s->private_data);
  s->release = NULL;
}

static blz_status open_reader(ipc_reader *r, struct ArrowArrayStream *out, blz_error *err) {
  /* The file format: "ARROW1" + 2 bytes of padding, then a stream */
  uint8_t magic[8];
  size_t got;
  blz_status st = src_read(r, magic, 6, &got);
  if (!st && got == 6 && !memcmp(magic, "ARROW1", 6)) {
    st = src_read(r, magic, 2, &got);
  } else if (!st) {
    /* not the file format: put the bytes back (a pipe cannot seek) */
    if (r->mem) {
      r->pos = 0;
    } else {
      memcpy(r->peek, magic, got);
      r->peek_len = got;
      r->peek_pos = 0;
      r->pos = 0;
    }
  }
  message m;
  bool eos;
  if (!st) st = read_message(r, &m, &eos);
  if (!st && eos) st = blz_fail(&r->err, BLZ_EFORMAT, "empty stream: no schema message");
  if (!st && m.type != MSG_SCHEMA) {
    st = blz_fail(&r->err, BLZ_EFORMAT, "message at byte %llu: a stream must start with a schema, found message type %d", (unsigned long long)m.pos, m.type);
    message_free(&m);
  }
  if (!st) {
    st = ipc_decode_schema(&m.header, &r->schema, &r->fields, &r->nfields, &r->big_endian, &r->err);
    message_free(&m);
  }
  if (!st) {
    int n = 0;
    collect_dicts(r, r->fields, r->nfields, &n, false);
    r->dicts = calloc((size_t)n + 1, sizeof *r->dicts);
    if (!r->dicts) st = blz_fail(&r->err, BLZ_ENOMEM, "out of memory");
    else collect_dicts(r, r->fields, r->nfields, &r->ndicts, true);
  }
  if (st) {
    if (err) *err = r->err;
    reader_free(r);
    return st;
  }
  out->get_schema = stream_get_schema;
  out->get_next = stream_get_next;
  out->get_last_error = stream_last_error;
  out->release = stream_release;
  out->private_data = r;
  return BLZ_OK;
}

blz_status blz_ipc_stream_from_buffer_limited(const void *data, size_t len, int64_t max_alloc,
                                              struct ArrowArrayStream *out, blz_error *err) {
  memset(out, 0, sizeof *out);
  ipc_reader *r = calloc(1, sizeof *r);
  if (!r) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  r->fd = -1;
  r->mem = data ? data : (const uint8_t *)"";
  r->mem_len = len;
  r->max_alloc = max_alloc;
  return open_reader(r, out, err);
}

blz_status blz_ipc_stream_from_buffer(const void *data, size_t len, struct ArrowArrayStream *out,
                                      blz_error *err) {
  return blz_ipc_stream_from_buffer_limited(data, len, (int64_t)1 << 40, out, err);
}

blz_status blz_ipc_stream_from_fd(int fd, struct ArrowArrayStream *out, blz_error *err) {
  return blz_ipc_stream_from_fd_cancellable(fd, NULL, out, err);
}

blz_status blz_ipc_stream_from_fd_cancellable(int fd, const volatile int *cancel,
                                              struct ArrowArrayStream *out, blz_error *err) {
  memset(out, 0, sizeof *out);
  ipc_reader *r = calloc(1, sizeof *r);
  if (!r) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  r->fd = fd;
  r->cancel = cancel;
  r->max_alloc = (int64_t)1 << 40;
  /* a regular file is mapped, so record batch bodies are used where they lie */
  struct stat stt;
  /* a pipe's default 64 KiB buffer makes writer and reader take turns (a wake-up per 64 KiB):
   * 1 MiB (the unprivileged maximum) lets them run side by side; a refusal changes nothing */
  if (fstat(fd, &stt) == 0 && S_ISFIFO(stt.st_mode)) (void)fcntl(fd, F_SETPIPE_SZ, 1 << 20);
  if (fstat(fd, &stt) == 0 && S_ISREG(stt.st_mode) && stt.st_size > 0 && lseek(fd, 0, SEEK_CUR) == 0) {
    /* not populated up front: that would be serial work before any encoding thread starts; the
     * encoding threads fault the batches in as they read them */
    void *addr = mmap(NULL, (size_t)stt.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (addr != MAP_FAILED) {
      r->map = calloc(1, sizeof *r->map);
      if (!r->map) {
        munmap(addr, (size_t)stt.st_size);
      } else {
        madvise(addr, (size_t)stt.st_size, MADV_WILLNEED); /* read ahead what is not cached */
        r->map->refs = 1;
        r->map->addr = addr;
        r->map->len = (size_t)stt.st_size;
        r->mem = addr;
        r->mem_len = (size_t)stt.st_size;
      }
    }
  }
  return open_reader(r, out, err);
}
