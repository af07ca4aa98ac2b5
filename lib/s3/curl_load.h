/* curl_load.h — libcurl, loaded the first time an S3 request needs it (private to lib/s3).
 *
 * Linking libcurl costs every process about 6 ms of start-up (it brings ~30 libraries: TLS,
 * Kerberos, LDAP, ...) that only S3 uses; `blizzard convert` of a small file would spend a few
 * percent of its time loading them. The types and constants still come from <curl/curl.h>. */
#ifndef BLZ_CURL_LOAD_H
#define BLZ_CURL_LOAD_H

#include <curl/curl.h>

#include "../common/blz_common.h"

typedef struct blz__curl_api {
  CURL *(*easy_init)(void);
  CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
  CURLcode (*easy_perform)(CURL *);
  CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
  const char *(*easy_strerror)(CURLcode);
  void (*easy_cleanup)(CURL *);
  struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
  void (*slist_free_all)(struct curl_slist *);
} blz__curl_api;

/*! blz__curl() :
 *  Loads libcurl (libcurl.so.4) once per process; any thread may call it, the first call loads.
 *  @return : the functions, valid until the process exits; NULL with `err` filled when libcurl
 *            cannot be loaded (the message names the library and dlerror's reason). */
const blz__curl_api *blz__curl(blz_error *err);

#endif
