/* column.c — data pages and column chunks: levels, values (dictionary, PLAIN or DELTA_*), compression. */
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

/* Whether the column's physical type can take value encoding `enc`. */
static bool type_takes(const blz_column *c, int enc) {
  switch (enc) {
    case ENC_PLAIN: return true;
    case ENC_RLE_DICTIONARY: return c->t.phys != PQ_BOOLEAN && c->t.src != SRC_NULL;
    case ENC_DELTA_BINARY_PACKED: return c->t.phys == PQ_INT32 || c->t.phys == PQ_INT64;
    case ENC_DELTA_LENGTH_BYTE_ARRAY:
    case ENC_DELTA_BYTE_ARRAY: return c->t.phys == PQ_BYTE_ARRAY;
    case ENC_BYTE_STREAM_SPLIT: return c->t.phys == PQ_FLOAT || c->t.phys == PQ_DOUBLE;
    default: return false;
  }
}

/* The profile's choice: the dictionary judged per chunk, then PLAIN (compatible) or, in the compact
 * profile, whichever of PLAIN and the type's other encodings compresses smallest on the chunk's
 * first page without a dictionary (chosen_enc). */
static void default_encoding(blz_column *c) {
  c->dict_mode = c->opts->enable_dictionary && type_takes(c, ENC_RLE_DICTIONARY) ? DICT_AUTO : DICT_OFF;
  c->value_enc = ENC_PLAIN;
  c->value_enc_measured = false;
  if (c->opts->encoding_profile != BLZ_PROFILE_COMPACT) return;
  if (type_takes(c, ENC_DELTA_BINARY_PACKED)) c->value_enc = ENC_DELTA_BINARY_PACKED;
  else if (type_takes(c, ENC_DELTA_LENGTH_BYTE_ARRAY)) c->value_enc = ENC_DELTA_LENGTH_BYTE_ARRAY;
  else if (type_takes(c, ENC_BYTE_STREAM_SPLIT)) c->value_enc = ENC_BYTE_STREAM_SPLIT;
  c->value_enc_measured = c->value_enc != ENC_PLAIN;
}

blz_status blz_column_set_encoding(blz_column *c, blz_encoding enc, blz_error *err) {
  if (enc == BLZ_ENCODING_AUTO) {
    default_encoding(c);
    return BLZ_OK;
  }
  if (!type_takes(c, (int)enc))
    return blz_fail(err, BLZ_EINVAL, "column %s: encoding %s does not apply to its type", c->name,
                    blz_encoding_name(enc));
  if (enc == BLZ_ENCODING_RLE_DICTIONARY) {
    c->dict_mode = DICT_KEEP;
  } else {
    c->dict_mode = DICT_OFF;
    c->value_enc = (int)enc;
    c->value_enc_measured = false;
  }
  c->dict_on = c->dict_mode != DICT_OFF;
  return BLZ_OK;
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
  default_encoding(c);
  c->dict_on = c->dict_mode != DICT_OFF;
  c->dict_unsure = c->dict_mode == DICT_AUTO;
  c->chosen_enc = -1;
  blz_dict_init(&c->dict, c->t.phys == PQ_BYTE_ARRAY ? 0 : c->width);
  c->dict.page_limit = opts->dictionary_page_size_limit;
  return BLZ_OK;
}

/* The column's working buffers: the gathered slice and the open page, kept from page to page and
 * chunk to chunk. */
#define NWORKING 8
static void working_bufs(const blz_column *c, blz_buf *out[NWORKING]) {
  blz_column *m = (blz_column *)c;
  blz_buf *b[NWORKING] = {&m->def, &m->rep, &m->dense, &m->src, &m->page_def, &m->page_rep, &m->page_idx, &m->page_plain};
  memcpy(out, b, sizeof b);
}

/* The open page's buffers, in the order of blz_scratch.lent. */
static void page_bufs(blz_column *c, blz_buf *out[BLZ_PAGE_BUFS]) {
  out[BLZ_PAGE_DEF] = &c->page_def, out[BLZ_PAGE_REP] = &c->page_rep;
  out[BLZ_PAGE_IDX] = &c->page_idx, out[BLZ_PAGE_PLAIN] = &c->page_plain;
}

/* Gives *b (emptied) to the scratch's `slot` when the slot holds none. */
static void lend_buf(blz_buf *slot, blz_buf *b) {
  if (slot->cap == 0 && b->cap) b->len = 0, *slot = *b, *b = (blz_buf){0};
}

