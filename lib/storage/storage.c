/* storage.c — the storage backends: local folders (durable rename) and S3 (spill file, upload queue). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>

#include "file_sink.h"
#include "journal.h"
#include "storage.h"

typedef struct job {
  blz_object *o;
  blz_stored_fn done;
  void *ctx;
  struct job *next;
} job;

struct blz_storage {
  char *root;          /* local: the folder; S3: the spill folder */
  blz_journal journal; /* in root/_blizzard: landings in progress, the landed log, the lock */
  bool s3;
  blz_s3_options s3o;
  int64_t min_multipart, part_size;
  int max_parts;
  blz_s3_counters ctr;
  /* upload queue */
  pthread_mutex_t mu;
  pthread_cond_t cv_job, cv_space, cv_idle;
  job *head, *tail;
  int queued, active, capacity, nworkers;
  bool stopping;
  pthread_t *workers;
  /* folders this storage created whose names are not yet known durable (their parent not fsync'd
   * since): any file published under one fsyncs its parent first (make_folders_durable) */
  pthread_mutex_t fresh_mu;
  char **fresh;
  int nfresh, capfresh;
};

struct blz_object {
  blz_storage *s;
  char *relpath;
  char *local; /* S3: path of the local copy */
  bool keep_local; /* an existing file handed in for upload: never removed */
  bool landing;    /* a journal record stands for this object (land.*) */
  blz_journal_entry land;
  blz_file_sink fs;
};

static char *join(const char *root, const char *rel) {
  size_t n = strlen(root) + strlen(rel) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", root, rel);
  return p;
}

static void *upload_worker(void *arg);

void blz_storage_options_of(const blz_sink_config *cfg, blz_storage_options *o) {
  memset(o, 0, sizeof *o);
  o->path = cfg->path;
  o->spill_path = cfg->spill_path;
  o->s3 = (blz_s3_config){cfg->path, cfg->storage_options, cfg->n_storage_options, cfg->max_retries};
  o->part_bytes = cfg->part_size_mb << 20;
  o->min_multipart_bytes = cfg->min_multipart_size_mb << 20;
  o->max_parts = (int)cfg->max_concurrent_parts;
  o->max_uploads = (int)cfg->max_concurrent_uploads;
}

blz_status blz_storage_open(const blz_storage_options *cfg, blz_storage **out, blz_error *err) {
  const char *p = cfg->path;
  blz_storage *s = calloc(1, sizeof *s);
  if (!s) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  pthread_mutex_init(&s->mu, NULL);
  pthread_mutex_init(&s->fresh_mu, NULL);
  pthread_cond_init(&s->cv_job, NULL);
  pthread_cond_init(&s->cv_space, NULL);
  pthread_cond_init(&s->cv_idle, NULL);
  blz_status st = BLZ_OK;
  if (!strncmp(p, "s3://", 5)) {
    s->s3 = true;
    st = blz_s3_options_from(&cfg->s3, &s->s3o, err);
    p = cfg->spill_path ? cfg->spill_path : "./blizzard-spill";
    s->min_multipart = cfg->min_multipart_bytes;
    s->part_size = cfg->part_bytes;
    s->max_parts = cfg->max_parts;
    s->capacity = cfg->max_uploads;
    s->nworkers = cfg->max_uploads;
  } else if (!strncmp(p, "file://", 7)) {
    p += 7;
  } else if (strstr(p, "://")) {
    st = blz_fail(err, BLZ_ENOTSUP, "sink.path '%s': only local paths, file:// and s3:// URLs are supported", cfg->path);
  }
  if (!st && !*p) st = blz_fail(err, BLZ_EINVAL, "sink.path is empty");
  if (!st && !(s->root = strdup(p))) st = blz_fail(err, BLZ_ENOMEM, "out of memory");
  if (!st) {
    size_t n = strlen(s->root);
    while (n > 1 && s->root[n - 1] == '/') s->root[--n] = 0;
  }
  if (!st) {
    char *state = join(s->root, "_blizzard");
    st = state ? blz_journal_open(&s->journal, state, err) : blz_fail(err, BLZ_ENOMEM, "out of memory");
    free(state);
  }
  if (!st && !s->s3 && cfg->max_uploads > 1) {
    /* local files land side by side: each landing is mostly waiting for its nine fsyncs. The queue
     * is not bounded: a queued local file costs its paths and sidecar, and the call that finished
     * it waits for it anyway (blz_storage_settle); a bound only stopped that call from going on
     * with its other files (the sink's close finished its files four at a time, each waiting for
     * a landing thread, instead of encoding the rest while they landed). */
    s->capacity = INT_MAX;
    s->nworkers = cfg->max_uploads;
  }
  if (!st && s->nworkers > 0) {
    s->workers = calloc((size_t)s->nworkers, sizeof *s->workers);
    if (!s->workers) st = blz_fail(err, BLZ_ENOMEM, "out of memory");
    for (int i = 0; !st && i < s->nworkers; i++)
      if (pthread_create(&s->workers[i], NULL, upload_worker, s)) {
        s->nworkers = i;
        st = blz_fail(err, BLZ_EIO, "cannot start upload threads");
      }
  }
  if (st) {
    blz_storage_destroy(s);
    return st;
  }
  *out = s;
  return BLZ_OK;
}

