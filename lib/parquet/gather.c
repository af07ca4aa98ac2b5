/* gather.c — turns a slice of an Arrow array into definition levels and dense Parquet values. */
#include "column.h"

#include <pthread.h>

#include "../common/blz_utf8.h"


/* Whether an unscaled decimal has at most `precision` (1..18) digits: readers refuse more. */
static bool decimal_fits(int64_t x, int precision) {
  static const int64_t pow10[19] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
                                    10000000000LL, 100000000000LL, 1000000000000LL, 10000000000000LL,
                                    100000000000000LL, 1000000000000000LL, 10000000000000000LL,
                                    100000000000000000LL, 1000000000000000000LL};
  if (precision < 1 || precision > 18) return true;
  return x > -pow10[precision] && x < pow10[precision];
}

/* 10^0 .. 10^38: the bounds of decimal128 precisions, built once. */
static unsigned __int128 pow10_128[39];
static pthread_once_t pow10_once = PTHREAD_ONCE_INIT;
static void pow10_init(void) {
  pow10_128[0] = 1;
  for (int i = 1; i <= 38; i++) pow10_128[i] = pow10_128[i - 1] * 10;
}

/* Value i of a 32-bit-offset string/binary array, checked (C Data offsets are checked by no one
 * before us). */
static inline blz_status bin32_at(const struct ArrowArray *a, int64_t i, blz_bytes_ref *r, blz_error *err) {
  const int32_t *off = (const int32_t *)a->buffers[1] + i;
  if (off[0] < 0 || off[1] < off[0])
    return blz_fail(err, BLZ_EINVAL, "offsets %d, %d: negative or decreasing", off[0], off[1]);
  r->p = (const uint8_t *)a->buffers[2] + off[0];
  r->len = (uint32_t)(off[1] - off[0]);
  return BLZ_OK;
}

/* After a pass over off[0..n] found a negative offset or length (blz_offsets32_bad, or the same
 * or-ed sign bits in blz_column_gather's copying loop): names the first bad row (row + i), since
 * no one checks C Data offsets before us. */
static blz_status bad_offsets32(const blz_column *c, const int32_t *off, int64_t n, int64_t row, blz_error *err) {
  for (int64_t i = 0; i < n; i++)
    if (off[i] < 0 || off[i + 1] < off[i])
      return blz_fail(err, BLZ_EINVAL, "column %s: row %lld: offsets %d, %d: negative or decreasing", c->name,
                      (long long)(row + i), off[i], off[i + 1]);
  return BLZ_OK;
}

/* Writes the Parquet form of the value at physical index i of `a` into out (width bytes, or a
 * blz_bytes_ref). Used for dictionary values, where access is random. */
