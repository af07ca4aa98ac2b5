/* thrift.c — Thrift compact protocol encoding (field deltas, zigzag varints, list headers). */
#include "thrift.h"

void blz_thrift_init(blz_thrift *t, blz_buf *out) {
  memset(t, 0, sizeof *t);
  t->out = out;
}

static void put(blz_thrift *t, const void *p, size_t n) {
  if (!blz_buf_append(t->out, p, n)) t->oom = true;
}

void blz_thrift_varint(blz_thrift *t, uint64_t v) {
  uint8_t b[10];
  size_t n = 0;
  while (v >= 0x80) {
    b[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  b[n++] = (uint8_t)v;
  put(t, b, n);
}

void blz_thrift_field(blz_thrift *t, int16_t id, uint8_t type) {
  int16_t delta = (int16_t)(id - t->last[t->depth]);
  if (delta > 0 && delta <= 15) {
    uint8_t b = (uint8_t)((delta << 4) | type);
    put(t, &b, 1);
  } else {
    put(t, &type, 1);
    blz_thrift_varint(t, blz_zigzag64(id));
  }
  t->last[t->depth] = id;
}

void blz_thrift_i32(blz_thrift *t, int16_t id, int32_t v) {
  blz_thrift_field(t, id, BLZ_CT_I32);
  blz_thrift_varint(t, blz_zigzag64(v));
}
void blz_thrift_i64(blz_thrift *t, int16_t id, int64_t v) {
  blz_thrift_field(t, id, BLZ_CT_I64);
  blz_thrift_varint(t, blz_zigzag64(v));
}
void blz_thrift_i16(blz_thrift *t, int16_t id, int16_t v) {
  blz_thrift_field(t, id, BLZ_CT_I16);
  blz_thrift_varint(t, blz_zigzag64(v));
}
void blz_thrift_i8(blz_thrift *t, int16_t id, int8_t v) {
  blz_thrift_field(t, id, BLZ_CT_BYTE);
  uint8_t b = (uint8_t)v;
  put(t, &b, 1);
}
void blz_thrift_bool(blz_thrift *t, int16_t id, bool v) {
  blz_thrift_field(t, id, v ? BLZ_CT_TRUE : BLZ_CT_FALSE);
}
void blz_thrift_binary(blz_thrift *t, int16_t id, const void *p, size_t n) {
  blz_thrift_field(t, id, BLZ_CT_BINARY);
  blz_thrift_elem_binary(t, p, n);
}
void blz_thrift_string(blz_thrift *t, int16_t id, const char *s) {
  blz_thrift_binary(t, id, s, strlen(s));
}
void blz_thrift_struct_begin(blz_thrift *t, int16_t id) {
  if (id >= 0) blz_thrift_field(t, id, BLZ_CT_STRUCT);
  if (t->depth + 1 >= BLZ_THRIFT_MAX_DEPTH) {
    t->oom = true;
    return;
  }
  t->last[++t->depth] = 0;
}
void blz_thrift_struct_end(blz_thrift *t) {
  uint8_t stop = BLZ_CT_STOP;
  put(t, &stop, 1);
  if (t->depth > 0) t->depth--;
}
void blz_thrift_list_begin(blz_thrift *t, int16_t id, uint8_t elem_type, uint32_t n) {
  if (id >= 0) blz_thrift_field(t, id, BLZ_CT_LIST);
  if (n < 15) {
    uint8_t b = (uint8_t)((n << 4) | elem_type);
    put(t, &b, 1);
  } else {
    uint8_t b = (uint8_t)(0xF0 | elem_type);
    put(t, &b, 1);
    blz_thrift_varint(t, n);
  }
}
void blz_thrift_elem_i32(blz_thrift *t, int32_t v) { blz_thrift_varint(t, blz_zigzag64(v)); }
void blz_thrift_elem_binary(blz_thrift *t, const void *p, size_t n) {
  blz_thrift_varint(t, n);
  put(t, p, n);
}
void blz_thrift_elem_bool(blz_thrift *t, bool v) {
  uint8_t b = v ? BLZ_CT_TRUE : BLZ_CT_FALSE;
  put(t, &b, 1);
}
void blz_thrift_empty_struct(blz_thrift *t, int16_t id) {
  blz_thrift_struct_begin(t, id);
  blz_thrift_struct_end(t);
}