void blz_storage_settle(blz_storage *s) {
  if (!s->s3) blz_storage_drain(s);
}

void blz_storage_drain(blz_storage *s) {
  pthread_mutex_lock(&s->mu);
  while (s->queued > 0 || s->active > 0) pthread_cond_wait(&s->cv_idle, &s->mu);
  pthread_mutex_unlock(&s->mu);
}

void blz_storage_destroy(blz_storage *s) {
  if (!s) return;
  if (s->workers) {
    blz_storage_drain(s);
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_broadcast(&s->cv_job);
    pthread_mutex_unlock(&s->mu);
    for (int i = 0; i < s->nworkers; i++) pthread_join(s->workers[i], NULL);
    free(s->workers);
  }
  if (s->s3) blz_s3_options_free(&s->s3o);
  blz_journal_close(&s->journal);
  pthread_mutex_destroy(&s->mu);
  pthread_mutex_destroy(&s->fresh_mu);
  for (int i = 0; i < s->nfresh; i++) free(s->fresh[i]);
  free(s->fresh);
  pthread_cond_destroy(&s->cv_job);
  pthread_cond_destroy(&s->cv_space);
  pthread_cond_destroy(&s->cv_idle);
  free(s->root);
  free(s);
}

blz_s3_counters blz_storage_counters(const blz_storage *s, int64_t *active_uploads) {
  blz_s3_counters c;
  c.active_parts = __atomic_load_n(&s->ctr.active_parts, __ATOMIC_RELAXED);
  c.multipart_uploads = __atomic_load_n(&s->ctr.multipart_uploads, __ATOMIC_RELAXED);
  c.retries = __atomic_load_n(&s->ctr.retries, __ATOMIC_RELAXED);
  c.failures = __atomic_load_n(&s->ctr.failures, __ATOMIC_RELAXED);
  c.bytes_uploaded = __atomic_load_n(&s->ctr.bytes_uploaded, __ATOMIC_RELAXED);
  for (int i = 0; i < 5; i++) {
    c.retries_by_reason[i] = __atomic_load_n(&s->ctr.retries_by_reason[i], __ATOMIC_RELAXED);
    c.failures_by_reason[i] = __atomic_load_n(&s->ctr.failures_by_reason[i], __ATOMIC_RELAXED);
  }
  if (active_uploads) *active_uploads = __atomic_load_n(&s->active, __ATOMIC_RELAXED);
  return c;
}

/* The folders holding `path`, deepest first: calls fn for each (as a string cut at its end) up to
 * the storage's root, which was made durable when the storage opened. */
static void for_each_folder(blz_storage *s, char *path, void (*fn)(blz_storage *s, const char *dir, void *ctx),
                            void *ctx) {
  size_t root = strlen(s->root);
  for (char *slash = strrchr(path, '/'); slash && (size_t)(slash - path) > root; slash = strrchr(path, '/')) {
    *slash = 0;
    fn(s, path, ctx);
  }
}

