/* test_writer.c — the writer through the C Data Interface: footer contents, slicing, dictionary
 * fallback, row-group flushing, zero rows and bad input. */
#include "../../lib/parquet/bloom.h"
#include "../../lib/parquet/column.h"
#include "../../lib/parquet/schema_map.h"
#include "../../lib/common/blz_utf8.h"
#include "../../lib/parquet/writer_internal.h"
#include "../../lib/common/blz_pool.h"
#include "fixture.h"
#include "test.h"
#include "tests.h"
#include "tread.h"

static struct ArrowSchema *schema_i32_utf8(void) {
  struct ArrowSchema *f[2] = {fx_schema("i", "id", true, 0, NULL), fx_schema("u", "name", true, 0, NULL)};
  return fx_struct_schema(2, f);
}

static const tnode *rg_col_meta(const tnode *footer, int rg, int col) {
  const tnode *rgs = tget(footer, 4);
  if (!rgs || rg >= rgs->n) return NULL;
  const tnode *cols = tget(&rgs->kids[rg], 1);
  if (!cols || col >= cols->n) return NULL;
  return tget(&cols->kids[col], 3);
}

/* With UTF-8 checks off, a string column's bounds that are not UTF-8 stay out of the Delta
 * statistics (its minimum here: "\xff" sorts after "apple" as bytes, the maximum is "\xff..."),
 * and the document stays valid UTF-8; a column of valid strings keeps both bounds. */
void test_writer_delta_stats_leave_out_bounds_not_utf8(void) {
  struct ArrowSchema *s = schema_i32_utf8();
  blz_writer_options o;
  blz_writer_options_init(&o);
  o.validate_utf8 = 0;
  fx_mem m;
  blz_writer *w = fx_open_mem(s, &o, &m);
  int32_t ids[3] = {1, 2, 3};
  const char *names[3] = {"apple", "pear", "zz"};
  struct ArrowArray *cols[2] = {fx_i32(ids, 3, NULL), fx_utf8(names, 3)};
  struct ArrowArray *b = fx_batch(3, 2, cols);
  uint8_t *bytes = (uint8_t *)b->children[1]->buffers[2];
  bytes[9] = 0xFF; /* "zz" becomes "\xffz": the maximum, not UTF-8 */
  blz_error e = {0};
  CHECK(blz_writer_write(w, b, &e) == BLZ_OK);
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  blz_buf js = {0};
  CHECK(blz__writer_delta_stats(w, 32, &js, &e) == BLZ_OK);
  CHECK(blz_utf8_check(js.data, js.len) == js.len);
  blz_buf_push(&js, 0);
  CHECK_CONTAINS((char *)js.data, "\"minValues\":{\"id\":1,\"name\":\"apple\"}");
  CHECK_CONTAINS((char *)js.data, "\"maxValues\":{\"id\":3}");
  blz_buf_free(&js);
  fx_free_array(b);
  blz_writer_destroy(w);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
}

void test_writer_footer_and_stats(void) {
  struct ArrowSchema *s = schema_i32_utf8();
  fx_mem m;
  blz_writer *w = fx_open_mem(s, NULL, &m);
  int32_t ids[5] = {7, -3, 100, 0, 42};
  const char *names[5] = {"pear", NULL, "apple", "", "zebra"};
  struct ArrowArray *cols[2] = {fx_i32(ids, 5, "11011"), fx_utf8(names, 5)};
  struct ArrowArray *b = fx_batch(5, 2, cols);
  blz_error e = {0};
  CHECK(blz_writer_write(w, b, &e) == BLZ_OK);
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  tnode f;
  CHECK(tread_footer(m.buf.data, m.buf.len, &f) == 0);
  CHECK_EQ_INT(tget(&f, 3)->i, 5);                          /* num_rows */
  CHECK(tget(&f, 6) && memcmp(tget(&f, 6)->bin, "blizzard version ", 17) == 0);
  const tnode *schema = tget(&f, 2);
  CHECK_EQ_INT(schema->n, 3);
  CHECK_EQ_INT(tget(&schema->kids[1], 1)->i, PQ_INT32);
  CHECK_EQ_INT(tget(&schema->kids[1], 3)->i, 1);            /* OPTIONAL */
  CHECK_EQ_INT(tget(&schema->kids[2], 6)->i, CT_UTF8);
  CHECK_EQ_INT(tget(&f, 7)->n, 2);                          /* column orders */
  const tnode *c0 = rg_col_meta(&f, 0, 0), *c1 = rg_col_meta(&f, 0, 1);
  const tnode *st0 = tget(c0, 12), *st1 = tget(c1, 12);
  CHECK_EQ_INT(tget(st0, 3)->i, 1);                         /* one null id (row 2) */
  CHECK_EQ_INT((int32_t)blz_load_le32(tget(st0, 6)->bin), -3);
  CHECK_EQ_INT((int32_t)blz_load_le32(tget(st0, 5)->bin), 42); /* 100 is null */
  CHECK_EQ_INT(tget(st1, 3)->i, 1);
  CHECK_EQ_INT(tget(st1, 6)->bin_len, 0);                   /* "" is the minimum */
  CHECK(tget(st1, 5)->bin_len == 5 && !memcmp(tget(st1, 5)->bin, "zebra", 5));
  CHECK_EQ_INT(tget(c0, 5)->i, 5);                          /* num_values includes nulls */
  CHECK(tget(c0, 11) == NULL); /* 4 distinct values in 4: no dictionary (it would not pay) */
  CHECK(tget(c1, 11) == NULL);
  tnode_free(&f);
  fx_free_array(b);
  blz_writer_destroy(w);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
}

void test_writer_honours_offsets(void) {
  struct ArrowSchema *s = schema_i32_utf8();
  fx_mem m;
  blz_writer *w = fx_open_mem(s, NULL, &m);
  int32_t ids[6] = {1000, 2, 3, 4, 5, -1000};
  const char *names[6] = {"zzz", "b", NULL, "c", "d", "aaa"};
  struct ArrowArray *cols[2] = {fx_i32(ids, 6, NULL), fx_utf8(names, 6)};
  cols[0]->offset = 1; /* the child starts one later than the batch: rows are ids[2..5) */
  struct ArrowArray *b = fx_batch(3, 2, cols);
  b->offset = 1; /* and the batch itself is sliced: names[1..4) */
  cols[0]->length = 5;
  blz_error e = {0};
  CHECK(blz_writer_write(w, b, &e) == BLZ_OK);
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  tnode f;
  CHECK(tread_footer(m.buf.data, m.buf.len, &f) == 0);
  const tnode *st0 = tget(rg_col_meta(&f, 0, 0), 12), *st1 = tget(rg_col_meta(&f, 0, 1), 12);
  CHECK_EQ_INT((int32_t)blz_load_le32(tget(st0, 6)->bin), 3);
  CHECK_EQ_INT((int32_t)blz_load_le32(tget(st0, 5)->bin), 5);
  CHECK(tget(st1, 6)->bin_len == 1 && tget(st1, 6)->bin[0] == 'b');
  CHECK(tget(st1, 5)->bin_len == 1 && tget(st1, 5)->bin[0] == 'c');
  CHECK_EQ_INT(tget(st1, 3)->i, 1);
  tnode_free(&f);
  fx_free_array(b);
  blz_writer_destroy(w);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
}

static struct ArrowArray *i64_seq(int64_t start, int64_t n) {
  int64_t *v = malloc((size_t)n * 8);
  for (int64_t i = 0; i < n; i++) v[i] = start + i;
  const void *bufs[2] = {NULL, v};
  size_t sizes[2] = {0, (size_t)n * 8};
  struct ArrowArray *a = fx_array(n, 0, 0, 2, bufs, sizes, 0, NULL);
  free(v);
  return a;
}

void test_writer_dictionary_fallback_and_row_groups(void) {
  struct ArrowSchema *f1[1] = {fx_schema("l", "x", false, 0, NULL)};
  struct ArrowSchema *s = fx_struct_schema(1, f1);
  blz_writer_options o;
  blz_writer_options_init(&o);
  o.dictionary_page_size_limit = 8 * 1000; /* 1000 distinct int64 values */
  o.row_group_size_bytes = 300 * 1000;
  o.compression = BLZ_COMPRESSION_UNCOMPRESSED;
  /* distinct values never pay for a dictionary: keep it anyway, until the size limit */
  blz_column_encoding ce = {"x", BLZ_ENCODING_RLE_DICTIONARY};
  o.column_encodings = &ce;
  o.n_column_encodings = 1;
  fx_mem m;
  blz_writer *w = fx_open_mem(s, &o, &m);
  blz_error e = {0};
  int64_t total = 0;
  for (int k = 0; k < 10; k++) {
    struct ArrowArray *cols[1] = {i64_seq(total, 20000)};
    struct ArrowArray *b = fx_batch(20000, 1, cols);
    CHECK(blz_writer_write(w, b, &e) == BLZ_OK);
    total += 20000;
    fx_free_array(b);
  }
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  tnode f;
  CHECK(tread_footer(m.buf.data, m.buf.len, &f) == 0);
  const tnode *rgs = tget(&f, 4);
  CHECK(rgs->n >= 5); /* 1.6 MB of PLAIN int64 in row groups of ~300 KB */
  int64_t rows = 0;
  for (int r = 0; r < rgs->n; r++) {
    rows += tget(&rgs->kids[r], 3)->i;
    CHECK(tget(&rgs->kids[r], 6)->i < 400 * 1000); /* never far above the target */
  }
  CHECK_EQ_INT(rows, total);
  /* the first chunk starts with dictionary pages and falls back to PLAIN */
  const tnode *es = tget(rg_col_meta(&f, 0, 0), 13);
  int dict_pages = 0, plain_pages = 0;
  for (int i = 0; i < es->n; i++) {
    int64_t type = tget(&es->kids[i], 1)->i, enc = tget(&es->kids[i], 2)->i;
    if (type == 0 && enc == 8) dict_pages += (int)tget(&es->kids[i], 3)->i;
    if (type == 0 && enc == 0) plain_pages += (int)tget(&es->kids[i], 3)->i;
  }
  CHECK(dict_pages >= 1);
  CHECK(plain_pages >= 1);
  const tnode *st = tget(rg_col_meta(&f, rgs->n - 1, 0), 12);
  CHECK_EQ_INT((int64_t)blz_load_le64(tget(st, 5)->bin), total - 1);
  tnode_free(&f);
  blz_writer_destroy(w);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
}

