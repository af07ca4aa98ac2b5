/* test_encoding.c — RLE/bit-packing hybrid and Thrift compact protocol byte layouts. */
#include "../../lib/parquet/rle.h"
#include "../../lib/parquet/thrift.h"
#include "test.h"
#include "tests.h"

void test_bitpack_spec_example(void) {
  /* parquet-format Encodings.md: 0..7 with bit width 3 */
  uint32_t v[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  blz_buf b = {0};
  CHECK(blz_bitpack(&b, v, 8, 3));
  CHECK_BYTES(b.data, b.len, 0x88, 0xC6, 0xFA);
  blz_buf_free(&b);
}

void test_rle_run_and_literal(void) {
  blz_buf b = {0};
  uint32_t same[10] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5};
  CHECK(blz_rle_encode(&b, same, 10, 3));
  CHECK_BYTES(b.data, b.len, 10 << 1, 5); /* one RLE run: header 20, value in one byte */
  b.len = 0;
  uint32_t alt[4] = {1, 0, 1, 1};
  CHECK(blz_rle_encode(&b, alt, 4, 1));
  CHECK_BYTES(b.data, b.len, (1 << 1) | 1, 0x0D); /* one literal group, padded */
  b.len = 0;
  uint32_t zero[3] = {0, 0, 0};
  CHECK(blz_rle_encode(&b, zero, 3, 0));
  CHECK_BYTES(b.data, b.len, 3 << 1);
  blz_buf_free(&b);
}

/* Round trips many shapes, including runs that start mid-group. */
void test_rle_roundtrip(void) {
  uint32_t in[5000], out[5000];
  unsigned seed = 7;
  for (int bw = 1; bw <= 20; bw += 3) {
    for (int shape = 0; shape < 4; shape++) {
      size_t n = 1 + (size_t)(shape * 1237 % 5000);
      for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        uint32_t r = (seed >> 8) & ((1u << bw) - 1);
        in[i] = shape == 0 ? r : shape == 1 ? (uint32_t)((i / 13) % 2) * r % (1u << bw)
              : shape == 2 ? (i % 50 < 3 ? r : 1) : (uint32_t)(i / 9) & ((1u << bw) - 1);
      }
      blz_buf b = {0};
      CHECK(blz_rle_encode(&b, in, n, bw));
      memset(out, 0xAB, sizeof out);
      CHECK(blz_rle_decode(b.data, b.len, bw, out, n));
      CHECK(memcmp(in, out, n * 4) == 0);
      blz_buf_free(&b);
    }
  }
  /* runs of 6..9, 56..66 values between stretches of literal values: runs starting on either side
   * of the encoder's 57-value skip blocks, and literal stretches of every length */
  static const int lens[] = {6, 7, 8, 9, 56, 57, 58, 63, 64, 65, 66};
  for (int bw = 1; bw <= 17; bw += 8) {
    size_t n = 0;
    for (int r = 0; n < 4800; r++) {
      int len = lens[r % 11], lits = (r * 37) % 71;
      for (int i = 0; i < lits && n < 4900; i++) {
        seed = seed * 1103515245u + 12345u;
        in[n++] = (seed >> 8) & ((1u << bw) - 1);
      }
      uint32_t x = (uint32_t)r & ((1u << bw) - 1);
      for (int i = 0; i < len && n < 5000; i++) in[n++] = x;
    }
    blz_buf b = {0};
    CHECK(blz_rle_encode(&b, in, n, bw));
    CHECK(blz_rle_decode(b.data, b.len, bw, out, n));
    CHECK(memcmp(in, out, n * 4) == 0);
    blz_buf_free(&b);
  }
  uint8_t lv[300];
  for (int i = 0; i < 300; i++) lv[i] = (uint8_t)(i % 17 != 0);
  blz_buf b = {0};
  CHECK(blz_rle_encode_u8(&b, lv, 300, 1));
  CHECK(blz_rle_decode(b.data, b.len, 1, out, 300));
  for (int i = 0; i < 300; i++) CHECK_EQ_INT(out[i], lv[i]);
  blz_buf_free(&b);
}

