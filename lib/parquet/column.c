/* column.c — data pages and column chunks: levels, PLAIN or dictionary values, compression. */
#include "column.h"

#include "dict.h"
#include "page.h"
#include "rle.h"

static int phys_width(const blz_coltype *t) {
  switch (t->phys) {
    case PQ_BOOLEAN: return 1;
    case PQ_INT32: case PQ_FLOAT: return 4;
    case PQ_INT64: case PQ_DOUBLE: return 8;
    case PQ_FLBA: return t->type_length;
    default: return (int)sizeof(blz_bytes_ref);
  }
}

static bool dictionary_allowed(const blz_column *c) {
  return c->opts->enable_dictionary && c->t.phys != PQ_BOOLEAN && c->t.src != SRC_NULL;
}

blz_status blz_column_init(blz_column *c, const struct ArrowSchema *field, int top,
                           blz_leaf_path *path, int max_def, int max_rep, bool leaf_nullable,
                           const blz_writer_options *opts, blz_error *err) {
  memset(c, 0, sizeof *c);
  c->top = top;
  c->path = path;
  const char *name = field->name ? field->name : "";
  c->name = strdup(name);
  if (!c->name) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  blz_status st = blz_map_arrow_type(field, &c->t, err);
  if (st) {
    blz_error_prefix(err, "column '%s'", name);
    return st;
  }
  c->opts = opts;
  if (path) {
    c->nullable = leaf_nullable;
    c->max_def = max_def;
    c->max_rep = max_rep;
    free(c->name); /* a nested leaf is named by its dotted path in messages */
    size_t n = 1;
    for (int i = 0; i < path->nnames; i++) n += strlen(path->names[i]) + 1;
    c->name = malloc(n);
    if (!c->name) return blz_fail(err, BLZ_ENOMEM, "out of memory");
    c->name[0] = 0;
    for (int i = 0; i < path->nnames; i++) {
      if (i) strcat(c->name, ".");
      strcat(c->name, path->names[i]);
    }
  } else {
    c->nullable = (field->flags & ARROW_FLAG_NULLABLE) || c->t.src == SRC_NULL;
    c->max_def = c->nullable ? 1 : 0;
  }
  c->width = phys_width(&c->t);
  BLZ_TRY(blz_codec_create(opts->compression, opts->compression_level, &c->codec, err));
  c->dict_on = dictionary_allowed(c);
  c->page_epoch = 1; /* new entries start at epoch 0: not yet used by any page */
  return BLZ_OK;
}

void blz_column_free(blz_column *c) {
  free(c->name);
  blz_codec_destroy(c->codec);
  if (c->path) {
    for (int i = 0; i < c->path->nnames; i++) free(c->path->names[i]);
    free(c->path->names);
    free(c->path);
  }
  blz_buf *bufs[] = {&c->def, &c->rep, &c->dense, &c->page_def, &c->page_rep, &c->page_idx,
                     &c->page_plain, &c->scratch, &c->scratch2};
  for (int i = 0; i < c->chunk.cap; i++) blz_buf_free(&c->chunk.seg[i]);
  free(c->chunk.seg);
  free(c->pages);
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) blz_buf_free(bufs[i]);
  blz_stats_free(&c->page_stats);
  blz_stats_free(&c->chunk_stats);
  blz_dict_free(c);
  memset(c, 0, sizeof *c);
}

static int64_t page_estimate(const blz_column *c) {
  int64_t levels = c->max_def ? c->page_entries / 8 : 0;
  if (c->max_rep) levels += c->page_entries / 4;
  if (c->dict_on) return levels + (c->page_values * blz_bit_width(c->count) + 7) / 8;
  if (c->t.phys == PQ_BOOLEAN) return levels + (int64_t)c->page_plain.len / 8;
  return levels + (int64_t)c->page_plain.len;
}

int64_t blz_column_estimated_size(const blz_column *c) {
  return (int64_t)c->chunk.total + page_estimate(c) + (int64_t)c->dict_data.len;
}

#define SEGMENT (4u << 20)

