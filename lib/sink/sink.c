/* sink.c — the streaming sink: rows split by partition, one open file per partition, files rolled by
 * size, inactivity and age, stored durably, then announced with staging metadata. */
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include <unistd.h>

#include "../arrow/ipc_internal.h"
#include "../parquet/writer_internal.h"
#include "../staging/staging.h"
#include "../storage/storage.h"
#include "landed.h"
#include "partition.h"
#include "uuid7.h"

/* Rows are handed to a file's writer in calls of at most WRITE_CHUNK rows: as large as a write
 * call of `convert` fills (8 slices of 8,192 rows), since each call is a meeting of the encoding
 * threads (4,096-row calls kept the second thread idle a third of the time). A new file's first
 * call takes FIRST_CHUNK rows, to learn the bytes per row; then the calls halve the gap to the size
 * target, so files land close to it. */
#define WRITE_CHUNK 65536
/* "/{uuid}.parquet" after a partition prefix: what a file's relpath adds (open_file_for) and what
 * the storage's room must leave for it (sink_write_locked) */
#define FILE_NAME_LEN 45
#define FIRST_CHUNK 4096

typedef struct open_file {
  char *prefix;
  char uuid[37];
  char *relpath;
  blz_writer *w;
  blz_object *obj;
  int64_t first_ms, last_ms;
  uint64_t lru;
  char *source;
  int64_t src_first, src_end; /* the source rows it holds: its partition's rows in [first, end) */
  int64_t last_batch;        /* the sink's batch count when it last received rows */
  double write_secs; /* time spent in the writer for this file */
  int64_t mem;       /* its writer's memory after its last write or flush (keep_within_budget) */
} open_file;

typedef struct group {
  char *prefix;
  blz_buf rows; /* int64_t row indices */
} group;

struct blz_sink {
  pthread_mutex_t mu;
  blz_sink_config cfg;     /* the scalars only: every pointer in it is NULL (what is kept is copied) */
  blz_writer_options wopts;
  blz_column_encoding *encs;  /* owned copy that wopts.column_encodings points to */
  char **blooms;              /* owned copy that wopts.bloom_filter_columns points to */
  char **sorts;               /* owned copy that wopts.sort_by points to */
  blz_sink_hooks hooks;
  blz_storage *storage;
  blz_pool *pool;            /* encoding threads shared by the open files' writers (under mu) */
  blz_partitioner *part;
  struct ArrowSchema data_schema; /* a borrowed view: top struct with the data columns */
  struct ArrowSchema **data_fields;
  int *data_cols, ndata;
  open_file *files;
  int nfiles, capfiles;
  uint64_t seq;
  int64_t nbatch; /* batches written so far (idle files are counted in batches, not seconds) */
  char *source;
  int64_t src_base;         /* the current source's index of the next batch's first row */
  blz_landed landed;        /* the current source's rows that landed in earlier runs */
  int64_t rows_skipped;     /* under stats_mu */
  int64_t files_done, rows_done, bytes_done, failed;
  int64_t batches_in, rows_in, row_groups, staging_done;
  int64_t dur_buckets[BLZ_DURATION_BUCKETS], dur_count;
  double dur_sum;
  blz_error first_failure;
  pthread_mutex_t stats_mu; /* counters: completions arrive on uploader threads */
  int64_t gauge_open_files, gauge_buffered, gauge_open_bytes; /* under stats_mu: read by stats queries */
  bool local;               /* local storage: files land on landing threads, hooks run on the caller's */
  size_t path_room;         /* the longest file path under the table the storage takes */
  blz_finished_file *deferred; /* finished files whose hook waits for mu to be released (stats_mu) */
  int ndeferred, capdeferred;
  group *groups;
  int ngroups, capgroups;
  blz_buf key;
  struct ArrowSchema schema; /* our copy of the input schema */
  blz_writer *validator;     /* writes nowhere: checks a whole batch before any row is written */
};

const double blz_duration_buckets[BLZ_DURATION_BUCKETS] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                            0.25, 0.5, 1, 2.5, 5, 10};