/* Remembers the `made` deepest folders holding `path` (blz_make_parents created them). */
static void note_fresh(blz_storage *s, const char *dir, void *ctx) {
  int *left = ctx;
  if (*left <= 0) return;
  (*left)--;
  pthread_mutex_lock(&s->fresh_mu);
  if (s->nfresh == s->capfresh) {
    int cap = s->capfresh ? s->capfresh * 2 : 8;
    char **f = realloc(s->fresh, (size_t)cap * sizeof *f);
    if (f) s->fresh = f, s->capfresh = cap;
  }
  char *copy = s->nfresh < s->capfresh ? strdup(dir) : NULL;
  if (copy) s->fresh[s->nfresh++] = copy;
  pthread_mutex_unlock(&s->fresh_mu);
  if (!copy) blz_fsync_parent(dir); /* no room to remember it: its name is made durable now */
}

/* A fresh folder holding a file being published: its parent is fsync'd, then it is forgotten. A
 * second file published under it meanwhile fsyncs it too rather than skip it unfinished. */
static void settle_fresh(blz_storage *s, const char *dir, void *ctx) {
  (void)ctx;
  bool fresh = false;
  pthread_mutex_lock(&s->fresh_mu);
  for (int i = 0; i < s->nfresh && !fresh; i++) fresh = !strcmp(s->fresh[i], dir);
  pthread_mutex_unlock(&s->fresh_mu);
  if (!fresh) return;
  blz_fsync_parent(dir);
  pthread_mutex_lock(&s->fresh_mu);
  for (int i = 0; i < s->nfresh; i++)
    if (!strcmp(s->fresh[i], dir)) {
      free(s->fresh[i]);
      s->fresh[i] = s->fresh[--s->nfresh];
      break;
    }
  pthread_mutex_unlock(&s->fresh_mu);
}

/* Makes the names of the folders holding `path` durable: those this storage created and whose
 * parent has not been fsync'd since (this VM's ext4 runs without a journal, where the fsync of a
 * file and of its own folder leaves a new folder's name undurable). */
static void make_folders_durable(blz_storage *s, const char *path) {
  char *p = strdup(path);
  if (!p) return;
  bool any;
  pthread_mutex_lock(&s->fresh_mu);
  any = s->nfresh > 0;
  pthread_mutex_unlock(&s->fresh_mu);
  if (any) for_each_folder(s, p, settle_fresh, NULL);
  free(p);
}

blz_status blz_storage_make_folder(blz_storage *s, const char *relpath, blz_error *err) {
  if (s->s3) return BLZ_OK;
  char *dir = join(s->root, relpath);
  if (!dir) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  int made = 0;
  blz_status st = blz_make_parents(dir, &made, err);
  if (!st) blz_fsync_made(dir, made);
  free(dir);
  return st;
}

/* S3 object keys: at most 1,024 bytes of UTF-8. */
#define S3_KEY_MAX 1024

size_t blz_storage_relpath_room(const blz_storage *s) {
  /* root "/" relpath, and the temporary name's "." before the file name and ".XXXXXX" after it */
  size_t used = strlen(s->root) + 1 + 8, room = used < PATH_MAX - 1 ? PATH_MAX - 1 - used : 0;
  if (s->s3) {
    size_t prefix = strlen(s->s3o.prefix) + (*s->s3o.prefix ? 1 : 0);
    size_t key = prefix < S3_KEY_MAX ? S3_KEY_MAX - prefix : 0;
    if (key < room) room = key;
  }
  return room;
}

blz_status blz_storage_begin(blz_storage *s, const char *relpath, blz_object **out, blz_error *err) {
  blz_object *o = calloc(1, sizeof *o);
  if (!o) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  o->s = s;
  o->relpath = strdup(relpath);
  o->local = join(s->root, relpath);
  if (!o->relpath || !o->local) {
    free(o->relpath);
    free(o->local);
    free(o);
    return blz_fail(err, BLZ_ENOMEM, "out of memory");
  }
  int made = 0;
  blz_status st = blz_make_parents(o->local, &made, err);
  if (!st && made > 0) {
    char *p = strdup(o->local);
    if (p) for_each_folder(s, p, note_fresh, &made);
    free(p);
    if (!p) blz_fsync_made(o->local, made); /* no memory to remember them: durable now */
  }
  if (!st) st = blz_file_sink_open(&o->fs, o->local, err);
  if (st) {
    free(o->relpath);
    free(o->local);
    free(o);
    return st;
  }
  *out = o;
  return BLZ_OK;
}

