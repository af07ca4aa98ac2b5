/* partition.c — renders partition prefixes per row, with a cache of time buckets. */
#include "partition.h"

#include "../common/blz_utf8.h"

#include <stdio.h>
#include <time.h>

typedef enum { PART_LIT, PART_TIME, PART_COL } part_kind;

typedef struct tpl_part {
  part_kind kind;
  char *text; /* literal text, or the strftime directive ("%Y") */
  int col;
  char cached[64];
} tpl_part;

typedef struct tpl_segment {
  tpl_part *parts;
  int nparts;
  bool uses_time;
} tpl_segment;

typedef struct col_ref {
  char fmt[8];
  bool dict;
  char index_fmt;
  char *name; /* for messages */
} col_ref;

struct blz_partitioner {
  tpl_segment *segs;
  int nsegs;
  int time_col;
  char time_fmt[4]; /* "tss", "tsm", "tsu", "tsn", "tdD", "tdm" */
  int64_t gran;     /* seconds per cache bucket */
  int64_t bucket;
  bool have_bucket;
  int ncols_schema;
  bool *uses;
  col_ref *refs;
  bool has_cols;       /* any {column} part: the key depends on more than the time bucket */
  blz_buf key_cache;   /* the rendered key of the current bucket, when !has_cols */
  bool key_cached;
  bool last_null;      /* the cached key is for a null time */
};

static int find_col(const struct ArrowSchema *s, const char *name, size_t n) {
  for (int64_t i = 0; i < s->n_children; i++) {
    const char *cn = s->children[i]->name ? s->children[i]->name : "";
    if (strlen(cn) == n && !memcmp(cn, name, n)) return (int)i;
  }
  return -1;
}

void blz_partitioner_destroy(blz_partitioner *p) {
  if (!p) return;
  for (int i = 0; i < p->nsegs; i++) {
    for (int k = 0; k < p->segs[i].nparts; k++) free(p->segs[i].parts[k].text);
    free(p->segs[i].parts);
  }
  free(p->segs);
  free(p->uses);
  for (int i = 0; p->refs && i < p->ncols_schema; i++) free(p->refs[i].name);
  free(p->refs);
  blz_buf_free(&p->key_cache);
  free(p);
}

static bool add_part(tpl_segment *s, part_kind kind, const char *text, size_t n, int col) {
  tpl_part *parts = realloc(s->parts, (size_t)(s->nparts + 1) * sizeof *parts);
  if (!parts) return false;
  s->parts = parts;
  tpl_part *p = &parts[s->nparts++];
  memset(p, 0, sizeof *p);
  p->kind = kind;
  p->col = col;
  p->text = malloc(n + 1);
  if (!p->text) return false;
  memcpy(p->text, text, n);
  p->text[n] = 0;
  return true;
}

static bool partition_type_ok(const char *f) {
  return (f[0] && !f[1] && strchr("cCsSiIlLbuU", f[0])) || !strcmp(f, "vu") || !strcmp(f, "tdD") ||
         !strcmp(f, "tdm");
}