/* Before a feed: buffers the column lacks are borrowed from the thread's scratch. */
static void borrow_page_bufs(blz_column *c, blz_scratch *sx) {
  blz_buf *b[BLZ_PAGE_BUFS];
  page_bufs(c, b);
  for (int i = 0; i < BLZ_PAGE_BUFS; i++)
    if (b[i]->cap == 0 && sx->lent[i].cap) *b[i] = sx->lent[i], sx->lent[i] = (blz_buf){0};
}

/* With no page open, the column's buffers go to the thread's scratch for the next column (where
 * the scratch holds none). A column whose page stays open keeps them. */
static void lend_page_bufs(blz_column *c, blz_scratch *sx) {
  if (c->page_entries || c->def_pending) return;
  blz_buf *b[BLZ_PAGE_BUFS];
  page_bufs(c, b);
  for (int i = 0; i < BLZ_PAGE_BUFS; i++) lend_buf(&sx->lent[i], b[i]);
}

static void free_working_bufs(blz_column *c) {
  blz_buf *b[NWORKING];
  working_bufs(c, b);
  for (int i = 0; i < NWORKING; i++) blz_buf_free(b[i]);
  blz_column_free_held(c);
}

static void held_slice_free(blz_held_slice *h) {
  blz_buf_free(&h->def), blz_buf_free(&h->rep), blz_buf_free(&h->dense), blz_buf_free(&h->src);
  h->vals = NULL;
}

void blz_column_free_held(blz_column *c) {
  for (int i = 0; i < c->nheld; i++) held_slice_free(&c->held[i]);
  free(c->held);
  c->held = NULL;
  c->nheld = 0;
}

void blz_segs_free(blz_segs *s) {
  for (int i = 0; i < s->cap; i++) blz_buf_free(&s->seg[i]);
  free(s->seg);
  memset(s, 0, sizeof *s);
}

void blz_column_free(blz_column *c) {
  free(c->name);
  if (c->path) {
    for (int i = 0; i < c->path->nnames; i++) free(c->path->names[i]);
    free(c->path->names);
    free(c->path);
  }
  blz_segs_free(&c->chunk);
  free(c->pages);
  free_working_bufs(c);
  blz_stats_free(&c->page_stats);
  blz_stats_free(&c->chunk_stats);
  blz_stats_free(&c->file_stats);
  blz_dict_free(&c->dict);
  blz_dict_map_free(&c->remap);
  blz_bloom_free(&c->bloom);
  memset(c, 0, sizeof *c);
}

static int64_t page_estimate(const blz_column *c) {
  int64_t levels = c->max_def ? c->page_entries / 8 : 0;
  if (c->max_rep) levels += c->page_entries / 4;
  if (c->dict_on) return levels + (c->page_values * blz_bit_width(c->dict.count) + 7) / 8;
  if (c->t.phys == PQ_BOOLEAN) return levels + (int64_t)c->page_plain.len / 8;
  return levels + (int64_t)c->page_plain.len;
}

int64_t blz_column_estimated_size(const blz_column *c) {
  return (int64_t)c->chunk.total + page_estimate(c) + (int64_t)c->dict.data.len;
}

/* Segments start small and double up to 4 MiB: a sink with many open partitions holds many
 * small chunks, and a large first segment per column would be memory (with huge pages, resident
 * memory) that small chunks never use. */
#define SEGMENT_MIN (64u << 10)
#define SEGMENT_MAX (4u << 20)

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
  size_t size = s->n > 1 ? s->seg[s->n - 2].cap * 2 : SEGMENT_MIN;
  if (size > SEGMENT_MAX) size = SEGMENT_MAX;
  if (!blz_buf_reserve_exact(b, need > size ? need : size)) return NULL;
  return b;
}

/* Makes *b the chunk's next segment (emptied, capacity kept) and gives *b the spare segment that
 * slot held, if any (else an empty buffer). */
static blz_buf *segment_adopt(blz_segs *s, blz_buf *b) {
  if (s->n == s->cap) {
    blz_buf *g = realloc(s->seg, (size_t)(s->cap + 1) * sizeof *g);
    if (!g) return NULL;
    s->seg = g;
    memset(&g[s->cap++], 0, sizeof *g);
  }
  blz_buf t = s->seg[s->n];
  s->seg[s->n] = *b;
  *b = t;
  b->len = 0;
  blz_buf *seg = &s->seg[s->n++];
  seg->len = 0;
  return seg;
}

/* Rows are fed in small pieces so a page is cut close to its size target, as Arrow C++ does
 * with its write batch size. */
#define FEED_PIECE 1024

/* Room for `extra` more bytes in a buffer of the open page that grows to at most `most` bytes
 * (the page's size target or row limit). A page that outgrows its first small buffer is likely to
 * reach its limit, so the second growth goes straight there: one copy instead of a chain of
 * reallocations, each moving the page into memory never touched before. */
