/* footer.c — serialises FileMetaData: schema elements with logical types, row groups, column orders. */
#include "footer.h"

#include "page.h"
#include "thrift.h"

static void write_unit(blz_thrift *t, int unit) {
  blz_thrift_struct_begin(t, 2);
  blz_thrift_empty_struct(t, (int16_t)unit); /* MILLIS=1, MICROS=2, NANOS=3 */
  blz_thrift_struct_end(t);
}

static void write_logical(blz_thrift *t, const blz_coltype *c) {
  if (c->logical == LT_NONE) return;
  blz_thrift_struct_begin(t, 10);
  switch (c->logical) {
    case LT_DECIMAL:
      blz_thrift_struct_begin(t, LT_DECIMAL);
      blz_thrift_i32(t, 1, c->scale);
      blz_thrift_i32(t, 2, c->precision);
      blz_thrift_struct_end(t);
      break;
    case LT_TIME: case LT_TIMESTAMP:
      blz_thrift_struct_begin(t, (int16_t)c->logical);
      blz_thrift_bool(t, 1, c->lt_utc);
      write_unit(t, c->lt_unit);
      blz_thrift_struct_end(t);
      break;
    case LT_INTEGER:
      blz_thrift_struct_begin(t, LT_INTEGER);
      blz_thrift_i8(t, 1, (int8_t)c->lt_bit_width);
      blz_thrift_bool(t, 2, c->lt_signed);
      blz_thrift_struct_end(t);
      break;
    default: /* STRING, DATE, UNKNOWN, FLOAT16: marker structs */
      blz_thrift_empty_struct(t, (int16_t)c->logical);
  }
  blz_thrift_struct_end(t);
}

static void write_schema(blz_thrift *t, const blz_footer_in *f) {
  blz_thrift_list_begin(t, 2, BLZ_CT_STRUCT, (uint32_t)f->nelems + 1);
  blz_thrift_struct_begin(t, -1);
  blz_thrift_string(t, 4, "schema");
  blz_thrift_i32(t, 5, f->nfields);
  blz_thrift_struct_end(t);
  for (int i = 0; i < f->nelems; i++) {
    const blz_schema_elem *e = &f->elems[i];
    blz_thrift_struct_begin(t, -1);
    if (e->leaf < 0) { /* a group: struct, LIST or MAP */
      blz_thrift_i32(t, 3, e->repetition);
      blz_thrift_string(t, 4, e->name);
      blz_thrift_i32(t, 5, e->num_children);
      if (e->group_annotation) {
        blz_thrift_i32(t, 6, e->group_annotation); /* converted LIST = 3, MAP = 1 */
        blz_thrift_struct_begin(t, 10);
        blz_thrift_empty_struct(t, e->group_annotation == 3 ? 3 : 2); /* LogicalType LIST = 3, MAP = 2 */
        blz_thrift_struct_end(t);
      }
      blz_thrift_struct_end(t);
      continue;
    }
    const blz_column *c = &f->cols[e->leaf];
    blz_thrift_i32(t, 1, c->t.phys);
    if (c->t.phys == PQ_FLBA) blz_thrift_i32(t, 2, c->t.type_length);
    blz_thrift_i32(t, 3, e->repetition);
    blz_thrift_string(t, 4, e->name);
    if (c->t.converted != CT_NONE) blz_thrift_i32(t, 6, c->t.converted);
    if (c->t.logical == LT_DECIMAL) {
      blz_thrift_i32(t, 7, c->t.scale);
      blz_thrift_i32(t, 8, c->t.precision);
    }
    write_logical(t, &c->t);
    blz_thrift_struct_end(t);
  }
}

