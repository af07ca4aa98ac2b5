/* blz_pool.c — worker threads sharing batches of tasks through an atomic counter. Every worker
 * acknowledges every batch, so no thread can still be inside a batch when the next one starts. */
#include "blz_pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

struct blz_pool {
  int threads;               /* participants, the caller included */
  pthread_t *tids;
  pthread_mutex_t mu;
  pthread_cond_t wake, done;
  /* the current batch: written under mu before `generation` moves, read by workers after */
  blz_task_fn fn;
  void *ctx;
  int ntasks;
  atomic_int next;           /* next task index to take */
  atomic_uint_fast64_t generation;
  int acked;                 /* workers done with the current batch (under mu) */
  bool stop;
};

typedef struct worker_arg {
  blz_pool *p;
  int id;
} worker_arg;

static void run_tasks(blz_pool *p, blz_task_fn fn, void *ctx, int ntasks, int worker) {
  for (;;) {
    int i = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
    if (i >= ntasks) return;
    fn(ctx, i, worker);
  }
}

/* A short spin before sleeping: batches follow each other within microseconds while a writer
 * encodes, and a futex sleep and wake costs more than the wait. */
static bool spin_until_changed(const atomic_uint_fast64_t *g, uint64_t seen) {
  for (int i = 0; i < 4000; i++) {
    if (atomic_load_explicit(g, memory_order_acquire) != seen) return true;
    if ((i & 63) == 63) sched_yield();
  }
  return false;
}

static void *worker_main(void *arg) {
  worker_arg *wa = arg;
  blz_pool *p = wa->p;
  int id = wa->id;
  free(wa);
  uint64_t seen = 0;
  for (;;) {
    spin_until_changed(&p->generation, seen);
    pthread_mutex_lock(&p->mu);
    while (!p->stop && atomic_load(&p->generation) == seen) pthread_cond_wait(&p->wake, &p->mu);
    if (p->stop) {
      pthread_mutex_unlock(&p->mu);
      return NULL;
    }
    seen = atomic_load(&p->generation);
    blz_task_fn fn = p->fn;
    void *ctx = p->ctx;
    int ntasks = p->ntasks;
    pthread_mutex_unlock(&p->mu);
    run_tasks(p, fn, ctx, ntasks, id);
    pthread_mutex_lock(&p->mu);
    if (++p->acked == p->threads - 1) pthread_cond_signal(&p->done);
    pthread_mutex_unlock(&p->mu);
  }
}

blz_status blz_pool_create(int threads, blz_pool **out, blz_error *err) {
  *out = NULL;
  if (threads < 1) return blz_fail(err, BLZ_EINVAL, "thread count %d: at least 1", threads);
  if (threads > 1024) return blz_fail(err, BLZ_EINVAL, "thread count %d: at most 1024", threads);
  blz_pool *p = calloc(1, sizeof *p);
  if (!p) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  p->threads = 1;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->wake, NULL);
  pthread_cond_init(&p->done, NULL);
  atomic_init(&p->next, 0);
  atomic_init(&p->generation, 0);
  if (threads > 1 && !(p->tids = calloc((size_t)threads, sizeof *p->tids))) {
    blz_pool_destroy(p);
    return blz_fail(err, BLZ_ENOMEM, "out of memory");
  }
  for (int i = 1; i < threads; i++) {
    worker_arg *wa = malloc(sizeof *wa);
    if (!wa) {
      blz_pool_destroy(p);
      return blz_fail(err, BLZ_ENOMEM, "out of memory");
    }
    *wa = (worker_arg){p, i};
    int rc = pthread_create(&p->tids[i], NULL, worker_main, wa);
    if (rc) {
      free(wa);
      blz_pool_destroy(p);
      return blz_fail(err, BLZ_ENOMEM, "cannot start worker thread %d: %s", i, strerror(rc));
    }
    pthread_mutex_lock(&p->mu); /* workers count the participants when they acknowledge */
    p->threads = i + 1;
    pthread_mutex_unlock(&p->mu);
  }
  *out = p;
  return BLZ_OK;
}

int blz_pool_threads(const blz_pool *p) { return p ? p->threads : 1; }

void blz_pool_run(blz_pool *p, int ntasks, blz_task_fn fn, void *ctx) {
  if (!p || p->threads <= 1 || ntasks <= 1) {
    for (int i = 0; i < ntasks; i++) fn(ctx, i, 0);
    return;
  }
  pthread_mutex_lock(&p->mu);
  p->fn = fn;
  p->ctx = ctx;
  p->ntasks = ntasks;
  p->acked = 0;
  atomic_store_explicit(&p->next, 0, memory_order_relaxed);
  atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->mu);
  run_tasks(p, fn, ctx, ntasks, 0);
  pthread_mutex_lock(&p->mu);
  while (p->acked < p->threads - 1) pthread_cond_wait(&p->done, &p->mu);
  pthread_mutex_unlock(&p->mu);
}

void blz_pool_destroy(blz_pool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  p->stop = true;
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->mu);
  for (int i = 1; i < p->threads; i++) pthread_join(p->tids[i], NULL);
  free(p->tids);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->wake);
  pthread_cond_destroy(&p->done);
  free(p);
}
