/* dict.c — open-addressing hash dictionary used for RLE_DICTIONARY encoding, specialised per width. */
#include "dict.h"
#include "rle.h"

#include <math.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

static inline uint64_t load64(const uint8_t *p) {
  uint64_t x;
  memcpy(&x, p, 8);
  return x;
}

static inline uint32_t load32(const uint8_t *p) {
  uint32_t x;
  memcpy(&x, p, 4);
  return x;
}

/* Slot position of a fixed-width key: a multiply-xorshift mix, top bits taken. */
static inline uint32_t fixed_pos(uint64_t key, uint32_t mask) {
  key ^= key >> 31;
  key *= 0x9E3779B97F4A7C15ULL;
  return (uint32_t)(key >> 32) & mask;
}

/* The key of a byte array: exact for up to 7 bytes (length in the top byte, so "a" and "a\0"
 * differ), the first 8 bytes otherwise. Never reads outside p[0..n). */
static inline uint64_t bytes_key(const uint8_t *p, uint32_t n) {
  if (n >= 8) return load64(p);
  uint64_t k;
  if (n >= 4) k = (uint64_t)load32(p) | (uint64_t)load32(p + n - 4) << (8 * (n - 4));
  else k = n ? (uint64_t)p[0] | (uint64_t)p[n / 2] << 8 | (uint64_t)p[n - 1] << 16 : 0;
  return k | (uint64_t)n << 56;
}

/* The tag of a byte array: its hash, with the top two bits saying how much the key holds: 0, all
 * of a value under 8 bytes (its length too); 1, all 8 bytes of an 8-byte value; 2, the first 8
 * of a longer one. Equal key and tag then mean equal values for up to 8 bytes (the wide table's
 * strings: no entry is read to confirm them); longer ones are confirmed against the entry. Short
 * keys are mixed; XXH3 is for the longer values. */
static inline uint32_t bytes_tag(const uint8_t *p, uint32_t n, uint64_t key) {
  if (n < 8) return fixed_pos(key, 0x3FFFFFFFu);
  if (n == 8) return fixed_pos(key, 0x3FFFFFFFu) | 1u << 30;
  return ((uint32_t)XXH3_64bits(p, n) & 0x3FFFFFFFu) | 2u << 30;
}

/* Equality by 8-byte words (the last word overlapping), avoiding a memcmp call per value. */
static inline bool same_bytes(const uint8_t *a, const uint8_t *b, size_t n) {
  if (n >= 8) {
    for (size_t i = 0; i + 8 < n; i += 8)
      if (load64(a + i) != load64(b + i)) return false;
    return load64(a + n - 8) == load64(b + n - 8);
  }
  return memcmp(a, b, n) == 0;
}

void blz_dict_init(blz_dict *d, int width) {
  memset(d, 0, sizeof *d);
  d->width = width;
  d->page_epoch = 1; /* new entries start at epoch 0: not yet used by any page */
}

static inline uint32_t slot_pos(const blz_dict *d, const blz_dict_slot *s, uint32_t mask) {
  return d->width > 0 && d->width <= 8 ? fixed_pos(s->key, mask) : s->tag & mask;
}

static bool grow_slots(blz_dict *d) {
  /* doubling: a chunk of a thousand distinct strings holds 64 KiB of slots, not 128 */
  uint32_t ns = d->nslots ? d->nslots * 2 : 2048; /* 1024 values before the first growth */
  blz_dict_slot *slots = blz_zalloc(ns, sizeof *slots);
  if (!slots) return false;
  uint32_t mask = ns - 1;
  for (uint32_t i = 0; i < d->nslots; i++) {
    if (!d->slots[i].id) continue;
    uint32_t s = slot_pos(d, &d->slots[i], mask);
    while (slots[s].id) s = (s + 1) & mask;
    slots[s] = d->slots[i];
  }
  free(d->slots);
  d->slots = slots;
  d->nslots = ns;
  return true;
}

