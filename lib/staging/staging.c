/* staging.c — the JSON metadata a downstream committer reads to add a file to a Delta table. */
#include "staging.h"

#include <stdio.h>

static bool json_string(blz_buf *b, const char *s) {
  static const char hex[] = "0123456789abcdef";
  if (!blz_buf_push(b, '"')) return false;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    unsigned char c = *p;
    if (c == '"' || c == '\\') {
      uint8_t e[2] = {'\\', c};
      if (!blz_buf_append(b, e, 2)) return false;
    } else if (c < 0x20) {
      uint8_t e[6] = {'\\', 'u', '0', '0', (uint8_t)hex[c >> 4], (uint8_t)hex[c & 15]};
      if (!blz_buf_append(b, e, 6)) return false;
    } else if (!blz_buf_push(b, c)) {
      return false;
    }
  }
  return blz_buf_push(b, '"');
}

static bool lit(blz_buf *b, const char *s) { return blz_buf_append(b, s, strlen(s)); }

bool blz_staging_json(const blz_finished_file *f, blz_buf *b) {
  char num[64];
  bool ok = lit(b, "{\"filename\":") && json_string(b, f->filename);
  snprintf(num, sizeof num, ",\"size\":%lld,\"record_count\":%lld,\"partition_values\":{", (long long)f->size,
           (long long)f->record_count);
  ok = ok && lit(b, num);
  for (int i = 0; ok && i < f->n_partition_values; i++) {
    ok = (i == 0 || lit(b, ",")) && json_string(b, f->partition_keys[i]) && lit(b, ":");
    ok = ok && (f->partition_values[i] ? json_string(b, f->partition_values[i]) : lit(b, "null"));
  }
  ok = ok && lit(b, "},\"source_file\":");
  ok = ok && (f->source_file ? json_string(b, f->source_file) : lit(b, "null"));
  if (f->stats_json) ok = ok && lit(b, ",\"stats\":") && lit(b, f->stats_json);
  return ok && lit(b, "}\n");
}

blz_status blz_staging_write(blz_storage *s, const char *uuid, const blz_finished_file *f,
                             blz_error *err) {
  blz_buf b = {0};
  if (!blz_staging_json(f, &b)) {
    blz_buf_free(&b);
    return blz_fail(err, BLZ_ENOMEM, "out of memory");
  }
  char rel[128];
  snprintf(rel, sizeof rel, "_staging/pending/%s.meta.json", uuid);
  blz_status st = blz_storage_put(s, rel, b.data, b.len, err);
  blz_buf_free(&b);
  return st;
}
