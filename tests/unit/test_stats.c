/* test_stats.c — statistics ordering (signed, unsigned, float, bytes, decimals) and truncation. */
#include <math.h>

#include "../../lib/parquet/column.h"
#include "test.h"
#include "tests.h"

static blz_coltype type_of(const char *format) {
  struct ArrowSchema s = {0};
  s.format = format;
  blz_coltype t;
  blz_error e;
  CHECK(blz_map_arrow_type(&s, &t, &e) == BLZ_OK);
  return t;
}

void test_stats_signed_unsigned(void) {
  int32_t v[4] = {-5, 3, 2147483647, 0};
  blz_coltype ts = type_of("i"), tu = type_of("I");
  blz_stats s = {0}, u = {0};
  CHECK(blz_stats_update(&s, &ts, v, 4));
  CHECK(blz_stats_update(&u, &tu, v, 4));
  blz_stats_out o;
  blz_stats_output(&s, &ts, 64, &o);
  CHECK_EQ_INT((int32_t)blz_load_le32(o.min), -5);
  CHECK_EQ_INT((int32_t)blz_load_le32(o.max), 2147483647);
  blz_stats_output(&u, &tu, 64, &o);
  CHECK_EQ_INT(blz_load_le32(o.min), 0);
  CHECK_EQ_INT(blz_load_le32(o.max), (uint32_t)-5); /* -5 as uint32 is the largest */
  uint64_t big[2] = {1, UINT64_MAX};
  blz_coltype tl = type_of("L");
  blz_stats l = {0};
  CHECK(blz_stats_update(&l, &tl, big, 2));
  blz_stats_output(&l, &tl, 64, &o);
  CHECK_EQ_INT(blz_load_le64(o.max) == UINT64_MAX, 1);
  CHECK_EQ_INT(blz_load_le64(o.min), 1);
}

void test_stats_int64_every_position(void) {
  /* the 64-bit bounds of 1..70 values (four-lane blocks and their tail), with the extremes
   * (INT64_MIN, INT64_MAX) at every position, in one update and across two */
  blz_coltype t = type_of("l");
  int64_t v[70];
  uint64_t x = 88172645463325252ULL;
  for (size_t n = 1; n <= 70; n++)
    for (size_t at = 0; at < n; at++) {
      for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        v[i] = (int64_t)(x % 2000001) - 1000000;
      }
      v[at] = at % 2 ? INT64_MIN : INT64_MAX;
      int64_t lo = v[0], hi = v[0];
      for (size_t i = 1; i < n; i++) lo = v[i] < lo ? v[i] : lo, hi = v[i] > hi ? v[i] : hi;
      blz_stats one = {0}, two = {0};
      CHECK(blz_stats_update(&one, &t, v, n));
      CHECK(blz_stats_update(&two, &t, v, n / 2 + 1));
      CHECK(blz_stats_update(&two, &t, v + n / 2 + 1, n - (n / 2 + 1)));
      if (one.lo.i != lo || one.hi.i != hi || two.lo.i != lo || two.hi.i != hi) {
        fprintf(stderr, "  n %zu at %zu\n", n, at);
        CHECK(false);
        return;
      }
    }
}

void test_stats_float_nan_and_zero(void) {
  blz_coltype t = type_of("g");
  double v[4] = {NAN, 0.0, -0.0, NAN};
  blz_stats s = {0};
  CHECK(blz_stats_update(&s, &t, v, 4));
  blz_stats_out o;
  blz_stats_output(&s, &t, 64, &o);
  CHECK(o.has);
  double lo, hi;
  memcpy(&lo, o.min, 8);
  memcpy(&hi, o.max, 8);
  CHECK(lo == 0 && signbit(lo)); /* min zero written as -0.0 */
  CHECK(hi == 0 && !signbit(hi)); /* max zero written as +0.0 */
  double only_nan[2] = {NAN, NAN};
  blz_stats n = {0};
  CHECK(blz_stats_update(&n, &t, only_nan, 2));
  blz_stats_output(&n, &t, 64, &o);
  CHECK(!o.has);
  float f[3] = {1.5f, -INFINITY, NAN};
  blz_coltype tf = type_of("f");
  blz_stats fs = {0};
  CHECK(blz_stats_update(&fs, &tf, f, 3));
  blz_stats_output(&fs, &tf, 64, &o);
  float flo, fhi;
  memcpy(&flo, o.min, 4);
  memcpy(&fhi, o.max, 4);
  CHECK(flo == -INFINITY && fhi == 1.5f);
}

