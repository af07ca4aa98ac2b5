/* staging.c — the JSON metadata a downstream committer reads to add a file to a Delta table. */
#include "staging.h"

#include <stdio.h>


static bool json_str(blz_buf *b, const char *s) { return blz_json_string(b, s, strlen(s)); }

static bool lit(blz_buf *b, const char *s) { return blz_buf_append(b, s, strlen(s)); }

bool blz_staging_json(const blz_finished_file *f, blz_buf *b) {
  char num[64];
  bool ok = lit(b, "{\"filename\":") && json_str(b, f->filename);
  snprintf(num, sizeof num, ",\"size\":%lld,\"record_count\":%lld,\"partition_values\":{", (long long)f->size,
           (long long)f->record_count);
  ok = ok && lit(b, num);
  for (int i = 0; ok && i < f->n_partition_values; i++) {
    ok = (i == 0 || lit(b, ",")) && json_str(b, f->partition_keys[i]) && lit(b, ":");
    ok = ok && (f->partition_values[i] ? json_str(b, f->partition_values[i]) : lit(b, "null"));
  }
  ok = ok && lit(b, "},\"source_file\":");
  ok = ok && (f->source_file ? json_str(b, f->source_file) : lit(b, "null"));
  if (f->stats_json) ok = ok && lit(b, ",\"stats\":") && lit(b, f->stats_json);
  return ok && lit(b, "}\n");
}

void blz_staging_relpath(const char *uuid, char *out, size_t n) {
  snprintf(out, n, BLZ_STAGING_FOLDER "%s.meta.json", uuid);
}
