/* schema_map.c — Arrow format string → Parquet physical/logical type, following Arrow C++. */
#include "schema_map.h"

#include <stdarg.h>
#include <stdio.h>

int blz_decimal_bytes(int precision) {
  /* smallest n with 2^(8n-1) > 10^precision, i.e. 8n-1 >= precision*log2(10) */
  for (int n = 1; n <= 32; n++) {
    double bits = 8.0 * n - 1;
    if (bits >= precision * 3.321928094887362) return n;
  }
  return 32;
}

static blz_status int_src(char c, blz_src *s, int *bits, bool *sign) {
  switch (c) {
    case 'c': *s = SRC_I8; *bits = 8; *sign = true; return BLZ_OK;
    case 'C': *s = SRC_U8; *bits = 8; *sign = false; return BLZ_OK;
    case 's': *s = SRC_I16; *bits = 16; *sign = true; return BLZ_OK;
    case 'S': *s = SRC_U16; *bits = 16; *sign = false; return BLZ_OK;
    case 'i': *s = SRC_I32; *bits = 32; *sign = true; return BLZ_OK;
    case 'I': *s = SRC_U32; *bits = 32; *sign = false; return BLZ_OK;
    case 'l': *s = SRC_I64; *bits = 64; *sign = true; return BLZ_OK;
    case 'L': *s = SRC_U64; *bits = 64; *sign = false; return BLZ_OK;
  }
  return BLZ_EINVAL;
}

static void set_int(blz_coltype *t, int bits, bool sign) {
  t->phys = bits == 64 ? PQ_INT64 : PQ_INT32;
  t->logical = LT_INTEGER;
  t->lt_bit_width = bits;
  t->lt_signed = sign;
  static const int sct[] = {CT_INT_8, CT_INT_16, CT_INT_32, CT_INT_64};
  static const int uct[] = {CT_UINT_8, CT_UINT_16, CT_UINT_32, CT_UINT_64};
  int k = bits == 8 ? 0 : bits == 16 ? 1 : bits == 32 ? 2 : 3;
  t->converted = sign ? sct[k] : uct[k];
  t->sort = sign ? SORT_SIGNED : SORT_UNSIGNED;
}