/* A segment with room for `need` more bytes: the current one, or the next. */
static blz_buf *segment_for(blz_segs *s, size_t need) {
  if (s->n > 0 && s->seg[s->n - 1].cap - s->seg[s->n - 1].len >= need) return &s->seg[s->n - 1];
  if (s->n == s->cap) {
    blz_buf *g = realloc(s->seg, (size_t)(s->cap + 1) * sizeof *g);
    if (!g) return NULL;
    s->seg = g;
    memset(&g[s->cap++], 0, sizeof *g);
  }
  blz_buf *b = &s->seg[s->n++];
  b->len = 0;
  if (!blz_buf_reserve(b, need > SEGMENT ? need : SEGMENT)) return NULL;
  return b;
}

static blz_status finish_page(blz_column *c, blz_error *err) {
  if (c->page_rows == 0) return BLZ_OK;
  bool v2 = c->opts->data_page_version == 2;
  blz_buf *b = &c->scratch;
  b->len = 0;
  /* definition levels: v1 prefixes their length and compresses them with the values; v2 keeps
   * them uncompressed ahead of the values and gives their length in the header */
  size_t levels = 0, rep_len = 0;
  size_t prefix = v2 ? 0 : 4;
  if (c->max_rep) { /* repetition levels come first */
    size_t at = b->len;
    if (!blz_buf_reserve(b, prefix)) goto oom;
    b->len += prefix;
    if (!blz_rle_encode_u8(b, c->page_rep.data, (size_t)c->page_entries, blz_bit_width((uint64_t)c->max_rep))) goto oom;
    if (!v2) blz_store_le32(b->data + at, (uint32_t)(b->len - at - 4));
    rep_len = b->len - at;
  }
  if (c->max_def) {
    size_t at = b->len;
    if (!blz_buf_reserve(b, prefix)) goto oom;
    b->len += prefix;
    if (!blz_rle_encode_u8(b, c->page_def.data, (size_t)c->page_entries, blz_bit_width((uint64_t)c->max_def))) goto oom;
    if (!v2) blz_store_le32(b->data + at, (uint32_t)(b->len - at - 4));
  }
  levels = b->len;
  int32_t encoding;
  if (c->dict_on && !blz_dict_page_stats(c, &c->page_stats)) goto oom;
  if (c->dict_on) {
    int bw = blz_bit_width(c->count ? c->count - 1 : 0);
    if (!blz_buf_push(b, (uint8_t)bw)) goto oom;
    if (!blz_rle_encode(b, (const uint32_t *)c->page_idx.data, (size_t)c->page_values, bw)) goto oom;
    encoding = ENC_RLE_DICTIONARY;
    c->dict_data_pages++;
  } else {
    if (c->t.phys == PQ_BOOLEAN) {
      if (!blz_buf_reserve(b, c->page_plain.len / 8 + 1)) goto oom;
      /* PLAIN booleans are bit-packed, LSB first */
      uint8_t *p = b->data + b->len;
      size_t nb = (c->page_plain.len + 7) / 8;
      memset(p, 0, nb);
      for (size_t i = 0; i < c->page_plain.len; i++) p[i >> 3] |= (uint8_t)(c->page_plain.data[i] << (i & 7));
      b->len += nb;
    } else if (!blz_buf_append(b, c->page_plain.data, c->page_plain.len)) {
      goto oom;
    }
    encoding = ENC_PLAIN;
    c->plain_data_pages++;
  }
  if (b->len > INT32_MAX) return blz_fail(err, BLZ_ENOTSUP, "column %s: page larger than 2 GiB", c->name);
  c->scratch2.len = 0;
  size_t raw = v2 ? levels : 0;
  if (raw && !blz_buf_append(&c->scratch2, b->data, raw)) goto oom;
  BLZ_TRY(blz_codec_compress(c->codec, b->data + raw, b->len - raw, &c->scratch2, err));
  blz_stats_out so;
  blz_stats_output(&c->page_stats, &c->t, c->opts->statistics_truncate_length, &so);
  /* a page header is at most a few hundred bytes: statistics are capped at 80 bytes a bound */
  blz_buf *seg = segment_for(&c->chunk, c->scratch2.len + 512);
  if (!seg) goto oom;
  size_t before = seg->len;
  bool ok = v2 ? blz_write_data_page_v2_header(seg, (int32_t)b->len, (int32_t)c->scratch2.len, (int32_t)c->page_entries,
                                               (int32_t)(c->page_entries - c->page_values), (int32_t)c->page_rows, encoding,
                                               (int32_t)(levels - rep_len), (int32_t)rep_len,
                                               c->opts->compression != BLZ_COMPRESSION_UNCOMPRESSED, &so)
               : blz_write_data_page_header(seg, (int32_t)b->len, (int32_t)c->scratch2.len, (int32_t)c->page_entries,
                                            encoding, &so);
  if (!ok) goto oom;
  size_t header = seg->len - before;
  if (!blz_buf_append(seg, c->scratch2.data, c->scratch2.len)) goto oom;
  if (c->npages == c->cap_pages) {
    int cap = c->cap_pages ? c->cap_pages * 2 : 16;
    blz_page_rec *pr = realloc(c->pages, (size_t)cap * sizeof *pr);
    if (!pr) goto oom;
    c->pages = pr;
    c->cap_pages = cap;
  }
  blz_page_rec *rec = &c->pages[c->npages++];
  rec->offset = (int64_t)c->chunk.total;
  rec->size = (int32_t)(header + c->scratch2.len);
  rec->first_row = c->chunk_rows;
  rec->null_page = c->page_values == 0;
  /* (first_row counts rows; for nested leaves rows and entries differ) */
  rec->stats = so;
  c->chunk.total += header + c->scratch2.len;
  c->chunk_uncompressed += (int64_t)(header + b->len);
  c->chunk_rows += c->page_rows;
  c->chunk_entries += c->page_entries;
  if (!blz_stats_merge(&c->chunk_stats, &c->page_stats, &c->t)) goto oom;
  blz_stats_reset(&c->page_stats);
  c->page_rows = c->page_entries = c->page_values = 0;
  c->page_def.len = c->page_rep.len = c->page_idx.len = c->page_plain.len = 0;
  return BLZ_OK;
oom:
  return blz_fail(err, BLZ_ENOMEM, "out of memory encoding column %s", c->name);
}

