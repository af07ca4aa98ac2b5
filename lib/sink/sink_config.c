/* sink_config.c — blz_sink_config_validate: the one set of rules a sink configuration must meet,
 * whether it came from YAML, `run --check` or a struct filled by hand through the C API. */
#include <stdio.h>

#include "../s3/s3.h"

#define MB_MAX (1LL << 20)

static blz_status range(blz_error *err, const char *key, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi) return blz_fail(err, BLZ_EINVAL, "%s: %lld is out of range %lld..%lld", key, (long long)v, (long long)lo, (long long)hi);
  return BLZ_OK;
}

blz_status blz_sink_config_validate(const blz_sink_config *c, blz_error *err) {
  if (!c) return blz_fail(err, BLZ_EINVAL, "no sink configuration given");
  if (!c->path || !*c->path) return blz_fail(err, BLZ_EINVAL, "sink.path is required");
  BLZ_TRY(range(err, "sink.file_size_mb", c->file_size_mb, 1, MB_MAX));
  BLZ_TRY(range(err, "sink.inactivity_timeout_secs", c->inactivity_timeout_secs, 1, 86400LL * 365));
  BLZ_TRY(range(err, "sink.rollover_timeout_secs", c->rollover_timeout_secs, 1, 86400LL * 365));
  BLZ_TRY(range(err, "sink.row_group_size_bytes", c->row_group_size_bytes, 1024, 1LL << 40));
  BLZ_TRY(range(err, "sink.max_open_files", c->max_open_files, 1, 100000));
  BLZ_TRY(range(err, "sink.max_concurrent_uploads", c->max_concurrent_uploads, 1, 1024));
  BLZ_TRY(range(err, "sink.part_size_mb", c->part_size_mb, 5, 5120));
  BLZ_TRY(range(err, "sink.min_multipart_size_mb", c->min_multipart_size_mb, 5, 5120));
  BLZ_TRY(range(err, "sink.max_concurrent_parts", c->max_concurrent_parts, 1, 1024));
  BLZ_TRY(range(err, "sink.max_retries", c->max_retries, 0, 100));
  BLZ_TRY(range(err, "sink.threads", c->threads, 0, 1024));
  BLZ_TRY(range(err, "sink.max_buffered_mb", c->max_buffered_mb, 1, MB_MAX));
  BLZ_TRY(range(err, "sink.stats_columns", c->stats_columns, 0, 100000));
  if (!strcmp(blz_compression_name(c->compression), "unknown"))
    return blz_fail(err, BLZ_EINVAL, "sink.compression: unknown codec %d", (int)c->compression);
  if (c->compression == BLZ_COMPRESSION_GZIP) BLZ_TRY(range(err, "sink.compression_level", c->compression_level, 0, 12));
  if (c->compression == BLZ_COMPRESSION_ZSTD) BLZ_TRY(range(err, "sink.compression_level", c->compression_level, -7, 22));
  if (c->encoding_profile != BLZ_PROFILE_COMPATIBLE && c->encoding_profile != BLZ_PROFILE_COMPACT)
    return blz_fail(err, BLZ_EINVAL, "sink.encoding_profile: unknown profile %d", (int)c->encoding_profile);
  if (c->n_column_encodings < 0 || (c->n_column_encodings > 0 && !c->column_encodings))
    return blz_fail(err, BLZ_EINVAL, "sink.column_encodings: %d entries but no array", c->n_column_encodings);
  for (int i = 0; i < c->n_column_encodings; i++) {
    if (!c->column_encodings[i].column || !*c->column_encodings[i].column)
      return blz_fail(err, BLZ_EINVAL, "sink.column_encodings[%d]: no column name", i);
    if (!strcmp(blz_encoding_name(c->column_encodings[i].encoding), "unknown"))
      return blz_fail(err, BLZ_EINVAL, "sink.column_encodings.%s: unknown encoding %d", c->column_encodings[i].column,
                      (int)c->column_encodings[i].encoding);
  }
  if (!(c->bloom_filter_fpp >= 0 && c->bloom_filter_fpp < 1))
    return blz_fail(err, BLZ_EINVAL, "sink.bloom_filter_fpp: %g is not between 0 and 1", c->bloom_filter_fpp);
  if (c->n_bloom_filter_columns < 0 || (c->n_bloom_filter_columns > 0 && !c->bloom_filter_columns))
    return blz_fail(err, BLZ_EINVAL, "sink.bloom_filter_columns: %d entries but no array", c->n_bloom_filter_columns);
  for (int i = 0; i < c->n_bloom_filter_columns; i++)
    if (!c->bloom_filter_columns[i] || !*c->bloom_filter_columns[i])
      return blz_fail(err, BLZ_EINVAL, "sink.bloom_filter_columns[%d]: no column name", i);
  if (c->partition_template && !*c->partition_template)
    return blz_fail(err, BLZ_EINVAL, "sink.partition_by.prefix_template is empty");
  if (c->n_storage_options < 0 || (c->n_storage_options > 0 && !c->storage_options))
    return blz_fail(err, BLZ_EINVAL, "sink.storage_options: %d entries but no array", c->n_storage_options);
  for (int i = 0; i < c->n_storage_options; i++)
    if (!c->storage_options[i].key || !c->storage_options[i].value)
      return blz_fail(err, BLZ_EINVAL, "sink.storage_options[%d]: a key and a value are required", i);
  if (c->metrics_enabled) {
    const char *colon = c->metrics_address ? strrchr(c->metrics_address, ':') : NULL;
    long port = colon ? strtol(colon + 1, NULL, 10) : 0;
    if (!colon || port < 1 || port > 65535)
      return blz_fail(err, BLZ_EINVAL, "metrics.address: expected HOST:PORT, got '%s'", c->metrics_address ? c->metrics_address : "(none)");
  }
  const char *p = c->path;
  if (!strncmp(p, "s3://", 5)) {
    /* S3's limits: parts of 5 MiB to 5 GiB, at most 10,000 of them; files may run a little past
     * file_size_mb, so a margin is kept */
    if ((c->file_size_mb * 11 / 10 + c->part_size_mb - 1) / c->part_size_mb > 10000)
      return blz_fail(err, BLZ_EINVAL, "sink.part_size_mb: %lld MiB parts would need more than S3's 10,000 parts for files of %lld MiB",
                      (long long)c->part_size_mb, (long long)c->file_size_mb);
    blz_s3_options o; /* bucket, endpoint scheme, plain HTTP allowed, known option names */
    blz_s3_config s3 = {c->path, c->storage_options, c->n_storage_options, c->max_retries};
    BLZ_TRY(blz_s3_options_from(&s3, &o, err));
    blz_s3_options_free(&o);
  } else if (!strncmp(p, "file://", 7)) {
    if (!p[7]) return blz_fail(err, BLZ_EINVAL, "sink.path '%s' names no folder", p);
  } else if (strstr(p, "://")) {
    return blz_fail(err, BLZ_ENOTSUP, "sink.path '%s': only local paths, file:// and s3:// URLs are supported", p);
  }
  return BLZ_OK;
}