void test_writer_zero_rows(void) {
  struct ArrowSchema *s = schema_i32_utf8();
  fx_mem m;
  blz_writer *w = fx_open_mem(s, NULL, &m);
  blz_error e = {0};
  struct ArrowArray *cols[2] = {fx_i32(NULL, 0, NULL), fx_utf8(NULL, 0)};
  struct ArrowArray *b = fx_batch(0, 2, cols);
  CHECK(blz_writer_write(w, b, &e) == BLZ_OK);
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  tnode f;
  CHECK(tread_footer(m.buf.data, m.buf.len, &f) == 0);
  CHECK_EQ_INT(tget(&f, 3)->i, 0);
  CHECK_EQ_INT(tget(&f, 4)->n, 0);
  CHECK_EQ_INT(tget(&f, 2)->n, 3);
  tnode_free(&f);
  fx_free_array(b);
  blz_writer_destroy(w);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
}

void test_writer_rejects_bad_input(void) {
  struct ArrowSchema *s = schema_i32_utf8();
  fx_mem m;
  blz_writer *w = fx_open_mem(s, NULL, &m);
  blz_error e = {0};
  int32_t ids[2] = {1, 2};
  struct ArrowArray *one[1] = {fx_i32(ids, 2, NULL)};
  struct ArrowArray *b = fx_batch(2, 1, one);
  CHECK(blz_writer_write(w, b, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "batch has 1 columns, schema has 2");
  fx_free_array(b);
  /* a child shorter than the batch */
  const char *names[1] = {"a"};
  struct ArrowArray *two[2] = {fx_i32(ids, 2, NULL), fx_utf8(names, 1)};
  b = fx_batch(2, 2, two);
  CHECK(blz_writer_write(w, b, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "column name");
  fx_free_array(b);
  /* the writer is still usable after rejected input */
  const char *ok_names[2] = {"a", "b"};
  struct ArrowArray *good[2] = {fx_i32(ids, 2, NULL), fx_utf8(ok_names, 2)};
  b = fx_batch(2, 2, good);
  CHECK(blz_writer_write(w, b, &e) == BLZ_OK);
  fx_free_array(b);
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  blz_writer_destroy(w);
  blz_writer_destroy(NULL);
  fx_free_schema(s);
  blz_buf_free(&m.buf);

  /* unsupported types are refused at create, naming the column */
  struct ArrowSchema *nested_f[1] = {fx_schema("+s", "nest", true, 0, NULL)};
  struct ArrowSchema *ns = fx_struct_schema(1, nested_f);
  blz_output sink = {&m, fx_mem_write};
  blz_writer *w2 = NULL;
  CHECK(blz_writer_create(ns, NULL, &sink, &w2, &e) == BLZ_ENOTSUP);
  CHECK_CONTAINS(e.message, "column nest: a struct without fields");
  CHECK(w2 == NULL);
  fx_free_schema(ns);
}

void test_writer_dictionary_utf8_checked_each_batch(void) {
  /* dictionary entries are UTF-8-checked once per batch, not once for good: the same buffers with
   * an entry spoiled are refused the next time */
  struct ArrowSchema *s = fx_dict_utf8_schema("tag");
  fx_mem m;
  blz_writer *w = fx_open_mem(s, NULL, &m);
  const char *dict_vals[2] = {"x", "y"};
  int32_t idx[4] = {0, 1, 1, 0};
  struct ArrowArray *ia = fx_dict_utf8(idx, 4, NULL, dict_vals, 2);
  struct ArrowArray *cols[1] = {ia};
  struct ArrowArray *b = fx_batch(4, 1, cols);
  blz_error e = {0};
  CHECK(blz_writer_write(w, b, &e) == BLZ_OK);
  ((uint8_t *)ia->dictionary->buffers[2])[1] = 0xC3; /* "y": a lead byte without its continuation */
  CHECK(blz_writer_write(w, b, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "column tag: row 1: invalid UTF-8");
  CHECK(blz_writer_validate(w, b, &e) == BLZ_EINVAL);
  ((uint8_t *)ia->dictionary->buffers[2])[1] = 'z';
  CHECK(blz_writer_write(w, b, &e) == BLZ_OK);
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  CHECK_EQ_INT(blz_writer_num_rows(w), 8);
  fx_free_array(b);
  blz_writer_destroy(w);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
}

/* The gather checks a dictionary's entries as one run; a run that is valid UTF-8 only because an
 * entry ends inside a character the next entry finishes ("\xc3" then "\xa9") must not pass the
 * entries: rows using only "x" are accepted, a row using "\xa9" is refused by its number. */
void test_writer_dictionary_utf8_split_entries(void) {
  struct ArrowSchema *s = fx_dict_utf8_schema("tag");
  const char *dict_vals[4] = {"x", "\xc3", "\xa9", "\xc3\xa9"};
  for (int variant = 0; variant < 3; variant++) {
    fx_mem m;
    blz_writer *w = fx_open_mem(s, NULL, &m);
    int32_t idx[4] = {0, 3, 0, 3};
    if (variant == 1) idx[2] = 2;
    if (variant == 2) idx[1] = 1;
    struct ArrowArray *cols[1] = {fx_dict_utf8(idx, 4, NULL, dict_vals, 4)};
    struct ArrowArray *b = fx_batch(4, 1, cols);
    blz_error e = {0};
    blz_status st = blz_writer_write(w, b, &e);
    if (variant == 0) {
      CHECK_EQ_INT(st, BLZ_OK);
    } else {
      CHECK_EQ_INT(st, BLZ_EINVAL);
      CHECK_CONTAINS(e.message, variant == 1 ? "column tag: row 2: invalid UTF-8" : "column tag: row 1: invalid UTF-8");
    }
    fx_free_array(b);
    blz_writer_destroy(w);
    blz_buf_free(&m.buf);
  }
  fx_free_schema(s);
}

void test_writer_dictionary_array_bad_index(void) {
  struct ArrowSchema *s = fx_dict_utf8_schema("tag");
  fx_mem m;
  blz_writer *w = fx_open_mem(s, NULL, &m);
  const char *dict_vals[2] = {"x", "y"};
  int32_t idx[3] = {0, 1, 5};
  struct ArrowArray *ia = fx_dict_utf8(idx, 3, NULL, dict_vals, 2);
  struct ArrowArray *cols[1] = {ia};
  struct ArrowArray *b = fx_batch(3, 1, cols);
  blz_error e = {0};
  CHECK(blz_writer_write(w, b, &e) == BLZ_EFORMAT);
  CHECK_CONTAINS(e.message, "column tag: row 2: dictionary index 5 out of range");
  idx[2] = 1;
  ((int32_t *)ia->buffers[1])[2] = 1;
  CHECK(blz_writer_write(w, b, &e) == BLZ_OK);
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  tnode f;
  CHECK(tread_footer(m.buf.data, m.buf.len, &f) == 0);
  CHECK_EQ_INT(tget(&f, 3)->i, 3);
  const tnode *st = tget(rg_col_meta(&f, 0, 0), 12);
  CHECK(tget(st, 5)->bin[0] == 'y');
  tnode_free(&f);
  fx_free_array(b);
  blz_writer_destroy(w);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
}

void test_writer_sink_failure_is_reported(void) {
  struct ArrowSchema *s = schema_i32_utf8();
  fx_mem m;
  blz_writer *w = fx_open_mem(s, NULL, &m);
  m.fail_after = 10;
  int32_t ids[2] = {1, 2};
  const char *names[2] = {"a", "b"};
  struct ArrowArray *cols[2] = {fx_i32(ids, 2, NULL), fx_utf8(names, 2)};
  struct ArrowArray *b = fx_batch(2, 2, cols);
  blz_error e = {0};
  CHECK(blz_writer_write(w, b, &e) == BLZ_OK);
  CHECK(blz_writer_close(w, &e) == BLZ_EIO);
  CHECK_CONTAINS(e.message, "write refused");
  CHECK(blz_writer_write(w, b, &e) == BLZ_EINVAL); /* a failed writer stays failed */
  fx_free_array(b);
  blz_writer_destroy(w);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
}

void test_writer_null_count_unknown(void) {
  struct ArrowSchema *f1[1] = {fx_schema("i", "v", true, 0, NULL)};
  struct ArrowSchema *s = fx_struct_schema(1, f1);
  fx_mem m;
  blz_writer *w = fx_open_mem(s, NULL, &m);
  int32_t v[4] = {1, 2, 3, 4};
  struct ArrowArray *a = fx_i32(v, 4, "1010");
  a->null_count = -1; /* "not computed": the bitmap decides */
  struct ArrowArray *cols[1] = {a};
  struct ArrowArray *b = fx_batch(4, 1, cols);
  blz_error e = {0};
  CHECK(blz_writer_write(w, b, &e) == BLZ_OK);
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  tnode f;
  CHECK(tread_footer(m.buf.data, m.buf.len, &f) == 0);
  const tnode *st = tget(rg_col_meta(&f, 0, 0), 12);
  CHECK_EQ_INT(tget(st, 3)->i, 2);
  CHECK_EQ_INT((int32_t)blz_load_le32(tget(st, 5)->bin), 3);
  tnode_free(&f);
  fx_free_array(b);
  blz_writer_destroy(w);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
}

/* Signed columns also carry the deprecated min/max for old readers; strings do not. */
void test_writer_legacy_min_max(void) {
  struct ArrowSchema *s = schema_i32_utf8();
  fx_mem m;
  blz_writer *w = fx_open_mem(s, NULL, &m);
  int32_t ids[3] = {5, -9, 2};
  const char *names[3] = {"b", "a", "c"};
  struct ArrowArray *cols[2] = {fx_i32(ids, 3, NULL), fx_utf8(names, 3)};
  struct ArrowArray *b = fx_batch(3, 2, cols);
  blz_error e = {0};
  CHECK(blz_writer_write(w, b, &e) == BLZ_OK);
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  tnode f;
  CHECK(tread_footer(m.buf.data, m.buf.len, &f) == 0);
  const tnode *st0 = tget(rg_col_meta(&f, 0, 0), 12), *st1 = tget(rg_col_meta(&f, 0, 1), 12);
  CHECK(tget(st0, 1) && (int32_t)blz_load_le32(tget(st0, 1)->bin) == 5);
  CHECK(tget(st0, 2) && (int32_t)blz_load_le32(tget(st0, 2)->bin) == -9);
  CHECK(tget(st1, 1) == NULL && tget(st1, 2) == NULL);
  CHECK(tget(st1, 5) && tget(st1, 6));
  tnode_free(&f);
  fx_free_array(b);
  blz_writer_destroy(w);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
}

/* Malformed C Data Interface structs are refused with a message, never dereferenced blindly. */
void test_writer_malformed_c_data(void) {
  struct ArrowSchema bad = {0};
  bad.format = "+s";
  bad.n_children = 2; /* but no children array */
  fx_mem m = {{0}, -1};
  blz_output out = {&m, fx_mem_write};
  blz_writer *w = NULL;
  blz_error e = {0};
  CHECK(blz_writer_create(&bad, NULL, &out, &w, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "missing children");
  struct ArrowSchema *nf[1] = {fx_schema("i", "x", true, 0, NULL)};
  free((void *)nf[0]->format);
  nf[0]->format = NULL;
  struct ArrowSchema *s = fx_struct_schema(1, nf);
  CHECK(blz_writer_create(s, NULL, &out, &w, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "column 'x'");
  fx_free_schema(s);
  s = schema_i32_utf8();
  w = fx_open_mem(s, NULL, &m);
  struct ArrowArray b = {0};
  b.length = 1;
  b.n_children = 2; /* children missing */
  b.release = (void (*)(struct ArrowArray *))1;
  CHECK(blz_writer_write(w, &b, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "no children");
  int32_t ids[1] = {1};
  struct ArrowArray *cols[2] = {fx_i32(ids, 1, NULL), fx_utf8((const char *[]){"a"}, 1)};
  free((void *)cols[1]->buffers[2]);
  cols[1]->buffers[2] = NULL; /* a string column without its data buffer */
  struct ArrowArray *bb = fx_batch(1, 2, cols);
  CHECK(blz_writer_write(w, bb, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "column name: buffer 2 is NULL");
  fx_free_array(bb);
  blz_writer_destroy(w);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
}

/* The next of a xorshift64 sequence: test data that looks random and is the same every run. */
static uint64_t xorshift(uint64_t *x) {
  *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
  return *x;
}

static struct ArrowArray *i64_vals(const int64_t *v, int64_t n) {
  const void *bufs[2] = {NULL, v};
  size_t sizes[2] = {0, (size_t)n * 8};
  return fx_array(n, 0, 0, 2, bufs, sizes, 0, NULL);
}

/* Data pages of column `col` in row group 0 by encoding, from the footer's encoding_stats. */
static void page_encodings(const tnode *f, int col, int counts[10]) {
  memset(counts, 0, 10 * sizeof *counts);
  const tnode *es = tget(rg_col_meta(f, 0, col), 13);
  for (int i = 0; es && i < es->n; i++) {
    int64_t type = tget(&es->kids[i], 1)->i, enc = tget(&es->kids[i], 2)->i;
    if (type != 2 && enc >= 0 && enc < 10) counts[enc] += (int)tget(&es->kids[i], 3)->i;
  }
}

/* Writes int64 columns a, b (n rows each) with options o into *m (the caller frees m->buf, which
 * the footer *f points into). */
static void write_two_i64(const int64_t *a, const int64_t *b, int64_t n, const blz_writer_options *o,
                          fx_mem *m, tnode *f) {
  struct ArrowSchema *fs[2] = {fx_schema("l", "a", false, 0, NULL), fx_schema("l", "b", false, 0, NULL)};
  struct ArrowSchema *s = fx_struct_schema(2, fs);
  blz_writer *w = fx_open_mem(s, o, m);
  struct ArrowArray *cols[2] = {i64_vals(a, n), i64_vals(b, n)};
  struct ArrowArray *batch = fx_batch(n, 2, cols);
  blz_error e = {0};
  CHECK(blz_writer_write(w, batch, &e) == BLZ_OK);
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  CHECK(tread_footer(m->buf.data, m->buf.len, f) == 0);
  fx_free_array(batch);
  blz_writer_destroy(w);
  fx_free_schema(s);
}

/* Column a kept its dictionary (a dictionary page, only RLE_DICTIONARY data pages); column b gave
 * it up (no dictionary page, only PLAIN data pages). */
static void check_dictionary_then_plain(const tnode *f) {
  int enc[10];
  CHECK(tget(rg_col_meta(f, 0, 0), 11) != NULL);
  page_encodings(f, 0, enc);
  CHECK(enc[8] >= 1 && enc[0] == 0);
  CHECK(tget(rg_col_meta(f, 0, 1), 11) == NULL);
  page_encodings(f, 1, enc);
  CHECK(enc[8] == 0 && enc[0] >= 1);
}

/* Writes int64 columns a and b (n rows, options o) and checks a kept its dictionary and b gave it
 * up (check_dictionary_then_plain). */
static void expect_dictionary_then_plain(const int64_t *a, const int64_t *b, int64_t n, const blz_writer_options *o) {
  tnode f;
  fx_mem m;
  write_two_i64(a, b, n, o, &m, &f);
  check_dictionary_then_plain(&f);
  tnode_free(&f);
  blz_buf_free(&m.buf);
}

void test_writer_dictionary_judged_per_chunk(void) {
  /* a: 10 values repeating (the dictionary pays); b: every value distinct (it never does). 1000
   * rows are judged at the end of the first page, 50000 rows early (too few repeats from 512
   * values on: dictionary_hopeless) */
  int64_t sizes[2] = {1000, 50000};
  for (int k = 0; k < 2; k++) {
    int64_t n = sizes[k];
    int64_t *a = malloc((size_t)n * 8), *b = malloc((size_t)n * 8);
    for (int64_t i = 0; i < n; i++) a[i] = i % 10, b[i] = i * 7919 + 3;
    tnode f;
    fx_mem m;
    write_two_i64(a, b, n, NULL, &m, &f);
    check_dictionary_then_plain(&f);
    const tnode *st = tget(rg_col_meta(&f, 0, 1), 12); /* statistics survive the change of mind */
    CHECK_EQ_INT((int64_t)blz_load_le64(tget(st, 6)->bin), 3);
    CHECK_EQ_INT((int64_t)blz_load_le64(tget(st, 5)->bin), (n - 1) * 7919 + 3);
    tnode_free(&f);
    blz_buf_free(&m.buf);
    free(a);
    free(b);
  }
}

void test_writer_dictionary_must_save_a_tenth(void) {
  /* 20,000 rows (one page): a cycles through 1,000 values (dictionary 8 KB + 10-bit indices, a
   * fifth of PLAIN's 160 KB: kept); b draws from 30,000 values (about 14,600 distinct: 117 KB +
   * 14-bit indices = 152 KB, 95% of PLAIN, with repeats from the start: a dictionary saving under
   * a tenth is given up) */
  int64_t n = 20000;
  int64_t *a = malloc((size_t)n * 8), *b = malloc((size_t)n * 8);
  uint64_t x = 88172645463325252ULL;
  for (int64_t i = 0; i < n; i++) a[i] = (i % 1000) * 1000003, b[i] = (int64_t)(xorshift(&x) % 30000) * 1000003;
  expect_dictionary_then_plain(a, b, n, NULL);
  free(a);
  free(b);
}

void test_writer_dictionary_not_given_up_early(void) {
  /* one page of 100,000 rows: a draws from 40,000 values (about 36,700 distinct: 294 KB + 16-bit
   * indices, 62% of PLAIN's 800 KB, though its first 512 values have about three repeats: kept);
   * b is distinct throughout (given up after its first piece) */
  int64_t n = 100000;
  int64_t *a = malloc((size_t)n * 8), *b = malloc((size_t)n * 8);
  uint64_t x = 88172645463325252ULL;
  for (int64_t i = 0; i < n; i++) a[i] = (int64_t)(xorshift(&x) % 40000) * 1000003, b[i] = i * 7919 + 3;
  blz_writer_options o;
  blz_writer_options_init(&o);
  o.data_page_row_limit = 0;
  expect_dictionary_then_plain(a, b, n, &o);
  free(a);
  free(b);
}

void test_writer_dictionary_page_bit_width(void) {
  /* each dictionary page packs its indices with the width of the largest one it holds: the first
   * page (values cycling through 1,000) needs 10 bits, the second (10 of the same values) 4, though
   * the dictionary then has 1,000 entries */
  int64_t n = 40000;
  int64_t *a = malloc((size_t)n * 8), *b = malloc((size_t)n * 8);
  for (int64_t i = 0; i < n; i++) a[i] = i < 20000 ? i % 1000 : i % 10, b[i] = i % 3;
  blz_writer_options o;
  blz_writer_options_init(&o);
  o.compression = BLZ_COMPRESSION_UNCOMPRESSED;
  tnode f;
  fx_mem m;
  write_two_i64(a, b, n, &o, &m, &f);
  int64_t at = tget(rg_col_meta(&f, 0, 0), 9)->i;
  int widths[2] = {-1, -1};
  for (int page = 0; page < 2; page++) {
    tnode h;
    size_t hl = tread_struct(m.buf.data + at, m.buf.len - (size_t)at, &h);
    CHECK(hl > 0);
    CHECK_EQ_INT(tget(&h, 1)->i, 0); /* DATA_PAGE */
    widths[page] = m.buf.data[at + (int64_t)hl]; /* a required column: the width byte comes first */
    at += (int64_t)hl + tget(&h, 3)->i;
    tnode_free(&h);
  }
  CHECK_EQ_INT(widths[0], 10);
  CHECK_EQ_INT(widths[1], 4);
  tnode_free(&f);
  blz_buf_free(&m.buf);
  free(a);
  free(b);
}

void test_writer_compact_profile_encodings(void) {
  /* a: sorted timestamps (DELTA_BINARY_PACKED is far smaller than PLAIN); b: random 64-bit
   * values (delta encoding would be larger: PLAIN stays) */
  int64_t n = 30000;
  int64_t *a = malloc((size_t)n * 8), *b = malloc((size_t)n * 8);
  uint64_t x = 88172645463325252ULL;
  for (int64_t i = 0; i < n; i++) a[i] = 1700000000000000 + i * 1000003, b[i] = (int64_t)xorshift(&x);
  blz_writer_options o;
  blz_writer_options_init(&o);
  o.encoding_profile = BLZ_PROFILE_COMPACT;
  tnode f;
  fx_mem m;
  write_two_i64(a, b, n, &o, &m, &f);
  int enc[10];
  page_encodings(&f, 0, enc);
  CHECK(enc[5] >= 1 && enc[0] == 0 && enc[8] == 0);
  CHECK(tget(rg_col_meta(&f, 0, 0), 7)->i < n); /* under one byte a value, compressed */
  page_encodings(&f, 1, enc);
  CHECK(enc[0] >= 1 && enc[5] == 0 && enc[8] == 0);
  tnode_free(&f);
  blz_buf_free(&m.buf);
  /* the same columns in the compatible profile: PLAIN only */
  write_two_i64(a, b, n, NULL, &m, &f);
  page_encodings(&f, 0, enc);
  CHECK(enc[0] >= 1 && enc[5] == 0);
  tnode_free(&f);
  blz_buf_free(&m.buf);
  free(a);
  free(b);
}

void test_writer_column_encoding_errors(void) {
  struct ArrowSchema *s = schema_i32_utf8();
  fx_mem m = {0};
  blz_output sink = {&m, fx_mem_write};
  blz_writer_options o;
  blz_writer_options_init(&o);
  blz_writer *w = NULL;
  blz_error e = {0};
  blz_column_encoding bad_type[1] = {{"name", BLZ_ENCODING_DELTA_BINARY_PACKED}};
  o.column_encodings = bad_type;
  o.n_column_encodings = 1;
  CHECK(blz_writer_create(s, &o, &sink, &w, &e) == BLZ_EINVAL && !w);
  CHECK_CONTAINS(e.message, "column name: encoding delta_binary_packed does not apply");
  blz_column_encoding no_such[1] = {{"nope", BLZ_ENCODING_PLAIN}};
  o.column_encodings = no_such;
  CHECK(blz_writer_create(s, &o, &sink, &w, &e) == BLZ_EINVAL && !w);
  CHECK_CONTAINS(e.message, "no column named 'nope'");
  blz_column_encoding bss_int[1] = {{"id", BLZ_ENCODING_BYTE_STREAM_SPLIT}};
  o.column_encodings = bss_int;
  CHECK(blz_writer_create(s, &o, &sink, &w, &e) == BLZ_EINVAL && !w);
  o.column_encodings = NULL;
  o.encoding_profile = (blz_encoding_profile)7;
  CHECK(blz_writer_create(s, &o, &sink, &w, &e) == BLZ_EINVAL && !w);
  blz_encoding enc;
  CHECK(blz_encoding_parse("DELTA_BYTE_ARRAY", &enc) == BLZ_OK && enc == BLZ_ENCODING_DELTA_BYTE_ARRAY);
  CHECK(blz_encoding_parse("delta", &enc) == BLZ_EINVAL);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
}

void test_writer_refuses_invalid_utf8(void) {
  /* "\xc3" + "\xa9" is é when concatenated, but neither value is valid UTF-8 on its own */
  struct ArrowSchema *s = schema_i32_utf8();
  fx_mem m;
  blz_writer *w = fx_open_mem(s, NULL, &m);
  int32_t ids[3] = {1, 2, 3};
  const char *split[3] = {"ok", "\xc3", "\xa9"};
  struct ArrowArray *cols[2] = {fx_i32(ids, 3, NULL), fx_utf8(split, 3)};
  struct ArrowArray *b = fx_batch(3, 2, cols);
  blz_error e = {0};
  CHECK(blz_writer_write(w, b, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "column name: row 1: invalid UTF-8 at byte 0");
  /* refused without a trace: a good batch after it is written, and only it */
  const char *good[3] = {"a", "\xc3\xa9", "\xf0\x9f\x99\x82"};
  struct ArrowArray *cols2[2] = {fx_i32(ids, 3, NULL), fx_utf8(good, 3)};
  struct ArrowArray *b2 = fx_batch(3, 2, cols2);
  CHECK(blz_writer_write(w, b2, &e) == BLZ_OK);
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  CHECK_EQ_INT(blz_writer_num_rows(w), 3);
  blz_writer_destroy(w);
  /* trusted input: the check can be turned off */
  blz_writer_options o;
  blz_writer_options_init(&o);
  o.validate_utf8 = 0;
  fx_mem m2;
  w = fx_open_mem(s, &o, &m2);
  CHECK(blz_writer_write(w, b, &e) == BLZ_OK);
  blz_writer_destroy(w);
  fx_free_array(b);
  fx_free_array(b2);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
  blz_buf_free(&m2.buf);
}

void test_writer_bloom_filters(void) {
  /* a filter after each chunk of the named column, in two row groups; each holds that chunk's
   * values (a bit-exact SBBF check of the spec's layout) and turns most absent ones away */
  int64_t n = 20000;
  int64_t *a = malloc((size_t)n * 8), *b = malloc((size_t)n * 8);
  for (int64_t i = 0; i < n; i++) a[i] = i * 31, b[i] = i % 7;
  const char *cols[1] = {"a"};
  blz_writer_options o;
  blz_writer_options_init(&o);
  o.bloom_filter_columns = cols;
  o.n_bloom_filter_columns = 1;
  o.row_group_size_bytes = 100000; /* several row groups */
  tnode f;
  fx_mem m;
  write_two_i64(a, b, n, &o, &m, &f);
  const tnode *rgs = tget(&f, 4);
  CHECK(rgs->n >= 2);
  int64_t row = 0, absent_pass = 0, absent = 0;
  for (int r = 0; r < rgs->n; r++) {
    const tnode *ca = tget(&tget(&rgs->kids[r], 1)->kids[0], 3), *cb = tget(&tget(&rgs->kids[r], 1)->kids[1], 3);
    CHECK(tget(cb, 14) == NULL); /* only the named column */
    const tnode *off = tget(ca, 14), *len = tget(ca, 15);
    CHECK(off && len);
    if (!off || !len) break;
    /* right after its chunk's pages */
    int64_t chunk_end = (tget(ca, 11) ? tget(ca, 11)->i : tget(ca, 9)->i) + tget(ca, 7)->i;
    CHECK_EQ_INT(off->i, chunk_end);
    tnode h;
    size_t hl = tread_struct(m.buf.data + off->i, (size_t)len->i, &h);
    CHECK(hl > 0);
    int64_t nbytes = tget(&h, 1)->i;
    CHECK(tget(tget(&h, 2), 1) && tget(tget(&h, 3), 1) && tget(tget(&h, 4), 1)); /* BLOCK, XXHASH, UNCOMPRESSED */
    CHECK_EQ_INT((int64_t)hl + nbytes, len->i);
    CHECK(nbytes >= 32 && (nbytes & (nbytes - 1)) == 0);
    const uint8_t *bits = m.buf.data + off->i + hl;
    int64_t rows = tget(&rgs->kids[r], 3)->i, missing = 0;
    for (int64_t i = row; i < row + rows; i++) missing += !blz_bloom_check(bits, (size_t)nbytes, blz_bloom_hash(&a[i], 8));
    CHECK_EQ_INT(missing, 0);
    for (int64_t v = 1; v < 2000; v++) { /* not multiples of 31: absent */
      int64_t x = v * 31 + 5;
      absent++;
      absent_pass += blz_bloom_check(bits, (size_t)nbytes, blz_bloom_hash(&x, 8));
    }
    tnode_free(&h);
    row += rows;
  }
  CHECK(absent_pass * 100 <= absent * 3); /* fpp 0.01, with room */
  tnode_free(&f);
  blz_buf_free(&m.buf);
  /* a boolean column or an unknown name is refused when the writer is created */
  struct ArrowSchema *fs[1] = {fx_schema("b", "flag", true, 0, NULL)};
  struct ArrowSchema *s = fx_struct_schema(1, fs);
  const char *flag[1] = {"flag"}, *nope[1] = {"nope"};
  blz_output out = {&m, fx_mem_write};
  blz_writer *w = NULL;
  blz_error e = {0};
  o.bloom_filter_columns = flag;
  CHECK(blz_writer_create(s, &o, &out, &w, &e) == BLZ_EINVAL && !w);
  CHECK_CONTAINS(e.message, "does not apply to boolean");
  o.bloom_filter_columns = nope;
  CHECK(blz_writer_create(s, &o, &out, &w, &e) == BLZ_EINVAL && !w);
  CHECK_CONTAINS(e.message, "no column named 'nope'");
  fx_free_schema(s);
  free(a);
  free(b);
}

void test_writer_arrow_types_issue12(void) {
  /* decimal32(4,1) -> INT32 DECIMAL, duration[us] -> INT64, interval[year_month] -> FLBA(12) INTERVAL
   * with no min/max; interval[month_day_nano] is refused naming the Arrow type */
  struct ArrowSchema *f[3] = {fx_schema("d:4,1,32", "price", true, 0, NULL), fx_schema("tDu", "took", true, 0, NULL),
                              fx_schema("tiM", "span", true, 0, NULL)};
  struct ArrowSchema *s = fx_struct_schema(3, f);
  fx_mem m;
  blz_writer *w = fx_open_mem(s, NULL, &m);
  int32_t dec[3] = {9999, -9999, 12};
  int64_t dur[3] = {-5, 7000000, 0};
  int32_t months[3] = {14, -3, 0};
  const void *db[2] = {NULL, dec}, *ub[2] = {NULL, dur}, *mb[2] = {NULL, months};
  size_t ds[2] = {0, sizeof dec}, us[2] = {0, sizeof dur}, ms[2] = {0, sizeof months};
  struct ArrowArray *cols[3] = {fx_array(3, 0, 0, 2, db, ds, 0, NULL), fx_array(3, 0, 0, 2, ub, us, 0, NULL),
                                fx_array(3, 0, 0, 2, mb, ms, 0, NULL)};
  struct ArrowArray *b = fx_batch(3, 3, cols);
  blz_error e = {0};
  CHECK(blz_writer_write(w, b, &e) == BLZ_OK);
  /* a decimal32(4,1) value of five digits is refused, naming column and row */
  ((int32_t *)cols[0]->buffers[1])[2] = 10000;
  CHECK(blz_writer_write(w, b, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "price");
  CHECK_CONTAINS(e.message, "row 2");
  CHECK_CONTAINS(e.message, "exceeds precision 4");
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  tnode footer;
  CHECK(tread_footer(m.buf.data, m.buf.len, &footer) == 0);
  const tnode *schema = tget(&footer, 2);
  CHECK_EQ_INT(tget(&schema->kids[1], 1)->i, 1);  /* INT32 */
  CHECK_EQ_INT(tget(&schema->kids[1], 6)->i, 5);  /* DECIMAL */
  CHECK_EQ_INT(tget(&schema->kids[2], 1)->i, 2);  /* INT64 */
  CHECK(tget(&schema->kids[2], 6) == NULL);       /* no annotation */
  CHECK_EQ_INT(tget(&schema->kids[3], 1)->i, 7);  /* FIXED_LEN_BYTE_ARRAY */
  CHECK_EQ_INT(tget(&schema->kids[3], 2)->i, 12);
  CHECK_EQ_INT(tget(&schema->kids[3], 6)->i, 21); /* INTERVAL */
  const tnode *st = tget(rg_col_meta(&footer, 0, 2), 12);
  CHECK(st == NULL || (tget(st, 5) == NULL && tget(st, 6) == NULL)); /* no order, no min/max */
  tnode_free(&footer);
  fx_free_array(b);
  blz_writer_destroy(w);
  fx_free_schema(s);
  blz_buf_free(&m.buf);

  struct ArrowSchema *g[1] = {fx_schema("tin", "gap", true, 0, NULL)};
  struct ArrowSchema *s2 = fx_struct_schema(1, g);
  blz_output sink = {&m, fx_mem_write};
  blz_writer *w2 = NULL;
  CHECK(blz_writer_create(s2, NULL, &sink, &w2, &e) == BLZ_ENOTSUP);
  CHECK_CONTAINS(e.message, "interval[month_day_nano]");
  fx_free_schema(s2);
}

void test_writer_run_end_encoded_and_list_view(void) {
  /* run_end_encoded<int32, int32>: [7 7 9 9 9]; list_view<int32> whose views run backwards and
   * overlap: [[1,2], [3], [1,2]] over the child [3, 1, 2] */
  struct ArrowSchema *ree_kids[2] = {fx_schema("i", "run_ends", false, 0, NULL), fx_schema("i", "values", true, 0, NULL)};
  struct ArrowSchema *lv_kid[1] = {fx_schema("i", "item", true, 0, NULL)};
  struct ArrowSchema *f[2] = {fx_schema("+r", "code", true, 2, ree_kids), fx_schema("+vl", "ids", true, 1, lv_kid)};
  struct ArrowSchema *s = fx_struct_schema(2, f);
  fx_mem m;
  blz_writer *w = fx_open_mem(s, NULL, &m);
  int32_t ends[2] = {2, 5}, vals[2] = {7, 9}, child[3] = {3, 1, 2}, offs[3] = {1, 0, 1}, sizes[3] = {2, 1, 2};
  struct ArrowArray *rk[2] = {fx_i32(ends, 2, NULL), fx_i32(vals, 2, NULL)};
  struct ArrowArray *code = fx_array(5, 0, 0, 0, NULL, NULL, 2, rk);
  const void *lb[3] = {NULL, offs, sizes};
  size_t ls[3] = {0, sizeof offs, sizeof sizes};
  struct ArrowArray *lk[1] = {fx_i32(child, 3, NULL)};
  struct ArrowArray *ids = fx_array(3, 0, 0, 3, lb, ls, 1, lk);
  blz_error e = {0};
  /* a batch of the first 3 rows: code [7 7 9], ids as above */
  struct ArrowArray *cols[2] = {code, ids};
  struct ArrowArray *b = fx_batch(3, 2, cols);
  CHECK(blz_writer_write(w, b, &e) == BLZ_OK);
  ((int32_t *)code->children[0]->buffers[1])[1] = 1; /* run ends 2, 1: not increasing */
  CHECK(blz_writer_write(w, b, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "column code");
  ((int32_t *)code->children[0]->buffers[1])[1] = 2; /* runs end at 2: row 2 has none */
  CHECK(blz_writer_write(w, b, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "past the last run end");
  ((int32_t *)code->children[0]->buffers[1])[1] = 5;
  ((int32_t *)ids->buffers[2])[2] = 3; /* a view past the end of the child */
  CHECK(blz_writer_write(w, b, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "ids");
  ((int32_t *)ids->buffers[2])[2] = 2;
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  tnode footer;
  CHECK(tread_footer(m.buf.data, m.buf.len, &footer) == 0);
  CHECK_EQ_INT(tget(&footer, 3)->i, 3); /* one good batch of 3 rows */
  const tnode *st = tget(rg_col_meta(&footer, 0, 0), 12);
  CHECK(st && tget(st, 5) && tget(st, 6)); /* min/max of the decoded values */
  int32_t mx, mn;
  memcpy(&mx, tget(st, 5)->bin, 4);
  memcpy(&mn, tget(st, 6)->bin, 4);
  CHECK(mn == 7 && mx == 9);
  CHECK_EQ_INT(tget(rg_col_meta(&footer, 0, 1), 5)->i, 5); /* the three lists hold 2 + 1 + 2 values */
  tnode_free(&footer);
  fx_free_array(b);
  blz_writer_destroy(w);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
}

void test_writer_bad_offsets_and_views(void) {
  /* C Data offsets nobody checked before us: decreasing utf8/binary offsets and a negative view
   * length are refused naming the column and row, never read through */
  struct ArrowSchema *f[2] = {fx_schema("z", "blob", true, 0, NULL), fx_schema("vz", "v", true, 0, NULL)};
  struct ArrowSchema *s = fx_struct_schema(2, f);
  fx_mem m;
  blz_writer *w = fx_open_mem(s, NULL, &m);
  int32_t off[4] = {0, 2, 1, 3};
  const char data[4] = "abc";
  uint8_t views[3 * 16] = {0};
  for (int i = 0; i < 3; i++) views[16 * i] = 1, views[16 * i + 4] = (uint8_t)('x' + i);
  int64_t sizes[1] = {0};
  const void *bb[3] = {NULL, off, data}, *vb[3] = {NULL, views, sizes};
  size_t bs[3] = {0, sizeof off, sizeof data}, vs[3] = {0, sizeof views, sizeof sizes};
  struct ArrowArray *cols[2] = {fx_array(3, 0, 0, 3, bb, bs, 0, NULL), fx_array(3, 0, 0, 3, vb, vs, 0, NULL)};
  struct ArrowArray *b = fx_batch(3, 2, cols);
  blz_error e = {0};
  CHECK(blz_writer_write(w, b, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "column blob: row 1");
  CHECK_CONTAINS(e.message, "decreasing");
  ((int32_t *)cols[0]->buffers[1])[2] = 2;
  int32_t neg = -5;
  memcpy((uint8_t *)cols[1]->buffers[1] + 16, &neg, 4);
  CHECK(blz_writer_write(w, b, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "column v: row 1");
  CHECK_CONTAINS(e.message, "negative length");
  int32_t one = 1;
  memcpy((uint8_t *)cols[1]->buffers[1] + 16, &one, 4);
  CHECK(blz_writer_write(w, b, &e) == BLZ_OK);
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  fx_free_array(b);
  blz_writer_destroy(w);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
}

void test_writer_decimal128_precision(void) {
  /* decimal128(20, 0) is stored in 9 bytes, which hold more than 20 digits: 10^20 must be refused */
  struct ArrowSchema *f[1] = {fx_schema("d:20,0", "big", true, 0, NULL)};
  struct ArrowSchema *s = fx_struct_schema(1, f);
  fx_mem m;
  blz_writer *w = fx_open_mem(s, NULL, &m);
  __int128 v[2] = {-((__int128)10000000000LL * 10000000000LL - 1), (__int128)10000000000LL * 10000000000LL - 1};
  const void *bufs[2] = {NULL, v};
  size_t sizes[2] = {0, sizeof v};
  struct ArrowArray *cols[1] = {fx_array(2, 0, 0, 2, bufs, sizes, 0, NULL)};
  struct ArrowArray *b = fx_batch(2, 1, cols);
  blz_error e = {0};
  CHECK(blz_writer_write(w, b, &e) == BLZ_OK); /* ±(10^20 - 1): twenty nines */
  __int128 over = (__int128)10000000000LL * 10000000000LL;
  memcpy((uint8_t *)cols[0]->buffers[1] + 16, &over, 16);
  CHECK(blz_writer_write(w, b, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "column big: row 1");
  CHECK_CONTAINS(e.message, "exceeds precision 20");
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  fx_free_array(b);
  blz_writer_destroy(w);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
}

/* Writes three files through writers sharing one pool, from one batch per round with a row
 * selection per file (every third row, a contiguous run, a run of every row), either each writer
 * alone or all three together (blz__writers_write_rows, blz__writers_flush_row_groups); out[k]
 * gets file k. */
static void three_files(bool together, blz_buf out[3]) {
  struct ArrowSchema *s = schema_i32_utf8();
  blz_pool *pool = NULL;
  blz_error e = {0};
  CHECK(blz_pool_create(3, &pool, &e) == BLZ_OK);
  fx_mem m[3];
  blz_writer *w[3];
  for (int k = 0; k < 3; k++) {
    memset(&m[k], 0, sizeof m[k]);
    m[k].fail_after = -1;
    blz_output sink = {&m[k], fx_mem_write};
    CHECK(blz__writer_create_on_pool(s, NULL, &sink, pool, &w[k], &e) == BLZ_OK);
  }
  static const char *names[5] = {"alpha", "beta", NULL, "a rather longer name", "e"};
  for (int round = 0; round < 3; round++) {
    int64_t n = 30000 + round * 77;
    int32_t *ids = malloc((size_t)n * 4);
    const char **nm = malloc((size_t)n * sizeof *nm);
    for (int64_t i = 0; i < n; i++) ids[i] = (int32_t)(i * 7 % 5000), nm[i] = names[i % 5];
    struct ArrowArray *cols[2] = {fx_i32(ids, n, NULL), fx_utf8(nm, n)};
    struct ArrowArray *b = fx_batch(n, 2, cols);
    int64_t *sel[3], cnt[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++) sel[k] = malloc((size_t)n * sizeof(int64_t));
    for (int64_t i = 0; i < n; i++) {
      if (i % 3 == 0) sel[0][cnt[0]++] = i;
      if (i >= 1000 && i < 21000) sel[1][cnt[1]++] = i;
    }
    for (int64_t i = 0; i < n; i++) sel[2][cnt[2]++] = i;
    if (together) {
      blz_status sts[3];
      blz_error errs[3];
      const int64_t *rows[3] = {sel[0], sel[1], sel[2]};
      CHECK(blz__writers_write_rows(w, b, rows, cnt, 3, sts, errs) == BLZ_OK);
      CHECK(blz__writers_flush_row_groups(w, 3, &e) == BLZ_OK);
    } else {
      for (int k = 0; k < 3; k++) CHECK(blz_writer_write_rows(w[k], b, sel[k], cnt[k], &e) == BLZ_OK);
      for (int k = 0; k < 3; k++) CHECK(blz_writer_flush_row_group(w[k], &e) == BLZ_OK);
    }
    for (int k = 0; k < 3; k++) free(sel[k]);
    fx_free_array(b);
    free(ids), free(nm);
  }
  for (int k = 0; k < 3; k++) {
    CHECK_EQ_INT(blz_writer_num_row_groups(w[k]), 3);
    CHECK(blz_writer_close(w[k], &e) == BLZ_OK);
    blz_writer_destroy(w[k]);
    out[k] = m[k].buf;
  }
  blz_pool_destroy(pool);
  fx_free_schema(s);
}

void test_writers_together_write_the_same_bytes(void) {
  blz_buf alone[3], together[3];
  three_files(false, alone);
  three_files(true, together);
  for (int k = 0; k < 3; k++) {
    CHECK(alone[k].len > 1000 && alone[k].len == together[k].len);
    CHECK(alone[k].len == together[k].len && memcmp(alone[k].data, together[k].data, alone[k].len) == 0);
    blz_buf_free(&alone[k]);
    blz_buf_free(&together[k]);
  }
}

/* A batch refused for a bad value far into it (past the first chunk of slices the writer checks
 * and encodes at once) has had rows encoded already: the writer says so and fails, so that no file
 * keeps part of a refused batch. blz_writer_validate refuses it with nothing written. */
void test_writer_refuses_whole_batch_past_first_chunk(void) {
  struct ArrowSchema *s = schema_i32_utf8();
  fx_mem m;
  blz_writer *w = fx_open_mem(s, NULL, &m);
  int64_t n = 200000;
  int32_t *ids = malloc((size_t)n * 4);
  const char **nm = malloc((size_t)n * sizeof *nm);
  for (int64_t i = 0; i < n; i++) ids[i] = (int32_t)i, nm[i] = i == 190000 ? "bad \xff" : "a good name";
  struct ArrowArray *cols[2] = {fx_i32(ids, n, NULL), fx_utf8(nm, n)};
  struct ArrowArray *b = fx_batch(n, 2, cols);
  blz_error e = {0};
  CHECK(blz_writer_validate(w, b, &e) == BLZ_EINVAL); /* the whole batch, nothing written */
  CHECK_CONTAINS(e.message, "column name: row 190000: invalid UTF-8");
  CHECK_EQ_INT(blz_writer_num_rows(w), 0);
  CHECK(blz_writer_write(w, b, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "column name: row 190000: invalid UTF-8");
  CHECK_CONTAINS(e.message, "rows of this batch were already encoded, so the writer cannot go on");
  const char *good[3] = {"x", "y", "z"};
  int32_t gid[3] = {1, 2, 3};
  struct ArrowArray *cols2[2] = {fx_i32(gid, 3, NULL), fx_utf8(good, 3)};
  struct ArrowArray *b2 = fx_batch(3, 2, cols2);
  CHECK(blz_writer_write(w, b2, &e) == BLZ_EINVAL);
  CHECK(blz_writer_close(w, &e) != BLZ_OK);
  blz_writer_destroy(w);
  fx_free_array(b);
  fx_free_array(b2);
  free(ids), free(nm);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
}

/* A nullable column of Arrow type `format` on its own, with default options: its schema (to free
 * after blz_column_free). */
static struct ArrowSchema *lone_column(const char *format, blz_writer_options *o, blz_column *c) {
  blz_writer_options_init(o);
  struct ArrowSchema *f = fx_schema(format, "s", true, 0, NULL);
  blz_error e = {0};
  CHECK(blz_column_init(c, f, 0, NULL, 0, 0, false, o, &e) == BLZ_OK);
  return f;
}

void test_writer_checks_strings_in_place(void) {
  /* phase one checks flat string columns in the Arrow buffers; the verdict and the message must
   * be those of gathering the values and checking each: random values (ASCII, valid multi-byte,
   * broken sequences, values starting inside a character) and null slots holding garbage */
  static const char *pieces[] = {"a", "hello", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x99\x82", "\xc3", "\xa9",
                                 "\xed\xa0\x80", "\xff", "\xe2\x82", "0123456789abcdefghijklmnopqrstuvwxyz"};
  const int npieces = (int)(sizeof pieces / sizeof pieces[0]);
  blz_writer_options o;
  blz_column c;
  struct ArrowSchema *f = lone_column("u", &o, &c);
  CHECK(blz_column_checks_in_place(&c));
  uint64_t x = 88172645463325252ull;
  int refused = 0;
  for (int round = 0; round < 400; round++) {
    int n = 1 + (int)(round % 40);
    int32_t off[41];
    uint8_t data[41 * 80], bits[6] = {0};
    int64_t nulls = 0;
    size_t len = 0;
    off[0] = 0;
    bool cut = round % 3 == 1; /* valid text cut at random bytes: the run is valid, values may not be */
    for (int i = 0; i < n; i++) {
      bool valid = xorshift(&x) % 7 != 0;
      if (cut) {
        size_t k = (x >> 16) % 6;
        for (size_t b = 0; b < k; b++) data[len + b] = (uint8_t)"\xe2\x82\xac\xc3\xa9z"[(len + b) % 6];
        len += k;
        if (valid) bits[i / 8] |= (uint8_t)(1 << (i % 8));
        else nulls++;
        off[i + 1] = (int32_t)len;
        continue;
      }
      bool clean = round % 3 != 0; /* two rounds in three: only valid pieces */
      int parts = (int)(x >> 8) % 3;
      for (int p = 0; p < parts; p++) {
        int k = (int)(xorshift(&x) % (uint64_t)npieces);
        if (clean && valid && (k >= 5 && k <= 9)) k = 1;
        memcpy(data + len, pieces[k], strlen(pieces[k]));
        len += strlen(pieces[k]);
      }
      if (valid) bits[i / 8] |= (uint8_t)(1 << (i % 8));
      else nulls++;
      off[i + 1] = (int32_t)len;
    }
    const void *bufs[3] = {nulls ? bits : NULL, off, data};
    size_t sizes[3] = {sizeof bits, (size_t)(n + 1) * 4, len};
    struct ArrowArray *a = fx_array(n, nulls, 0, 3, bufs, sizes, 0, NULL);
    int64_t first = round % 5; /* rows named from a slice's first row */
    blz_error e1 = {0}, e2 = {0};
    blz_status s1 = blz_column_check_in_place(&c, a, 0, n, first, &e1);
    size_t nvals = 0;
    blz_status s2 = blz_column_gather(&c, a, 0, n, &nvals, &e2);
    if (!s2) s2 = blz_column_check_utf8(&c, nvals, NULL, first, &e2);
    CHECK_EQ_INT(s1, s2);
    if (s1 || s2) {
      refused++;
      CHECK(strcmp(e1.message, e2.message) == 0);
    }
    fx_free_array(a);
  }
  CHECK(refused > 20 && refused < 380); /* both verdicts were seen */
  blz_column_free(&c);
  fx_free_schema(f);
}

/* Definition levels come from the validity bitmap eight rows at a time where the rows start on a
 * bitmap byte: every start within a byte, every length around whole bytes, sparse and dense
 * nulls; the levels must be the bitmap's bits, and the values the valid rows' in order. */
void test_gather_levels_every_alignment(void) {
  blz_writer_options o;
  blz_column c;
  struct ArrowSchema *f = lone_column("i", &o, &c);
  blz_error e = {0};
  uint64_t x = 4242;
  int32_t v[64];
  uint8_t bits[8];
  for (int round = 0; round < 600; round++) {
    memset(bits, 0, sizeof bits);
    int64_t nulls = 0;
    for (int i = 0; i < 64; i++) {
      v[i] = i * 3;
      bool valid = xorshift(&x) % (round % 2 ? 10 : 2) != 0;
      if (valid) bits[i / 8] |= (uint8_t)(1 << (i % 8));
      else nulls++;
    }
    if (!nulls) bits[0] &= 0xFE, nulls = 1; /* a bitmap is only read when some row is null */
    const void *bufs[2] = {bits, v};
    size_t sizes[2] = {sizeof bits, sizeof v};
    int64_t off = round % 9, row = (round / 9) % 8, n = (round * 7) % (64 - off - row - 1) + 1;
    struct ArrowArray *a = fx_array(64 - off, nulls, off, 2, bufs, sizes, 0, NULL);
    size_t nvals = 0;
    bool same = blz_column_gather(&c, a, row, n, &nvals, &e) == BLZ_OK && c.def.len == (size_t)n;
    size_t k = 0;
    const int32_t *got = (const int32_t *)(c.vals ? c.vals : c.dense.data);
    for (int64_t i = 0; same && i < n; i++) {
      int64_t at = off + row + i;
      bool valid = bits[at / 8] >> (at % 8) & 1;
      same = c.def.data[i] == valid && (!valid || got[k++] == v[at]);
    }
    same = same && k == nvals;
    if (!same) fprintf(stderr, "  offset %lld, row %lld, %lld rows\n", (long long)off, (long long)row, (long long)n);
    CHECK(same);
    fx_free_array(a);
    if (!same) break;
  }
  blz_column_free(&c);
  fx_free_schema(f);
}

/* Writes rows sel[0..n) of an int32 (with nulls) + utf8 batch of `len` rows, or (materialize) the
 * same rows as a batch of their own; returns the file in *m. */
static void write_selected(const int64_t *sel, int64_t n, int64_t len, bool materialize, fx_mem *m) {
  struct ArrowSchema *fs[2] = {fx_schema("i", "a", true, 0, NULL), fx_schema("u", "b", true, 0, NULL)};
  struct ArrowSchema *s = fx_struct_schema(2, fs);
  blz_writer_options o;
  blz_writer_options_init(&o);
  o.compression = BLZ_COMPRESSION_UNCOMPRESSED;
  blz_writer *w = fx_open_mem(s, &o, m);
  int64_t rows = materialize ? n : len;
  int32_t *v = malloc((size_t)rows * sizeof *v);
  char *mask = malloc((size_t)rows + 1);
  const char **str = malloc((size_t)rows * sizeof *str);
  static const char *words[5] = {"alpha", "beta", NULL, "a-longer-value-than-eight", "e"};
  for (int64_t i = 0; i < rows; i++) {
    int64_t r = materialize ? sel[i] : i; /* the source row */
    v[i] = (int32_t)(r * 7919 % 100003), mask[i] = r % 13 == 5 ? '0' : '1', str[i] = words[r % 5];
  }
  mask[rows] = 0;
  struct ArrowArray *cols[2] = {fx_i32(v, rows, mask), fx_utf8(str, rows)};
  struct ArrowArray *b = fx_batch(rows, 2, cols);
  blz_error e = {0};
  CHECK((materialize ? blz_writer_write(w, b, &e) : blz_writer_write_rows(w, b, sel, n, &e)) == BLZ_OK);
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  fx_free_array(b);
  blz_writer_destroy(w);
  fx_free_schema(s);
  free(v), free(mask), free(str);
}

void test_writer_selection_runs(void) {
  /* a selection mixing long ascending runs, stretches of scattered rows, runs cut by one missing
   * row and a descending stretch: gathered run by run or row by row, the file is the one the same
   * rows give as a batch of their own */
  int64_t len = 60000, n = 0;
  int64_t *sel = malloc((size_t)len * 2 * sizeof *sel);
  for (int64_t r = 0; r < 9000; r++) sel[n++] = r;                 /* a run longer than a slice */
  for (int64_t r = 9000; r < 12000; r += 3) sel[n++] = r;          /* scattered */
  for (int64_t r = 12000; r < 30000; r++)
    if (r % 700 != 0) sel[n++] = r;                                /* runs cut by one row */
  for (int64_t r = 40000; r > 39000; r--) sel[n++] = r;            /* descending */
  for (int64_t r = 30000; r < 30600; r++) sel[n++] = r;            /* a run just past MIN_RUN */
  for (int64_t r = 45000; r < 60000; r += (r % 1000 < 900 ? 1 : 5)) sel[n++] = r; /* runs, gaps */
  fx_mem a, b;
  write_selected(sel, n, len, false, &a);
  write_selected(sel, n, len, true, &b);
  CHECK_EQ_INT(a.buf.len, b.buf.len);
  CHECK(a.buf.len == b.buf.len && memcmp(a.buf.data, b.buf.data, a.buf.len) == 0);
  blz_buf_free(&a.buf);
  blz_buf_free(&b.buf);
  free(sel);
}

/* WIDE_NC non-null int64 columns c0.. of n random values each (xorshift from seed): their schema and
 * batch; v[] holds the values, to free after the batch. */
enum { WIDE_NC = 16 };
static void random_i64_columns(int64_t n, uint64_t seed, int64_t *v[WIDE_NC], struct ArrowSchema **schema,
                               struct ArrowArray **batch) {
  struct ArrowSchema *fs[WIDE_NC];
  struct ArrowArray *cols[WIDE_NC];
  static char names[WIDE_NC][16];
  for (int c = 0; c < WIDE_NC; c++) {
    v[c] = malloc((size_t)n * 8);
    for (int64_t i = 0; i < n; i++) v[c][i] = (int64_t)xorshift(&seed);
    snprintf(names[c], sizeof names[c], "c%d", c);
    fs[c] = fx_schema("l", names[c], false, 0, NULL);
    cols[c] = i64_vals(v[c], n);
  }
  *schema = fx_struct_schema(WIDE_NC, fs);
  *batch = fx_batch(n, WIDE_NC, cols);
}

void test_writer_one_page_chunks_share_page_buffers(void) {
  /* 16 columns of random 64-bit values, one 20,000-row page each (the row limit), written on one
   * thread: each page ends while its column is fed, and its value buffer is lent to the next
   * column, so the writer holds the chunks and one set of page buffers, not one set per column */
  enum { NC = WIDE_NC };
  int64_t n = 20000;
  int64_t *v[NC];
  struct ArrowSchema *s;
  struct ArrowArray *batch;
  random_i64_columns(n, 88172645463325252ULL, v, &s, &batch);
  fx_mem m;
  blz_writer_options o;
  blz_writer_options_init(&o);
  o.threads = 1;
  blz_writer *w = fx_open_mem(s, &o, &m);
  blz_error e = {0};
  CHECK(blz_writer_write(w, batch, &e) == BLZ_OK);
  int64_t held = blz__writer_memory(w), values = NC * n * 8;
  /* 2.56 MB of values: 3.3 MB held (the chunks, the thread's page buffers and compression
   * scratch); 5.7-5.8 MB with a set of page buffers per column (nothing lent, or the batch cut
   * into chunks across which every column's page stays open) */
  CHECK(held < values * 3 / 2);
  CHECK(blz_writer_close(w, &e) == BLZ_OK);
  tnode f;
  CHECK(tread_footer(m.buf.data, m.buf.len, &f) == 0);
  for (int c = 0; c < NC; c++) CHECK_EQ_INT(tget(rg_col_meta(&f, 0, c), 5)->i, n); /* num_values */
  tnode_free(&f);
  fx_free_array(batch);
  blz_writer_destroy(w);
  fx_free_schema(s);
  blz_buf_free(&m.buf);
  for (int c = 0; c < NC; c++) free(v[c]);
}

void test_writer_write_last_frees_written_chunks(void) {
  /* the wide table's shape: 16 one-page columns of random 64-bit values in one row group, the
   * file's last. Each chunk is freed once written (by the output thread with 2 threads), so the
   * next column's chunk reuses its memory; the bytes are write + close's */
  enum { NC = WIDE_NC };
  int64_t n = 20000;
  int64_t *v[NC];
  struct ArrowSchema *s;
  struct ArrowArray *batch;
  random_i64_columns(n, 2463534242ULL, v, &s, &batch);
  fx_mem ref = {0};
  for (int threads = 1; threads <= 2; threads++) {
    for (int last = 0; last <= 1; last++) {
      blz_writer_options o;
      blz_writer_options_init(&o);
      o.threads = threads;
      fx_mem m;
      blz_writer *w = fx_open_mem(s, &o, &m);
      blz_error e = {0};
      CHECK((last ? blz__writer_write_last(w, batch, &e) : blz_writer_write(w, batch, &e)) == BLZ_OK);
      int64_t held = blz__writer_memory(w), values = NC * n * 8;
      /* 2.56 MB of values; written as they are finished, the chunks are not held: 0.5 MB is
       * (the thread's page buffers and statistics), against 3.3 MB when every chunk is kept */
      if (last && threads == 1) CHECK(held < values / 2);
      if (!last) CHECK(held > values); /* the row group is open: its chunks are held */
      CHECK(blz_writer_close(w, &e) == BLZ_OK);
      if (!ref.buf.len) {
        ref = m;
      } else {
        CHECK(m.buf.len == ref.buf.len && memcmp(m.buf.data, ref.buf.data, m.buf.len) == 0);
        blz_buf_free(&m.buf);
      }
      blz_writer_destroy(w);
    }
  }
  tnode f;
  CHECK(tread_footer(ref.buf.data, ref.buf.len, &f) == 0);
  for (int c = 0; c < NC; c++) CHECK_EQ_INT(tget(rg_col_meta(&f, 0, c), 5)->i, n); /* num_values */
  tnode_free(&f);
  blz_buf_free(&ref.buf);
  fx_free_array(batch);
  fx_free_schema(s);
  for (int c = 0; c < NC; c++) free(v[c]);
}

/* Three batches of int64, nullable strings and nullable int32, the last written with
 * blz__writer_write_last (or blz_writer_write), into `out`; the writer's close status returned. */
static blz_status write_three(int threads, bool last, int64_t fail_after, fx_mem *out) {
  enum { ROWS = 30000 };
  static const char *words[] = {"alpha", "beta", "gamma", "delta", "a somewhat longer value", NULL};
  struct ArrowSchema *fs[3] = {fx_schema("l", "id", false, 0, NULL), fx_schema("u", "word", true, 0, NULL),
                               fx_schema("i", "n", true, 0, NULL)};
  struct ArrowSchema *s = fx_struct_schema(3, fs);
  blz_writer_options o;
  blz_writer_options_init(&o);
  o.threads = threads;
  o.row_group_size_bytes = 150000; /* row groups end inside batches, and one with the last */
  static const char *bloom[] = {"word"};
  o.bloom_filter_columns = bloom;
  o.n_bloom_filter_columns = 1;
  blz_writer *w = fx_open_mem(s, &o, out);
  out->fail_after = fail_after;
  blz_status st = BLZ_OK;
  blz_error e = {0};
  int64_t *ids = malloc(ROWS * sizeof *ids);
  const char **wv = malloc(ROWS * sizeof *wv);
  int32_t *nv = malloc(ROWS * sizeof *nv);
  char mask[ROWS + 1];
  for (int b = 0; b < 3 && !st; b++) {
    for (int64_t i = 0; i < ROWS; i++) {
      int64_t r = b * ROWS + i;
      ids[i] = r * 7919 % 100003;
      wv[i] = words[(r * 31 + r / 97) % 6];
      nv[i] = (int32_t)(r % 1000);
      mask[i] = r % 13 ? '1' : '0';
    }
    mask[ROWS] = 0;
    struct ArrowArray *cols[3] = {i64_vals(ids, ROWS), fx_utf8(wv, ROWS), fx_i32(nv, ROWS, mask)};
    struct ArrowArray *batch = fx_batch(ROWS, 3, cols);
    st = b == 2 && last ? blz__writer_write_last(w, batch, &e) : blz_writer_write(w, batch, &e);
    fx_free_array(batch);
  }
  if (!st) st = blz_writer_close(w, &e);
  blz_writer_destroy(w);
  fx_free_schema(s);
  free(ids), free(wv), free(nv);
  return st;
}

void test_writer_write_last_same_bytes(void) {
  /* the last batch's row group finished as it is encoded and handed to the output column by
   * column: the same file as writing it and closing, on the caller alone and on a pool */
  for (int threads = 1; threads <= 3; threads++) {
    fx_mem a, b;
    CHECK(write_three(threads, false, -1, &a) == BLZ_OK);
    CHECK(write_three(threads, true, -1, &b) == BLZ_OK);
    CHECK_EQ_INT(a.buf.len, b.buf.len);
    CHECK(a.buf.len == b.buf.len && memcmp(a.buf.data, b.buf.data, a.buf.len) == 0);
    tnode f;
    CHECK(tread_footer(b.buf.data, b.buf.len, &f) == 0);
    CHECK_EQ_INT(tget(&f, 3)->i, 90000);      /* num_rows */
    CHECK(tget(&f, 4) && tget(&f, 4)->n >= 3); /* row groups end inside batches too */
    tnode_free(&f);
    /* a write that fails while the last row group is handed over is reported, not lost */
    fx_mem c;
    CHECK(write_three(threads, true, (int64_t)a.buf.len - 20000, &c) == BLZ_EIO);
    blz_buf_free(&a.buf), blz_buf_free(&b.buf), blz_buf_free(&c.buf);
  }
}

void test_writer_hostile_offsets_first_chunk(void) {
  /* a row group's first chunk is sized from the batch's offsets before they are checked: offsets
   * spanning all of int64 (or running backwards) size it without overflow, and the check then
   * refuses them naming the column */
  struct ArrowSchema *f[1] = {fx_schema("U", "big", true, 0, NULL)};
  struct ArrowSchema *s = fx_struct_schema(1, f);
  int64_t cases[2][4] = {{INT64_MIN, 0, 1, INT64_MAX}, {INT64_MAX, 2, 1, INT64_MIN}};
  for (int t = 0; t < 2; t++) {
    fx_mem m;
    blz_writer *w = fx_open_mem(s, NULL, &m);
    const char data[4] = "abc";
    const void *bb[3] = {NULL, cases[t], data};
    size_t bs[3] = {0, sizeof cases[t], sizeof data};
    struct ArrowArray *cols[1] = {fx_array(3, 0, 0, 3, bb, bs, 0, NULL)};
    struct ArrowArray *b = fx_batch(3, 1, cols);
    blz_error e = {0};
    CHECK(blz_writer_write(w, b, &e) == BLZ_EINVAL);
    CHECK_CONTAINS(e.message, "column big: row 0");
    fx_free_array(b);
    blz_writer_destroy(w);
    blz_buf_free(&m.buf);
  }
  fx_free_schema(s);
}

void test_writer_write_last_sorted(void) {
  /* with sort_by the last batch's rows are sorted at the flush, so it ends the row group as
   * blz_writer_write does: the same file */
  fx_mem out[2];
  for (int last = 0; last < 2; last++) {
    struct ArrowSchema *fs[2] = {fx_schema("l", "k", false, 0, NULL), fx_schema("u", "w", true, 0, NULL)};
    struct ArrowSchema *s = fx_struct_schema(2, fs);
    blz_writer_options o;
    blz_writer_options_init(&o);
    o.threads = 2;
    static const char *keys[] = {"k"};
    o.sort_by = keys;
    o.n_sort_by = 1;
    blz_writer *w = fx_open_mem(s, &o, &out[last]);
    blz_error e = {0};
    for (int b = 0; b < 2; b++) {
      int64_t k[1000];
      const char *wv[1000];
      static const char *words[] = {"x", "yy", NULL, "zzz"};
      for (int i = 0; i < 1000; i++) k[i] = (int64_t)((i * 7919 + b * 13) % 1000), wv[i] = words[i % 4];
      struct ArrowArray *cols[2] = {i64_vals(k, 1000), fx_utf8(wv, 1000)};
      struct ArrowArray *batch = fx_batch(1000, 2, cols);
      CHECK((b == 1 && last ? blz__writer_write_last(w, batch, &e) : blz_writer_write(w, batch, &e)) == BLZ_OK);
      fx_free_array(batch);
    }
    CHECK(blz_writer_close(w, &e) == BLZ_OK);
    blz_writer_destroy(w);
    fx_free_schema(s);
  }
  CHECK_EQ_INT(out[0].buf.len, out[1].buf.len);
  CHECK(out[0].buf.len == out[1].buf.len && memcmp(out[0].buf.data, out[1].buf.data, out[0].buf.len) == 0);
  blz_buf_free(&out[0].buf), blz_buf_free(&out[1].buf);
}
