/* stats.c — min/max/null-count statistics in each column's sort order, and their truncation. */
#include <math.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "column.h"

void blz_stats_reset(blz_stats *s) {
  s->has = false;
  s->null_count = 0;
  s->blo.len = s->bhi.len = 0;
}

void blz_stats_free(blz_stats *s) {
  blz_buf_free(&s->blo);
  blz_buf_free(&s->bhi);
}

static double half_to_double(uint16_t h) {
  int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  double v;
  if (e == 0) v = ldexp(m, -24);
  else if (e == 31) v = m ? NAN : INFINITY;
  else v = ldexp(m + 1024, e - 25);
  return (h & 0x8000) ? -v : v;
}

/* Unsigned lexicographic comparison (the Parquet order of BYTE_ARRAY and FLBA). */
static int cmp_bytes(const uint8_t *a, size_t an, const uint8_t *b, size_t bn) {
  size_t n = an < bn ? an : bn;
  if (n >= 8) { /* most comparisons are settled by the first eight bytes */
    uint64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    if (x != y) return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
  }
  int r = n ? memcmp(a, b, n) : 0;
  if (r) return r;
  return an < bn ? -1 : an > bn;
}

/* Big-endian two's complement comparison (DECIMAL stored as FLBA): the sign byte is signed. */
static int cmp_decimal_be(const uint8_t *a, const uint8_t *b, size_t n) {
  if (n == 0) return 0;
  if ((int8_t)a[0] != (int8_t)b[0]) return (int8_t)a[0] < (int8_t)b[0] ? -1 : 1;
  return memcmp(a + 1, b + 1, n - 1);
}

static bool set_buf(blz_buf *b, const void *p, size_t n) {
  b->len = 0;
  return blz_buf_append(b, p, n);
}

#define MINMAX_LOOP(T, FIELD)                     \
  do {                                            \
    const T *v = (const T *)dense;                \
    T lo = v[0], hi = v[0];                       \
    for (size_t i = 1; i < n; i++) {              \
      T x = v[i];                                 \
      lo = x < lo ? x : lo;                       \
      hi = x > hi ? x : hi;                       \
    }                                             \
    if (!s->has || lo < (T)s->lo.FIELD) s->lo.FIELD = lo; \
    if (!s->has || hi > (T)s->hi.FIELD) s->hi.FIELD = hi; \
    s->has = true;                                \
  } while (0)

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/* Minimum and maximum of v[0..n) (n >= 1), four lanes at a time: x86-64's baseline has no 64-bit
 * compare, and the scalar loop's two cmov chains cost the flight records 6% of their time. */
__attribute__((target("avx2"))) static void minmax_i64_avx2(const int64_t *v, size_t n, int64_t *lo, int64_t *hi) {
  __m256i mn = _mm256_set1_epi64x(v[0]), mx = mn;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(v + i));
    mn = _mm256_blendv_epi8(mn, x, _mm256_cmpgt_epi64(mn, x));
    mx = _mm256_blendv_epi8(mx, x, _mm256_cmpgt_epi64(x, mx));
  }
  int64_t a[4], b[4];
  _mm256_storeu_si256((__m256i *)(void *)a, mn);
  _mm256_storeu_si256((__m256i *)(void *)b, mx);
  int64_t l = a[0], h = b[0];
  for (int k = 1; k < 4; k++) l = a[k] < l ? a[k] : l, h = b[k] > h ? b[k] : h;
  for (; i < n; i++) l = v[i] < l ? v[i] : l, h = v[i] > h ? v[i] : h;
  *lo = l, *hi = h;
}
#define HAVE_MINMAX_AVX2 1
#endif

/* Signed 64-bit bounds of v[0..n) (n >= 1) into s. */
static void minmax_i64(blz_stats *s, const int64_t *v, size_t n) {
  int64_t lo = v[0], hi = v[0];
#ifdef HAVE_MINMAX_AVX2
  if (n >= 16 && __builtin_cpu_supports("avx2")) {
    minmax_i64_avx2(v, n, &lo, &hi);
  } else
#endif
  {
    for (size_t i = 1; i < n; i++) lo = v[i] < lo ? v[i] : lo, hi = v[i] > hi ? v[i] : hi;
  }
  if (!s->has || lo < s->lo.i) s->lo.i = lo;
  if (!s->has || hi > s->hi.i) s->hi.i = hi;
  s->has = true;
}