static double mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t now_ms(blz_sink *s) {
  if (s->hooks.now_ms) return s->hooks.now_ms(s->hooks.ctx);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_retry(void *ctx, const char *key, const char *why) {
  blz_sink *s = ctx;
  if (s->hooks.on_event) s->hooks.on_event(s->hooks.ctx, "upload_retry", key, why);
}

static blz_status discard(void *ctx, const void *data, size_t len, blz_error *err) {
  (void)ctx, (void)data, (void)len, (void)err;
  return BLZ_OK;
}

/* A line saying what recovery did; false when it found nothing to do. */
static bool recovery_detail(const blz_recovery_report *r, char *out, size_t n) {
  snprintf(out, n, "%lld files landed, %lld never-published files dropped, %lld temporary files removed, "
           "%lld spill copies removed, %lld multipart uploads aborted", (long long)r->files_landed,
           (long long)r->files_dropped, (long long)r->temp_files_removed, (long long)r->spill_files_removed,
           (long long)r->uploads_aborted);
  return r->files_landed || r->files_dropped || r->temp_files_removed || r->spill_files_removed || r->uploads_aborted;
}

/* Owned copies of n column names, for writer options that outlive the caller's configuration;
 * *count counts those copied (freed with them on failure by blz_sink_destroy). */
static blz_status copy_names(char *const *names, int n, char ***out, size_t *count, blz_error *err) {
  *out = NULL;
  *count = 0;
  if (n <= 0) return BLZ_OK;
  if (!(*out = calloc((size_t)n, sizeof **out))) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  for (int i = 0; i < n; i++) {
    if (!((*out)[i] = strdup(names[i] ? names[i] : ""))) return blz_fail(err, BLZ_ENOMEM, "out of memory");
    (*count)++;
  }
  return BLZ_OK;
}

blz_status blz_sink_recover(const blz_sink_config *cfg, blz_recovery_report *report, blz_error *err) {
  blz_recovery_report local;
  if (!report) report = &local;
  memset(report, 0, sizeof *report);
  BLZ_TRY(blz_sink_config_validate(cfg, err));
  blz_storage_options so;
  blz_storage_options_of(cfg, &so);
  blz_storage *st;
  BLZ_TRY(blz_storage_open(&so, &st, err));
  blz_status rc = blz_storage_recover(st, report, err);
  blz_storage_destroy(st);
  return rc;
}

blz_status blz_sink_create(const blz_sink_config *cfg, const struct ArrowSchema *schema,
                           const blz_sink_hooks *hooks, blz_sink **out, blz_error *err) {
  *out = NULL;
  BLZ_TRY(blz_sink_config_validate(cfg, err));
  if (!schema || !schema->format || strcmp(schema->format, "+s"))
    return blz_fail(err, BLZ_EINVAL, "the schema must be a struct of columns");
  blz_sink *s = calloc(1, sizeof *s);
  if (!s) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  pthread_mutex_init(&s->mu, NULL);
  pthread_mutex_init(&s->stats_mu, NULL);
  s->cfg = *cfg;
  s->cfg.path = NULL;
  s->cfg.partition_template = NULL;
  s->cfg.partition_time_column = NULL;
  s->cfg.storage_options = NULL;
  s->cfg.n_storage_options = 0;
  s->cfg.column_encodings = NULL;
  s->cfg.n_column_encodings = 0;
  s->cfg.bloom_filter_columns = NULL;
  s->cfg.n_bloom_filter_columns = 0;
  s->cfg.sort_by = NULL;
  s->cfg.n_sort_by = 0;
  s->cfg.spill_path = NULL;      /* storage keeps its own copy */
  s->cfg.metrics_address = NULL; /* the CLI's business */
  if (hooks) s->hooks = *hooks;
  blz_writer_options_init(&s->wopts);
  s->wopts.compression = cfg->compression;
  s->wopts.compression_level = cfg->compression_level;
  s->wopts.row_group_size_bytes = cfg->row_group_size_bytes;
  s->wopts.encoding_profile = cfg->encoding_profile;
  s->wopts.page_checksums = cfg->page_checksums;
  s->wopts.bloom_filter_all = cfg->bloom_filter_all;
  s->wopts.bloom_filter_fpp = cfg->bloom_filter_fpp;
  blz_status st = BLZ_OK;
  /* the writers of later files read the column encodings: the sink keeps its own copy */
  if (cfg->n_column_encodings > 0) {
    s->encs = calloc((size_t)cfg->n_column_encodings, sizeof *s->encs);
    if (!s->encs) st = blz_fail(err, BLZ_ENOMEM, "out of memory");
    for (int i = 0; !st && i < cfg->n_column_encodings; i++) {
      s->encs[i].encoding = cfg->column_encodings[i].encoding;
      s->encs[i].column = strdup(cfg->column_encodings[i].column ? cfg->column_encodings[i].column : "");
      if (!s->encs[i].column) st = blz_fail(err, BLZ_ENOMEM, "out of memory");
      s->wopts.n_column_encodings++;
    }
    s->wopts.column_encodings = s->encs;
  }
  if (!st) st = copy_names(cfg->bloom_filter_columns, cfg->n_bloom_filter_columns, &s->blooms, &s->wopts.n_bloom_filter_columns, err);
  s->wopts.bloom_filter_columns = (const char *const *)s->blooms;
  if (!st) st = copy_names(cfg->sort_by, cfg->n_sort_by, &s->sorts, &s->wopts.n_sort_by, err);
  s->wopts.sort_by = (const char *const *)s->sorts;
  s->wopts.sort_nulls_first = cfg->sort_nulls_first;
  if (!st && (cfg->threads < 0 || cfg->threads > 1024))
    st = blz_fail(err, BLZ_EINVAL, "sink.threads %lld: 0 (one per core) or 1..1024", (long long)cfg->threads);
  if (!st) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cfg->threads ? (int)cfg->threads : cores > 0 && cores <= 1024 ? (int)cores : 1;
    if (threads > 1) st = blz_pool_create(threads, &s->pool, err);
  }
  if (!st) {
    blz_storage_options so; /* storage gets only what it needs, not the sink's configuration */
    blz_storage_options_of(cfg, &so);
    st = blz_storage_open(&so, &s->storage, err);
    s->local = strncmp(cfg->path, "s3://", 5) != 0;
    if (!st) s->path_room = blz_storage_relpath_room(s->storage);
  }
  if (!st) blz_storage_on_retry(s->storage, on_retry, s);
  if (!st) st = blz_storage_make_folder(s->storage, BLZ_STAGING_FOLDER, err);
  if (!st) { /* what a killed writer left is finished before any new row is taken */
    blz_recovery_report rep;
    st = blz_storage_recover(s->storage, &rep, err);
    char detail[256];
    if (!st && recovery_detail(&rep, detail, sizeof detail) && s->hooks.on_event)
      s->hooks.on_event(s->hooks.ctx, "recovered", cfg->path, detail);
  }
  if (!st && ipc_schema_copy(schema, &s->schema))
    st = blz_fail(err, BLZ_EINVAL, "the input schema is malformed (a field without format or children) or memory ran out");
  if (!st) schema = &s->schema;
  if (!st && cfg->partition_template)
    st = blz_partitioner_create(cfg->partition_template, cfg->partition_time_column, schema, &s->part, err);
  if (!st) {
    s->data_cols = calloc((size_t)schema->n_children + 1, sizeof *s->data_cols);
    s->data_fields = calloc((size_t)schema->n_children + 1, sizeof *s->data_fields);
    if (!s->data_cols || !s->data_fields) st = blz_fail(err, BLZ_ENOMEM, "out of memory");
  }
  for (int64_t i = 0; !st && i < schema->n_children; i++) {
    if (s->part && blz_partitioner_uses_column(s->part, (int)i)) continue;
    s->data_cols[s->ndata] = (int)i;
    s->data_fields[s->ndata] = schema->children[i];
    s->ndata++;
  }
  if (!st && s->ndata == 0) st = blz_fail(err, BLZ_EINVAL, "every column is a partition value: nothing left to write");
  if (!st) {
    s->data_schema = *schema;
    s->data_schema.n_children = s->ndata;
    s->data_schema.children = s->data_fields;
    s->data_schema.release = NULL;
    /* a writer to nowhere checks the column types now (a bad one fails at start-up) and each
     * batch before it is split, so a refused batch leaves no part of itself in any file */
    blz_output nowhere = {NULL, discard};
    /* on the sink's pool (used under the sink's lock, as the files' writers), not a pool and an
     * output thread of its own */
    st = blz__writer_create_on_pool(&s->data_schema, &s->wopts, &nowhere, s->pool, &s->validator, err);
  }
  if (st) {
    blz_sink_destroy(s);
    return st;
  }
  *out = s;
  return BLZ_OK;
}

