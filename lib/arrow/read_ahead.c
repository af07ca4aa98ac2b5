/* read_ahead.c — a stream whose next batches are read by a thread of their own while the caller
 * encodes the current one: reading (a pipe's copies, IPC decoding) leaves the encoder's path. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "ipc_internal.h"

#define DEPTH 2

typedef struct read_ahead {
  struct ArrowArrayStream in;
  struct ArrowSchema schema; /* taken before the thread starts: `in` is not used from two threads */
  int schema_rc;
  pthread_t tid;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  struct ArrowArray q[DEPTH];
  int head, count;
  bool done, stop; /* done: end of stream or an error (rc) */
  int rc;
  char message[512];
} read_ahead;

static void *reader_main(void *arg) {
  read_ahead *r = arg;
  for (;;) {
    pthread_mutex_lock(&r->mu);
    while (r->count == DEPTH && !r->stop) pthread_cond_wait(&r->cv, &r->mu);
    bool stop = r->stop;
    pthread_mutex_unlock(&r->mu);
    if (stop) return NULL;
    struct ArrowArray a;
    memset(&a, 0, sizeof a);
    int rc = r->in.get_next(&r->in, &a);
    pthread_mutex_lock(&r->mu);
    if (rc || !a.release) {
      r->done = true;
      r->rc = rc;
      if (rc) {
        const char *m = r->in.get_last_error ? r->in.get_last_error(&r->in) : NULL;
        snprintf(r->message, sizeof r->message, "%s", m ? m : "cannot read the next batch");
      }
    } else {
      r->q[(r->head + r->count) % DEPTH] = a;
      r->count++;
    }
    pthread_cond_broadcast(&r->cv);
    bool end = r->done;
    pthread_mutex_unlock(&r->mu);
    if (end) return NULL;
  }
}

static int ra_get_schema(struct ArrowArrayStream *s, struct ArrowSchema *out) {
  read_ahead *r = s->private_data;
  if (r->schema_rc) return r->schema_rc;
  return ipc_schema_copy(&r->schema, out) ? ENOMEM : 0;
}

static int ra_get_next(struct ArrowArrayStream *s, struct ArrowArray *out) {
  read_ahead *r = s->private_data;
  pthread_mutex_lock(&r->mu);
  while (r->count == 0 && !r->done) pthread_cond_wait(&r->cv, &r->mu);
  int rc = 0;
  if (r->count) {
    *out = r->q[r->head];
    r->head = (r->head + 1) % DEPTH;
    r->count--;
    pthread_cond_broadcast(&r->cv);
  } else {
    rc = r->rc;
    memset(out, 0, sizeof *out); /* end of stream: released */
  }
  pthread_mutex_unlock(&r->mu);
  return rc;
}

static const char *ra_last_error(struct ArrowArrayStream *s) {
  read_ahead *r = s->private_data;
  pthread_mutex_lock(&r->mu);
  const char *m = r->rc || r->schema_rc ? r->message : NULL;
  pthread_mutex_unlock(&r->mu);
  return m;
}

static void ra_release(struct ArrowArrayStream *s) {
  read_ahead *r = s->private_data;
  if (!r) return;
  if (r->tid) {
    pthread_mutex_lock(&r->mu);
    r->stop = true;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->tid, NULL); /* a read in progress finishes first */
  }
  for (int i = 0; i < r->count; i++) {
    struct ArrowArray *a = &r->q[(r->head + i) % DEPTH];
    if (a->release) a->release(a);
  }
  if (r->schema.release) r->schema.release(&r->schema);
  r->in.release(&r->in);
  pthread_mutex_destroy(&r->mu);
  pthread_cond_destroy(&r->cv);
  free(r);
  s->release = NULL;
  s->private_data = NULL;
}

blz_status blz_stream_read_ahead(struct ArrowArrayStream *in, struct ArrowArrayStream *out, blz_error *err) {
  memset(out, 0, sizeof *out);
  if (!in || !in->release || !in->get_next || !in->get_schema)
    return blz_fail(err, BLZ_EINVAL, "the input stream is released or incomplete");
  read_ahead *r = calloc(1, sizeof *r);
  if (!r) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  r->in = *in;
  memset(in, 0, sizeof *in); /* moved */
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cv, NULL);
  r->schema_rc = r->in.get_schema(&r->in, &r->schema);
  if (r->schema_rc) {
    const char *m = r->in.get_last_error ? r->in.get_last_error(&r->in) : NULL;
    snprintf(r->message, sizeof r->message, "%s", m ? m : "cannot read the input schema");
  }
  out->get_schema = ra_get_schema;
  out->get_next = ra_get_next;
  out->get_last_error = ra_last_error;
  out->release = ra_release;
  out->private_data = r;
  if (r->schema_rc) {
    r->done = true;
    r->rc = r->schema_rc;
    return BLZ_OK; /* the error comes out of get_schema, as it would have */
  }
  int rc = pthread_create(&r->tid, NULL, reader_main, r);
  if (rc) {
    r->tid = 0;
    ra_release(out);
    return blz_fail(err, BLZ_ENOMEM, "cannot start the reading thread: %s", strerror(rc));
  }
  return BLZ_OK;
}