/* Bounds of doubles, NaN never one (it fails both comparisons): x < lo ? x : lo is what SSE2's
 * minpd(x, lo) does, NaN included, so four lanes run side by side instead of one chain of
 * dependent selects (the wide table's 67 float columns). Which zero of equal zeros a lane keeps
 * does not matter: blz_stats_output writes a zero bound with a fixed sign. */
static void minmax_f64(const double *v, size_t n, double *lo_out, double *hi_out) {
  double lo = *lo_out, hi = *hi_out;
  size_t i = 0;
#ifdef __SSE2__
  __m128d l0 = _mm_set1_pd(lo), l1 = l0, h0 = _mm_set1_pd(hi), h1 = h0;
  for (; i + 4 <= n; i += 4) {
    __m128d a = _mm_loadu_pd(v + i), b = _mm_loadu_pd(v + i + 2);
    l0 = _mm_min_pd(a, l0), l1 = _mm_min_pd(b, l1);
    h0 = _mm_max_pd(a, h0), h1 = _mm_max_pd(b, h1);
  }
  double ls[4], hs[4];
  _mm_storeu_pd(ls, l0), _mm_storeu_pd(ls + 2, l1), _mm_storeu_pd(hs, h0), _mm_storeu_pd(hs + 2, h1);
  for (int k = 0; k < 4; k++) {
    lo = ls[k] < lo ? ls[k] : lo;
    hi = hs[k] > hi ? hs[k] : hi;
  }
#endif
  for (; i < n; i++) {
    double x = v[i];
    lo = x < lo ? x : lo;
    hi = x > hi ? x : hi;
  }
  *lo_out = lo, *hi_out = hi;
}

