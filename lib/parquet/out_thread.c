/* out_thread.c — the output thread: while the workers encode row group N + 1, it copies row group
 * N into the file (and the last row group's chunks as they are finished), so the kernel's copy of
 * written bytes is not serial work of the encoder. */
#include "out_thread.h"

#include <pthread.h>

#define WAKE_BYTES ((size_t)1 << 20)

struct blz_out_thread {
  blz_output sink;
  pthread_t tid;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  blz_out_piece *pieces; /* queued since the last wait; [0, written) are in the file */
  int n, cap, written;
  size_t unwritten;      /* bytes of pieces [written, n) */
  bool idle;             /* the thread waits for pieces */
  bool stop;
  blz_status st; /* first failure, kept */
  blz_error err;
};

/* Writes the queued pieces in order as they arrive; after a failure the rest are skipped. */
static void *out_main(void *arg) {
  blz_out_thread *t = arg;
  pthread_mutex_lock(&t->mu);
  for (;;) {
    while (t->written == t->n && !t->stop) {
      t->idle = true;
      pthread_cond_wait(&t->cv, &t->mu);
      t->idle = false;
    }
    if (t->written == t->n) break; /* stopped, nothing left */
    blz_out_piece p = t->pieces[t->written]; /* a copy: submit may move the array */
    bool failed = t->st != BLZ_OK;
    pthread_mutex_unlock(&t->mu);
    blz_status st = BLZ_OK;
    blz_error e = {0};
    if (p.len && !failed) st = t->sink.write(t->sink.ctx, p.data, p.len, &e);
    free(p.owned);
    pthread_mutex_lock(&t->mu);
    if (st && !t->st) t->st = st, t->err = e;
    t->written++;
    t->unwritten -= p.len;
    if (t->written == t->n) pthread_cond_broadcast(&t->cv);
  }
  pthread_mutex_unlock(&t->mu);
  return NULL;
}

blz_status blz_out_thread_start(const blz_output *sink, blz_out_thread **out, blz_error *err) {
  blz_out_thread *t = calloc(1, sizeof *t);
  if (!t) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  t->sink = *sink;
  pthread_mutex_init(&t->mu, NULL);
  pthread_cond_init(&t->cv, NULL);
  int rc = pthread_create(&t->tid, NULL, out_main, t);
  if (rc) {
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t);
    return blz_fail(err, BLZ_ENOMEM, "cannot start the output thread: %s", strerror(rc));
  }
  *out = t;
  return BLZ_OK;
}

blz_status blz_out_thread_wait(blz_out_thread *t, blz_error *err) {
  pthread_mutex_lock(&t->mu);
  if (t->written < t->n) pthread_cond_broadcast(&t->cv); /* what submit left unannounced */
  while (t->written < t->n) pthread_cond_wait(&t->cv, &t->mu);
  t->n = t->written = 0;
  blz_status st = t->st;
  if (st && err) *err = t->err;
  pthread_mutex_unlock(&t->mu);
  return st;
}

blz_status blz_out_thread_submit(blz_out_thread *t, const blz_out_piece *pieces, int n, bool flush, blz_error *err) {
  pthread_mutex_lock(&t->mu);
  if (n > t->cap - t->n) {
    int cap = t->cap ? t->cap : 64;
    while (cap - t->n < n) cap *= 2;
    blz_out_piece *p = realloc(t->pieces, (size_t)cap * sizeof *p);
    if (!p) {
      pthread_mutex_unlock(&t->mu);
      return blz_fail(err, BLZ_ENOMEM, "out of memory");
    }
    t->pieces = p;
    t->cap = cap;
  }
  if (n) memcpy(t->pieces + t->n, pieces, (size_t)n * sizeof *pieces);
  t->n += n;
  for (int i = 0; i < n; i++) t->unwritten += pieces[i].len;
  /* an idle thread is woken for a batch of WAKE_BYTES, not for every column's chunk: a wake-up
   * per piece cost the wide table's 2 threads ~700 context switches */
  if (t->idle && (t->unwritten >= WAKE_BYTES || flush)) pthread_cond_broadcast(&t->cv);
  pthread_mutex_unlock(&t->mu);
  return BLZ_OK;
}

void blz_out_thread_stop(blz_out_thread *t) {
  if (!t) return;
  pthread_mutex_lock(&t->mu);
  t->stop = true;
  pthread_cond_broadcast(&t->cv);
  pthread_mutex_unlock(&t->mu);
  pthread_join(t->tid, NULL);
  pthread_mutex_destroy(&t->mu);
  pthread_cond_destroy(&t->cv);
  free(t->pieces);
  free(t);
}
