/* lib_load.h — a shared library loaded the first time it is needed (private to lib/s3): libcurl
 * and libcrypto, which only S3 uses, are not linked (see curl_load.h and crypto_load.h). */
#ifndef BLZ_LIB_LOAD_H
#define BLZ_LIB_LOAD_H

#include <pthread.h>

#include "../common/blz_common.h"

/* A function to look up: its name, and where its address goes (a function pointer's address). */
typedef struct blz__lib_sym {
  const char *name;
  void *slot;
} blz__lib_sym;

typedef struct blz__lib {
  const char *soname;
  const blz__lib_sym *syms;
  int nsyms;
  pthread_mutex_t mu; /* PTHREAD_MUTEX_INITIALIZER */
  bool tried, loaded;
  char why[256];
} blz__lib;

/*! blz__lib_load() :
 *  Loads l->soname (RTLD_NOW | RTLD_LOCAL, never closed) and fills every slot, once per process;
 *  any thread may call it, the first call loads.
 *  @return : true when every symbol was found; false with `err` (if not NULL) filled as
 *            "<what> needs <soname>, which could not be loaded (install <package>): <reason>". */
bool blz__lib_load(blz__lib *l, const char *what, const char *package, blz_error *err);

#endif
