/* test_pages.c — decodes the pages the writer produced (dictionary page, RLE_DICTIONARY and PLAIN
 * data pages, definition levels) and compares every value with the input. */
#include "../../lib/parquet/rle.h"
#include "fixture.h"
#include "test.h"
#include "tests.h"
#include "tread.h"

#define DECODE_MAX 20000 /* rows of a decoded chunk, and of a page */
typedef struct decoded {
  int64_t n;          /* rows */
  uint8_t def[DECODE_MAX];
  int32_t ints[DECODE_MAX]; /* int32 column values (valid rows only, in order) */
  char strs[DECODE_MAX][16];
  int64_t nvals;
} decoded;

/* Reads the pages of column `col` of row group `rg` in file[0..len). */
static void decode_chunk_rg(const uint8_t *file, size_t len, int rg, int col, bool is_string, decoded *out) {
  memset(out, 0, sizeof *out);
  tnode f;
  CHECK(tread_footer(file, len, &f) == 0);
  const tnode *meta = tget(&tget(&tget(&f, 4)->kids[rg], 1)->kids[col], 3);
  int64_t pos = tget(meta, 11) ? tget(meta, 11)->i : tget(meta, 9)->i;
  int64_t end = pos + tget(meta, 7)->i;
  int64_t rows = tget(meta, 5)->i;
  /* dictionary entries */
  int32_t dict_ints[1024];
  char dict_strs[1024][16];
  int ndict = 0;
  while (pos < end) {
    tnode h;
    size_t hl = tread_struct(file + pos, (size_t)(end - pos), &h);
    CHECK(hl > 0);
    int64_t type = tget(&h, 1)->i, usize = tget(&h, 2)->i, csize = tget(&h, 3)->i;
    CHECK_EQ_INT(usize, csize); /* written uncompressed */
    const uint8_t *body = file + pos + hl;
    if (type == 2) { /* dictionary page: PLAIN entries */
      ndict = (int)tget(tget(&h, 7), 1)->i;
      const uint8_t *p = body;
      for (int i = 0; i < ndict && i < 1024; i++) {
        if (is_string) {
          uint32_t l = blz_load_le32(p);
          snprintf(dict_strs[i], 16, "%.*s", (int)l, (const char *)p + 4);
          p += 4 + l;
        } else {
          dict_ints[i] = (int32_t)blz_load_le32(p);
          p += 4;
        }
      }
      CHECK(p == body + usize);
    } else {
      CHECK(type == 0 || type == 3);
      /* v1: levels behind a 4-byte length; v2: their length is in the header */
      const tnode *dp = tget(&h, type == 0 ? 5 : 8);
      int64_t nv = tget(dp, 1)->i, enc = tget(dp, type == 0 ? 2 : 4)->i;
      uint32_t lens = type == 0 ? blz_load_le32(body) : (uint32_t)tget(dp, 5)->i;
      const uint8_t *at = type == 0 ? body + 4 : body;
      static uint32_t levels[DECODE_MAX];
      CHECK(nv <= DECODE_MAX);
      CHECK(blz_rle_decode(at, lens, 1, levels, (size_t)nv));
      int64_t nonnull = 0;
      for (int64_t i = 0; i < nv; i++) {
        out->def[out->n + i] = (uint8_t)levels[i];
        nonnull += levels[i];
      }
      const uint8_t *v = at + lens, *vend = body + usize;
      if (enc == 8) { /* RLE_DICTIONARY: bit width, then the hybrid-encoded indices */
        static uint32_t idx[DECODE_MAX];
        CHECK(blz_rle_decode(v + 1, (size_t)(vend - v - 1), v[0], idx, (size_t)nonnull));
        for (int64_t i = 0; i < nonnull; i++) {
          CHECK(idx[i] < (uint32_t)ndict);
          if (is_string) memcpy(out->strs[out->nvals + i], dict_strs[idx[i]], 16);
          else out->ints[out->nvals + i] = dict_ints[idx[i]];
        }
      } else { /* PLAIN */
        CHECK_EQ_INT(enc, 0);
        for (int64_t i = 0; i < nonnull; i++) {
          if (is_string) {
            uint32_t l = blz_load_le32(v);
            snprintf(out->strs[out->nvals + i], 16, "%.*s", (int)l, (const char *)v + 4);
            v += 4 + l;
          } else {
            out->ints[out->nvals + i] = (int32_t)blz_load_le32(v);
            v += 4;
          }
        }
        CHECK(v == vend);
      }
      out->n += nv;
      out->nvals += nonnull;
    }
    if (type == 3) CHECK_EQ_INT(tget(tget(&h, 8), 3)->i, tget(tget(&h, 8), 1)->i); /* flat: rows = values */
    pos += (int64_t)hl + csize;
    tnode_free(&h);
  }
  CHECK_EQ_INT(out->n, rows);
  tnode_free(&f);
}

