/* page.h — Parquet page headers and statistics in Thrift compact form. */
#ifndef BLZ_PAGE_H
#define BLZ_PAGE_H

#include "column.h"
#include "encode.h"
#include "thrift.h"

enum { PAGE_DATA = 0, PAGE_DICTIONARY = 2, PAGE_DATA_V2 = 3 };

/* Writes a Statistics struct as field `id` of the current struct. */
void blz_write_statistics(blz_thrift *t, int16_t id, const blz_stats_out *s);

/* Page headers carry `crc` (CRC-32 of the page's bytes after its header) when it is >= 0. */

/* Appends a data page v1 header. */
bool blz_write_data_page_header(blz_buf *out, int32_t uncompressed, int32_t compressed, int64_t crc,
                                int32_t num_values, int32_t encoding, const blz_stats_out *s);
/* Appends a data page v2 header: levels are stored uncompressed ahead of the values. */
bool blz_write_data_page_v2_header(blz_buf *out, int32_t uncompressed, int32_t compressed, int64_t crc,
                                   int32_t num_values, int32_t num_nulls, int32_t num_rows,
                                   int32_t encoding, int32_t def_len, int32_t rep_len,
                                   bool is_compressed, const blz_stats_out *s);
/* Appends a dictionary page header. */
bool blz_write_dict_page_header(blz_buf *out, int32_t uncompressed, int32_t compressed, int64_t crc,
                                int32_t num_values);

#endif