static bool page_reserve(blz_buf *b, size_t extra, size_t most) {
  if (b->cap - b->len >= extra) return true;
  size_t want = b->cap ? most : 4096;
  if (want < b->len + extra) want = b->len + extra;
  return blz_buf_reserve_exact(b, want - b->len);
}

/* Room past a page's values in its buffer: a page that does not compress fits in it with its
 * header (see finish_page). */
#define PAGE_SLACK 1024

/* Most bytes of PLAIN values an open page holds: its size target plus one fed piece, or for
 * fixed widths its row limit if that comes first; plus PAGE_SLACK. */
static size_t page_plain_most(const blz_column *c) {
  size_t most = (size_t)c->opts->data_page_size + (size_t)FEED_PIECE * (size_t)c->width;
  if (c->t.phys != PQ_BYTE_ARRAY && c->opts->data_page_row_limit > 0 &&
      (size_t)c->opts->data_page_row_limit * (size_t)c->width < most)
    most = (size_t)c->opts->data_page_row_limit * (size_t)c->width;
  return most + PAGE_SLACK;
}

/* Most bytes of dictionary indices an open page holds (4 per value, up to its row limit). */
static size_t page_idx_most(const blz_column *c) {
  int64_t rows = c->opts->data_page_row_limit > 0 ? c->opts->data_page_row_limit : 1 << 20;
  return (size_t)rows * 4;
}

/* Writes out the open page's pending max_def levels (see def_pending). */
static bool take_pending_levels(blz_column *c) {
  if (!c->def_pending) return true;
  if (!blz_buf_reserve(&c->page_def, (size_t)c->def_pending)) return false;
  memset(c->page_def.data + c->page_def.len, c->max_def, (size_t)c->def_pending);
  c->page_def.len += (size_t)c->def_pending;
  c->def_pending = 0;
  return true;
}

/* Whether the open page's dictionary (entries + bit-packed indices) is at least a tenth smaller
 * than the values in the encoding the column falls back to. Judged once per chunk, on its first
 * page. The margin: a dictionary that barely pays before compression loses after it (PLAIN values
 * of a many-valued column still compress, bit-packed indices do not) and costs readers a lookup
 * per value; 73 hourly files of the event log came out 1.3% smaller with it. */
static bool dictionary_pays(blz_column *c, blz_scratch *sx) {
  size_t n = (size_t)c->page_values;
  if (n == 0) return true;
  const uint32_t *idx = (const uint32_t *)c->page_idx.data;
  int64_t dict = (int64_t)c->dict.data.len;
  int64_t indices = ((int64_t)n * blz_bit_width(c->dict.count - 1) + 7) / 8;
  int64_t alt = blz_dict_plain_size(&c->dict, idx, n);
  if (c->value_enc == ENC_DELTA_BINARY_PACKED) {
    /* sorted or narrow integers: measure the delta encoding of the page itself */
    /* (sx->page holds the page being assembled; packed and spare are free until compression) */
    sx->packed.len = sx->spare.len = 0;
    if (blz_dict_to_plain(&c->dict, idx, n, &sx->packed) &&
        blz_delta_binary_packed(&sx->spare, sx->packed.data, n, c->width) && (int64_t)sx->spare.len < alt)
      alt = (int64_t)sx->spare.len;
    sx->spare.len = sx->packed.len = 0;
  }
  return (dict + indices) * 10 < alt * 9;
}

/* Values repeat too rarely for a dictionary to pay. Among n values drawn from D equally likely
 * ones about n^2 / 2D repeat; from 512 values on, fewer than a quarter of the repeats D0 = 65,536
 * values would give means D is likely several times D0. At D0 itself a 20,000-row page is 86%
 * distinct and no dictionary saves a tenth; where one would (8-byte values: D below ~23,000) the
 * chance of so few repeats is 0.3% at 512 values and negligible from 1,024 on. Judged after every
 * piece, so a column of distinct values stops hashing after its first piece instead of growing its
 * slot table for three. */
static bool dictionary_hopeless(const blz_column *c) {
  int64_t n = c->page_values, repeats = n - c->dict.count;
  return n >= 512 && repeats * 8 * 65536 <= n * n;
}

/* Whether the first page's dictionary is predicted to save under a tenth at the page's end (see
 * dictionary_pays and blz_dict_predicted_ratio), judged when its values pass a power of two from
 * 1,024. The page's values: its row limit at the share of rows with a value so far (no limit: no
 * prediction). Entries are sized as the entries so far (new values are like the distinct ones, not
 * like the repeated few). A column of values that still repeat but mostly do not (the event log's
 * latencies and messages) stops hashing after a thousand values instead of a page in every chunk. */
