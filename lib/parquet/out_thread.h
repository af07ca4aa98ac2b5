/* out_thread.h — hands a row group's bytes to the output on a thread of its own (internal). */
#ifndef BLZ_OUT_THREAD_H
#define BLZ_OUT_THREAD_H

#include "../common/blz_common.h"

typedef struct blz_out_piece {
  const uint8_t *data;
  size_t len;
  void *owned; /* freed by the output thread once the piece is written (or skipped); NULL: borrowed */
} blz_out_piece;

typedef struct blz_out_thread blz_out_thread;

/* Starts a thread that calls sink->write (copied; sink->ctx stays the caller's) for each piece
 * of each job, in order. */
blz_status blz_out_thread_start(const blz_output *sink, blz_out_thread **out, blz_error *err);
/* Waits until every queued piece is written; returns the first write error so far (sticky). */
blz_status blz_out_thread_wait(blz_out_thread *t, blz_error *err);
/* Queues pieces[0..n) after those queued since the last wait, to be written in order (the array
 * is copied; the bytes are borrowed until the next wait, or owned: see blz_out_piece). A waiting
 * thread starts once a MiB is queued, or at once with `flush` (the last pieces for a while), or at
 * the next wait. Calls from several threads must be serialised by the caller. On failure nothing
 * is queued and the pieces' owned bytes stay the caller's. */
blz_status blz_out_thread_submit(blz_out_thread *t, const blz_out_piece *pieces, int n, bool flush,
                                 blz_error *err);
/* Waits for the queued pieces and stops the thread. NULL is a no-op. */
void blz_out_thread_stop(blz_out_thread *t);

#endif
