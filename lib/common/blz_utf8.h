/* blz_utf8.h — UTF-8 validation of string values (internal). */
#ifndef BLZ_UTF8_H
#define BLZ_UTF8_H

#include "blz_common.h"

/* Offset of the first byte of p[0..n) that does not start (or continue) a well-formed UTF-8
 * sequence as Unicode's Table 3-7 defines it (no overlongs, surrogates or code points past
 * U+10FFFF), or n when all of it is valid. ASCII runs are checked 32 bytes at a time (four
 * independent loads the compiler turns into one vector test), their tails eight at a time. */
static inline size_t blz_utf8_check(const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    while (i + 32 <= n) {
      uint64_t a, b, c, d;
      memcpy(&a, p + i, 8), memcpy(&b, p + i + 8, 8), memcpy(&c, p + i + 16, 8), memcpy(&d, p + i + 24, 8);
      if ((a | b | c | d) & 0x8080808080808080ULL) break;
      i += 32;
    }
    while (i + 8 <= n) {
      uint64_t x;
      memcpy(&x, p + i, 8);
      if (x & 0x8080808080808080ULL) break;
      i += 8;
    }
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