blz_status blz_partitioner_create(const char *tpl, const char *time_column,
                                  const struct ArrowSchema *schema, blz_partitioner **out,
                                  blz_error *err) {
  *out = NULL;
  blz_partitioner *p = calloc(1, sizeof *p);
  if (!p) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  p->time_col = -1;
  p->gran = 86400;
  p->ncols_schema = (int)schema->n_children;
  p->uses = calloc((size_t)p->ncols_schema + 1, sizeof *p->uses);
  p->refs = calloc((size_t)p->ncols_schema + 1, sizeof *p->refs);
  blz_status st = BLZ_OK;
  if (!p->uses || !p->refs) {
    st = blz_fail(err, BLZ_ENOMEM, "out of memory");
    goto done;
  }
  if (!*tpl || tpl[0] == '/' || tpl[strlen(tpl) - 1] == '/') {
    st = blz_fail(err, BLZ_EINVAL, "partition template '%s': must be a relative path without a leading or trailing '/'", tpl);
    goto done;
  }
  bool uses_time = false;
  for (const char *q = tpl; !st;) {
    const char *slash = strchr(q, '/');
    size_t seglen = slash ? (size_t)(slash - q) : strlen(q);
    if (seglen == 0 || (seglen == 2 && !memcmp(q, "..", 2)) || (seglen == 1 && q[0] == '.')) {
      st = blz_fail(err, BLZ_EINVAL, "partition template '%s': empty, '.' or '..' path segment", tpl);
      break;
    }
    tpl_segment *segs = realloc(p->segs, (size_t)(p->nsegs + 1) * sizeof *segs);
    if (!segs) { st = blz_fail(err, BLZ_ENOMEM, "out of memory"); break; }
    p->segs = segs;
    tpl_segment *seg = &segs[p->nsegs++];
    memset(seg, 0, sizeof *seg);
    const char *e = q + seglen, *lit = q;
    for (const char *c = q; c < e && !st;) {
      if (*c == '%' || *c == '{') {
        if (c > lit && !add_part(seg, PART_LIT, lit, (size_t)(c - lit), -1)) st = blz_fail(err, BLZ_ENOMEM, "out of memory");
        if (*c == '%') {
          if (c + 1 >= e || !strchr("YmdHMSjyeIpGVuwUaAbB", c[1])) {
            st = blz_fail(err, BLZ_EINVAL, "partition template '%s': unsupported strftime field '%%%c'", tpl, c + 1 < e ? c[1] : ' ');
            break;
          }
          if (!add_part(seg, PART_TIME, c, 2, -1)) st = blz_fail(err, BLZ_ENOMEM, "out of memory");
          seg->uses_time = uses_time = true;
          char f = c[1];
          int64_t g = f == 'S' ? 1 : f == 'M' ? 60 : (f == 'H' || f == 'I' || f == 'p') ? 3600 : 86400;
          if (g < p->gran) p->gran = g;
          c += 2;
        } else {
          const char *close = memchr(c, '}', (size_t)(e - c));
          if (!close) {
            st = blz_fail(err, BLZ_EINVAL, "partition template '%s': unterminated '{'", tpl);
            break;
          }
          int col = find_col(schema, c + 1, (size_t)(close - c - 1));
          if (col < 0) {
            st = blz_fail(err, BLZ_EINVAL, "partition template '%s': no column named '%.*s'", tpl, (int)(close - c - 1), c + 1);
            break;
          }
          const struct ArrowSchema *f = schema->children[col];
          col_ref *r = &p->refs[col];
          const char *vf = f->dictionary ? f->dictionary->format : f->format;
          if (!vf || !partition_type_ok(vf) || strlen(vf) >= sizeof r->fmt || (f->dictionary && !strchr("cCsSiIlL", f->format[0]))) {
            st = blz_fail(err, BLZ_EINVAL, "partition template '%s': column '%s' of type '%s' cannot be a partition value (integers, strings, booleans, dates)", tpl, f->name, f->format);
            break;
          }
          snprintf(r->fmt, sizeof r->fmt, "%s", vf);
          if (!r->name && !(r->name = strdup(f->name ? f->name : ""))) {
            st = blz_fail(err, BLZ_ENOMEM, "out of memory");
            break;
          }
          r->dict = f->dictionary != NULL;
          r->index_fmt = f->format[0];
          p->uses[col] = true;
          p->has_cols = true;
          if (!add_part(seg, PART_COL, "", 0, col)) st = blz_fail(err, BLZ_ENOMEM, "out of memory");
          c = close + 1;
        }
        lit = c;
      } else {
        c++;
      }
    }
    if (!st && e > lit && !add_part(seg, PART_LIT, lit, (size_t)(e - lit), -1)) st = blz_fail(err, BLZ_ENOMEM, "out of memory");
    if (!slash) break;
    q = slash + 1;
  }
  if (!st && uses_time) {
    if (!time_column) {
      st = blz_fail(err, BLZ_EINVAL, "partition template '%s' has time fields but no time_column is set", tpl);
      goto done;
    }
    p->time_col = find_col(schema, time_column, strlen(time_column));
    if (p->time_col < 0) {
      st = blz_fail(err, BLZ_EINVAL, "partition time_column '%s' is not a column of the input", time_column);
      goto done;
    }
    const char *f = schema->children[p->time_col]->format;
    if (!f || !((f[0] == 't' && f[1] == 's' && f[2] && f[3] == ':') || !strcmp(f, "tdD") || !strcmp(f, "tdm"))) {
      st = blz_fail(err, BLZ_EINVAL, "partition time_column '%s' has type '%s', not a timestamp or date", time_column, f ? f : "?");
      goto done;
    }
    memcpy(p->time_fmt, f, 3);
  }
done:
  if (st) {
    blz_partitioner_destroy(p);
    return st;
  }
  *out = p;
  return BLZ_OK;
}