bool blz_stats_update(blz_stats *s, const blz_coltype *t, const void *dense, size_t n) {
  if (n == 0) return true;
  switch (t->sort) {
    case SORT_NONE: return true;
    case SORT_BOOL: MINMAX_LOOP(uint8_t, u); return true;
    case SORT_SIGNED:
      if (t->phys == PQ_INT32) MINMAX_LOOP(int32_t, i);
      else minmax_i64(s, (const int64_t *)dense, n);
      return true;
    case SORT_UNSIGNED:
      if (t->phys == PQ_INT32) MINMAX_LOOP(uint32_t, u);
      else MINMAX_LOOP(uint64_t, u);
      return true;
    case SORT_FLOAT: {
      /* NaN fails both comparisons, so it is never a bound (a page of only NaN has none); the sign
       * of a zero bound is not tracked here: blz_stats_output writes a zero minimum as -0.0 and a
       * zero maximum as +0.0. Branch-free: a select per bound, no test per value. */
      double lo = INFINITY, hi = -INFINITY;
      if (t->phys == PQ_FLOAT) {
        const float *v = dense;
        for (size_t i = 0; i < n; i++) {
          double x = v[i];
          lo = x < lo ? x : lo;
          hi = x > hi ? x : hi;
        }
      } else {
        minmax_f64(dense, n, &lo, &hi);
      }
      if (!(lo <= hi)) return true;
      if (!s->has || lo < s->lo.d) s->lo.d = lo;
      if (!s->has || hi > s->hi.d) s->hi.d = hi;
      s->has = true;
      return true;
    }
    case SORT_F16: {
      const uint8_t *v = dense;
      for (size_t i = 0; i < n; i++) {
        uint16_t h = blz_load_le16(v + 2 * i);
        double x = half_to_double(h);
        if (x != x) continue;
        if (!s->has || x < half_to_double((uint16_t)s->lo.u)) s->lo.u = h;
        if (!s->has || x > half_to_double((uint16_t)s->hi.u)) s->hi.u = h;
        s->has = true;
      }
      return true;
    }
    case SORT_BYTES:
      if (t->phys == PQ_BYTE_ARRAY) {
        const blz_bytes_ref *v = dense;
        const blz_bytes_ref *lo = &v[0], *hi = &v[0];
        for (size_t i = 1; i < n; i++) {
          if (cmp_bytes(v[i].p, v[i].len, lo->p, lo->len) < 0) lo = &v[i];
          if (cmp_bytes(v[i].p, v[i].len, hi->p, hi->len) > 0) hi = &v[i];
        }
        if (!s->has || cmp_bytes(lo->p, lo->len, s->blo.data, s->blo.len) < 0)
          if (!set_buf(&s->blo, lo->p, lo->len)) return false;
        if (!s->has || cmp_bytes(hi->p, hi->len, s->bhi.data, s->bhi.len) > 0)
          if (!set_buf(&s->bhi, hi->p, hi->len)) return false;
      } else {
        size_t w = (size_t)t->type_length;
        const uint8_t *v = dense, *lo = v, *hi = v;
        for (size_t i = 1; i < n; i++) {
          if (memcmp(v + i * w, lo, w) < 0) lo = v + i * w;
          if (memcmp(v + i * w, hi, w) > 0) hi = v + i * w;
        }
        if (!s->has || memcmp(lo, s->blo.data, w) < 0)
          if (!set_buf(&s->blo, lo, w)) return false;
        if (!s->has || memcmp(hi, s->bhi.data, w) > 0)
          if (!set_buf(&s->bhi, hi, w)) return false;
      }
      s->has = true;
      return true;
    case SORT_DECIMAL_BE: {
      size_t w = (size_t)t->type_length;
      const uint8_t *v = dense, *lo = v, *hi = v;
      for (size_t i = 1; i < n; i++) {
        if (cmp_decimal_be(v + i * w, lo, w) < 0) lo = v + i * w;
        if (cmp_decimal_be(v + i * w, hi, w) > 0) hi = v + i * w;
      }
      if (!s->has || cmp_decimal_be(lo, s->blo.data, w) < 0)
        if (!set_buf(&s->blo, lo, w)) return false;
      if (!s->has || cmp_decimal_be(hi, s->bhi.data, w) > 0)
        if (!set_buf(&s->bhi, hi, w)) return false;
      s->has = true;
      return true;
    }
  }
  return true;
}

bool blz_stats_merge(blz_stats *dst, const blz_stats *src, const blz_coltype *t) {
  dst->null_count += src->null_count;
  if (!src->has) return true;
  switch (t->sort) {
    case SORT_NONE: return true;
    case SORT_BOOL: case SORT_UNSIGNED: {
      uint64_t v[2] = {src->lo.u, src->hi.u};
      if (t->phys == PQ_INT32 && t->sort == SORT_UNSIGNED) {
        uint32_t w[2] = {(uint32_t)v[0], (uint32_t)v[1]};
        return blz_stats_update(dst, t, w, 2);
      }
      if (t->sort == SORT_BOOL) {
        uint8_t w[2] = {(uint8_t)v[0], (uint8_t)v[1]};
        return blz_stats_update(dst, t, w, 2);
      }
      return blz_stats_update(dst, t, v, 2);
    }
    case SORT_SIGNED:
      if (t->phys == PQ_INT32) {
        int32_t w[2] = {(int32_t)src->lo.i, (int32_t)src->hi.i};
        return blz_stats_update(dst, t, w, 2);
      } else {
        int64_t w[2] = {src->lo.i, src->hi.i};
        return blz_stats_update(dst, t, w, 2);
      }
    case SORT_FLOAT: {
      double w[2] = {src->lo.d, src->hi.d};
      blz_coltype td = *t;
      td.phys = PQ_DOUBLE;
      return blz_stats_update(dst, &td, w, 2);
    }
    case SORT_F16: {
      uint8_t w[4];
      w[0] = (uint8_t)src->lo.u; w[1] = (uint8_t)(src->lo.u >> 8);
      w[2] = (uint8_t)src->hi.u; w[3] = (uint8_t)(src->hi.u >> 8);
      return blz_stats_update(dst, t, w, 2);
    }
    case SORT_BYTES:
      if (t->phys == PQ_BYTE_ARRAY) {
        blz_bytes_ref w[2] = {{src->blo.data, (uint32_t)src->blo.len}, {src->bhi.data, (uint32_t)src->bhi.len}};
        return blz_stats_update(dst, t, w, 2);
      }
      /* fallthrough */
    case SORT_DECIMAL_BE: {
      if (!blz_stats_update(dst, t, src->blo.data, 1)) return false;
      return blz_stats_update(dst, t, src->bhi.data, 1);
    }
  }
  return true;
}

