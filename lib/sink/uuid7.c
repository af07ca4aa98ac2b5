/* uuid7.c — UUIDv7 generation with a monotonic counter (RFC 9562 §6.2, method 1). */
#include "uuid7.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/random.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t last_ms = -1;
static uint32_t counter; /* 12 bits */

static blz_status random_bytes(uint8_t *p, size_t n, blz_error *err) {
  while (n) {
    ssize_t k = getrandom(p, n, 0);
    if (k < 0) {
      if (errno == EINTR) continue;
      return blz_fail(err, BLZ_EIO, "getrandom: %s", strerror(errno));
    }
    p += k;
    n -= (size_t)k;
  }
  return BLZ_OK;
}

blz_status blz_uuid7(int64_t unix_ms, char out[37], blz_error *err) {
  uint8_t rnd[10];
  BLZ_TRY(random_bytes(rnd, sizeof rnd, err));
  pthread_mutex_lock(&lock);
  if (unix_ms > last_ms) {
    last_ms = unix_ms;
    counter = ((uint32_t)rnd[8] << 8 | rnd[9]) & 0x7FF; /* top bit clear: room to count up */
  } else if (++counter > 0xFFF) {
    last_ms++;
    counter = 0;
  }
  int64_t ms = last_ms;
  uint32_t c = counter;
  pthread_mutex_unlock(&lock);
  uint8_t u[16];
  for (int i = 0; i < 6; i++) u[i] = (uint8_t)(ms >> (40 - 8 * i));
  u[6] = (uint8_t)(0x70 | (c >> 8));
  u[7] = (uint8_t)c;
  memcpy(u + 8, rnd, 8);
  u[8] = (uint8_t)(0x80 | (u[8] & 0x3F));
  static const char hex[] = "0123456789abcdef";
  char *p = out;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
    *p++ = hex[u[i] >> 4];
    *p++ = hex[u[i] & 15];
  }
  *p = 0;
  return BLZ_OK;
}

bool blz_uuid7_parse(const char *s, int64_t *unix_ms) {
  if (strlen(s) != 36) return false;
  int64_t ms = 0;
  int nib = 0;
  for (int i = 0; i < 36; i++) {
    char ch = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (ch != '-') return false;
      continue;
    }
    int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
    if (v < 0) return false;
    if (nib < 12) ms = ms << 4 | v;
    if (nib == 12 && v != 7) return false;         /* version */
    if (nib == 16 && (v & 0xC) != 0x8) return false; /* variant 10 */
    nib++;
  }
  *unix_ms = ms;
  return true;
}
