/* encode.h — value encodings other than PLAIN and RLE_DICTIONARY, made from a page's PLAIN bytes. */
#ifndef BLZ_ENCODE_H
#define BLZ_ENCODE_H

#include "../common/blz_common.h"

/* Parquet's Encoding enum (parquet.thrift). */
enum {
  ENC_PLAIN = 0,
  ENC_RLE = 3,
  ENC_DELTA_BINARY_PACKED = 5,
  ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
  ENC_DELTA_BYTE_ARRAY = 7,
  ENC_RLE_DICTIONARY = 8,
  ENC_BYTE_STREAM_SPLIT = 9,
  ENC_COUNT = 10
};

/* DELTA_BINARY_PACKED of n little-endian integers of `width` bytes (4: INT32, 8: INT64), in
 * blocks of 128 values and 4 miniblocks; differences wrap in the type's width as the spec says. */
bool blz_delta_binary_packed(blz_buf *out, const uint8_t *plain, size_t n, int width);
/* DELTA_LENGTH_BYTE_ARRAY of the n values of a PLAIN BYTE_ARRAY page (4-byte length + bytes). */
bool blz_delta_length_byte_array(blz_buf *out, const uint8_t *plain, size_t plain_len, size_t n);
/* DELTA_BYTE_ARRAY (prefix lengths, suffix lengths, suffixes) of a PLAIN BYTE_ARRAY page. */
bool blz_delta_byte_array(blz_buf *out, const uint8_t *plain, size_t plain_len, size_t n);
/* BYTE_STREAM_SPLIT of n values of `width` bytes: byte k of every value, then byte k+1, ... */
bool blz_byte_stream_split(blz_buf *out, const uint8_t *plain, size_t n, int width);

/* Decoders, used by the tests: n values (as int64) from DELTA_BINARY_PACKED data at *p, which
 * advances past it. Returns false on malformed input. */
bool blz_delta_binary_unpack(const uint8_t **p, const uint8_t *end, int64_t *out, size_t n, int width);

#endif