/* Length of the longest prefix of s[0..n) of at most `max` bytes that ends on a UTF-8 boundary. */
static size_t utf8_prefix(const uint8_t *s, size_t n, size_t max) {
  if (n <= max) return n;
  size_t k = max;
  while (k > 0 && (s[k] & 0xC0) == 0x80) k--;
  return k;
}

/* Smallest byte string greater than every string with prefix p[0..*n): increment the last byte
 * that is not 0xFF and drop what follows. For UTF-8, increment the last code point instead, so the
 * bound stays valid UTF-8. Returns false if no such string exists within the length. */
static bool increment_bound(uint8_t *p, size_t *n, bool utf8) {
  if (!utf8) {
    for (size_t k = *n; k-- > 0;) {
      if (p[k] != 0xFF) {
        p[k]++;
        *n = k + 1;
        return true;
      }
    }
    return false;
  }
  size_t end = *n;
  while (end > 0) {
    size_t start = end - 1;
    while (start > 0 && (p[start] & 0xC0) == 0x80) start--;
    /* decode the code point in [start, end) */
    uint32_t cp;
    size_t len = end - start;
    if (len == 1) cp = p[start];
    else if (len == 2) cp = ((p[start] & 0x1Fu) << 6) | (p[start + 1] & 0x3Fu);
    else if (len == 3) cp = ((p[start] & 0x0Fu) << 12) | ((p[start + 1] & 0x3Fu) << 6) | (p[start + 2] & 0x3Fu);
    else cp = ((p[start] & 0x07u) << 18) | ((p[start + 1] & 0x3Fu) << 12) | ((p[start + 2] & 0x3Fu) << 6) | (p[start + 3] & 0x3Fu);
    uint32_t next = cp + 1;
    if (next >= 0xD800 && next <= 0xDFFF) next = 0xE000;
    if (next <= 0x10FFFF) {
      size_t nl = next < 0x80 ? 1 : next < 0x800 ? 2 : next < 0x10000 ? 3 : 4;
      if (nl == len) { /* re-encode in place; a longer encoding would exceed the limit */
        if (nl == 1) p[start] = (uint8_t)next;
        else if (nl == 2) { p[start] = (uint8_t)(0xC0 | (next >> 6)); p[start + 1] = (uint8_t)(0x80 | (next & 0x3F)); }
        else if (nl == 3) { p[start] = (uint8_t)(0xE0 | (next >> 12)); p[start + 1] = (uint8_t)(0x80 | ((next >> 6) & 0x3F)); p[start + 2] = (uint8_t)(0x80 | (next & 0x3F)); }
        else { p[start] = (uint8_t)(0xF0 | (next >> 18)); p[start + 1] = (uint8_t)(0x80 | ((next >> 12) & 0x3F)); p[start + 2] = (uint8_t)(0x80 | ((next >> 6) & 0x3F)); p[start + 3] = (uint8_t)(0x80 | (next & 0x3F)); }
        *n = end;
        return true;
      }
    }
    end = start;
  }
  return false;
}

