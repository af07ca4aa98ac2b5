/* bloom.c — split-block bloom filters as the Parquet spec (BloomFilter.md) defines them: blocks of
 * eight 32-bit words, one bit set per word by the salted upper bits of the hash's low half. */
#include "bloom.h"

#include <math.h>

#include "thrift.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

static const uint32_t SALT[8] = {0x47b6137bU, 0x44974d91U, 0x8824ad5bU, 0xa2b7289dU,
                                 0x705495c7U, 0x2df1424bU, 0x9efc4947U, 0x5c6bfb31U};

uint64_t blz_bloom_hash(const void *value, size_t len) { return XXH64(value, len, 0); }

static bool set_grow(blz_bloom *b) {
  uint32_t cap = b->cap ? b->cap * 2 : 1024;
  uint64_t *set = blz_zalloc(cap, sizeof *set);
  if (!set) return false;
  for (uint32_t i = 0; i < b->cap; i++) {
    uint64_t h = b->set[i];
    if (!h) continue;
    uint32_t s = (uint32_t)(h >> 32) & (cap - 1);
    while (set[s]) s = (s + 1) & (cap - 1);
    set[s] = h;
  }
  free(b->set);
  b->set = set;
  b->cap = cap;
  return true;
}

bool blz_bloom_add(blz_bloom *b, const void *value, size_t len) {
  uint64_t h = blz_bloom_hash(value, len);
  if (!h) {
    b->has_zero = true;
    return true;
  }
  if ((b->count + 1) * 2 > b->cap && !set_grow(b)) return false;
  uint32_t mask = b->cap - 1, s = (uint32_t)(h >> 32) & mask;
  while (b->set[s]) {
    if (b->set[s] == h) return true;
    s = (s + 1) & mask;
  }
  b->set[s] = h;
  b->count++;
  return true;
}

size_t blz_bloom_bytes(uint64_t ndv, double fpp) {
  if (!(fpp > 0 && fpp < 1)) fpp = 0.01;
  double bits = -8.0 * (double)ndv / log(1.0 - pow(fpp, 1.0 / 8.0));
  size_t bytes = 32;
  while (bytes < (128u << 20) && (double)bytes * 8 < bits) bytes *= 2;
  return bytes;
}

static void insert(uint32_t *words, size_t nblocks, uint64_t h) {
  size_t block = (size_t)(((h >> 32) * (uint64_t)nblocks) >> 32);
  uint32_t key = (uint32_t)h;
  for (int i = 0; i < 8; i++) words[block * 8 + (size_t)i] |= 1u << ((key * SALT[i]) >> 27);
}

bool blz_bloom_check(const uint8_t *bits, size_t nbytes, uint64_t h) {
  size_t nblocks = nbytes / 32;
  size_t block = (size_t)(((h >> 32) * (uint64_t)nblocks) >> 32);
  uint32_t key = (uint32_t)h;
  for (int i = 0; i < 8; i++) {
    uint32_t w = blz_load_le32(bits + block * 32 + (size_t)i * 4);
    if (!(w & (1u << ((key * SALT[i]) >> 27)))) return false;
  }
  return true;
}

bool blz_bloom_finish(blz_bloom *b, double fpp, blz_buf *out) {
  size_t nbytes = blz_bloom_bytes((uint64_t)b->count + b->has_zero, fpp);
  blz_thrift t;
  blz_thrift_init(&t, out);
  blz_thrift_i32(&t, 1, (int32_t)nbytes);
  blz_thrift_struct_begin(&t, 2); /* algorithm: BLOCK */
  blz_thrift_empty_struct(&t, 1);
  blz_thrift_struct_end(&t);
  blz_thrift_struct_begin(&t, 3); /* hash: XXHASH */
  blz_thrift_empty_struct(&t, 1);
  blz_thrift_struct_end(&t);
  blz_thrift_struct_begin(&t, 4); /* compression: UNCOMPRESSED */
  blz_thrift_empty_struct(&t, 1);
  blz_thrift_struct_end(&t);
  blz_thrift_struct_end(&t);
  if (t.oom || !blz_buf_reserve(out, nbytes)) return false;
  uint32_t *words = blz_zalloc(nbytes / 4, sizeof *words);
  if (!words) return false;
  size_t nblocks = nbytes / 32;
  for (uint32_t i = 0; i < b->cap; i++)
    if (b->set[i]) insert(words, nblocks, b->set[i]);
  if (b->has_zero) insert(words, nblocks, 0);
  uint8_t *p = out->data + out->len;
  for (size_t i = 0; i < nbytes / 4; i++) blz_store_le32(p + i * 4, words[i]);
  out->len += nbytes;
  free(words);
  if (b->set && b->count) memset(b->set, 0, (size_t)b->cap * sizeof *b->set);
  b->count = 0;
  b->has_zero = false;
  return true;
}

void blz_bloom_free(blz_bloom *b) {
  free(b->set);
  memset(b, 0, sizeof *b);
}
