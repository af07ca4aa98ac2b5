/* writer.c — the public Parquet writer: batches in, row groups flushed by size, footer at close. */
#include "footer.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "../common/blz_pool.h"
#include "delta_stats.h"
#include "out_thread.h"
#include "sort.h"
#include "writer_internal.h"

#include "../arrow/ipc_internal.h"
#include "../arrow/ipc_schema_writer.h"
#include "nested.h"

#define SLICE_ROWS 8192
#define MIN_RUN 512 /* rows of a selection gathered as a slice of their own (fill_chunk) */

struct blz_writer {
  blz_writer_options opts;
  blz_output sink;
  int ncols;                 /* leaf columns */
  blz_column *cols;          /* = plan.leaves */
  int nfields;               /* top-level fields */
  blz_schema_plan plan;
  struct ArrowSchema schema; /* our copy, for checking nested arrays */
  int64_t offset;      /* bytes handed to the sink */
  int64_t rows;        /* rows accepted, open row group included */
  int64_t rg_rows;     /* rows in the open row group */
  blz_rowgroup_meta *rgs;
  int nrgs, cap_rgs;
  /* columns are encoded as tasks on the pool (or on the caller when there is none); each task
   * reports into its column's slot, and the lowest failing column names the error, so what is
   * written and what is reported do not depend on timing */
  blz_pool *pool;
  bool own_pool;
  bool call_buffers_shared; /* gives back its per-call buffers when each call returns (sink) */
  bool trusted_input;       /* batches were validated by the caller (the sink): no value checks */
  blz_scratch *scratch;      /* one per pool participant: shared by the columns it encodes */
  int nscratch;
  blz_buf *dict_pages;       /* per column, while a row group is flushed */
  blz_buf *blooms;           /* per column: its chunk's bloom filter, same */
  /* with a pool of its own, the writer hands each row group to an output thread and encodes the
   * next one into a second set of chunk buffers (swapped per column at every flush) */
  blz_out_thread *out;
  blz_segs *spare_chunks;
  blz_buf *spare_dict_pages, *spare_blooms;
  blz_out_piece *pieces;
  int cap_pieces;
  blz_status *col_st;
  blz_error *col_err;
  /* a batch's last chunk before close (blz__writer_write_last): the columns whose chunk is
   * finished, and the next one to place in the file (emit_ready, under emit_mu) */
  pthread_mutex_t emit_mu;
  bool *emit_done;
  int emit_next;
  /* the file's last row group (blz__writer_write_last): no row group reuses a column's chunk
   * buffers after it, so each is freed once written, and the next column's chunk takes the same
   * memory from malloc instead of fresh pages; so do its dictionary and working buffers (wide
   * table, 1 thread: 6,693 -> 1,289 page faults) */
  bool emit_final;
  blz_status emit_st;
  blz_error emit_err;
  /* with a pool: the order column tasks are taken in, costliest first (measured time of each
   * column's recent tasks), so the longest column does not start last; scheduling only */
  int *order;
  double *cost;
  blz_kv *kv;
  int nkv;
  int64_t footer_estimate; /* metadata and page index of the row groups flushed so far */
  /* sort_by: the key columns, and every column's kept rows of the open row group */
  int *sort_keys;
  int nsort;
  blz_kept *kept;
  bool closed, failed;
  blz_error failure; /* why a flush of several writers failed this one, for its close to say */
};

void blz_writer_options_init(blz_writer_options *o) {
  memset(o, 0, sizeof *o);
  o->compression = BLZ_COMPRESSION_SNAPPY;
  o->row_group_size_bytes = 128 << 20;
  o->data_page_size = 1 << 20;
  o->data_page_row_limit = 20000;
  o->dictionary_page_size_limit = 1 << 20;
  o->enable_dictionary = 1;
  o->statistics_truncate_length = 64;
  o->data_page_version = 1;
  o->write_page_index = 1;
  o->threads = 1;
  o->validate_utf8 = 1;
}

/* Waits until the output thread has written everything queued (no-op without one). */
static blz_status drain_output(blz_writer *w, blz_error *err) {
  if (!w->out) return BLZ_OK;
  blz_status st = blz_out_thread_wait(w->out, err);
  if (st) w->failed = true;
  return st;
}

static blz_status emit(blz_writer *w, const void *p, size_t n, blz_error *err) {
  if (n == 0) return BLZ_OK;
  blz_status st = w->sink.write(w->sink.ctx, p, n, err);
  if (st) {
    w->failed = true;
    return st;
  }
  w->offset += (int64_t)n;
  return BLZ_OK;
}

/* Per-column encodings from the options: each names a leaf (dotted path for nested ones). The
 * caller's array is not kept. */
static blz_status apply_column_encodings(blz_writer *w, blz_error *err) {
  const blz_column_encoding *ce = w->opts.column_encodings;
  size_t n = w->opts.n_column_encodings;
  w->opts.column_encodings = NULL;
  w->opts.n_column_encodings = 0;
  if (n && !ce) return blz_fail(err, BLZ_EINVAL, "n_column_encodings is %zu but column_encodings is NULL", n);
  for (size_t k = 0; k < n; k++) {
    if (!ce[k].column) return blz_fail(err, BLZ_EINVAL, "column_encodings[%zu]: no column name", k);
    if (!strcmp(blz_encoding_name(ce[k].encoding), "unknown"))
      return blz_fail(err, BLZ_EINVAL, "column %s: unknown encoding %d", ce[k].column, (int)ce[k].encoding);
    int found = 0;
    for (int i = 0; i < w->ncols; i++)
      if (!strcmp(w->cols[i].name, ce[k].column)) {
        BLZ_TRY(blz_column_set_encoding(&w->cols[i], ce[k].encoding, err));
        found++;
      }
    if (!found) return blz_fail(err, BLZ_EINVAL, "column_encodings: no column named '%s'", ce[k].column);
  }
  /* bloom filters: named columns, or all that can take one */
  const char *const *bf = w->opts.bloom_filter_columns;
  size_t nbf = w->opts.n_bloom_filter_columns;
  w->opts.bloom_filter_columns = NULL;
  w->opts.n_bloom_filter_columns = 0;
  if (!(w->opts.bloom_filter_fpp >= 0 && w->opts.bloom_filter_fpp < 1))
    return blz_fail(err, BLZ_EINVAL, "bloom_filter_fpp %g: between 0 and 1 (0: 0.01)", w->opts.bloom_filter_fpp);
  if (nbf && !bf) return blz_fail(err, BLZ_EINVAL, "n_bloom_filter_columns is %zu but bloom_filter_columns is NULL", nbf);
  for (int i = 0; i < w->ncols && w->opts.bloom_filter_all; i++)
    w->cols[i].bloom_on = w->cols[i].t.phys != PQ_BOOLEAN && w->cols[i].t.src != SRC_NULL;
  for (size_t k = 0; k < nbf; k++) {
    int found = 0;
    for (int i = 0; bf[k] && i < w->ncols; i++)
      if (!strcmp(w->cols[i].name, bf[k])) {
        if (w->cols[i].t.phys == PQ_BOOLEAN || w->cols[i].t.src == SRC_NULL)
          return blz_fail(err, BLZ_EINVAL, "column %s: a bloom filter does not apply to boolean or null columns", bf[k]);
        w->cols[i].bloom_on = true;
        found++;
      }
    if (!found) return blz_fail(err, BLZ_EINVAL, "bloom_filter_columns: no column named '%s'", bf[k] ? bf[k] : "(null)");
  }
  return BLZ_OK;
}

