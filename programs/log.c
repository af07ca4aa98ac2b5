/* log.c — event lines on stderr: "TIME LEVEL EVENT key=value ..." or one JSON object per line. */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int g_level = LOG_INFO;
static bool g_json = false;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static const char *names[] = {"error", "warn", "info", "debug"};

int log_level_parse(const char *s) {
  for (int i = 0; i < 4; i++)
    if (!strcmp(s, names[i])) return i;
  return -1;
}

void log_setup(int level, bool json) {
  g_level = level;
  g_json = json;
}

bool log_enabled(int level) { return level <= g_level; }

/* Bytes of the well-formed UTF-8 sequence at p (Unicode Table 3-7: no overlongs, surrogates or
 * code points past U+10FFFF), 0 when it is not one. p is NUL-terminated. */
static int utf8_seq(const unsigned char *p) {
  unsigned char c = p[0], lo = 0x80, hi = 0xBF;
  int len;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c >= 0xE0 && c <= 0xEF) len = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4) len = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  else return 0;
  if (p[1] < lo || p[1] > hi) return 0;
  for (int k = 2; k < len; k++)
    if (p[k] < 0x80 || p[k] > 0xBF) return 0;
  return len;
}

/* A JSON string: quotes, backslashes and control bytes escaped, and a byte that is not UTF-8 (a
 * Latin-1 file name in a message, say) as U+FFFD, so every line stays valid JSON. */
static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    int n = utf8_seq(p);
    if (n == 0) fputs("\\ufffd", f), n = 1;
    else if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
    else fwrite(p, 1, (size_t)n, f);
    p += n;
  }
  fputc('"', f);
}

static bool is_int(const char *s) {
  if (*s == '-') s++;
  if (!*s) return false;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return false;
  return true;
}

static void vlog(int level, const char *event, va_list ap) {
  char ts[32];
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  struct tm tm;
  gmtime_r(&now.tv_sec, &tm);
  size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(ts + n, sizeof ts - n, ".%03ldZ", now.tv_nsec / 1000000);
  pthread_mutex_lock(&g_mu);
  if (g_json) {
    fprintf(stderr, "{\"ts\":\"%s\",\"level\":\"%s\",\"event\":", ts, names[level]);
    json_str(stderr, event);
    for (const char *k; (k = va_arg(ap, const char *));) {
      const char *v = va_arg(ap, const char *);
      fputc(',', stderr);
      json_str(stderr, k);
      fputc(':', stderr);
      if (!v) fputs("null", stderr);
      else if (is_int(v)) fputs(v, stderr);
      else json_str(stderr, v);
    }
    fputs("}\n", stderr);
  } else {
    fprintf(stderr, "%s %-5s %s", ts, names[level], event);
    for (const char *k; (k = va_arg(ap, const char *));) {
      const char *v = va_arg(ap, const char *);
      bool quote = v && (strchr(v, ' ') || !*v);
      fprintf(stderr, " %s=%s%s%s", k, quote ? "\"" : "", v ? v : "null", quote ? "\"" : "");
    }
    fputc('\n', stderr);
  }
  fflush(stderr);
  pthread_mutex_unlock(&g_mu);
}

void log_event(int level, const char *event, ...) {
  if (!log_enabled(level)) return;
  va_list ap;
  va_start(ap, event);
  vlog(level, event, ap);
  va_end(ap);
}

void log_force(int level, const char *event, ...) {
  va_list ap;
  va_start(ap, event);
  vlog(level, event, ap);
  va_end(ap);
}

bool log_json(void) { return g_json; }

void log_say(int level, const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (g_json) {
    log_force(level, level == LOG_ERROR ? "error" : level == LOG_WARN ? "warning" : "message", "message", msg, NULL);
  } else {
    pthread_mutex_lock(&g_mu);
    fprintf(stderr, "blizzard: %s\n", msg);
    pthread_mutex_unlock(&g_mu);
  }
}
