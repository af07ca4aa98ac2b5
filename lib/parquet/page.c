/* page.c — serialises PageHeader, DataPageHeader, DictionaryPageHeader and Statistics. */
#include "page.h"

void blz_write_statistics(blz_thrift *t, int16_t id, const blz_stats_out *s) {
  blz_thrift_struct_begin(t, id);
  if (s->has && s->legacy) {
    blz_thrift_binary(t, 1, s->max, s->max_len);
    blz_thrift_binary(t, 2, s->min, s->min_len);
  }
  blz_thrift_i64(t, 3, s->null_count);
  if (s->has) {
    blz_thrift_binary(t, 5, s->max, s->max_len);
    blz_thrift_binary(t, 6, s->min, s->min_len);
    blz_thrift_bool(t, 7, s->max_exact);
    blz_thrift_bool(t, 8, s->min_exact);
  }
  blz_thrift_struct_end(t);
}

/* The PageHeader fields every page starts with; crc (field 4) where asked for. */
static void page_header_start(blz_thrift *t, int32_t type, int32_t uncompressed, int32_t compressed, int64_t crc) {
  blz_thrift_i32(t, 1, type);
  blz_thrift_i32(t, 2, uncompressed);
  blz_thrift_i32(t, 3, compressed);
  if (crc >= 0) blz_thrift_i32(t, 4, (int32_t)(uint32_t)crc);
}

bool blz_write_data_page_header(blz_buf *out, int32_t uncompressed, int32_t compressed, int64_t crc,
                                int32_t num_values, int32_t encoding, const blz_stats_out *s) {
  blz_thrift t;
  blz_thrift_init(&t, out);
  page_header_start(&t, PAGE_DATA, uncompressed, compressed, crc);
  blz_thrift_struct_begin(&t, 5);
  blz_thrift_i32(&t, 1, num_values);
  blz_thrift_i32(&t, 2, encoding);
  blz_thrift_i32(&t, 3, ENC_RLE);
  blz_thrift_i32(&t, 4, ENC_RLE);
  if (s) blz_write_statistics(&t, 5, s);
  blz_thrift_struct_end(&t);
  blz_thrift_struct_end(&t);
  return !t.oom;
}

bool blz_write_data_page_v2_header(blz_buf *out, int32_t uncompressed, int32_t compressed, int64_t crc,
                                   int32_t num_values, int32_t num_nulls, int32_t num_rows,
                                   int32_t encoding, int32_t def_len, int32_t rep_len,
                                   bool is_compressed, const blz_stats_out *s) {
  blz_thrift t;
  blz_thrift_init(&t, out);
  page_header_start(&t, PAGE_DATA_V2, uncompressed, compressed, crc);
  blz_thrift_struct_begin(&t, 8);
  blz_thrift_i32(&t, 1, num_values);
  blz_thrift_i32(&t, 2, num_nulls);
  blz_thrift_i32(&t, 3, num_rows);
  blz_thrift_i32(&t, 4, encoding);
  blz_thrift_i32(&t, 5, def_len);
  blz_thrift_i32(&t, 6, rep_len);
  blz_thrift_bool(&t, 7, is_compressed);
  if (s) blz_write_statistics(&t, 8, s);
  blz_thrift_struct_end(&t);
  blz_thrift_struct_end(&t);
  return !t.oom;
}

bool blz_write_dict_page_header(blz_buf *out, int32_t uncompressed, int32_t compressed, int64_t crc,
                                int32_t num_values) {
  blz_thrift t;
  blz_thrift_init(&t, out);
  page_header_start(&t, PAGE_DICTIONARY, uncompressed, compressed, crc);
  blz_thrift_struct_begin(&t, 7);
  blz_thrift_i32(&t, 1, num_values);
  blz_thrift_i32(&t, 2, ENC_PLAIN);
  blz_thrift_struct_end(&t);
  blz_thrift_struct_end(&t);
  return !t.oom;
}