/* The pool (unless the sink lent one), a scratch per participant and the per-column slots. */
/* sort_by: resolves the key columns (top-level, flat, ordered types) and the kept-row stores. */
static blz_status setup_sort(blz_writer *w, blz_error *err) {
  size_t n = w->opts.n_sort_by;
  const char *const *names = w->opts.sort_by;
  w->opts.sort_by = NULL; /* borrowed: not kept */
  w->opts.n_sort_by = 0;
  if (n == 0) return BLZ_OK;
  if (!names || n > 64) return blz_fail(err, BLZ_EINVAL, "sort_by: 1 to 64 column names");
  w->sort_keys = calloc(n, sizeof *w->sort_keys);
  w->kept = calloc((size_t)w->ncols, sizeof *w->kept);
  if (!w->sort_keys || !w->kept) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  for (size_t k = 0; k < n; k++) {
    int found = -1;
    for (int i = 0; i < w->ncols && found < 0; i++)
      if (!w->cols[i].path && names[k] && !strcmp(w->cols[i].name, names[k])) found = i;
    if (found < 0)
      return blz_fail(err, BLZ_EINVAL, "sort_by: '%s' is not a top-level column (nested columns cannot be sort keys)",
                      names[k] ? names[k] : "(null)");
    if (!blz_sort_key_ok(&w->cols[found])) {
      char tn[128];
      blz_arrow_type_name(w->schema.children[w->cols[found].top], tn, sizeof tn);
      return blz_fail(err, BLZ_EINVAL, "sort_by: column %s of type %s cannot be a sort key (integers, floats, "
                      "strings, binary, booleans, dates, times and timestamps can)", names[k], tn);
    }
    w->sort_keys[w->nsort++] = found;
  }
  return BLZ_OK;
}

static blz_status setup_threads(blz_writer *w, blz_error *err) {
  int threads = w->pool ? 1 : w->opts.threads;
  if (threads < 0 || threads > 1024) return blz_fail(err, BLZ_EINVAL, "threads %d: 0 (one per core) or 1..1024", threads);
  if (threads == 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    threads = n > 0 && n <= 1024 ? (int)n : 1;
  }
  if (!w->pool && threads > 1 && w->ncols > 1) {
    BLZ_TRY(blz_pool_create(threads, &w->pool, err));
    w->own_pool = true;
  }
  w->nscratch = blz_pool_threads(w->pool);
  if (w->nscratch > 1) {
    w->order = malloc((size_t)w->ncols * sizeof *w->order);
    w->cost = calloc((size_t)w->ncols + 1, sizeof *w->cost);
    if (!w->order || !w->cost) return blz_fail(err, BLZ_ENOMEM, "out of memory");
    for (int i = 0; i < w->ncols; i++) w->order[i] = i;
  }
  size_t n = (size_t)w->ncols + 1;
  w->scratch = calloc((size_t)w->nscratch, sizeof *w->scratch);
  w->dict_pages = calloc(n, sizeof *w->dict_pages);
  w->blooms = calloc(n, sizeof *w->blooms);
  w->col_st = calloc(n, sizeof *w->col_st);
  w->col_err = calloc(n, sizeof *w->col_err);
  w->emit_done = calloc(n, sizeof *w->emit_done);
  if (!w->scratch || !w->dict_pages || !w->blooms || !w->col_st || !w->col_err || !w->emit_done)
    return blz_fail(err, BLZ_ENOMEM, "out of memory");
  /* the first worker's compressor now: a level out of range is refused here, not at a flush */
  BLZ_TRY(blz_codec_create(w->opts.compression, w->opts.compression_level, &w->scratch[0].codec, err));
  if (w->own_pool) {
    w->spare_chunks = calloc(n, sizeof *w->spare_chunks);
    w->spare_dict_pages = calloc(n, sizeof *w->spare_dict_pages);
    w->spare_blooms = calloc(n, sizeof *w->spare_blooms);
    if (!w->spare_chunks || !w->spare_dict_pages || !w->spare_blooms) return blz_fail(err, BLZ_ENOMEM, "out of memory");
    BLZ_TRY(blz_out_thread_start(&w->sink, &w->out, err));
  }
  return BLZ_OK;
}

/* After a batch of column tasks: the error of the lowest failing column, if any. */
static blz_status first_failure(const blz_writer *w, blz_error *err) {
  for (int i = 0; i < w->ncols; i++)
    if (w->col_st[i]) {
      if (err) *err = w->col_err[i];
      return w->col_st[i];
    }
  return BLZ_OK;
}

blz_status blz_writer_create(const struct ArrowSchema *schema, const blz_writer_options *opts,
                             const blz_output *sink, blz_writer **out, blz_error *err) {
  return blz__writer_create_on_pool(schema, opts, sink, NULL, out, err);
}

blz_status blz__writer_create_on_pool(const struct ArrowSchema *schema, const blz_writer_options *opts,
                                      const blz_output *sink, blz_pool *pool, blz_writer **out,
                                      blz_error *err) {
  *out = NULL;
  if (!schema || !schema->format || strcmp(schema->format, "+s") != 0)
    return blz_fail(err, BLZ_EINVAL, "the schema must be a struct (format '+s') of columns");
  if (!sink || !sink->write) return blz_fail(err, BLZ_EINVAL, "no sink given");
  if (schema->n_children < 0 || schema->n_children > 100000 || (schema->n_children > 0 && !schema->children))
    return blz_fail(err, BLZ_EINVAL, "bad column count %lld or missing children", (long long)schema->n_children);
  blz_writer *w = calloc(1, sizeof *w);
  if (!w) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  if (opts) w->opts = *opts;
  else blz_writer_options_init(&w->opts);
  w->pool = pool; /* borrowed; NULL: the writer makes its own if opts->threads asks for one */
  pthread_mutex_init(&w->emit_mu, NULL);
  blz_status st = BLZ_OK;
  if (w->opts.data_page_version != 1 && w->opts.data_page_version != 2) {
    st = blz_fail(err, BLZ_EINVAL, "data page version %d: only 1 and 2 exist", w->opts.data_page_version);
    goto fail;
  }
  if (w->opts.encoding_profile != BLZ_PROFILE_COMPATIBLE && w->opts.encoding_profile != BLZ_PROFILE_COMPACT) {
    st = blz_fail(err, BLZ_EINVAL, "unknown encoding profile %d", (int)w->opts.encoding_profile);
    goto fail;
  }
  if (w->opts.row_group_size_bytes <= 0 || w->opts.data_page_size <= 0 ||
      w->opts.dictionary_page_size_limit <= 0) {
    st = blz_fail(err, BLZ_EINVAL, "row group, page and dictionary sizes must be positive");
    goto fail;
  }
  w->sink = *sink;
  w->nfields = (int)schema->n_children;
  /* the plan names a bad field precisely; the copy is taken once the schema is known good */
  st = blz_schema_plan_build(schema, &w->opts, &w->plan, err);
  if (!st && ipc_schema_copy(schema, &w->schema)) {
    st = blz_fail(err, BLZ_ENOMEM, "out of memory copying the schema");
    goto fail;
  }
  w->cols = w->plan.leaves;
  w->ncols = w->plan.nleaves;
  if (st) goto fail;
  st = apply_column_encodings(w, err);
  if (st) goto fail;
  st = setup_sort(w, err);
  if (st) goto fail;
  st = setup_threads(w, err);
  if (st) goto fail;
  /* ARROW:schema, as Arrow C++ and arrow-rs write it, lets Arrow readers restore the exact
   * types (date64, timestamp[s], time zones, large and dictionary types) */
  blz_buf ipc = {0}, b64 = {0};
  blz_error ignored;
  if (blz_ipc_write_schema_message(schema, &ipc, &ignored) == BLZ_OK && blz_base64(ipc.data, ipc.len, &b64)) {
    w->kv = calloc(1, sizeof *w->kv);
    if (w->kv) {
      w->kv[0].key = strdup("ARROW:schema");
      w->kv[0].value = (char *)b64.data;
      b64.data = NULL;
      w->nkv = 1;
    }
  }
  blz_buf_free(&ipc);
  blz_buf_free(&b64);
  st = emit(w, "PAR1", 4, err);
  if (st) goto fail;
  *out = w;
  return BLZ_OK;
fail:
  blz_writer_destroy(w);
  return st;
}