static blz_status map_value(const struct ArrowSchema *field, blz_coltype *t, blz_error *err) {
  const char *f = field->format ? field->format : "";
  if (!strcmp(f, "+r")) { /* run-end encoded: stored decoded, as its values' type */
    if (field->n_children != 2 || !field->children || !field->children[0] || !field->children[1])
      return blz_fail(err, BLZ_EINVAL, "run_end_encoded needs two children (run_ends, values)");
    const char *rf = field->children[0]->format ? field->children[0]->format : "";
    t->ree_src = !strcmp(rf, "s") ? SRC_I16 : !strcmp(rf, "i") ? SRC_I32 : !strcmp(rf, "l") ? SRC_I64 : SRC_NULL;
    if (t->ree_src == SRC_NULL) return blz_fail(err, BLZ_EINVAL, "run_end_encoded run ends must be int16, int32 or int64");
    const struct ArrowSchema *v = field->children[1];
    if (v->dictionary || (v->format && !strcmp(v->format, "+r")))
      return blz_fail(err, BLZ_ENOTSUP, "run_end_encoded values that are dictionary or run-end encoded themselves are not supported");
    BLZ_TRY(map_value(v, t, err));
    if (t->src == SRC_NULL) return blz_fail(err, BLZ_ENOTSUP, "run_end_encoded of null type is not supported");
    t->ree = true;
    return BLZ_OK;
  }
  blz_src s;
  int bits;
  bool sign;
  if (f[0] && !f[1] && int_src(f[0], &s, &bits, &sign) == BLZ_OK) {
    t->src = s;
    set_int(t, bits, sign);
    return BLZ_OK;
  }
  if (!strcmp(f, "n")) {
    t->src = SRC_NULL; t->phys = PQ_INT32; t->logical = LT_UNKNOWN; t->sort = SORT_SIGNED;
    return BLZ_OK;
  }
  if (!strcmp(f, "b")) { t->src = SRC_BOOL; t->phys = PQ_BOOLEAN; t->sort = SORT_BOOL; return BLZ_OK; }
  if (!strcmp(f, "e")) {
    t->src = SRC_F16; t->phys = PQ_FLBA; t->type_length = 2; t->logical = LT_FLOAT16;
    t->sort = SORT_F16;
    return BLZ_OK;
  }
  if (!strcmp(f, "f")) { t->src = SRC_F32; t->phys = PQ_FLOAT; t->sort = SORT_FLOAT; return BLZ_OK; }
  if (!strcmp(f, "g")) { t->src = SRC_F64; t->phys = PQ_DOUBLE; t->sort = SORT_FLOAT; return BLZ_OK; }
  if (!strcmp(f, "u") || !strcmp(f, "U") || !strcmp(f, "vu")) {
    t->src = f[0] == 'v' ? SRC_VIEW : f[0] == 'u' ? SRC_BIN32 : SRC_BIN64;
    t->phys = PQ_BYTE_ARRAY; t->logical = LT_STRING; t->converted = CT_UTF8;
    t->sort = SORT_BYTES; t->is_string = true;
    return BLZ_OK;
  }
  if (!strcmp(f, "z") || !strcmp(f, "Z") || !strcmp(f, "vz")) {
    t->src = f[0] == 'v' ? SRC_VIEW : f[0] == 'z' ? SRC_BIN32 : SRC_BIN64;
    t->phys = PQ_BYTE_ARRAY; t->sort = SORT_BYTES;
    return BLZ_OK;
  }
  if (f[0] == 'w' && f[1] == ':') {
    char *end;
    long w = strtol(f + 2, &end, 10);
    if (*end || w <= 0 || w > (1 << 30))
      return blz_fail(err, BLZ_EINVAL, "bad fixed_size_binary format '%s'", f);
    t->src = SRC_FSB; t->src_width = (int)w; t->phys = PQ_FLBA; t->type_length = (int)w;
    t->sort = SORT_BYTES;
    return BLZ_OK;
  }
  if (f[0] == 'd' && f[1] == ':') {
    int p = 0, sc = 0, bw = 128, n = 0;
    if (sscanf(f + 2, "%d,%d%n", &p, &sc, &n) < 2)
      return blz_fail(err, BLZ_EINVAL, "bad decimal format '%s'", f);
    if (f[2 + n] == ',') {
      if (sscanf(f + 2 + n + 1, "%d", &bw) != 1) return blz_fail(err, BLZ_EINVAL, "bad decimal format '%s'", f);
    } else if (f[2 + n]) {
      return blz_fail(err, BLZ_EINVAL, "bad decimal format '%s'", f);
    }
    if (bw != 32 && bw != 64 && bw != 128 && bw != 256)
      return blz_fail(err, BLZ_EINVAL, "decimal bit width %d (32, 64, 128 or 256)", bw);
    int maxp = bw == 32 ? 9 : bw == 64 ? 18 : bw == 128 ? 38 : 76;
    if (p < 1 || p > maxp || sc < 0 || sc > p)
      return blz_fail(err, BLZ_EINVAL, "decimal%d precision %d / scale %d out of range (precision 1..%d)", bw, p, sc, maxp);
    t->precision = p; t->scale = sc;
    t->logical = LT_DECIMAL; t->converted = CT_DECIMAL;
    if (bw <= 64) { /* decimal32/64 keep their width, as arrow-rs writes them: INT32 / INT64 */
      t->src = bw == 32 ? SRC_DEC32 : SRC_DEC64;
      t->phys = bw == 32 ? PQ_INT32 : PQ_INT64;
      t->sort = SORT_SIGNED;
      return BLZ_OK;
    }
    t->src = bw == 128 ? SRC_DEC128 : SRC_DEC256;
    t->src_width = bw / 8;
    if (p <= 9) { t->phys = PQ_INT32; t->sort = SORT_SIGNED; }
    else if (p <= 18) { t->phys = PQ_INT64; t->sort = SORT_SIGNED; }
    else { t->phys = PQ_FLBA; t->type_length = blz_decimal_bytes(p); t->sort = SORT_DECIMAL_BE; }
    return BLZ_OK;
  }
  if (f[0] == 't') {
    if (!strcmp(f, "tdD")) {
      t->src = SRC_I32; t->phys = PQ_INT32; t->logical = LT_DATE; t->converted = CT_DATE;
      t->sort = SORT_SIGNED;
      return BLZ_OK;
    }
    if (!strcmp(f, "tdm")) { /* Arrow C++: date64 is stored as INT32 DATE */
      t->src = SRC_DATE64; t->phys = PQ_INT32; t->logical = LT_DATE; t->converted = CT_DATE;
      t->sort = SORT_SIGNED;
      return BLZ_OK;
    }
    if (f[1] == 't' && f[2] && !f[3]) {
      t->logical = LT_TIME; t->lt_utc = true; t->sort = SORT_SIGNED;
      switch (f[2]) {
        case 's': t->src = SRC_I32_X1000; t->phys = PQ_INT32; t->lt_unit = UNIT_MILLIS; t->converted = CT_TIME_MILLIS; return BLZ_OK;
        case 'm': t->src = SRC_I32; t->phys = PQ_INT32; t->lt_unit = UNIT_MILLIS; t->converted = CT_TIME_MILLIS; return BLZ_OK;
        case 'u': t->src = SRC_I64; t->phys = PQ_INT64; t->lt_unit = UNIT_MICROS; t->converted = CT_TIME_MICROS; return BLZ_OK;
        case 'n': t->src = SRC_I64; t->phys = PQ_INT64; t->lt_unit = UNIT_NANOS; t->converted = CT_NONE; return BLZ_OK;
      }
    }
    if (f[1] == 's' && f[2] && f[3] == ':') {
      const char *tz = f + 4;
      t->logical = LT_TIMESTAMP; t->phys = PQ_INT64; t->sort = SORT_SIGNED;
      t->lt_utc = *tz != 0;
      t->src = SRC_I64;
      switch (f[2]) {
        case 's': t->src = SRC_I64_X1000; t->lt_unit = UNIT_MILLIS; break;
        case 'm': t->lt_unit = UNIT_MILLIS; break;
        case 'u': t->lt_unit = UNIT_MICROS; break;
        case 'n': t->lt_unit = UNIT_NANOS; break;
        default: return blz_fail(err, BLZ_EINVAL, "bad timestamp format '%s'", f);
      }
      /* the legacy annotation means "UTC-adjusted", so it is set only then (as Arrow C++ does) */
      t->converted = !t->lt_utc ? CT_NONE : t->lt_unit == UNIT_MILLIS ? CT_TIMESTAMP_MILLIS
                   : t->lt_unit == UNIT_MICROS ? CT_TIMESTAMP_MICROS : CT_NONE;
      return BLZ_OK;
    }
  }
  if (f[0] == 't' && f[1] == 'D' && f[2] && strchr("smun", f[2]) && !f[3]) {
    /* duration: its INT64 count in its own unit, as Arrow C++ and arrow-rs write it; the unit and
     * type come back from ARROW:schema */
    t->src = SRC_I64; t->phys = PQ_INT64; t->sort = SORT_SIGNED;
    return BLZ_OK;
  }
  if (!strcmp(f, "tiM") || !strcmp(f, "tiD")) {
    /* INTERVAL: 12 bytes, little-endian months, days, milliseconds; Parquet defines no order for
     * it, so no min/max */
    t->src = f[2] == 'M' ? SRC_IVL_YM : SRC_IVL_DT;
    t->phys = PQ_FLBA; t->type_length = 12; t->converted = CT_INTERVAL; t->sort = SORT_NONE;
    return BLZ_OK;
  }
  char name[256];
  blz_arrow_type_name(field, name, sizeof name);
  if (!strcmp(f, "tin"))
    return blz_fail(err, BLZ_ENOTSUP, "type %s has no lossless Parquet form (INTERVAL holds milliseconds, "
                    "not nanoseconds)", name);
  /* lists, structs and maps are groups (nested.c), never leaves */
  if (!strcmp(f, "+l") || !strcmp(f, "+L") || !strcmp(f, "+s") || !strcmp(f, "+m") || !strncmp(f, "+w:", 3) ||
      !strcmp(f, "+vl") || !strcmp(f, "+vL"))
    return blz_fail(err, BLZ_EINVAL, "nested type %s where a leaf was expected", name);
  if (!strncmp(f, "+u", 2))
    return blz_fail(err, BLZ_ENOTSUP, "type %s has no lossless Parquet form", name);
  return blz_fail(err, BLZ_ENOTSUP, "unknown Arrow type (format string '%s')", f);
}

