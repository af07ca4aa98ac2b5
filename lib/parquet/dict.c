/* dict.c — open-addressing hash dictionary used for RLE_DICTIONARY encoding. */
#include "dict.h"

static inline uint32_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return (uint32_t)x;
}

static inline uint64_t load64(const uint8_t *p) {
  uint64_t x;
  memcpy(&x, p, 8);
  return x;
}

/* Short strings (the common dictionary case) are hashed from two overlapping loads. */
static inline uint32_t hash_bytes(const uint8_t *p, size_t n) {
  uint64_t k = 0x9E3779B97F4A7C15ULL * (n + 1);
  if (n > 16) {
    uint64_t h = k;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) h = (h ^ load64(p + i)) * 0xff51afd7ed558ccdULL, h ^= h >> 29;
    return mix64(h ^ load64(p + n - 8));
  }
  if (n >= 8) return mix64(k ^ load64(p) ^ ((load64(p + n - 8) << 23) | (load64(p + n - 8) >> 41)));
  if (n >= 4) {
    uint32_t a, b;
    memcpy(&a, p, 4);
    memcpy(&b, p + n - 4, 4);
    return mix64(k ^ a ^ ((uint64_t)b << 32));
  }
  uint64_t x = n ? (uint64_t)p[0] | (uint64_t)p[n / 2] << 8 | (uint64_t)p[n - 1] << 16 : 0;
  return mix64(k ^ x);
}

/* Equality by 8-byte words (the last word overlapping), avoiding a memcmp call per value. */
static inline bool same_bytes(const uint8_t *a, const uint8_t *b, size_t n) {
  if (n >= 8) {
    for (size_t i = 0; i + 8 < n; i += 8)
      if (load64(a + i) != load64(b + i)) return false;
    return load64(a + n - 8) == load64(b + n - 8);
  }
  if (n >= 4) {
    uint32_t x, y, z, w;
    memcpy(&x, a, 4), memcpy(&y, b, 4), memcpy(&z, a + n - 4, 4), memcpy(&w, b + n - 4, 4);
    return x == y && z == w;
  }
  for (size_t i = 0; i < n; i++)
    if (a[i] != b[i]) return false;
  return true;
}

/* Remembers that the open page uses entry e (once per page). */
static inline bool mark(blz_column *c, uint32_t e) {
  if (c->entry_epoch[e] == c->page_epoch) return true;
  c->entry_epoch[e] = c->page_epoch;
  if (!blz_buf_reserve(&c->page_distinct, 4)) return false;
  memcpy(c->page_distinct.data + c->page_distinct.len, &e, 4);
  c->page_distinct.len += 4;
  return true;
}

static bool grow(blz_column *c) {
  uint32_t ns = c->nslots ? c->nslots * 2 : 1024;
  uint32_t *slots = calloc(ns, sizeof *slots);
  if (!slots) return false;
  for (uint32_t e = 0; e < c->count; e++) {
    uint32_t s = c->entry_hash[e] & (ns - 1);
    while (slots[s]) s = (s + 1) & (ns - 1);
    slots[s] = e + 1;
  }
  free(c->slots);
  c->slots = slots;
  c->nslots = ns;
  return true;
}

static bool grow_array(uint32_t **a, uint32_t cap) {
  uint32_t *p = realloc(*a, cap * sizeof *p);
  if (!p) return false;
  *a = p;
  return true;
}

static bool add_entry_meta(blz_column *c, uint32_t h, uint32_t off, uint32_t len) {
  if (c->count == c->entry_cap) {
    uint32_t cap = c->entry_cap ? c->entry_cap * 2 : 1024;
    if (!grow_array(&c->entry_off, cap) || !grow_array(&c->entry_hash, cap) ||
        !grow_array(&c->entry_len, cap) || !grow_array(&c->entry_epoch, cap))
      return false;
    c->entry_cap = cap;
  }
  c->entry_off[c->count] = off;
  c->entry_hash[c->count] = h;
  c->entry_len[c->count] = len;
  c->entry_epoch[c->count] = 0;
  return true;
}