blz_output blz_object_output(blz_object *o) {
  blz_output out = {&o->fs, blz_file_sink_write};
  return out;
}

static void entry_clear(blz_journal_entry *e) {
  free(e->name), free(e->object), free(e->sidecar), free(e->note), free(e->sidecar_bytes);
  memset(e, 0, sizeof *e);
}

static void object_free(blz_object *o) {
  if (!o->keep_local) blz_file_sink_discard(&o->fs);
  entry_clear(&o->land);
  free(o->relpath);
  free(o->local);
  free(o);
}

void blz_object_abort(blz_object *o) {
  if (o) object_free(o);
}

/* Uploads the committed local copy; removes it once stored. */
static blz_status upload_local_copy(blz_storage *s, blz_object *o, blz_error *err) {
  int fd = open(o->local, O_RDONLY);
  if (fd < 0) return blz_fail(err, BLZ_EIO, "cannot reopen %s: %s", o->local, strerror(errno));
  struct stat st;
  fstat(fd, &st);
  size_t len = (size_t)st.st_size;
  void *data = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
  close(fd);
  if (len && data == MAP_FAILED) return blz_fail(err, BLZ_EIO, "cannot map %s: %s", o->local, strerror(errno));
  blz_status rc = blz_s3_upload(&s->s3o, o->relpath, data ? data : "", len, s->min_multipart, s->part_size,
                                s->max_parts, &s->ctr, err);
  if (data) munmap(data, len);
  return rc;
}

/* After the object is stored: its sidecar, its landed-log line, then the journal record goes.
 * A crash between any two steps leaves the record, and recovery finishes the landing. */
static blz_status announce(blz_storage *s, const blz_journal_entry *e, blz_error *err) {
  BLZ_TRY(blz_storage_put(s, e->sidecar, e->sidecar_bytes, e->sidecar_len, err));
  blz__crash_point("announced");
  BLZ_TRY(blz_journal_landed(&s->journal, e->note, err));
  blz__crash_point("landed");
  blz_journal_remove(&s->journal, e->name);
  return BLZ_OK;
}

/* Makes the written file durable, journals it (when it has a landing) and publishes it under its
 * name: the local file itself, or the spill copy an S3 upload starts from. */
static blz_status publish(blz_storage *s, blz_object *o, blz_error *err) {
  BLZ_TRY(blz_file_sink_finish(&o->fs, err));
  blz__crash_point("file_written");
  if (o->landing) {
    BLZ_TRY(blz_journal_add(&s->journal, &o->land, err));
    blz__crash_point("journaled");
  }
  blz_status st = blz_file_sink_publish(&o->fs, err);
  if (st) {
    if (o->landing) blz_journal_remove(&s->journal, o->land.name); /* nothing was published */
    return st;
  }
  make_folders_durable(s, o->local);
  blz__crash_point("published");
  return BLZ_OK;
}

/* Local disk: published, then announced. A failure after the journal record leaves it for
 * recovery, as announce says. */
static blz_status land_local(blz_storage *s, blz_object *o, blz_error *err) {
  BLZ_TRY(publish(s, o, err));
  return o->landing ? announce(s, &o->land, err) : BLZ_OK;
}

/* Uploads a published spill file, announces it, and releases the local copy. */
static blz_status upload_and_announce(blz_storage *s, blz_object *o, blz_error *err) {
  BLZ_TRY(upload_local_copy(s, o, err));
  blz__crash_point("uploaded");
  if (o->landing) BLZ_TRY(announce(s, &o->land, err));
  if (!o->keep_local && unlink(o->local) == 0) blz_fsync_parent(o->local); /* the bytes are released once stored */
  return BLZ_OK;
}

