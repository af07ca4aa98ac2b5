/* uuid7.h — RFC 9562 UUIDv7 file names: time-ordered, monotonic within the process, unique across writers. */
#ifndef BLZ_UUID7_H
#define BLZ_UUID7_H

#include "../common/blz_common.h"

/* Writes a lower-case hyphenated UUIDv7 (36 chars + NUL) for Unix time `unix_ms`.
 * Within one process successive calls return strictly increasing UUIDs even when the clock stalls
 * or steps back: the 12-bit rand_a field is a counter seeded at random each new millisecond, and a
 * counter overflow borrows the next millisecond. The 62-bit tail is random from the OS. */
blz_status blz_uuid7(int64_t unix_ms, char out[37], blz_error *err);

/* Validates the layout of a UUIDv7 string; fills *unix_ms with its timestamp. */
bool blz_uuid7_parse(const char *s, int64_t *unix_ms);

#endif
