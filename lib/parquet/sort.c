/* sort.c — sort_by: slices kept with their values copied, a stable merge sort of the row group's
 * rows by the key columns, and the rows fed to every column in that order. */
#include "sort.h"

#include <math.h>

#define FEED_ROWS 8192

static bool is_bytes(const blz_column *c) { return c->t.phys == PQ_BYTE_ARRAY; }

/* Whether a level entry holds a value, as blz_column_feed counts them: for max_def <= 1 the
 * gathered level is a presence flag (also for REQUIRED columns, where it is 1). */
static inline bool present(const blz_column *c, uint8_t def) { return c->max_def <= 1 ? def != 0 : def == c->max_def; }

bool blz_kept_append(blz_kept *k, const blz_column *c, int64_t rows, int64_t entries, size_t nvals) {
  if (k->rows == 0) { /* the first row's starts */
    int64_t zero = 0;
    k->row_entry.len = k->row_val.len = 0;
    if (!blz_buf_append(&k->row_entry, &zero, 8) || !blz_buf_append(&k->row_val, &zero, 8)) return false;
  }
  int64_t e0 = (int64_t)k->def.len, v0 = (int64_t)(k->dense.len / (size_t)c->width);
  if (!blz_buf_append(&k->def, c->def.data, (size_t)entries)) return false;
  if (c->max_rep && !blz_buf_append(&k->rep, c->rep.data, (size_t)entries)) return false;
  if (is_bytes(c)) { /* the caller's batch goes away: copy each value, keep (offset, length) */
    const blz_bytes_ref *v = (const blz_bytes_ref *)c->dense.data;
    if (!blz_buf_reserve(&k->dense, nvals * 16)) return false;
    for (size_t i = 0; i < nvals; i++) {
      uint64_t ol[2] = {k->bytes.len, v[i].len};
      if (v[i].len && !blz_buf_append(&k->bytes, v[i].p, v[i].len)) return false;
      memcpy(k->dense.data + k->dense.len, ol, 16);
      k->dense.len += 16;
    }
  } else if (!blz_buf_append(&k->dense, c->dense.data, nvals * (size_t)c->width)) {
    return false;
  }
  /* row boundaries: a flat column has one entry per row; a nested leaf starts a row where its
   * repetition level is 0 */
  const uint8_t *def = c->def.data, *rep = c->rep.data;
  int64_t e = e0, v = v0;
  for (int64_t i = 0; i < entries; i++) {
    if (i > 0 && (!c->max_rep || rep[i] == 0)) {
      if (!blz_buf_append(&k->row_entry, &e, 8) || !blz_buf_append(&k->row_val, &v, 8)) return false;
    }
    e++;
    v += present(c, def[i]);
  }
  if (entries > 0 && (!blz_buf_append(&k->row_entry, &e, 8) || !blz_buf_append(&k->row_val, &v, 8))) return false;
  k->rows += rows;
  return true;
}

int64_t blz_kept_memory(const blz_kept *k) {
  return (int64_t)(k->def.cap + k->rep.cap + k->dense.cap + k->bytes.cap + k->row_entry.cap + k->row_val.cap);
}

void blz_kept_reset(blz_kept *k, bool trim) {
  if (trim) {
    blz_buf_free(&k->def), blz_buf_free(&k->rep), blz_buf_free(&k->dense), blz_buf_free(&k->bytes);
    blz_buf_free(&k->row_entry), blz_buf_free(&k->row_val);
  }
  k->def.len = k->rep.len = k->dense.len = k->bytes.len = k->row_entry.len = k->row_val.len = 0;
  k->rows = 0;
}

bool blz_sort_key_ok(const blz_column *c) {
  return !c->path && (c->t.sort == SORT_SIGNED || c->t.sort == SORT_UNSIGNED || c->t.sort == SORT_FLOAT ||
                      c->t.sort == SORT_BYTES || c->t.sort == SORT_BOOL);
}

typedef struct key_ctx {
  const blz_column *cols;
  const blz_kept *kept;
  const int *keys;
  int nkeys;
  bool nulls_first;
} key_ctx;

static int cmp_num(double a, double b) {
  bool na = isnan(a), nb = isnan(b); /* NaN after every number, as DuckDB and Polars sort */
  if (na || nb) return na - nb;
  return (a > b) - (a < b);
}

