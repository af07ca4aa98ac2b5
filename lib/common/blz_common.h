/* blz_common.h — internal helpers shared by every stage: errors, growable buffers, byte order. */
#ifndef BLZ_COMMON_H
#define BLZ_COMMON_H

#include "blizzard.h"
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#if defined(__GNUC__)
#define BLZ_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define BLZ_LIKELY(x) __builtin_expect(!!(x), 1)
#define BLZ_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define BLZ_PRINTF(a, b)
#define BLZ_LIKELY(x) (x)
#define BLZ_UNLIKELY(x) (x)
#endif

/* Test hook for crash tests: when the environment variable BLZ_CRASH_AT is `name` or `name:N`,
 * the N-th (default first) passage through the point named `name` kills the process with SIGKILL,
 * as `kill -9` would at that moment. Costs one string compare when the variable is set. */
void blz__crash_point(const char *name);

/* Sets err (if non-NULL) and returns code, so callers can write `return blz_fail(err, ...)`. */
blz_status blz_fail(blz_error *err, blz_status code, const char *fmt, ...) BLZ_PRINTF(3, 4);
/* Prepends "prefix: " to an error already set, to say where it happened. */
void blz_error_prefix(blz_error *err, const char *fmt, ...) BLZ_PRINTF(2, 3);
/* Appends text to an error already set (cut at the message's size), to say what follows from it. */
void blz_error_suffix(blz_error *err, const char *fmt, ...) BLZ_PRINTF(2, 3);

#define BLZ_TRY(expr)                     \
  do {                                    \
    blz_status blz_st_ = (expr);          \
    if (blz_st_ != BLZ_OK) return blz_st_; \
  } while (0)

/* A growable byte buffer. Zero-initialised is empty and valid. */
typedef struct blz_buf {
  uint8_t *data;
  size_t len;
  size_t cap;
} blz_buf;

bool blz_buf_reserve_slow(blz_buf *b, size_t extra);
static inline bool blz_buf_reserve(blz_buf *b, size_t extra) {
  if (BLZ_LIKELY(b->cap - b->len >= extra)) return true;
  return blz_buf_reserve_slow(b, extra);
}
/* Like blz_buf_reserve, but grows to exactly the room asked for (rounded to 64 bytes): for
 * buffers refilled with the same amount each time, where doubling would only leave memory unused. */
bool blz_buf_reserve_exact_slow(blz_buf *b, size_t extra);
static inline bool blz_buf_reserve_exact(blz_buf *b, size_t extra) {
  if (BLZ_LIKELY(b->cap - b->len >= extra)) return true;
  return blz_buf_reserve_exact_slow(b, extra);
}
static inline bool blz_buf_append(blz_buf *b, const void *p, size_t n) {
  if (!blz_buf_reserve(b, n)) return false;
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  return true;
}
static inline bool blz_buf_push(blz_buf *b, uint8_t byte) {
  if (!blz_buf_reserve(b, 1)) return false;
  b->data[b->len++] = byte;
  return true;
}
void blz_buf_free(blz_buf *b);

/* n * size zeroed bytes, zeroed by writing them: for tables read before they are written (hash
 * slots). calloc leaves fresh pages to the kernel's shared zero page, so each page of such a table
 * faults twice (read, then copy-on-write) and the second fault flushes the TLB of every CPU running
 * the process's threads. NULL on overflow or when out of memory. */
void *blz_zalloc(size_t n, size_t size);
/* Appends s[0..n) as a JSON string literal: quotes, backslashes and control bytes escaped, UTF-8
 * as it is, and each byte that is not UTF-8 as \ufffd, so the document is always valid JSON. */
bool blz_json_string(blz_buf *b, const void *s, size_t n);

static inline void blz_store_le32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline uint32_t blz_load_le32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t blz_load_le64(const uint8_t *p) {
  return (uint64_t)blz_load_le32(p) | ((uint64_t)blz_load_le32(p + 4) << 32);
}
static inline uint16_t blz_load_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

/* Validity bitmap bit i (Arrow: LSB first); a NULL bitmap means all valid. */
static inline bool blz_bit(const uint8_t *bits, int64_t i) {
  return (bits[i >> 3] >> (i & 7)) & 1;
}

/* Whether the 32-bit offsets off[0..n] of n values hold a negative offset or a decrease: the sign
 * bits of every offset and every difference or-ed, with no branch per value; four at a time with
 * SSE2 (GCC does not vectorise the loop at -O2). Only when it is true does a caller look for the
 * first bad row to name it. */
static inline bool blz_offsets32_bad(const int32_t *off, int64_t n) {
  int32_t sign = off[0];
  int64_t i = 0;
#ifdef __SSE2__
  __m128i acc = _mm_setzero_si128();
  for (; i + 4 <= n; i += 4) {
    __m128i next = _mm_loadu_si128((const __m128i *)(const void *)(off + i + 1));
    __m128i prev = _mm_loadu_si128((const __m128i *)(const void *)(off + i));
    acc = _mm_or_si128(acc, _mm_or_si128(next, _mm_sub_epi32(next, prev)));
  }
  if (_mm_movemask_ps(_mm_castsi128_ps(acc))) return true;
#endif
  for (; i < n; i++) sign |= off[i + 1] | (int32_t)((uint32_t)off[i + 1] - (uint32_t)off[i]);
  return sign < 0;
}

/* Whether the value at physical index i (the array's offset already added) of Arrow array a is
 * valid: no validity bitmap, or a null_count of 0, means every value is. */
static inline bool blz_valid(const struct ArrowArray *a, int64_t i) {
  const uint8_t *bits = a->buffers[0];
  return !bits || a->null_count == 0 || blz_bit(bits, i);
}

#endif