/* A page without nulls writes its levels from a count: the bytes must be those of the levels. */
void test_rle_repeat_matches_levels(void) {
  static uint8_t lv[70000];
  size_t ns[] = {0, 1, 7, 8, 9, 63, 64, 65, 1000, 70000};
  for (int bw = 0; bw <= 3; bw++)
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
      uint8_t value = (uint8_t)((1u << bw) - 1);
      memset(lv, value, ns[k]);
      blz_buf a = {0}, b = {0};
      CHECK(blz_rle_encode_u8(&a, lv, ns[k], bw));
      CHECK(blz_rle_encode_repeat_u8(&b, value, ns[k], bw));
      CHECK_EQ_INT(a.len, b.len);
      CHECK(a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0));
      blz_buf_free(&a);
      blz_buf_free(&b);
    }
}

/* One-bit levels take their own path (a bitmap, runs found a word at a time): its bytes must be
 * those of the general encoder, on runs of every length around 8 and 64, sparse and dense nulls. */
void test_rle_one_bit_levels_match(void) {
  static uint8_t lv[5000];
  static uint32_t wide[5000];
  uint64_t seed = 12345;
  for (int trial = 0; trial < 3000; trial++) {
    size_t n = (size_t)(trial % 50 == 0 ? trial % 7 : (trial * 37) % 5000);
    int mode = trial % 5;
    uint8_t prev = 0;
    for (size_t i = 0; i < n;) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      uint32_t r = (uint32_t)(seed >> 33);
      /* runs of 1-20, of 60-70, single flips in long runs, independent values, or (mode 4) runs
       * of 1-3 with a run of 8-12 now and then: long literal stretches, as the encoder skips them
       * 57 levels at a time, with runs starting anywhere around the skips' ends */
      size_t len = mode == 0 ? 1 + r % 20 : mode == 1 ? 60 + r % 11 : mode == 2 ? 1 + r % 300 : mode == 3 ? 1
                 : r % 23 == 0 ? 8 + r % 5 : 1 + r % 3;
      uint8_t val = mode == 3 ? (r % 10 != 0) : mode == 4 ? (uint8_t)!prev : (uint8_t)(r >> 20 & 1);
      prev = val;
      for (size_t k = 0; k < len && i < n; k++, i++) lv[i] = val;
    }
    for (size_t i = 0; i < n; i++) wide[i] = lv[i];
    blz_buf a = {0}, b = {0};
    CHECK(blz_rle_encode_u8(&a, lv, n, 1));
    CHECK(blz_rle_encode(&b, wide, n, 1));
    bool same = a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
    if (!same) fprintf(stderr, "  trial %d (n %zu, mode %d): %zu vs %zu bytes\n", trial, n, mode, a.len, b.len);
    CHECK(same);
    blz_buf_free(&a);
    blz_buf_free(&b);
    if (!same) break;
  }
}

/* Levels of 2-8 bits (nested columns) are packed from bytes by their own instance of the group
 * packer: their bytes must be the 32-bit encoder's, whole groups and tails, runs and literals. */
void test_rle_u8_levels_match(void) {
  static uint8_t lv[3000];
  static uint32_t wide[3000];
  uint64_t seed = 777;
  for (int bw = 2; bw <= 8; bw++)
    for (size_t n = 0; n < 3000; n = n * 3 + 1 + (size_t)bw) {
      for (size_t i = 0; i < n;) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        uint32_t r = (uint32_t)(seed >> 33);
        size_t len = r % 3 ? 1 : 1 + r % 40; /* mostly literal values, some runs */
        uint8_t val = (uint8_t)((r >> 8) & ((1u << bw) - 1));
        for (size_t k = 0; k < len && i < n; k++, i++) lv[i] = val;
      }
      for (size_t i = 0; i < n; i++) wide[i] = lv[i];
      blz_buf a = {0}, b = {0};
      CHECK(blz_rle_encode_u8(&a, lv, n, bw));
      CHECK(blz_rle_encode(&b, wide, n, bw));
      bool same = a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
      if (!same) fprintf(stderr, "  bit width %d, %zu levels: %zu vs %zu bytes\n", bw, n, a.len, b.len);
      CHECK(same);
      blz_buf_free(&a);
      blz_buf_free(&b);
    }
}