/* Whether the slot table must double before one more entry, given it is half full: yes, unless
 * the entries fill 7/8 of the dictionary page limit, where it may fill to 3/4. Past the limit the
 * chunk stops adding entries at the end of the piece being encoded: doubling the table for those
 * last entries would touch memory never used (8 MiB of slots for 8-byte values at a 1 MiB limit). */
static bool must_grow(const blz_dict *d) {
  if (d->page_limit <= 0 || (int64_t)d->data.len < d->page_limit / 8 * 7) return true;
  return (uint64_t)(d->count + 1) * 4 > (uint64_t)d->nslots * 3;
}

static bool grow_entries(blz_dict *d) {
  uint32_t cap = d->cap ? d->cap * 2 : 1024;
  uint32_t *a = realloc(d->off, cap * sizeof *a);
  if (!a) return false;
  d->off = a;
  if (!(a = realloc(d->len, cap * sizeof *a))) return false;
  d->len = a;
  if (!(a = realloc(d->epoch, cap * sizeof *a))) return false;
  d->epoch = a;
  d->cap = cap;
  return true;
}

/* Remembers that the open page uses entry e (once per page). */
static inline bool mark(blz_dict *d, uint32_t e) {
  if (d->epoch[e] == d->page_epoch) return true;
  d->epoch[e] = d->page_epoch;
  if (!blz_buf_reserve(&d->page_used, 4)) return false;
  memcpy(d->page_used.data + d->page_used.len, &e, 4);
  d->page_used.len += 4;
  return true;
}

#define DIRECT_SPAN 16384u

static inline int64_t signed_value(const uint8_t *p, size_t w) {
  if (w == 8) return (int64_t)load64(p);
  return (int32_t)load32(p);
}

/* Looks at the chunk's first values: when they span less than a quarter of DIRECT_SPAN, values
 * near them are looked up in a table indexed by their distance from lo. */
static bool try_direct(blz_dict *d, const uint8_t *v, size_t n) {
  d->direct_tried = true;
  size_t w = (size_t)d->width;
  if ((w != 4 && w != 8) || n == 0) return true;
  size_t m = n < 1024 ? n : 1024;
  int64_t lo = signed_value(v, w), hi = lo;
  for (size_t i = 1; i < m; i++) {
    int64_t x = signed_value(v + i * w, w);
    lo = x < lo ? x : lo;
    hi = x > hi ? x : hi;
  }
  if ((uint64_t)hi - (uint64_t)lo >= DIRECT_SPAN / 4) return true;
  if (!d->direct && !(d->direct = blz_zalloc(DIRECT_SPAN, sizeof *d->direct))) return false;
  /* centred on the values seen, without wrapping below INT64_MIN */
  uint64_t margin = (DIRECT_SPAN - ((uint64_t)hi - (uint64_t)lo)) / 2;
  d->lo = lo < INT64_MIN + (int64_t)margin ? INT64_MIN : lo - (int64_t)margin;
  return true;
}

/* Values of 1..8 bytes: the slot holds the value, so a lookup touches one cache line. */
static bool encode_small(blz_dict *d, const uint8_t *v, size_t n, uint32_t *out) {
  size_t w = (size_t)d->width;
  if (!d->direct_tried && !try_direct(d, v, n)) return false;
  uint64_t last_key = 0;
  uint32_t last = UINT32_MAX; /* runs of one value (sorted or bursty columns) skip the hash */
  for (size_t i = 0; i < n; i++) {
    uint64_t key = 0;
    if (w == 8) key = load64(v + i * 8);
    else if (w == 4) key = load32(v + i * 4);
    else memcpy(&key, v + i * w, w);
    if (d->direct) {
      uint64_t k = (uint64_t)signed_value(v + i * w, w) - (uint64_t)d->lo;
      if (k < DIRECT_SPAN) {
        uint32_t id = d->direct[k];
        if (BLZ_UNLIKELY(!id)) {
          if (!blz_buf_append(&d->data, v + i * w, w)) return false;
          id = d->direct[k] = ++d->count;
        }
        out[i] = id - 1;
        continue;
      }
    }
    if (key == last_key && last != UINT32_MAX) {
      out[i] = last;
      continue;
    }
    if (BLZ_UNLIKELY((d->count + 1) * 2 > d->nslots) && must_grow(d) && !grow_slots(d)) return false;
    uint32_t mask = d->nslots - 1, s = fixed_pos(key, mask);
    blz_dict_slot *sl;
    for (;;) {
      sl = &d->slots[s];
      if (!sl->id || sl->key == key) break;
      s = (s + 1) & mask;
    }
    if (!sl->id) {
      if (!blz_buf_append(&d->data, v + i * w, w)) return false;
      sl->key = key;
      sl->id = ++d->count;
    }
    out[i] = last = sl->id - 1;
    last_key = key;
  }
  return true;
}