static bool dictionary_predicted_to_lose(blz_column *c, size_t added) {
  int64_t n = c->page_values, before = n - (int64_t)added, rows = c->opts->data_page_row_limit;
  bool crossed = n >= 1024 && (before < 1024 || blz_bit_width((uint64_t)n) != blz_bit_width((uint64_t)before));
  if (!c->dict_unsure || !crossed || rows <= c->page_rows || c->page_rows <= 0 || c->dict.count == 0)
    return false;
  double page_n = (double)n * (double)rows / (double)c->page_rows;
  double plain = (double)blz_dict_plain_size(&c->dict, (const uint32_t *)c->page_idx.data, (size_t)n) / (double)n;
  double entry = (double)c->dict.data.len / (double)c->dict.count;
  double ratio = blz_dict_predicted_ratio(n, c->dict.count, c->dict.once, c->dict.twice, page_n, entry, plain);
  /* a dictionary predicted at half the fallback or less is left to the page's end, which judges it
   * exactly: no more counting for this chunk (a column of a few values would count every value) */
  if (ratio <= 0.5) c->dict_unsure = false;
  return ratio >= 0.9;
}

/* Gives up the dictionary for this chunk: the open page's values go back to PLAIN. Only while no
 * page of the chunk has used it. */
static bool abandon_dictionary(blz_column *c, blz_scratch *sx) {
  size_t n = (size_t)c->page_values;
  if (c->t.phys == PQ_BYTE_ARRAY && (!blz_dict_take_page_used(&c->dict, &sx->spare) ||
                                     !blz_stats_update(&c->page_stats, &c->t, sx->spare.data,
                                                       sx->spare.len / sizeof(blz_bytes_ref))))
    return false;
  c->page_plain.len = 0;
  if (!page_reserve(&c->page_plain, (size_t)blz_dict_plain_size(&c->dict, (const uint32_t *)c->page_idx.data, n),
                    page_plain_most(c)) ||
      !blz_dict_to_plain(&c->dict, (const uint32_t *)c->page_idx.data, n, &c->page_plain))
    return false;
  /* the indices' memory goes to the next column this thread feeds (else back to the allocator) */
  lend_buf(&sx->lent[BLZ_PAGE_IDX], &c->page_idx);
  blz_buf_free(&c->page_idx);
  blz_dict_free(&c->dict);
  c->dict_on = false;
  c->dict_decided = true;
  return true;
}

/* Appends the PLAIN values pl[0..pn) (n of them) to b in encoding enc. */
static bool encode_as(const blz_column *c, int enc, const uint8_t *pl, size_t pn, size_t n, blz_buf *b) {
  switch (enc) {
    case ENC_DELTA_BINARY_PACKED: return blz_delta_binary_packed(b, pl, n, c->width);
    case ENC_DELTA_LENGTH_BYTE_ARRAY: return blz_delta_length_byte_array(b, pl, pn, n);
    case ENC_DELTA_BYTE_ARRAY: return blz_delta_byte_array(b, pl, pn, n);
    case ENC_BYTE_STREAM_SPLIT: return blz_byte_stream_split(b, pl, n, c->width);
    default: break;
  }
  if (c->t.phys != PQ_BOOLEAN) return blz_buf_append(b, pl, pn);
  /* PLAIN booleans are bit-packed, LSB first */
  size_t nb = (pn + 7) / 8;
  if (!blz_buf_reserve(b, nb)) return false;
  uint8_t *p = b->data + b->len;
  memset(p, 0, nb);
  for (size_t i = 0; i < pn; i++) p[i >> 3] |= (uint8_t)(pl[i] << (i & 7));
  b->len += nb;
  return true;
}

/* The compact profile's choice for this chunk: PLAIN or the type's other encodings, whichever
 * the column's codec makes smallest on this page (bit-packed deltas, say, can compress worse with
 * zstd than the PLAIN values they came from). */
static int measure_encodings(blz_column *c, blz_scratch *sx, const uint8_t *pl, size_t pn, size_t n) {
  int cand[3] = {ENC_PLAIN, c->value_enc, -1};
  if (c->value_enc == ENC_DELTA_LENGTH_BYTE_ARRAY) cand[2] = ENC_DELTA_BYTE_ARRAY;
  int best = ENC_PLAIN;
  size_t best_size = SIZE_MAX;
  for (int k = 0; k < 3 && cand[k] >= 0; k++) {
    sx->spare.len = sx->packed.len = 0;
    blz_error ignored;
    if (!encode_as(c, cand[k], pl, pn, n, &sx->spare) ||
        blz_scratch_compress(sx, c->opts, sx->spare.data, sx->spare.len, &sx->packed, &ignored))
      continue;
    if (sx->packed.len < best_size) best = cand[k], best_size = sx->packed.len;
  }
  sx->spare.len = sx->packed.len = 0;
  return best;
}