/* A finished file on its way to storage; its completion runs on an uploader thread for S3. */
typedef struct pending {
  blz_sink *s;
  char uuid[37];
  char *relpath, *prefix, *source;
  char *stats; /* Delta statistics JSON, or NULL */
  int64_t rows, size, row_groups;
  double write_secs;
} pending;

/* The sink whose lock (mu) this thread holds, if any: a hook for a file finished under it waits
 * until the lock is released, so no callback ever runs under the sink's lock. */
static _Thread_local blz_sink *tls_holding;

static void lock_sink(blz_sink *s) {
  pthread_mutex_lock(&s->mu);
  tls_holding = s;
}

static char *dup_or_null(const char *x) { return x ? strdup(x) : NULL; }

static void free_finished(blz_finished_file *f) {
  free((char *)f->filename);
  free((char *)f->source_file);
  free((char *)f->stats_json);
  for (int i = 0; i < f->n_partition_values; i++) {
    free((char *)f->partition_keys[i]);
    free((char *)f->partition_values[i]);
  }
  free((void *)f->partition_keys);
  free((void *)f->partition_values);
}

/* Keeps a copy of *ff for the hook to see once the lock is released. On allocation failure the
 * hook misses this file (the counters and the staging file do not). */
static void defer_hook(blz_sink *s, const blz_finished_file *ff) {
  blz_finished_file c = *ff;
  int n = ff->n_partition_values;
  c.bytes = NULL, c.bytes_len = 0;
  c.filename = dup_or_null(ff->filename);
  c.source_file = dup_or_null(ff->source_file);
  c.stats_json = dup_or_null(ff->stats_json);
  char **k = calloc((size_t)n + 1, sizeof *k), **v = calloc((size_t)n + 1, sizeof *v);
  c.partition_keys = (const char *const *)k;
  c.partition_values = (const char *const *)v;
  c.n_partition_values = k && v ? n : 0;
  for (int i = 0; k && v && i < n; i++) k[i] = dup_or_null(ff->partition_keys[i]), v[i] = dup_or_null(ff->partition_values[i]);
  pthread_mutex_lock(&s->stats_mu);
  if (s->ndeferred == s->capdeferred) {
    int cap = s->capdeferred ? s->capdeferred * 2 : 8;
    blz_finished_file *d = realloc(s->deferred, (size_t)cap * sizeof *d);
    if (d) s->deferred = d, s->capdeferred = cap;
  }
  bool kept = s->ndeferred < s->capdeferred && k && v;
  if (kept) s->deferred[s->ndeferred++] = c;
  pthread_mutex_unlock(&s->stats_mu);
  if (!kept) free_finished(&c);
}

/* Runs the hooks deferred while the lock was held; called after releasing it. */
static void run_deferred_hooks(blz_sink *s) {
  for (;;) {
    pthread_mutex_lock(&s->stats_mu);
    blz_finished_file *list = s->deferred;
    int n = s->ndeferred;
    s->deferred = NULL;
    s->ndeferred = s->capdeferred = 0;
    pthread_mutex_unlock(&s->stats_mu);
    if (n == 0) {
      free(list);
      return;
    }
    for (int i = 0; i < n; i++) {
      if (s->hooks.on_finished) s->hooks.on_finished(s->hooks.ctx, &list[i]);
      free_finished(&list[i]);
    }
    free(list);
  }
}

static void record(blz_sink *s, const pending *p, const blz_finished_file *ff, blz_status st, const blz_error *e) {
  pthread_mutex_lock(&s->stats_mu);
  if (st) {
    if (!s->failed) s->first_failure = *e;
    s->failed++;
  } else {
    s->files_done++;
    s->rows_done += ff->record_count;
    s->bytes_done += ff->size;
    s->row_groups += p->row_groups;
    s->staging_done++;
    for (int i = 0; i < BLZ_DURATION_BUCKETS; i++)
      if (p->write_secs <= blz_duration_buckets[i]) s->dur_buckets[i]++;
    s->dur_sum += p->write_secs;
    s->dur_count++;
  }
  pthread_mutex_unlock(&s->stats_mu);
  if (!s->hooks.on_finished) return;
  /* local storage: the file landed inside write/tick/close (on this thread or a landing thread
   * that call waits for): the hook runs on the caller's thread once it lets go of the lock */
  if (tls_holding == s || s->local) defer_hook(s, ff);
  else s->hooks.on_finished(s->hooks.ctx, ff);
}

/* The finished-file description of p; partition values are parsed from its prefix (freed by the
 * caller with blz_partition_values_free). */
static bool describe(const pending *p, blz_finished_file *ff, int *nkv, char ***keys, char ***vals) {
  memset(ff, 0, sizeof *ff);
  *nkv = 0, *keys = NULL, *vals = NULL;
  bool ok = blz_partition_values(p->prefix, nkv, keys, vals);
  ff->filename = p->relpath;
  ff->size = p->size;
  ff->record_count = p->rows;
  ff->n_partition_values = *nkv;
  ff->partition_keys = (const char *const *)*keys;
  ff->partition_values = (const char *const *)*vals;
  ff->source_file = p->source;
  ff->stats_json = p->stats;
  return ok;
}