static void *upload_worker(void *arg) {
  blz_storage *s = arg;
  pthread_mutex_lock(&s->mu);
  for (;;) {
    while (!s->head && !s->stopping) pthread_cond_wait(&s->cv_job, &s->mu);
    if (!s->head) break;
    job *j = s->head;
    s->head = j->next;
    if (!s->head) s->tail = NULL;
    s->queued--;
    s->active++;
    pthread_cond_signal(&s->cv_space);
    pthread_mutex_unlock(&s->mu);
    blz_error e = {0};
    blz_status st = s->s3 ? upload_and_announce(s, j->o, &e) : land_local(s, j->o, &e);
    j->done(j->ctx, st, &e, st && s->s3 ? j->o->local : NULL);
    if (st && s->s3) j->o->keep_local = true; /* kept in the spill folder with its journal record */
    object_free(j->o);
    free(j);
    pthread_mutex_lock(&s->mu);
    s->active--;
    if (!s->queued && !s->active) pthread_cond_broadcast(&s->cv_idle);
  }
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

static void enqueue(blz_storage *s, job *j);

/* Copies what the landing needs into the object's journal entry. */
static blz_status keep_landing(blz_object *o, const blz_landing *l, blz_error *err) {
  const char *base = strrchr(o->relpath, '/');
  base = base ? base + 1 : o->relpath;
  blz_journal_entry *e = &o->land;
  size_t bl = strlen(base);
  e->name = malloc(bl + 9);
  if (e->name) snprintf(e->name, bl + 9, "%s.landing", base); /* not *.parquet: nothing mistakes it for data */
  e->object = strdup(o->relpath);
  e->sidecar = strdup(l->sidecar_relpath);
  e->note = strdup(l->note ? l->note : "");
  e->sidecar_bytes = malloc(l->sidecar_len + 1);
  if (!e->name || !e->object || !e->sidecar || !e->note || !e->sidecar_bytes) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  memcpy(e->sidecar_bytes, l->sidecar, l->sidecar_len);
  e->sidecar_len = l->sidecar_len;
  o->landing = true;
  return BLZ_OK;
}

void blz_object_commit_async(blz_object *o, const blz_landing *landing, blz_stored_fn done, void *ctx) {
  blz_error e = {0};
  blz_storage *s = o->s;
  blz_status st = landing ? keep_landing(o, landing, &e) : BLZ_OK;
  job *j = st || !s->nworkers ? NULL : calloc(1, sizeof *j);
  if (!s->s3) {
    if (j) { /* landed by a worker: blz_storage_settle waits for it */
      j->o = o, j->done = done, j->ctx = ctx;
      enqueue(s, j);
      return;
    }
    if (!st) st = land_local(s, o, &e);
    done(ctx, st, &e, NULL);
    object_free(o);
    return;
  }
  /* S3: the spill file is published here, then queued for upload */
  if (!st) st = publish(s, o, &e);
  if (st) {
    free(j);
    done(ctx, st, &e, NULL);
    object_free(o);
    return;
  }
  if (!j) { /* cannot queue: upload on this thread */
    st = upload_and_announce(s, o, &e);
    done(ctx, st, &e, st ? o->local : NULL);
    if (st) o->keep_local = true;
    object_free(o);
    return;
  }
  j->o = o, j->done = done, j->ctx = ctx;
  enqueue(s, j);
}

static void enqueue(blz_storage *s, job *j) {
  pthread_mutex_lock(&s->mu);
  while (s->queued >= s->capacity) pthread_cond_wait(&s->cv_space, &s->mu);
  if (s->tail) s->tail->next = j;
  else s->head = j;
  s->tail = j;
  s->queued++;
  pthread_cond_signal(&s->cv_job);
  pthread_mutex_unlock(&s->mu);
}

blz_status blz_storage_put(blz_storage *s, const char *relpath, const void *data, size_t len,
                           blz_error *err) {
  if (s->s3) return blz_s3_upload(&s->s3o, relpath, data, len, INT64_MAX, s->part_size, 1, &s->ctr, err);
  blz_object *o;
  BLZ_TRY(blz_storage_begin(s, relpath, &o, err));
  blz_status st = blz_file_sink_write(&o->fs, data, len, err);
  if (!st) st = blz_file_sink_commit(&o->fs, err);
  if (!st) make_folders_durable(s, o->local);
  object_free(o);
  return st;
}

typedef struct upload_result {
  pthread_mutex_t mu;
  int failed;
  blz_error first;
} upload_result;

static void upload_done(void *ctx, blz_status st, const blz_error *err, const char *spilled) {
  (void)spilled;
  upload_result *r = ctx;
  if (!st) return;
  pthread_mutex_lock(&r->mu);
  if (!r->failed++) r->first = *err;
  pthread_mutex_unlock(&r->mu);
}

blz_status blz_upload_files(const blz_sink_config *cfg, int n, const char *const *local,
                            const char *const *relpath, blz_error *err) {
  if (strncmp(cfg->path, "s3://", 5)) return blz_fail(err, BLZ_EINVAL, "upload needs an s3:// sink.path");
  blz_storage *s;
  blz_storage_options so;
  blz_storage_options_of(cfg, &so);
  BLZ_TRY(blz_storage_open(&so, &s, err));
  upload_result r = {PTHREAD_MUTEX_INITIALIZER, 0, {0}};
  for (int i = 0; i < n; i++) {
    blz_object *o = calloc(1, sizeof *o);
    job *j = calloc(1, sizeof *j);
    if (!o || !j || !(o->relpath = strdup(relpath[i])) || !(o->local = strdup(local[i]))) {
      if (o) free(o->relpath), free(o->local);
      free(o), free(j);
      blz_error e;
      blz_fail(&e, BLZ_ENOMEM, "out of memory");
      upload_done(&r, BLZ_ENOMEM, &e, NULL);
      break;
    }
    o->s = s;
    o->keep_local = true;
    j->o = o, j->done = upload_done, j->ctx = &r;
    enqueue(s, j);
  }
  blz_storage_destroy(s);
  if (r.failed) {
    if (err) *err = r.first;
    if (r.failed > 1) blz_error_prefix(err, "%d of %d uploads failed; first", r.failed, n);
    return r.first.code ? r.first.code : BLZ_EIO;
  }
  return BLZ_OK;
}

void blz_storage_on_retry(blz_storage *s, void (*fn)(void *ctx, const char *key, const char *why), void *ctx) {
  s->s3o.on_retry = fn;
  s->s3o.retry_ctx = ctx;
}

/* ---------- recovery ---------- */

static bool exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* A temporary file of a dead writer: ".NAME.XXXXXX" (mkstemp) of a Parquet file, a sidecar or a
 * journal record. */
static bool is_temp(const char *name) {
  size_t n = strlen(name);
  if (name[0] != '.' || n < 9 || name[n - 7] != '.') return false;
  for (size_t i = n - 6; i < n; i++)
    if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= '0' && name[i] <= '9')))
      return false;
  return strstr(name, ".parquet.") || strstr(name, ".json.");
}

