/* curl_load.c — loads libcurl on first use: see curl_load.h for why it is not linked. */
#include "curl_load.h"

#include "lib_load.h"

static blz__curl_api api;
static const blz__lib_sym syms[] = {
    {"curl_easy_init", &api.easy_init},       {"curl_easy_setopt", &api.easy_setopt},
    {"curl_easy_perform", &api.easy_perform}, {"curl_easy_getinfo", &api.easy_getinfo},
    {"curl_easy_strerror", &api.easy_strerror}, {"curl_easy_cleanup", &api.easy_cleanup},
    {"curl_slist_append", &api.slist_append}, {"curl_slist_free_all", &api.slist_free_all},
};
/* never closed: curl keeps process-wide state (its global init) for the process's life */
static blz__lib lib = {"libcurl.so.4", syms, (int)(sizeof syms / sizeof *syms), PTHREAD_MUTEX_INITIALIZER, false, false, ""};

const blz__curl_api *blz__curl(blz_error *err) {
  return blz__lib_load(&lib, "S3", "libcurl4", err) ? &api : NULL;
}