static blz_status value_at(const blz_column *c, const struct ArrowArray *a, int64_t i, void *out,
                           blz_error *err) {
  const void *v = a->buffers[1];
  switch (c->t.src) {
    case SRC_BOOL: *(uint8_t *)out = blz_bit(v, i); return BLZ_OK;
    case SRC_I8: *(int32_t *)out = ((const int8_t *)v)[i]; return BLZ_OK;
    case SRC_U8: *(int32_t *)out = ((const uint8_t *)v)[i]; return BLZ_OK;
    case SRC_I16: *(int32_t *)out = ((const int16_t *)v)[i]; return BLZ_OK;
    case SRC_U16: *(int32_t *)out = ((const uint16_t *)v)[i]; return BLZ_OK;
    case SRC_I32: case SRC_U32: case SRC_F32: memcpy(out, (const uint8_t *)v + 4 * i, 4); return BLZ_OK;
    case SRC_I64: case SRC_U64: case SRC_F64: memcpy(out, (const uint8_t *)v + 8 * i, 8); return BLZ_OK;
    case SRC_F16: memcpy(out, (const uint8_t *)v + 2 * i, 2); return BLZ_OK;
    case SRC_BIN32: return bin32_at(a, i, out, err);
    case SRC_BIN64: {
      const int64_t *off = v;
      blz_bytes_ref *r = out;
      if (off[i] < 0 || off[i + 1] < off[i]) /* before subtracting: hostile offsets overflow it */
        return blz_fail(err, BLZ_EINVAL, "offsets %lld, %lld: negative or decreasing", (long long)off[i], (long long)off[i + 1]);
      int64_t len = off[i + 1] - off[i];
      if (len > INT32_MAX) return blz_fail(err, BLZ_ENOTSUP, "value of %lld bytes exceeds Parquet's 2 GiB limit", (long long)len);
      r->p = (const uint8_t *)a->buffers[2] + off[i];
      r->len = (uint32_t)len;
      return BLZ_OK;
    }
    case SRC_VIEW: {
      const uint8_t *view = (const uint8_t *)v + 16 * i;
      int32_t len;
      memcpy(&len, view, 4);
      blz_bytes_ref *r = out;
      if (len < 0) return blz_fail(err, BLZ_EINVAL, "view of negative length %d", len);
      r->len = (uint32_t)len;
      if (len <= 12) {
        r->p = view + 4;
      } else {
        int32_t buf, off;
        memcpy(&buf, view + 8, 4);
        memcpy(&off, view + 12, 4);
        if (off < 0) return blz_fail(err, BLZ_EINVAL, "view at negative offset %d", off);
        /* variadic buffers follow validity and views; the last buffer holds their sizes */
        if (buf < 0 || 2 + (int64_t)buf >= a->n_buffers - 1) return blz_fail(err, BLZ_EFORMAT, "view refers to missing data buffer %d", buf);
        r->p = (const uint8_t *)a->buffers[2 + buf] + off;
      }
      return BLZ_OK;
    }
    case SRC_FSB: memcpy(out, (const uint8_t *)v + (int64_t)c->t.src_width * i, (size_t)c->t.src_width); return BLZ_OK;
    case SRC_DATE64: {
      int64_t ms = ((const int64_t *)v)[i];
      int64_t d = ms / 86400000;
      if (ms % 86400000 < 0) d--;
      if (d < INT32_MIN || d > INT32_MAX) return blz_fail(err, BLZ_EINVAL, "date64 value %lld out of range", (long long)ms);
      *(int32_t *)out = (int32_t)d;
      return BLZ_OK;
    }
    case SRC_I32_X1000: {
      int64_t x = (int64_t)((const int32_t *)v)[i] * 1000;
      if (x < INT32_MIN || x > INT32_MAX) return blz_fail(err, BLZ_EINVAL, "time32[s] value %lld out of range", (long long)(x / 1000));
      *(int32_t *)out = (int32_t)x;
      return BLZ_OK;
    }
    case SRC_I64_X1000: {
      int64_t s = ((const int64_t *)v)[i], x;
      if (__builtin_mul_overflow(s, (int64_t)1000, &x))
        return blz_fail(err, BLZ_EINVAL, "timestamp[s] value %lld cannot be stored in milliseconds", (long long)s);
      memcpy(out, &x, 8);
      return BLZ_OK;
    }
    case SRC_DEC32: case SRC_DEC64: {
      int64_t x = c->t.src == SRC_DEC32 ? ((const int32_t *)v)[i] : ((const int64_t *)v)[i];
      if (!decimal_fits(x, c->t.precision))
        return blz_fail(err, BLZ_EINVAL, "decimal value %lld exceeds precision %d", (long long)x, c->t.precision);
      if (c->t.src == SRC_DEC32) *(int32_t *)out = (int32_t)x;
      else memcpy(out, &x, 8);
      return BLZ_OK;
    }
    case SRC_DEC128: case SRC_DEC256: {
      const uint8_t *le = (const uint8_t *)v + (int64_t)c->t.src_width * i;
      int sw = c->t.src_width;
      int keep = c->t.phys == PQ_INT32 ? 4 : c->t.phys == PQ_INT64 ? 8 : c->t.type_length;
      /* the dropped high bytes must be pure sign extension, or the value does not fit */
      uint8_t sign = (le[keep - 1] & 0x80) ? 0xFF : 0x00;
      for (int k = keep; k < sw; k++)
        if (le[k] != sign) return blz_fail(err, BLZ_EINVAL, "decimal value exceeds precision %d", c->t.precision);
      if (c->t.phys == PQ_FLBA) {
        if (sw == 16) { /* decimal128: at most `precision` digits, as readers expect */
          __int128 x = 0;
          memcpy(&x, le, 16);
          unsigned __int128 mag = x < 0 ? (unsigned __int128)0 - (unsigned __int128)x : (unsigned __int128)x;
          pthread_once(&pow10_once, pow10_init);
          if (c->t.precision <= 38 && mag >= pow10_128[c->t.precision])
            return blz_fail(err, BLZ_EINVAL, "decimal value exceeds precision %d", c->t.precision);
        }
        uint8_t *o = out;
        for (int k = 0; k < keep; k++) o[k] = le[keep - 1 - k];
      } else {
        int64_t x = keep == 4 ? (int64_t)(int32_t)blz_load_le32(le) : (int64_t)blz_load_le64(le);
        if (!decimal_fits(x, c->t.precision))
          return blz_fail(err, BLZ_EINVAL, "decimal value %lld exceeds precision %d", (long long)x, c->t.precision);
        memcpy(out, le, (size_t)keep);
      }
      return BLZ_OK;
    }
    case SRC_IVL_YM: {
      uint8_t *o = out;
      memcpy(o, (const uint8_t *)v + 4 * i, 4);
      memset(o + 4, 0, 8);
      return BLZ_OK;
    }
    case SRC_IVL_DT: {
      uint8_t *o = out;
      memset(o, 0, 4);
      memcpy(o + 4, (const uint8_t *)v + 8 * i, 8); /* days, then milliseconds: both int32 LE */
      return BLZ_OK;
    }
    case SRC_NULL: return BLZ_OK;
  }
  return blz_fail(err, BLZ_ENOTSUP, "unsupported source type");
}

static inline int64_t index_at(blz_src s, const void *v, int64_t i) {
  switch (s) {
    case SRC_I8: return ((const int8_t *)v)[i];
    case SRC_U8: return ((const uint8_t *)v)[i];
    case SRC_I16: return ((const int16_t *)v)[i];
    case SRC_U16: return ((const uint16_t *)v)[i];
    case SRC_I32: return ((const int32_t *)v)[i];
    case SRC_U32: return ((const uint32_t *)v)[i];
    case SRC_I64: return ((const int64_t *)v)[i];
    case SRC_U64: { uint64_t u = ((const uint64_t *)v)[i]; return u > INT64_MAX ? -1 : (int64_t)u; }
    default: return -1;
  }
}

