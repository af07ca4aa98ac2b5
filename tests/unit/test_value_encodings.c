/* test_value_encodings.c — DELTA_BINARY_PACKED, DELTA_(LENGTH_)BYTE_ARRAY, BYTE_STREAM_SPLIT bytes. */
#include "../../lib/codecs/codec.h"
#include "../../lib/common/blz_utf8.h"
#include "../../lib/parquet/dict.h"
#include "../../lib/parquet/encode.h"
#include "../../lib/parquet/rle.h"
#include "test.h"
#include "tests.h"

static void roundtrip_dbp(const int64_t *v, size_t n, int width) {
  blz_buf plain = {0}, enc = {0};
  for (size_t i = 0; i < n; i++) {
    if (width == 8) blz_buf_append(&plain, &v[i], 8);
    else { int32_t x = (int32_t)v[i]; blz_buf_append(&plain, &x, 4); }
  }
  CHECK(blz_delta_binary_packed(&enc, plain.data, n, width));
  int64_t *out = calloc(n + 1, sizeof *out);
  const uint8_t *p = enc.data;
  CHECK(blz_delta_binary_unpack(&p, enc.data + enc.len, out, n, width));
  CHECK(p == enc.data + enc.len); /* no bytes left over: miniblocks past the end have no body */
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t want = width == 8 ? v[i] : (int32_t)v[i];
    if (out[i] != want && bad++ < 3) fprintf(stderr, "  n=%zu w=%d [%zu] %lld != %lld\n", n, width, i, (long long)out[i], (long long)want);
  }
  CHECK_EQ_INT(bad, 0);
  free(out);
  blz_buf_free(&plain);
  blz_buf_free(&enc);
}

void test_delta_binary_packed_layout(void) {
  /* 1..5: header (block 128, 4 miniblocks, 5 values, first zigzag(1) = 2), then one block with min
   * delta 1 (zigzag 2) and four zero bit widths: every delta equals the minimum */
  int64_t v[5] = {1, 2, 3, 4, 5};
  blz_buf b = {0};
  CHECK(blz_delta_binary_packed(&b, (const uint8_t *)v, 5, 8));
  CHECK_BYTES(b.data, b.len, 0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00);
  b.len = 0;
  /* 7, 5, 3, 1, 2, 3, 4, 5: deltas -2 -2 -2 1 1 1 1, min -2 (zigzag 3), then 0 0 0 3 3 3 3 in 2 bits */
  int32_t w[8] = {7, 5, 3, 1, 2, 3, 4, 5};
  CHECK(blz_delta_binary_packed(&b, (const uint8_t *)w, 8, 4));
  CHECK(b.len == 5 + 1 + 4 + 8);
  CHECK_BYTES(b.data, 10, 0x80, 0x01, 0x04, 0x08, 0x0E, 0x03, 0x02, 0x00, 0x00, 0x00);
  CHECK_BYTES(b.data + 10, 8, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
  blz_buf_free(&b);
}

void test_delta_binary_packed_roundtrip(void) {
  enum { N = 2000 };
  int64_t v[N];
  unsigned seed = 11;
  size_t sizes[] = {0, 1, 2, 3, 31, 32, 33, 127, 128, 129, 130, 257, 1000, N};
  for (int shape = 0; shape < 5; shape++) {
    for (size_t i = 0; i < N; i++) {
      seed = seed * 1103515245u + 12345u;
      switch (shape) {
        case 0: v[i] = (int64_t)i * 1000000 + 1700000000000000; break;   /* sorted timestamps */
        case 1: v[i] = (int64_t)(seed % 100) - 50; break;               /* small, signed */
        case 2: v[i] = (seed & 1) ? INT64_MAX : INT64_MIN; break;       /* wrapping deltas */
        case 3: v[i] = (int64_t)(((uint64_t)seed << 33) ^ (seed * 7u)); break;
        default: v[i] = 42; break;                                      /* constant */
      }
    }
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
      roundtrip_dbp(v, sizes[k], 8);
      roundtrip_dbp(v, sizes[k], 4);
    }
  }
  int64_t extremes[6] = {INT32_MIN, INT32_MAX, INT32_MIN, 0, INT32_MAX, -1};
  roundtrip_dbp(extremes, 6, 4);
}

