/* crypto_load.h — libcrypto, loaded the first time an S3 request signs (private to lib/s3).
 *
 * Only SigV4 and the ETag checks use OpenSSL, yet linking libcrypto cost every process about 1 ms
 * of start-up (its relocations and constructors; `blizzard --version` 2.7 -> 1.7 ms without it),
 * paid by every `convert` of a local file. Loaded as libcurl is (curl_load.h), which pulls it in
 * for TLS anyway. The types still come from <openssl/evp.h>. */
#ifndef BLZ_CRYPTO_LOAD_H
#define BLZ_CRYPTO_LOAD_H

#include <openssl/evp.h>

#include "../common/blz_common.h"

typedef struct blz__crypto_api {
  int (*digest)(const void *data, size_t n, unsigned char *md, unsigned int *size, const EVP_MD *type,
                ENGINE *impl);
  const EVP_MD *(*sha256)(void);
  const EVP_MD *(*md5)(void);
  int (*encode_block)(unsigned char *t, const unsigned char *f, int n);
  unsigned char *(*hmac)(const EVP_MD *md, const void *key, int key_len, const unsigned char *d, size_t n,
                         unsigned char *md_out, unsigned int *md_len);
} blz__crypto_api;

/*! blz__crypto() :
 *  Loads libcrypto (libcrypto.so.3) once per process; any thread may call it, the first call loads.
 *  @return : the functions, valid until the process exits; NULL when libcrypto cannot be loaded,
 *            with `err` (if not NULL) filled naming the library and dlerror's reason. */
const blz__crypto_api *blz__crypto(blz_error *err);

#endif
