/* landed.c — which source rows already landed: a stored file's landed-log line, and the rows a
 * re-run of the same source skips, read back from the log. */
#include "landed.h"

#include <stdio.h>

/* Appends s to b with bytes that would end a field (space, %, controls) as %XX. */
static bool note_field(blz_buf *b, char tag, const char *s) {
  bool ok = blz_buf_push(b, ' ') && blz_buf_push(b, (uint8_t)tag);
  for (const unsigned char *c = (const unsigned char *)(s ? s : ""); ok && *c; c++) {
    if (*c > ' ' && *c != '%' && *c != 0x7f) ok = blz_buf_push(b, *c);
    else {
      char hex[4];
      snprintf(hex, sizeof hex, "%%%02X", *c);
      ok = blz_buf_append(b, hex, 3);
    }
  }
  return ok;
}

bool blz_landed_note(blz_buf *b, int64_t first, int64_t end, const char *relpath, const char *prefix,
                     const char *source) {
  char nums[64];
  snprintf(nums, sizeof nums, "rows %lld %lld", (long long)first, (long long)end);
  return blz_buf_append(b, nums, strlen(nums)) && note_field(b, 'f', relpath) && note_field(b, 'p', prefix) &&
         note_field(b, 's', source) && blz_buf_push(b, 0);
}

void blz_landed_clear(blz_landed *l) {
  for (int i = 0; i < l->n; i++) {
    free(l->parts[i].prefix);
    free(l->parts[i].r);
  }
  free(l->parts);
  l->parts = NULL;
  l->n = 0;
}

/* Undoes note_field's %XX escapes in place. */
static void unescape(char *t) {
  char *w = t;
  for (char *c = t; *c; c++) {
    unsigned v;
    if (*c == '%' && c[1] && c[2] && sscanf(c + 1, "%2x", &v) == 1) *w++ = (char)v, c += 2;
    else *w++ = *c;
  }
  *w = 0;
}

/* The part of partition `prefix`, added when new; NULL when out of memory. */
static blz_landed_part *part_for(blz_landed *l, const char *prefix) {
  for (int i = 0; i < l->n; i++)
    if (!strcmp(l->parts[i].prefix, prefix)) return &l->parts[i];
  blz_landed_part *g = realloc(l->parts, (size_t)(l->n + 1) * sizeof *g);
  if (!g) return NULL;
  l->parts = g;
  blz_landed_part *lp = &g[l->n];
  memset(lp, 0, sizeof *lp);
  if (!(lp->prefix = strdup(prefix))) return NULL;
  l->n++;
  return lp;
}

bool blz_landed_add_line(blz_landed *l, const char *source, const char *line) {
  long long first, end;
  int used = 0;
  if (sscanf(line, "rows %lld %lld %n", &first, &end, &used) != 2 || used == 0 || first < 0 || end <= first) return true;
  char *rest = strdup(line + used), *prefix = NULL, *src = NULL;
  if (!rest) return false;
  char *save = NULL;
  for (char *tok = strtok_r(rest, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
    if (tok[0] == 'p') prefix = tok + 1;
    else if (tok[0] == 's') src = tok + 1;
  }
  bool ok = true;
  if (prefix && src) {
    unescape(prefix);
    unescape(src);
  }
  blz_landed_part *lp = NULL;
  if (prefix && src && !strcmp(src, source) && !(lp = part_for(l, prefix))) ok = false;
  if (lp && lp->n == lp->cap) {
    int cap = lp->cap ? lp->cap * 2 : 8;
    int64_t(*r)[2] = realloc(lp->r, (size_t)cap * sizeof *r);
    if (r) lp->r = r, lp->cap = cap;
    else ok = false, lp = NULL;
  }
  if (lp) {
    lp->r[lp->n][0] = first;
    lp->r[lp->n][1] = end;
    lp->n++;
  }
  free(rest);
  return ok;
}

typedef struct landed_load {
  blz_landed *l;
  const char *source;
  bool oom;
} landed_load;

static void landed_line(void *ctx, const char *line) {
  landed_load *L = ctx;
  if (!blz_landed_add_line(L->l, L->source, line)) L->oom = true;
}

static int by_first(const void *a, const void *b) {
  const int64_t *x = a, *y = b;
  return x[0] < y[0] ? -1 : x[0] > y[0];
}

void blz_landed_merge(blz_landed *l) {
  for (int i = 0; i < l->n; i++) {
    blz_landed_part *lp = &l->parts[i];
    qsort(lp->r, (size_t)lp->n, sizeof *lp->r, by_first);
    int m = 0;
    for (int k = 0; k < lp->n; k++) {
      if (m > 0 && lp->r[k][0] <= lp->r[m - 1][1]) {
        if (lp->r[k][1] > lp->r[m - 1][1]) lp->r[m - 1][1] = lp->r[k][1];
      } else {
        lp->r[m][0] = lp->r[k][0], lp->r[m][1] = lp->r[k][1];
        m++;
      }
    }
    lp->n = m;
    lp->cur = 0;
  }
}

blz_status blz_landed_load(blz_landed *l, blz_storage *st, const char *source, blz_error *err) {
  blz_landed_clear(l);
  landed_load L = {l, source, false};
  BLZ_TRY(blz_storage_read_landed(st, landed_line, &L, err));
  if (L.oom) return blz_fail(err, BLZ_ENOMEM, "out of memory reading the landed log");
  blz_landed_merge(l);
  return BLZ_OK;
}

bool blz_landed_before(blz_landed *l, const void *prefix, size_t plen, int64_t row) {
  for (int i = 0; i < l->n; i++) {
    blz_landed_part *lp = &l->parts[i];
    if (strlen(lp->prefix) != plen || memcmp(lp->prefix, prefix, plen)) continue;
    while (lp->cur < lp->n && lp->r[lp->cur][1] <= row) lp->cur++;
    return lp->cur < lp->n && lp->r[lp->cur][0] <= row;
  }
  return false;
}
