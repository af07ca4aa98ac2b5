/* crypto_load.c — loads libcrypto on first use: see crypto_load.h for why it is not linked. */
#include "crypto_load.h"

#include "lib_load.h"

static blz__crypto_api api;
static const blz__lib_sym syms[] = {
    {"EVP_Digest", &api.digest}, {"EVP_sha256", &api.sha256}, {"EVP_md5", &api.md5},
    {"EVP_EncodeBlock", &api.encode_block}, {"HMAC", &api.hmac},
};
/* never closed: OpenSSL keeps process-wide state until exit */
static blz__lib lib = {"libcrypto.so.3", syms, (int)(sizeof syms / sizeof *syms), PTHREAD_MUTEX_INITIALIZER, false, false, ""};

const blz__crypto_api *blz__crypto(blz_error *err) {
  return blz__lib_load(&lib, "S3 signing", "libssl3", err) ? &api : NULL;
}