/* A PLAIN BYTE_ARRAY page of the given strings. */
static void plain_strings(blz_buf *b, const char *const *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint8_t len[4];
    blz_store_le32(len, (uint32_t)strlen(s[i]));
    blz_buf_append(b, len, 4);
    blz_buf_append(b, s[i], strlen(s[i]));
  }
}

void test_delta_byte_arrays(void) {
  const char *s[4] = {"apple", "applesauce", "apricot", ""};
  blz_buf plain = {0}, b = {0};
  plain_strings(&plain, s, 4);
  int64_t lens[4], pre[4], suf[4];
  CHECK(blz_delta_length_byte_array(&b, plain.data, plain.len, 4));
  const uint8_t *p = b.data, *end = b.data + b.len;
  CHECK(blz_delta_binary_unpack(&p, end, lens, 4, 4));
  CHECK(lens[0] == 5 && lens[1] == 10 && lens[2] == 7 && lens[3] == 0);
  CHECK((size_t)(end - p) == 22 && !memcmp(p, "appleapplesauceapricot", 22));
  b.len = 0;
  CHECK(blz_delta_byte_array(&b, plain.data, plain.len, 4));
  p = b.data, end = b.data + b.len;
  CHECK(blz_delta_binary_unpack(&p, end, pre, 4, 4));
  CHECK(blz_delta_binary_unpack(&p, end, suf, 4, 4));
  CHECK(pre[0] == 0 && pre[1] == 5 && pre[2] == 2 && pre[3] == 0);
  CHECK(suf[0] == 5 && suf[1] == 5 && suf[2] == 5 && suf[3] == 0);
  CHECK((size_t)(end - p) == 15 && !memcmp(p, "applesaucericot", 15));
  /* a page whose lengths run past its end is refused, not read beyond */
  plain.len -= 3;
  b.len = 0;
  CHECK(!blz_delta_length_byte_array(&b, plain.data, plain.len, 4));
  CHECK(!blz_delta_byte_array(&b, plain.data, plain.len, 4));
  blz_buf_free(&plain);
  blz_buf_free(&b);
}

void test_byte_stream_split(void) {
  float f[3] = {1.0f, -2.5f, 0.0f};
  uint8_t raw[12];
  memcpy(raw, f, 12);
  blz_buf b = {0};
  CHECK(blz_byte_stream_split(&b, raw, 3, 4));
  CHECK(b.len == 12);
  for (int k = 0; k < 4; k++)
    for (int i = 0; i < 3; i++) CHECK(b.data[k * 3 + i] == raw[i * 4 + k]);
  blz_buf_free(&b);
}

