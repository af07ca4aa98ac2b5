/* metrics.c — renders a sink snapshot in the Prometheus text exposition format (the CLI serves it). */
#include <stdio.h>

#include "../common/blz_common.h"

const char *const blz_upload_reasons[5] = {"server", "throttled", "timeout", "connection", "client"};

typedef struct out {
  blz_buf b;
  bool oom;
} out;

static void put(out *o, const char *fmt, ...) BLZ_PRINTF(2, 3);
static void put(out *o, const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0 || !blz_buf_append(&o->b, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1)) o->oom = true;
}

static void metric(out *o, const char *name, const char *type, const char *help, int64_t v) {
  put(o, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", name, help, name, type, name, (long long)v);
}

static void by_reason(out *o, const char *name, const char *help, const int64_t v[5]) {
  put(o, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
  for (int i = 0; i < 5; i++) put(o, "%s{reason=\"%s\"} %lld\n", name, blz_upload_reasons[i], (long long)v[i]);
}

blz_status blz_metrics_render(const blz_sink_stats *s, char **text) {
  out o = {{0}, false};
  metric(&o, "blizzard_bytes_written_total", "counter", "Bytes of Parquet files written and stored.", s->bytes_written);
  metric(&o, "blizzard_parquet_files_written_total", "counter", "Parquet files written and stored.", s->files_written);
  metric(&o, "blizzard_records_written_total", "counter", "Rows in stored Parquet files.", s->rows_written);
  metric(&o, "blizzard_records_received_total", "counter", "Rows handed to the sink.", s->rows_received);
  metric(&o, "blizzard_records_skipped_total", "counter", "Rows skipped because an earlier run landed them.", s->rows_skipped);
  metric(&o, "blizzard_batches_received_total", "counter", "Record batches handed to the sink.", s->batches_received);
  metric(&o, "blizzard_row_groups_written_total", "counter", "Row groups in stored Parquet files.", s->row_groups_written);
  metric(&o, "blizzard_staging_files_written_total", "counter", "Staging metadata files (meta.json) written.", s->staging_files_written);
  metric(&o, "blizzard_files_failed_total", "counter", "Parquet files that could not be stored.", s->files_failed);
  metric(&o, "blizzard_open_files", "gauge", "Parquet files open for writing.", s->open_files);
  metric(&o, "blizzard_buffered_bytes", "gauge", "Estimated encoded bytes held in open row groups.", s->buffered_bytes);
  metric(&o, "blizzard_active_uploads", "gauge", "Files being uploaded now.", s->active_uploads);
  metric(&o, "blizzard_active_multipart_parts", "gauge", "Multipart parts being uploaded now.", s->active_multipart_parts);
  metric(&o, "blizzard_multipart_uploads_total", "counter", "Multipart uploads started.", s->multipart_uploads);
  metric(&o, "blizzard_bytes_uploaded_total", "counter", "Bytes uploaded to object storage.", s->bytes_uploaded);
  by_reason(&o, "blizzard_upload_retries_total", "Upload requests retried, by reason.", s->retries_by_reason);
  by_reason(&o, "blizzard_upload_failures_total", "Upload requests that failed for good, by reason.", s->failures_by_reason);
  const char *h = "blizzard_parquet_write_duration_seconds";
  put(&o, "# HELP %s Seconds spent encoding and writing each Parquet file.\n# TYPE %s histogram\n", h, h);
  for (int i = 0; i < BLZ_DURATION_BUCKETS; i++)
    put(&o, "%s_bucket{le=\"%g\"} %lld\n", h, blz_duration_buckets[i], (long long)s->write_duration_buckets[i]);
  put(&o, "%s_bucket{le=\"+Inf\"} %lld\n%s_sum %.6f\n%s_count %lld\n", h, (long long)s->write_duration_count, h,
      s->write_duration_sum, h, (long long)s->write_duration_count);
  if (o.oom || !blz_buf_push(&o.b, 0)) {
    blz_buf_free(&o.b);
    return BLZ_ENOMEM;
  }
  *text = (char *)o.b.data;
  return BLZ_OK;
}