/* Checks what the C Data Interface cannot promise: the buffers a type needs are there. */
static blz_status check_array(const blz_column *c, const struct ArrowArray *a, int64_t need,
                              blz_error *err) {
  if (!a || !a->release) return blz_fail(err, BLZ_EINVAL, "column %s: array missing or released", c->name);
  if (a->length < need || a->offset < 0)
    return blz_fail(err, BLZ_EINVAL, "column %s: array of %lld rows (offset %lld), batch needs %lld",
                    c->name, (long long)a->length, (long long)a->offset, (long long)need);
  if (c->t.src == SRC_NULL) return BLZ_OK;
  if (c->t.ree) { /* no buffers of its own: run ends and values are checked as they are read */
    if (a->n_children != 2 || !a->children || !a->children[0] || !a->children[1])
      return blz_fail(err, BLZ_EINVAL, "column %s: run_end_encoded array needs two children", c->name);
    return BLZ_OK;
  }
  int64_t want = 2;
  blz_src s = c->t.dict_encoded ? c->t.index_src : c->t.src;
  if (!c->t.dict_encoded && (s == SRC_BIN32 || s == SRC_BIN64)) want = 3;
  if (!c->t.dict_encoded && s == SRC_VIEW) want = 3;
  if (a->n_buffers < want || !a->buffers)
    return blz_fail(err, BLZ_EINVAL, "column %s: %lld buffers, %lld expected", c->name,
                    (long long)a->n_buffers, (long long)want);
  if (a->null_count != 0 && a->buffers[0] == NULL && a->null_count > 0)
    return blz_fail(err, BLZ_EINVAL, "column %s: null_count %lld but no validity bitmap", c->name,
                    (long long)a->null_count);
  for (int64_t b = 1; b < want; b++)
    if (!a->buffers[b] && a->length > 0)
      return blz_fail(err, BLZ_EINVAL, "column %s: buffer %lld is NULL", c->name, (long long)b);
  if (c->t.dict_encoded) {
    const struct ArrowArray *d = a->dictionary;
    if (!d || d->n_buffers < 2 || !d->buffers) return blz_fail(err, BLZ_EINVAL, "column %s: dictionary missing", c->name);
    int64_t dw = (c->t.src == SRC_BIN32 || c->t.src == SRC_BIN64 || c->t.src == SRC_VIEW) ? 3 : 2;
    if (d->n_buffers < dw) return blz_fail(err, BLZ_EINVAL, "column %s: dictionary has too few buffers", c->name);
    for (int64_t b = 1; b < dw; b++)
      if (!d->buffers[b] && d->length > 0) return blz_fail(err, BLZ_EINVAL, "column %s: dictionary buffer %lld is NULL", c->name, (long long)b);
  }
  return BLZ_OK;
}

/* A flat column declared non-nullable has no definition levels: a null in its rows would leave
 * the page with fewer values than rows (a file readers refuse), so it is refused here, naming the
 * row, as Arrow C++ refuses it. Dictionary and run-end encoded columns are counted as gathered
 * (see check_task). */
static blz_status check_required(const blz_column *c, const struct ArrowArray *a, int64_t first, int64_t n,
                                 blz_error *err) {
  if (c->max_def || c->t.src == SRC_NULL || c->t.dict_encoded || c->t.ree) return BLZ_OK;
  if (!a->buffers[0] || a->null_count == 0) return BLZ_OK;
  const uint8_t *bits = a->buffers[0];
  for (int64_t i = 0; i < n; i++)
    if (!blz_bit(bits, a->offset + first + i))
      return blz_fail(err, BLZ_EINVAL, "column %s: row %lld: a null in a column declared non-nullable", c->name,
                      (long long)i);
  return BLZ_OK;
}

/* Every top-level field's array: flat ones as their column needs, nested ones recursively. */
static blz_status check_batch(blz_writer *w, const struct ArrowArray *batch, blz_error *err) {
  int64_t need = batch->offset + batch->length;
  for (int i = 0; i < w->ncols; i++) {
    blz_column *c = &w->cols[i];
    if (c->path) continue; /* nested: blz_check_nested below, the walk refuses a null item */
    BLZ_TRY(check_array(c, batch->children[c->top], need, err));
    BLZ_TRY(check_required(c, batch->children[c->top], batch->offset, batch->length, err));
  }
  for (int f = 0; f < w->nfields; f++) {
    const struct ArrowSchema *fs = w->schema.children[f];
    BLZ_TRY(blz_check_nested(fs, batch->children[f], need, fs->name ? fs->name : "", err));
  }
  return BLZ_OK;
}

static void finish_task(void *ctx, int i, int worker) {
  blz_writer *w = ctx;
  blz_rowgroup_meta *rg = &w->rgs[w->nrgs - 1];
  w->col_st[i] = blz_column_finish_chunk(&w->cols[i], &w->scratch[worker], &w->dict_pages[i], &w->blooms[i],
                                         &rg->chunks[i], &w->col_err[i]);
}

typedef struct sorted_job {
  blz_writer *w;
  const int64_t *perm;
  int64_t rows;
} sorted_job;

static void sorted_feed_task(void *ctx, int i, int worker) {
  sorted_job *j = ctx;
  blz_writer *w = j->w;
  w->col_st[i] = blz_kept_feed(&w->cols[i], &w->kept[i], j->perm, j->rows, &w->scratch[worker], &w->col_err[i]);
  blz_kept_reset(&w->kept[i], false);
}

/* sort_by: the kept rows in key order, fed to every column (a task per column). */
static blz_status feed_sorted(blz_writer *w, blz_error *err) {
  int64_t rows = w->kept[0].rows;
  int64_t *perm = malloc((size_t)(rows + 1) * sizeof *perm);
  if (!perm || !blz_sort_rows(w->cols, w->kept, w->sort_keys, w->nsort, w->opts.sort_nulls_first != 0, rows, perm)) {
    free(perm);
    return blz_fail(err, BLZ_ENOMEM, "out of memory sorting a row group");
  }
  sorted_job job = {w, perm, rows};
  blz_pool_run(w->pool, w->ncols, sorted_feed_task, &job);
  free(perm);
  return first_failure(w, err);
}

/* A row-group flush in three steps, so that several writers sharing a pool can finish their
 * columns in one pool run (blz__writers_flush_row_groups): flush_begin records the row group,
 * finish_task finishes each column's chunk, flush_end writes the chunks in column order. */
static blz_status flush_begin(blz_writer *w, blz_error *err) {
  if (w->kept) BLZ_TRY(feed_sorted(w, err));
  if (w->nrgs == w->cap_rgs) {
    int cap = w->cap_rgs ? w->cap_rgs * 2 : 8;
    blz_rowgroup_meta *r = realloc(w->rgs, (size_t)cap * sizeof *r);
    if (!r) return blz_fail(err, BLZ_ENOMEM, "out of memory");
    w->rgs = r;
    w->cap_rgs = cap;
  }
  blz_rowgroup_meta *rg = &w->rgs[w->nrgs];
  memset(rg, 0, sizeof *rg);
  rg->chunks = calloc((size_t)w->ncols + 1, sizeof *rg->chunks);
  if (!rg->chunks) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  w->nrgs++;
  rg->num_rows = w->rg_rows;
  rg->file_offset = w->offset;
  return BLZ_OK;
}

/* Column i's finished chunk (dictionary page, data pages, bloom filter) placed at the file's
 * current end: its offsets recorded, its bytes written here or queued for the output thread (its
 * buffers swapped with the spare set, which the next row group encodes into). Columns go in
 * order, one at a time: from flush_end, or from the workers finishing the last chunk
 * (emit_ready). */
