/* ipc_schema.c — Arrow IPC Schema (Schema.fbs) → ArrowSchema format strings and body layouts. */
#include <stdio.h>

#include "ipc_internal.h"

/* Schema.fbs Type union tags */
enum { T_NONE, T_NULL, T_INT, T_FLOAT, T_BINARY, T_UTF8, T_BOOL, T_DECIMAL, T_DATE, T_TIME,
       T_TIMESTAMP, T_INTERVAL, T_LIST, T_STRUCT, T_UNION, T_FSB, T_FSL, T_MAP, T_DURATION,
       T_LARGE_BINARY, T_LARGE_UTF8, T_LARGE_LIST, T_RUN_END, T_BINARY_VIEW, T_UTF8_VIEW,
       T_LIST_VIEW, T_LARGE_LIST_VIEW };

typedef struct schema_priv {
  char *format, *name, *metadata;
  struct ArrowSchema **children;
} schema_priv;

static void schema_release(struct ArrowSchema *s) {
  if (!s->release) return;
  schema_priv *p = s->private_data;
  for (int64_t i = 0; i < s->n_children; i++) {
    if (s->children[i]->release) s->children[i]->release(s->children[i]);
    free(s->children[i]);
  }
  if (s->dictionary) {
    if (s->dictionary->release) s->dictionary->release(s->dictionary);
    free(s->dictionary);
  }
  if (p) {
    free(p->format);
    free(p->name);
    free(p->children);
    free(p);
  }
  s->release = NULL;
}

/* Initialises *s as an owned schema node with copies of format and name. */
static bool schema_init(struct ArrowSchema *s, const char *format, const char *name, size_t name_len,
                        int64_t nchildren) {
  memset(s, 0, sizeof *s);
  schema_priv *p = calloc(1, sizeof *p);
  if (!p) return false;
  s->private_data = p;
  s->release = schema_release;
  p->format = strdup(format);
  p->name = malloc(name_len + 1);
  if (nchildren > 0) {
    p->children = calloc((size_t)nchildren, sizeof *p->children);
    if (p->children)
      for (int64_t i = 0; i < nchildren; i++) {
        p->children[i] = calloc(1, sizeof **p->children);
        if (!p->children[i]) {
          for (int64_t j = 0; j < i; j++) free(p->children[j]);
          free(p->children);
          p->children = NULL;
          break;
        }
      }
  }
  s->children = p->children;
  s->n_children = p->children ? nchildren : 0;
  if (!p->format || !p->name || (nchildren > 0 && !p->children)) return false;
  memcpy(p->name, name, name_len);
  p->name[name_len] = 0;
  s->format = p->format;
  s->name = p->name;
  return true;
}

blz_status ipc_schema_copy(const struct ArrowSchema *src, struct ArrowSchema *dst) {
  memset(dst, 0, sizeof *dst);
  if (!src->format || (src->n_children > 0 && !src->children)) return BLZ_EINVAL;
  for (int64_t i = 0; i < src->n_children; i++)
    if (!src->children[i]) return BLZ_EINVAL;
  if (!schema_init(dst, src->format, src->name ? src->name : "", src->name ? strlen(src->name) : 0,
                   src->n_children)) {
    schema_release(dst);
    return BLZ_ENOMEM;
  }
  dst->flags = src->flags;
  for (int64_t i = 0; i < src->n_children; i++) {
    blz_status st = ipc_schema_copy(src->children[i], dst->children[i]);
    if (st) {
      schema_release(dst);
      return st;
    }
  }
  if (src->dictionary) {
    dst->dictionary = calloc(1, sizeof *dst->dictionary);
    blz_status st = dst->dictionary ? ipc_schema_copy(src->dictionary, dst->dictionary) : BLZ_ENOMEM;
    if (st) {
      schema_release(dst);
      return st;
    }
  }
  return BLZ_OK;
}

void ipc_fields_free(ipc_field *f, int n) {
  if (!f) return;
  for (int i = 0; i < n; i++) {
    ipc_fields_free(f[i].children, f[i].nchildren);
    free(f[i].path);
  }
  free(f);
}

#define BAD(...) blz_fail(err, BLZ_EFORMAT, __VA_ARGS__)

