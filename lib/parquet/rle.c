/* rle.c — RLE/bit-packing hybrid encoder and a small decoder for verification. */
#include "rle.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

int blz_bit_width(uint64_t v) {
  int w = 0;
  while (v) {
    w++;
    v >>= 1;
  }
  return w;
}

static bool put_varint(blz_buf *out, uint64_t v) {
  uint8_t b[10];
  size_t n = 0;
  while (v >= 0x80) {
    b[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  b[n++] = (uint8_t)v;
  return blz_buf_append(out, b, n);
}

/* Eight values of bw bits fill exactly bw bytes, so a group of eight is gathered in two 64-bit
 * words (four values each, then joined) and stored whole, and the next group starts bw bytes on.
 * With the width a constant (a case per width up to 16) the shifts are immediates and the groups
 * do not wait on each other the way values wait on a running bit position. */
#define PACK_GROUPS(BW)                                                                          \
  case BW:                                                                                       \
    for (size_t g = 0; g < groups; g++, v += 8, p += BW) {                                       \
      uint64_t lo = (uint64_t)v[0] | (uint64_t)v[1] << BW | (uint64_t)v[2] << 2 * BW | (uint64_t)v[3] << 3 * BW; \
      uint64_t hi = (uint64_t)v[4] | (uint64_t)v[5] << BW | (uint64_t)v[6] << 2 * BW | (uint64_t)v[7] << 3 * BW; \
      uint64_t w[2] = {4 * BW < 64 ? lo | hi << (4 * BW % 64) : lo, 4 * BW < 64 ? hi >> ((64 - 4 * BW) % 64) : hi}; \
      memcpy(p, w, 16);                                                                          \
    }                                                                                            \
    break;
#define DEFINE_PACK_GROUPS(NAME, T)                                                              \
  static uint8_t *NAME(uint8_t *p, const T *v, size_t groups, int bw) {                          \
    switch (bw) {                                                                                \
      PACK_GROUPS(1) PACK_GROUPS(2) PACK_GROUPS(3) PACK_GROUPS(4) PACK_GROUPS(5) PACK_GROUPS(6)   \
      PACK_GROUPS(7) PACK_GROUPS(8) PACK_GROUPS(9) PACK_GROUPS(10) PACK_GROUPS(11)               \
      PACK_GROUPS(12) PACK_GROUPS(13) PACK_GROUPS(14) PACK_GROUPS(15) PACK_GROUPS(16)            \
      default: break;                                                                            \
    }                                                                                            \
    return p;                                                                                    \
  }
DEFINE_PACK_GROUPS(pack_groups32, uint32_t)
DEFINE_PACK_GROUPS(pack_groups8, uint8_t)

/* Bit-packs n values of bw (<= 32) bits, LSB first: whole groups of eight by GROUPS (widths up to
 * 16), the rest eight bytes at a time. out has 16 bytes of room past the packed bytes: stores
 * are whole registers, of which only the packed bytes count. */
#define DEFINE_PACK(NAME, T, GROUPS)                                             \
  static bool NAME(blz_buf *out, const T *values, size_t n, int bw) {           \
    size_t bytes = (n * (size_t)bw + 7) / 8;                                     \
    if (!blz_buf_reserve(out, bytes + 16)) return false;                         \
    uint8_t *p = out->data + out->len;                                           \
    size_t groups = bw <= 16 ? n / 8 : 0;                                        \
    p = GROUPS(p, values, groups, bw);                                           \
    uint64_t acc = 0;                                                            \
    int bits = 0;                                                                \
    for (size_t i = groups * 8; i < n; i++) {                                    \
      uint64_t x = values[i];                                                    \
      acc |= x << bits;                                                          \
      bits += bw;                                                                \
      if (bits >= 64) {                                                          \
        memcpy(p, &acc, 8);                                                      \
        p += 8;                                                                  \
        bits -= 64;                                                              \
        acc = bits ? x >> (bw - bits) : 0;                                       \
      }                                                                          \
    }                                                                            \
    memcpy(p, &acc, 8); /* the tail: (bits + 7) / 8 bytes of it count */        \
    out->len += bytes;                                                           \
    return true;                                                                 \
  }
DEFINE_PACK(pack32, uint32_t, pack_groups32)
DEFINE_PACK(pack8, uint8_t, pack_groups8)

bool blz_bitpack(blz_buf *out, const uint32_t *values, size_t n, int bit_width) {
  return pack32(out, values, n, bit_width);
}

/* Literal (bit-packed) runs must hold a multiple of 8 values; only the very last one may be
 * padded. A repeated run that starts mid-group therefore lends the literal run the values it
 * needs to reach the next group boundary, and is emitted as RLE only if 8 or more remain. */
/* Literal data is skipped 57 values at a time: one pass of 64 neighbour comparisons finds whether
 * 8 equal values start at any of the next 58 positions; if none does, every run there is shorter
 * than 8 and the values are all literal. The comparisons are SSE2's, 4 or 16 lanes at a time with
 * their masks gathered (the compiler does not vectorise the scalar loop at -O2: it cost the flight
 * records a compare, a shift and an or per value). */
#ifdef __SSE2__
static inline uint64_t neighbours_equal32(const uint32_t *v) {
  uint64_t eq = 0;
  for (int k = 0; k < 64; k += 4) {
    __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(v + k));
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(v + k + 1));
    eq |= (uint64_t)(uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(a, b))) << k;
  }
  return eq;
}
static inline uint64_t neighbours_equal8(const uint8_t *v) {
  uint64_t eq = 0;
  for (int k = 0; k < 64; k += 16) {
    __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(v + k));
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(v + k + 1));
    eq |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a, b)) << k;
  }
  return eq;
}
#else
#define DEFINE_NEIGHBOURS_EQUAL(NAME, T)                                      \
  static inline uint64_t NAME(const T *v) {                                   \
    uint64_t eq = 0;                                                          \
    for (int k = 0; k < 64; k++) eq |= (uint64_t)(v[k] == v[k + 1]) << k;      \
    return eq;                                                                \
  }