void test_stats_double_every_position(void) {
  /* the bounds of 1..40 doubles (the four-lane part and its tail) with NaNs, infinities and zeros
   * scattered: those of a plain scan that skips NaN; a page of only NaNs has none */
  blz_coltype t = type_of("g");
  double v[40];
  uint64_t x = 1234567;
  for (size_t n = 1; n <= 40; n++)
    for (int round = 0; round < 30; round++) {
      for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int kind = (int)(x % 16);
        v[i] = kind == 0 ? NAN : kind == 1 ? INFINITY : kind == 2 ? -INFINITY : kind == 3 ? -0.0
             : kind == 4 ? 0.0 : ((double)(x >> 20 & 0xFFFFF) - 524288.0) / 7.0;
        if (round % 5 == 0) v[i] = NAN; /* some rounds: NaN only */
      }
      double lo = INFINITY, hi = -INFINITY;
      bool any = false;
      for (size_t i = 0; i < n; i++)
        if (v[i] == v[i]) any = true, lo = v[i] < lo ? v[i] : lo, hi = v[i] > hi ? v[i] : hi;
      blz_stats s = {0};
      CHECK(blz_stats_update(&s, &t, v, n));
      bool same = s.has == any && (!any || (s.lo.d == lo && s.hi.d == hi));
      if (!same) fprintf(stderr, "  n %zu round %d: %g..%g, want %g..%g\n", n, round, s.lo.d, s.hi.d, lo, hi);
      CHECK(same);
      if (!same) return;
    }
}

void test_stats_bytes_unsigned_order(void) {
  blz_coltype t = type_of("z");
  const uint8_t a[] = {0x7f}, b[] = {0x80}, c[] = {0x00, 0x01};
  blz_bytes_ref v[3] = {{a, 1}, {b, 1}, {c, 2}};
  blz_stats s = {0};
  CHECK(blz_stats_update(&s, &t, v, 3));
  blz_stats_out o;
  blz_stats_output(&s, &t, 64, &o);
  CHECK_BYTES(o.min, o.min_len, 0x00, 0x01);
  CHECK_BYTES(o.max, o.max_len, 0x80); /* 0x80 > 0x7f unsigned */
  blz_stats_free(&s);
}

void test_stats_truncation(void) {
  blz_coltype t = type_of("z");
  uint8_t lo[100], hi[100];
  memset(lo, 'a', 100);
  memset(hi, 'b', 100);
  hi[63] = 0xff; /* the 64th byte cannot be incremented: the bound grows at byte 63 */
  blz_bytes_ref v[2] = {{lo, 100}, {hi, 100}};
  blz_stats s = {0};
  CHECK(blz_stats_update(&s, &t, v, 2));
  blz_stats_out o;
  blz_stats_output(&s, &t, 64, &o);
  CHECK(o.has && !o.min_exact && !o.max_exact);
  CHECK_EQ_INT(o.min_len, 64);
  CHECK(memcmp(o.min, lo, 64) == 0);
  CHECK_EQ_INT(o.max_len, 63);
  CHECK(memcmp(o.max, hi, 62) == 0 && o.max[62] == 'c');
  blz_stats_free(&s);

  /* UTF-8: cut on a character boundary and increment a whole code point */
  blz_coltype tu = type_of("u");
  char str[80];
  memset(str, 'x', 62);
  memcpy(str + 62, "\xc3\xa9\xc3\xa9", 4); /* "éé" straddles byte 64 */
  blz_bytes_ref w[1] = {{(const uint8_t *)str, 66}};
  blz_stats su = {0};
  CHECK(blz_stats_update(&su, &tu, w, 1));
  blz_stats_output(&su, &tu, 64, &o);
  CHECK_EQ_INT(o.min_len, 64);
  CHECK_EQ_INT(o.max_len, 64);
  CHECK(o.max[62] == 0xc3 && o.max[63] == 0xaa); /* é (U+00E9) + 1 = ê (U+00EA) */
  blz_stats_free(&su);

  /* short values stay exact */
  blz_bytes_ref x[1] = {{(const uint8_t *)"abc", 3}};
  blz_stats sx = {0};
  CHECK(blz_stats_update(&sx, &t, x, 1));
  blz_stats_output(&sx, &t, 64, &o);
  CHECK(o.min_exact && o.max_exact && o.min_len == 3);
  blz_stats_free(&sx);
}