/* Format string and layout of a Type table. */
static blz_status type_format(int tag, const fb_table *ty, bool has_ty, int nchildren, char *fmt,
                              size_t fmtlen, ipc_field *lf, const char *path, blz_error *err) {
  bool ok = true;
#define I(id, size, def) (has_ty ? fb_int(ty, id, size, def, &ok) : (def))
  lf->layout = LAYOUT_FIXED;
  switch (tag) {
    case T_NULL: snprintf(fmt, fmtlen, "n"); lf->layout = LAYOUT_NULL; break;
    case T_BOOL: snprintf(fmt, fmtlen, "b"); lf->layout = LAYOUT_BOOL; break;
    case T_INT: {
      int64_t bw = I(0, 4, 0);
      bool sign = I(1, 1, 0) != 0;
      const char *f = NULL;
      if (bw == 8) f = sign ? "c" : "C";
      else if (bw == 16) f = sign ? "s" : "S";
      else if (bw == 32) f = sign ? "i" : "I";
      else if (bw == 64) f = sign ? "l" : "L";
      if (!f) return BAD("column %s: integer bit width %lld", path, (long long)bw);
      snprintf(fmt, fmtlen, "%s", f);
      lf->width = lf->swap = (int)(bw / 8);
      break;
    }
    case T_FLOAT: {
      int64_t p = I(0, 2, 0);
      if (p < 0 || p > 2) return BAD("column %s: floating point precision %lld", path, (long long)p);
      snprintf(fmt, fmtlen, "%s", p == 0 ? "e" : p == 1 ? "f" : "g");
      lf->width = lf->swap = p == 0 ? 2 : p == 1 ? 4 : 8;
      break;
    }
    case T_BINARY: snprintf(fmt, fmtlen, "z"); lf->layout = LAYOUT_VAR32; break;
    case T_UTF8: snprintf(fmt, fmtlen, "u"); lf->layout = LAYOUT_VAR32; break;
    case T_LARGE_BINARY: snprintf(fmt, fmtlen, "Z"); lf->layout = LAYOUT_VAR64; break;
    case T_LARGE_UTF8: snprintf(fmt, fmtlen, "U"); lf->layout = LAYOUT_VAR64; break;
    case T_BINARY_VIEW: snprintf(fmt, fmtlen, "vz"); lf->layout = LAYOUT_VIEW; break;
    case T_UTF8_VIEW: snprintf(fmt, fmtlen, "vu"); lf->layout = LAYOUT_VIEW; break;
    case T_DECIMAL: {
      int64_t p = I(0, 4, 0), s = I(1, 4, 0), bw = I(2, 4, 128);
      if (bw != 128 && bw != 256 && bw != 32 && bw != 64) return BAD("column %s: decimal bit width %lld", path, (long long)bw);
      if (bw == 128) snprintf(fmt, fmtlen, "d:%lld,%lld", (long long)p, (long long)s);
      else snprintf(fmt, fmtlen, "d:%lld,%lld,%lld", (long long)p, (long long)s, (long long)bw);
      lf->width = lf->swap = (int)(bw / 8); /* a big-endian decimal is one integer of all its bytes */
      break;
    }
    case T_DATE: {
      int64_t u = I(0, 2, 1);
      if (u != 0 && u != 1) return BAD("column %s: date unit %lld", path, (long long)u);
      snprintf(fmt, fmtlen, "%s", u == 0 ? "tdD" : "tdm");
      lf->width = lf->swap = u == 0 ? 4 : 8;
      break;
    }
    case T_TIME: {
      int64_t u = I(0, 2, 1), bw = I(1, 4, 32);
      static const char *units = "smun";
      if (u < 0 || u > 3) return BAD("column %s: time unit %lld", path, (long long)u);
      if (bw != (u <= 1 ? 32 : 64)) return BAD("column %s: time bit width %lld does not match its unit", path, (long long)bw);
      snprintf(fmt, fmtlen, "tt%c", units[u]);
      lf->width = lf->swap = (int)(bw / 8);
      break;
    }
    case T_TIMESTAMP: case T_DURATION: {
      int64_t u = I(0, 2, tag == T_DURATION ? 1 : 0);
      static const char *units = "smun";
      if (u < 0 || u > 3) return BAD("column %s: time unit %lld", path, (long long)u);
      if (tag == T_DURATION) {
        snprintf(fmt, fmtlen, "tD%c", units[u]);
      } else {
        const char *tz = "";
        uint32_t tzn = 0;
        if (has_ty) fb_string(ty, 1, &tz, &tzn, &ok);
        if (tzn > 200) return BAD("column %s: time zone name too long", path);
        snprintf(fmt, fmtlen, "ts%c:%.*s", units[u], (int)tzn, tz);
      }
      lf->width = lf->swap = 8;
      break;
    }
    case T_INTERVAL: {
      int64_t u = I(0, 2, 0);
      if (u < 0 || u > 2) return BAD("column %s: interval unit %lld", path, (long long)u);
      snprintf(fmt, fmtlen, "ti%c", "MDn"[u]);
      lf->width = u == 0 ? 4 : u == 1 ? 8 : 16;
      lf->swap = u == 2 ? -1 : 4; /* day_time: two int32; month_day_nano mixes widths */
      break;
    }
    case T_FSB: {
      int64_t w = I(0, 4, 0);
      if (w <= 0 || w > (1 << 24)) return BAD("column %s: fixed size binary width %lld", path, (long long)w);
      snprintf(fmt, fmtlen, "w:%lld", (long long)w);
      lf->width = w;
      break;
    }
    case T_LIST: case T_LARGE_LIST: case T_MAP:
      if (nchildren != 1) return BAD("column %s: list type needs one child, has %d", path, nchildren);
      if (tag == T_MAP) snprintf(fmt, fmtlen, "+m");
      else snprintf(fmt, fmtlen, "%s", tag == T_LIST ? "+l" : "+L");
      lf->layout = tag == T_LARGE_LIST ? LAYOUT_LIST64 : LAYOUT_LIST32;
      break;
    case T_FSL: {
      int64_t n = I(0, 4, 0);
      if (nchildren != 1 || n < 0 || n > (1 << 24)) return BAD("column %s: bad fixed size list", path);
      snprintf(fmt, fmtlen, "+w:%lld", (long long)n);
      lf->layout = LAYOUT_FSL;
      lf->width = n;
      break;
    }
    case T_STRUCT: snprintf(fmt, fmtlen, "+s"); lf->layout = LAYOUT_STRUCT; break;
    case T_RUN_END:
      if (nchildren != 2) return BAD("column %s: run_end_encoded needs two children (run ends, values), has %d", path, nchildren);
      snprintf(fmt, fmtlen, "+r");
      lf->layout = LAYOUT_REE;
      break;
    case T_LIST_VIEW: case T_LARGE_LIST_VIEW:
      if (nchildren != 1) return BAD("column %s: list view needs one child, has %d", path, nchildren);
      snprintf(fmt, fmtlen, "%s", tag == T_LIST_VIEW ? "+vl" : "+vL");
      lf->layout = tag == T_LIST_VIEW ? LAYOUT_LISTVIEW32 : LAYOUT_LISTVIEW64;
      break;
    case T_UNION:
      return blz_fail(err, BLZ_ENOTSUP, "column %s: Arrow type union has no lossless Parquet form", path);
    default:
      return BAD("column %s: unknown Arrow type tag %d", path, tag);
  }
#undef I
  if (!ok) return BAD("column %s: corrupt type table", path);
  return BLZ_OK;
}

