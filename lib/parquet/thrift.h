/* thrift.h — a writer for the Thrift compact protocol, enough for Parquet's footer and page headers. */
#ifndef BLZ_THRIFT_H
#define BLZ_THRIFT_H

#include "../common/blz_common.h"

enum {
  BLZ_CT_STOP = 0, BLZ_CT_TRUE = 1, BLZ_CT_FALSE = 2, BLZ_CT_BYTE = 3, BLZ_CT_I16 = 4,
  BLZ_CT_I32 = 5, BLZ_CT_I64 = 6, BLZ_CT_DOUBLE = 7, BLZ_CT_BINARY = 8, BLZ_CT_LIST = 9,
  BLZ_CT_SET = 10, BLZ_CT_MAP = 11, BLZ_CT_STRUCT = 12
};

#define BLZ_THRIFT_MAX_DEPTH 32

/* Field ids are delta-encoded against the previous field of the same struct, so the writer keeps
 * one "last id" per open struct. Allocation failure is sticky: check `oom` once at the end. */
typedef struct blz_thrift {
  blz_buf *out;
  int16_t last[BLZ_THRIFT_MAX_DEPTH];
  int depth;
  bool oom;
} blz_thrift;

void blz_thrift_init(blz_thrift *t, blz_buf *out);
void blz_thrift_varint(blz_thrift *t, uint64_t v);
void blz_thrift_field(blz_thrift *t, int16_t id, uint8_t type);
void blz_thrift_i32(blz_thrift *t, int16_t id, int32_t v);
void blz_thrift_i64(blz_thrift *t, int16_t id, int64_t v);
void blz_thrift_bool(blz_thrift *t, int16_t id, bool v);
void blz_thrift_i16(blz_thrift *t, int16_t id, int16_t v);
void blz_thrift_i8(blz_thrift *t, int16_t id, int8_t v);
void blz_thrift_binary(blz_thrift *t, int16_t id, const void *p, size_t n);
void blz_thrift_string(blz_thrift *t, int16_t id, const char *s);
/* Opens a struct-typed field (or, with id < 0, a struct that is a list element). */
void blz_thrift_struct_begin(blz_thrift *t, int16_t id);
void blz_thrift_struct_end(blz_thrift *t);
/* Writes a list header; the caller then writes n elements of elem_type. */
void blz_thrift_list_begin(blz_thrift *t, int16_t id, uint8_t elem_type, uint32_t n);
/* List elements (no field header). */
void blz_thrift_elem_i32(blz_thrift *t, int32_t v);
void blz_thrift_elem_binary(blz_thrift *t, const void *p, size_t n);
/* A bool list element: one byte, 1 for true and 2 for false (what Thrift C++ and Java write). */
void blz_thrift_elem_bool(blz_thrift *t, bool v);
/* An empty struct as a field: used for Parquet's marker types (StringType, ...). */
void blz_thrift_empty_struct(blz_thrift *t, int16_t id);

static inline uint64_t blz_zigzag64(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

#endif