/* ---- run-end encoded arrays: logical position -> run -> value ---- */

static inline int64_t run_end(blz_src s, const struct ArrowArray *re, int64_t j) {
  return index_at(s, re->buffers[1], re->offset + j);
}

/* The run holding logical position p of the REE array a (p counts a's offset in): the first run
 * whose end lies beyond p. Fails when the runs end before p or the values are too few. */
static blz_status ree_find(const blz_column *c, const struct ArrowArray *a, int64_t p, int64_t *run, blz_error *err) {
  const struct ArrowArray *re = a->n_children == 2 && a->children ? a->children[0] : NULL;
  const struct ArrowArray *va = re ? a->children[1] : NULL;
  if (!re || !va || !re->buffers || re->n_buffers < 2 || !re->buffers[1] || re->length < 1)
    return blz_fail(err, BLZ_EINVAL, "column %s: run_end_encoded array without run ends or values", c->name);
  int64_t lo = 0, hi = re->length; /* first j with run_end(j) > p */
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (run_end(c->t.ree_src, re, mid) > p) hi = mid;
    else lo = mid + 1;
  }
  if (lo >= re->length)
    return blz_fail(err, BLZ_EINVAL, "column %s: position %lld past the last run end", c->name, (long long)p);
  if (lo >= va->length)
    return blz_fail(err, BLZ_EINVAL, "column %s: run %lld has no value (%lld values)", c->name, (long long)lo,
                    (long long)va->length);
  bool var = c->t.src == SRC_BIN32 || c->t.src == SRC_BIN64 || c->t.src == SRC_VIEW;
  if (!va->buffers || va->n_buffers < (var ? 3 : 2) || !va->buffers[1] || (var && !va->buffers[2]))
    return blz_fail(err, BLZ_EINVAL, "column %s: run_end_encoded values without data", c->name);
  *run = lo;
  return BLZ_OK;
}

/* Checks a REE array's run ends once per batch: positive, strictly increasing, covering
 * positions [0, end) of the array, one value per run (so lookups need no further checks). */
static blz_status ree_check(const blz_column *c, const struct ArrowArray *a, int64_t end, blz_error *err) {
  int64_t last_run;
  if (end <= 0) return BLZ_OK;
  BLZ_TRY(ree_find(c, a, end - 1, &last_run, err));
  const struct ArrowArray *re = a->children[0], *va = a->children[1];
  int64_t prev = 0; /* binary search needs increasing ends; lookups are bounds-checked either way */
  for (int64_t j = 0; j <= last_run; j++) {
    int64_t e = run_end(c->t.ree_src, re, j);
    if (e <= prev)
      return blz_fail(err, BLZ_EINVAL, "column %s: run ends must increase (run %lld ends at %lld after %lld)", c->name,
                      (long long)j, (long long)e, (long long)prev);
    prev = e;
  }
  (void)va;
  return BLZ_OK;
}

/* Flat REE column: rows [row, row + n) of a, decoded run by run. */
static blz_status gather_ree(blz_column *c, const struct ArrowArray *a, int64_t row, int64_t n, size_t *nvals,
                             blz_error *err) {
  if (!blz_buf_reserve_exact(&c->dense, (size_t)n * (size_t)c->width + 16))
    return blz_fail(err, BLZ_ENOMEM, "out of memory gathering column %s", c->name);
  uint8_t *def = c->def.data, *o = c->dense.data;
  size_t k = 0;
  int64_t p = a->offset + row, j;
  if (n > 0) {
    BLZ_TRY(ree_check(c, a, p + n, err));
    BLZ_TRY(ree_find(c, a, p, &j, err));
  }
  const struct ArrowArray *re = a->children ? a->children[0] : NULL, *va = a->children ? a->children[1] : NULL;
  for (int64_t i = 0; i < n; i++, p++) {
    while (run_end(c->t.ree_src, re, j) <= p) j++; /* ree_check: the runs cover p */
    int64_t vp = va->offset + j;
    def[i] = blz_valid(va, vp);
    if (!def[i]) continue;
    blz_status st = value_at(c, va, vp, o + k * (size_t)c->width, err);
    if (st) {
      blz_error_prefix(err, "column %s: row %lld", c->name, (long long)(row + i));
      return st;
    }
    k++;
  }
  c->def.len = (size_t)n;
  c->dense.len = k * (size_t)c->width;
  *nvals = k;
  return BLZ_OK;
}

/* Room for the Arrow dictionary index of each of up to n values, with the column's map sized to
 * the dictionary; NULL (values are hashed one by one) for dictionaries too large to map or when
 * memory is short. */
