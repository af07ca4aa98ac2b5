/* encode.c — DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT. */
#include "encode.h"

#include "rle.h"

#include <strings.h>

#define BLOCK 128
#define MINIBLOCKS 4
#define MINI (BLOCK / MINIBLOCKS)

static inline uint8_t *put_uvarint(uint8_t *p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  *p++ = (uint8_t)v;
  return p;
}

static inline uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

static inline int bits_of(uint64_t v) { return v ? 64 - __builtin_clzll(v) : 0; }

/* Packs 32 values of bw bits, LSB first: exactly 4 * bw bytes. */
static uint8_t *pack_mini(uint8_t *p, const uint64_t *v, int bw) {
  if (bw == 0) return p;
  uint64_t acc = 0;
  int fill = 0;
  for (int i = 0; i < MINI; i++) {
    uint64_t x = v[i];
    acc |= x << fill;
    if (fill + bw >= 64) {
      memcpy(p, &acc, 8);
      p += 8;
      int used = 64 - fill;
      acc = used < 64 ? x >> used : 0;
      fill = fill + bw - 64;
    } else {
      fill += bw;
    }
  }
  memcpy(p, &acc, (size_t)fill / 8); /* 32 * bw bits is a whole number of bytes */
  return p + fill / 8;
}

static inline int64_t load_int(const uint8_t *p, int width) {
  if (width == 8) {
    int64_t v;
    memcpy(&v, p, 8);
    return v;
  }
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}

bool blz_delta_binary_packed(blz_buf *out, const uint8_t *plain, size_t n, int width) {
  size_t blocks = n ? (n - 1 + BLOCK - 1) / BLOCK : 0;
  if (!blz_buf_reserve(out, 40 + blocks * (10 + MINIBLOCKS + BLOCK * (size_t)width))) return false;
  uint8_t *p = out->data + out->len;
  int64_t first = n ? load_int(plain, width) : 0;
  p = put_uvarint(p, BLOCK);
  p = put_uvarint(p, MINIBLOCKS);
  p = put_uvarint(p, n);
  p = put_uvarint(p, zigzag(first));
  uint64_t u[BLOCK];
  int64_t prev = first;
  for (size_t start = 1; start < n; start += BLOCK) {
    size_t m = n - start < BLOCK ? n - start : BLOCK;
    int64_t d[BLOCK];
    int64_t min = INT64_MAX;
    for (size_t j = 0; j < m; j++) {
      int64_t v = load_int(plain + (start + j) * (size_t)width, width);
      /* the difference wraps in the type's width */
      d[j] = width == 8 ? (int64_t)((uint64_t)v - (uint64_t)prev) : (int64_t)(int32_t)((uint32_t)v - (uint32_t)prev);
      min = d[j] < min ? d[j] : min;
      prev = v;
    }
    uint64_t mask = width == 8 ? UINT64_MAX : UINT32_MAX;
    for (size_t j = 0; j < m; j++) u[j] = ((uint64_t)d[j] - (uint64_t)min) & mask;
    for (size_t j = m; j < BLOCK; j++) u[j] = 0;
    p = put_uvarint(p, zigzag(min));
    int bw[MINIBLOCKS];
    for (int k = 0; k < MINIBLOCKS; k++) {
      uint64_t or = 0;
      if ((size_t)k * MINI < m)
        for (int j = 0; j < MINI; j++) or |= u[k * MINI + j];
      bw[k] = bits_of(or);
      *p++ = (uint8_t)bw[k];
    }
    /* miniblocks past the last value have no body */
    for (int k = 0; k < MINIBLOCKS && (size_t)k * MINI < m; k++) p = pack_mini(p, u + k * MINI, bw[k]);
  }
  out->len = (size_t)(p - out->data);
  return true;
}

/* The lengths of a PLAIN BYTE_ARRAY page's values as little-endian INT32s in *lens. */
static bool plain_lengths(const uint8_t *plain, size_t plain_len, size_t n, blz_buf *lens) {
  if (!blz_buf_reserve(lens, n * 4)) return false;
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    if (at + 4 > plain_len) return false;
    uint32_t len = blz_load_le32(plain + at);
    memcpy(lens->data + i * 4, &len, 4);
    at += 4 + (size_t)len;
  }
  lens->len = n * 4;
  return at == plain_len;
}

bool blz_delta_length_byte_array(blz_buf *out, const uint8_t *plain, size_t plain_len, size_t n) {
  blz_buf lens = {0};
  bool ok = plain_lengths(plain, plain_len, n, &lens) && blz_delta_binary_packed(out, lens.data, n, 4) &&
            blz_buf_reserve(out, plain_len - 4 * n);
  if (ok) {
    uint8_t *p = out->data + out->len;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
      uint32_t len = blz_load_le32(plain + at);
      memcpy(p, plain + at + 4, len);
      p += len;
      at += 4 + (size_t)len;
    }
    out->len = (size_t)(p - out->data);
  }
  blz_buf_free(&lens);
  return ok;
}