bool blz_page_index_write(blz_buf *ci, blz_buf *oi, const blz_chunk_meta *m) {
  blz_thrift t;
  bool stats_ok = true;
  for (int i = 0; i < m->npages; i++) stats_ok &= m->pages[i].null_page || m->pages[i].stats.has;
  if (stats_ok && m->npages > 0) {
    /* ColumnIndex: per page null flag, bounds (empty for null pages), null counts */
    blz_thrift_init(&t, ci);
    blz_thrift_list_begin(&t, 1, BLZ_CT_TRUE, (uint32_t)m->npages);
    for (int i = 0; i < m->npages; i++) blz_thrift_elem_bool(&t, m->pages[i].null_page);
    blz_thrift_list_begin(&t, 2, BLZ_CT_BINARY, (uint32_t)m->npages);
    for (int i = 0; i < m->npages; i++)
      blz_thrift_elem_binary(&t, m->pages[i].stats.min, m->pages[i].null_page ? 0 : m->pages[i].stats.min_len);
    blz_thrift_list_begin(&t, 3, BLZ_CT_BINARY, (uint32_t)m->npages);
    for (int i = 0; i < m->npages; i++)
      blz_thrift_elem_binary(&t, m->pages[i].stats.max, m->pages[i].null_page ? 0 : m->pages[i].stats.max_len);
    blz_thrift_i32(&t, 4, 0); /* UNORDERED */
    blz_thrift_list_begin(&t, 5, BLZ_CT_I64, (uint32_t)m->npages);
    for (int i = 0; i < m->npages; i++) blz_thrift_varint(&t, blz_zigzag64(m->pages[i].stats.null_count));
    blz_thrift_struct_end(&t);
    if (t.oom) return false;
  }
  /* OffsetIndex: where each data page starts, its size and its first row */
  blz_thrift_init(&t, oi);
  blz_thrift_list_begin(&t, 1, BLZ_CT_STRUCT, (uint32_t)m->npages);
  for (int i = 0; i < m->npages; i++) {
    blz_thrift_struct_begin(&t, -1);
    blz_thrift_i64(&t, 1, m->pages[i].offset);
    blz_thrift_i32(&t, 2, m->pages[i].size);
    blz_thrift_i64(&t, 3, m->pages[i].first_row);
    blz_thrift_struct_end(&t);
  }
  blz_thrift_struct_end(&t);
  return !t.oom;
}

static void write_chunk(blz_thrift *t, const blz_column *c, const blz_chunk_meta *m,
                        blz_compression codec) {
  blz_thrift_struct_begin(t, -1);
  blz_thrift_i64(t, 2, m->start);
  blz_thrift_struct_begin(t, 3);
  blz_thrift_i32(t, 1, c->t.phys);
  /* every encoding the chunk uses: PLAIN for the dictionary page, RLE for levels */
  int32_t enc[ENC_COUNT];
  uint32_t ne = 0;
  for (int e = 0; e < ENC_COUNT; e++)
    if (m->data_pages[e] || (e == ENC_PLAIN && m->dict_pages) || e == ENC_RLE) enc[ne++] = e;
  blz_thrift_list_begin(t, 2, BLZ_CT_I32, ne);
  for (uint32_t i = 0; i < ne; i++) blz_thrift_elem_i32(t, enc[i]);
  if (c->path) {
    blz_thrift_list_begin(t, 3, BLZ_CT_BINARY, (uint32_t)c->path->nnames);
    for (int i = 0; i < c->path->nnames; i++) blz_thrift_elem_binary(t, c->path->names[i], strlen(c->path->names[i]));
  } else {
    blz_thrift_list_begin(t, 3, BLZ_CT_BINARY, 1);
    blz_thrift_elem_binary(t, c->name, strlen(c->name));
  }
  blz_thrift_i32(t, 4, (int32_t)codec);
  blz_thrift_i64(t, 5, m->num_values);
  blz_thrift_i64(t, 6, m->total_uncompressed);
  blz_thrift_i64(t, 7, m->total_compressed);
  blz_thrift_i64(t, 9, m->data_page_offset);
  if (m->dict_page_offset >= 0) blz_thrift_i64(t, 11, m->dict_page_offset);
  blz_write_statistics(t, 12, &m->stats);
  struct { int32_t type, enc, count; } es[ENC_COUNT + 1];
  uint32_t nes = 0;
  if (m->dict_pages) es[nes++] = (typeof(es[0])){PAGE_DICTIONARY, ENC_PLAIN, m->dict_pages};
  /* dictionary-encoded pages first, as Arrow C++ lists them */
  if (m->data_pages[ENC_RLE_DICTIONARY])
    es[nes++] = (typeof(es[0])){m->data_page_type, ENC_RLE_DICTIONARY, m->data_pages[ENC_RLE_DICTIONARY]};
  for (int e = 0; e < ENC_COUNT; e++)
    if (m->data_pages[e] && e != ENC_RLE_DICTIONARY) es[nes++] = (typeof(es[0])){m->data_page_type, e, m->data_pages[e]};
  blz_thrift_list_begin(t, 13, BLZ_CT_STRUCT, nes);
  for (uint32_t i = 0; i < nes; i++) {
    blz_thrift_struct_begin(t, -1);
    blz_thrift_i32(t, 1, es[i].type);
    blz_thrift_i32(t, 2, es[i].enc);
    blz_thrift_i32(t, 3, es[i].count);
    blz_thrift_struct_end(t);
  }
  if (m->bloom_offset >= 0) {
    blz_thrift_i64(t, 14, m->bloom_offset);
    blz_thrift_i32(t, 15, m->bloom_length);
  }
  blz_thrift_struct_end(t);
  if (m->offset_index_offset >= 0) {
    blz_thrift_i64(t, 4, m->offset_index_offset);
    blz_thrift_i32(t, 5, m->offset_index_length);
  }
  if (m->column_index_offset >= 0) {
    blz_thrift_i64(t, 6, m->column_index_offset);
    blz_thrift_i32(t, 7, m->column_index_length);
  }
  blz_thrift_struct_end(t);
}