#define MAP_MAX_ENTRIES (1 << 24)
static uint32_t *src_indices(blz_column *c, const struct ArrowArray *d, size_t n) {
  c->src.len = 0;
  if (!d || d->length <= 0 || d->length > MAP_MAX_ENTRIES) return NULL;
  if (!blz_dict_map_reserve(&c->remap, (size_t)d->length) || !blz_buf_reserve_exact(&c->src, n * 4)) return NULL;
  return (uint32_t *)c->src.data;
}

/* Whether a column's Arrow values are stored exactly as its Parquet PLAIN values (same width, no
 * conversion), aligned for direct loads. */
static bool borrowable(const blz_column *c, const struct ArrowArray *a, int64_t base) {
  switch (c->t.src) {
    case SRC_I32: case SRC_U32: case SRC_F32: case SRC_I64: case SRC_U64: case SRC_F64: break;
    default: return false;
  }
  if (!a->buffers[1]) return false; /* an empty array may have none */
  const uint8_t *p = (const uint8_t *)a->buffers[1] + base * c->width;
  return c->t.phys != PQ_BOOLEAN && ((uintptr_t)p & (uintptr_t)(c->width - 1)) == 0;
}

/* Whether the n values at data + off[0..n] (monotonic offsets), which lie back to back, are each
 * valid UTF-8: their run is all ASCII, or valid with no value starting inside a character (then
 * no character straddles two values). False only says one may be invalid: the caller checks them
 * one by one to name it. */
static bool values_utf8(const uint8_t *data, const int32_t *off, int64_t n) {
  size_t run = (size_t)(off[n] - off[0]);
  if (blz_ascii_prefix(data + off[0], run) == run) return true;
  if (blz_utf8_check(data + off[0], run) != run) return false;
  bool split = false;
  for (int64_t i = 0; i < n; i++) split |= off[i + 1] > off[i] && (data[off[i]] & 0xC0) == 0x80;
  return !split;
}

/* Strings from a dictionary array whose entries are all valid and whose offsets pass one check
 * up front, when there are no more entries than twice the rows (so checking them all costs no more
 * than checking each row's): per row an index, its range and two offsets, where the general loop
 * below dispatches on the index type and checks the entry's validity and offsets row by row (the
 * flight records' codes as Arrow dictionaries: blz_column_gather 14% of one thread's time).
 * Returns false, leaving *k as it was, when the general loop must run (it starts over and names
 * any bad row); *k counts the values. */
#define DICT_BIN32_ROWS(IDX_T)                                                                       \
  do {                                                                                               \
    const IDX_T *ix = (const IDX_T *)a->buffers[1] + base;                                           \
    for (int64_t i = 0; i < n; i++) {                                                                \
      if (!def[i]) continue;                                                                         \
      int64_t j = (int64_t)ix[i];                                                                    \
      if (j < 0 || j >= d->length) return false; /* the general loop names the row */                \
      o[m] = (blz_bytes_ref){data + off[j], (uint32_t)(off[j + 1] - off[j])};                        \
      if (src) src[m] = (uint32_t)j;                                                                 \
      m++;                                                                                           \
    }                                                                                                \
  } while (0)

static bool dict_bin32_fast(blz_column *c, const struct ArrowArray *a, const struct ArrowArray *d, int64_t base,
                            int64_t n, const uint8_t *def, uint32_t *src, size_t *k) {
  if (c->t.src != SRC_BIN32 || (d->buffers[0] && d->null_count != 0) || d->length > 2 * n + 64 || !d->buffers[1])
    return false;
  const int32_t *off = (const int32_t *)d->buffers[1] + d->offset;
  if (d->length > 0 && blz_offsets32_bad(off, d->length)) return false;
  const uint8_t *data = d->buffers[2];
  blz_bytes_ref *o = (blz_bytes_ref *)c->dense.data;
  size_t m = 0;
  switch (c->t.index_src) {
    case SRC_I8: DICT_BIN32_ROWS(int8_t); break;
    case SRC_U8: DICT_BIN32_ROWS(uint8_t); break;
    case SRC_I16: DICT_BIN32_ROWS(int16_t); break;
    case SRC_U16: DICT_BIN32_ROWS(uint16_t); break;
    case SRC_I32: DICT_BIN32_ROWS(int32_t); break;
    default: return false;
  }
  *k = m;
  /* strings: the entries lie back to back, so one check of their run (valid, and no entry starting
   * inside a character) clears them all at the dictionary's cost instead of a lookup per row in
   * blz_column_check_utf8; an invalid entry sends the check back to the entries the rows use */
  if (c->t.is_string && c->opts->validate_utf8 && d->length > 0) c->src_utf8_ok = values_utf8(data, off, d->length);
  return true;
}

/* Fast paths: same-width copies and widening conversions without per-value dispatch. */
#define GATHER_NUM(SRC_T, DST_T)                                   \
  do {                                                             \
    const SRC_T *v = (const SRC_T *)a->buffers[1] + base;          \
    DST_T *o = (DST_T *)c->dense.data;                             \
    if (all_valid) {                                               \
      for (int64_t i = 0; i < n; i++) o[i] = (DST_T)v[i];          \
      k = (size_t)n;                                               \
    } else {                                                       \
      for (int64_t i = 0; i < n; i++) {                            \
        o[k] = (DST_T)v[i];                                        \
        k += def[i];                                               \
      }                                                            \
    }                                                              \
  } while (0)

