/* flatbuf.c — FlatBuffers table/vtable/vector access, every offset checked against the buffer. */
#include "flatbuf.h"

static bool table_at(const uint8_t *buf, size_t len, size_t pos, fb_table *t) {
  if (pos > len || len - pos < 4) return false;
  int32_t soff = (int32_t)blz_load_le32(buf + pos);
  int64_t vt = (int64_t)pos - soff;
  if (vt < 0 || (uint64_t)vt > len || len - (size_t)vt < 4) return false;
  uint16_t vtlen = blz_load_le16(buf + vt), tlen = blz_load_le16(buf + vt + 2);
  if (vtlen < 4 || (vtlen & 1) || len - (size_t)vt < vtlen) return false;
  if (tlen < 4 || len - pos < tlen) return false;
  t->buf = buf;
  t->len = len;
  t->pos = pos;
  t->vt = (size_t)vt;
  t->vtlen = vtlen;
  t->tlen = tlen;
  return true;
}

bool fb_root(const uint8_t *buf, size_t len, fb_table *t) {
  if (len < 4) return false;
  return table_at(buf, len, blz_load_le32(buf), t);
}

/* Absolute position of field id, or 0 when absent; false if it lies outside the table. */
static bool field_pos(const fb_table *t, int id, size_t size, size_t *pos) {
  size_t slot = 4 + 2 * (size_t)id;
  *pos = 0;
  if (slot + 2 > t->vtlen) return true;
  uint16_t off = blz_load_le16(t->buf + t->vt + slot);
  if (off == 0) return true;
  if ((size_t)off + size > t->tlen) return false;
  *pos = t->pos + off;
  return true;
}

int64_t fb_int(const fb_table *t, int id, int size, int64_t def, bool *ok) {
  size_t p;
  if (!field_pos(t, id, (size_t)size, &p)) {
    *ok = false;
    return def;
  }
  if (!p) return def;
  const uint8_t *b = t->buf + p;
  switch (size) {
    case 1: return (int8_t)b[0];
    case 2: return (int16_t)blz_load_le16(b);
    case 4: return (int32_t)blz_load_le32(b);
    default: return (int64_t)blz_load_le64(b);
  }
}

/* Follows the uoffset stored at field id. */
static bool deref(const fb_table *t, int id, size_t *target, bool *ok) {
  size_t p;
  if (!field_pos(t, id, 4, &p)) {
    *ok = false;
    return false;
  }
  if (!p) return false;
  uint64_t tgt = (uint64_t)p + blz_load_le32(t->buf + p);
  if (tgt >= t->len) {
    *ok = false;
    return false;
  }
  *target = (size_t)tgt;
  return true;
}

bool fb_table_field(const fb_table *t, int id, fb_table *out, bool *ok) {
  size_t tgt;
  if (!deref(t, id, &tgt, ok)) return false;
  if (!table_at(t->buf, t->len, tgt, out)) {
    *ok = false;
    return false;
  }
  return true;
}

bool fb_vector(const fb_table *t, int id, size_t elem, size_t *pos, uint32_t *count, bool *ok) {
  size_t tgt;
  if (!deref(t, id, &tgt, ok)) return false;
  if (t->len - tgt < 4) {
    *ok = false;
    return false;
  }
  uint32_t n = blz_load_le32(t->buf + tgt);
  if ((uint64_t)n * elem > t->len - tgt - 4) {
    *ok = false;
    return false;
  }
  *pos = tgt + 4;
  *count = n;
  return true;
}

bool fb_string(const fb_table *t, int id, const char **s, uint32_t *n, bool *ok) {
  size_t p;
  if (!fb_vector(t, id, 1, &p, n, ok)) return false;
  *s = (const char *)t->buf + p;
  return true;
}

bool fb_vector_table(const fb_table *t, size_t vpos, uint32_t i, fb_table *out) {
  size_t p = vpos + 4 * (size_t)i;
  if (p + 4 > t->len) return false;
  uint64_t tgt = (uint64_t)p + blz_load_le32(t->buf + p);
  if (tgt >= t->len) return false;
  return table_at(t->buf, t->len, (size_t)tgt, out);
}