bool blz_partitioner_uses_column(const blz_partitioner *p, int i) {
  return i >= 0 && i < p->ncols_schema && p->uses[i];
}

bool blz_hive_escape(blz_buf *out, const uint8_t *s, size_t n) {
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    if (c < 0x20 || c == 0x7F || strchr("\"#%'*/:=?\\{[]^", c)) {
      uint8_t e[3] = {'%', (uint8_t)hex[c >> 4], (uint8_t)hex[c & 15]};
      if (!blz_buf_append(out, e, 3)) return false;
    } else if (!blz_buf_push(out, c)) {
      return false;
    }
  }
  return true;
}


static int64_t int_at(char f, const void *v, int64_t i) {
  switch (f) {
    case 'c': return ((const int8_t *)v)[i];
    case 'C': return ((const uint8_t *)v)[i];
    case 's': return ((const int16_t *)v)[i];
    case 'S': return ((const uint16_t *)v)[i];
    case 'i': return ((const int32_t *)v)[i];
    case 'I': return ((const uint32_t *)v)[i];
    default: return ((const int64_t *)v)[i];
  }
}

static void civil_date(int64_t days, char out[16]) {
  time_t t = (time_t)(days * 86400);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 16, "%Y-%m-%d", &tm);
}

/* Appends the escaped value of column col at batch row `row`; *is_null when null. */
static bool column_value(const blz_partitioner *p, const struct ArrowArray *batch, int col, int64_t row,
                         blz_buf *out, bool *is_null, blz_error *err) {
  const col_ref *r = &p->refs[col];
  const struct ArrowArray *a = batch->children[col];
  int64_t i = a->offset + batch->offset + row;
  *is_null = !blz_valid(a, i);
  if (*is_null) return true;
  if (r->dict) {
    int64_t j = int_at(r->index_fmt, a->buffers[1], i);
    a = a->dictionary;
    if (!a || j < 0 || j >= a->length) {
      blz_fail(err, BLZ_EFORMAT, "partition column %s: row %lld: dictionary index %lld out of range", r->name,
               (long long)row, (long long)j);
      return false;
    }
    i = a->offset + j;
    *is_null = !blz_valid(a, i);
    if (*is_null) return true;
  }
  const char *f = r->fmt;
  char tmp[32];
  const uint8_t *s = (const uint8_t *)tmp;
  size_t n;
  if (!strcmp(f, "u")) {
    const int32_t *off = a->buffers[1];
    s = (const uint8_t *)a->buffers[2] + off[i];
    n = (size_t)(off[i + 1] - off[i]);
  } else if (!strcmp(f, "U")) {
    const int64_t *off = a->buffers[1];
    s = (const uint8_t *)a->buffers[2] + off[i];
    n = (size_t)(off[i + 1] - off[i]);
  } else if (!strcmp(f, "vu")) {
    const uint8_t *view = (const uint8_t *)a->buffers[1] + 16 * i;
    int32_t len;
    memcpy(&len, view, 4);
    n = (size_t)len;
    if (len <= 12) {
      s = view + 4;
    } else {
      int32_t b, o;
      memcpy(&b, view + 8, 4);
      memcpy(&o, view + 12, 4);
      s = (const uint8_t *)a->buffers[2 + b] + o;
    }
  } else if (!strcmp(f, "b")) {
    n = (size_t)snprintf(tmp, sizeof tmp, "%s", blz_bit(a->buffers[1], i) ? "true" : "false");
  } else if (!strcmp(f, "tdD")) {
    civil_date(((const int32_t *)a->buffers[1])[i], tmp);
    n = strlen(tmp);
  } else if (!strcmp(f, "tdm")) {
    int64_t ms = ((const int64_t *)a->buffers[1])[i];
    civil_date(ms / 86400000 - (ms % 86400000 < 0), tmp);
    n = strlen(tmp);
  } else if (f[0] == 'L') {
    n = (size_t)snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)((const uint64_t *)a->buffers[1])[i]);
  } else {
    n = (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)int_at(f[0], a->buffers[1], i));
  }
  if (n == 0) { /* Hive writes empty strings as the default partition too */
    *is_null = true;
    return true;
  }
  if (s != (const uint8_t *)tmp) { /* a string value (numbers, booleans and dates are rendered in tmp) */
    /* %00 would do for the folder, but the partition values taken back from it (the staging
     * metadata, the hooks) are C strings: the value would come back cut short */
    if (memchr(s, 0, n)) {
      blz_fail(err, BLZ_EINVAL, "partition column %s: row %lld: a NUL byte in a partition value", r->name, (long long)row);
      return false;
    }
    /* the sink's validator has checked the batch's strings; the partitioner does not count on
     * its caller for what becomes a folder name and a JSON string in the staging metadata */
    if (blz_utf8_check(s, n) != n) {
      blz_fail(err, BLZ_EINVAL, "partition column %s: row %lld: a partition value that is not valid UTF-8", r->name,
               (long long)row);
      return false;
    }
  }
  bool marker = n == strlen(BLZ_HIVE_NULL) && !memcmp(s, BLZ_HIVE_NULL, n);
  if (marker) {
    /* the string itself, not a null: its first '_' escaped, so the folder name differs from the
     * null marker and unescapes to the value (Spark compares with the marker before unescaping) */
    if (!blz_buf_append(out, "%5F", 3)) {
      blz_fail(err, BLZ_ENOMEM, "out of memory");
      return false;
    }
    s++, n--;
  }
  if (!blz_hive_escape(out, s, n)) {
    blz_fail(err, BLZ_ENOMEM, "out of memory");
    return false;
  }
  return true;
}

