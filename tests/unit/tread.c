/* tread.c — Thrift compact decoding for the tests (the library itself only writes Thrift). */
#include "tread.h"

#include <stdlib.h>
#include <string.h>

static int varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  uint64_t r = 0;
  for (int s = 0; s < 64; s += 7) {
    if (*p >= end) return -1;
    uint8_t b = *(*p)++;
    r |= (uint64_t)(b & 0x7f) << s;
    if (!(b & 0x80)) {
      *v = r;
      return 0;
    }
  }
  return -1;
}

static int64_t unzig(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

static int value(const uint8_t **p, const uint8_t *end, int type, tnode *n, int depth);

static int add_kid(tnode *n, tnode **k) {
  tnode *kids = realloc(n->kids, (size_t)(n->n + 1) * sizeof *kids);
  if (!kids) return -1;
  n->kids = kids;
  *k = &kids[n->n++];
  memset(*k, 0, sizeof **k);
  return 0;
}

static int parse_struct(const uint8_t **p, const uint8_t *end, tnode *n, int depth) {
  if (depth > 50) return -1;
  n->type = 12;
  int last = 0;
  for (;;) {
    if (*p >= end) return -1;
    uint8_t h = *(*p)++;
    if (h == 0) return 0;
    int type = h & 0x0f, id;
    if (h >> 4) id = last + (h >> 4);
    else {
      uint64_t v;
      if (varint(p, end, &v)) return -1;
      id = (int)unzig(v);
    }
    last = id;
    tnode *k;
    if (add_kid(n, &k)) return -1;
    k->id = id;
    if (value(p, end, type, k, depth + 1)) return -1;
  }
}

static int value(const uint8_t **p, const uint8_t *end, int type, tnode *n, int depth) {
  uint64_t v;
  n->type = type;
  switch (type) {
    case 1: n->i = 1; return 0;
    case 2: n->i = 0; return 0;
    case 3: if (*p >= end) return -1; n->i = (int8_t)*(*p)++; return 0;
    case 4: case 5: case 6: if (varint(p, end, &v)) return -1; n->i = unzig(v); return 0;
    case 7: if (end - *p < 8) return -1; *p += 8; return 0;
    case 8:
      if (varint(p, end, &v) || (uint64_t)(end - *p) < v) return -1;
      n->bin = *p;
      n->bin_len = (size_t)v;
      *p += v;
      return 0;
    case 9: case 10: {
      if (*p >= end) return -1;
      uint8_t h = *(*p)++;
      uint64_t cnt = h >> 4;
      int et = h & 0x0f;
      if (cnt == 15 && varint(p, end, &cnt)) return -1;
      for (uint64_t i = 0; i < cnt; i++) {
        tnode *k;
        if (add_kid(n, &k)) return -1;
        k->id = (int)i;
        if (et == 1 || et == 2) { /* bools in lists are whole bytes */
          if (*p >= end) return -1;
          k->type = et;
          k->i = *(*p)++ == 1;
        } else if (value(p, end, et, k, depth + 1)) {
          return -1;
        }
      }
      return 0;
    }
    case 12: return parse_struct(p, end, n, depth);
  }
  return -1;
}

size_t tread_struct(const uint8_t *p, size_t len, tnode *out) {
  memset(out, 0, sizeof *out);
  const uint8_t *q = p;
  if (parse_struct(&q, p + len, out, 0)) return 0;
  return (size_t)(q - p);
}

void tnode_free(tnode *n) {
  for (int i = 0; i < n->n; i++) tnode_free(&n->kids[i]);
  free(n->kids);
  n->kids = NULL;
  n->n = 0;
}

const tnode *tget(const tnode *s, int id) {
  if (!s) return NULL;
  for (int i = 0; i < s->n; i++)
    if (s->kids[i].id == id) return &s->kids[i];
  return NULL;
}

int tread_footer(const uint8_t *file, size_t len, tnode *out) {
  if (len < 12 || memcmp(file, "PAR1", 4) || memcmp(file + len - 4, "PAR1", 4)) return -1;
  uint32_t flen = (uint32_t)file[len - 8] | (uint32_t)file[len - 7] << 8 | (uint32_t)file[len - 6] << 16 | (uint32_t)file[len - 5] << 24;
  if (flen > len - 12) return -1;
  return tread_struct(file + len - 8 - flen, flen, out) == flen ? 0 : -1;
}
