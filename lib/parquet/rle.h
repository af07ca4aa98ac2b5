/* rle.h — Parquet's RLE/bit-packing hybrid encoding (definition levels, dictionary indices). */
#ifndef BLZ_RLE_H
#define BLZ_RLE_H

#include "../common/blz_common.h"

/* Number of bits needed to represent max_value (0 for 0). */
int blz_bit_width(uint64_t max_value);

/* Appends n values of bit_width bits each, LSB first, padded with zero bits to a whole byte. */
bool blz_bitpack(blz_buf *out, const uint32_t *values, size_t n, int bit_width);

/* Appends the RLE/bit-packed hybrid encoding of values[0..n) (no length prefix, no bit-width
 * byte). Runs of 8 or more equal values become RLE runs; the rest go in bit-packed groups of 8. */
bool blz_rle_encode(blz_buf *out, const uint32_t *values, size_t n, int bit_width);

/* Same for one-byte values (definition levels), avoiding a widening copy. */
bool blz_rle_encode_u8(blz_buf *out, const uint8_t *values, size_t n, int bit_width);

/* Appends the encoding blz_rle_encode_u8 gives n copies of value, without the n bytes. */
bool blz_rle_encode_repeat_u8(blz_buf *out, uint8_t value, size_t n, int bit_width);

/* Reads an unsigned LEB128 varint at *p (advancing it); false when it runs past end or 64 bits. */
bool blz_get_uvarint(const uint8_t **p, const uint8_t *end, uint64_t *v);

/* Decoder, used by the tests and the round-trip checks: decodes n values into out.
 * Returns false if the input is malformed or too short. */
bool blz_rle_decode(const uint8_t *in, size_t len, int bit_width, uint32_t *out, size_t n);

#endif