/* Values of the time column per second (64-bit timestamps and date64), or 0 for date32 (days). */
static int64_t units_per_second(const blz_partitioner *p) {
  char u = p->time_fmt[2];
  if (p->time_fmt[1] == 'd') return u == 'D' ? 0 : 1000;
  return u == 's' ? 1 : u == 'm' ? 1000 : u == 'u' ? 1000000 : 1000000000;
}

/* Seconds since the epoch of the time column at `row`; false when null. */
static bool time_at(const blz_partitioner *p, const struct ArrowArray *batch, int64_t row, int64_t *secs) {
  const struct ArrowArray *a = batch->children[p->time_col];
  int64_t i = a->offset + batch->offset + row;
  if (!blz_valid(a, i)) return false;
  int64_t div = units_per_second(p);
  if (div == 0) {
    *secs = (int64_t)((const int32_t *)a->buffers[1])[i] * 86400;
  } else {
    int64_t v = ((const int64_t *)a->buffers[1])[i];
    *secs = v / div - (v % div < 0); /* floor, so times before 1970 land in the right bucket */
  }
  return true;
}

blz_status blz_partitioner_render(blz_partitioner *p, const struct ArrowArray *batch, int64_t row,
                                  blz_buf *out, blz_error *err) {
  bool time_null = true;
  if (p->time_col >= 0) {
    int64_t secs;
    time_null = !time_at(p, batch, row, &secs);
    if (!time_null) {
      int64_t bucket = secs / p->gran - (secs % p->gran < 0);
      if (p->key_cached && !p->has_cols && !p->last_null && p->have_bucket && bucket == p->bucket)
        return blz_buf_append(out, p->key_cache.data, p->key_cache.len) ? BLZ_OK : blz_fail(err, BLZ_ENOMEM, "out of memory");
      if (!p->have_bucket || bucket != p->bucket) {
        time_t t = (time_t)secs;
        struct tm tm;
        if (!gmtime_r(&t, &tm)) return blz_fail(err, BLZ_EINVAL, "time value %lld out of range", (long long)secs);
        for (int s = 0; s < p->nsegs; s++)
          for (int k = 0; k < p->segs[s].nparts; k++) {
            tpl_part *part = &p->segs[s].parts[k];
            if (part->kind == PART_TIME) strftime(part->cached, sizeof part->cached, part->text, &tm);
          }
        p->bucket = bucket;
        p->have_bucket = true;
      }
    }
  }
  size_t start = out->len;
  for (int s = 0; s < p->nsegs; s++) {
    tpl_segment *seg = &p->segs[s];
    if (s > 0 && !blz_buf_push(out, '/')) goto oom;
    size_t seg_start = out->len;
    bool null = seg->uses_time && time_null;
    for (int k = 0; k < seg->nparts && !null; k++) {
      tpl_part *part = &seg->parts[k];
      if (part->kind == PART_LIT) {
        if (!blz_buf_append(out, part->text, strlen(part->text))) goto oom;
      } else if (part->kind == PART_TIME) {
        if (!blz_buf_append(out, part->cached, strlen(part->cached))) goto oom;
      } else {
        bool is_null;
        if (!column_value(p, batch, part->col, row, out, &is_null, err)) return err ? err->code : BLZ_EFORMAT;
        null = is_null;
      }
    }
    if (null) {
      /* the whole value of a key=value segment becomes the default partition */
      out->len = seg_start;
      for (int k = 0; k < seg->nparts; k++) {
        tpl_part *part = &seg->parts[k];
        const char *eq = part->kind == PART_LIT ? strchr(part->text, '=') : NULL;
        if (part->kind != PART_LIT) break;
        if (eq) {
          if (!blz_buf_append(out, part->text, (size_t)(eq + 1 - part->text))) goto oom;
          break;
        }
        if (!blz_buf_append(out, part->text, strlen(part->text))) goto oom;
      }
      if (!blz_buf_append(out, BLZ_HIVE_NULL, strlen(BLZ_HIVE_NULL))) goto oom;
    }
    if (out->len - seg_start > BLZ_FOLDER_NAME_MAX)
      /* refused here, with the whole batch, rather than when the folder is made: by then rows of
       * the batch's other partitions would be in their files */
      return blz_fail(err, BLZ_EINVAL, "row %lld: partition folder '%.40s...' is %zu bytes; a folder name holds at most %d",
                      (long long)row, (const char *)out->data + seg_start, out->len - seg_start, BLZ_FOLDER_NAME_MAX);
  }
  if (!p->has_cols) { /* remember the key: the next rows of this bucket reuse it */
    p->key_cache.len = 0;
    p->key_cached = blz_buf_append(&p->key_cache, out->data + start, out->len - start);
    p->last_null = time_null;
  }
  return BLZ_OK;
oom:
  return blz_fail(err, BLZ_ENOMEM, "out of memory");
}