/* Wider fixed values (FIXED_LEN_BYTE_ARRAY): first 8 bytes and a hash in the slot, the rest
 * confirmed against the entry. */
static bool encode_wide(blz_dict *d, const uint8_t *v, size_t n, uint32_t *out) {
  size_t w = (size_t)d->width;
  for (size_t i = 0; i < n; i++) {
    const uint8_t *val = v + i * w;
    if (BLZ_UNLIKELY((d->count + 1) * 2 > d->nslots) && must_grow(d) && !grow_slots(d)) return false;
    uint64_t key = load64(val);
    uint32_t tag = (uint32_t)XXH3_64bits(val, w);
    uint32_t mask = d->nslots - 1, s = tag & mask;
    blz_dict_slot *sl;
    for (;;) {
      sl = &d->slots[s];
      if (!sl->id) break;
      if (sl->key == key && sl->tag == tag && same_bytes(d->data.data + (size_t)(sl->id - 1) * w, val, w)) break;
      s = (s + 1) & mask;
    }
    if (!sl->id) {
      if (!blz_buf_append(&d->data, val, w)) return false;
      sl->key = key;
      sl->tag = tag;
      sl->id = ++d->count;
    }
    out[i] = sl->id - 1;
  }
  return true;
}

static bool encode_bytes(blz_dict *d, const blz_bytes_ref *v, size_t n, uint32_t *out) {
  uint64_t last_key = 0;
  uint32_t last_len = 0;
  uint32_t last = UINT32_MAX;
  for (size_t i = 0; i < n; i++) {
    const uint8_t *p = v[i].p;
    uint32_t len = v[i].len;
    uint64_t key = bytes_key(p, len);
    /* the previous value again: equal keys and lengths are equal values up to 8 bytes (a short
     * value's key and an 8-byte one's can be equal: "abc" and "abc\0\0\0\0\3") */
    if (last != UINT32_MAX && key == last_key && len == last_len &&
        (len <= 8 || same_bytes(d->data.data + d->off[last], p, len))) {
      out[i] = last;
      continue;
    }
    if (BLZ_UNLIKELY((d->count + 1) * 2 > d->nslots) && must_grow(d) && !grow_slots(d)) return false;
    uint32_t tag = bytes_tag(p, len, key);
    uint32_t mask = d->nslots - 1, s = tag & mask;
    blz_dict_slot *sl;
    for (;;) {
      sl = &d->slots[s];
      if (!sl->id) break;
      if (sl->key == key && sl->tag == tag) {
        uint32_t e = sl->id - 1;
        if (len <= 8 || (d->len[e] == len && same_bytes(d->data.data + d->off[e], p, len))) break;
      }
      s = (s + 1) & mask;
    }
    uint32_t e;
    if (!sl->id) {
      if (d->count == d->cap && !grow_entries(d)) return false;
      if (!blz_buf_reserve(&d->data, 4 + (size_t)len)) return false;
      e = d->count++;
      blz_store_le32(d->data.data + d->data.len, len);
      d->off[e] = (uint32_t)d->data.len + 4;
      d->len[e] = len;
      d->epoch[e] = 0;
      if (len) memcpy(d->data.data + d->data.len + 4, p, len);
      d->data.len += 4 + (size_t)len;
      sl->key = key;
      sl->tag = tag;
      sl->id = e + 1;
    } else {
      e = sl->id - 1;
    }
    if (!mark(d, e)) return false;
    out[i] = last = e;
    last_key = key;
    last_len = len;
  }
  return true;
}

