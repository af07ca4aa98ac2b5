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

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
    else fputc(*p, f);
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

void log_event(int level, const char *event, ...) {
  if (!log_enabled(level)) return;
  char ts[32];
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  struct tm tm;
  gmtime_r(&now.tv_sec, &tm);
  size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(ts + n, sizeof ts - n, ".%03ldZ", now.tv_nsec / 1000000);
  pthread_mutex_lock(&g_mu);
  va_list ap;
  va_start(ap, event);
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
  va_end(ap);
  fflush(stderr);
  pthread_mutex_unlock(&g_mu);
}