static void decode_chunk(const uint8_t *file, size_t len, int col, bool is_string, decoded *out) {
  decode_chunk_rg(file, len, 0, col, is_string, out);
}

static void roundtrip_v(bool dictionary, int64_t page_rows, int version) {
  struct ArrowSchema *fl[2] = {fx_schema("i", "n", true, 0, NULL), fx_schema("u", "s", true, 0, NULL)};
  struct ArrowSchema *s = fx_struct_schema(2, fl);
  blz_writer_options o;
  blz_writer_options_init(&o);
  o.compression = BLZ_COMPRESSION_UNCOMPRESSED;
  o.enable_dictionary = dictionary;
  o.data_page_row_limit = page_rows;
  o.data_page_version = version;
  fx_mem m;
  blz_writer *w = fx_open_mem(s, &o, &m);
  blz_error e = {0};
  enum { N = 1000 };
  int32_t ints[N];
  char mask[N + 1];
  const char *strs[N];
  static const char *words[5] = {"", "apple", "pear", "fig", "kiwi-kiwi"};
  for (int i = 0; i < N; i++) {
    ints[i] = (i * 7919) % 37 - 18;
    mask[i] = i % 11 == 3 ? '0' : '1';
    strs[i] = i % 13 == 5 ? NULL : words[(i * 31) % 5];
  }
  mask[N] = 0;
  struct ArrowArray *cols[2] = {fx_i32(ints, N, mask), fx_utf8(strs, N)};
  struct ArrowArray *b = fx_batch(N, 2, cols);
  CHECK(blz_writer_write(w, b, &e) == BLZ_OK);
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  decoded *d = calloc(1, sizeof *d);
  decode_chunk(m.buf.data, m.buf.len, 0, false, d);
  int64_t k = 0;
  for (int i = 0; i < N; i++) {
    CHECK_EQ_INT(d->def[i], mask[i] == '1');
    if (mask[i] == '1') CHECK_EQ_INT(d->ints[k++], ints[i]);
  }
  CHECK_EQ_INT(k, d->nvals);
  decode_chunk(m.buf.data, m.buf.len, 1, true, d);
  k = 0;
  for (int i = 0; i < N; i++) {
    CHECK_EQ_INT(d->def[i], strs[i] != NULL);
    if (strs[i]) CHECK(!strcmp(d->strs[k++], strs[i]));
  }
  free(d);
  fx_free_array(b);
  blz_writer_destroy(w);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
}

static void roundtrip(bool dictionary, int64_t page_rows) { roundtrip_v(dictionary, page_rows, 1); }