typedef struct walk_ctx {
  blz_storage *s;
  blz_recovery_report *rep;
  bool spill; /* S3: published spill files left behind are checked and removed */
  blz_status st;
  blz_error *err;
} walk_ctx;

/* Whether S3 already holds `key` with exactly `size` bytes. */
static bool stored_on_s3(blz_storage *s, const char *key, int64_t size) {
  int64_t have = -1;
  return blz_s3_head(&s->s3o, key, &have, &s->ctr, NULL) == BLZ_OK && have == size;
}

static void walk(walk_ctx *w, const char *dir, const char *rel, int depth) {
  DIR *d = opendir(dir);
  if (!d || depth > 64) {
    if (d) closedir(d);
    return;
  }
  struct dirent *de;
  while (!w->st && (de = readdir(d))) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    char *path = join(dir, de->d_name);
    char *r = *rel ? join(rel, de->d_name) : strdup(de->d_name);
    struct stat st;
    if (path && r && lstat(path, &st) == 0) {
      if (S_ISDIR(st.st_mode)) {
        walk(w, path, r, depth + 1);
      } else if (S_ISREG(st.st_mode) && is_temp(de->d_name)) {
        if (unlink(path) == 0) w->rep->temp_files_removed++;
      } else if (S_ISREG(st.st_mode) && w->spill && de->d_name[0] != '.' && strncmp(r, "_blizzard/", 10) &&
                 strlen(r) > 8 && !strcmp(r + strlen(r) - 8, ".parquet")) {
        /* no journal record names it, so its landing finished and only the local copy was left:
         * removed once S3 is seen to hold it, else kept and reported */
        if (stored_on_s3(w->s, r, (int64_t)st.st_size)) {
          if (unlink(path) == 0) w->rep->spill_files_removed++;
        } else {
          w->st = blz_fail(w->err, BLZ_EIO, "%s is in the spill folder without a journal record and not in the bucket: "
                           "upload it with `blizzard upload` or remove it", path);
        }
      }
    }
    free(path);
    free(r);
  }
  closedir(d);
}