/* Counters and the hook once the file and its staging metadata are stored (or have failed to be). */
static void on_stored(void *ctx, blz_status st, const blz_error *stored_err, const char *spilled) {
  pending *p = ctx;
  blz_sink *s = p->s;
  blz_error e = {0};
  if (st) e = *stored_err;
  blz_finished_file ff;
  char **keys, **vals;
  int nkv;
  describe(p, &ff, &nkv, &keys, &vals);
  ff.stored = st == BLZ_OK;
  if (st && spilled) /* its journal record stays with it: recovery uploads it and its metadata */
    blz_error_prefix(&e, "%s (%lld rows, kept in %s)", p->relpath, (long long)p->rows, spilled);
  else if (st)
    blz_error_prefix(&e, "%s (%lld rows)", p->relpath, (long long)p->rows);
  record(s, p, &ff, st, &e);
  blz_partition_values_free(nkv, keys, vals);
  free(p->relpath);
  free(p->prefix);
  free(p->source);
  free(p->stats);
  free(p);
}

/* Finishes file i: footer, then durable storage (queued for S3) followed by its staging metadata
 * and, for a file input, its landed-log line. Removes it from the list. */
static blz_status finish_file(blz_sink *s, int i, blz_error *err) {
  open_file f = s->files[i];
  s->files[i] = s->files[--s->nfiles];
  blz_error e = {0};
  double t0 = mono();
  blz_status st = blz_writer_close(f.w, &e);
  f.write_secs += mono() - t0;
  pending *p = calloc(1, sizeof *p);
  if (!st && !p) st = blz_fail(&e, BLZ_ENOMEM, "out of memory");
  if (p) {
    p->s = s;
    memcpy(p->uuid, f.uuid, sizeof f.uuid);
    p->relpath = f.relpath, p->prefix = f.prefix, p->source = f.source;
    p->rows = blz_writer_num_rows(f.w);
    p->size = blz_writer_bytes_written(f.w);
    p->row_groups = blz_writer_num_row_groups(f.w);
    p->write_secs = f.write_secs;
    /* the committer's data-skipping statistics, from what the writer measured */
    if (!st && s->cfg.stats_columns > 0) {
      blz_buf js = {0};
      st = blz__writer_delta_stats(f.w, (int)s->cfg.stats_columns, &js, &e);
      if (!st && !blz_buf_push(&js, 0)) st = blz_fail(&e, BLZ_ENOMEM, "out of memory");
      if (!st) p->stats = (char *)js.data;
      else blz_buf_free(&js);
    }
  }
  blz_writer_destroy(f.w);
  /* what lands after the file: its staging metadata, and which source rows it holds */
  blz_buf json = {0}, note = {0};
  char side[128];
  if (!st) {
    blz_finished_file ff;
    char **keys, **vals;
    int nkv;
    bool ok = describe(p, &ff, &nkv, &keys, &vals) && blz_staging_json(&ff, &json);
    blz_partition_values_free(nkv, keys, vals);
    ok = ok && (!f.source || f.src_first < 0 || blz_landed_note(&note, f.src_first, f.src_end, f.relpath, f.prefix, f.source));
    if (!ok) st = blz_fail(&e, BLZ_ENOMEM, "out of memory");
    blz_staging_relpath(p->uuid, side, sizeof side);
  }
  if (st) {
    blz_object_abort(f.obj);
    if (p) {
      on_stored(p, st, &e, NULL);
    } else {
      free(f.relpath), free(f.prefix), free(f.source);
    }
    blz_buf_free(&json), blz_buf_free(&note);
    if (err) *err = e;
    return st;
  }
  blz_landing l = {side, json.data, json.len, note.len ? (const char *)note.data : NULL};
  blz_object_commit_async(f.obj, &l, on_stored, p);
  blz_buf_free(&json), blz_buf_free(&note);
  return BLZ_OK;
}

static blz_status open_file_for(blz_sink *s, const char *prefix, size_t plen, int64_t now, int *idx,
                                blz_error *err) {
  if (s->nfiles >= s->cfg.max_open_files) {
    int lru = 0;
    for (int i = 1; i < s->nfiles; i++)
      if (s->files[i].lru < s->files[lru].lru) lru = i;
    blz_status st = finish_file(s, lru, err);
    if (st) return st;
  }
  if (s->nfiles == s->capfiles) {
    int cap = s->capfiles ? s->capfiles * 2 : 8;
    open_file *f = realloc(s->files, (size_t)cap * sizeof *f);
    if (!f) return blz_fail(err, BLZ_ENOMEM, "out of memory");
    s->files = f;
    s->capfiles = cap;
  }
  open_file f;
  memset(&f, 0, sizeof f);
  BLZ_TRY(blz_uuid7(now, f.uuid, err));
  f.prefix = malloc(plen + 1);
  f.relpath = malloc(plen + FILE_NAME_LEN + 1);
  f.source = s->source ? strdup(s->source) : NULL;
  if (!f.prefix || !f.relpath || (s->source && !f.source)) {
    free(f.prefix);
    free(f.relpath);
    free(f.source);
    return blz_fail(err, BLZ_ENOMEM, "out of memory");
  }
  memcpy(f.prefix, prefix, plen);
  f.prefix[plen] = 0;
  snprintf(f.relpath, plen + FILE_NAME_LEN + 1, "%s%s%s.parquet", f.prefix, plen ? "/" : "", f.uuid);
  blz_status st = blz_storage_begin(s->storage, f.relpath, &f.obj, err);
  if (!st) {
    blz_output out = blz_object_output(f.obj);
    st = blz__writer_create_on_pool(&s->data_schema, &s->wopts, &out, s->pool, &f.w, err);
    if (!st) {
      blz__writer_share_call_buffers(f.w); /* open files take turns: one set of scratch */
      blz__writer_trust_input(f.w);        /* every batch passed s->validator first */
    }
  }
  if (st) {
    blz_object_abort(f.obj);
    free(f.prefix);
    free(f.relpath);
    free(f.source);
    return st;
  }
  f.first_ms = f.last_ms = now;
  f.last_batch = s->nbatch;
  f.src_first = f.src_end = -1;
  s->files[s->nfiles] = f;
  *idx = s->nfiles++;
  return BLZ_OK;
}

