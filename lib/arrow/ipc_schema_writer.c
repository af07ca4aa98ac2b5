/* ipc_schema_writer.c — a small back-to-front FlatBuffers builder and the Schema/Field/Type tables. */
#include "ipc_schema_writer.h"

#include <stdio.h>

/* Positions are counted from the end of the buffer, which grows towards lower addresses. */
typedef struct fbb {
  uint8_t *buf;
  size_t cap, used, minalign;
  uint32_t fields[8];
  int maxfield;
  size_t table_end;
  bool oom;
} fbb;

static void reserve(fbb *b, size_t n) {
  if (b->cap - b->used >= n) return;
  size_t cap = b->cap ? b->cap : 1024;
  while (cap - b->used < n) cap *= 2;
  uint8_t *p = malloc(cap);
  if (!p) {
    b->oom = true;
    return;
  }
  if (b->used) memcpy(p + cap - b->used, b->buf + b->cap - b->used, b->used);
  free(b->buf);
  b->buf = p;
  b->cap = cap;
}

static void push(fbb *b, const void *p, size_t n) {
  reserve(b, n);
  if (b->oom) return;
  b->used += n;
  memcpy(b->buf + b->cap - b->used, p, n);
}

static void zeros(fbb *b, size_t n) {
  static const uint8_t z[16] = {0};
  while (n) {
    size_t k = n < 16 ? n : 16;
    push(b, z, k);
    n -= k;
  }
}

/* Pads so that after `additional` more bytes the position is aligned to `align`. */
static void prep(fbb *b, size_t align, size_t additional) {
  if (align > b->minalign) b->minalign = align;
  zeros(b, (size_t)(-(b->used + additional)) & (align - 1));
}

static uint32_t string(fbb *b, const char *s, size_t n) {
  prep(b, 4, n + 1);
  zeros(b, 1);
  push(b, s, n);
  uint32_t len = (uint32_t)n;
  push(b, &len, 4);
  return (uint32_t)b->used;
}

static uint32_t offset_vector(fbb *b, const uint32_t *refs, uint32_t n) {
  prep(b, 4, 4 * (size_t)n);
  for (uint32_t i = n; i-- > 0;) {
    uint32_t v = (uint32_t)(b->used + 4 - refs[i]);
    push(b, &v, 4);
  }
  push(b, &n, 4);
  return (uint32_t)b->used;
}

static void start(fbb *b) {
  memset(b->fields, 0, sizeof b->fields);
  b->maxfield = -1;
  b->table_end = b->used;
}

static void scalar(fbb *b, int field, const void *v, size_t size) {
  prep(b, size, size);
  push(b, v, size);
  b->fields[field] = (uint32_t)b->used;
  if (field > b->maxfield) b->maxfield = field;
}
static void add_u8(fbb *b, int f, uint8_t v) { scalar(b, f, &v, 1); }
static void add_i16(fbb *b, int f, int16_t v) { scalar(b, f, &v, 2); }
static void add_i32(fbb *b, int f, int32_t v) { scalar(b, f, &v, 4); }
static void add_i64(fbb *b, int f, int64_t v) { scalar(b, f, &v, 8); }

static void add_offset(fbb *b, int field, uint32_t ref) {
  prep(b, 4, 4);
  uint32_t v = (uint32_t)(b->used + 4 - ref);
  push(b, &v, 4);
  b->fields[field] = (uint32_t)b->used;
  if (field > b->maxfield) b->maxfield = field;
}

static uint32_t end(fbb *b) {
  prep(b, 4, 4);
  zeros(b, 4); /* soffset to the vtable, patched below */
  size_t table = b->used;
  uint16_t tsize = (uint16_t)(table - b->table_end);
  for (int i = b->maxfield; i >= 0; i--) {
    uint16_t off = b->fields[i] ? (uint16_t)(table - b->fields[i]) : 0;
    push(b, &off, 2);
  }
  uint16_t vsize = (uint16_t)(4 + 2 * (b->maxfield + 1));
  push(b, &tsize, 2);
  push(b, &vsize, 2);
  if (b->oom) return 0;
  int32_t soff = (int32_t)(b->used - table); /* the vtable lies before the table */
  memcpy(b->buf + b->cap - table, &soff, 4);
  return (uint32_t)table;
}

/* Schema.fbs Type union tags */
enum { T_NULL = 1, T_INT = 2, T_FLOAT = 3, T_BINARY = 4, T_UTF8 = 5, T_BOOL = 6, T_DECIMAL = 7,
       T_DATE = 8, T_TIME = 9, T_TIMESTAMP = 10, T_INTERVAL = 11, T_LIST = 12, T_STRUCT = 13, T_FSB = 15, T_FSL = 16,
       T_MAP = 17, T_DURATION = 18, T_LARGE_BINARY = 19, T_LARGE_UTF8 = 20, T_LARGE_LIST = 21, T_BINARY_VIEW = 23,
       T_UTF8_VIEW = 24 };