static bool plain_append(blz_column *c, const uint8_t *dense, size_t nv) {
  if (c->t.phys != PQ_BYTE_ARRAY) return blz_buf_append(&c->page_plain, dense, nv * (size_t)c->width);
  const blz_bytes_ref *v = (const blz_bytes_ref *)dense;
  size_t total = 0;
  for (size_t i = 0; i < nv; i++) total += 4 + (size_t)v[i].len;
  if (!blz_buf_reserve(&c->page_plain, total)) return false;
  uint8_t *p = c->page_plain.data + c->page_plain.len;
  for (size_t i = 0; i < nv; i++) {
    blz_store_le32(p, v[i].len);
    memcpy(p + 4, v[i].p, v[i].len);
    p += 4 + (size_t)v[i].len;
  }
  c->page_plain.len += total;
  return true;
}

/* Rows are fed in small pieces so a page is cut close to its size target, as Arrow C++ does
 * with its write batch size. */
#define FEED_PIECE 1024

blz_status blz_column_feed(blz_column *c, int64_t n, size_t nvals, blz_error *err) {
  const uint8_t *def = c->def.data, *rep = c->rep.data;
  const uint8_t *dense = c->dense.data;
  int64_t epos = 0;
  size_t vpos = 0;
  int64_t row_limit = c->opts->data_page_row_limit > 0 ? c->opts->data_page_row_limit : INT64_MAX;
  while (epos < n) {
    int64_t take = n - epos, rows;
    if (take > FEED_PIECE) take = FEED_PIECE;
    if (c->max_rep) {
      /* a page may only end where a row starts */
      while (epos + take < n && rep[epos + take] != 0) take++;
      rows = 0;
      for (int64_t i = 0; i < take; i++) rows += rep[epos + i] == 0;
    } else {
      if (take > row_limit - c->page_rows) take = row_limit - c->page_rows;
      rows = take;
    }
    size_t nv;
    if (nvals == (size_t)n) {
      nv = (size_t)take;
    } else if (c->max_def <= 1) {
      nv = 0;
      for (int64_t i = 0; i < take; i++) nv += def[epos + i];
    } else {
      nv = 0;
      for (int64_t i = 0; i < take; i++) nv += def[epos + i] == c->max_def;
    }
    if (c->max_def && !blz_buf_append(&c->page_def, def + epos, (size_t)take)) goto oom;
    if (c->max_rep && !blz_buf_append(&c->page_rep, rep + epos, (size_t)take)) goto oom;
    const uint8_t *vals = dense + vpos * (size_t)c->width;
    /* dictionary pages get their statistics from the entries they use, at page end */
    if (!c->dict_on && !blz_stats_update(&c->page_stats, &c->t, vals, nv)) goto oom;
    c->page_stats.null_count += take - (int64_t)nv;
    if (c->dict_on) {
      if (!blz_dict_encode(c, vals, nv)) goto oom;
    } else if (!plain_append(c, vals, nv)) {
      goto oom;
    }
    c->page_rows += rows;
    c->page_entries += take;
    c->page_values += (int64_t)nv;
    epos += take;
    vpos += nv;
    if (c->dict_on && (int64_t)c->dict_data.len > c->opts->dictionary_page_size_limit) {
      /* too many distinct values: keep what is dictionary-encoded, write the rest PLAIN */
      BLZ_TRY(finish_page(c, err));
      c->dict_on = false;
    } else if (page_estimate(c) >= c->opts->data_page_size || c->page_rows >= row_limit) {
      BLZ_TRY(finish_page(c, err));
    }
  }
  return BLZ_OK;
oom:
  return blz_fail(err, BLZ_ENOMEM, "out of memory encoding column %s", c->name);
}