static int find_file(blz_sink *s, const char *prefix, size_t plen) {
  for (int i = 0; i < s->nfiles; i++)
    if (strlen(s->files[i].prefix) == plen && !memcmp(s->files[i].prefix, prefix, plen)) return i;
  return -1;
}

static blz_status keep_within_budget(blz_sink *s, blz_error *err);

/* How many of the `left` rows to write to f in one call: WRITE_CHUNK (FIRST_CHUNK for a new file),
 * fewer near the size target — wide rows (nested lists, long strings) would otherwise overshoot it
 * by a whole chunk. */
static int64_t rows_to_take(const blz_sink *s, const open_file *f, int64_t left) {
  int64_t take = left < WRITE_CHUNK ? left : WRITE_CHUNK;
  int64_t have = blz_writer_num_rows(f->w);
  if (have == 0) {
    if (take > FIRST_CHUNK) take = FIRST_CHUNK;
  } else {
    int64_t target = s->cfg.file_size_mb << 20;
    int64_t size = blz_writer_bytes_written(f->w) + blz_writer_buffered_bytes(f->w);
    int64_t per_row = size / have + 1, fit = (target - size) / per_row / 2; /* halve the gap */
    if (fit < 16) fit = 16;
    if (take > fit) take = fit;
  }
  return take;
}

/* Notes that rows[0..take) went to f. */
static void wrote_rows(blz_sink *s, open_file *f, const int64_t *rows, int64_t take, int64_t now) {
  if (f->src_first < 0) f->src_first = s->src_base + rows[0];
  f->src_end = s->src_base + rows[take - 1] + 1;
  f->last_ms = now;
  f->lru = ++s->seq;
  f->last_batch = s->nbatch;
  f->mem = blz__writer_memory(f->w); /* only writes and flushes change it */
}

/* After a write to file i: the file is finished when it has reached its size. */
static blz_status after_write(blz_sink *s, int i, blz_error *err) {
  const open_file *f = &s->files[i];
  if (blz_writer_bytes_written(f->w) + blz_writer_buffered_bytes(f->w) >= s->cfg.file_size_mb << 20)
    BLZ_TRY(finish_file(s, i, err));
  return BLZ_OK;
}

/* Writes rows[0..n) of the (projected) batch to the partition's file, rolling on size. */
static blz_status write_partition(blz_sink *s, const char *prefix, const struct ArrowArray *view,
                                  const int64_t *rows, int64_t n, int64_t now, blz_error *err) {
  size_t plen = strlen(prefix);
  for (int64_t done = 0; done < n;) {
    int i = find_file(s, prefix, plen);
    if (i < 0) BLZ_TRY(open_file_for(s, prefix, plen, now, &i, err));
    open_file *f = &s->files[i];
    int64_t take = rows_to_take(s, f, n - done);
    double t0 = mono();
    blz_status wst = blz_writer_write_rows(f->w, view, rows + done, take, err);
    f->write_secs += mono() - t0;
    BLZ_TRY(wst);
    wrote_rows(s, f, rows + done, take, now);
    done += take;
    BLZ_TRY(after_write(s, i, err));
    BLZ_TRY(keep_within_budget(s, err));
  }
  return BLZ_OK;
}

/* Writes each group's rows to its partition's file, the groups side by side: in each round every
 * group with rows left writes its next call's worth to its file, and the writers encode those
 * together (blz__writers_write_rows), so a batch spread over a few partitions keeps every thread
 * busy. A group whose file is not open waits for a round of its own when opening it would have
 * to close a file the round writes to (max_open_files). */
static blz_status write_groups(blz_sink *s, const struct ArrowArray *view, int64_t now, blz_error *err) {
  int ng = s->ngroups;
  if (ng == 1) {
    group *g = &s->groups[0];
    return write_partition(s, g->prefix, view, (const int64_t *)g->rows.data, (int64_t)(g->rows.len / sizeof(int64_t)), now, err);
  }
  int64_t *done = calloc((size_t)ng + 1, sizeof *done), *take = calloc((size_t)ng + 1, sizeof *take);
  int *gi = calloc((size_t)ng + 1, sizeof *gi);
  blz_writer **ws = calloc((size_t)ng + 1, sizeof *ws);
  const int64_t **rp = calloc((size_t)ng + 1, sizeof *rp);
  blz_status *sts = calloc((size_t)ng + 1, sizeof *sts);
  blz_error *errs = calloc((size_t)ng + 1, sizeof *errs);
  blz_status st = done && take && gi && ws && rp && sts && errs ? BLZ_OK : blz_fail(err, BLZ_ENOMEM, "out of memory");
  while (!st) {
    int m = 0;
    uint64_t round_seq = s->seq; /* files picked for this round are marked used after it */
    for (int g = 0; g < ng && !st; g++) {
      group *G = &s->groups[g];
      int64_t n = (int64_t)(G->rows.len / sizeof(int64_t));
      if (done[g] >= n) continue;
      size_t plen = strlen(G->prefix);
      int i = find_file(s, G->prefix, plen);
      if (i < 0 && s->nfiles >= s->cfg.max_open_files) {
        /* opening closes the least recently used file: not one this round writes to */
        int lru = 0;
        for (int k = 1; k < s->nfiles; k++)
          if (s->files[k].lru < s->files[lru].lru) lru = k;
        if (s->nfiles > 0 && s->files[lru].lru > round_seq) continue; /* a later round */
      }
      if (i < 0 && (st = open_file_for(s, G->prefix, plen, now, &i, err))) break;
      s->files[i].lru = ++s->seq;
      gi[m] = g, ws[m] = s->files[i].w, rp[m] = (const int64_t *)G->rows.data + done[g];
      take[m] = rows_to_take(s, &s->files[i], n - done[g]);
      m++;
    }
    if (st || m == 0) break;
    double t0 = mono();
    blz__writers_write_rows(ws, view, rp, take, m, sts, errs);
    double dt = (mono() - t0) / m; /* their shared time, shared out */
    for (int k = 0; k < m; k++) { /* every write that went through is noted, even after a failure */
      group *G = &s->groups[gi[k]];
      int i = find_file(s, G->prefix, strlen(G->prefix)); /* no file was opened or closed since */
      s->files[i].write_secs += dt;
      if (sts[k]) {
        if (!st && err) *err = errs[k];
        if (!st) st = sts[k];
        continue;
      }
      wrote_rows(s, &s->files[i], rp[k], take[k], now);
      done[gi[k]] += take[k];
    }
    for (int k = 0; k < m && !st; k++) { /* files that reached their size are finished */
      group *G = &s->groups[gi[k]];
      int i = find_file(s, G->prefix, strlen(G->prefix));
      if (i >= 0) st = after_write(s, i, err);
    }
    if (!st) st = keep_within_budget(s, err);
  }
  free(done), free(take), free(gi), free(ws), free(rp), free(sts), free(errs);
  return st;
}