static int unit_of(char c) { return c == 's' ? 0 : c == 'm' ? 1 : c == 'u' ? 2 : c == 'n' ? 3 : -1; }

static bool int_type(fbb *b, char f, uint32_t *ref) {
  const char *ints = "cCsSiIlL";
  const char *p = strchr(ints, f);
  if (!f || !p) return false;
  int k = (int)(p - ints);
  start(b);
  add_i32(b, 0, 8 << (k / 2));
  add_u8(b, 1, (k % 2) == 0);
  *ref = end(b);
  return true;
}

/* Builds the Type table for format f; returns its union tag (0 when unsupported). */
static int type_table(fbb *b, const char *f, uint32_t *ref) {
  if (f[0] && !f[1] && strchr("cCsSiIlL", f[0])) return int_type(b, f[0], ref) ? T_INT : 0;
  if (!strcmp(f, "e") || !strcmp(f, "f") || !strcmp(f, "g")) {
    start(b);
    add_i16(b, 0, f[0] == 'e' ? 0 : f[0] == 'f' ? 1 : 2);
    *ref = end(b);
    return T_FLOAT;
  }
  static const struct { const char *f; int tag; } empty[] = {
      {"n", T_NULL}, {"b", T_BOOL}, {"z", T_BINARY}, {"u", T_UTF8}, {"Z", T_LARGE_BINARY},
      {"U", T_LARGE_UTF8}, {"vz", T_BINARY_VIEW}, {"vu", T_UTF8_VIEW}, {"+l", T_LIST},
      {"+L", T_LARGE_LIST}, {"+s", T_STRUCT},
      /* list views are stored as lists: readers restore a list, which is what the file holds */
      {"+vl", T_LIST}, {"+vL", T_LARGE_LIST}};
  if (!strcmp(f, "+m")) {
    start(b);
    add_u8(b, 0, 0); /* keysSorted */
    *ref = end(b);
    return T_MAP;
  }
  if (!strncmp(f, "+w:", 3)) {
    start(b);
    add_i32(b, 0, atoi(f + 3));
    *ref = end(b);
    return T_FSL;
  }
  for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++)
    if (!strcmp(f, empty[i].f)) {
      start(b);
      *ref = end(b);
      return empty[i].tag;
    }
  if (f[0] == 'w' && f[1] == ':') {
    start(b);
    add_i32(b, 0, atoi(f + 2));
    *ref = end(b);
    return T_FSB;
  }
  if (f[0] == 'd' && f[1] == ':') {
    int p = 0, s = 0, bw = 128;
    if (sscanf(f + 2, "%d,%d,%d", &p, &s, &bw) < 2) return 0;
    start(b);
    add_i32(b, 0, p);
    add_i32(b, 1, s);
    add_i32(b, 2, bw);
    *ref = end(b);
    return T_DECIMAL;
  }
  if (!strcmp(f, "tdD") || !strcmp(f, "tdm")) {
    start(b);
    add_i16(b, 0, f[2] == 'D' ? 0 : 1);
    *ref = end(b);
    return T_DATE;
  }
  if (f[0] == 't' && f[1] == 't' && unit_of(f[2]) >= 0 && !f[3]) {
    /* time32[s] is stored as TIME(MILLIS); announcing seconds makes Polars read nulls, so the
     * schema names the unit actually stored */
    int u = f[2] == 's' ? 1 : unit_of(f[2]);
    start(b);
    add_i16(b, 0, (int16_t)u);
    add_i32(b, 1, u <= 1 ? 32 : 64);
    *ref = end(b);
    return T_TIME;
  }
  if (f[0] == 't' && f[1] == 'D' && unit_of(f[2]) >= 0 && !f[3]) {
    start(b);
    add_i16(b, 0, (int16_t)unit_of(f[2]));
    *ref = end(b);
    return T_DURATION;
  }
  if (f[0] == 't' && f[1] == 'i' && (f[2] == 'M' || f[2] == 'D') && !f[3]) {
    start(b);
    add_i16(b, 0, f[2] == 'M' ? 0 : 1); /* YEAR_MONTH, DAY_TIME */
    *ref = end(b);
    return T_INTERVAL;
  }
  if (f[0] == 't' && f[1] == 's' && unit_of(f[2]) >= 0 && f[3] == ':') {
    uint32_t tz = f[4] ? string(b, f + 4, strlen(f + 4)) : 0;
    start(b);
    add_i16(b, 0, (int16_t)unit_of(f[2]));
    if (tz) add_offset(b, 1, tz);
    *ref = end(b);
    return T_TIMESTAMP;
  }
  return 0;
}