bool blz_dict_encode(blz_dict *d, const void *dense, size_t n, uint32_t *out) {
  if (d->data.len > UINT32_MAX - (64u << 20)) return false; /* offsets are 32-bit */
  if (d->width == 0) return encode_bytes(d, dense, n, out);
  if (d->width <= 8) return encode_small(d, dense, n, out);
  return encode_wide(d, dense, n, out);
}

bool blz_dict_take_page_used(blz_dict *d, blz_buf *refs) {
  refs->len = 0;
  size_t n = d->page_used.len / 4;
  const uint32_t *ids = (const uint32_t *)d->page_used.data;
  d->page_epoch++;
  d->page_used.len = 0;
  if (n == 0) return true;
  if (!blz_buf_reserve(refs, n * sizeof(blz_bytes_ref))) return false;
  blz_bytes_ref *r = (blz_bytes_ref *)refs->data;
  for (size_t i = 0; i < n; i++) r[i] = (blz_bytes_ref){d->data.data + d->off[ids[i]], d->len[ids[i]]};
  refs->len = n * sizeof(blz_bytes_ref);
  return true;
}

int64_t blz_dict_plain_size(const blz_dict *d, const uint32_t *idx, size_t n) {
  if (d->width) return (int64_t)n * d->width;
  int64_t total = 0;
  for (size_t i = 0; i < n; i++) total += 4 + (int64_t)d->len[idx[i]];
  return total;
}

bool blz_dict_to_plain(const blz_dict *d, const uint32_t *idx, size_t n, blz_buf *out) {
  int64_t total = blz_dict_plain_size(d, idx, n);
  if (!blz_buf_reserve(out, (size_t)total)) return false;
  uint8_t *p = out->data + out->len;
  if (d->width) {
    size_t w = (size_t)d->width;
    for (size_t i = 0; i < n; i++, p += w) memcpy(p, d->data.data + (size_t)idx[i] * w, w);
  } else {
    for (size_t i = 0; i < n; i++) {
      uint32_t e = idx[i];
      memcpy(p, d->data.data + d->off[e] - 4, 4 + (size_t)d->len[e]);
      p += 4 + (size_t)d->len[e];
    }
  }
  out->len += (size_t)total;
  return true;
}

bool blz_dict_map_reserve(blz_dict_map *m, size_t n) {
  if (n <= m->cap) return true;
  size_t cap = m->cap ? m->cap : 256;
  while (cap < n) cap *= 2;
  uint32_t *id = realloc(m->id, cap * sizeof *id);
  if (!id) return false;
  m->id = id;
  uint64_t *st = realloc(m->stamp, cap * sizeof *st);
  if (!st) return false;
  memset(st + m->cap, 0, (cap - m->cap) * sizeof *st);
  m->stamp = st;
  uint64_t *ck = realloc(m->checked, cap * sizeof *ck);
  if (!ck) return false;
  memset(ck + m->cap, 0, (cap - m->cap) * sizeof *ck);
  m->checked = ck;
  m->cap = cap;
  if (!m->epoch) m->epoch = 1;
  if (!m->checked_epoch) m->checked_epoch = 1;
  return true;
}

void blz_dict_map_free(blz_dict_map *m) {
  free(m->id);
  free(m->stamp);
  free(m->checked);
  uint64_t epoch = m->epoch, checked = m->checked_epoch;
  memset(m, 0, sizeof *m);
  m->epoch = epoch + 1; /* stays monotonic: nothing stamped before can match again */
  m->checked_epoch = checked + 1;
}

