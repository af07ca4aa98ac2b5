/* partition.h — Hive-style partition prefixes from a template: strftime fields of a time column and {column} values. */
#ifndef BLZ_PARTITION_H
#define BLZ_PARTITION_H

#include "../common/blz_common.h"

typedef struct blz_partitioner blz_partitioner;

/* Parses `tpl` against the batch schema. strftime fields (%Y %m %d %H %M %S %j ...) need
 * `time_column` (a timestamp or date column); {name} refers to a column of `schema`. */
blz_status blz_partitioner_create(const char *tpl, const char *time_column,
                                  const struct ArrowSchema *schema, blz_partitioner **out,
                                  blz_error *err);
void blz_partitioner_destroy(blz_partitioner *p);
/* Whether column i is used as a {placeholder} (and so left out of the data files). */
bool blz_partitioner_uses_column(const blz_partitioner *p, int i);
/* Longest folder name (one path segment) a prefix may hold: NAME_MAX of ext4, xfs and most file
 * systems, and what S3 tools that map keys to folders can write back. */
#define BLZ_FOLDER_NAME_MAX 255

/* Appends the prefix of row `row` of `batch` (no trailing '/', not NUL-terminated). A folder name
 * longer than BLZ_FOLDER_NAME_MAX is refused, naming the row. */
blz_status blz_partitioner_render(blz_partitioner *p, const struct ArrowArray *batch, int64_t row,
                                  blz_buf *out, blz_error *err);

/* How many rows from `row` (at least 1, at most end - row) have the prefix of row `row`: with a
 * template of time fields only, the following rows in the same time bucket. */
int64_t blz_partitioner_run(const blz_partitioner *p, const struct ArrowArray *batch, int64_t row, int64_t end);

/* Hive path escaping of a value (%XX for '/', '=', '%', ':' and non-printables, ...). */
bool blz_hive_escape(blz_buf *out, const uint8_t *s, size_t n);
#define BLZ_HIVE_NULL "__HIVE_DEFAULT_PARTITION__"

/* Splits a prefix "k=v/k2=v2" into unescaped pairs; a __HIVE_DEFAULT_PARTITION__ value gives NULL.
 * Allocates *keys and *values (arrays and strings); free with blz_partition_values_free. */
bool blz_partition_values(const char *prefix, int *n, char ***keys, char ***values);
void blz_partition_values_free(int n, char **keys, char **values);

#endif