void test_stats_decimal_flba_signed(void) {
  blz_coltype t = type_of("d:38,2");
  CHECK_EQ_INT(t.phys, PQ_FLBA);
  CHECK_EQ_INT(t.type_length, 16);
  uint8_t v[3][16];
  memset(v, 0, sizeof v);
  memset(v[0], 0xff, 16);          /* -1 */
  v[1][15] = 5;                    /* 5 */
  memset(v[2], 0xff, 16);
  v[2][15] = 0xfe;                 /* -2 */
  blz_stats s = {0};
  CHECK(blz_stats_update(&s, &t, v, 3));
  blz_stats_out o;
  blz_stats_output(&s, &t, 64, &o);
  CHECK(memcmp(o.min, v[2], 16) == 0);
  CHECK(memcmp(o.max, v[1], 16) == 0);
  blz_stats_free(&s);
}

void test_type_mapping(void) {
  blz_coltype t = type_of("tdm");
  CHECK(t.phys == PQ_INT32 && t.logical == LT_DATE);
  t = type_of("tss:");
  CHECK(t.phys == PQ_INT64 && t.lt_unit == UNIT_MILLIS && !t.lt_utc && t.converted == CT_NONE);
  t = type_of("tsu:UTC");
  CHECK(t.lt_unit == UNIT_MICROS && t.lt_utc && t.converted == CT_TIMESTAMP_MICROS);
  t = type_of("C");
  CHECK(t.phys == PQ_INT32 && t.logical == LT_INTEGER && !t.lt_signed && t.lt_bit_width == 8);
  t = type_of("d:9,2");
  CHECK(t.phys == PQ_INT32);
  t = type_of("d:18,2");
  CHECK(t.phys == PQ_INT64);
  t = type_of("d:19,2");
  CHECK(t.phys == PQ_FLBA && t.type_length == 9);
  t = type_of("d:76,0,256");
  CHECK(t.phys == PQ_FLBA && t.type_length == 32);
  t = type_of("e");
  CHECK(t.phys == PQ_FLBA && t.type_length == 2 && t.logical == LT_FLOAT16);
  CHECK_EQ_INT(blz_decimal_bytes(2), 1);
  CHECK_EQ_INT(blz_decimal_bytes(10), 5);
  CHECK_EQ_INT(blz_decimal_bytes(38), 16);
  /* messages name types as Arrow spells them, never by C Data format strings */
  struct ArrowSchema item = {0}, utf8 = {0};
  item.format = "i";
  item.name = "item";
  utf8.format = "u";
  utf8.name = "b";
  struct ArrowSchema *kids[2] = {&item, &utf8};
  struct ArrowSchema s = {0};
  s.format = "+l";
  s.n_children = 1;
  s.children = kids;
  blz_error e;
  CHECK(blz_map_arrow_type(&s, &t, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "nested type list<int32> where a leaf was expected");
  s.format = "+vl";
  CHECK(blz_map_arrow_type(&s, &t, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "nested type list_view<int32> where a leaf was expected");
  s.format = "+ud:0,1";
  s.n_children = 2;
  CHECK(blz_map_arrow_type(&s, &t, &e) == BLZ_ENOTSUP);
  CHECK_CONTAINS(e.message, "type dense_union<item: int32, b: string> has no lossless Parquet form");
  struct ArrowSchema leaf = {0};
  /* mapped now: duration -> INT64, intervals -> FLBA(12) INTERVAL without order */
  leaf.format = "tDs";
  CHECK(blz_map_arrow_type(&leaf, &t, &e) == BLZ_OK && t.phys == 2 && t.logical == 0);
  leaf.format = "tiD";
  CHECK(blz_map_arrow_type(&leaf, &t, &e) == BLZ_OK && t.type_length == 12 && t.converted == 21 && t.sort == SORT_NONE);
  leaf.format = "d:10,2,32";
  CHECK(blz_map_arrow_type(&leaf, &t, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "decimal32 precision 10");
  static const struct { const char *fmt, *want; } named[] = {{"tin", "interval[month_day_nano]"}};
  for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
    leaf.format = named[i].fmt;
    CHECK(blz_map_arrow_type(&leaf, &t, &e) == BLZ_ENOTSUP);
    CHECK_CONTAINS(e.message, named[i].want);
    CHECK(!strstr(e.message, named[i].fmt));
  }
  char name[128];
  leaf.format = "tsu:Europe/Paris";
  blz_arrow_type_name(&leaf, name, sizeof name);
  CHECK(!strcmp(name, "timestamp[us, tz=Europe/Paris]"));
  leaf.format = "d:10,2,64";
  blz_arrow_type_name(&leaf, name, sizeof name);
  CHECK(!strcmp(name, "decimal64(10, 2)"));
}