void test_pages_arrow_dictionary_batches(void) {
  /* a dictionary-encoded column: each batch brings its own Arrow dictionary, and the same index
   * means another value in the next one (entries are mapped once per batch, never across); with
   * a null dictionary entry, a null index, and a selection (write_rows) of rows */
  struct ArrowSchema *s = fx_dict_utf8_schema("tag");
  blz_writer_options o;
  blz_writer_options_init(&o);
  o.compression = BLZ_COMPRESSION_UNCOMPRESSED;
  fx_mem m;
  blz_writer *w = fx_open_mem(s, &o, &m);
  blz_error e = {0};
  static const char *dicts[3][3] = {{"x", "y", "z"}, {"z", "x", NULL}, {"w", "y", "x"}};
  enum { N = 300 };
  char want[3 * N][16];
  bool valid[3 * N];
  int nw = 0;
  for (int b = 0; b < 3; b++) {
    int32_t idx[N];
    char mask[N + 1];
    for (int i = 0; i < N; i++) {
      idx[i] = (i * 7 + b) % 3;
      mask[i] = i % 17 == 4 ? '0' : '1';
    }
    mask[N] = 0;
    struct ArrowArray *cols[1] = {fx_dict_utf8(idx, N, mask, dicts[b], 3)};
    struct ArrowArray *batch = fx_batch(N, 1, cols);
    int64_t rows[N];
    int64_t n = 0;
    for (int i = 0; i < N; i++)
      if (b != 1 || i % 3 != 0) rows[n++] = b == 1 ? N - 1 - i : i; /* batch 1: a reversed selection */
    for (int64_t r = 0; r < n; r++) {
      int64_t i = rows[r];
      const char *v = mask[i] == '1' ? dicts[b][idx[i]] : NULL;
      valid[nw] = v != NULL;
      snprintf(want[nw++], 16, "%s", v ? v : "");
    }
    CHECK((b == 1 ? blz_writer_write_rows(w, batch, rows, n, &e) : blz_writer_write(w, batch, &e)) == BLZ_OK);
    if (b == 0) CHECK(blz_writer_flush_row_group(w, &e) == BLZ_OK);
    fx_free_array(batch);
  }
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  /* row group 0 holds batch 0; batches 1 and 2 share row group 1 (and its dictionary) */
  decoded *d = calloc(1, sizeof *d);
  int at = 0;
  for (int rg = 0; rg < 2; rg++) {
    decode_chunk_rg(m.buf.data, m.buf.len, rg, 0, true, d);
    int64_t k = 0;
    for (int64_t i = 0; i < d->n; i++, at++) {
      CHECK_EQ_INT(d->def[i], valid[at]);
      if (valid[at]) CHECK(!strcmp(d->strs[k++], want[at]));
    }
  }
  CHECK_EQ_INT(at, nw);
  blz_writer_destroy(w);
  blz_buf_free(&m.buf);

  /* one call whose rows span row groups: each new row group's dictionary starts empty, and
   * what the map knew of the old one must not leak into it */
  o.row_group_size_bytes = 4000;
  w = fx_open_mem(s, &o, &m);
  enum { M = 20000 };
  int32_t *idx = malloc(M * sizeof *idx);
  for (int i = 0; i < M; i++) idx[i] = (i / 5000) % 2 ? 2 - i % 3 : i % 3;
  struct ArrowArray *cols[1] = {fx_dict_utf8(idx, M, NULL, dicts[0], 3)};
  struct ArrowArray *batch = fx_batch(M, 1, cols);
  CHECK(blz_writer_write(w, batch, &e) == BLZ_OK);
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  CHECK(blz_writer_num_row_groups(w) > 1);
  at = 0;
  for (int rg = 0; rg < blz_writer_num_row_groups(w); rg++) {
    decode_chunk_rg(m.buf.data, m.buf.len, rg, 0, true, d);
    for (int64_t i = 0; i < d->n; i++, at++) CHECK(!strcmp(d->strs[i], dicts[0][idx[at]]));
  }
  CHECK_EQ_INT(at, M);
  fx_free_array(batch);
  free(idx);
  free(d);
  blz_writer_destroy(w);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
}

void test_pages_v2_roundtrip(void) {
  roundtrip_v(true, 100, 2);
  roundtrip_v(false, 100, 2);
}
void test_pages_dictionary_roundtrip(void) { roundtrip(true, 20000); }
void test_pages_plain_roundtrip(void) { roundtrip(false, 20000); }
void test_pages_many_small_pages(void) { roundtrip(true, 37); }

