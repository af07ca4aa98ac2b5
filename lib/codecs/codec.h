/* codec.h — page compression for Parquet through the field's libraries (snappy, libdeflate, zstd, lz4). */
#ifndef BLZ_CODEC_H
#define BLZ_CODEC_H

#include "../common/blz_common.h"

typedef struct blz_codec blz_codec;

/* The gzip level used when none is given: libdeflate's, sized to zlib -6's ratio (codec.c). */
#define BLZ_GZIP_DEFAULT_LEVEL 5

/* Creates a compressor for `c` at `level` (0 = the codec's default). Reuses its contexts across
 * calls, so one per column writer thread. */
blz_status blz_codec_create(blz_compression c, int level, blz_codec **out, blz_error *err);
void blz_codec_destroy(blz_codec *codec);

/* Appends the compressed form of in[0..n) to out. UNCOMPRESSED appends a copy. */
blz_status blz_codec_compress(blz_codec *codec, const uint8_t *in, size_t n, blz_buf *out,
                              blz_error *err);

/* CRC-32 (ISO-HDLC, as zlib and the Parquet page header's `crc` define it) of p[0..n). */
uint32_t blz_crc32(const void *p, size_t n);

/* Decompression, for the IPC reader's body buffers and for tests: exactly `out_len` bytes must
 * come out. `lz4_frame` selects the LZ4 frame format (Arrow IPC) rather than LZ4 raw blocks. */
blz_status blz_decompress_zstd(const uint8_t *in, size_t n, uint8_t *out, size_t out_len,
                               blz_error *err);
blz_status blz_decompress_lz4_frame(const uint8_t *in, size_t n, uint8_t *out, size_t out_len,
                                    blz_error *err);
blz_status blz_decompress(blz_compression c, const uint8_t *in, size_t n, uint8_t *out,
                          size_t out_len, blz_error *err);

#endif