/* Bit-packing against a bit-at-a-time reference, every width, lengths around the 8-value groups. */
void test_bitpack_every_width(void) {
  uint32_t v[100];
  uint8_t want[400];
  uint64_t seed = 99;
  for (int bw = 1; bw <= 32; bw++)
    for (size_t n = 0; n <= 100; n += (n < 20 ? 1 : 7)) {
      memset(want, 0, sizeof want);
      for (size_t i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        v[i] = (uint32_t)(seed >> 32) & (bw == 32 ? 0xFFFFFFFFu : (1u << bw) - 1);
        for (int b = 0; b < bw; b++)
          if (v[i] >> b & 1) want[(i * (size_t)bw + (size_t)b) / 8] |= (uint8_t)(1u << ((i * (size_t)bw + (size_t)b) % 8));
      }
      blz_buf out = {0};
      CHECK(blz_bitpack(&out, v, n, bw));
      size_t bytes = (n * (size_t)bw + 7) / 8;
      CHECK_EQ_INT(out.len, bytes);
      bool same = out.len == bytes && (bytes == 0 || memcmp(out.data, want, bytes) == 0);
      if (!same) fprintf(stderr, "  bit width %d, %zu values\n", bw, n);
      CHECK(same);
      blz_buf_free(&out);
    }
}

void test_bit_width(void) {
  CHECK_EQ_INT(blz_bit_width(0), 0);
  CHECK_EQ_INT(blz_bit_width(1), 1);
  CHECK_EQ_INT(blz_bit_width(255), 8);
  CHECK_EQ_INT(blz_bit_width(256), 9);
}

void test_thrift_compact(void) {
  blz_buf b = {0};
  blz_thrift t;
  blz_thrift_init(&t, &b);
  blz_thrift_i32(&t, 1, -1);        /* delta 1, type i32 (5), zigzag(-1) = 1 */
  blz_thrift_i64(&t, 3, 300);       /* delta 2, type i64 (6), zigzag 600 = 0xD8 0x04 */
  blz_thrift_bool(&t, 4, true);     /* delta 1, type TRUE (1) */
  blz_thrift_string(&t, 40, "ab");  /* delta 36 > 15: long form: type byte 8, zigzag id 80 */
  blz_thrift_list_begin(&t, 41, BLZ_CT_I32, 2);
  blz_thrift_elem_i32(&t, 2);
  blz_thrift_elem_i32(&t, -3);
  blz_thrift_struct_end(&t);
  CHECK(!t.oom);
  CHECK_BYTES(b.data, b.len, 0x15, 0x01, 0x26, 0xD8, 0x04, 0x11, 0x08, 0x50, 0x02, 'a', 'b', 0x19,
              0x25, 0x04, 0x05, 0x00);
  b.len = 0;
  blz_thrift_init(&t, &b);
  blz_thrift_list_begin(&t, 1, BLZ_CT_I32, 20); /* 15 or more elements: size as a varint */
  CHECK_BYTES(b.data, b.len, 0x19, 0xF5, 20);
  b.len = 0;
  blz_thrift_init(&t, &b);
  blz_thrift_struct_begin(&t, 2); /* nested struct restarts field deltas */
  blz_thrift_i32(&t, 1, 0);
  blz_thrift_struct_end(&t);
  blz_thrift_i32(&t, 3, 0);
  CHECK_BYTES(b.data, b.len, 0x2C, 0x15, 0x00, 0x00, 0x15, 0x00);
  blz_buf_free(&b);
}
