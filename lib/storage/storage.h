/* storage.h — where finished files land: one small interface, a local-disk backend for now. */
#ifndef BLZ_STORAGE_H
#define BLZ_STORAGE_H

#include "../common/blz_common.h"

typedef struct blz_storage blz_storage;
typedef struct blz_object blz_object;

/* Opens the storage named by cfg->path: a local folder or a file:// URL. */
blz_status blz_storage_open(const blz_sink_config *cfg, blz_storage **out, blz_error *err);
void blz_storage_destroy(blz_storage *s);
/* The root as given, for messages. */
const char *blz_storage_root(const blz_storage *s);

/* Starts an object at `relpath` (folders are created). Nothing is visible under that name until
 * commit. */
blz_status blz_storage_begin(blz_storage *s, const char *relpath, blz_object **out, blz_error *err);
/* The byte sink writing into the object. */
blz_output blz_object_output(blz_object *o);
/* Makes the object durable under its name and frees it (also on failure). */
blz_status blz_object_commit(blz_object *o, blz_error *err);
/* Drops the object: nothing is left behind. NULL is a no-op. */
void blz_object_abort(blz_object *o);
/* Writes a whole small object durably (temp, fsync, rename). */
blz_status blz_storage_put(blz_storage *s, const char *relpath, const void *data, size_t len,
                           blz_error *err);

#endif
