/* delta_stats.c — Delta per-file statistics (minValues, maxValues, nullCount) from what the writer
 * measured while encoding: no file is read back. */
#include "delta_stats.h"

#include "../common/blz_utf8.h"

#include <math.h>
#include <stdio.h>

static bool lit(blz_buf *b, const char *s) { return blz_buf_append(b, s, strlen(s)); }


/* Civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm). */
static void civil(int64_t z, int64_t *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

/* The value as Delta wants it, or false in *has when this type gets no min/max. */
static bool value_json(const blz_column *c, const blz_stats *s, bool is_max, blz_buf *b, bool *has) {
  const blz_coltype *t = &c->t;
  char num[96];
  *has = false;
  if (!s->has) return true;
  if (t->sort == SORT_SIGNED) {
    int64_t v = is_max ? s->hi.i : s->lo.i;
    if (t->logical == LT_DATE) {
      int64_t y;
      int m, d;
      civil(v, &y, &m, &d);
      snprintf(num, sizeof num, "\"%04lld-%02d-%02d\"", (long long)y, m, d);
    } else if (t->logical == LT_TIMESTAMP) {
      int64_t per_us = t->lt_unit == UNIT_NANOS ? 1000 : 1, us_per = t->lt_unit == UNIT_MILLIS ? 1000 : 1;
      int64_t us;
      if (per_us > 1) us = is_max ? -floor_div(-v, per_us) : floor_div(v, per_us); /* a max rounds up */
      else if (__builtin_mul_overflow(v, us_per, &us)) return true;
      int64_t days = floor_div(us, 86400000000LL), rem = us - days * 86400000000LL, y;
      int m, d;
      civil(days, &y, &m, &d);
      snprintf(num, sizeof num, "\"%04lld-%02d-%02dT%02d:%02d:%02d.%06lld%s\"", (long long)y, m, d,
               (int)(rem / 3600000000LL), (int)(rem / 60000000 % 60), (int)(rem / 1000000 % 60),
               (long long)(rem % 1000000), t->lt_utc ? "Z" : "");
    } else if (t->logical == LT_DECIMAL) {
      uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
      char digits[32];
      int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)mag), sc = t->scale;
      char *o = num;
      if (v < 0) *o++ = '-';
      if (sc <= 0) {
        sprintf(o, "%s", digits);
      } else if (n > sc) {
        sprintf(o, "%.*s.%s", n - sc, digits, digits + n - sc);
      } else { /* 0.00ddd */
        *o++ = '0', *o++ = '.';
        for (int k = 0; k < sc - n; k++) *o++ = '0';
        sprintf(o, "%s", digits);
      }
    } else if (t->logical == LT_TIME) {
      return true;
    } else {
      snprintf(num, sizeof num, "%lld", (long long)v);
    }
  } else if (t->sort == SORT_UNSIGNED) {
    snprintf(num, sizeof num, "%llu", (unsigned long long)(is_max ? s->hi.u : s->lo.u));
  } else if (t->sort == SORT_FLOAT) {
    double v = is_max ? s->hi.d : s->lo.d;
    if (!isfinite(v)) return true;
    if (v == 0) v = 0.0; /* a zero bound prints as 0, whichever zero the values held */
    snprintf(num, sizeof num, "%.17g", v);
  } else if (t->sort == SORT_BYTES && t->is_string) {
    blz_stats_out o;
    blz_stats_output(s, t, c->opts->statistics_truncate_length > 0 ? c->opts->statistics_truncate_length : 64, &o);
    if (!o.has) return true;
    /* bounds that are not UTF-8 (strings not checked: validate_utf8 off) are left out rather
     * than written as a value they are not */
    const uint8_t *v = is_max ? o.max : o.min;
    size_t vn = is_max ? o.max_len : o.min_len;
    if (blz_utf8_check(v, vn) != vn) return true;
    *has = true;
    return is_max ? blz_json_string(b, o.max, o.max_len) : blz_json_string(b, o.min, o.min_len);
  } else {
    return true;
  }
  *has = true;
  return lit(b, num);
}

/* Whether the leaf is reached through structs only (Delta keeps no statistics under lists or maps). */
static bool struct_path(const blz_column *c) {
  for (int i = 0; c->path && i < c->path->depth; i++)
    if (c->path->nodes[i].kind != NODE_STRUCT) return false;
  return true;
}

static int path_len(const blz_column *c) { return c->path ? c->path->nnames : 1; }
static const char *path_at(const blz_column *c, int i) { return c->path ? c->path->names[i] : c->name; }

/* One of the three objects: leaves in schema order, nested by their struct fields. */
static bool section(const blz_column *cols, int n, int section_kind, blz_buf *b) {
  const blz_column *prev = NULL;
  int open = 0;        /* nested objects open below the section's own */
  bool first[64] = {true};
  for (int i = 0; i < n; i++) {
    const blz_column *c = &cols[i];
    size_t mark = b->len;
    /* close the objects the previous leaf's path had beyond what this one shares */
    int depth = path_len(c) - 1, common = 0;
    if (depth >= 63) continue;
    if (prev) {
      int pd = path_len(prev) - 1;
      while (common < pd && common < depth && !strcmp(path_at(prev, common), path_at(c, common))) common++;
    }
    int saved_open = open;
    bool saved_first[64];
    memcpy(saved_first, first, sizeof first);
    for (; open > common; open--)
      if (!lit(b, "}")) return false;
    for (int k = open; k < depth; k++) {
      if (!first[k] && !lit(b, ",")) return false;
      first[k] = false;
      if (!blz_json_string(b, (const uint8_t *)path_at(c, k), strlen(path_at(c, k))) || !lit(b, ":{")) return false;
      first[k + 1] = true;
      open++;
    }
    if (!first[depth] && !lit(b, ",")) return false;
    bool was_first = first[depth];
    first[depth] = false;
    const char *name = path_at(c, depth);
    if (!blz_json_string(b, (const uint8_t *)name, strlen(name)) || !lit(b, ":")) return false;
    bool has = true;
    if (section_kind == 2) {
      char num[32];
      snprintf(num, sizeof num, "%lld", (long long)c->file_stats.null_count);
      if (!lit(b, num)) return false;
    } else if (!value_json(c, &c->file_stats, section_kind == 1, b, &has)) {
      return false;
    }
    if (!has) { /* no value for this leaf: as if it had not been visited */
      b->len = mark;
      open = saved_open;
      memcpy(first, saved_first, sizeof first);
      first[depth] = was_first;
      continue;
    }
    prev = c;
  }
  for (; open > 0; open--)
    if (!lit(b, "}")) return false;
  return true;
}

bool blz_delta_stats_json(const blz_column *cols, int ncols, int64_t rows, int max_leaves, blz_buf *out) {
  /* the first max_leaves leaves count; those under lists or maps get nothing */
  blz_column *pick = calloc((size_t)ncols + 1, sizeof *pick);
  if (!pick) return false;
  int n = 0;
  for (int i = 0; i < ncols && i < max_leaves; i++)
    if (struct_path(&cols[i])) pick[n++] = cols[i]; /* shallow copies, read only */
  char num[64];
  snprintf(num, sizeof num, "{\"numRecords\":%lld,\"minValues\":{", (long long)rows);
  bool ok = lit(out, num) && section(pick, n, 0, out) && lit(out, "},\"maxValues\":{") && section(pick, n, 1, out) &&
            lit(out, "},\"nullCount\":{") && section(pick, n, 2, out) && lit(out, "}}");
  free(pick);
  return ok;
}
