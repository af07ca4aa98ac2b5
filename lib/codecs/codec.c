/* codec.c — thin wrappers over libsnappy, libdeflate, libzstd and liblz4 with reusable contexts. */
#include "codec.h"

#include <ctype.h>
#include <libdeflate.h>
#include <lz4.h>
#include <lz4frame.h>
#include <snappy-c.h>
#include <zstd.h>

struct blz_codec {
  blz_compression kind;
  int level;
  ZSTD_CCtx *zstd;
  struct libdeflate_compressor *gz;
};

blz_status blz_codec_create(blz_compression c, int level, blz_codec **out, blz_error *err) {
  blz_codec *k = calloc(1, sizeof *k);
  if (!k) return blz_fail(err, BLZ_ENOMEM, "out of memory creating codec");
  k->kind = c;
  k->level = level;
  switch (c) {
    case BLZ_COMPRESSION_UNCOMPRESSED:
    case BLZ_COMPRESSION_SNAPPY:
    case BLZ_COMPRESSION_LZ4_RAW:
      break;
    case BLZ_COMPRESSION_ZSTD:
      if (level == 0) k->level = 1; /* the level arrow-rs, Arrow C++ and DuckDB use by default */
      if (k->level < ZSTD_minCLevel() || k->level > ZSTD_maxCLevel()) {
        free(k);
        return blz_fail(err, BLZ_EINVAL, "zstd level %d out of range %d..%d", level, ZSTD_minCLevel(),
                        ZSTD_maxCLevel());
      }
      k->zstd = ZSTD_createCCtx();
      if (!k->zstd) {
        free(k);
        return blz_fail(err, BLZ_ENOMEM, "out of memory creating zstd context");
      }
      ZSTD_CCtx_setParameter(k->zstd, ZSTD_c_compressionLevel, k->level);
      break;
    case BLZ_COMPRESSION_GZIP:
      /* gzip without a level means zlib's default (-6: Arrow C++, pyarrow and zlib-based
       * writers): libdeflate reaches its ratio at level 5 (the bench shapes' pages, 1 MiB at a
       * time: -0.6% to +0.2% of zlib -6's bytes) in 70% of its own level 6's time */
      if (level == 0) k->level = BLZ_GZIP_DEFAULT_LEVEL;
      if (k->level < 1 || k->level > 12) {
        free(k);
        return blz_fail(err, BLZ_EINVAL, "gzip level %d out of range 1..12", level);
      }
      /* libdeflate writes standard gzip members (RFC 1952), faster and smaller than zlib at the
       * same level; 10..12 are its slower, stronger levels */
      k->gz = libdeflate_alloc_compressor(k->level);
      if (!k->gz) {
        free(k);
        return blz_fail(err, BLZ_ENOMEM, "out of memory creating gzip compressor");
      }
      break;
    default:
      free(k);
      return blz_fail(err, BLZ_EINVAL, "unknown compression codec %d", (int)c);
  }
  *out = k;
  return BLZ_OK;
}

uint32_t blz_crc32(const void *p, size_t n) { return libdeflate_crc32(0, p, n); }

void blz_codec_destroy(blz_codec *k) {
  if (!k) return;
  if (k->zstd) ZSTD_freeCCtx(k->zstd);
  if (k->gz) libdeflate_free_compressor(k->gz);
  free(k);
}

blz_status blz_codec_compress(blz_codec *k, const uint8_t *in, size_t n, blz_buf *out,
                              blz_error *err) {
  switch (k->kind) {
    case BLZ_COMPRESSION_UNCOMPRESSED:
      if (!blz_buf_append(out, in, n)) return blz_fail(err, BLZ_ENOMEM, "out of memory");
      return BLZ_OK;
    case BLZ_COMPRESSION_SNAPPY: {
      size_t cap = snappy_max_compressed_length(n);
      if (!blz_buf_reserve(out, cap)) return blz_fail(err, BLZ_ENOMEM, "out of memory");
      if (snappy_compress((const char *)in, n, (char *)out->data + out->len, &cap) != SNAPPY_OK)
        return blz_fail(err, BLZ_EIO, "snappy compression failed");
      out->len += cap;
      return BLZ_OK;
    }
    case BLZ_COMPRESSION_LZ4_RAW: {
      if (n > (size_t)LZ4_MAX_INPUT_SIZE)
        return blz_fail(err, BLZ_EINVAL, "page of %zu bytes too large for lz4", n);
      int cap = LZ4_compressBound((int)n);
      if (!blz_buf_reserve(out, (size_t)cap)) return blz_fail(err, BLZ_ENOMEM, "out of memory");
      int got = LZ4_compress_default((const char *)in, (char *)out->data + out->len, (int)n, cap);
      if (got <= 0 && n > 0) return blz_fail(err, BLZ_EIO, "lz4 compression failed");
      out->len += (size_t)got;
      return BLZ_OK;
    }
    case BLZ_COMPRESSION_ZSTD: {
      size_t cap = ZSTD_compressBound(n);
      if (!blz_buf_reserve(out, cap)) return blz_fail(err, BLZ_ENOMEM, "out of memory");
      size_t got = ZSTD_compress2(k->zstd, out->data + out->len, cap, in, n);
      if (ZSTD_isError(got)) return blz_fail(err, BLZ_EIO, "zstd: %s", ZSTD_getErrorName(got));
      out->len += got;
      return BLZ_OK;
    }
    case BLZ_COMPRESSION_GZIP: {
      size_t cap = libdeflate_gzip_compress_bound(k->gz, n);
      if (!blz_buf_reserve(out, cap)) return blz_fail(err, BLZ_ENOMEM, "out of memory");
      size_t got = libdeflate_gzip_compress(k->gz, in, n, out->data + out->len, cap);
      if (got == 0) return blz_fail(err, BLZ_EIO, "gzip compression failed");
      out->len += got;
      return BLZ_OK;
    }
  }
  return blz_fail(err, BLZ_EINVAL, "unknown codec");
}