/* Keeps the memory of all open files within max_buffered_mb: the file holding most flushes its
 * open row group and gives back the buffers it kept for reuse, until the total fits (or nothing
 * more can be given back). */
static blz_status keep_within_budget(blz_sink *s, blz_error *err) {
  int64_t budget = s->cfg.max_buffered_mb > 0 ? s->cfg.max_buffered_mb << 20 : INT64_MAX;
  for (int round = 0; round <= s->nfiles; round++) {
    int64_t total = 0, most = -1;
    int pick = -1;
    for (int i = 0; i < s->nfiles; i++) {
      int64_t m = s->files[i].mem;
      total += m;
      if (m > most) most = m, pick = i;
    }
    if (total <= budget || pick < 0) return BLZ_OK;
    open_file *f = &s->files[pick];
    double t0 = mono();
    blz_status st = blz__writer_row_group_rows(f->w) ? blz_writer_flush_row_group(f->w, err) : BLZ_OK;
    f->write_secs += mono() - t0;
    BLZ_TRY(st);
    blz__writer_trim(f->w);
    f->mem = blz__writer_memory(f->w);
    if (f->mem >= most) return BLZ_OK; /* nothing was given back */
  }
  return BLZ_OK;
}

static group *group_for(blz_sink *s, const uint8_t *key, size_t n) {
  for (int i = s->ngroups - 1; i >= 0; i--)
    if (strlen(s->groups[i].prefix) == n && !memcmp(s->groups[i].prefix, key, n)) return &s->groups[i];
  if (s->ngroups == s->capgroups) {
    int cap = s->capgroups ? s->capgroups * 2 : 8;
    group *g = realloc(s->groups, (size_t)cap * sizeof *g);
    if (!g) return NULL;
    s->groups = g;
    s->capgroups = cap;
  }
  group *g = &s->groups[s->ngroups];
  memset(g, 0, sizeof *g);
  g->prefix = malloc(n + 1);
  if (!g->prefix) return NULL;
  memcpy(g->prefix, key, n);
  g->prefix[n] = 0;
  s->ngroups++;
  return g;
}

static void clear_groups(blz_sink *s) {
  for (int i = 0; i < s->ngroups; i++) {
    free(s->groups[i].prefix);
    blz_buf_free(&s->groups[i].rows);
  }
  s->ngroups = 0;
}

/* Which rows of the (new) current source landed in earlier runs (none for stdin: nothing to match
 * rows against); the source's rows are counted from 0 again. */
static blz_status load_landed(blz_sink *s, blz_error *err) {
  blz_landed_clear(&s->landed);
  s->src_base = 0;
  return s->source ? blz_landed_load(&s->landed, s->storage, s->source, err) : BLZ_OK;
}

/* A partition that stopped receiving rows (time-ordered input moving past its hour, say) keeps
 * its file open until a roll rule ends it, but need not keep the memory of an open row group:
 * after IDLE_BATCHES batches without rows, its row group is flushed and the buffers it kept go
 * back to the allocator, for the files still receiving rows. Counted in batches, so the files
 * written do not depend on timing; a partition that is idle that long and then receives rows
 * again starts a new row group. (Event log, 73 hourly partitions: 68,000 -> 39,000 page faults,
 * 587 -> 489 MB peak RSS.) */
#define IDLE_BATCHES 4

/* Flushes the open row groups of the files for which pick(s, f) holds, together: their columns
 * are finished in one pool run (see blz__writers_flush_row_groups). With trim, the files give
 * back the buffers they keep for reuse. */
static blz_status flush_files(blz_sink *s, bool (*pick)(const blz_sink *s, const open_file *f), bool trim,
                              blz_error *err) {
  blz_writer **ws = malloc(((size_t)s->nfiles + 1) * sizeof *ws);
  open_file **fs = malloc(((size_t)s->nfiles + 1) * sizeof *fs);
  if (!ws || !fs) {
    free(ws), free(fs);
    return blz_fail(err, BLZ_ENOMEM, "out of memory");
  }
  int n = 0;
  for (int i = 0; i < s->nfiles; i++)
    if (blz__writer_row_group_rows(s->files[i].w) && pick(s, &s->files[i])) fs[n] = &s->files[i], ws[n++] = s->files[i].w;
  double t0 = mono();
  blz_status st = n ? blz__writers_flush_row_groups(ws, n, err) : BLZ_OK;
  for (int i = 0; i < n; i++) {
    fs[i]->write_secs += (mono() - t0) / n; /* their shared time, shared out */
    if (trim) blz__writer_trim(ws[i]);
    fs[i]->mem = blz__writer_memory(ws[i]);
  }
  free(ws), free(fs);
  return st;
}

static bool is_idle(const blz_sink *s, const open_file *f) { return f->last_batch <= s->nbatch - IDLE_BATCHES; }
static bool any_file(const blz_sink *s, const open_file *f) { return (void)s, (void)f, true; }