DEFINE_NEIGHBOURS_EQUAL(neighbours_equal32, uint32_t)
DEFINE_NEIGHBOURS_EQUAL(neighbours_equal8, uint8_t)
#endif
/* Given bit k of eq saying value k equals value k + 1, whether no eight equal values start at any
 * of the first 58 positions (seven set bits in a row make eight equal values). */
static inline bool no_run_of_eight(uint64_t eq) {
  return !(eq & eq >> 1 & eq >> 2 & eq >> 3 & eq >> 4 & eq >> 5 & eq >> 6);
}
#define DEFINE_NO_RUN(NAME, T, EQ) \
  static inline bool NAME(const T *v) { return no_run_of_eight(EQ(v)); }
DEFINE_NO_RUN(no_run32, uint32_t, neighbours_equal32)
DEFINE_NO_RUN(no_run8, uint8_t, neighbours_equal8)

#define DEFINE_RLE(NAME, T, PACK, NO_RUN)                                                      \
  static bool NAME(blz_buf *out, const T *v, size_t n, int bw) {                               \
    size_t lit = 0, pos = 0, check_at = 0; /* a block known to hold a run is not checked twice */ \
    int vbytes = (bw + 7) / 8;                                                                 \
    while (pos < n) {                                                                          \
      if (pos >= check_at && pos + 65 <= n) {                                                  \
        if (NO_RUN(v + pos)) {                                                                 \
          pos += 57;                                                                           \
          continue;                                                                            \
        }                                                                                      \
        check_at = pos + 57;                                                                   \
      }                                                                                        \
      size_t run = 1;                                                                          \
      while (pos + run < n && v[pos + run] == v[pos]) run++;                                   \
      if (run < 8) { /* too short to be a run: the common case in literal data */             \
        pos += run;                                                                            \
        continue;                                                                              \
      }                                                                                        \
      size_t pending = pos - lit;                                                              \
      size_t need = (8 - pending % 8) % 8;                                                     \
      if (run >= need + 8) {                                                                   \
        pos += need;                                                                           \
        run -= need;                                                                           \
        if (pos > lit) {                                                                       \
          if (!put_varint(out, (((pos - lit) / 8) << 1) | 1)) return false;                    \
          if (!PACK(out, v + lit, pos - lit, bw)) return false;                                \
        }                                                                                      \
        if (!put_varint(out, (uint64_t)run << 1)) return false;                                \
        uint32_t x = (uint32_t)v[pos];                                                         \
        uint8_t b[4] = {(uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16), (uint8_t)(x >> 24)}; \
        if (!blz_buf_append(out, b, (size_t)vbytes)) return false;                             \
        pos += run;                                                                            \
        lit = pos;                                                                             \
      } else {                                                                                 \
        pos += run;                                                                            \
      }                                                                                        \
    }                                                                                          \
    if (pos > lit) {                                                                           \
      size_t cnt = pos - lit;                                                                  \
      size_t groups = (cnt + 7) / 8;                                                           \
      if (!put_varint(out, (groups << 1) | 1)) return false;                                   \
      size_t before = out->len;                                                                \
      if (!PACK(out, v + lit, cnt, bw)) return false;                                          \
      size_t want = groups * (size_t)bw;                                                       \
      while (out->len - before < want)                                                         \
        if (!blz_buf_push(out, 0)) return false;                                               \
    }                                                                                          \
    return true;                                                                               \
  }
