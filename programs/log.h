/* log.h — the CLI's event log: one line per event, text or JSON, filtered by level. */
#ifndef BLZ_CLI_LOG_H
#define BLZ_CLI_LOG_H

#include <stdbool.h>

enum { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Parses "error", "warn", "info", "debug"; -1 for anything else. */
int log_level_parse(const char *s);
void log_setup(int level, bool json);
bool log_enabled(int level);
/* Logs `event` with key/value string pairs (NULL-terminated list: key, value, key, value, NULL).
 * Values that look like integers are written as JSON numbers. */
void log_event(int level, const char *event, ...);
/* The same whatever the level filter: what a run always reports (its summary). */
void log_force(int level, const char *event, ...);
/* Whether lines are JSON (--log-format json). */
bool log_json(void);
/* A message a run always prints (errors, its summary), printf-style: "blizzard: MESSAGE" in text
 * mode, in JSON mode an "error", "warning" or "message" event whose "message" is the text, so that
 * every line on stderr is JSON there. */
void log_say(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