int64_t blz_partitioner_run(const blz_partitioner *p, const struct ArrowArray *batch, int64_t row, int64_t end) {
  int64_t secs;
  if (p->has_cols || p->time_col < 0 || !time_at(p, batch, row, &secs)) return 1;
  int64_t unit = units_per_second(p);
  if (unit == 0) return 1; /* date32 columns: one value per day, rarely worth a scan */
  int64_t gran = p->gran, bucket = secs / gran - (secs % gran < 0);
  /* the bucket's bounds in the column's own unit, so the scan compares without dividing */
  const struct ArrowArray *a = batch->children[p->time_col];
  __int128 lo = (__int128)bucket * gran * unit, hi = lo + (__int128)gran * unit;
  const int64_t *v = (const int64_t *)a->buffers[1] + a->offset + batch->offset;
  int64_t r = row + 1;
  if (a->null_count == 0) {
    while (r < end && v[r] >= lo && v[r] < hi) r++;
  } else {
    while (r < end && blz_valid(a, a->offset + batch->offset + r) && v[r] >= lo && v[r] < hi) r++;
  }
  return r - row;
}

static int hexval(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static char *unescape(const char *s, size_t n) {
  char *o = malloc(n + 1), *q = o;
  if (!o) return NULL;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      *q++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else {
      *q++ = s[i];
    }
  }
  *q = 0;
  return o;
}

bool blz_partition_values(const char *prefix, int *n, char ***keys, char ***values) {
  *n = 0;
  *keys = *values = NULL;
  for (const char *q = prefix; q && *q;) {
    const char *slash = strchr(q, '/');
    size_t len = slash ? (size_t)(slash - q) : strlen(q);
    const char *eq = memchr(q, '=', len);
    if (eq) {
      char **k = realloc(*keys, (size_t)(*n + 1) * sizeof *k);
      if (!k) return false;
      *keys = k;
      char **v = realloc(*values, (size_t)(*n + 1) * sizeof *v);
      if (!v) return false;
      *values = v;
      k[*n] = unescape(q, (size_t)(eq - q));
      size_t vl = len - (size_t)(eq + 1 - q);
      bool null = vl == strlen(BLZ_HIVE_NULL) && !memcmp(eq + 1, BLZ_HIVE_NULL, vl);
      v[*n] = null ? NULL : unescape(eq + 1, vl);
      (*n)++;
    }
    if (!slash) break;
    q = slash + 1;
  }
  return true;
}

void blz_partition_values_free(int n, char **keys, char **values) {
  for (int i = 0; i < n; i++) {
    free(keys[i]);
    free(values[i]);
  }
  free(keys);
  free(values);
}