static blz_status decode_field(const fb_table *f, struct ArrowSchema *out, ipc_field *lf,
                               const char *parent, int depth, blz_error *err) {
  bool ok = true;
  if (depth > IPC_MAX_DEPTH) return BAD("schema nested deeper than %d levels", IPC_MAX_DEPTH);
  const char *name = "";
  uint32_t name_len = 0;
  fb_string(f, 0, &name, &name_len, &ok);
  if (!ok) return BAD("corrupt field name under %s", parent);
  size_t plen = strlen(parent) + name_len + 2;
  lf->path = malloc(plen);
  if (!lf->path) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  snprintf(lf->path, plen, "%s%s%.*s", parent, *parent ? "." : "", (int)name_len, name);
  bool nullable = fb_int(f, 1, 1, 0, &ok) != 0;
  int tag = (int)(uint8_t)fb_int(f, 2, 1, 0, &ok);
  fb_table ty;
  bool has_ty = fb_table_field(f, 3, &ty, &ok);
  fb_table dict;
  bool has_dict = fb_table_field(f, 4, &dict, &ok);
  size_t cpos = 0;
  uint32_t nch = 0;
  fb_vector(f, 5, 4, &cpos, &nch, &ok);
  if (!ok) return BAD("column %s: corrupt field table", lf->path);
  if (nch > 10000) return BAD("column %s: %u children", lf->path, nch);
  char fmt[256];
  BLZ_TRY(type_format(tag, &ty, has_ty, (int)nch, fmt, sizeof fmt, lf, lf->path, err));
  if (nch > 0) {
    lf->children = calloc(nch, sizeof *lf->children);
    if (!lf->children) return blz_fail(err, BLZ_ENOMEM, "out of memory");
    lf->nchildren = (int)nch;
  }
  if ((lf->layout == LAYOUT_LIST32 || lf->layout == LAYOUT_LIST64 || lf->layout == LAYOUT_FSL) && nch != 1)
    return BAD("column %s: list type needs one child", lf->path);
  if (lf->layout != LAYOUT_LIST32 && lf->layout != LAYOUT_LIST64 && lf->layout != LAYOUT_FSL &&
      lf->layout != LAYOUT_STRUCT && lf->layout != LAYOUT_REE && lf->layout != LAYOUT_LISTVIEW32 &&
      lf->layout != LAYOUT_LISTVIEW64 && nch != 0)
    return BAD("column %s: a primitive type with %u children", lf->path, nch);

  struct ArrowSchema *values = out;
  if (has_dict) {
    lf->is_dict = true;
    lf->dict_id = fb_int(&dict, 0, 8, 0, &ok);
    fb_table it;
    int64_t ibw = 32;
    bool isign = true;
    if (fb_table_field(&dict, 1, &it, &ok)) {
      ibw = fb_int(&it, 0, 4, 0, &ok);
      isign = fb_int(&it, 1, 1, 0, &ok) != 0;
    }
    if (!ok) return BAD("column %s: corrupt dictionary encoding", lf->path);
    const char *ifmt = ibw == 8 ? (isign ? "c" : "C") : ibw == 16 ? (isign ? "s" : "S")
                     : ibw == 32 ? (isign ? "i" : "I") : ibw == 64 ? (isign ? "l" : "L") : NULL;
    if (!ifmt) return BAD("column %s: dictionary index bit width %lld", lf->path, (long long)ibw);
    lf->index_bytes = (int)(ibw / 8);
    if (!schema_init(out, ifmt, name, name_len, 0)) return blz_fail(err, BLZ_ENOMEM, "out of memory");
    if (fb_int(&dict, 2, 1, 0, &ok)) out->flags |= ARROW_FLAG_DICTIONARY_ORDERED;
    out->dictionary = calloc(1, sizeof *out->dictionary);
    if (!out->dictionary) return blz_fail(err, BLZ_ENOMEM, "out of memory");
    values = out->dictionary;
    if (!schema_init(values, fmt, "", 0, nch)) return blz_fail(err, BLZ_ENOMEM, "out of memory");
    values->flags = ARROW_FLAG_NULLABLE;
  } else if (!schema_init(out, fmt, name, name_len, nch)) {
    return blz_fail(err, BLZ_ENOMEM, "out of memory");
  }
  if (nullable) out->flags |= ARROW_FLAG_NULLABLE;
  for (uint32_t i = 0; i < nch; i++) {
    fb_table c;
    if (!fb_vector_table(f, cpos, i, &c)) return BAD("column %s: corrupt child %u", lf->path, i);
    BLZ_TRY(decode_field(&c, values->children[i], &lf->children[i], lf->path, depth + 1, err));
  }
  if (!strcmp(fmt, "+m") && (nch != 1 || lf->children[0].layout != LAYOUT_STRUCT || lf->children[0].nchildren != 2))
    return BAD("column %s: a map needs a struct child of key and value", lf->path);
  return BLZ_OK;
}

