/* landed.h — which source rows already landed: the landed-log line a file adds once stored, and,
 * read back at the next run of the same source, the rows of each partition to skip. */
#ifndef BLZ_LANDED_H
#define BLZ_LANDED_H

#include "../common/blz_common.h"
#include "../storage/storage.h"

/* One partition's landed rows: merged, sorted ranges [r][0], [r][1]), and a cursor that only moves
 * forward (a source's rows arrive in order). */
typedef struct blz_landed_part {
  char *prefix;
  int64_t (*r)[2];
  int n, cap, cur;
} blz_landed_part;

/* The landed rows of one source, by partition. Zeroed: none. */
typedef struct blz_landed {
  blz_landed_part *parts;
  int n;
} blz_landed;

/* Appends (NUL-terminated) the landed-log line of a file holding source rows [first, end) of
 * partition `prefix` of `source`, stored as `relpath`: "rows FIRST END fFILE pPREFIX sSOURCE", with
 * bytes that would end a field (space, %, controls) escaped as %XX. False: out of memory. */
bool blz_landed_note(blz_buf *b, int64_t first, int64_t end, const char *relpath, const char *prefix,
                     const char *source);

/* Replaces *l with the rows of `source` that the landed log of `st` records, merged per partition
 * (blz_landed_add_line for each line, then blz_landed_merge). */
blz_status blz_landed_load(blz_landed *l, blz_storage *st, const char *source, blz_error *err);

/* Adds the rows a landed-log line records when it names `source`. The log is read back from disk,
 * perhaps cut short or damaged after a crash: a line that does not parse, or names another
 * source, is skipped. False only when out of memory. */
bool blz_landed_add_line(blz_landed *l, const char *source, const char *line);

/* Sorts and merges each partition's ranges (a re-run's file may span rows an earlier file holds)
 * and sets its cursor to the start. */
void blz_landed_merge(blz_landed *l);

/* Whether source row `row` of partition prefix[0..plen) landed; rows must be asked in ascending
 * order per partition (the cursor does not move back). */
bool blz_landed_before(blz_landed *l, const void *prefix, size_t plen, int64_t row);

/* Frees everything; *l is then empty. */
void blz_landed_clear(blz_landed *l);

#endif
