/* writer_internal.h — writer entry points private to libblizzard (the sink's shared worker pool). */
#ifndef BLZ_WRITER_INTERNAL_H
#define BLZ_WRITER_INTERNAL_H

#include "../common/blz_pool.h"

/* As blz_writer_create, but the column tasks run on `pool` (borrowed: it must outlive the writer,
 * and the writers sharing it must be called one at a time, as the sink's lock ensures) instead
 * of a pool of the writer's own; opts->threads is ignored. */
blz_status blz__writer_create_on_pool(const struct ArrowSchema *schema, const blz_writer_options *opts,
                                      const blz_output *sink, blz_pool *pool, blz_writer **out,
                                      blz_error *err);

/* From now on the writer frees the buffers a call needs only while it runs (gathered slices, page
 * scratch) before the call returns, so the many writers of a sink reuse the same memory instead of
 * each keeping, and first touching, its own. */
void blz__writer_share_call_buffers(blz_writer *w);

/* The caller validates every batch before writing it (blz_writer_validate with the same schema
 * and options, as the sink does), so the writer skips its own value checks. */
void blz__writer_trust_input(blz_writer *w);

/* Hands the open row group to the output thread (a writer that owns a pool) without waiting for
 * it to be written, or writes it (threads == 1): what blz_writer_close does first. The caller's
 * batches are no longer read afterwards. */
blz_status blz__writer_hand_off(blz_writer *w, blz_error *err);

/* As blz_writer_write, for the batch after which the writer is closed: the last chunk finishes
 * the row group as it is encoded, each column's chunk handed to the output (the output thread,
 * with a pool) as soon as it and the columns before it are done, so the row group's write overlaps
 * its encoding. The same bytes as blz_writer_write; any write call after it starts a new row
 * group. */
blz_status blz__writer_write_last(blz_writer *w, const struct ArrowArray *batch, blz_error *err);

/* Bytes of memory the writer holds (open row group, reusable buffers, pending footer data). */
int64_t blz__writer_memory(const blz_writer *w);
/*! blz__writers_flush_row_groups() :
 *  Flushes the open row group of each of ws[0..n) that has one, as blz_writer_flush_row_group
 *  would, but finishes the columns of all of them in one run of their shared pool (the writers
 *  must share one, or have none), largest open pages first: one file's largest column no longer
 *  leaves the other threads idle. Then each writes its row group into its own sink, a pool task
 *  per writer (so a sink's `write` may run on any of the pool's threads, one call per writer at a
 *  time).
 *  @return : the first failure (its writer is failed; the others are flushed all the same). */
blz_status blz__writers_flush_row_groups(blz_writer *const *ws, int n, blz_error *err);
/*! blz__writers_write_rows() :
 *  Writes rows[i][0..n[i]) of `batch` to each writer ws[i] (writers sharing one pool, or none), as
 *  blz_writer_write_rows would one after the other, but chunk by chunk together: the columns of
 *  every writer's next chunk are encoded in one run of the pool, costliest first, so one file's
 *  largest column no longer leaves the other threads idle. Each writer gets the same bytes as
 *  written alone. sts[i] and errs[i] are writer i's outcome. @return : the first failure. */
blz_status blz__writers_write_rows(blz_writer *const *ws, const struct ArrowArray *batch,
                                   const int64_t *const *rows, const int64_t *n, int count,
                                   blz_status *sts, blz_error *errs);
/* Rows in the open row group. */
int64_t blz__writer_row_group_rows(const blz_writer *w);
/* Gives back the buffers an empty row group keeps for reuse (after blz_writer_flush_row_group). */
void blz__writer_trim(blz_writer *w);

/* Appends the file's Delta statistics (see delta_stats.h) for its first max_leaves leaf columns.
 * After blz_writer_close. */
blz_status blz__writer_delta_stats(const blz_writer *w, int max_leaves, blz_buf *out, blz_error *err);

#endif
