/* crypto_load.c — loads libcrypto on first use: see crypto_load.h for why it is not linked. */
#include "crypto_load.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define LIBCRYPTO "libcrypto.so.3"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static blz__crypto_api api;
static bool loaded;
static char why[256];

/* dlsym's void * to a function pointer: POSIX guarantees the conversion, ISO C does not */
#define LOOK(field, name)                                       \
  do {                                                          \
    void *f_ = dlsym(h, name);                                  \
    if (!f_) {                                                  \
      snprintf(why, sizeof why, "%s has no %s", LIBCRYPTO, name); \
      return;                                                   \
    }                                                           \
    memcpy(&api.field, &f_, sizeof f_);                         \
  } while (0)

static void load(void) {
  /* never closed: OpenSSL keeps process-wide state until exit */
  void *h = dlopen(LIBCRYPTO, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char *e = dlerror();
    snprintf(why, sizeof why, "%s", e ? e : LIBCRYPTO ": not found");
    return;
  }
  LOOK(digest, "EVP_Digest");
  LOOK(sha256, "EVP_sha256");
  LOOK(md5, "EVP_md5");
  LOOK(encode_block, "EVP_EncodeBlock");
  LOOK(hmac, "HMAC");
  loaded = true;
}

const blz__crypto_api *blz__crypto(blz_error *err) {
  pthread_once(&once, load);
  if (loaded) return &api;
  blz_fail(err, BLZ_ENOTSUP, "S3 signing needs libcrypto, which could not be loaded (install libssl3): %s", why);
  return NULL;
}