/* def[i] = bit base + i of the validity bitmap, for i < n; whether every bit was set. Whole
 * bitmap bytes become eight levels by one multiply (the byte copied to every lane, each lane
 * keeping its own bit, which adding 0x7F carries to the lane's top) instead of a shift and a mask
 * per row: every nullable column's rows pass here. */
static bool levels_from_bitmap(uint8_t *def, const uint8_t *bits, int64_t base, int64_t n) {
  int64_t i = 0;
  unsigned all = 1;
  for (; i < n && ((base + i) & 7); i++) all &= def[i] = blz_bit(bits, base + i);
  const uint8_t *b = bits + ((base + i) >> 3);
  unsigned every = 0xFF;
  for (; i + 8 <= n; i += 8, b++) {
    uint64_t x = ((uint64_t)*b * 0x0101010101010101ULL) & 0x8040201008040201ULL;
    x = ((x + 0x7F7F7F7F7F7F7F7FULL) >> 7) & 0x0101010101010101ULL;
    memcpy(def + i, &x, 8);
    every &= *b;
  }
  all &= every == 0xFF;
  for (; i < n; i++) all &= def[i] = blz_bit(bits, base + i);
  return all;
}

blz_status blz_column_gather(blz_column *c, const struct ArrowArray *a, int64_t row, int64_t n,
                             size_t *nvals, blz_error *err) {
  int64_t base = a->offset + row;
  c->def.len = 0;
  c->dense.len = 0;
  c->src.len = 0;
  c->src_utf8_ok = false;
  c->vals = NULL;
  if (!blz_buf_reserve_exact(&c->def, (size_t)n + 8))
    return blz_fail(err, BLZ_ENOMEM, "out of memory gathering column %s", c->name);
  uint8_t *def = c->def.data;
  size_t k = 0;

  if (c->t.src == SRC_NULL) {
    memset(def, 0, (size_t)n);
    c->def.len = (size_t)n;
    *nvals = 0;
    return BLZ_OK;
  }
  if (c->t.ree) return gather_ree(c, a, row, n, nvals, err);

  /* definition levels from the validity bitmap (for dictionaries, also the values' validity) */
  bool all_valid = true;
  if (a->buffers[0] && a->null_count != 0) {
    all_valid = levels_from_bitmap(def, a->buffers[0], base, n);
  } else {
    memset(def, 1, (size_t)n);
  }
  if (all_valid && !c->t.dict_encoded && borrowable(c, a, base)) {
    /* the values are already what the page needs: read them in place (this write call only) */
    c->vals = (const uint8_t *)a->buffers[1] + base * c->width;
    c->def.len = (size_t)n;
    *nvals = (size_t)n;
    return BLZ_OK;
  }
  if (!blz_buf_reserve_exact(&c->dense, (size_t)n * (size_t)c->width + 16))
    return blz_fail(err, BLZ_ENOMEM, "out of memory gathering column %s", c->name);

  if (c->t.dict_encoded) {
    const struct ArrowArray *d = a->dictionary;
    if (!d) return blz_fail(err, BLZ_EINVAL, "column %s: dictionary array missing", c->name);
    const void *idx = a->buffers[1];
    uint8_t *o = c->dense.data;
    uint32_t *src = src_indices(c, d, (size_t)n);
    if (dict_bin32_fast(c, a, d, base, n, def, src, &k)) goto gathered;
    for (int64_t i = 0; i < n; i++) {
      if (!def[i]) continue;
      int64_t j = index_at(c->t.index_src, idx, base + i);
      if (j < 0 || j >= d->length)
        return blz_fail(err, BLZ_EFORMAT, "column %s: row %lld: dictionary index %lld out of range 0..%lld",
                        c->name, (long long)(row + i), (long long)j, (long long)d->length);
      if (!blz_valid(d, d->offset + j)) {
        def[i] = 0;
        all_valid = false;
        continue;
      }
      if (c->t.src == SRC_BIN32) { /* the common dictionary, without value_at's dispatch */
        blz_status st = bin32_at(d, d->offset + j, (blz_bytes_ref *)o + k, err);
        if (st) {
          blz_error_prefix(err, "column %s: row %lld", c->name, (long long)(row + i));
          return st;
        }
      } else {
        BLZ_TRY(value_at(c, d, d->offset + j, o + k * (size_t)c->width, err));
      }
      if (src) src[k] = (uint32_t)j;
      k++;
    }
  gathered:
    if (src) c->src.len = k * 4;
  } else {
    switch (c->t.src) {
      case SRC_I8: GATHER_NUM(int8_t, int32_t); break;
      case SRC_U8: GATHER_NUM(uint8_t, int32_t); break;
      case SRC_I16: GATHER_NUM(int16_t, int32_t); break;
      case SRC_U16: GATHER_NUM(uint16_t, int32_t); break;
      case SRC_I32: case SRC_U32: GATHER_NUM(int32_t, int32_t); break;
      case SRC_F32: GATHER_NUM(float, float); break;
      case SRC_I64: case SRC_U64: GATHER_NUM(int64_t, int64_t); break;
      case SRC_F64: GATHER_NUM(double, double); break;
      case SRC_BIN32: {
        const int32_t *off = (const int32_t *)a->buffers[1] + base;
        const uint8_t *data = a->buffers[2];
        blz_bytes_ref *o = (blz_bytes_ref *)c->dense.data;
        int32_t sign = n > 0 ? off[0] : 0; /* any negative offset or length leaves the sign bit set */
        for (int64_t i = 0; i < n; i++) {
          int32_t len = (int32_t)((uint32_t)off[i + 1] - (uint32_t)off[i]); /* no signed overflow on bad input */
          sign |= off[i + 1] | len;
          o[k].p = data + off[i];
          o[k].len = (uint32_t)len;
          k += def[i];
        }
        if (sign < 0) BLZ_TRY(bad_offsets32(c, off, n, row, err));
        break;
      }
      default: {
        uint8_t *o = c->dense.data;
        for (int64_t i = 0; i < n; i++) {
          if (!def[i]) continue;
          blz_status st = value_at(c, a, base + i, o + k * (size_t)c->width, err);
          if (st) {
            blz_error_prefix(err, "column %s: row %lld", c->name, (long long)(row + i));
            return st;
          }
          k++;
        }
      }
    }
  }
  (void)all_valid;
  c->def.len = (size_t)n;
  c->dense.len = k * (size_t)c->width;
  *nvals = k;
  return BLZ_OK;
}

