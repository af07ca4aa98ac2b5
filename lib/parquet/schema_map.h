/* schema_map.h — maps Arrow types (C Data Interface format strings) to Parquet leaf columns. */
#ifndef BLZ_SCHEMA_MAP_H
#define BLZ_SCHEMA_MAP_H

#include "../common/blz_common.h"

/* Parquet physical types (parquet.thrift Type). */
enum { PQ_BOOLEAN = 0, PQ_INT32 = 1, PQ_INT64 = 2, PQ_INT96 = 3, PQ_FLOAT = 4, PQ_DOUBLE = 5,
       PQ_BYTE_ARRAY = 6, PQ_FLBA = 7 };

/* How values of the Arrow array become Parquet physical values. */
typedef enum blz_src {
  SRC_NULL, SRC_BOOL,
  SRC_I8, SRC_I16, SRC_I32, SRC_I64, SRC_U8, SRC_U16, SRC_U32, SRC_U64,
  SRC_F16, SRC_F32, SRC_F64,
  SRC_BIN32,      /* utf8 / binary: int32 offsets */
  SRC_BIN64,      /* large_utf8 / large_binary: int64 offsets */
  SRC_VIEW,       /* utf8_view / binary_view */
  SRC_FSB,        /* fixed_size_binary(w) */
  SRC_DATE64,     /* int64 ms -> int32 days */
  SRC_I32_X1000,  /* time32[s] -> TIME(MILLIS) */
  SRC_I64_X1000,  /* timestamp[s] -> TIMESTAMP(MILLIS) */
  SRC_DEC32, SRC_DEC64,    /* decimal32/64: kept as INT32/INT64, checked against the precision */
  SRC_DEC128, SRC_DEC256,
  SRC_IVL_YM,     /* interval[year_month]: int32 months -> INTERVAL (months, 0, 0) */
  SRC_IVL_DT      /* interval[day_time]: int32 days, int32 ms -> INTERVAL (0, days, ms) */
} blz_src;

/* The order min/max statistics are computed in. */
typedef enum blz_sort {
  SORT_NONE, SORT_BOOL, SORT_SIGNED, SORT_UNSIGNED, SORT_FLOAT, SORT_F16, SORT_BYTES, SORT_DECIMAL_BE
} blz_sort;

/* Parquet LogicalType union members (parquet.thrift). */
enum { LT_NONE = 0, LT_STRING = 1, LT_DECIMAL = 5, LT_DATE = 6, LT_TIME = 7, LT_TIMESTAMP = 8,
       LT_INTEGER = 10, LT_UNKNOWN = 11, LT_FLOAT16 = 15 };
/* ConvertedType (legacy annotations) */
enum { CT_NONE = -1, CT_UTF8 = 0, CT_DECIMAL = 5, CT_DATE = 6, CT_TIME_MILLIS = 7,
       CT_TIME_MICROS = 8, CT_TIMESTAMP_MILLIS = 9, CT_TIMESTAMP_MICROS = 10, CT_UINT_8 = 11,
       CT_UINT_16 = 12, CT_UINT_32 = 13, CT_UINT_64 = 14, CT_INT_8 = 15, CT_INT_16 = 16,
       CT_INT_32 = 17, CT_INT_64 = 18, CT_INTERVAL = 21 };
enum { UNIT_MILLIS = 1, UNIT_MICROS = 2, UNIT_NANOS = 3 };

typedef struct blz_coltype {
  blz_src src;
  int src_width;       /* bytes per source value (fsb width, decimal 16/32) */
  bool dict_encoded;   /* Arrow dictionary array: src describes the dictionary's values */
  bool ree;            /* run-end encoded array: src describes its values (child 1) */
  blz_src ree_src;     /* SRC_I16/I32/I64 of the run ends (child 0) */
  blz_src index_src;   /* SRC_I8..SRC_U64 of the indices */
  int phys;
  int type_length;     /* FLBA width */
  int converted;       /* CT_* */
  int logical;         /* LT_* */
  int lt_bit_width;    /* LT_INTEGER */
  bool lt_signed;
  bool lt_utc;         /* LT_TIME / LT_TIMESTAMP */
  int lt_unit;         /* UNIT_* */
  int precision, scale;
  blz_sort sort;
  bool is_string;      /* UTF-8: truncated statistics stay valid UTF-8 */
} blz_coltype;

/* Fills *t from an Arrow field's schema. `where` names the column in error messages. */
blz_status blz_map_arrow_type(const struct ArrowSchema *field, blz_coltype *t, blz_error *err);

/* The field's Arrow type as Arrow spells it ("duration[s]", "list_view<int32>", "map<string, int64>"),
 * into buf[0..n), for messages. */
void blz_arrow_type_name(const struct ArrowSchema *field, char *buf, size_t n);

/* Bytes needed to store a decimal of `precision` digits as big-endian two's complement. */
int blz_decimal_bytes(int precision);

#endif