bool blz_delta_byte_array(blz_buf *out, const uint8_t *plain, size_t plain_len, size_t n) {
  blz_buf pre = {0}, suf = {0};
  bool ok = blz_buf_reserve(&pre, n * 4) && blz_buf_reserve(&suf, n * 4);
  const uint8_t *prev = NULL;
  uint32_t prev_len = 0;
  size_t at = 0, suffix_bytes = 0;
  for (size_t i = 0; ok && i < n; i++) {
    if (at + 4 > plain_len) ok = false;
    if (!ok) break;
    uint32_t len = blz_load_le32(plain + at);
    const uint8_t *v = plain + at + 4;
    uint32_t k = 0, lim = len < prev_len ? len : prev_len;
    while (k < lim && v[k] == prev[k]) k++;
    uint32_t s = len - k;
    memcpy(pre.data + i * 4, &k, 4);
    memcpy(suf.data + i * 4, &s, 4);
    suffix_bytes += s;
    prev = v;
    prev_len = len;
    at += 4 + (size_t)len;
  }
  ok = ok && at == plain_len && blz_delta_binary_packed(out, pre.data, n, 4) &&
       blz_delta_binary_packed(out, suf.data, n, 4) && blz_buf_reserve(out, suffix_bytes);
  if (ok) {
    at = 0;
    for (size_t i = 0; i < n; i++) {
      uint32_t len = blz_load_le32(plain + at), k;
      memcpy(&k, pre.data + i * 4, 4);
      blz_buf_append(out, plain + at + 4 + k, len - k); /* room reserved above */
      at += 4 + (size_t)len;
    }
  }
  blz_buf_free(&pre);
  blz_buf_free(&suf);
  return ok;
}

bool blz_byte_stream_split(blz_buf *out, const uint8_t *plain, size_t n, int width) {
  size_t w = (size_t)width;
  if (!blz_buf_reserve(out, n * w)) return false;
  uint8_t *p = out->data + out->len;
  for (size_t k = 0; k < w; k++)
    for (size_t i = 0; i < n; i++) p[k * n + i] = plain[i * w + k];
  out->len += n * w;
  return true;
}


bool blz_delta_binary_unpack(const uint8_t **p, const uint8_t *end, int64_t *out, size_t n, int width) {
  uint64_t block, minis, total, zz;
  if (!blz_get_uvarint(p, end, &block) || !blz_get_uvarint(p, end, &minis) || !blz_get_uvarint(p, end, &total) ||
      !blz_get_uvarint(p, end, &zz))
    return false;
  if (total != n || block == 0 || minis == 0 || block % minis || (block / minis) % 8 || minis > 64) return false;
  int64_t v = (int64_t)(zz >> 1) ^ -(int64_t)(zz & 1);
  if (n) out[0] = v;
  size_t got = n ? 1 : 0;
  size_t mini = block / minis;
  while (got < n) {
    if (!blz_get_uvarint(p, end, &zz)) return false;
    int64_t min = (int64_t)(zz >> 1) ^ -(int64_t)(zz & 1);
    if ((size_t)(end - *p) < minis) return false;
    const uint8_t *bws = *p;
    *p += minis;
    for (uint64_t k = 0; k < minis && got < n; k++) {
      int bw = bws[k];
      if (bw > 64 || (size_t)(end - *p) < mini * (size_t)bw / 8) return false;
      for (size_t j = 0; j < mini; j++) {
        uint64_t x = 0;
        for (int b = 0; b < bw; b++) {
          size_t bit = j * (size_t)bw + (size_t)b;
          x |= (uint64_t)(((*p)[bit / 8] >> (bit % 8)) & 1) << b;
        }
        if (got < n) {
          uint64_t nv = (uint64_t)v + (uint64_t)min + x;
          v = width == 8 ? (int64_t)nv : (int64_t)(int32_t)(uint32_t)nv;
          out[got++] = v;
        }
      }
      *p += mini * (size_t)bw / 8;
    }
  }
  return true;
}

static const struct { const char *name; blz_encoding e; } encoding_names[] = {
    {"auto", BLZ_ENCODING_AUTO},
    {"plain", BLZ_ENCODING_PLAIN},
    {"delta_binary_packed", BLZ_ENCODING_DELTA_BINARY_PACKED},
    {"delta_length_byte_array", BLZ_ENCODING_DELTA_LENGTH_BYTE_ARRAY},
    {"delta_byte_array", BLZ_ENCODING_DELTA_BYTE_ARRAY},
    {"rle_dictionary", BLZ_ENCODING_RLE_DICTIONARY},
    {"dictionary", BLZ_ENCODING_RLE_DICTIONARY},
    {"byte_stream_split", BLZ_ENCODING_BYTE_STREAM_SPLIT},
};

blz_status blz_encoding_parse(const char *name, blz_encoding *out) {
  for (size_t i = 0; name && i < sizeof encoding_names / sizeof encoding_names[0]; i++)
    if (!strcasecmp(name, encoding_names[i].name)) {
      *out = encoding_names[i].e;
      return BLZ_OK;
    }
  return BLZ_EINVAL;
}

const char *blz_encoding_name(blz_encoding e) {
  for (size_t i = 0; i < sizeof encoding_names / sizeof encoding_names[0]; i++)
    if (encoding_names[i].e == e) return encoding_names[i].name;
  return "unknown";
}

blz_status blz_encoding_profile_parse(const char *name, blz_encoding_profile *out) {
  if (name && !strcasecmp(name, "compatible")) *out = BLZ_PROFILE_COMPATIBLE;
  else if (name && !strcasecmp(name, "compact")) *out = BLZ_PROFILE_COMPACT;
  else return BLZ_EINVAL;
  return BLZ_OK;
}