/* Finishes every open file: first those holding no buffered rows, whose landing (fsyncs, on the
 * landing threads) then overlaps the encoding of the others' last row groups, which are flushed
 * together next; then those. Hourly partitions at the end of the event log: 22 of the 32 files
 * open at close have nothing buffered, and their landing used to wait for the others' encoding.
 * Every file is finished whatever fails; the first failure is returned (err: its message). */
static blz_status finish_all(blz_sink *s, blz_error *err) {
  blz_status first = BLZ_OK;
  for (int i = s->nfiles - 1; i >= 0; i--) /* finish_file moves the last file, already seen, to i */
    if (!blz__writer_row_group_rows(s->files[i].w)) {
      blz_status st = finish_file(s, i, first ? NULL : err);
      if (!first) first = st;
    }
  blz_status st = flush_files(s, any_file, false, first ? NULL : err);
  if (!first) first = st;
  while (s->nfiles > 0) {
    st = finish_file(s, s->nfiles - 1, first ? NULL : err);
    if (!first) first = st;
  }
  return first;
}

/* Files idle for IDLE_BATCHES batches flush their row group and give their buffers back. */
static blz_status release_idle(blz_sink *s, blz_error *err) { return flush_files(s, is_idle, true, err); }

static blz_status sink_write_locked(blz_sink *s, const struct ArrowArray *batch, const char *source,
                                    blz_error *err) {
  if (batch->n_children != s->schema.n_children)
    return blz_fail(err, BLZ_EINVAL, "batch has %lld columns, the schema %lld", (long long)batch->n_children,
                    (long long)s->schema.n_children);
  int64_t now = now_ms(s);
  /* a new input source: files holding the previous source's rows are finished first */
  bool changed = (source == NULL) != (s->source == NULL) || (source && strcmp(source, s->source));
  if (changed) {
    blz_status first = finish_all(s, err);
    free(s->source);
    s->source = source ? strdup(source) : NULL;
    if (first) return first;
    if (source && !s->source) return blz_fail(err, BLZ_ENOMEM, "out of memory");
    BLZ_TRY(load_landed(s, err));
  }
  struct ArrowArray **kids = malloc(((size_t)s->ndata + 1) * sizeof *kids);
  if (!kids) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  for (int i = 0; i < s->ndata; i++) {
    if (s->data_cols[i] >= batch->n_children) {
      free(kids);
      return blz_fail(err, BLZ_EINVAL, "batch has %lld columns, fewer than the schema", (long long)batch->n_children);
    }
    kids[i] = batch->children[s->data_cols[i]];
  }
  struct ArrowArray view = *batch;
  view.n_children = s->ndata;
  view.children = kids;
  view.release = NULL;
  blz_status st = blz_writer_validate(s->validator, &view, err);
  if (st) {
    free(kids);
    return st;
  }
  int64_t skipped = 0;
  if (!s->part) {
    int64_t *all = malloc(((size_t)batch->length + 1) * sizeof *all), n = 0;
    if (!all) st = blz_fail(err, BLZ_ENOMEM, "out of memory");
    for (int64_t r = 0; all && r < batch->length; r++)
      if (!s->landed.n || !blz_landed_before(&s->landed, "", 0, s->src_base + r)) all[n++] = r;
    skipped = all ? batch->length - n : 0;
    if (!st && n > 0) st = write_partition(s, "", &view, all, n, now, err);
    free(all);
  } else {
    /* split rows by partition prefix; consecutive rows usually share one, so compare first */
    clear_groups(s);
    group *cur = NULL;
    size_t curlen = 0;
    for (int64_t r = 0, run; r < batch->length && !st; r += run) {
      s->key.len = 0;
      st = blz_partitioner_render(s->part, batch, r, &s->key, err);
      if (st) break;
      if (s->key.len + FILE_NAME_LEN > s->path_room) {
        /* refused with the whole batch, not when its file is opened (see partition.h) */
        st = blz_fail(err, BLZ_EINVAL, "row %lld: partition path '%.40s...' is %zu bytes; with a file name (%d) it "
                      "exceeds the %zu bytes the storage takes (%s)", (long long)r, (const char *)s->key.data,
                      s->key.len, FILE_NAME_LEN, s->path_room, s->local ? "PATH_MAX" : "S3 keys: 1,024 with the prefix");
        break;
      }
      if (!cur || curlen != s->key.len || memcmp(cur->prefix, s->key.data, curlen)) {
        cur = group_for(s, s->key.data, s->key.len);
        if (!cur) {
          st = blz_fail(err, BLZ_ENOMEM, "out of memory");
          break;
        }
        curlen = s->key.len;
      }
      /* the rows after r with r's prefix (time-ordered input: most of the batch) join at once */
      run = blz_partitioner_run(s->part, batch, r, batch->length);
      if (!blz_buf_reserve(&cur->rows, (size_t)run * sizeof r)) {
        st = blz_fail(err, BLZ_ENOMEM, "out of memory");
        break;
      }
      for (int64_t k = r; k < r + run; k++) {
        if (s->landed.n && blz_landed_before(&s->landed, s->key.data, s->key.len, s->src_base + k)) {
          skipped++;
          continue;
        }
        memcpy(cur->rows.data + cur->rows.len, &k, sizeof k);
        cur->rows.len += sizeof k;
      }
    }
    if (!st && s->ngroups > 0) st = write_groups(s, &view, now, err);
    clear_groups(s);
  }
  if (!st) st = release_idle(s, err);
  free(kids);
  s->nbatch++;
  s->src_base += batch->length;
  if (skipped) {
    pthread_mutex_lock(&s->stats_mu);
    s->rows_skipped += skipped;
    pthread_mutex_unlock(&s->stats_mu);
  }
  blz__crash_point("batch");
  return st;
}

/* Ends an operation under mu: the gauges the stats queries read are refreshed first, so that
 * blz_sink_get_stats never needs mu — a hook may call it from a callback that runs while mu is
 * held (local storage) or while another thread holds it waiting for uploads (close). */