DEFINE_RLE(rle32, uint32_t, pack32, no_run32)
DEFINE_RLE(rle8, uint8_t, pack8, no_run8)

/* Bit width 1 (definition levels of a flat nullable column, repetition levels of a list): the
 * levels become a bitmap, eight to a byte by one multiply; runs are found a 64-bit word at a time
 * and bit-packed groups are the bitmap's own bits. The decisions are rle8's — a run of 8 or more
 * equal values, after the literal values before it are topped up to a group of 8, becomes an RLE
 * run — so the bytes are too (tested against the 32-bit encoder). */
static uint64_t bits64_at(const uint64_t *bm, size_t q) { /* the 64 bits from bit q (bm has a spare word) */
  size_t w = q >> 6, s = q & 63;
  return s ? bm[w] >> s | bm[w + 1] << (64 - s) : bm[w];
}

static size_t run_end(const uint64_t *bm, size_t nw, size_t p, size_t n) {
  uint64_t flip = (bm[p >> 6] >> (p & 63)) & 1 ? ~0ULL : 0; /* set bits mark the other value */
  size_t w = p >> 6, e = n;
  uint64_t x = (bm[w] ^ flip) >> (p & 63);
  if (x) {
    e = p + (size_t)__builtin_ctzll(x);
  } else {
    for (w++; w < nw; w++)
      if ((x = bm[w] ^ flip)) {
        e = w * 64 + (size_t)__builtin_ctzll(x);
        break;
      }
  }
  return e < n ? e : n;
}

static bool put_bits(blz_buf *out, const uint64_t *bm, size_t from, size_t count) {
  if (!blz_buf_reserve(out, count / 8)) return false;
  for (size_t k = 0; k < count; k += 8) out->data[out->len++] = (uint8_t)bits64_at(bm, from + k); /* its low 8 bits */
  return true;
}