/* ColumnIndex and OffsetIndex: one entry per data page, offsets that land on page headers, rows
 * that add up, null pages flagged, bounds that bracket each page. */
void test_page_index(void) {
  struct ArrowSchema *fl[1] = {fx_schema("i", "v", true, 0, NULL)};
  struct ArrowSchema *s = fx_struct_schema(1, fl);
  blz_writer_options o;
  blz_writer_options_init(&o);
  o.data_page_row_limit = 100;
  fx_mem m;
  blz_writer *w = fx_open_mem(s, &o, &m);
  blz_error e = {0};
  enum { N = 450 };
  int32_t v[N];
  char mask[N + 1];
  for (int i = 0; i < N; i++) {
    v[i] = i;
    mask[i] = (i >= 100 && i < 200) ? '0' : '1'; /* the second page is all null */
  }
  mask[N] = 0;
  struct ArrowArray *cols[1] = {fx_i32(v, N, mask)};
  struct ArrowArray *b = fx_batch(N, 1, cols);
  CHECK(blz_writer_write(w, b, &e) == BLZ_OK);
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  tnode f;
  CHECK(tread_footer(m.buf.data, m.buf.len, &f) == 0);
  const tnode *chunk = &tget(&tget(&f, 4)->kids[0], 1)->kids[0];
  const tnode *oio = tget(chunk, 4), *oil = tget(chunk, 5), *cio = tget(chunk, 6), *cil = tget(chunk, 7);
  CHECK(oio && oil && cio && cil);
  if (oio && oil && cio && cil) {
    tnode oi, ci;
    CHECK(tread_struct(m.buf.data + oio->i, (size_t)oil->i, &oi) == (size_t)oil->i);
    CHECK(tread_struct(m.buf.data + cio->i, (size_t)cil->i, &ci) == (size_t)cil->i);
    const tnode *locs = tget(&oi, 1);
    CHECK_EQ_INT(locs->n, 5);
    for (int i = 0; i < locs->n; i++) {
      CHECK_EQ_INT(tget(&locs->kids[i], 3)->i, 100 * i);
      tnode ph;
      int64_t off = tget(&locs->kids[i], 1)->i;
      size_t hl = tread_struct(m.buf.data + off, m.buf.len - (size_t)off, &ph);
      CHECK(hl > 0 && tget(&ph, 1)->i == 0); /* a DATA_PAGE header starts there */
      CHECK_EQ_INT((int64_t)hl + tget(&ph, 3)->i, tget(&locs->kids[i], 2)->i);
      tnode_free(&ph);
    }
    const tnode *nulls = tget(&ci, 1), *mins = tget(&ci, 2), *maxs = tget(&ci, 3), *counts = tget(&ci, 5);
    CHECK(nulls->n == 5 && mins->n == 5 && maxs->n == 5 && counts->n == 5);
    CHECK(!nulls->kids[0].i && nulls->kids[1].i && !nulls->kids[2].i);
    CHECK_EQ_INT(counts->kids[1].i, 100);
    CHECK_EQ_INT(mins->kids[1].bin_len, 0);
    CHECK_EQ_INT((int32_t)blz_load_le32(mins->kids[2].bin), 200);
    CHECK_EQ_INT((int32_t)blz_load_le32(maxs->kids[2].bin), 299);
    CHECK_EQ_INT((int32_t)blz_load_le32(maxs->kids[4].bin), 449);
    tnode_free(&oi);
    tnode_free(&ci);
  }
  tnode_free(&f);
  fx_free_array(b);
  blz_writer_destroy(w);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
}

/* Nulls where the schema says there are none: a non-nullable int32 column, and a list whose
 * non-nullable item holds a null. Each batch is refused naming the column (and for the flat one
 * the row), nothing of it is written, and the writer takes the next batch. */