bool blz_dict_encode_mapped(blz_dict *d, const void *dense, const uint32_t *src, size_t n, blz_dict_map *m,
                            uint32_t *out) {
  size_t stride = d->width ? (size_t)d->width : sizeof(blz_bytes_ref);
  const uint8_t *v = dense;
  for (size_t i = 0; i < n; i++) {
    uint32_t j = src[i];
    if (m->stamp[j] == m->epoch) {
      uint32_t e = m->id[j];
      if (!d->width && !mark(d, e)) return false;
      out[i] = e;
      continue;
    }
    /* first sight of this Arrow entry: the ordinary lookup (which also marks it) */
    if (!blz_dict_encode(d, v + i * stride, 1, &out[i])) return false;
    m->id[j] = out[i];
    m->stamp[j] = m->epoch;
  }
  return true;
}

int64_t blz_dict_memory(const blz_dict *d) {
  int64_t m = (int64_t)(d->data.cap + d->page_used.cap) + (int64_t)d->nslots * (int64_t)sizeof *d->slots;
  m += (int64_t)d->cap * 3 * (int64_t)sizeof(uint32_t) + (int64_t)d->hits_cap; /* off, len, epoch; hits */
  return m + (d->direct ? (int64_t)DIRECT_SPAN * (int64_t)sizeof *d->direct : 0);
}

void blz_dict_clear(blz_dict *d) {
  if (d->slots && d->count) memset(d->slots, 0, (size_t)d->nslots * sizeof *d->slots);
  if (d->direct && d->count) memset(d->direct, 0, DIRECT_SPAN * sizeof *d->direct);
  if (d->hits) memset(d->hits, 0, d->hits_cap);
  d->once = d->twice = 0;
  d->direct_tried = false;
  d->count = 0;
  d->data.len = 0;
  d->page_used.len = 0;
}

void blz_dict_free(blz_dict *d) {
  free(d->slots);
  free(d->direct);
  free(d->off);
  free(d->len);
  free(d->epoch);
  free(d->hits);
  blz_buf_free(&d->data);
  blz_buf_free(&d->page_used);
  int64_t limit = d->page_limit;
  blz_dict_init(d, d->width);
  d->page_limit = limit;
}

bool blz_dict_tally(blz_dict *d, const uint32_t *idx, size_t n) {
  if (d->count > d->hits_cap) {
    size_t cap = d->hits_cap ? d->hits_cap : 1024;
    while (cap < d->count) cap *= 2;
    uint8_t *h = realloc(d->hits, cap);
    if (!h) return false;
    memset(h + d->hits_cap, 0, cap - d->hits_cap);
    d->hits = h;
    d->hits_cap = cap;
  }
  for (size_t i = 0; i < n; i++) {
    uint8_t h = d->hits[idx[i]];
    d->once += (h == 0) - (h == 1);
    d->twice += (h == 1) - (h == 2);
    d->hits[idx[i]] = (uint8_t)(h + (h < 3));
  }
  return true;
}

double blz_dict_predicted_ratio(int64_t n, int64_t distinct, int64_t once, int64_t twice, double page_n,
                                double entry_bytes, double plain_bytes) {
  if (n <= 1 || distinct <= 0 || page_n <= 0 || plain_bytes <= 0) return 0;
  double d = (double)distinct, f1 = (double)once, m = page_n - (double)n;
  if (f1 > 0 && m > 0) {
    double f2 = (double)twice + 2.0 * sqrt((double)twice) + 2.0;
    double unseen = ((double)n - 1) / (double)n * f1 * f1 / (2.0 * f2);
    /* each of the m draws to come is new with a chance that falls as the unseen ones are found */
    d += unseen * -expm1(m * log1p(-f1 / ((double)n * unseen + f1)));
  }
  double bytes = d * entry_bytes + page_n * (double)blz_bit_width((uint64_t)(d > 1 ? d - 1 : 0)) / 8.0;
  return bytes / (page_n * plain_bytes);
}