static bool rle_bits1(blz_buf *out, const uint8_t *v, size_t n) {
  size_t nw = (n + 63) / 64;
  uint64_t *bm = malloc((nw + 1) * sizeof *bm);
  if (!bm) return false;
  for (size_t w = 0; w < nw; w++) {
    uint64_t word = 0;
    for (size_t b = 0; b < 8; b++) {
      size_t at = w * 64 + b * 8;
      uint64_t x = 0;
      if (at + 8 <= n) memcpy(&x, v + at, 8);
      else if (at < n) memcpy(&x, v + at, n - at);
      /* byte i of x (0 or 1) lands on bit 56 + i: no two products share a bit, so no carries */
      word |= (((x & 0x0101010101010101ULL) * 0x0102040810204080ULL) >> 56) << (b * 8);
    }
    bm[w] = word;
  }
  bm[nw] = 0;
  bool ok = true;
  size_t lit = 0, pos = 0;
  size_t check_at = 0;
  while (ok && pos < n) {
    if (pos >= check_at && pos + 65 <= n) {
      /* rle8's skip of literal data, on the bitmap: bit k of eq says level pos + k equals the next;
       * no run of 8 starting in the next 58 levels means the next 57 are all literal (short runs
       * cost a run_end each: the nested table's levels) */
      if (no_run_of_eight(~(bits64_at(bm, pos) ^ bits64_at(bm, pos + 1)))) {
        pos += 57;
        continue;
      }
      check_at = pos + 57;
    }
    size_t e = run_end(bm, nw, pos, n), run = e - pos;
    size_t need = (8 - (pos - lit) % 8) % 8;
    if (run >= 8 && run >= need + 8) {
      size_t start = pos + need;
      if (start > lit) ok = put_varint(out, (((start - lit) / 8) << 1) | 1) && put_bits(out, bm, lit, start - lit);
      ok = ok && put_varint(out, (uint64_t)(e - start) << 1) && blz_buf_push(out, (uint8_t)((bm[pos >> 6] >> (pos & 63)) & 1));
      lit = e;
    }
    pos = e;
  }
  if (ok && n > lit) {
    size_t groups = (n - lit + 7) / 8; /* the bits past n are 0: the padding rle8 writes */
    ok = put_varint(out, (groups << 1) | 1) && put_bits(out, bm, lit, groups * 8);
  }
  free(bm);
  return ok;
}

bool blz_rle_encode(blz_buf *out, const uint32_t *values, size_t n, int bit_width) {
  if (bit_width == 0) {
    /* Every value is 0: one RLE run with a zero-byte value, as other writers do. */
    return n == 0 || put_varint(out, (uint64_t)n << 1);
  }
  return rle32(out, values, n, bit_width);
}

bool blz_rle_encode_u8(blz_buf *out, const uint8_t *values, size_t n, int bit_width) {
  if (bit_width == 0) return n == 0 || put_varint(out, (uint64_t)n << 1);
  if (bit_width == 1) return rle_bits1(out, values, n);
  return rle8(out, values, n, bit_width);
}

bool blz_rle_encode_repeat_u8(blz_buf *out, uint8_t value, size_t n, int bit_width) {
  if (n < 8 || bit_width == 0) { /* too short for a run: one bit-packed group, as rle8 writes it */
    uint8_t v[8];
    memset(v, value, sizeof v);
    return blz_rle_encode_u8(out, v, n, bit_width);
  }
  if (!put_varint(out, (uint64_t)n << 1)) return false;
  uint8_t b[4] = {value, 0, 0, 0};
  return blz_buf_append(out, b, (size_t)(bit_width + 7) / 8);
}

bool blz_get_uvarint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  uint64_t r = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*p >= end) return false;
    uint8_t b = *(*p)++;
    r |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = r;
      return true;
    }
  }
  return false;
}

bool blz_rle_decode(const uint8_t *in, size_t len, int bw, uint32_t *out, size_t n) {
  const uint8_t *p = in, *end = in + len;
  size_t got = 0;
  int vbytes = (bw + 7) / 8;
  while (got < n) {
    uint64_t h;
    if (!blz_get_uvarint(&p, end, &h)) return false;
    if (h & 1) {
      uint64_t cnt = (h >> 1) * 8;
      size_t bytes = (size_t)((h >> 1) * (uint64_t)bw);
      if ((size_t)(end - p) < bytes) return false;
      uint64_t acc = 0;
      int bits = 0;
      const uint8_t *q = p;
      for (uint64_t i = 0; i < cnt; i++) {
        while (bits < bw) {
          acc |= (uint64_t)(*q++) << bits;
          bits += 8;
        }
        uint32_t val = (uint32_t)(acc & ((bw == 32) ? 0xffffffffu : ((1u << bw) - 1)));
        acc >>= bw;
        bits -= bw;
        if (got < n) out[got++] = val;
      }
      p += bytes;
    } else {
      uint64_t cnt = h >> 1;
      if ((size_t)(end - p) < (size_t)vbytes) return false;
      uint32_t val = 0;
      for (int i = 0; i < vbytes; i++) val |= (uint32_t)p[i] << (8 * i);
      p += vbytes;
      for (uint64_t i = 0; i < cnt && got < n; i++) out[got++] = val;
    }
  }
  return true;
}
