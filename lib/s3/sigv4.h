/* sigv4.h — AWS Signature Version 4 for S3 requests (HMAC-SHA256 over a canonical request). */
#ifndef BLZ_SIGV4_H
#define BLZ_SIGV4_H

#include "../common/blz_common.h"

typedef struct blz_sigv4_header {
  const char *name;  /* lower-case */
  const char *value; /* trimmed */
} blz_sigv4_header;

/* Hex SHA-256 of data (65 bytes with NUL). These return false only when libcrypto cannot be
 * loaded (blz__crypto says why). */
bool blz_sha256_hex(const void *data, size_t n, char out[65]);
/* MD5 of data (16 bytes): the ETag S3 gives a part, from which a multipart object's ETag follows. */
bool blz_md5(const void *data, size_t n, uint8_t out[16]);
/* Base64 MD5 of data, for Content-MD5 (25 bytes with NUL). */
bool blz_md5_base64(const void *data, size_t n, char out[25]);

/* Computes the Authorization header value. `path` is the already URI-encoded absolute path;
 * `query` the canonical query string (sorted, encoded; "" for none); `headers` sorted by name and
 * including host, x-amz-content-sha256 and x-amz-date; `amz_date` is YYYYMMDDTHHMMSSZ. False when
 * out of memory or without libcrypto. */
bool blz_sigv4_authorization(const char *method, const char *path, const char *query,
                             const blz_sigv4_header *headers, int nheaders,
                             const char *payload_sha256_hex, const char *amz_date,
                             const char *region, const char *access_key, const char *secret_key,
                             blz_buf *out);

/* Appends the RFC 3986 encoding S3 expects of a key (unreserved kept; '/' kept if keep_slash). */
bool blz_uri_encode(blz_buf *out, const char *s, bool keep_slash);

#endif