/* Appends the open page's values to b in the column's value encoding; returns the encoding used,
 * or -1 when out of memory. */
static int encode_values(blz_column *c, blz_scratch *sx, blz_buf *b) {
  const uint8_t *pl = c->page_plain.data;
  size_t pn = c->page_plain.len, n = (size_t)c->page_values;
  int enc = c->value_enc;
  if (c->value_enc_measured) {
    if (c->chosen_enc < 0) c->chosen_enc = measure_encodings(c, sx, pl, pn, n);
    enc = c->chosen_enc;
  }
  return encode_as(c, enc, pl, pn, n, b) ? enc : -1;
}

/* Ends the open page: levels and values assembled, compressed and appended to the chunk with their
 * header. `last`: the chunk ends with it (see the adoption below). */
static blz_status finish_page(blz_column *c, blz_scratch *sx, bool last, blz_error *err) {
  if (c->page_rows == 0) return BLZ_OK;
  bool v2 = c->opts->data_page_version == 2;
  blz_buf *b = &sx->page;
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
    int bw = blz_bit_width((uint64_t)c->max_def);
    if (c->page_def.len == 0 ? !blz_rle_encode_repeat_u8(b, (uint8_t)c->max_def, (size_t)c->page_entries, bw)
                             : !take_pending_levels(c) ||
                                   !blz_rle_encode_u8(b, c->page_def.data, (size_t)c->page_entries, bw))
      goto oom;
    if (!v2) blz_store_le32(b->data + at, (uint32_t)(b->len - at - 4));
  }
  levels = b->len;
  if (c->dict_on && c->dict_mode == DICT_AUTO && !c->dict_decided) {
    if (dictionary_pays(c, sx)) c->dict_decided = true;
    else if (!abandon_dictionary(c, sx)) goto oom;
  }
  int32_t encoding;
  if (c->dict_on) {
    if (c->t.phys == PQ_BYTE_ARRAY && (!blz_dict_take_page_used(&c->dict, &sx->spare) ||
                                       !blz_stats_update(&c->page_stats, &c->t, sx->spare.data,
                                                         sx->spare.len / sizeof(blz_bytes_ref))))
      goto oom;
    /* the page's own width: the largest index it holds, not the dictionary's size (pages after a
     * burst of new entries often need fewer bits; each page states its width). The OR of the
     * indices has the largest one's top bit, and unlike a running maximum it vectorises. */
    const uint32_t *idx = (const uint32_t *)c->page_idx.data;
    uint32_t bits = 0;
    for (size_t i = 0; i < (size_t)c->page_values; i++) bits |= idx[i];
    int bw = blz_bit_width(bits);
    if (!blz_buf_push(b, (uint8_t)bw)) goto oom;
    if (!blz_rle_encode(b, idx, (size_t)c->page_values, bw)) goto oom;
    encoding = ENC_RLE_DICTIONARY;
  } else {
    encoding = encode_values(c, sx, b);
    if (encoding < 0) goto oom;
  }
  c->data_pages[encoding]++;
  if (b->len > INT32_MAX) return blz_fail(err, BLZ_ENOTSUP, "column %s: page larger than 2 GiB", c->name);
  sx->packed.len = 0;
  /* the page as stored: compressed into sx->packed (v2: after its levels, which stay as they are),
   * or, uncompressed, the assembled page itself (a copy less of every page) */
  const blz_buf *pk = b;
  if (c->opts->compression != BLZ_COMPRESSION_UNCOMPRESSED) {
    size_t raw = v2 ? levels : 0;
    if (raw && !blz_buf_append(&sx->packed, b->data, raw)) goto oom;
    BLZ_TRY(blz_scratch_compress(sx, c->opts, b->data + raw, b->len - raw, &sx->packed, err));
    pk = &sx->packed;
  }
  blz_stats_out so;
  blz_stats_output(&c->page_stats, &c->t, c->opts->statistics_truncate_length, &so);
  /* a page header is at most a few hundred bytes: statistics are capped at 80 bytes a bound */
  size_t need = pk->len + 512;
  blz_segs *ch = &c->chunk;
  /* A chunk whose only page ends with it and hardly compressed (random numbers) would take new
   * memory beside its value buffer, and at a flush every column's buffer is full: the value buffer
   * becomes the chunk's segment instead (the column takes the spare segment it displaces, or starts
   * its next page in a new buffer). A page ended while values are fed is copied instead: its value
   * buffer is then lent to the next column the thread feeds (lend_page_bufs), which saves more. */
  bool adopt = last && ch->n == 0 && encoding != ENC_RLE_DICTIONARY && c->page_plain.cap >= need &&
               pk->len * 2 >= c->page_plain.cap;
  blz_buf *seg = adopt ? segment_adopt(ch, &c->page_plain) : segment_for(ch, need);
  if (!seg) goto oom;
  size_t before = seg->len;
  int64_t crc = c->opts->page_checksums ? (int64_t)blz_crc32(pk->data, pk->len) : -1;
  bool ok = v2 ? blz_write_data_page_v2_header(seg, (int32_t)b->len, (int32_t)pk->len, crc, (int32_t)c->page_entries,
                                               (int32_t)(c->page_entries - c->page_values), (int32_t)c->page_rows, encoding,
                                               (int32_t)(levels - rep_len), (int32_t)rep_len,
                                               c->opts->compression != BLZ_COMPRESSION_UNCOMPRESSED, &so)
               : blz_write_data_page_header(seg, (int32_t)b->len, (int32_t)pk->len, crc, (int32_t)c->page_entries,
                                            encoding, &so);
  if (!ok) goto oom;
  size_t header = seg->len - before;
  if (!blz_buf_append(seg, pk->data, pk->len)) goto oom;
  if (c->npages == c->cap_pages) {
    int cap = c->cap_pages ? c->cap_pages * 2 : 16;
    blz_page_rec *pr = realloc(c->pages, (size_t)cap * sizeof *pr);
    if (!pr) goto oom;
    c->pages = pr;
    c->cap_pages = cap;
  }
  blz_page_rec *rec = &c->pages[c->npages++];
  rec->offset = (int64_t)c->chunk.total;
  rec->size = (int32_t)(header + pk->len);
  rec->first_row = c->chunk_rows;
  rec->null_page = c->page_values == 0;
  /* (first_row counts rows; for nested leaves rows and entries differ) */
  rec->stats = so;
  c->chunk.total += header + pk->len;
  c->chunk_uncompressed += (int64_t)(header + b->len);
  c->chunk_rows += c->page_rows;
  c->chunk_entries += c->page_entries;
  if (!blz_stats_merge(&c->chunk_stats, &c->page_stats, &c->t)) goto oom;
  blz_stats_reset(&c->page_stats);
  c->page_rows = c->page_entries = c->page_values = 0;
  c->page_def.len = c->page_rep.len = c->page_idx.len = c->page_plain.len = 0;
  c->def_pending = 0;
  return BLZ_OK;
