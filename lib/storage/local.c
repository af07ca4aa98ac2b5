/* local.c — the local-disk storage backend: folders created on demand, objects via file_sink. */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "file_sink.h"
#include "storage.h"

struct blz_storage {
  char *root;
};

struct blz_object {
  blz_file_sink fs;
};

blz_status blz_storage_open(const blz_sink_config *cfg, blz_storage **out, blz_error *err) {
  const char *p = cfg->path;
  if (!strncmp(p, "file://", 7)) p += 7;
  else if (strstr(p, "://"))
    return blz_fail(err, BLZ_ENOTSUP, "sink.path '%s': only local paths and file:// URLs are supported in this version", cfg->path);
  if (!*p) return blz_fail(err, BLZ_EINVAL, "sink.path is empty");
  blz_storage *s = calloc(1, sizeof *s);
  if (!s || !(s->root = strdup(p))) {
    free(s);
    return blz_fail(err, BLZ_ENOMEM, "out of memory");
  }
  size_t n = strlen(s->root);
  while (n > 1 && s->root[n - 1] == '/') s->root[--n] = 0;
  *out = s;
  return BLZ_OK;
}

void blz_storage_destroy(blz_storage *s) {
  if (!s) return;
  free(s->root);
  free(s);
}

const char *blz_storage_root(const blz_storage *s) { return s->root; }

/* mkdir -p of the folder holding `path`. */
static blz_status make_parents(const char *path, blz_error *err) {
  char *p = strdup(path);
  if (!p) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  for (char *q = p + 1; *q; q++) {
    if (*q != '/') continue;
    *q = 0;
    if (mkdir(p, 0755) != 0 && errno != EEXIST) {
      blz_status st = blz_fail(err, BLZ_EIO, "cannot create folder %s: %s", p, strerror(errno));
      free(p);
      return st;
    }
    *q = '/';
  }
  free(p);
  return BLZ_OK;
}

static char *join(const blz_storage *s, const char *rel) {
  size_t n = strlen(s->root) + strlen(rel) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", s->root, rel);
  return p;
}

blz_status blz_storage_begin(blz_storage *s, const char *relpath, blz_object **out, blz_error *err) {
  char *full = join(s, relpath);
  blz_object *o = calloc(1, sizeof *o);
  if (!full || !o) {
    free(full);
    free(o);
    return blz_fail(err, BLZ_ENOMEM, "out of memory");
  }
  blz_status st = make_parents(full, err);
  if (!st) st = blz_file_sink_open(&o->fs, full, err);
  free(full);
  if (st) {
    free(o);
    return st;
  }
  *out = o;
  return BLZ_OK;
}

blz_output blz_object_output(blz_object *o) {
  blz_output out = {&o->fs, blz_file_sink_write};
  return out;
}

blz_status blz_object_commit(blz_object *o, blz_error *err) {
  blz_status st = blz_file_sink_commit(&o->fs, err);
  blz_file_sink_discard(&o->fs);
  free(o);
  return st;
}

void blz_object_abort(blz_object *o) {
  if (!o) return;
  blz_file_sink_discard(&o->fs);
  free(o);
}

blz_status blz_storage_put(blz_storage *s, const char *relpath, const void *data, size_t len,
                           blz_error *err) {
  blz_object *o;
  BLZ_TRY(blz_storage_begin(s, relpath, &o, err));
  blz_status st = blz_file_sink_write(&o->fs, data, len, err);
  if (st) {
    blz_object_abort(o);
    return st;
  }
  return blz_object_commit(o, err);
}
