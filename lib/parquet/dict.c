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

static inline uint32_t hash_bytes(const uint8_t *p, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n;
  while (n >= 8) {
    uint64_t x;
    memcpy(&x, p, 8);
    h = (h ^ x) * 0xff51afd7ed558ccdULL;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  uint64_t x = 0;
  memcpy(&x, p, n);
  return mix64(h ^ x);
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

static bool add_entry_meta(blz_column *c, uint32_t h, uint32_t off) {
  if (c->count == c->entry_cap) {
    uint32_t cap = c->entry_cap ? c->entry_cap * 2 : 1024;
    uint32_t *eo = realloc(c->entry_off, cap * sizeof *eo);
    if (!eo) return false;
    c->entry_off = eo;
    uint32_t *eh = realloc(c->entry_hash, cap * sizeof *eh);
    if (!eh) return false;
    c->entry_hash = eh;
    c->entry_cap = cap;
  }
  c->entry_off[c->count] = off;
  c->entry_hash[c->count] = h;
  return true;
}

bool blz_dict_encode(blz_column *c, const void *dense, size_t n) {
  if (!blz_buf_reserve(&c->page_idx, n * 4)) return false;
  uint32_t *out = (uint32_t *)(c->page_idx.data + c->page_idx.len);
  if (c->t.phys == PQ_BYTE_ARRAY) {
    const blz_bytes_ref *v = dense;
    for (size_t i = 0; i < n; i++) {
      if ((c->count + 1) * 2 > c->nslots && !grow(c)) return false;
      uint32_t h = hash_bytes(v[i].p, v[i].len);
      uint32_t mask = c->nslots - 1, s = h & mask, e;
      for (;;) {
        e = c->slots[s];
        if (!e) break;
        e--;
        if (c->entry_hash[e] == h) {
          const uint8_t *ent = c->dict_data.data + c->entry_off[e];
          if (blz_load_le32(ent) == v[i].len && !memcmp(ent + 4, v[i].p, v[i].len)) break;
        }
        s = (s + 1) & mask;
        e = UINT32_MAX;
      }
      if (!c->slots[s]) {
        uint32_t off = (uint32_t)c->dict_data.len;
        if (!blz_buf_reserve(&c->dict_data, 4 + (size_t)v[i].len)) return false;
        blz_store_le32(c->dict_data.data + c->dict_data.len, v[i].len);
        if (v[i].len) memcpy(c->dict_data.data + c->dict_data.len + 4, v[i].p, v[i].len);
        c->dict_data.len += 4 + (size_t)v[i].len;
        if (!add_entry_meta(c, h, off)) return false;
        e = c->count++;
        c->slots[s] = e + 1;
      }
      out[i] = e;
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
        if (c->entry_hash[e] == h && !memcmp(c->dict_data.data + (size_t)e * w, val, w)) break;
        s = (s + 1) & mask;
      }
      if (!c->slots[s]) {
        if (!blz_buf_append(&c->dict_data, val, w)) return false;
        if (!add_entry_meta(c, h, 0)) return false;
        e = c->count++;
        c->slots[s] = e + 1;
      }
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
}

void blz_dict_free(blz_column *c) {
  free(c->slots);
  free(c->entry_off);
  free(c->entry_hash);
  blz_buf_free(&c->dict_data);
  c->slots = c->entry_off = c->entry_hash = NULL;
  c->nslots = c->count = c->entry_cap = 0;
}