void test_nulls_in_non_nullable_refused(void) {
  struct ArrowSchema *item = fx_schema("i", "item", false, 0, NULL);
  struct ArrowSchema *fs[2] = {fx_schema("i", "n", false, 0, NULL), fx_schema("+l", "xs", true, 1, &item)};
  struct ArrowSchema *s = fx_struct_schema(2, fs);
  fx_mem m;
  blz_writer *w = fx_open_mem(s, NULL, &m);
  int32_t vals[4] = {1, 2, 0, 3}, offs[5] = {0, 1, 2, 3, 4};
  for (int k = 0; k < 3; k++) { /* a null in n; a null item; neither */
    struct ArrowArray *child = fx_i32(vals, 4, k == 1 ? "1101" : NULL);
    const void *bufs[2] = {NULL, offs};
    size_t sizes[2] = {0, sizeof offs};
    struct ArrowArray *cols[2] = {fx_i32(vals, 4, k == 0 ? "1110" : NULL), fx_array(4, 0, 0, 2, bufs, sizes, 1, &child)};
    struct ArrowArray *b = fx_batch(4, 2, cols);
    blz_error e = {0};
    blz_status st = blz_writer_write(w, b, &e);
    if (k == 0) CHECK(st == BLZ_EINVAL && strstr(e.message, "column n: row 3: a null in a column declared non-nullable"));
    if (k == 1) CHECK(st == BLZ_EINVAL && strstr(e.message, "xs.list.element") && strstr(e.message, "non-nullable"));
    if (k == 2) CHECK(st == BLZ_OK);
    fx_free_array(b);
  }
  blz_error e = {0};
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  CHECK_EQ_INT(blz_writer_num_rows(w), 4);
  blz_writer_destroy(w);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
}

/* A nullable list<nullable int32>: rows [1,2], null, [], [null,3] give the Dremel levels
 * def 3,3,0,1,2,3 and rep 0,1,0,0,0,1 with values 1,2,3; the schema is the 3-level LIST. */
void test_nested_list_levels(void) {
  struct ArrowSchema *item = fx_schema("i", "item", true, 0, NULL);
  struct ArrowSchema *lf[1] = {fx_schema("+l", "xs", true, 1, &item)};
  struct ArrowSchema *s = fx_struct_schema(1, lf);
  blz_writer_options o;
  blz_writer_options_init(&o);
  o.compression = BLZ_COMPRESSION_UNCOMPRESSED;
  o.enable_dictionary = 0;
  fx_mem m;
  blz_writer *w = fx_open_mem(s, &o, &m);
  blz_error e = {0};
  int32_t vals[4] = {1, 2, 0, 3};
  struct ArrowArray *child = fx_i32(vals, 4, "1101");
  uint8_t bits[1];
  fx_bits("1011", bits);
  int32_t offs[5] = {0, 2, 2, 2, 4};
  const void *bufs[2] = {bits, offs};
  size_t sizes[2] = {1, sizeof offs};
  struct ArrowArray *list = fx_array(4, 1, 0, 2, bufs, sizes, 1, &child);
  struct ArrowArray *cols[1] = {list};
  struct ArrowArray *b = fx_batch(4, 1, cols);
  CHECK(blz_writer_write(w, b, &e) == BLZ_OK);
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  tnode f;
  CHECK(tread_footer(m.buf.data, m.buf.len, &f) == 0);
  const tnode *schema = tget(&f, 2);
  CHECK_EQ_INT(schema->n, 4); /* root, xs (LIST), list (repeated), element */
  CHECK_EQ_INT(tget(&schema->kids[1], 6)->i, 3);
  CHECK_EQ_INT(tget(&schema->kids[2], 3)->i, 2);
  CHECK(tget(&schema->kids[3], 4)->bin_len == 7 && !memcmp(tget(&schema->kids[3], 4)->bin, "element", 7));
  const tnode *meta = tget(&tget(&tget(&f, 4)->kids[0], 1)->kids[0], 3);
  CHECK_EQ_INT(tget(meta, 3)->n, 3); /* path_in_schema xs.list.element */
  CHECK_EQ_INT(tget(meta, 5)->i, 6); /* num_values counts level entries */
  CHECK_EQ_INT(tget(&tget(&f, 4)->kids[0], 3)->i, 4); /* rows */
  int64_t pos = tget(meta, 9)->i;
  tnode h;
  size_t hl = tread_struct(m.buf.data + pos, m.buf.len - (size_t)pos, &h);
  CHECK_EQ_INT(tget(tget(&h, 5), 1)->i, 6);
  const uint8_t *p = m.buf.data + pos + hl;
  uint32_t rep[6], def[6];
  uint32_t rl = blz_load_le32(p);
  CHECK(blz_rle_decode(p + 4, rl, 1, rep, 6));
  p += 4 + rl;
  uint32_t dl = blz_load_le32(p);
  CHECK(blz_rle_decode(p + 4, dl, 2, def, 6));
  p += 4 + dl;
  const uint32_t want_rep[6] = {0, 1, 0, 0, 0, 1}, want_def[6] = {3, 3, 0, 1, 2, 3};
  for (int i = 0; i < 6; i++) {
    CHECK_EQ_INT(rep[i], want_rep[i]);
    CHECK_EQ_INT(def[i], want_def[i]);
  }
  CHECK_EQ_INT((int32_t)blz_load_le32(p), 1);
  CHECK_EQ_INT((int32_t)blz_load_le32(p + 4), 2);
  CHECK_EQ_INT((int32_t)blz_load_le32(p + 8), 3);
  tnode_free(&h);
  tnode_free(&f);
  fx_free_array(b);
  blz_writer_destroy(w);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
}