static blz_status field_table(fbb *b, const struct ArrowSchema *f, int64_t dict_id, uint32_t *ref,
                              blz_error *err, int depth) {
  const struct ArrowSchema *values = f->dictionary ? f->dictionary : f;
  /* run-end encoded columns are stored decoded: readers get their values' type */
  if (values->format && !strcmp(values->format, "+r") && values->n_children == 2 && values->children) values = values->children[1];
  if (depth > 64) return blz_fail(err, BLZ_ENOTSUP, "schema nested too deeply");
  /* children first: a FlatBuffer refers forward only */
  uint32_t kids[64];
  int64_t nk = values->n_children;
  if (nk > 64) return blz_fail(err, BLZ_ENOTSUP, "column %s: too many children for ARROW:schema", f->name);
  for (int64_t i = nk; i-- > 0;) BLZ_TRY(field_table(b, values->children[i], dict_id * 64 + i + 1, &kids[i], err, depth + 1));
  uint32_t ty;
  int tag = type_table(b, values->format, &ty);
  if (!tag) return blz_fail(err, BLZ_ENOTSUP, "column %s: type '%s' has no IPC description here", f->name, values->format);
  uint32_t dict = 0;
  if (f->dictionary) {
    uint32_t it;
    if (!int_type(b, f->format[0], &it)) return blz_fail(err, BLZ_ENOTSUP, "column %s: bad dictionary index type", f->name);
    start(b);
    add_i64(b, 0, dict_id);
    add_offset(b, 1, it);
    add_u8(b, 2, (f->flags & ARROW_FLAG_DICTIONARY_ORDERED) != 0);
    dict = end(b);
  }
  uint32_t children = offset_vector(b, kids, (uint32_t)nk);
  const char *name = f->name ? f->name : "";
  uint32_t nm = string(b, name, strlen(name));
  start(b);
  add_offset(b, 0, nm);
  add_u8(b, 1, (f->flags & ARROW_FLAG_NULLABLE) != 0);
  add_u8(b, 2, (uint8_t)tag);
  add_offset(b, 3, ty);
  if (dict) add_offset(b, 4, dict);
  add_offset(b, 5, children);
  *ref = end(b);
  return BLZ_OK;
}

blz_status blz_ipc_write_schema_message(const struct ArrowSchema *schema, blz_buf *out, blz_error *err) {
  fbb b = {0};
  uint32_t n = (uint32_t)schema->n_children;
  uint32_t *refs = calloc(n + 1, sizeof *refs);
  if (!refs) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  blz_status st = BLZ_OK;
  for (uint32_t i = n; i-- > 0 && !st;) st = field_table(&b, schema->children[i], i, &refs[i], err, 0);
  if (!st) {
    uint32_t fields = offset_vector(&b, refs, n);
    start(&b);
    add_offset(&b, 1, fields);
    uint32_t sch = end(&b);
    start(&b);
    add_i64(&b, 3, 0);          /* bodyLength */
    add_offset(&b, 2, sch);     /* header */
    add_i16(&b, 0, 4);          /* MetadataVersion V5 */
    add_u8(&b, 1, 1);           /* MessageHeader.Schema */
    uint32_t msg = end(&b);
    prep(&b, b.minalign > 8 ? b.minalign : 8, 4);
    uint32_t root = (uint32_t)(b.used + 4 - msg);
    push(&b, &root, 4);
    if (b.oom) st = blz_fail(err, BLZ_ENOMEM, "out of memory");
  }
  if (!st) {
    size_t len = (b.used + 7) & ~(size_t)7;
    uint8_t hdr[8] = {0xFF, 0xFF, 0xFF, 0xFF};
    blz_store_le32(hdr + 4, (uint32_t)len);
    if (!blz_buf_append(out, hdr, 8) || !blz_buf_append(out, b.buf + b.cap - b.used, b.used)) st = blz_fail(err, BLZ_ENOMEM, "out of memory");
    for (size_t i = b.used; !st && i < len; i++)
      if (!blz_buf_push(out, 0)) st = blz_fail(err, BLZ_ENOMEM, "out of memory");
  }
  free(refs);
  free(b.buf);
  return st;
}

bool blz_base64(const uint8_t *in, size_t n, blz_buf *out) {
  static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (!blz_buf_reserve(out, (n + 2) / 3 * 4 + 1)) return false;
  uint8_t *o = out->data + out->len;
  size_t i = 0;
  for (; i + 2 < n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    *o++ = (uint8_t)tbl[v >> 18]; *o++ = (uint8_t)tbl[(v >> 12) & 63];
    *o++ = (uint8_t)tbl[(v >> 6) & 63]; *o++ = (uint8_t)tbl[v & 63];
  }
  if (i < n) {
    uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
    *o++ = (uint8_t)tbl[v >> 18]; *o++ = (uint8_t)tbl[(v >> 12) & 63];
    *o++ = i + 1 < n ? (uint8_t)tbl[(v >> 6) & 63] : '=';
    *o++ = '=';
  }
  *o = 0;
  out->len = (size_t)(o - out->data);
  return true;
}