void blz_stats_output(const blz_stats *s, const blz_coltype *t, int64_t trunc, blz_stats_out *o) {
  memset(o, 0, sizeof *o);
  o->null_count = s->null_count;
  if (!s->has || t->sort == SORT_NONE) return;
  o->has = o->min_exact = o->max_exact = true;
  /* old readers know only min/max, compared as signed values: fine for these orders */
  o->legacy = t->sort == SORT_SIGNED || t->sort == SORT_FLOAT || t->sort == SORT_BOOL;
  switch (t->phys) {
    case PQ_BOOLEAN:
      o->min[0] = (uint8_t)s->lo.u; o->max[0] = (uint8_t)s->hi.u;
      o->min_len = o->max_len = 1;
      return;
    case PQ_INT32: {
      uint32_t lo = (uint32_t)(t->sort == SORT_UNSIGNED ? s->lo.u : (uint64_t)s->lo.i);
      uint32_t hi = (uint32_t)(t->sort == SORT_UNSIGNED ? s->hi.u : (uint64_t)s->hi.i);
      blz_store_le32(o->min, lo); blz_store_le32(o->max, hi);
      o->min_len = o->max_len = 4;
      return;
    }
    case PQ_INT64: {
      uint64_t lo = t->sort == SORT_UNSIGNED ? s->lo.u : (uint64_t)s->lo.i;
      uint64_t hi = t->sort == SORT_UNSIGNED ? s->hi.u : (uint64_t)s->hi.i;
      memcpy(o->min, &lo, 8); memcpy(o->max, &hi, 8);
      o->min_len = o->max_len = 8;
      return;
    }
    case PQ_FLOAT: case PQ_DOUBLE: {
      /* a zero minimum is written as -0.0 and a zero maximum as +0.0, as Arrow C++ does, so
       * that readers comparing with either zero never prune wrongly */
      double lo = s->lo.d == 0 ? -0.0 : s->lo.d, hi = s->hi.d == 0 ? 0.0 : s->hi.d;
      if (t->phys == PQ_FLOAT) {
        float fl = (float)lo, fh = (float)hi;
        memcpy(o->min, &fl, 4); memcpy(o->max, &fh, 4);
        o->min_len = o->max_len = 4;
      } else {
        memcpy(o->min, &lo, 8); memcpy(o->max, &hi, 8);
        o->min_len = o->max_len = 8;
      }
      return;
    }
    default: break;
  }
  if (t->sort == SORT_F16) {
    uint16_t lo = (uint16_t)s->lo.u, hi = (uint16_t)s->hi.u;
    if ((lo & 0x7fff) == 0) lo = 0x8000;
    if ((hi & 0x7fff) == 0) hi = 0x0000;
    o->min[0] = (uint8_t)lo; o->min[1] = (uint8_t)(lo >> 8);
    o->max[0] = (uint8_t)hi; o->max[1] = (uint8_t)(hi >> 8);
    o->min_len = o->max_len = 2;
    return;
  }
  size_t cap = sizeof o->min;
  if (trunc <= 0 || (size_t)trunc > cap) trunc = (int64_t)cap;
  /* decimals are never truncated: a prefix of a two's complement number is not a bound */
  bool may_trunc = t->sort == SORT_BYTES;
  if (s->blo.len <= (size_t)trunc) {
    if (s->blo.len) memcpy(o->min, s->blo.data, s->blo.len);
    o->min_len = s->blo.len;
  } else if (may_trunc) {
    size_t k = t->is_string ? utf8_prefix(s->blo.data, s->blo.len, (size_t)trunc) : (size_t)trunc;
    memcpy(o->min, s->blo.data, k);
    o->min_len = k;
    o->min_exact = false;
  } else {
    o->has = false;
    return;
  }
  if (s->bhi.len <= (size_t)trunc) {
    if (s->bhi.len) memcpy(o->max, s->bhi.data, s->bhi.len);
    o->max_len = s->bhi.len;
  } else if (may_trunc) {
    size_t k = t->is_string ? utf8_prefix(s->bhi.data, s->bhi.len, (size_t)trunc) : (size_t)trunc;
    memcpy(o->max, s->bhi.data, k);
    o->max_len = k;
    o->max_exact = false;
    if (!increment_bound(o->max, &o->max_len, t->is_string)) o->has = false;
  } else {
    o->has = false;
  }
}
