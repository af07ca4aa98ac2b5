/* footer.h — the Parquet FileMetaData (schema, row groups, column metadata) in Thrift compact form. */
#ifndef BLZ_FOOTER_H
#define BLZ_FOOTER_H

#include "nested.h"

typedef struct blz_rowgroup_meta {
  int64_t num_rows, total_byte_size, total_compressed, file_offset;
  blz_chunk_meta *chunks; /* one per column */
} blz_rowgroup_meta;

typedef struct blz_kv {
  char *key, *value;
} blz_kv;

typedef struct blz_footer_in {
  const blz_column *cols;
  int ncols;
  const blz_schema_elem *elems;
  int nelems;
  int nfields;
  const blz_rowgroup_meta *rgs;
  int nrgs;
  int64_t num_rows;
  blz_compression codec;
  const blz_kv *kv;
  int nkv;
  const int *sort_cols;  /* sorting_columns of every row group: leaf indices, ascending */
  int nsort;
  bool sort_nulls_first;
} blz_footer_in;

/* Serialises the chunk's ColumnIndex into ci (left empty when a page lacks statistics) and its
 * OffsetIndex into oi; page offsets must already be absolute. */
bool blz_page_index_write(blz_buf *ci, blz_buf *oi, const blz_chunk_meta *m);

/* Appends the serialised FileMetaData to out. */
bool blz_footer_write(blz_buf *out, const blz_footer_in *f);

#endif