blz_status blz_column_gather_rows(blz_column *c, const struct ArrowArray *a, int64_t base,
                                  const int64_t *rows, int64_t n, size_t *nvals, blz_error *err) {
  c->def.len = 0;
  c->dense.len = 0;
  c->src.len = 0;
  c->src_utf8_ok = false;
  c->vals = NULL;
  if (!blz_buf_reserve_exact(&c->def, (size_t)n + 8) || !blz_buf_reserve_exact(&c->dense, (size_t)n * (size_t)c->width + 16))
    return blz_fail(err, BLZ_ENOMEM, "out of memory gathering column %s", c->name);
  uint8_t *def = c->def.data, *o = c->dense.data;
  size_t k = 0;
  const struct ArrowArray *d = a->dictionary;
  if (c->t.dict_encoded && !d) return blz_fail(err, BLZ_EINVAL, "column %s: dictionary array missing", c->name);
  uint32_t *src = c->t.dict_encoded && !c->t.ree ? src_indices(c, d, (size_t)n) : NULL;
  if (c->t.ree && n > 0) BLZ_TRY(ree_check(c, a, a->offset + base + rows[n - 1] + 1, err)); /* rows ascend */
  for (int64_t i = 0; i < n; i++) {
    int64_t p = a->offset + base + rows[i];
    def[i] = 0;
    if (c->t.ree) {
      int64_t j;
      BLZ_TRY(ree_find(c, a, p, &j, err));
      const struct ArrowArray *va = a->children[1];
      if (!blz_valid(va, va->offset + j)) continue;
      blz_status st = value_at(c, va, va->offset + j, o + k * (size_t)c->width, err);
      if (st) {
        blz_error_prefix(err, "column %s: row %lld", c->name, (long long)(base + rows[i]));
        return st;
      }
      def[i] = 1;
      k++;
      continue;
    }
    if (c->t.src == SRC_NULL || !blz_valid(a, p)) continue;
    blz_status st;
    if (c->t.dict_encoded) {
      int64_t j = index_at(c->t.index_src, a->buffers[1], p);
      if (j < 0 || j >= d->length)
        return blz_fail(err, BLZ_EFORMAT, "column %s: row %lld: dictionary index %lld out of range 0..%lld",
                        c->name, (long long)(base + rows[i]), (long long)j, (long long)d->length);
      if (!blz_valid(d, d->offset + j)) continue;
      st = value_at(c, d, d->offset + j, o + k * (size_t)c->width, err);
      if (src) src[k] = (uint32_t)j;
    } else {
      st = value_at(c, a, p, o + k * (size_t)c->width, err);
    }
    if (st) {
      blz_error_prefix(err, "column %s: row %lld", c->name, (long long)(base + rows[i]));
      return st;
    }
    def[i] = 1;
    k++;
  }
  c->def.len = (size_t)n;
  c->dense.len = k * (size_t)c->width;
  if (src) c->src.len = k * 4;
  *nvals = k;
  return BLZ_OK;
}

/* ---- nested leaves: the Dremel walk from a top-level row down to this leaf's values ---- */

typedef struct walk_out {
  blz_column *c;
  uint8_t *def, *rep;
  size_t n, cap;   /* entries */
  size_t k;        /* values */
  blz_error *err;
} walk_out;

static bool emit(walk_out *w, int def, int rep) {
  if (w->n == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 1024;
    if (!blz_buf_reserve(&w->c->def, cap) || !blz_buf_reserve(&w->c->rep, cap)) return false;
    w->c->def.len = w->c->rep.len = 0;
    w->cap = cap;
    w->def = w->c->def.data;
    w->rep = w->c->rep.data;
  }
  w->def[w->n] = (uint8_t)def;
  w->rep[w->n] = (uint8_t)rep;
  w->n++;
  return true;
}