/* Order of rows a and b by key column i. */
static int cmp_key(const key_ctx *x, int i, int64_t a, int64_t b) {
  const blz_column *c = &x->cols[x->keys[i]];
  const blz_kept *k = &x->kept[x->keys[i]];
  const int64_t *re = (const int64_t *)k->row_entry.data, *rv = (const int64_t *)k->row_val.data;
  bool va = present(c, k->def.data[re[a]]), vb = present(c, k->def.data[re[b]]);
  if (!va || !vb) return va == vb ? 0 : (va ? 1 : -1) * (x->nulls_first ? 1 : -1);
  const uint8_t *pa = k->dense.data + (size_t)rv[a] * (size_t)(is_bytes(c) ? 16 : c->width);
  const uint8_t *pb = k->dense.data + (size_t)rv[b] * (size_t)(is_bytes(c) ? 16 : c->width);
  switch (c->t.sort) {
    case SORT_BOOL: return (*pa > *pb) - (*pa < *pb);
    case SORT_SIGNED:
      if (c->t.phys == PQ_INT32) {
        int32_t u, v;
        memcpy(&u, pa, 4), memcpy(&v, pb, 4);
        return (u > v) - (u < v);
      } else {
        int64_t u, v;
        memcpy(&u, pa, 8), memcpy(&v, pb, 8);
        return (u > v) - (u < v);
      }
    case SORT_UNSIGNED:
      if (c->t.phys == PQ_INT32) {
        uint32_t u, v;
        memcpy(&u, pa, 4), memcpy(&v, pb, 4);
        return (u > v) - (u < v);
      } else {
        uint64_t u, v;
        memcpy(&u, pa, 8), memcpy(&v, pb, 8);
        return (u > v) - (u < v);
      }
    case SORT_FLOAT:
      if (c->t.phys == PQ_FLOAT) {
        float u, v;
        memcpy(&u, pa, 4), memcpy(&v, pb, 4);
        return cmp_num(u, v);
      } else {
        double u, v;
        memcpy(&u, pa, 8), memcpy(&v, pb, 8);
        return cmp_num(u, v);
      }
    case SORT_BYTES: {
      const uint8_t *sa = pa, *sb = pb;
      size_t la = (size_t)c->width, lb = (size_t)c->width;
      if (is_bytes(c)) {
        uint64_t oa[2], ob[2];
        memcpy(oa, pa, 16), memcpy(ob, pb, 16);
        la = oa[1], lb = ob[1];
        sa = la ? k->bytes.data + oa[0] : pa;
        sb = lb ? k->bytes.data + ob[0] : pb;
      }
      int r = la && lb ? memcmp(sa, sb, la < lb ? la : lb) : 0;
      return r ? (r > 0) - (r < 0) : (la > lb) - (la < lb);
    }
    default: return 0;
  }
}

static int cmp_rows(const key_ctx *x, int64_t a, int64_t b) {
  for (int i = 0; i < x->nkeys; i++) {
    int r = cmp_key(x, i, a, b);
    if (r) return r;
  }
  return 0;
}

bool blz_sort_rows(const blz_column *cols, const blz_kept *kept, const int *keys, int nkeys, bool nulls_first,
                   int64_t rows, int64_t *perm) {
  int64_t *tmp = malloc((size_t)(rows + 1) * sizeof *tmp);
  if (!tmp) return false;
  key_ctx x = {cols, kept, keys, nkeys, nulls_first};
  for (int64_t i = 0; i < rows; i++) perm[i] = i;
  /* bottom-up merge sort: stable, O(n log n) comparisons, no recursion */
  int64_t *src = perm, *dst = tmp;
  for (int64_t w = 1; w < rows; w *= 2) {
    for (int64_t lo = 0; lo < rows; lo += 2 * w) {
      int64_t mid = lo + w < rows ? lo + w : rows, hi = lo + 2 * w < rows ? lo + 2 * w : rows;
      int64_t i = lo, j = mid, o = lo;
      while (i < mid && j < hi) dst[o++] = cmp_rows(&x, src[j], src[i]) < 0 ? src[j++] : src[i++];
      while (i < mid) dst[o++] = src[i++];
      while (j < hi) dst[o++] = src[j++];
    }
    int64_t *t = src;
    src = dst, dst = t;
  }
  if (src != perm) memcpy(perm, src, (size_t)rows * sizeof *perm);
  free(tmp);
  return true;
}

blz_status blz_kept_feed(blz_column *c, const blz_kept *k, const int64_t *perm, int64_t rows, blz_scratch *sx,
                         blz_error *err) {
  const int64_t *re = (const int64_t *)k->row_entry.data, *rv = (const int64_t *)k->row_val.data;
  size_t vw = is_bytes(c) ? 16 : (size_t)c->width;
  for (int64_t start = 0; start < rows; start += FEED_ROWS) {
    int64_t n = rows - start < FEED_ROWS ? rows - start : FEED_ROWS, entries = 0;
    size_t nvals = 0;
    for (int64_t i = start; i < start + n; i++) {
      entries += re[perm[i] + 1] - re[perm[i]];
      nvals += (size_t)(rv[perm[i] + 1] - rv[perm[i]]);
    }
    c->def.len = c->rep.len = c->dense.len = 0;
    if (!blz_buf_reserve(&c->def, (size_t)entries + 8) || (c->max_rep && !blz_buf_reserve(&c->rep, (size_t)entries + 8)) ||
        !blz_buf_reserve(&c->dense, nvals * (size_t)c->width + 16))
      return blz_fail(err, BLZ_ENOMEM, "out of memory feeding sorted rows of column %s", c->name);
    for (int64_t i = start; i < start + n; i++) {
      int64_t r = perm[i], e = re[r], ne = re[r + 1] - e, v = rv[r], nv = rv[r + 1] - v;
      memcpy(c->def.data + c->def.len, k->def.data + e, (size_t)ne);
      c->def.len += (size_t)ne;
      if (c->max_rep) {
        memcpy(c->rep.data + c->rep.len, k->rep.data + e, (size_t)ne);
        c->rep.len += (size_t)ne;
      }
      if (is_bytes(c)) {
        for (int64_t j = 0; j < nv; j++) {
          uint64_t ol[2];
          memcpy(ol, k->dense.data + (size_t)(v + j) * 16, 16);
          blz_bytes_ref ref = {ol[1] ? k->bytes.data + ol[0] : (const uint8_t *)"", (uint32_t)ol[1]};
          memcpy(c->dense.data + c->dense.len, &ref, sizeof ref);
          c->dense.len += sizeof ref;
        }
      } else {
        memcpy(c->dense.data + c->dense.len, k->dense.data + (size_t)v * vw, (size_t)nv * vw);
        c->dense.len += (size_t)nv * vw;
      }
    }
    BLZ_TRY(blz_column_feed(c, sx, entries, nvals, err));
  }
  return BLZ_OK;
}