/* CRC-32 (reflected, polynomial 0xEDB88320) bit by bit: independent of the library's libdeflate. */
static uint32_t crc32_bitwise(const uint8_t *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
  }
  return ~c;
}

void test_page_checksums(void) {
  /* every page of every chunk (dictionary, RLE_DICTIONARY and PLAIN data pages, v1 and v2,
   * compressed) carries the CRC of the bytes after its header; without the option, none does */
  struct ArrowSchema *f[2] = {fx_schema("i", "id", true, 0, NULL), fx_schema("u", "name", true, 0, NULL)};
  struct ArrowSchema *s = fx_struct_schema(2, f);
  int32_t ids[3000];
  const char *names[3000];
  static const char *words[4] = {"alpha", "beta", NULL, "delta"};
  for (int i = 0; i < 3000; i++) ids[i] = i * 7, names[i] = words[i % 4];
  for (int variant = 0; variant < 3; variant++) {
    blz_writer_options o;
    blz_writer_options_init(&o);
    o.page_checksums = variant < 2;
    o.data_page_version = variant == 1 ? 2 : 1;
    o.compression = BLZ_COMPRESSION_ZSTD;
    o.data_page_row_limit = 700;
    fx_mem m;
    blz_writer *w = fx_open_mem(s, &o, &m);
    blz_error e = {0};
    struct ArrowArray *cols[2] = {fx_i32(ids, 3000, NULL), fx_utf8(names, 3000)};
    struct ArrowArray *b = fx_batch(3000, 2, cols);
    CHECK(blz_writer_write(w, b, &e) == BLZ_OK);
    CHECK(blz_writer_close(w, &e) == BLZ_OK);
    tnode ft;
    CHECK(tread_footer(m.buf.data, m.buf.len, &ft) == 0);
    int pages = 0, with_crc = 0, good = 0;
    for (int col = 0; col < 2; col++) {
      const tnode *meta = tget(&tget(&tget(&ft, 4)->kids[0], 1)->kids[col], 3);
      int64_t pos = tget(meta, 11) ? tget(meta, 11)->i : tget(meta, 9)->i;
      int64_t end = pos + tget(meta, 7)->i;
      while (pos < end) {
        tnode h;
        size_t hl = tread_struct(m.buf.data + pos, (size_t)(end - pos), &h);
        CHECK(hl > 0);
        int64_t csize = tget(&h, 3)->i;
        pages++;
        if (tget(&h, 4)) {
          with_crc++;
          good += (uint32_t)tget(&h, 4)->i == crc32_bitwise(m.buf.data + pos + hl, (size_t)csize);
        }
        tnode_free(&h);
        pos += (int64_t)hl + csize;
      }
    }
    CHECK(pages >= 8);
    CHECK_EQ_INT(with_crc, variant < 2 ? pages : 0);
    CHECK_EQ_INT(good, with_crc);
    tnode_free(&ft);
    fx_free_array(b);
    blz_writer_destroy(w);
    blz_buf_free(&m.buf);
  }
  fx_free_schema(s);
}

