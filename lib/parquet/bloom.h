/* bloom.h — Parquet split-block bloom filters (SBBF, xxHash64) built per column chunk. */
#ifndef BLZ_BLOOM_H
#define BLZ_BLOOM_H

#include "../common/blz_common.h"

/* The distinct xxHash64 values of a chunk's values, collected while its pages are encoded. */
typedef struct blz_bloom {
  uint64_t *set;   /* open addressing; 0 marks an empty slot */
  uint32_t cap, count;
  bool has_zero;   /* the hash 0 was seen */
} blz_bloom;

/* Adds the hash of one value (its PLAIN bytes, without a BYTE_ARRAY's length prefix). */
bool blz_bloom_add(blz_bloom *b, const void *value, size_t len);
/* Appends the BloomFilterHeader and the bitset sized for the distinct hashes seen at false
 * positive rate fpp (32 bytes to 128 MiB, a power of two) to out, then forgets the hashes. */
bool blz_bloom_finish(blz_bloom *b, double fpp, blz_buf *out);
void blz_bloom_free(blz_bloom *b);

/* Bytes of the bitset the spec's formula gives for ndv distinct values at rate fpp. */
size_t blz_bloom_bytes(uint64_t ndv, double fpp);
/* Whether the bitset bits[0..nbytes) may contain the value hashed to h (for tests). */
bool blz_bloom_check(const uint8_t *bits, size_t nbytes, uint64_t h);
uint64_t blz_bloom_hash(const void *value, size_t len);

#endif