bool blz_dict_encode(blz_column *c, const void *dense, size_t n) {
  if (!blz_buf_reserve(&c->page_idx, n * 4)) return false;
  uint32_t *out = (uint32_t *)(c->page_idx.data + c->page_idx.len);
  if (c->t.phys == PQ_BYTE_ARRAY) {
    const blz_bytes_ref *v = dense;
    uint32_t last = UINT32_MAX; /* runs of one value (sorted or bursty columns) skip the hash */
    for (size_t i = 0; i < n; i++) {
      if (last != UINT32_MAX && c->entry_len[last] == v[i].len &&
          same_bytes(c->dict_data.data + c->entry_off[last] + 4, v[i].p, v[i].len)) {
        out[i] = last;
        continue;
      }
      if ((c->count + 1) * 2 > c->nslots && !grow(c)) return false;
      uint32_t h = hash_bytes(v[i].p, v[i].len);
      uint32_t mask = c->nslots - 1, s = h & mask, e;
      for (;;) {
        e = c->slots[s];
        if (!e) break;
        e--;
        if (c->entry_hash[e] == h && c->entry_len[e] == v[i].len &&
            same_bytes(c->dict_data.data + c->entry_off[e] + 4, v[i].p, v[i].len))
          break;
        s = (s + 1) & mask;
      }
      if (!c->slots[s]) {
        uint32_t off = (uint32_t)c->dict_data.len;
        if (!blz_buf_reserve(&c->dict_data, 4 + (size_t)v[i].len)) return false;
        blz_store_le32(c->dict_data.data + c->dict_data.len, v[i].len);
        if (v[i].len) memcpy(c->dict_data.data + c->dict_data.len + 4, v[i].p, v[i].len);
        c->dict_data.len += 4 + (size_t)v[i].len;
        if (!add_entry_meta(c, h, off, v[i].len)) return false;
        e = c->count++;
        c->slots[s] = e + 1;
      }
      if (!mark(c, e)) return false;
      out[i] = last = e;
    }
  } else {
    size_t w = (size_t)c->width;
    const uint8_t *v = dense;
    for (size_t i = 0; i < n; i++) {
      if ((c->count + 1) * 2 > c->nslots && !grow(c)) return false;
      const uint8_t *val = v + i * w;
      uint32_t h;
      if (w == 8) { uint64_t x; memcpy(&x, val, 8); h = mix64(x); }
      else if (w == 4) { uint32_t x; memcpy(&x, val, 4); h = mix64(x); }
      else h = hash_bytes(val, w);
      uint32_t mask = c->nslots - 1, s = h & mask, e;
      for (;;) {
        e = c->slots[s];
        if (!e) break;
        e--;
        if (c->entry_hash[e] == h && same_bytes(c->dict_data.data + (size_t)e * w, val, w)) break;
        s = (s + 1) & mask;
      }
      if (!c->slots[s]) {
        if (!blz_buf_append(&c->dict_data, val, w)) return false;
        if (!add_entry_meta(c, h, 0, (uint32_t)w)) return false;
        e = c->count++;
        c->slots[s] = e + 1;
      }
      if (!mark(c, e)) return false;
      out[i] = e;
    }
  }
  c->page_idx.len += n * 4;
  return true;
}

void blz_dict_clear(blz_column *c) {
  if (c->slots) memset(c->slots, 0, (size_t)c->nslots * sizeof *c->slots);
  c->count = 0;
  c->dict_data.len = 0;
  c->page_distinct.len = 0;
}

bool blz_dict_page_stats(blz_column *c, blz_stats *s) {
  size_t n = c->page_distinct.len / 4;
  const uint32_t *ids = (const uint32_t *)c->page_distinct.data;
  c->page_epoch++;
  c->page_distinct.len = 0;
  if (n == 0) return true;
  blz_buf tmp = {0};
  size_t w = c->t.phys == PQ_BYTE_ARRAY ? sizeof(blz_bytes_ref) : (size_t)c->width;
  if (!blz_buf_reserve(&tmp, n * w)) return false;
  for (size_t i = 0; i < n; i++) {
    uint32_t e = ids[i];
    if (c->t.phys == PQ_BYTE_ARRAY) {
      blz_bytes_ref r = {c->dict_data.data + c->entry_off[e] + 4, c->entry_len[e]};
      memcpy(tmp.data + i * w, &r, w);
    } else {
      memcpy(tmp.data + i * w, c->dict_data.data + (size_t)e * w, w);
    }
  }
  bool ok = blz_stats_update(s, &c->t, tmp.data, n);
  blz_buf_free(&tmp);
  return ok;
}

void blz_dict_free(blz_column *c) {
  free(c->slots);
  free(c->entry_off);
  free(c->entry_hash);
  free(c->entry_len);
  free(c->entry_epoch);
  blz_buf_free(&c->dict_data);
  blz_buf_free(&c->page_distinct);
  c->slots = c->entry_off = c->entry_hash = c->entry_len = c->entry_epoch = NULL;
  c->nslots = c->count = c->entry_cap = 0;
}