void test_pages_dictionary_index_widths(void) {
  /* Dictionary arrays of strings with int8, int16 and int32 indices and null rows: a small
   * dictionary (gathered by the fast path), one larger than twice the batch (row by row), and a
   * small one with a malformed entry no row uses (the fast path declines it; the file is the
   * same as without it); then an index out of range, refused naming its row. */
  static const char *vals[200];
  static char text[200][8];
  for (int v = 0; v < 200; v++) snprintf(text[v], sizeof text[v], "v%d", v * 7), vals[v] = text[v];
  const char *fmts[3] = {"c", "s", "i"};
  enum { N = 60 };
  char mask[N + 1];
  for (int i = 0; i < N; i++) mask[i] = i % 9 == 2 ? '0' : '1';
  mask[N] = 0;
  for (int f = 0; f < 3; f++)
    for (int variant = 0; variant < 3; variant++) {
      int64_t nvals = variant == 1 ? 200 : 6; /* 200 > 2 * 60 + 64 */
      int32_t idx[N];
      int32_t reach = f == 0 && nvals > 120 ? 120 : (int32_t)nvals; /* int8 indices stop at 127 */
      for (int i = 0; i < N; i++) idx[i] = variant == 2 ? (int32_t[]){0, 1, 4, 5}[i % 4] : (i * 37) % reach;
      struct ArrowSchema *s = fx_dict_utf8_schema_as(fmts[f], "tag");
      struct ArrowArray *cols[1] = {fx_dict_utf8_as(fmts[f], idx, N, mask, vals, nvals)};
      if (variant == 2) ((int32_t *)cols[0]->dictionary->buffers[1])[3] = 1; /* entry 2 decreasing */
      struct ArrowArray *batch = fx_batch(N, 1, cols);
      blz_writer_options o;
      blz_writer_options_init(&o);
      o.compression = BLZ_COMPRESSION_UNCOMPRESSED;
      fx_mem m;
      blz_writer *w = fx_open_mem(s, &o, &m);
      blz_error e = {0};
      blz_status wst = blz_writer_write(w, batch, &e);
      if (!wst) wst = blz_writer_close(w, &e);
      if (wst) fprintf(stderr, "  index %s, variant %d: %s\n", fmts[f], variant, e.message);
      CHECK_EQ_INT(wst, BLZ_OK);
      decoded *d = calloc(1, sizeof *d);
      if (!wst) decode_chunk_rg(m.buf.data, m.buf.len, 0, 0, true, d);
      CHECK_EQ_INT(d->n, N);
      int64_t k = 0, bad = 0;
      for (int i = 0; i < N; i++) {
        if (d->def[i] != (mask[i] == '1')) bad++;
        if (mask[i] == '1' && strcmp(d->strs[k++], vals[idx[i]])) bad++;
      }
      CHECK_EQ_INT(bad, 0);
      free(d);
      blz_writer_destroy(w);
      blz_buf_free(&m.buf);
      fx_free_array(batch);
      /* an index out of range at row 7 */
      idx[7] = f == 0 ? -3 : (int32_t)nvals + 1000;
      cols[0] = fx_dict_utf8_as(fmts[f], idx, N, mask, vals, nvals);
      batch = fx_batch(N, 1, cols);
      w = fx_open_mem(s, &o, &m);
      CHECK(blz_writer_write(w, batch, &e) != BLZ_OK);
      CHECK(strstr(e.message, "row 7") && strstr(e.message, "dictionary index"));
      blz_writer_destroy(w);
      blz_buf_free(&m.buf);
      fx_free_array(batch);
      fx_free_schema(s);
    }
}
