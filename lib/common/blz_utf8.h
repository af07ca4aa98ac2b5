/* blz_utf8.h — UTF-8 validation of string values (internal). */
#ifndef BLZ_UTF8_H
#define BLZ_UTF8_H

#include "blz_common.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Length of the run of ASCII bytes p[0..n) starts with: 64 bytes at a time with SSE2 (every
 * x86-64: four 16-byte loads, one sign-bit mask), then 8, then 1. The compiler did not vectorise
 * the 64-bit version: 41% of the event log's string checks were its scalar loop. */
static inline size_t blz_ascii_prefix(const uint8_t *p, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  while (i + 64 <= n) {
    __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16));
    __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 32));
    __m128i d = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 48));
    if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d)))) break;
    i += 64;
  }
#endif
  while (i + 8 <= n) {
    uint64_t x;
    memcpy(&x, p + i, 8);
    if (x & 0x8080808080808080ULL) break;
    i += 8;
  }
  while (i < n && p[i] < 0x80) i++;
  return i;
}

/* Offset of the first byte of p[0..n) that does not start (or continue) a well-formed UTF-8
 * sequence as Unicode's Table 3-7 defines it (no overlongs, surrogates or code points past
 * U+10FFFF), or n when all of it is valid. ASCII runs go by blz_ascii_prefix. */
static inline size_t blz_utf8_check(const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    i += blz_ascii_prefix(p + i, n - i);
    if (i >= n) break;
    uint8_t c = p[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t len;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c == 0xE0) len = 3, lo = 0xA0;
    else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) len = 3;
    else if (c == 0xED) len = 3, hi = 0x9F;
    else if (c == 0xF0) len = 4, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) len = 4;
    else if (c == 0xF4) len = 4, hi = 0x8F;
    else return i;
    if (len > n - i || p[i + 1] < lo || p[i + 1] > hi) return i;
    for (size_t k = 2; k < len; k++)
      if ((p[i + k] & 0xC0) != 0x80) return i;
    i += len;
  }
  return n;
}

#endif
