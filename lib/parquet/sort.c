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
  } else if (!blz_buf_append(&k->dense, blz_column_values(c), nvals * (size_t)c->width)) {
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

/* One key column, laid out for comparing: numbers (and booleans) as unsigned integers in the
 * same order (signed: sign bit flipped; floats: IEEE bits made monotonic, NaN greatest), byte
 * strings as pointer and length; a rank per row puts nulls first or last. */
typedef struct sort_key {
  bool bytes;
  uint8_t *rank;        /* 0 null first, 1 value, 2 null last */
  uint64_t *u;
  const uint8_t **p;
  uint32_t *len;
} sort_key;

static uint64_t float_bits(double d) {
  if (isnan(d)) return UINT64_MAX;
  uint64_t b;
  memcpy(&b, &d, 8);
  return b >> 63 ? ~b : b | (1ULL << 63);
}

static bool key_build(sort_key *sk, const blz_column *c, const blz_kept *k, int64_t rows, bool nulls_first) {
  memset(sk, 0, sizeof *sk);
  sk->bytes = c->t.sort == SORT_BYTES;
  sk->rank = malloc((size_t)rows + 1);
  if (sk->bytes) {
    sk->p = malloc(((size_t)rows + 1) * sizeof *sk->p);
    sk->len = malloc(((size_t)rows + 1) * sizeof *sk->len);
  } else {
    sk->u = malloc(((size_t)rows + 1) * sizeof *sk->u);
  }
  if (!sk->rank || (sk->bytes ? !sk->p || !sk->len : !sk->u)) return false;
  const int64_t *re = (const int64_t *)k->row_entry.data, *rv = (const int64_t *)k->row_val.data;
  for (int64_t r = 0; r < rows; r++) {
    bool v = present(c, k->def.data[re[r]]);
    sk->rank[r] = v ? 1 : nulls_first ? 0 : 2;
    const uint8_t *pv = v ? k->dense.data + (size_t)rv[r] * (size_t)(is_bytes(c) ? 16 : c->width) : NULL;
    if (sk->bytes) {
      sk->p[r] = (const uint8_t *)"", sk->len[r] = 0;
      if (!v) continue;
      if (is_bytes(c)) {
        uint64_t ol[2];
        memcpy(ol, pv, 16);
        sk->len[r] = (uint32_t)ol[1];
        if (ol[1]) sk->p[r] = k->bytes.data + ol[0];
      } else { /* fixed_size_binary */
        sk->p[r] = pv, sk->len[r] = (uint32_t)c->width;
      }
      continue;
    }
    uint64_t u = 0;
    if (v) {
      int32_t i32;
      int64_t i64;
      float f;
      double d;
      bool wide = c->t.phys == PQ_INT64 || c->t.phys == PQ_DOUBLE;
      switch (c->t.sort) {
        case SORT_BOOL: u = *pv != 0; break;
        case SORT_SIGNED:
          if (wide) memcpy(&i64, pv, 8), u = (uint64_t)i64 ^ ((uint64_t)1 << 63);
          else memcpy(&i32, pv, 4), u = (uint64_t)(int64_t)i32 ^ ((uint64_t)1 << 63);
          break;
        case SORT_UNSIGNED:
          if (wide) memcpy(&u, pv, 8);
          else memcpy(&i32, pv, 4), u = (uint32_t)i32;
          break;
        case SORT_FLOAT:
          if (wide) memcpy(&d, pv, 8), u = float_bits(d);
          else memcpy(&f, pv, 4), u = float_bits(f);
          break;
        default: break;
      }
    }
    sk->u[r] = u;
  }
  return true;
}

static void key_free(sort_key *sk) {
  free(sk->rank), free(sk->u), free((void *)sk->p), free(sk->len);
}

static inline int cmp_rows(const sort_key *keys, int nkeys, int64_t a, int64_t b) {
  for (int i = 0; i < nkeys; i++) {
    const sort_key *k = &keys[i];
    if (k->rank[a] != k->rank[b]) return k->rank[a] < k->rank[b] ? -1 : 1;
    if (k->rank[a] != 1) continue; /* both null */
    if (!k->bytes) {
      if (k->u[a] != k->u[b]) return k->u[a] < k->u[b] ? -1 : 1;
      continue;
    }
    uint32_t la = k->len[a], lb = k->len[b];
    int r = memcmp(k->p[a], k->p[b], la < lb ? la : lb);
    if (r) return r < 0 ? -1 : 1;
    if (la != lb) return la < lb ? -1 : 1;
  }
  return 0;
}

bool blz_sort_rows(const blz_column *cols, const blz_kept *kept, const int *keys, int nkeys, bool nulls_first,
                   int64_t rows, int64_t *perm) {
  int64_t *tmp = malloc((size_t)(rows + 1) * sizeof *tmp);
  sort_key *sk = calloc((size_t)nkeys + 1, sizeof *sk);
  bool ok = tmp && sk;
  for (int i = 0; ok && i < nkeys; i++) ok = key_build(&sk[i], &cols[keys[i]], &kept[keys[i]], rows, nulls_first);
  if (ok) {
    for (int64_t i = 0; i < rows; i++) perm[i] = i;
    /* bottom-up merge sort: stable, O(n log n) comparisons, no recursion */
    int64_t *src = perm, *dst = tmp;
    for (int64_t w = 1; w < rows; w *= 2) {
      for (int64_t lo = 0; lo < rows; lo += 2 * w) {
        int64_t mid = lo + w < rows ? lo + w : rows, hi = lo + 2 * w < rows ? lo + 2 * w : rows;
        int64_t i = lo, j = mid, o = lo;
        while (i < mid && j < hi) dst[o++] = cmp_rows(sk, nkeys, src[j], src[i]) < 0 ? src[j++] : src[i++];
        while (i < mid) dst[o++] = src[i++];
        while (j < hi) dst[o++] = src[j++];
      }
      int64_t *t = src;
      src = dst, dst = t;
    }
    if (src != perm) memcpy(perm, src, (size_t)rows * sizeof *perm);
  }
  for (int i = 0; sk && i < nkeys; i++) key_free(&sk[i]);
  free(sk);
  free(tmp);
  return ok;
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
    c->def.len = c->rep.len = c->dense.len = c->src.len = 0; /* no Arrow indices: hashed */
    c->vals = NULL;
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