oom:
  return blz_fail(err, BLZ_ENOMEM, "out of memory encoding column %s", c->name);
}

static bool plain_append(blz_column *c, const uint8_t *dense, size_t nv) {
  if (c->t.phys != PQ_BYTE_ARRAY) {
    if (!page_reserve(&c->page_plain, nv * (size_t)c->width, page_plain_most(c))) return false;
    return blz_buf_append(&c->page_plain, dense, nv * (size_t)c->width);
  }
  const blz_bytes_ref *v = (const blz_bytes_ref *)dense;
  size_t total = 0;
  for (size_t i = 0; i < nv; i++) total += 4 + (size_t)v[i].len;
  if (!page_reserve(&c->page_plain, total, page_plain_most(c))) return false;
  uint8_t *p = c->page_plain.data + c->page_plain.len;
  for (size_t i = 0; i < nv; i++) {
    blz_store_le32(p, v[i].len);
    memcpy(p + 4, v[i].p, v[i].len);
    p += 4 + (size_t)v[i].len;
  }
  c->page_plain.len += total;
  return true;
}

/* The values' hashes for the chunk's bloom filter: PLAIN bytes, a BYTE_ARRAY's without its length. */
static bool bloom_add(blz_column *c, const uint8_t *vals, size_t nv) {
  if (c->t.phys == PQ_BYTE_ARRAY) {
    const blz_bytes_ref *r = (const blz_bytes_ref *)vals;
    for (size_t i = 0; i < nv; i++)
      if (!blz_bloom_add(&c->bloom, r[i].p, r[i].len)) return false;
    return true;
  }
  for (size_t i = 0; i < nv; i++)
    if (!blz_bloom_add(&c->bloom, vals + i * (size_t)c->width, (size_t)c->width)) return false;
  return true;
}