blz_status ipc_decode_schema(const fb_table *schema, struct ArrowSchema *out, ipc_field **fields,
                             int *nfields, bool *big_endian, blz_error *err) {
  bool ok = true;
  *fields = NULL;
  *nfields = 0;
  memset(out, 0, sizeof *out);
  int64_t endianness = fb_int(schema, 0, 2, 0, &ok);
  if (endianness != 0 && endianness != 1) return BAD("schema endianness %lld", (long long)endianness);
  *big_endian = endianness == 1; /* bodies are byte-swapped as they are read (ipc_reader.c) */
  size_t fpos = 0;
  uint32_t n = 0;
  fb_vector(schema, 1, 4, &fpos, &n, &ok);
  if (!ok) return BAD("corrupt schema fields");
  if (n > 100000) return BAD("schema with %u fields", n);
  if (!schema_init(out, "+s", "", 0, n)) {
    schema_release(out);
    return blz_fail(err, BLZ_ENOMEM, "out of memory");
  }
  ipc_field *lf = calloc(n ? n : 1, sizeof *lf);
  if (!lf) {
    schema_release(out);
    return blz_fail(err, BLZ_ENOMEM, "out of memory");
  }
  blz_status st = BLZ_OK;
  for (uint32_t i = 0; i < n && !st; i++) {
    fb_table f;
    if (!fb_vector_table(schema, fpos, i, &f)) st = BAD("corrupt schema field %u", i);
    else st = decode_field(&f, out->children[i], &lf[i], "", 0, err);
  }
  if (st) {
    schema_release(out);
    ipc_fields_free(lf, (int)n);
    return st;
  }
  *fields = lf;
  *nfields = (int)n;
  return BLZ_OK;
}