static blz_status walk_node(walk_out *w, int ni, const struct ArrowArray *a, int64_t p, int def, int rep) {
  blz_column *c = w->c;
  if (ni == c->path->depth) { /* the leaf */
    if (c->t.ree) { /* the value of the run holding p */
      int64_t j;
      BLZ_TRY(ree_find(c, a, p, &j, w->err));
      p = a->children[1]->offset + j;
      a = a->children[1];
    }
    bool valid = c->t.src != SRC_NULL && blz_valid(a, p);
    if (valid && c->t.dict_encoded) { /* a dictionary array: the value its index names */
      const struct ArrowArray *d = a->dictionary;
      bool var = c->t.src == SRC_BIN32 || c->t.src == SRC_BIN64 || c->t.src == SRC_VIEW;
      if (!a->buffers || a->n_buffers < 2 || !a->buffers[1] || !d || !d->buffers || d->n_buffers < (var ? 3 : 2))
        return blz_fail(w->err, BLZ_EINVAL, "column %s: dictionary array without its indices or dictionary", c->name);
      int64_t j = index_at(c->t.index_src, a->buffers[1], p);
      if (j < 0 || j >= d->length)
        return blz_fail(w->err, BLZ_EFORMAT, "column %s: dictionary index %lld out of range 0..%lld", c->name,
                        (long long)j, (long long)d->length);
      a = d;
      p = d->offset + j;
      valid = blz_valid(d, p);
    }
    if (!valid && !c->nullable) /* its level would claim a value: refused, as Arrow C++ does */
      return blz_fail(w->err, BLZ_EINVAL, "column %s: a null in a field declared non-nullable", c->name);
    if (!valid) return emit(w, def, rep) ? BLZ_OK : blz_fail(w->err, BLZ_ENOMEM, "out of memory");
    if (!emit(w, def + (c->nullable ? 1 : 0), rep)) return blz_fail(w->err, BLZ_ENOMEM, "out of memory");
    if (!blz_buf_reserve(&c->dense, (w->k + 1) * (size_t)c->width)) return blz_fail(w->err, BLZ_ENOMEM, "out of memory");
    BLZ_TRY(value_at(c, a, p, c->dense.data + w->k * (size_t)c->width, w->err));
    w->k++;
    return BLZ_OK;
  }
  const blz_path_node *node = &c->path->nodes[ni];
  if (node->nullable && !blz_valid(a, p)) return emit(w, def, rep) ? BLZ_OK : blz_fail(w->err, BLZ_ENOMEM, "out of memory");
  int d = def + (node->nullable ? 1 : 0);
  if (node->kind == NODE_STRUCT) {
    const struct ArrowArray *ch = a->children[node->child];
    return walk_node(w, ni + 1, ch, ch->offset + p, d, rep);
  }
  int64_t s, e;
  if (node->kind == NODE_FSL) {
    s = p * node->size;
    e = s + node->size;
  } else if (node->kind == NODE_LIST32) {
    s = ((const int32_t *)a->buffers[1])[p];
    e = ((const int32_t *)a->buffers[1])[p + 1];
  } else if (node->kind == NODE_VIEW32) {
    s = ((const int32_t *)a->buffers[1])[p];
    e = s + ((const int32_t *)a->buffers[2])[p];
  } else if (node->kind == NODE_VIEW64) {
    s = ((const int64_t *)a->buffers[1])[p];
    e = s + ((const int64_t *)a->buffers[2])[p];
  } else {
    s = ((const int64_t *)a->buffers[1])[p];
    e = ((const int64_t *)a->buffers[1])[p + 1];
  }
  const struct ArrowArray *ch = a->children[0];
  if (s < 0 || e < s || e > ch->length)
    return blz_fail(w->err, BLZ_EFORMAT, "column %s: list entries [%lld, %lld) outside a child of %lld", c->name,
                    (long long)s, (long long)e, (long long)ch->length);
  if (s == e) return emit(w, d, rep) ? BLZ_OK : blz_fail(w->err, BLZ_ENOMEM, "out of memory"); /* empty list */
  for (int64_t k = s; k < e; k++)
    BLZ_TRY(walk_node(w, ni + 1, ch, ch->offset + k, d + 1, k == s ? rep : node->rep));
  return BLZ_OK;
}

blz_status blz_column_gather_nested(blz_column *c, const struct ArrowArray *a, int64_t base,
                                    const int64_t *rows, int64_t n, int64_t *entries,
                                    size_t *nvals, blz_error *err) {
  walk_out w = {c, NULL, NULL, 0, 0, 0, err};
  c->def.len = c->rep.len = c->dense.len = c->src.len = 0;
  c->src_utf8_ok = false;
  c->vals = NULL;
  if (!blz_buf_reserve(&c->def, (size_t)n + 8) || !blz_buf_reserve(&c->rep, (size_t)n + 8))
    return blz_fail(err, BLZ_ENOMEM, "out of memory");
  w.def = c->def.data, w.rep = c->rep.data, w.cap = c->def.cap < c->rep.cap ? c->def.cap : c->rep.cap;
  for (int64_t i = 0; i < n; i++) {
    int64_t r = rows ? base + rows[i] : base + i;
    blz_status st = walk_node(&w, 0, a, a->offset + r, 0, 0);
    if (st) {
      blz_error_prefix(err, "row %lld", (long long)r);
      return st;
    }
  }
  c->def.len = c->rep.len = w.n;
  c->dense.len = w.k * (size_t)c->width;
  *entries = (int64_t)w.n;
  *nvals = w.k;
  return BLZ_OK;
}