static blz_status emit_chunk(blz_writer *w, int i, blz_error *err) {
  blz_rowgroup_meta *rg = &w->rgs[w->nrgs - 1];
  blz_column *c = &w->cols[i];
  blz_chunk_meta *m = &rg->chunks[i];
  const blz_buf *dp = &w->dict_pages[i];
  m->start = w->offset;
  m->dict_page_offset = dp->len ? w->offset : -1;
  m->data_page_offset = w->offset + (int64_t)dp->len;
  for (int k = 0; k < m->npages; k++) m->pages[k].offset += m->data_page_offset;
  if (w->out) {
    int need = 2 + c->chunk.n;
    if (need > w->cap_pieces) {
      blz_out_piece *p = realloc(w->pieces, (size_t)need * sizeof *p);
      if (!p) return blz_fail(err, BLZ_ENOMEM, "out of memory");
      w->pieces = p;
      w->cap_pieces = need;
    }
    int np = 0;
    blz_segs ts = c->chunk;
    blz_buf tb = w->dict_pages[i], tf = w->blooms[i];
    bool own = w->emit_final; /* the output thread frees each buffer once written */
    w->pieces[np++] = (blz_out_piece){tb.data, tb.len, own ? tb.data : NULL};
    w->offset += (int64_t)tb.len;
    for (int k = 0; k < ts.n; k++) {
      w->pieces[np++] = (blz_out_piece){ts.seg[k].data, ts.seg[k].len, own ? ts.seg[k].data : NULL};
      w->offset += (int64_t)ts.seg[k].len;
    }
    if (tf.len) {
      m->bloom_offset = w->offset, m->bloom_length = (int32_t)tf.len;
      w->pieces[np++] = (blz_out_piece){tf.data, tf.len, own ? tf.data : NULL};
      w->offset += (int64_t)tf.len;
    }
    if (own) {
      /* what was queued is the output thread's now; the rest is freed below with the column's
       * buffers */
      for (int k = 0; k < ts.n; k++) ts.seg[k] = (blz_buf){0};
      w->dict_pages[i] = (blz_buf){0};
      if (tf.len) w->blooms[i] = (blz_buf){0};
    } else {
      /* swapped with the spare set, which the next row group encodes into */
      c->chunk = w->spare_chunks[i];
      w->spare_chunks[i] = ts;
      w->dict_pages[i] = w->spare_dict_pages[i];
      w->spare_dict_pages[i] = tb;
      w->blooms[i] = w->spare_blooms[i];
      w->spare_blooms[i] = tf;
    }
    c->chunk.n = 0; /* reset_chunk resets the rest */
    blz_status st = blz_out_thread_submit(w->out, w->pieces, np, i == w->ncols - 1, err); /* the row group's last */
    for (int k = 0; st && k < np; k++) free(w->pieces[k].owned); /* not queued: nobody else frees them */
    if (st) return st;
  } else {
    BLZ_TRY(emit(w, dp->data, dp->len, err));
    for (int k = 0; k < c->chunk.n; k++) BLZ_TRY(emit(w, c->chunk.seg[k].data, c->chunk.seg[k].len, err));
    /* the bloom filter right after its chunk: none is held until the file ends */
    if (w->blooms[i].len) {
      m->bloom_offset = w->offset, m->bloom_length = (int32_t)w->blooms[i].len;
      BLZ_TRY(emit(w, w->blooms[i].data, w->blooms[i].len, err));
    }
  }
  rg->total_byte_size += m->total_uncompressed;
  rg->total_compressed += m->total_compressed;
  /* column metadata with statistics, and per page an index entry with its bounds */
  w->footer_estimate += 160 + (int64_t)m->npages * (48 + (int64_t)(m->stats.min_len + m->stats.max_len));
  if (w->emit_final) {
    /* no row group follows: what the chunk used is freed for the next column to reuse (the
     * dictionary freed rather than cleared), then by blz_column_trim its segments, gathered values
     * and page buffers */
    blz_buf_free(&w->dict_pages[i]), blz_buf_free(&w->blooms[i]);
    blz_dict_free(&c->dict);
  }
  blz_column_reset_chunk(c);
  if (w->emit_final) blz_column_trim(c);
  return BLZ_OK;
}

static blz_status flush_end(blz_writer *w, blz_error *err) {
  BLZ_TRY(first_failure(w, err));
  /* ... then written in column order: here, or by the output thread while the next row group is
   * encoded into the other set of buffers */
  BLZ_TRY(drain_output(w, err)); /* the other set is free again */
  for (int i = 0; i < w->ncols; i++) {
    blz_status st = emit_chunk(w, i, err);
    if (st) {
      w->failed = true;
      return st;
    }
  }
  w->rg_rows = 0;
  return BLZ_OK;
}

/* Column i's chunk is finished (or failed): the columns finished in order from the next one to
 * place are placed, until one is missing or failed. Runs on the worker that finished column i. */
static void emit_ready(blz_writer *w, int i) {
  pthread_mutex_lock(&w->emit_mu);
  w->emit_done[i] = true;
  while (!w->emit_st && w->emit_next < w->ncols && w->emit_done[w->emit_next]) {
    int k = w->emit_next++;
    if (w->col_st[k]) w->emit_st = w->col_st[k]; /* first_failure names it */
    else w->emit_st = emit_chunk(w, k, &w->emit_err);
  }
  pthread_mutex_unlock(&w->emit_mu);
}

static blz_status flush_row_group(blz_writer *w, blz_error *err) {
  if (w->rg_rows == 0) return BLZ_OK;
  BLZ_TRY(flush_begin(w, err));
  /* the last page and the dictionary page of every column, compressed in parallel ... */
  blz_pool_run(w->pool, w->ncols, finish_task, w);
  return flush_end(w, err);
}

static int64_t estimated_rg_size(const blz_writer *w) {
  int64_t s = 0;
  for (int i = 0; i < w->ncols; i++) s += blz_column_estimated_size(&w->cols[i]);
  for (int i = 0; w->kept && i < w->ncols; i++) s += blz_kept_memory(&w->kept[i]); /* sort_by: held rows */
  return s;
}

/* One slice of a chunk: rows first..first+len of the batch, or the selection sel[0..len). */
typedef struct slice_desc {
  const int64_t *sel;
  int64_t first, len;
} slice_desc;

/* A chunk of a write call: up to MAX_CHUNK_SLICES slices, each column's share encoded as one
 * task (gathered slice by slice into its worker's buffers, then fed), so a column's slice is
 * still in cache when it is fed and the workers meet once per chunk, not twice per slice. */
#define MAX_CHUNK_SLICES 8
#define HELD_BUDGET ((int64_t)8 << 20)
typedef struct chunk_job {
  blz_writer *w;
  const struct ArrowArray *batch;
  slice_desc slice[MAX_CHUNK_SLICES];
  int nslices;
  bool check; /* the columns' values were not validated before: run the value checks */
  bool hold;  /* phase one keeps each slice for phase two (else they share one buffer) */
  bool finish; /* the row group ends with this chunk: each task finishes its column's chunk */
} chunk_job;

