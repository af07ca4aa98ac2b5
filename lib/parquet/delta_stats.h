/* delta_stats.h — a file's column statistics in the Delta protocol's per-file `stats` form. */
#ifndef BLZ_DELTA_STATS_H
#define BLZ_DELTA_STATS_H

#include "column.h"

/* Appends {"numRecords":N,"minValues":{..},"maxValues":{..},"nullCount":{..}} for the first
 * max_leaves leaf columns (leaves under lists and maps are counted but get no statistics), nested
 * by struct field, from the columns' whole-file statistics (file_stats). Dates as YYYY-MM-DD,
 * timestamps as ISO-8601 with microseconds (Z when UTC-adjusted; a maximum is rounded up, so it
 * stays a bound), decimals as numbers, strings cut to 64 bytes (a cut maximum is incremented).
 * Booleans, binary, time, float16 and fixed-size binary get a nullCount only. */
bool blz_delta_stats_json(const blz_column *cols, int ncols, int64_t rows, int max_leaves, blz_buf *out);

#endif
