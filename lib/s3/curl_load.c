/* curl_load.c — loads libcurl on first use: see curl_load.h for why it is not linked. */
#include "curl_load.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define LIBCURL "libcurl.so.4"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static blz__curl_api api;
static bool loaded;
static char why[256];

/* dlsym's void * to a function pointer: POSIX guarantees the conversion, ISO C does not */
#define LOOK(field, name)                                   \
  do {                                                      \
    void *f_ = dlsym(h, name);                              \
    if (!f_) {                                              \
      snprintf(why, sizeof why, "%s has no %s", LIBCURL, name); \
      return;                                               \
    }                                                       \
    memcpy(&api.field, &f_, sizeof f_);                     \
  } while (0)

static void load(void) {
  /* never closed: curl keeps process-wide state (its global init) for the process's life */
  void *h = dlopen(LIBCURL, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char *e = dlerror();
    snprintf(why, sizeof why, "%s", e ? e : LIBCURL ": not found");
    return;
  }
  LOOK(easy_init, "curl_easy_init");
  LOOK(easy_setopt, "curl_easy_setopt");
  LOOK(easy_perform, "curl_easy_perform");
  LOOK(easy_getinfo, "curl_easy_getinfo");
  LOOK(easy_strerror, "curl_easy_strerror");
  LOOK(easy_cleanup, "curl_easy_cleanup");
  LOOK(slist_append, "curl_slist_append");
  LOOK(slist_free_all, "curl_slist_free_all");
  loaded = true;
}

const blz__curl_api *blz__curl(blz_error *err) {
  pthread_once(&once, load);
  if (loaded) return &api;
  blz_fail(err, BLZ_ENOTSUP, "S3 needs libcurl, which could not be loaded (install libcurl4): %s", why);
  return NULL;
}
