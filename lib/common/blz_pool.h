/* blz_pool.h — a fixed pool of worker threads that runs batches of independent tasks (internal). */
#ifndef BLZ_POOL_H
#define BLZ_POOL_H

#include "blz_common.h"

typedef struct blz_pool blz_pool;

/* A task: `task` is its index in the batch, `worker` the participant running it (0 is the caller
 * of blz_pool_run, 1..threads-1 the pool's threads), for per-worker scratch memory. */
typedef void (*blz_task_fn)(void *ctx, int task, int worker);

/* Creates a pool in which `threads` participants (the caller plus threads - 1 new threads) share
 * each batch. threads <= 1 creates no thread: batches then run on the caller alone. */
blz_status blz_pool_create(int threads, blz_pool **out, blz_error *err);

/* Participants of the pool (1 for a NULL pool). */
int blz_pool_threads(const blz_pool *p);

/* Runs fn(ctx, i, worker) for every i in [0, ntasks), in any order and on any participant, and
 * returns when all have returned. One batch at a time: callers serialise their use of a pool.
 * A NULL pool runs the tasks in order on the caller. */
void blz_pool_run(blz_pool *p, int ntasks, blz_task_fn fn, void *ctx);

/* Stops and joins the threads. NULL is a no-op. */
void blz_pool_destroy(blz_pool *p);

#endif