/* Row of the slice (counted from 0) that the k-th gathered value belongs to. */
static int64_t row_of_value(const blz_column *c, size_t k) {
  const uint8_t *def = c->def.data, *rep = c->rep.data;
  size_t seen = 0;
  int64_t row = -1;
  for (size_t e = 0; e < c->def.len; e++) {
    if (!c->max_rep || rep[e] == 0) row++;
    bool present = c->path ? def[e] == c->max_def : def[e] != 0;
    if (present && seen++ == k) break;
  }
  return row;
}

blz_status blz_column_check_utf8(blz_column *c, size_t nvals, const int64_t *rows, int64_t first,
                                 blz_error *err) {
  if (!c->t.is_string || !c->opts->validate_utf8 || nvals == 0) return BLZ_OK;
  const blz_bytes_ref *v = (const blz_bytes_ref *)c->dense.data;
  if (c->src_utf8_ok) return BLZ_OK; /* the gather checked the whole Arrow dictionary */
  if (c->src.len == nvals * 4) { /* values from an Arrow dictionary: each entry checked once a call */
    const uint32_t *src = (const uint32_t *)c->src.data;
    blz_dict_map *m = &c->remap;
    for (size_t k = 0; k < nvals; k++) {
      if (m->checked[src[k]] == m->checked_epoch) continue;
      size_t bad = blz_utf8_check(v[k].p, v[k].len);
      if (BLZ_LIKELY(bad == v[k].len)) {
        m->checked[src[k]] = m->checked_epoch;
        continue;
      }
      int64_t r = row_of_value(c, k);
      return blz_fail(err, BLZ_EINVAL, "column %s: row %lld: invalid UTF-8 at byte %zu of a %u-byte string value",
                      c->name, (long long)(rows ? rows[r] : first + r), bad, v[k].len);
    }
    return BLZ_OK;
  }
  /* values that lie back to back (an offsets array's, nulls being empty) are checked as one run:
   * when the run is valid UTF-8 and no value starts with a continuation byte, no character
   * straddles two values, so each is valid on its own */
  const uint8_t *next = v[0].p;
  size_t k = 0;
  while (k < nvals && v[k].p == next) next += v[k++].len;
  if (k == nvals && blz_ascii_prefix(v[0].p, (size_t)(next - v[0].p)) == (size_t)(next - v[0].p)) return BLZ_OK;
  if (k == nvals && blz_utf8_check(v[0].p, (size_t)(next - v[0].p)) == (size_t)(next - v[0].p)) {
    bool split = false;
    for (k = 0; k < nvals; k++) split |= v[k].len && (v[k].p[0] & 0xC0) == 0x80;
    if (!split) return BLZ_OK;
  }
  /* per value, to name the first bad one */
  for (size_t k = 0; k < nvals; k++) {
    size_t bad = blz_utf8_check(v[k].p, v[k].len);
    if (BLZ_LIKELY(bad == v[k].len)) continue;
    int64_t r = row_of_value(c, k);
    return blz_fail(err, BLZ_EINVAL, "column %s: row %lld: invalid UTF-8 at byte %zu of a %u-byte string value",
                    c->name, (long long)(rows ? rows[r] : first + r), bad, v[k].len);
  }
  return BLZ_OK;
}

bool blz_column_checks_in_place(const blz_column *c) {
  return !c->path && c->t.src == SRC_BIN32 && !c->t.dict_encoded && !c->t.ree;
}

blz_status blz_column_check_in_place(const blz_column *c, const struct ArrowArray *a, int64_t row, int64_t n,
                                     int64_t first, blz_error *err) {
  if (n <= 0) return BLZ_OK;
  int64_t base = a->offset + row;
  const int32_t *off = (const int32_t *)a->buffers[1] + base;
  const uint8_t *data = a->buffers[2];
  const uint8_t *bits = a->buffers[0] && a->null_count != 0 ? a->buffers[0] : NULL;
  if (blz_offsets32_bad(off, n)) BLZ_TRY(bad_offsets32(c, off, n, row, err));
  if (!c->t.is_string || !c->opts->validate_utf8) return BLZ_OK;
  if (values_utf8(data, off, n)) return BLZ_OK; /* the rows' bytes as one run */
  for (int64_t i = 0; i < n; i++) { /* per value, to name the first bad one; nulls' bytes do not count */
    if (bits && !blz_bit(bits, base + i)) continue;
    size_t len = (size_t)(off[i + 1] - off[i]), bad = blz_utf8_check(data + off[i], len);
    if (BLZ_LIKELY(bad == len)) continue;
    return blz_fail(err, BLZ_EINVAL, "column %s: row %lld: invalid UTF-8 at byte %zu of a %zu-byte string value",
                    c->name, (long long)(first + i), bad, len);
  }
  return BLZ_OK;
}