static blz_status feed_pieces(blz_column *c, blz_scratch *sx, int64_t n, size_t nvals, blz_error *err) {
  if (!c->max_def && nvals != (size_t)n) /* a required column's values are its rows (check_required) */
    return blz_fail(err, BLZ_EINVAL, "column %s: %zu values for %lld rows of a non-nullable column", c->name, nvals,
                    (long long)n);
  const uint8_t *def = c->def.data, *rep = c->rep.data;
  const uint8_t *dense = blz_column_values(c);
  /* values from an Arrow dictionary come with their Arrow indices: see blz_dict_map */
  const uint32_t *src = c->src.len == nvals * 4 && nvals ? (const uint32_t *)c->src.data : NULL;
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
    if (c->max_def && nv == (size_t)take) {
      c->def_pending += take; /* every level is max_def */
    } else if (c->max_def) {
      if (!take_pending_levels(c) || !blz_buf_append(&c->page_def, def + epos, (size_t)take)) goto oom;
    }
    if (c->max_rep && !blz_buf_append(&c->page_rep, rep + epos, (size_t)take)) goto oom;
    const uint8_t *vals = nv ? dense + vpos * (size_t)c->width : dense; /* no values: dense may be NULL */
    /* dictionary pages get their statistics from the entries they use, at page end */
    /* dictionary pages of byte arrays get their statistics from the entries they use */
    if ((!c->dict_on || c->t.phys != PQ_BYTE_ARRAY) && !blz_stats_update(&c->page_stats, &c->t, vals, nv)) goto oom;
    c->page_stats.null_count += take - (int64_t)nv;
    if (c->bloom_on && !bloom_add(c, vals, nv)) goto oom;
    if (c->dict_on) {
      uint32_t *out = NULL;
      if (nv > 0 && !page_reserve(&c->page_idx, nv * 4, page_idx_most(c))) goto oom;
      if (nv > 0) out = (uint32_t *)(c->page_idx.data + c->page_idx.len);
      if (nv > 0 && !(src ? blz_dict_encode_mapped(&c->dict, vals, src + vpos, nv, &c->remap, out)
                          : blz_dict_encode(&c->dict, vals, nv, out)))
        goto oom;
      /* while the chunk's dictionary is judged: how often entries repeat (dictionary_predicted_to_lose) */
      if (nv > 0 && c->dict_unsure && !c->dict_decided && !blz_dict_tally(&c->dict, out, nv)) goto oom;
      c->page_idx.len += nv * 4;
    } else if (!plain_append(c, vals, nv)) {
      goto oom;
    }
    c->page_rows += rows;
    c->page_entries += take;
    c->page_values += (int64_t)nv;
    epos += take;
    vpos += nv;
    if (c->dict_on && c->dict_mode == DICT_AUTO && !c->dict_decided &&
        (dictionary_hopeless(c) || dictionary_predicted_to_lose(c, nv))) {
      if (!abandon_dictionary(c, sx)) goto oom;
    }
    if (c->dict_on && (int64_t)c->dict.data.len > c->opts->dictionary_page_size_limit) {
      /* too many distinct values: keep what is dictionary-encoded, write the rest PLAIN */
      BLZ_TRY(finish_page(c, sx, false, err));
      c->dict_on = false;
    } else if (page_estimate(c) >= c->opts->data_page_size || c->page_rows >= row_limit) {
      BLZ_TRY(finish_page(c, sx, false, err));
    }
  }
  return BLZ_OK;
oom:
  return blz_fail(err, BLZ_ENOMEM, "out of memory encoding column %s", c->name);
}

blz_status blz_column_feed(blz_column *c, blz_scratch *sx, int64_t n, size_t nvals, blz_error *err) {
  borrow_page_bufs(c, sx);
  BLZ_TRY(feed_pieces(c, sx, n, nvals, err));
  lend_page_bufs(c, sx);
  return BLZ_OK;
}

