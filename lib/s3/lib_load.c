/* lib_load.c — dlopen once, look the functions up, remember why it failed. */
#include "lib_load.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static void load(blz__lib *l) {
  void *h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char *e = dlerror();
    snprintf(l->why, sizeof l->why, "%s", e ? e : "not found");
    return;
  }
  for (int i = 0; i < l->nsyms; i++) {
    void *f = dlsym(h, l->syms[i].name);
    if (!f) {
      snprintf(l->why, sizeof l->why, "%s has no %s", l->soname, l->syms[i].name);
      return;
    }
    /* dlsym's void * to a function pointer: POSIX guarantees the conversion, ISO C does not */
    memcpy(l->syms[i].slot, &f, sizeof f);
  }
  l->loaded = true;
}

bool blz__lib_load(blz__lib *l, const char *what, const char *package, blz_error *err) {
  pthread_mutex_lock(&l->mu);
  if (!l->tried) load(l);
  l->tried = true;
  bool ok = l->loaded;
  pthread_mutex_unlock(&l->mu);
  if (!ok) blz_fail(err, BLZ_ENOTSUP, "%s needs %s, which could not be loaded (install %s): %s", what, l->soname, package, l->why);
  return ok;
}
