/* blz_common.c — error formatting and the growable buffer used across the library. */
#include "blz_common.h"
#include "blz_utf8.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>

blz_status blz_fail(blz_error *err, blz_status code, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->code = code;
  }
  return code;
}

void blz_error_suffix(blz_error *err, const char *fmt, ...) {
  if (!err) return;
  size_t m = strnlen(err->message, sizeof err->message - 1);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message + m, sizeof err->message - m, fmt, ap);
  va_end(ap);
}

void blz_error_prefix(blz_error *err, const char *fmt, ...) {
  if (!err) return;
  char prefix[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  char tmp[sizeof err->message];
  size_t k = strlen(prefix);
  if (k > sizeof tmp - 3) k = sizeof tmp - 3;
  memcpy(tmp, prefix, k);
  tmp[k] = ':';
  tmp[k + 1] = ' ';
  size_t m = strnlen(err->message, sizeof err->message);
  if (m > sizeof tmp - k - 3) m = sizeof tmp - k - 3;
  memcpy(tmp + k + 2, err->message, m);
  tmp[k + 2 + m] = 0;
  memcpy(err->message, tmp, sizeof tmp);
}

bool blz_buf_reserve_slow(blz_buf *b, size_t extra) {
  if (extra > SIZE_MAX / 2 - b->len) return false;
  size_t need = b->len + extra;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need) cap *= 2;
  uint8_t *p = realloc(b->data, cap);
  if (!p) return false;
  b->data = p;
  b->cap = cap;
  return true;
}

bool blz_buf_reserve_exact_slow(blz_buf *b, size_t extra) {
  if (extra > SIZE_MAX / 2 - b->len) return false;
  size_t cap = (b->len + extra + 63) & ~(size_t)63;
  uint8_t *p = realloc(b->data, cap);
  if (!p) return false;
  b->data = p;
  b->cap = cap;
  return true;
}

void *blz_zalloc(size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) return NULL;
  size_t bytes = n * size;
  void *p = malloc(bytes > 0 ? bytes : 1);
  if (p) memset(p, 0, bytes);
  return p;
}

void blz_buf_free(blz_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

const char *blz_status_string(blz_status s) {
  switch (s) {
    case BLZ_OK: return "ok";
    case BLZ_EINVAL: return "invalid argument";
    case BLZ_ENOMEM: return "out of memory";
    case BLZ_EIO: return "I/O error";
    case BLZ_EFORMAT: return "corrupt or truncated input";
    case BLZ_ENOTSUP: return "not supported";
    case BLZ_EEOF: return "end of stream";
  }
  return "unknown status";
}

const char *blz_version(void) { return BLZ_VERSION_STRING; }

bool blz_json_string(blz_buf *b, const void *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  if (!blz_buf_push(b, '"')) return false;
  const unsigned char *end = (const unsigned char *)s + n;
  size_t valid = blz_utf8_check(s, n); /* bytes before the first one that is not UTF-8 */
  for (const unsigned char *p = s; p < end; p++) {
    unsigned char c = *p;
    if ((size_t)(p - (const unsigned char *)s) == valid) {
      /* JSON text is UTF-8 (RFC 8259): a byte that is not (a path from a Latin-1 file system, say)
       * becomes U+FFFD rather than a document no parser reads */
      if (!blz_buf_append(b, "\\ufffd", 6)) return false;
      valid = (size_t)(p + 1 - (const unsigned char *)s) + blz_utf8_check(p + 1, (size_t)(end - p - 1));
      continue;
    }
    if (c == '"' || c == '\\') {
      uint8_t e[2] = {'\\', c};
      if (!blz_buf_append(b, e, 2)) return false;
    } else if (c < 0x20) {
      uint8_t e[6] = {'\\', 'u', '0', '0', (uint8_t)hex[c >> 4], (uint8_t)hex[c & 15]};
      if (!blz_buf_append(b, e, 6)) return false;
    } else if (!blz_buf_push(b, c)) {
      return false;
    }
  }
  return blz_buf_push(b, '"');
}

static char crash_name[64];
static long crash_at, crash_count;
static pthread_once_t crash_once = PTHREAD_ONCE_INIT;

static void crash_init(void) {
  const char *v = getenv("BLZ_CRASH_AT");
  if (!v || !*v) return;
  const char *colon = strchr(v, ':');
  size_t n = colon ? (size_t)(colon - v) : strlen(v);
  if (n >= sizeof crash_name) return;
  memcpy(crash_name, v, n);
  crash_name[n] = 0;
  crash_at = colon ? strtol(colon + 1, NULL, 10) : 1;
}

void blz__crash_point(const char *name) {
  pthread_once(&crash_once, crash_init);
  if (!crash_name[0] || strcmp(name, crash_name)) return;
  if (__atomic_add_fetch(&crash_count, 1, __ATOMIC_RELAXED) == crash_at) raise(SIGKILL);
}