blz_status blz_column_finish_chunk(blz_column *c, blz_scratch *sx, blz_buf *dict_page,
                                   blz_buf *bloom, blz_chunk_meta *m, blz_error *err) {
  BLZ_TRY(finish_page(c, sx, true, err));
  lend_page_bufs(c, sx);
  memset(m, 0, sizeof *m);
  dict_page->len = 0;
  bloom->len = 0;
  m->dict_page_offset = -1;
  m->bloom_offset = -1;
  if (c->bloom_on) {
    double fpp = c->opts->bloom_filter_fpp > 0 ? c->opts->bloom_filter_fpp : 0.01;
    if (!blz_bloom_finish(&c->bloom, fpp, bloom)) return blz_fail(err, BLZ_ENOMEM, "out of memory building the bloom filter of %s", c->name);
  }
  int64_t dict_uncompressed = 0;
  if (c->data_pages[ENC_RLE_DICTIONARY] > 0) {
    const blz_buf *dd = &c->dict.data;
    sx->packed.len = 0;
    BLZ_TRY(blz_scratch_compress(sx, c->opts, dd->data, dd->len, &sx->packed, err));
    if (dd->len > INT32_MAX) return blz_fail(err, BLZ_ENOTSUP, "column %s: dictionary larger than 2 GiB", c->name);
    int64_t crc = c->opts->page_checksums ? (int64_t)blz_crc32(sx->packed.data, sx->packed.len) : -1;
    if (!blz_write_dict_page_header(dict_page, (int32_t)dd->len, (int32_t)sx->packed.len, crc,
                                    (int32_t)c->dict.count))
      return blz_fail(err, BLZ_ENOMEM, "out of memory");
    dict_uncompressed = (int64_t)(dict_page->len + dd->len);
    if (!blz_buf_append(dict_page, sx->packed.data, sx->packed.len))
      return blz_fail(err, BLZ_ENOMEM, "out of memory");
    m->dict_pages = 1;
  }
  m->total_uncompressed = c->chunk_uncompressed + dict_uncompressed;
  m->total_compressed = (int64_t)(dict_page->len + c->chunk.total);
  m->num_values = c->chunk_entries;
  memcpy(m->data_pages, c->data_pages, sizeof m->data_pages);
  m->data_page_type = c->opts->data_page_version == 2 ? 3 : 0;
  /* the page records move to the chunk's metadata; offsets become absolute when written */
  m->pages = c->pages;
  m->npages = c->npages;
  c->pages = NULL;
  c->npages = c->cap_pages = 0;
  m->column_index_offset = m->offset_index_offset = -1;
  blz_stats_output(&c->chunk_stats, &c->t, c->opts->statistics_truncate_length, &m->stats);
  if (!blz_stats_merge(&c->file_stats, &c->chunk_stats, &c->t)) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  return BLZ_OK;
}

void blz_column_reset_chunk(blz_column *c) {
  c->chunk.n = 0;
  c->chunk.total = 0;
  c->chunk_uncompressed = c->chunk_rows = c->chunk_entries = 0;
  memset(c->data_pages, 0, sizeof c->data_pages);
  blz_stats_reset(&c->chunk_stats);
  blz_dict_clear(&c->dict);
  c->remap.epoch++; /* our entries start over: what the map knew is gone */
  c->dict_on = c->dict_mode != DICT_OFF;
  c->dict_decided = false;
  c->dict_unsure = c->dict_mode == DICT_AUTO;
  c->chosen_enc = -1;
}

void blz_scratch_free(blz_scratch *sx) {
  for (int i = 0; i < BLZ_PAGE_BUFS; i++) blz_buf_free(&sx->lent[i]);
  blz_buf_free(&sx->page);
  blz_buf_free(&sx->packed);
  blz_buf_free(&sx->spare);
  blz_codec_destroy(sx->codec);
  sx->codec = NULL;
  held_slice_free(&sx->gathered);
}

int64_t blz_scratch_memory(const blz_scratch *sx) {
  size_t m = sx->page.cap + sx->packed.cap + sx->spare.cap + sx->gathered.def.cap + sx->gathered.rep.cap +
             sx->gathered.dense.cap + sx->gathered.src.cap;
  for (int i = 0; i < BLZ_PAGE_BUFS; i++) m += sx->lent[i].cap;
  return (int64_t)m;
}

blz_status blz_scratch_compress(blz_scratch *sx, const blz_writer_options *opts, const uint8_t *in,
                                size_t n, blz_buf *out, blz_error *err) {
  if (!sx->codec) BLZ_TRY(blz_codec_create(opts->compression, opts->compression_level, &sx->codec, err));
  return blz_codec_compress(sx->codec, in, n, out, err);
}

int64_t blz_column_memory(const blz_column *c) {
  blz_buf *b[NWORKING];
  working_bufs(c, b);
  int64_t m = blz_dict_memory(&c->dict) + (int64_t)c->bloom.cap * 8;
  for (int i = 0; i < NWORKING; i++) m += (int64_t)b[i]->cap;
  for (int i = 0; i < c->chunk.cap; i++) m += (int64_t)c->chunk.seg[i].cap;
  for (int i = 0; i < c->nheld; i++)
    m += (int64_t)(c->held[i].def.cap + c->held[i].rep.cap + c->held[i].dense.cap + c->held[i].src.cap);
  m += (int64_t)c->remap.cap * 20; /* id, stamp, checked */
  return m + (int64_t)c->cap_pages * (int64_t)sizeof(blz_page_rec);
}

void blz_column_trim(blz_column *c) {
  if (c->chunk.total || c->page_rows) return; /* holds data: nothing to give back */
  blz_segs_free(&c->chunk);
  free_working_bufs(c);
  if (c->dict.count == 0) blz_dict_free(&c->dict);
}