blz_status blz_decompress_zstd(const uint8_t *in, size_t n, uint8_t *out, size_t out_len,
                               blz_error *err) {
  size_t got = ZSTD_decompress(out, out_len, in, n);
  if (ZSTD_isError(got)) return blz_fail(err, BLZ_EFORMAT, "zstd: %s", ZSTD_getErrorName(got));
  if (got != out_len)
    return blz_fail(err, BLZ_EFORMAT, "zstd: %zu bytes decompressed, %zu expected", got, out_len);
  return BLZ_OK;
}

blz_status blz_decompress_lz4_frame(const uint8_t *in, size_t n, uint8_t *out, size_t out_len,
                                    blz_error *err) {
  LZ4F_dctx *d;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
    return blz_fail(err, BLZ_ENOMEM, "lz4: cannot create context");
  size_t done_in = 0, done_out = 0;
  blz_status st = BLZ_OK;
  for (;;) {
    size_t src = n - done_in, dst = out_len - done_out;
    size_t rc = LZ4F_decompress(d, out + done_out, &dst, in + done_in, &src, NULL);
    if (LZ4F_isError(rc)) {
      st = blz_fail(err, BLZ_EFORMAT, "lz4 frame: %s", LZ4F_getErrorName(rc));
      break;
    }
    done_in += src;
    done_out += dst;
    if (rc == 0) break;
    if (src == 0 && dst == 0) {
      st = blz_fail(err, BLZ_EFORMAT, "lz4 frame: truncated or larger than declared %zu bytes",
                    out_len);
      break;
    }
  }
  LZ4F_freeDecompressionContext(d);
  if (st == BLZ_OK && done_out != out_len)
    st = blz_fail(err, BLZ_EFORMAT, "lz4 frame: %zu bytes decompressed, %zu expected", done_out,
                  out_len);
  return st;
}

blz_status blz_decompress(blz_compression c, const uint8_t *in, size_t n, uint8_t *out,
                          size_t out_len, blz_error *err) {
  switch (c) {
    case BLZ_COMPRESSION_UNCOMPRESSED:
      if (n != out_len) return blz_fail(err, BLZ_EFORMAT, "size mismatch");
      memcpy(out, in, n);
      return BLZ_OK;
    case BLZ_COMPRESSION_SNAPPY: {
      size_t len = out_len;
      if (snappy_uncompress((const char *)in, n, (char *)out, &len) != SNAPPY_OK || len != out_len)
        return blz_fail(err, BLZ_EFORMAT, "snappy: corrupt input");
      return BLZ_OK;
    }
    case BLZ_COMPRESSION_LZ4_RAW: {
      int got = LZ4_decompress_safe((const char *)in, (char *)out, (int)n, (int)out_len);
      if (got < 0 || (size_t)got != out_len) return blz_fail(err, BLZ_EFORMAT, "lz4: corrupt input");
      return BLZ_OK;
    }
    case BLZ_COMPRESSION_ZSTD: return blz_decompress_zstd(in, n, out, out_len, err);
    case BLZ_COMPRESSION_GZIP: {
      struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
      if (!d) return blz_fail(err, BLZ_ENOMEM, "out of memory");
      size_t got = 0;
      enum libdeflate_result rc = libdeflate_gzip_decompress(d, in, n, out, out_len, &got);
      libdeflate_free_decompressor(d);
      if (rc != LIBDEFLATE_SUCCESS || got != out_len) return blz_fail(err, BLZ_EFORMAT, "gzip: corrupt input");
      return BLZ_OK;
    }
  }
  return blz_fail(err, BLZ_EINVAL, "unknown codec");
}

blz_status blz_compression_parse(const char *name, blz_compression *out) {
  static const struct { const char *n; blz_compression c; } names[] = {
      {"snappy", BLZ_COMPRESSION_SNAPPY}, {"gzip", BLZ_COMPRESSION_GZIP},
      {"zstd", BLZ_COMPRESSION_ZSTD},     {"lz4", BLZ_COMPRESSION_LZ4_RAW},
      {"lz4_raw", BLZ_COMPRESSION_LZ4_RAW}, {"uncompressed", BLZ_COMPRESSION_UNCOMPRESSED},
      {"none", BLZ_COMPRESSION_UNCOMPRESSED}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    const char *a = name, *b = names[i].n;
    while (*a && *b && tolower((unsigned char)*a) == *b) a++, b++;
    if (!*a && !*b) {
      *out = names[i].c;
      return BLZ_OK;
    }
  }
  return BLZ_EINVAL;
}

const char *blz_compression_name(blz_compression c) {
  switch (c) {
    case BLZ_COMPRESSION_UNCOMPRESSED: return "uncompressed";
    case BLZ_COMPRESSION_SNAPPY: return "snappy";
    case BLZ_COMPRESSION_GZIP: return "gzip";
    case BLZ_COMPRESSION_ZSTD: return "zstd";
    case BLZ_COMPRESSION_LZ4_RAW: return "lz4";
  }
  return "unknown";
}
