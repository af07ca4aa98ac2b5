/* sort.h — row groups sorted by key columns (sort_by): each gathered slice is kept, values copied,
 * until the row group ends; then the rows are put in key order and fed to the columns. */
#ifndef BLZ_SORT_H
#define BLZ_SORT_H

#include "column.h"

/* One column's kept rows of the open row group. */
typedef struct blz_kept {
  blz_buf def, rep;     /* level entries of every kept row */
  blz_buf dense;        /* values: fixed width, or for byte arrays (offset, length) into bytes */
  blz_buf bytes;        /* byte-array values, copied out of the caller's batches */
  blz_buf row_entry;    /* int64 per row + 1: where the row's level entries start */
  blz_buf row_val;      /* int64 per row + 1: where its values start */
  int64_t rows;
} blz_kept;

/* Appends the slice just gathered into c (rows rows, entries level entries, nvals values). */
bool blz_kept_append(blz_kept *k, const blz_column *c, int64_t rows, int64_t entries, size_t nvals);
/* Bytes the kept rows hold. */
int64_t blz_kept_memory(const blz_kept *k);
/* Forgets the rows (buffers kept for reuse unless trim). */
void blz_kept_reset(blz_kept *k, bool trim);

/* The order of the kept rows: stable, by the key columns keys[0..nkeys) (flat columns, their
 * kept stores in kept[]), nulls first or last. perm gets rows entries. */
bool blz_sort_rows(const blz_column *cols, const blz_kept *kept, const int *keys, int nkeys, bool nulls_first,
                   int64_t rows, int64_t *perm);

/* Feeds column c's kept rows in the order perm[0..rows), in slices. */
blz_status blz_kept_feed(blz_column *c, const blz_kept *k, const int64_t *perm, int64_t rows, blz_scratch *sx,
                         blz_error *err);

/* Whether a column can be a sort key: a flat column whose type has a total order here. */
bool blz_sort_key_ok(const blz_column *c);

#endif