bool blz_footer_write(blz_buf *out, const blz_footer_in *f) {
  blz_thrift t;
  blz_thrift_init(&t, out);
  blz_thrift_i32(&t, 1, 2);
  write_schema(&t, f);
  blz_thrift_i64(&t, 3, f->num_rows);
  blz_thrift_list_begin(&t, 4, BLZ_CT_STRUCT, (uint32_t)f->nrgs);
  for (int r = 0; r < f->nrgs; r++) {
    const blz_rowgroup_meta *rg = &f->rgs[r];
    blz_thrift_struct_begin(&t, -1);
    blz_thrift_list_begin(&t, 1, BLZ_CT_STRUCT, (uint32_t)f->ncols);
    for (int i = 0; i < f->ncols; i++) write_chunk(&t, &f->cols[i], &rg->chunks[i], f->codec);
    blz_thrift_i64(&t, 2, rg->total_byte_size);
    blz_thrift_i64(&t, 3, rg->num_rows);
    if (f->nsort > 0) { /* SortingColumn { column_idx, descending, nulls_first } */
      blz_thrift_list_begin(&t, 4, BLZ_CT_STRUCT, (uint32_t)f->nsort);
      for (int k = 0; k < f->nsort; k++) {
        blz_thrift_struct_begin(&t, -1);
        blz_thrift_i32(&t, 1, f->sort_cols[k]);
        blz_thrift_bool(&t, 2, false);
        blz_thrift_bool(&t, 3, f->sort_nulls_first);
        blz_thrift_struct_end(&t);
      }
    }
    blz_thrift_i64(&t, 5, rg->file_offset);
    blz_thrift_i64(&t, 6, rg->total_compressed);
    blz_thrift_i16(&t, 7, (int16_t)r);
    blz_thrift_struct_end(&t);
  }
  if (f->nkv > 0) {
    blz_thrift_list_begin(&t, 5, BLZ_CT_STRUCT, (uint32_t)f->nkv);
    for (int i = 0; i < f->nkv; i++) {
      blz_thrift_struct_begin(&t, -1);
      blz_thrift_string(&t, 1, f->kv[i].key);
      blz_thrift_string(&t, 2, f->kv[i].value);
      blz_thrift_struct_end(&t);
    }
  }
  blz_thrift_string(&t, 6, "blizzard version " BLZ_VERSION_STRING);
  /* TYPE_ORDER for every leaf: readers only trust min_value/max_value when it is present */
  blz_thrift_list_begin(&t, 7, BLZ_CT_STRUCT, (uint32_t)f->ncols);
  for (int i = 0; i < f->ncols; i++) {
    blz_thrift_struct_begin(&t, -1);
    blz_thrift_empty_struct(&t, 1);
    blz_thrift_struct_end(&t);
  }
  blz_thrift_struct_end(&t);
  return !t.oom;
}