/* Uploads older than an hour under keys of blizzard's own naming (UUIDv7.parquet) were left by a
 * dead writer: S3 keeps their parts, and bills them, until someone aborts them. */
#define ORPHAN_GRACE_MS (3600 * 1000LL)

static bool orphan_upload(void *ctx, const char *key) {
  const int64_t *now = ctx;
  const char *base = strrchr(key, '/');
  base = base ? base + 1 : key;
  if (strlen(base) != 44 || strcmp(base + 36, ".parquet") || base[8] != '-' || base[14] != '7') return false;
  int64_t ms = 0;
  for (int i = 0; i < 13; i++) {
    if (i == 8) continue;
    char c = base[i];
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return false;
    ms = ms * 16 + v;
  }
  return *now - ms > ORPHAN_GRACE_MS;
}

blz_status blz_storage_recover(blz_storage *s, blz_recovery_report *rep, blz_error *err) {
  memset(rep, 0, sizeof *rep);
  blz_journal_entry *es;
  int n;
  BLZ_TRY(blz_journal_list(&s->journal, &es, &n, err));
  blz_status st = BLZ_OK;
  for (int i = 0; i < n && !st; i++) {
    blz_journal_entry *e = &es[i];
    char *path = join(s->root, e->object);
    if (!path) {
      st = blz_fail(err, BLZ_ENOMEM, "out of memory");
      break;
    }
    if (!exists(path)) { /* never published: its rows were not acknowledged, the temp file goes below */
      blz_journal_remove(&s->journal, e->name);
      rep->files_dropped++;
    } else if (!s->s3) { /* published, perhaps announced: finish */
      char *side = join(s->root, e->sidecar);
      if (!side) st = blz_fail(err, BLZ_ENOMEM, "out of memory");
      if (!st && !exists(side)) st = blz_storage_put(s, e->sidecar, e->sidecar_bytes, e->sidecar_len, err);
      if (!st) st = blz_journal_landed(&s->journal, e->note, err);
      if (!st) blz_journal_remove(&s->journal, e->name);
      if (!st) rep->files_landed++;
      free(side);
    } else { /* a spill file: an upload a crash cut off is aborted, then it goes up again */
      int aborted = 0;
      st = blz_s3_abort_uploads(&s->s3o, e->object, NULL, NULL, &s->ctr, &aborted, err);
      rep->uploads_aborted += aborted;
      blz_object o;
      memset(&o, 0, sizeof o);
      o.s = s, o.relpath = e->object, o.local = path, o.landing = true, o.land = *e;
      if (!st) st = upload_and_announce(s, &o, err);
      if (!st) rep->files_landed++;
      if (st) blz_error_prefix(err, "recovering %s (kept in %s)", e->object, path);
    }
    free(path);
  }
  blz_journal_entries_free(es, n);
  if (!st) {
    walk_ctx w = {s, rep, s->s3, BLZ_OK, err};
    walk(&w, s->root, "", 0);
    st = w.st;
  }
  if (!st && s->s3) {
    int64_t now;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    int aborted = 0;
    st = blz_s3_abort_uploads(&s->s3o, "", orphan_upload, &now, &s->ctr, &aborted, err);
    rep->uploads_aborted += aborted;
  }
  return st;
}

blz_status blz_storage_read_landed(blz_storage *s, void (*fn)(void *ctx, const char *line), void *ctx,
                                   blz_error *err) {
  return blz_journal_read_landed(&s->journal, fn, ctx, err);
}