void test_utf8_check(void) {
  static const struct { const char *s; size_t n, bad; } cases[] = {
      {"plain ascii text, longer than eight bytes", 41, 41},
      {"caf\xc3\xa9", 5, 5},                     /* é */
      {"\xe2\x82\xac", 3, 3},                    /* € */
      {"\xf0\x9f\x99\x82!", 5, 5},               /* 🙂 */
      {"\xf4\x8f\xbf\xbf", 4, 4},                /* U+10FFFF */
      {"ok\xc3\x28", 4, 2},                      /* a continuation byte missing */
      {"\xc0\x80", 2, 0},                        /* overlong NUL */
      {"abcdefgh\xe0\x80\xaf", 11, 8},           /* overlong, after an ASCII word */
      {"\xed\xa0\x80", 3, 0},                    /* a UTF-16 surrogate */
      {"\xf4\x90\x80\x80", 4, 0},                /* past U+10FFFF */
      {"\xe2\x82", 2, 0},                        /* cut short */
      {"x\xff", 2, 1},
      {"", 0, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t got = blz_utf8_check((const uint8_t *)cases[i].s, cases[i].n);
    if (got != cases[i].bad) fprintf(stderr, "  case %zu: %zu, expected %zu\n", i, got, cases[i].bad);
    CHECK(got == cases[i].bad);
  }
  /* every position of ASCII runs long enough for the 64-byte, 8-byte and 1-byte steps: the ASCII
   * run ends at the first byte past 0x7F (0x80 included, 0x7F not), a bad byte is found where it
   * is, a two-byte character anywhere is accepted */
  uint8_t t[200];
  for (size_t n = 1; n <= sizeof t; n++) {
    memset(t, 0x7F, n);
    CHECK_EQ_INT(blz_ascii_prefix(t, n), n);
    for (size_t at = 0; at < n; at++) {
      memset(t, 'a', n);
      t[at] = 0x80;
      CHECK_EQ_INT(blz_ascii_prefix(t, n), at);
      t[at] = 0xFF;
      CHECK_EQ_INT(blz_utf8_check(t, n), at);
      if (at + 1 < n) {
        t[at] = 0xC3, t[at + 1] = 0xA9;
        CHECK_EQ_INT(blz_utf8_check(t, n), n);
      }
    }
  }
}

void test_dict_slots_near_page_limit(void) {
  /* 8-byte values up to a 1 MiB dictionary page: 131,072 entries fill half of 262,144 slots; the
   * last piece's entries past the limit (the column falls back after it) must not double the
   * table to 8 MiB. Without a limit the table keeps its half-load rule. The indices agree. */
  size_t n = 131072 + 1024;
  int64_t *v = malloc(n * sizeof *v);
  uint32_t *i1 = malloc(n * 4), *i2 = malloc(n * 4);
  for (size_t i = 0; i < n; i++) v[i] = (int64_t)(i * 2654435761u) ^ (int64_t)(i << 40);
  blz_dict a, b;
  blz_dict_init(&a, 8);
  blz_dict_init(&b, 8);
  a.page_limit = 1 << 20;
  CHECK(blz_dict_encode(&a, v, n, i1));
  CHECK(blz_dict_encode(&b, v, n, i2));
  CHECK_EQ_INT(a.count, n);
  CHECK_EQ_INT(b.count, n);
  CHECK_EQ_INT(a.nslots, 262144);
  CHECK_EQ_INT(b.nslots, 524288);
  CHECK(memcmp(i1, i2, n * 4) == 0);
  for (size_t i = 0; i < n; i += 997) CHECK_EQ_INT(i1[i], i); /* distinct values: entry i is value i */
  blz_dict_clear(&a); /* the limit outlives a clear and a free */
  CHECK(a.page_limit == 1 << 20);
  blz_dict_free(&a);
  CHECK(a.page_limit == 1 << 20);
  blz_dict_free(&b);
  free(v), free(i1), free(i2);
}

void test_dict_short_byte_arrays_exact(void) {
  /* Values of up to 8 bytes are matched by key and tag alone. "abc" and the 8 bytes
   * "abc\0\0\0\0\3" have the same key (a short value's key holds its length in the top byte);
   * an 8-byte value and a longer one starting with it share their key too. All stay distinct,
   * and repeats (not only repeats of the previous value) find their entries. */
  static const char *vals[] = {"abc", "abc\0\0\0\0\3", "abcdefgh", "abcdefghX", "", "x"};
  static const uint32_t lens[] = {3, 8, 8, 9, 0, 1};
  static const int order[] = {0, 1, 2, 3, 4, 5, 1, 0, 3, 2, 5, 4, 0, 2, 1};
  size_t n = sizeof order / sizeof *order;
  blz_bytes_ref refs[sizeof order / sizeof *order];
  uint32_t idx[sizeof order / sizeof *order];
  for (size_t i = 0; i < n; i++) refs[i] = (blz_bytes_ref){(const uint8_t *)vals[order[i]], lens[order[i]]};
  blz_dict d;
  blz_dict_init(&d, 0);
  CHECK(blz_dict_encode(&d, refs, n, idx));
  CHECK_EQ_INT(d.count, 6);
  for (size_t i = 0; i < n; i++) CHECK_EQ_INT(idx[i], order[i]); /* first seen in value order */
  blz_dict_free(&d);
}

void test_dict_byte_arrays_match_equality(void) {
  /* Random values from a pool of short strings over an alphabet of low bytes (which short keys
   * hold in their top byte) and letters, 0..12 bytes long: every index names an entry with the
   * value's bytes, and entries are distinct. Runs of one value and values recurring further apart
   * both occur. */
  uint64_t x = 0x2545F4914F6CDD1DULL;
  for (int round = 0; round < 200; round++) {
    uint8_t pool[40][12];
    uint32_t plen[40];
    for (int k = 0; k < 40; k++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      plen[k] = (uint32_t)(x % 13);
      /* every other round two letters only, so distinct values often share key bytes */
      for (uint32_t b = 0; b < 12; b++)
        pool[k][b] = round % 2 ? "\0\1\2\3\7\10ab"[(x >> (4 + 3 * b)) % 8] : "\0\3"[(x >> (4 + b)) % 2];
    }
    blz_bytes_ref v[500];
    uint32_t idx[500];
    for (int i = 0; i < 500; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      int k = i && x % 4 == 0 ? -1 : (int)((x >> 8) % 40); /* -1: the previous value again */
      v[i] = k < 0 ? v[i - 1] : (blz_bytes_ref){pool[k], plen[k]};
    }
    blz_dict d;
    blz_dict_init(&d, 0);
    CHECK(blz_dict_encode(&d, v, 500, idx));
    int bad = 0;
    for (int i = 0; i < 500; i++) {
      uint32_t e = idx[i];
      if (e >= d.count || d.len[e] != v[i].len || (v[i].len && memcmp(d.data.data + d.off[e], v[i].p, v[i].len))) bad++;
    }
    for (uint32_t a = 0; a < d.count; a++)
      for (uint32_t b = a + 1; b < d.count; b++)
        if (d.len[a] == d.len[b] && !memcmp(d.data.data + d.off[a], d.data.data + d.off[b], d.len[a])) bad++;
    CHECK_EQ_INT(bad, 0);
    blz_dict_free(&d);
  }
}

/* The first n draws (xorshift from seed) from `range` equally likely values, or with range 0 a
 * mix: a fifth split between two values, the rest never seen before. Fills distinct, once, twice. */
typedef struct draws {
  int64_t distinct, once, twice;
} draws;
static draws draw(int64_t n, uint64_t range, uint64_t seed, uint8_t *seen) {
  draws r = {0, 0, 0};
  memset(seen, 0, range ? (size_t)range : (size_t)n + 2);
  for (int64_t i = 0; i < n; i++) {
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
    uint64_t v = range ? seed % range : seed % 10 < 2 ? seed % 10 : (uint64_t)i + 2;
    uint8_t h = seen[v];
    r.distinct += h == 0, r.once += (h == 0) - (h == 1), r.twice += (h == 1) - (h == 2);
    seen[v] = (uint8_t)(h + (h < 3));
  }
  return r;
}

void test_dict_predicted_ratio(void) {
  /* 8-byte values, a 20,000-value page: the prediction from the first 1,024/2,048/4,096 values
   * stays at or below (within noise) the page's true (dictionary + indices) / PLAIN (it errs
   * towards keeping the dictionary), keeps the dictionary where it truly saves a tenth (uniform
   * draws from 5,000 and 20,000 values: true ratios 0.45 and 0.85) and gives it up where it truly
   * loses (100,000 and 10^7 values; two values a fifth of the time and new ones otherwise: 1.02) */
  uint64_t ranges[5] = {5000, 20000, 100000, 10000000, 0};
  uint8_t *seen = malloc(10000000);
  for (int k = 0; k < 5; k++) {
    for (uint64_t seed = 1; seed <= 5; seed++) {
      uint64_t s0 = seed * 0x9E3779B97F4A7C15ULL;
      int64_t page_d = draw(20000, ranges[k], s0, seen).distinct;
      double truth = ((double)page_d * 8 + 20000.0 * blz_bit_width((uint64_t)page_d - 1) / 8) / 160000.0;
      for (int64_t n = 1024; n <= 4096; n *= 2) {
        draws f = draw(n, ranges[k], s0, seen);
        double p = blz_dict_predicted_ratio(n, f.distinct, f.once, f.twice, 20000, 8, 8);
        CHECK(p <= truth + 0.03); /* sampling noise: one seed's 4,096 values predict 0.870 for 0.848 */
        if (k < 2) CHECK(p < 0.9);
        if (k >= 2) CHECK(p >= 0.9);
      }
    }
  }
  free(seen);
}

void test_zalloc(void) {
  /* zeroed by writing, whatever the heap held before; an overflowing size is refused */
  uint8_t *junk = malloc(1 << 20);
  memset(junk, 0xAB, 1 << 20);
  free(junk);
  uint64_t *z = blz_zalloc(1 << 17, sizeof *z);
  CHECK(z != NULL);
  uint64_t any = 0;
  for (size_t i = 0; i < (1u << 17); i++) any |= z[i];
  CHECK(any == 0);
  free(z);
  CHECK(blz_zalloc(SIZE_MAX / 4, 8) == NULL);
  void *empty = blz_zalloc(0, 8);
  CHECK(empty != NULL);
  free(empty);
}

/* gzip without a level is libdeflate's level 5 (zlib -6's ratio), standard gzip members that
 * decompress to the input; the test data is one where levels 5 and 6 differ, so a default that
 * moved back to 6 (or anywhere else) fails here. */
void test_codec_gzip_default_level(void) {
  blz_buf in = {0};
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (int i = 0; i < 20000; i++) { /* log-like lines: a few words, numbers of varying length */
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    char line[96];
    static const char *words[] = {"GET", "POST", "/api/v1/items", "/login", "ok", "timeout", "user", "cache miss"};
    int n = snprintf(line, sizeof line, "%s %s %llu %s\n", words[x % 8], words[(x >> 8) % 8],
                     (unsigned long long)((x >> 16) % 100000), words[(x >> 40) % 8]);
    CHECK(blz_buf_append(&in, line, (size_t)n));
  }
  blz_buf out[3] = {{0}};
  int levels[3] = {0, BLZ_GZIP_DEFAULT_LEVEL, 6};
  blz_error err = {0};
  for (int k = 0; k < 3; k++) {
    blz_codec *c = NULL;
    CHECK_EQ_INT(blz_codec_create(BLZ_COMPRESSION_GZIP, levels[k], &c, &err), BLZ_OK);
    CHECK_EQ_INT(blz_codec_compress(c, in.data, in.len, &out[k], &err), BLZ_OK);
    blz_codec_destroy(c);
  }
  CHECK_EQ_INT(BLZ_GZIP_DEFAULT_LEVEL, 5);
  CHECK(out[0].len == out[1].len && memcmp(out[0].data, out[1].data, out[0].len) == 0);
  CHECK(out[1].len != out[2].len || memcmp(out[1].data, out[2].data, out[1].len) != 0);
  CHECK(out[0].len > 18 && out[0].data[0] == 0x1f && out[0].data[1] == 0x8b && out[0].data[2] == 8);
  uint8_t *back = malloc(in.len);
  CHECK(back != NULL);
  CHECK_EQ_INT(blz_decompress(BLZ_COMPRESSION_GZIP, out[0].data, out[0].len, back, in.len, &err), BLZ_OK);
  CHECK(memcmp(back, in.data, in.len) == 0);
  free(back);
  for (int k = 0; k < 3; k++) blz_buf_free(&out[k]);
  blz_buf_free(&in);
}