static double task_clock(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static blz_status gather_slice(blz_column *c, const struct ArrowArray *batch, const slice_desc *d,
                               int64_t *entries, size_t *nvals, blz_error *e) {
  const struct ArrowArray *a = batch->children[c->top];
  int64_t base = batch->offset;
  *entries = d->len;
  if (c->path)
    return d->sel ? blz_column_gather_nested(c, a, base, d->sel, d->len, entries, nvals, e)
                  : blz_column_gather_nested(c, a, base + d->first, NULL, d->len, entries, nvals, e);
  return d->sel ? blz_column_gather_rows(c, a, base, d->sel, d->len, nvals, e)
                : blz_column_gather(c, a, base + d->first, d->len, nvals, e);
}

/* Whether a column's values can be refused (see blz_writer_validate). */
static bool needs_value_checks(const blz_writer *w, const blz_coltype *t);

/* Swaps the column's gather buffers with a held slice's: phase one's slices, or while a task
 * runs its worker's (blz_scratch.gathered), so gather memory does not grow with the column count. */
static void swap_held(blz_column *c, blz_held_slice *h) {
  blz_buf t = c->def;
  c->def = h->def, h->def = t;
  t = c->rep, c->rep = h->rep, h->rep = t;
  t = c->dense, c->dense = h->dense, h->dense = t;
  t = c->src, c->src = h->src, h->src = t;
  const uint8_t *v = c->vals;
  c->vals = h->vals, h->vals = v;
}

/* Whether phase one checks the column's slices where they lie (no row selection), so phase two
 * gathers them like any other column's: held slices are memory per column, touched fresh. */
static bool in_place(const blz_column *c, const chunk_job *j) {
  if (!blz_column_checks_in_place(c)) return false;
  for (int s = 0; s < j->nslices; s++)
    if (j->slice[s].sel) return false;
  return true;
}

/* Phase one of a chunk: every column whose values can be refused gathers and checks its slices
 * and holds them for phase two; no column's pages change, so a refused chunk leaves the writer as
 * it was. */
static void check_task(void *ctx, int k, int worker) {
  (void)worker;
  chunk_job *j = ctx;
  blz_writer *w = j->w;
  int i = w->order ? w->order[k] : k;
  blz_column *c = &w->cols[i];
  w->col_st[i] = BLZ_OK;
  if (!c->path && !needs_value_checks(w, &c->t)) return;
  if (in_place(c, j)) {
    const struct ArrowArray *a = j->batch->children[c->top];
    for (int s = 0; s < j->nslices && !w->col_st[i]; s++)
      w->col_st[i] = blz_column_check_in_place(c, a, j->batch->offset + j->slice[s].first, j->slice[s].len,
                                               j->slice[s].first, &w->col_err[i]);
    return;
  }
  int need = j->hold ? j->nslices : 1;
  if (c->nheld < need) {
    blz_held_slice *h = realloc(c->held, (size_t)need * sizeof *h);
    if (!h) {
      w->col_st[i] = blz_fail(&w->col_err[i], BLZ_ENOMEM, "out of memory gathering column %s", c->name);
      return;
    }
    memset(h + c->nheld, 0, (size_t)(need - c->nheld) * sizeof *h);
    c->held = h;
    c->nheld = need;
  }
  for (int s = 0; s < j->nslices && !w->col_st[i]; s++) {
    const slice_desc *d = &j->slice[s];
    blz_held_slice *h = &c->held[j->hold ? s : 0];
    swap_held(c, h); /* gather into the held slice's buffers (kept from chunk to chunk) */
    w->col_st[i] = gather_slice(c, j->batch, d, &h->entries, &h->nvals, &w->col_err[i]);
    if (!w->col_st[i] && !c->max_def && h->nvals != (size_t)h->entries) /* see check_required */
      w->col_st[i] = blz_fail(&w->col_err[i], BLZ_EINVAL, "column %s: a null in a column declared non-nullable "
                              "(a null dictionary entry or run value)", c->name);
    if (!w->col_st[i]) w->col_st[i] = blz_column_check_utf8(c, h->nvals, d->sel, d->first, &w->col_err[i]);
    swap_held(c, h);
  }
}

/* Phase two: each slice gathered and fed into the column's pages (or kept, with sort_by). */
static void encode_task(void *ctx, int k, int worker) {
  chunk_job *j = ctx;
  blz_writer *w = j->w;
  int i = w->order && !j->finish ? w->order[k] : k; /* finishing: in column order, as written */
  blz_column *c = &w->cols[i];
  blz_scratch *sx = &w->scratch[worker];
  double t0 = w->order ? task_clock() : 0;
  blz_status st = BLZ_OK;
  bool held = j->check && (c->path || needs_value_checks(w, &c->t)) && !in_place(c, j); /* gathered by phase one */
  if (!held) swap_held(c, &sx->gathered);
  for (int s = 0; s < j->nslices && !st; s++) {
    int64_t entries;
    size_t nvals;
    if (held) {
      swap_held(c, &c->held[s]);
      entries = c->held[s].entries, nvals = c->held[s].nvals;
    } else {
      st = gather_slice(c, j->batch, &j->slice[s], &entries, &nvals, &w->col_err[i]);
    }
    if (!st && w->kept) /* sort_by: kept until the row group ends */
      st = blz_kept_append(&w->kept[i], c, j->slice[s].len, entries, nvals)
             ? BLZ_OK : blz_fail(&w->col_err[i], BLZ_ENOMEM, "out of memory keeping rows of column %s", c->name);
    else if (!st)
      st = blz_column_feed(c, sx, entries, nvals, &w->col_err[i]);
    if (held) swap_held(c, &c->held[s]);
  }
  if (!held) swap_held(c, &sx->gathered);
  if (!st && j->finish)
    st = blz_column_finish_chunk(c, sx, &w->dict_pages[i], &w->blooms[i], &w->rgs[w->nrgs - 1].chunks[i],
                                 &w->col_err[i]);
  w->col_st[i] = st;
  if (w->order) w->cost[i] = 0.75 * w->cost[i] + 0.25 * (task_clock() - t0);
  if (j->finish) emit_ready(w, i);
}

typedef struct cost_rank {
  double cost;
  int col;
} cost_rank;

static int by_cost(const void *a, const void *b) {
  const cost_rank *x = a, *y = b;
  return x->cost < y->cost ? 1 : x->cost > y->cost ? -1 : x->col - y->col;
}

/* Re-ranks the columns by their recent cost, costliest first. */
static void rank_columns(blz_writer *w) {
  cost_rank *r = malloc((size_t)w->ncols * sizeof *r);
  if (!r) return; /* keep the old order */
  for (int i = 0; i < w->ncols; i++) r[i] = (cost_rank){w->cost[i], i};
  qsort(r, (size_t)w->ncols, sizeof *r, by_cost);
  for (int i = 0; i < w->ncols; i++) w->order[i] = r[i].col;
  free(r);
}

/* A new batch may bring new Arrow dictionaries (or the same buffers with new contents): which
 * of their entries the columns mapped, and which they found valid UTF-8, is forgotten. */
static void forget_arrow_dictionaries(blz_writer *w) {
  for (int i = 0; i < w->ncols; i++)
    if (w->cols[i].t.dict_encoded) w->cols[i].remap.epoch++, w->cols[i].remap.checked_epoch++;
}

/* Bytes per row the batch's flat columns add to their open pages at most (PLAIN values, levels),
 * told from the Arrow arrays before any row is encoded: fixed widths from the type, byte arrays
 * from their offsets (not checked yet: a hostile offset only makes the estimate large). -1 where
 * that takes reading the values (nested leaves, views, Arrow dictionaries, run ends). */
static int64_t arrow_bytes_per_row(const blz_writer *w, const struct ArrowArray *batch) {
  int64_t n = batch->length;
  uint64_t total = 0;
  if (n <= 0) return -1;
  for (int i = 0; i < w->ncols; i++) {
    const blz_column *c = &w->cols[i];
    if (c->path || c->t.dict_encoded || c->t.ree || c->t.src == SRC_VIEW) return -1;
    const struct ArrowArray *a = batch->children[c->top];
    int64_t at = batch->offset + a->offset;
    if (c->t.src == SRC_BIN32 || c->t.src == SRC_BIN64) {
      int64_t lo, hi;
      if (c->t.src == SRC_BIN32) {
        const int32_t *o = a->buffers[1];
        lo = o[at], hi = o[at + n];
      } else {
        const int64_t *o = a->buffers[1];
        lo = o[at], hi = o[at + n];
      }
      uint64_t bytes = hi > lo ? (uint64_t)hi - (uint64_t)lo : 0;
      total += (bytes < ((uint64_t)1 << 60) ? bytes : (uint64_t)1 << 60) + 4 * (uint64_t)n;
    } else {
      total += c->t.phys == PQ_BOOLEAN ? (uint64_t)n / 8 + 1 : (uint64_t)c->width * (uint64_t)n;
    }
    if (c->max_def) total += (uint64_t)n / 8 + 1;
    if (total >= (uint64_t)1 << 61) break;
  }
  return (int64_t)(total / (uint64_t)n) + 1;
}

/* Slices in the next chunk: as many as the row group has room for at the encoded bytes per row
 * seen so far (at a row group's start, the batch's PLAIN size per row), so a row group ends within
 * a slice or so of its target. Large chunks keep a column's work together: a 20,000-row batch of
 * 200 columns taken in one chunk ends every column's page while it is fed, so one set of page
 * buffers per thread serves them all (lend_page_bufs) instead of 200 held open across chunks
 * (page faults 11,200 -> 6,900). */
static int chunk_slices(const blz_writer *w, const struct ArrowArray *batch, const int64_t *rows) {
  int64_t size = estimated_rg_size(w), limit = w->opts.row_group_size_bytes;
  int64_t per_slice;
  if (w->rg_rows > 0) {
    per_slice = size * SLICE_ROWS / w->rg_rows + 1;
  } else {
    int64_t per_row = arrow_bytes_per_row(w, batch);
    if (per_row < 0 || per_row > INT64_MAX / SLICE_ROWS) return 1;
    per_slice = per_row * SLICE_ROWS;
  }
  int64_t k = (limit - size) / per_slice;
  /* the slices phase one holds: at most HELD_BUDGET bytes of gathered values and levels (columns
   * checked where they lie hold none) */
  int64_t held = 0;
  for (int i = 0; i < w->ncols && !w->trusted_input; i++) {
    const blz_column *c = &w->cols[i];
    if (!c->path && !needs_value_checks(w, &c->t)) continue;
    if (!rows && blz_column_checks_in_place(c)) continue;
    int64_t per_row = c->chunk_rows > 0 && c->chunk_entries > c->chunk_rows ? c->chunk_entries / c->chunk_rows + 1 : 1;
    held += per_row * (c->width + 2) * SLICE_ROWS;
  }
  if (held > 0 && HELD_BUDGET / held < k) k = HELD_BUDGET / held;
  return k < 1 ? 1 : k > MAX_CHUNK_SLICES ? MAX_CHUNK_SLICES : (int)k;
}

/* Cuts up to `want` slices of rows [start, n) (of the batch, or of the selection rows[]) into the
 * chunk; returns the rows taken. */
static int64_t fill_chunk(chunk_job *j, const int64_t *rows, int64_t n, int64_t start, int want) {
  int64_t taken = 0;
  while (j->nslices < want && start < n) {
    int64_t len = n - start < SLICE_ROWS ? n - start : SLICE_ROWS;
    if (!rows) {
      j->slice[j->nslices++] = (slice_desc){NULL, start, len};
    } else {
      /* a selection's ascending runs are slices, gathered as such (a partition of time-sorted rows
       * is one run but for the few rows its neighbours interleave at its ends); only the stretches
       * between runs of MIN_RUN rows are gathered row by row */
      const int64_t *sel = rows + start;
      int64_t run = 1;
      while (run < len && sel[run] == sel[run - 1] + 1) run++;
      if (run >= MIN_RUN || run == len) {
        len = run;
        j->slice[j->nslices++] = (slice_desc){NULL, sel[0], len};
      } else {
        int64_t cut = run, cur = 1; /* cur: length of the run ending at cut */
        for (; cut < len && cur < MIN_RUN; cut++) cur = sel[cut] == sel[cut - 1] + 1 ? cur + 1 : 1;
        if (cur >= MIN_RUN) cut -= cur; /* stop where that run starts */
        len = cut;
        j->slice[j->nslices++] = (slice_desc){sel, sel[0], len};
      }
    }
    taken += len;
    start += len;
  }
  return taken;
}

/* What every write call checks first; *n becomes batch->length when rows == NULL. */
static blz_status write_begin(blz_writer *w, const struct ArrowArray *batch, const int64_t *rows,
                              int64_t *n, blz_error *err) {
  if (!w || !batch) return blz_fail(err, BLZ_EINVAL, "NULL writer or batch");
  if (w->closed || w->failed) return blz_fail(err, BLZ_EINVAL, "writer is closed or has failed");
  if (batch->n_children != w->nfields)
    return blz_fail(err, BLZ_EINVAL, "batch has %lld columns, schema has %d",
                    (long long)batch->n_children, w->nfields);
  if (batch->length < 0 || batch->offset < 0)
    return blz_fail(err, BLZ_EINVAL, "batch has negative length or offset");
  if (batch->null_count > 0)
    return blz_fail(err, BLZ_EINVAL, "a record batch cannot have null rows");
  if (w->nfields > 0 && !batch->children) return blz_fail(err, BLZ_EINVAL, "batch has no children array");
  if (rows) {
    for (int64_t i = 0; i < *n; i++)
      if (rows[i] < 0 || rows[i] >= batch->length)
        return blz_fail(err, BLZ_EINVAL, "row %lld outside the batch of %lld rows", (long long)rows[i], (long long)batch->length);
  } else {
    *n = batch->length;
  }
  BLZ_TRY(check_batch(w, batch, err));
  forget_arrow_dictionaries(w);
  return BLZ_OK;
}

/* Phase one of a chunk, when its values were not validated before: bad input is refused here,
 * before any column has changed state. */
static blz_status chunk_check(blz_writer *w, chunk_job *job, blz_error *err) {
  if (!job->check) return BLZ_OK;
  blz_pool_run(w->pool, w->ncols, check_task, job);
  return first_failure(w, err);
}

/* After phase two of a chunk of `taken` rows: its outcome, the rows counted, the row group
 * flushed when it has reached its size. */
static blz_status chunk_done(blz_writer *w, int64_t taken, blz_error *err) {
  blz_status st = first_failure(w, err);
  if (st) {
    w->failed = true;
    return st;
  }
  if (w->order) rank_columns(w);
  w->rows += taken;
  w->rg_rows += taken;
  if (estimated_rg_size(w) >= w->opts.row_group_size_bytes) {
    st = flush_row_group(w, err);
    if (st) w->failed = true;
  }
  return st;
}

/* A value refused in a chunk after the first of a call: the rows before it are encoded already, so
 * the writer fails rather than go on with part of a refused batch in its file. */
static blz_status refused_midway(blz_writer *w, int64_t done, blz_status st, blz_error *err) {
  if (st && done > 0) {
    w->failed = true;
    if (err)
      blz_error_suffix(err, " (%lld rows of this batch were already encoded, so the writer cannot go on: "
                            "blz_writer_validate refuses a batch before any of it is written)", (long long)done);
  }
  return st;
}

/* The last chunk before close, when it can end the row group as it is encoded: each column's task
 * finishes its chunk, and the chunks are placed in the file in column order as they are finished
 * (emit_ready), so the output thread writes the first columns while the workers encode the rest
 * instead of writing the whole row group after them. Same bytes as a flush after the chunk. Not
 * with sort_by (the rows are fed at the flush), nor on a pool shared with other writers. */
static blz_status begin_finishing(blz_writer *w, chunk_job *job, blz_error *err) {
  BLZ_TRY(drain_output(w, err)); /* the previous row group's buffers, which this one's swap in */
  BLZ_TRY(flush_begin(w, err));
  memset(w->emit_done, 0, (size_t)w->ncols * sizeof *w->emit_done);
  w->emit_next = 0;
  w->emit_final = true;
  w->emit_st = BLZ_OK;
  job->finish = true;
  return BLZ_OK;
}

/* After the finishing chunk of `taken` rows: the row group is in the file (or queued for it). */
static blz_status finishing_done(blz_writer *w, int64_t taken, blz_error *err) {
  blz_status st = first_failure(w, err);
  if (!st && w->emit_st) {
    st = w->emit_st;
    if (err) *err = w->emit_err;
  }
  if (st) {
    w->failed = true;
    return st;
  }
  w->rows += taken;
  w->rgs[w->nrgs - 1].num_rows = w->rg_rows + taken;
  w->rg_rows = 0;
  w->emit_final = false;
  return BLZ_OK;
}

/* Writes rows of `batch`: all of them (rows == NULL) or rows[0..n) in that order; `last`: the
 * writer is closed next. */
static blz_status write_impl(blz_writer *w, const struct ArrowArray *batch, const int64_t *rows,
                             int64_t n, bool last, blz_error *err) {
  BLZ_TRY(write_begin(w, batch, rows, &n, err));
  blz_status st = BLZ_OK;
  for (int64_t start = 0; start < n && !st;) {
    chunk_job job = {w, batch, {{0}}, 0, !w->trusted_input, true, false};
    int64_t taken = fill_chunk(&job, rows, n, start, chunk_slices(w, batch, rows));
    st = refused_midway(w, start, chunk_check(w, &job, err), err);
    start += taken;
    if (st) break;
    if (last && start == n && !w->kept && (w->out || !w->pool)) {
      st = begin_finishing(w, &job, err);
      if (st) {
        w->failed = true;
        break;
      }
    }
    blz_pool_run(w->pool, w->ncols, encode_task, &job);
    st = job.finish ? finishing_done(w, taken, err) : chunk_done(w, taken, err);
  }
  return st;
}

/* The buffers a call needs only while it runs: the gathered slices and the workers' scratch. */
static void release_call_buffers(blz_writer *w) {
  if (!w || !w->call_buffers_shared) return;
  for (int i = 0; i < w->ncols; i++) {
    blz_buf_free(&w->cols[i].def), blz_buf_free(&w->cols[i].rep), blz_buf_free(&w->cols[i].dense);
    blz_buf_free(&w->cols[i].src);
    blz_column_free_held(&w->cols[i]);
    w->cols[i].vals = NULL;
  }
  for (int i = 0; i < w->nscratch; i++) blz_scratch_free(&w->scratch[i]);
}

blz_status blz_writer_write(blz_writer *w, const struct ArrowArray *batch, blz_error *err) {
  blz_status st = write_impl(w, batch, NULL, 0, false, err);
  release_call_buffers(w);
  return st;
}

blz_status blz__writer_write_last(blz_writer *w, const struct ArrowArray *batch, blz_error *err) {
  blz_status st = write_impl(w, batch, NULL, 0, true, err);
  release_call_buffers(w);
  return st;
}

blz_status blz_writer_write_rows(blz_writer *w, const struct ArrowArray *batch, const int64_t *rows,
                                 int64_t n, blz_error *err) {
  blz_status st = write_impl(w, batch, rows, n, false, err);
  release_call_buffers(w);
  return st;
}

/* A column task of several writers run together: a row group's finish (w, k = its column; cost:
 * the column's open bytes) or a chunk's encode (job, k = encode_task's index; cost: the column's
 * recent task time). The costliest are taken first, which only schedules: each column's task does
 * the same work on any thread, in any order. */
typedef struct many_task {
  blz_writer *w;
  chunk_job *job;
  int k;
  double cost;
} many_task;

static int by_cost_first(const void *a, const void *b) {
  const many_task *x = a, *y = b;
  return x->cost < y->cost ? 1 : x->cost > y->cost ? -1 : 0;
}

static void flush_many_task(void *ctx, int t, int worker) {
  many_task *m = ctx;
  finish_task(m[t].w, m[t].k, worker);
}

/* A writer's flush_end within blz__writers_flush_row_groups: touches that writer and its sink only. */
static void flush_end_task(void *ctx, int i, int worker) {
  (void)worker;
  blz_writer *w = ((blz_writer **)ctx)[i];
  blz_error e = {0};
  blz_status st = flush_end(w, &e);
  if (!st) st = drain_output(w, &e);
  if (st) w->failed = true, w->failure = e;
  release_call_buffers(w);
}

static void write_many_task(void *ctx, int t, int worker) {
  many_task *m = ctx;
  encode_task(m[t].job, m[t].k, worker);
}

static void check_many_task(void *ctx, int t, int worker) {
  many_task *m = ctx;
  check_task(m[t].job, m[t].k, worker);
}

blz_status blz__writers_flush_row_groups(blz_writer *const *ws, int n, blz_error *err) {
  blz_status first = BLZ_OK;
  int ntasks = 0, nbegun = 0;
  for (int i = 0; i < n; i++) ntasks += ws[i]->ncols;
  many_task *t = malloc(((size_t)ntasks + 1) * sizeof *t);
  blz_writer **begun = malloc(((size_t)n + 1) * sizeof *begun);
  if (!t || !begun) {
    free(t), free(begun);
    return blz_fail(err, BLZ_ENOMEM, "out of memory");
  }
  ntasks = 0;
  for (int i = 0; i < n; i++) {
    blz_writer *w = ws[i];
    blz_error e = {0};
    blz_status st = w->closed || w->failed ? blz_fail(&e, BLZ_EINVAL, "writer is closed or has failed") : BLZ_OK;
    if (!st && w->rg_rows == 0) continue;
    if (!st) st = flush_begin(w, &e);
    if (st) {
      if (!first && err) *err = e;
      if (!first) first = st;
      if (!w->closed && !w->failed) w->failed = true, w->failure = e;
      continue;
    }
    begun[nbegun++] = w;
    for (int c = 0; c < w->ncols; c++)
      t[ntasks++] = (many_task){w, NULL, c, (double)blz_column_estimated_size(&w->cols[c])};
  }
  qsort(t, (size_t)ntasks, sizeof *t, by_cost_first);
  if (nbegun) blz_pool_run(begun[0]->pool, ntasks, flush_many_task, t);
  /* each writer writes its own sink, so the writes (the kernel's copy into each file) run on the
   * pool too; failures are reported in writer order afterwards, not in the order they happened */
  if (nbegun) blz_pool_run(begun[0]->pool, nbegun, flush_end_task, begun);
  for (int i = 0; i < nbegun; i++) {
    blz_writer *w = begun[i];
    if (w->failed && !first) {
      first = w->failure.code ? w->failure.code : BLZ_EIO;
      if (err) *err = w->failure;
    }
  }
  free(t), free(begun);
  return first;
}

blz_status blz__writers_write_rows(blz_writer *const *ws, const struct ArrowArray *batch,
                                   const int64_t *const *rows, const int64_t *n, int count,
                                   blz_status *sts, blz_error *errs) {
  int ntotal = 0;
  for (int i = 0; i < count; i++) ntotal += ws[i]->ncols;
  chunk_job *jobs = calloc((size_t)count + 1, sizeof *jobs);
  int64_t *at = calloc((size_t)count + 1, sizeof *at), *len = calloc((size_t)count + 1, sizeof *len);
  int64_t *taken = calloc((size_t)count + 1, sizeof *taken);
  bool *active = calloc((size_t)count + 1, sizeof *active);
  many_task *tasks = malloc(((size_t)ntotal + 1) * sizeof *tasks);
  many_task *checks = malloc(((size_t)ntotal + 1) * sizeof *checks);
  blz_status first = BLZ_OK;
  if (!jobs || !at || !len || !taken || !active || !tasks || !checks) {
    for (int i = 0; i < count; i++) sts[i] = blz_fail(&errs[i], BLZ_ENOMEM, "out of memory");
    first = BLZ_ENOMEM;
    count = 0;
  }
  for (int i = 0; i < count; i++) {
    len[i] = n[i];
    sts[i] = write_begin(ws[i], batch, rows[i], &len[i], &errs[i]);
  }
  /* the writers advance chunk by chunk together: one pool run for the checks of all their chunks
   * (phase one), then one for the encoding (a run each ended with one thread alone on the largest
   * column's task: the hourly sink's worker waited a quarter of the time, in gaps of 1-5 ms) */
  for (;;) {
    int ntasks = 0, nactive = 0, nchecks = 0;
    for (int i = 0; i < count; i++) {
      active[i] = false;
      if (sts[i] || at[i] >= len[i]) continue;
      blz_writer *w = ws[i];
      jobs[i] = (chunk_job){w, batch, {{0}}, 0, !w->trusted_input, true, false};
      taken[i] = fill_chunk(&jobs[i], rows[i], len[i], at[i], chunk_slices(w, batch, rows[i]));
      active[i] = true;
      if (jobs[i].check)
        for (int k = 0; k < w->ncols; k++)
          checks[nchecks++] = (many_task){w, &jobs[i], k, w->order ? w->cost[w->order[k]] : 0};
    }
    if (nchecks) {
      qsort(checks, (size_t)nchecks, sizeof *checks, by_cost_first);
      blz_pool_run(ws[0]->pool, nchecks, check_many_task, checks);
    }
    for (int i = 0; i < count; i++) {
      if (!active[i]) continue;
      blz_writer *w = ws[i];
      sts[i] = refused_midway(w, at[i], jobs[i].check ? first_failure(w, &errs[i]) : BLZ_OK, &errs[i]);
      at[i] += taken[i];
      if (sts[i]) {
        active[i] = false;
        continue;
      }
      nactive++;
      for (int k = 0; k < w->ncols; k++)
        tasks[ntasks++] = (many_task){w, &jobs[i], k, w->order ? w->cost[w->order[k]] : 0}; /* recent time */
    }
    if (!nactive) break;
    qsort(tasks, (size_t)ntasks, sizeof *tasks, by_cost_first);
    blz_pool_run(ws[0]->pool, ntasks, write_many_task, tasks);
    for (int i = 0; i < count; i++)
      if (active[i]) sts[i] = chunk_done(ws[i], taken[i], &errs[i]);
  }
  for (int i = 0; i < count; i++) {
    release_call_buffers(ws[i]);
    if (sts[i] && !first) first = sts[i];
  }
  free(jobs), free(at), free(len), free(taken), free(active), free(tasks), free(checks);
  return first;
}

blz_status blz_writer_flush_row_group(blz_writer *w, blz_error *err) {
  if (w->closed || w->failed) return blz_fail(err, BLZ_EINVAL, "writer is closed or has failed");
  blz_status st = flush_row_group(w, err);
  if (!st) st = drain_output(w, err); /* written when this returns */
  if (st) w->failed = true;
  release_call_buffers(w);
  return st;
}

blz_status blz__writer_hand_off(blz_writer *w, blz_error *err) {
  if (w->closed || w->failed) return blz_fail(err, BLZ_EINVAL, "writer is closed or has failed");
  blz_status st = flush_row_group(w, err);
  if (st) w->failed = true;
  return st;
}

void blz__writer_share_call_buffers(blz_writer *w) { w->call_buffers_shared = true; }
void blz__writer_trust_input(blz_writer *w) { w->trusted_input = true; }

blz_status blz_writer_close(blz_writer *w, blz_error *err) {
  if (w->failed && w->failure.code) {
    if (err) *err = w->failure;
    return w->failure.code;
  }
  if (w->closed || w->failed) return blz_fail(err, BLZ_EINVAL, "writer is closed or has failed");
  blz_status st = flush_row_group(w, err);
  if (!st) st = drain_output(w, err);
  if (st) {
    w->failed = true;
    return st;
  }
  /* page indexes after the last row group, all ColumnIndexes then all OffsetIndexes (as Arrow C++) */
  blz_buf ci = {0}, oi = {0};
  for (int pass = 0; pass < 2 && !st && w->opts.write_page_index; pass++)
    for (int r = 0; r < w->nrgs && !st; r++)
      for (int i = 0; i < w->ncols && !st; i++) {
        blz_chunk_meta *m = &w->rgs[r].chunks[i];
        ci.len = oi.len = 0;
        if (!blz_page_index_write(&ci, &oi, m)) {
          st = blz_fail(err, BLZ_ENOMEM, "out of memory writing the page index");
          break;
        }
        blz_buf *b = pass == 0 ? &ci : &oi;
        if (b->len == 0) continue;
        if (pass == 0) m->column_index_offset = w->offset, m->column_index_length = (int32_t)b->len;
        else m->offset_index_offset = w->offset, m->offset_index_length = (int32_t)b->len;
        st = emit(w, b->data, b->len, err);
      }
  blz_buf_free(&ci);
  blz_buf_free(&oi);
  if (st) {
    w->failed = true;
    return st;
  }
  blz_buf footer = {0};
  blz_footer_in f = {w->cols, w->ncols, w->plan.elems, w->plan.nelems, w->nfields, w->rgs, w->nrgs, w->rows,
                     w->opts.compression, w->kv, w->nkv, w->sort_keys, w->nsort, w->opts.sort_nulls_first != 0};
  if (!blz_footer_write(&footer, &f) || !blz_buf_reserve(&footer, 8)) {
    blz_buf_free(&footer);
    w->failed = true;
    return blz_fail(err, BLZ_ENOMEM, "out of memory writing footer");
  }
  uint32_t flen = (uint32_t)footer.len;
  blz_store_le32(footer.data + footer.len, flen);
  memcpy(footer.data + footer.len + 4, "PAR1", 4);
  footer.len += 8;
  st = emit(w, footer.data, footer.len, err);
  blz_buf_free(&footer);
  if (st) return st;
  w->closed = true;
  return BLZ_OK;
}

int64_t blz_writer_num_rows(const blz_writer *w) { return w->rows; }
int64_t blz_writer_num_row_groups(const blz_writer *w) { return w->nrgs; }
int64_t blz_writer_bytes_written(const blz_writer *w) { return w->offset; }
int64_t blz_writer_buffered_bytes(const blz_writer *w) {
  /* what closing now would add: the open row group, the footer and the page indexes */
  int64_t kv = 0;
  for (int i = 0; i < w->nkv; i++) kv += (int64_t)strlen(w->kv[i].value) + 32;
  return estimated_rg_size(w) + w->footer_estimate + kv + 64 * (int64_t)w->ncols;
}

int64_t blz__writer_memory(const blz_writer *w) {
  int64_t m = 0;
  for (int i = 0; i < w->ncols; i++) m += blz_column_memory(&w->cols[i]);
  for (int i = 0; i < w->nscratch; i++) m += blz_scratch_memory(&w->scratch[i]);
  for (int i = 0; w->kept && i < w->ncols; i++) m += blz_kept_memory(&w->kept[i]);
  return m + w->footer_estimate;
}

int64_t blz__writer_row_group_rows(const blz_writer *w) { return w->rg_rows; }

blz_status blz__writer_delta_stats(const blz_writer *w, int max_leaves, blz_buf *out, blz_error *err) {
  if (!blz_delta_stats_json(w->cols, w->ncols, w->rows, max_leaves, out))
    return blz_fail(err, BLZ_ENOMEM, "out of memory writing statistics");
  return BLZ_OK;
}

void blz__writer_trim(blz_writer *w) {
  if (w->rg_rows) return;
  for (int i = 0; i < w->ncols; i++) blz_column_trim(&w->cols[i]);
  for (int i = 0; i < w->nscratch; i++) blz_scratch_free(&w->scratch[i]);
  for (int i = 0; i < w->ncols; i++) blz_buf_free(&w->dict_pages[i]), blz_buf_free(&w->blooms[i]);
  for (int i = 0; w->kept && i < w->ncols; i++) blz_kept_reset(&w->kept[i], true);
}

/* Frees n buffers of a per-column array, and the array (NULL: nothing). */
static void free_bufs(blz_buf *a, int n) {
  for (int i = 0; a && i < n; i++) blz_buf_free(&a[i]);
  free(a);
}

void blz_writer_destroy(blz_writer *w) {
  if (!w) return;
  for (int i = 0; w->kept && i < w->ncols; i++) blz_kept_reset(&w->kept[i], true);
  free(w->kept);
  free(w->sort_keys);
  blz_schema_plan_free(&w->plan);
  if (w->schema.release) w->schema.release(&w->schema);
  for (int r = 0; r < w->nrgs; r++) {
    for (int i = 0; w->rgs[r].chunks && i < w->ncols; i++) free(w->rgs[r].chunks[i].pages);
    free(w->rgs[r].chunks);
  }
  free(w->rgs);
  for (int i = 0; i < w->nkv; i++) {
    free(w->kv[i].key);
    free(w->kv[i].value);
  }
  free(w->kv);
  blz_out_thread_stop(w->out); /* before the buffers it may still be writing from */
  for (int i = 0; w->spare_chunks && i < w->ncols; i++) blz_segs_free(&w->spare_chunks[i]);
  free(w->spare_chunks);
  free_bufs(w->spare_dict_pages, w->ncols);
  free_bufs(w->spare_blooms, w->ncols);
  free(w->pieces);
  if (w->own_pool) blz_pool_destroy(w->pool);
  for (int i = 0; w->scratch && i < w->nscratch; i++) blz_scratch_free(&w->scratch[i]);
  free(w->scratch);
  free_bufs(w->dict_pages, w->ncols);
  free_bufs(w->blooms, w->ncols);
  free(w->col_st);
  free(w->col_err);
  free(w->emit_done);
  pthread_mutex_destroy(&w->emit_mu);
  free(w->order);
  free(w->cost);
  free(w);
}

/* Types whose values can be refused (out-of-range dictionary indices, decimals beyond their
 * precision, overflowing unit conversions, offsets that decrease, views pointing nowhere). */
static bool needs_value_checks(const blz_writer *w, const blz_coltype *t) {
  return (t->is_string && w->opts.validate_utf8) || t->dict_encoded || t->ree || t->src == SRC_DEC32 || t->src == SRC_DEC64 || t->src == SRC_DEC128 || t->src == SRC_DEC256 || t->src == SRC_DATE64 ||
         t->src == SRC_I32_X1000 || t->src == SRC_I64_X1000 || t->src == SRC_VIEW || t->src == SRC_BIN64 || t->src == SRC_BIN32;
}

blz_status blz_writer_validate(blz_writer *w, const struct ArrowArray *batch, blz_error *err) {
  if (w->nfields > 0 && !batch->children) return blz_fail(err, BLZ_EINVAL, "batch has no children array");
  if (batch->n_children != w->nfields)
    return blz_fail(err, BLZ_EINVAL, "batch has %lld columns, schema has %d", (long long)batch->n_children, w->nfields);
  if (batch->length < 0 || batch->offset < 0) return blz_fail(err, BLZ_EINVAL, "batch has negative length or offset");
  BLZ_TRY(check_batch(w, batch, err));
  forget_arrow_dictionaries(w);
  /* the value checks of phase one, on the pool, chunk by chunk (a slice at a time per column) */
  for (int64_t start = 0; start < batch->length;) {
    chunk_job job = {w, batch, {{0}}, 0, true, false, false};
    start += fill_chunk(&job, NULL, batch->length, start, MAX_CHUNK_SLICES);
    BLZ_TRY(chunk_check(w, &job, err));
  }
  return BLZ_OK;
}