static void unlock_sink(blz_sink *s) {
  blz_storage_settle(s->storage); /* local files finished in this call are landed before it returns */
  int64_t buffered = 0, written = 0;
  for (int i = 0; i < s->nfiles; i++) {
    buffered += blz_writer_buffered_bytes(s->files[i].w);
    written += blz_writer_bytes_written(s->files[i].w);
  }
  pthread_mutex_lock(&s->stats_mu);
  s->gauge_open_files = s->nfiles;
  s->gauge_buffered = buffered;
  s->gauge_open_bytes = written + buffered;
  pthread_mutex_unlock(&s->stats_mu);
  tls_holding = NULL;
  pthread_mutex_unlock(&s->mu);
  run_deferred_hooks(s);
}

blz_status blz_sink_write(blz_sink *s, const struct ArrowArray *batch, const char *source_file,
                          blz_error *err) {
  pthread_mutex_lock(&s->stats_mu);
  s->batches_in++;
  s->rows_in += batch->length;
  pthread_mutex_unlock(&s->stats_mu);
  lock_sink(s);
  blz_status st = sink_write_locked(s, batch, source_file, err);
  unlock_sink(s);
  return st;
}

blz_status blz_sink_tick(blz_sink *s, blz_error *err) {
  lock_sink(s);
  int64_t now = now_ms(s);
  blz_status first = BLZ_OK;
  for (int i = s->nfiles - 1; i >= 0; i--) {
    open_file *f = &s->files[i];
    bool idle = now - f->last_ms >= s->cfg.inactivity_timeout_secs * 1000;
    bool old = now - f->first_ms >= s->cfg.rollover_timeout_secs * 1000;
    if (idle || old) {
      blz_status st = finish_file(s, i, err);
      if (st && !first) first = st;
    }
  }
  unlock_sink(s);
  return first;
}

blz_status blz_sink_close(blz_sink *s, blz_error *err) {
  lock_sink(s);
  finish_all(s, NULL); /* a failure shows in finish_file, which counts it */
  blz_storage_drain(s->storage);
  blz__crash_point("closed");
  pthread_mutex_lock(&s->stats_mu);
  blz_status st = BLZ_OK;
  if (s->failed) {
    st = s->first_failure.code ? s->first_failure.code : BLZ_EIO;
    if (err) {
      *err = s->first_failure;
      if (s->failed > 1) blz_error_prefix(err, "%lld files could not be stored; first", (long long)s->failed);
    }
  }
  pthread_mutex_unlock(&s->stats_mu);
  unlock_sink(s);
  return st;
}

void blz_sink_totals(const blz_sink *s, int64_t *files, int64_t *rows, int64_t *bytes,
                     int64_t *failed_files) {
  blz_sink_stats st;
  blz_sink_get_stats((blz_sink *)s, &st); /* reads counters only */
  if (files) *files = st.files_written;
  if (rows) *rows = st.rows_written;
  if (bytes) *bytes = st.bytes_written;
  if (failed_files) *failed_files = st.files_failed;
}

void blz_sink_destroy(blz_sink *s) {
  if (!s) return;
  for (int i = 0; i < s->nfiles; i++) {
    blz_object_abort(s->files[i].obj);
    blz_writer_destroy(s->files[i].w);
    free(s->files[i].prefix);
    free(s->files[i].relpath);
    free(s->files[i].source);
  }
  free(s->files);
  clear_groups(s);
  free(s->groups);
  blz_buf_free(&s->key);
  free(s->source);
  blz_landed_clear(&s->landed);
  free(s->data_cols);
  free(s->data_fields);
  blz_partitioner_destroy(s->part);
  blz_writer_destroy(s->validator);
  blz_storage_destroy(s->storage); /* waits for queued uploads, whose completions use the sink */
  if (s->schema.release) s->schema.release(&s->schema);
  pthread_mutex_destroy(&s->mu);
  pthread_mutex_destroy(&s->stats_mu);
  for (size_t k = 0; s->encs && k < s->wopts.n_column_encodings; k++) free((char *)s->encs[k].column);
  for (size_t k = 0; s->blooms && k < s->wopts.n_bloom_filter_columns; k++) free(s->blooms[k]);
  free(s->blooms);
  for (size_t k = 0; s->sorts && k < s->wopts.n_sort_by; k++) free(s->sorts[k]);
  free(s->sorts);
  free(s->encs);
  blz_pool_destroy(s->pool); /* after the writers that borrow it */
  for (int i = 0; i < s->ndeferred; i++) free_finished(&s->deferred[i]);
  free(s->deferred);
  free(s);
}

void blz_sink_get_stats(blz_sink *s, blz_sink_stats *out) {
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&s->stats_mu);
  out->open_files = s->gauge_open_files;
  out->buffered_bytes = s->gauge_buffered;
  out->open_bytes = s->gauge_open_bytes;
  out->files_written = s->files_done;
  out->rows_written = s->rows_done;
  out->bytes_written = s->bytes_done;
  out->files_failed = s->failed;
  out->batches_received = s->batches_in;
  out->rows_received = s->rows_in;
  out->row_groups_written = s->row_groups;
  out->staging_files_written = s->staging_done;
  memcpy(out->write_duration_buckets, s->dur_buckets, sizeof s->dur_buckets);
  out->write_duration_sum = s->dur_sum;
  out->write_duration_count = s->dur_count;
  out->rows_skipped = s->rows_skipped;
  pthread_mutex_unlock(&s->stats_mu);
  blz_s3_counters c = blz_storage_counters(s->storage, &out->active_uploads);
  out->active_multipart_parts = c.active_parts;
  out->multipart_uploads = c.multipart_uploads;
  out->upload_retries = c.retries;
  out->upload_failures = c.failures;
  out->bytes_uploaded = c.bytes_uploaded;
  memcpy(out->retries_by_reason, c.retries_by_reason, sizeof c.retries_by_reason);
  memcpy(out->failures_by_reason, c.failures_by_reason, sizeof c.failures_by_reason);
}