/* Appends printf-style to buf[*at..n), truncating safely. */
static void put(char *buf, size_t n, size_t *at, const char *fmt, ...) BLZ_PRINTF(4, 5);
static void put(char *buf, size_t n, size_t *at, const char *fmt, ...) {
  if (*at >= n) return;
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(buf + *at, n - *at, fmt, ap);
  va_end(ap);
  if (k > 0) *at += (size_t)k;
  if (*at >= n) *at = n - 1;
}

static void type_name(const struct ArrowSchema *s, char *buf, size_t n, size_t *at, int depth) {
  static const struct { const char *fmt, *name; } simple[] = {
      {"n", "null"}, {"b", "bool"}, {"c", "int8"}, {"C", "uint8"}, {"s", "int16"}, {"S", "uint16"},
      {"i", "int32"}, {"I", "uint32"}, {"l", "int64"}, {"L", "uint64"}, {"e", "halffloat"}, {"f", "float"},
      {"g", "double"}, {"z", "binary"}, {"Z", "large_binary"}, {"vz", "binary_view"}, {"u", "string"},
      {"U", "large_string"}, {"vu", "string_view"}, {"tdD", "date32[day]"}, {"tdm", "date64[ms]"},
      {"tts", "time32[s]"}, {"ttm", "time32[ms]"}, {"ttu", "time64[us]"}, {"ttn", "time64[ns]"},
      {"tDs", "duration[s]"}, {"tDm", "duration[ms]"}, {"tDu", "duration[us]"}, {"tDn", "duration[ns]"},
      {"tiM", "interval[year_month]"}, {"tiD", "interval[day_time]"}, {"tin", "interval[month_day_nano]"}};
  const char *f = s && s->format ? s->format : "?";
  if (depth > 8) return put(buf, n, at, "...");
  const struct ArrowSchema *kid0 = s && s->n_children > 0 && s->children ? s->children[0] : NULL;
  const struct ArrowSchema *kid1 = s && s->n_children > 1 && s->children ? s->children[1] : NULL;
  if (s && s->dictionary) {
    put(buf, n, at, "dictionary<values=");
    type_name(s->dictionary, buf, n, at, depth + 1);
    put(buf, n, at, ", indices=");
    struct ArrowSchema idx = *s;
    idx.dictionary = NULL;
    type_name(&idx, buf, n, at, depth + 1);
    return put(buf, n, at, ">");
  }
  for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
    if (!strcmp(f, simple[i].fmt)) return put(buf, n, at, "%s", simple[i].name);
  int a, b, c;
  if (f[0] == 'd' && f[1] == ':') {
    int k = sscanf(f + 2, "%d,%d,%d", &a, &b, &c);
    return put(buf, n, at, "decimal%d(%d, %d)", k == 3 ? c : 128, a, k >= 2 ? b : 0);
  }
  if (f[0] == 'w' && f[1] == ':') return put(buf, n, at, "fixed_size_binary[%s]", f + 2);
  if (f[0] == 't' && f[1] == 's' && f[2] && f[3] == ':') {
    const char *unit = f[2] == 's' ? "s" : f[2] == 'm' ? "ms" : f[2] == 'u' ? "us" : "ns";
    return f[4] ? put(buf, n, at, "timestamp[%s, tz=%s]", unit, f + 4) : put(buf, n, at, "timestamp[%s]", unit);
  }
  const char *list = !strcmp(f, "+l") ? "list" : !strcmp(f, "+L") ? "large_list" : !strcmp(f, "+vl") ? "list_view"
                   : !strcmp(f, "+vL") ? "large_list_view" : NULL;
  if (list || !strncmp(f, "+w:", 3)) {
    put(buf, n, at, "%s<", list ? list : "fixed_size_list");
    type_name(kid0, buf, n, at, depth + 1);
    return list ? put(buf, n, at, ">") : put(buf, n, at, ">[%s]", f + 3);
  }
  if (!strcmp(f, "+m") && kid0 && kid0->n_children == 2 && kid0->children) {
    put(buf, n, at, "map<");
    type_name(kid0->children[0], buf, n, at, depth + 1);
    put(buf, n, at, ", ");
    type_name(kid0->children[1], buf, n, at, depth + 1);
    return put(buf, n, at, ">");
  }
  if (!strcmp(f, "+s") || !strncmp(f, "+u", 2) || !strcmp(f, "+r")) {
    put(buf, n, at, "%s<", !strcmp(f, "+s") ? "struct" : !strcmp(f, "+r") ? "run_end_encoded"
                           : f[2] == 'd' ? "dense_union" : "sparse_union");
    for (int64_t i = 0; s && i < s->n_children && s->children && i < 8; i++) {
      if (i) put(buf, n, at, ", ");
      if (s->children[i] && s->children[i]->name && *s->children[i]->name) put(buf, n, at, "%s: ", s->children[i]->name);
      type_name(s->children[i], buf, n, at, depth + 1);
    }
    if (s && s->n_children > 8) put(buf, n, at, ", ...");
    return put(buf, n, at, ">");
  }
  (void)kid1;
  put(buf, n, at, "'%s'", f);
}

void blz_arrow_type_name(const struct ArrowSchema *field, char *buf, size_t n) {
  size_t at = 0;
  if (!n) return;
  buf[0] = 0;
  type_name(field, buf, n, &at, 0);
}

blz_status blz_map_arrow_type(const struct ArrowSchema *field, blz_coltype *t, blz_error *err) {
  memset(t, 0, sizeof *t);
  t->converted = CT_NONE;
  if (!field->format) return blz_fail(err, BLZ_EINVAL, "missing format string");
  if (field->dictionary) {
    int bits;
    bool sign;
    const char *f = field->format;
    if (!f[0] || f[1] || int_src(f[0], &t->index_src, &bits, &sign) != BLZ_OK)
      return blz_fail(err, BLZ_EINVAL, "dictionary index type must be an integer");
    if (field->dictionary->dictionary)
      return blz_fail(err, BLZ_ENOTSUP, "nested dictionaries are not supported");
    BLZ_TRY(map_value(field->dictionary, t, err));
    if (t->src == SRC_NULL) return blz_fail(err, BLZ_ENOTSUP, "dictionary of null type is not supported");
    t->dict_encoded = true;
    return BLZ_OK;
  }
  return map_value(field, t, err);
}
