/* s3.h — an S3 client over libcurl: PUT, multipart uploads with parallel parts, retries with backoff. */
#ifndef BLZ_S3_H
#define BLZ_S3_H

#include "../common/blz_common.h"

typedef struct blz_s3_options {
  char *bucket, *prefix;         /* from s3://bucket/prefix */
  char *region, *endpoint;       /* endpoint: scheme://host[:port], no trailing slash */
  char *access_key, *secret_key, *session_token;
  bool allow_http, virtual_hosted;
  int max_retries;               /* per request */
  int64_t retry_base_ms, retry_max_ms;
  long connect_timeout_s, low_speed_time_s;
  /* told of each retry: the object key and why (may be NULL) */
  void (*on_retry)(void *ctx, const char *key, const char *why);
  void *retry_ctx;
} blz_s3_options;

/* What the S3 client takes from the configuration (all borrowed). */
typedef struct blz_s3_config {
  const char *url;               /* s3://bucket/prefix */
  const blz_kv_pair *options;    /* storage_options: upper- or lower-case keys */
  int n_options;
  int64_t max_retries;           /* per request */
} blz_s3_config;

/* Builds options from c, falling back to the AWS_* environment variables. */
blz_status blz_s3_options_from(const blz_s3_config *c, blz_s3_options *o, blz_error *err);
void blz_s3_options_free(blz_s3_options *o);

/* Live counters, updated atomically (read by metrics). */
enum { BLZ_REASON_SERVER, BLZ_REASON_THROTTLED, BLZ_REASON_TIMEOUT, BLZ_REASON_CONNECTION, BLZ_REASON_CLIENT };
typedef struct blz_s3_counters {
  int64_t active_parts, multipart_uploads, retries, failures, bytes_uploaded;
  int64_t retries_by_reason[5], failures_by_reason[5];
} blz_s3_counters;

/* Uploads data to key (prefix applied): one PUT below min_multipart bytes, else a multipart upload
 * of part_size parts, max_parts in flight. On final failure a multipart upload is aborted. */
blz_status blz_s3_upload(const blz_s3_options *o, const char *key, const uint8_t *data, size_t len,
                         int64_t min_multipart, int64_t part_size, int max_parts,
                         blz_s3_counters *counters, blz_error *err);

/* Lists the multipart uploads open under key_prefix (the configured prefix applied) and aborts
 * those whose key (relative to the prefix) `pick` chooses (NULL: those of exactly key_prefix);
 * pick runs on the calling thread.
 * *aborted (may be NULL) counts them. An upload gone meanwhile (404) is not an error. */
blz_status blz_s3_abort_uploads(const blz_s3_options *o, const char *key_prefix,
                                bool (*pick)(void *ctx, const char *key), void *ctx,
                                blz_s3_counters *counters, int *aborted, blz_error *err);

/* HEAD of key: *size is its length, or -1 (a 404 is BLZ_EINVAL naming it). */
blz_status blz_s3_head(const blz_s3_options *o, const char *key, int64_t *size, blz_s3_counters *counters,
                       blz_error *err);

/* Text of the first <tag>...</tag> in an XML document (S3 responses), or false. */
bool blz_xml_value(const char *xml, size_t n, const char *tag, char *out, size_t outlen);

#endif