blz_status blz_column_finish_chunk(blz_column *c, blz_buf *dict_page, blz_chunk_meta *m,
                                   blz_error *err) {
  BLZ_TRY(finish_page(c, err));
  memset(m, 0, sizeof *m);
  dict_page->len = 0;
  m->dict_page_offset = -1;
  int64_t dict_uncompressed = 0;
  if (c->dict_data_pages > 0) {
    c->scratch2.len = 0;
    BLZ_TRY(blz_codec_compress(c->codec, c->dict_data.data, c->dict_data.len, &c->scratch2, err));
    if (c->dict_data.len > INT32_MAX) return blz_fail(err, BLZ_ENOTSUP, "column %s: dictionary larger than 2 GiB", c->name);
    if (!blz_write_dict_page_header(dict_page, (int32_t)c->dict_data.len, (int32_t)c->scratch2.len,
                                    (int32_t)c->count))
      return blz_fail(err, BLZ_ENOMEM, "out of memory");
    dict_uncompressed = (int64_t)(dict_page->len + c->dict_data.len);
    if (!blz_buf_append(dict_page, c->scratch2.data, c->scratch2.len))
      return blz_fail(err, BLZ_ENOMEM, "out of memory");
    m->dict_pages = 1;
  }
  m->total_uncompressed = c->chunk_uncompressed + dict_uncompressed;
  m->total_compressed = (int64_t)(dict_page->len + c->chunk.total);
  m->num_values = c->chunk_entries;
  m->dict_data_pages = c->dict_data_pages;
  m->plain_data_pages = c->plain_data_pages;
  m->data_page_type = c->opts->data_page_version == 2 ? 3 : 0;
  /* the page records move to the chunk's metadata; offsets become absolute when written */
  m->pages = c->pages;
  m->npages = c->npages;
  c->pages = NULL;
  c->npages = c->cap_pages = 0;
  m->column_index_offset = m->offset_index_offset = -1;
  blz_stats_output(&c->chunk_stats, &c->t, c->opts->statistics_truncate_length, &m->stats);
  return BLZ_OK;
}

void blz_column_reset_chunk(blz_column *c) {
  c->chunk.n = 0;
  c->chunk.total = 0;
  c->chunk_uncompressed = c->chunk_rows = c->chunk_entries = 0;
  c->dict_data_pages = c->plain_data_pages = 0;
  blz_stats_reset(&c->chunk_stats);
  blz_dict_clear(c);
  c->dict_on = dictionary_allowed(c);
}
