/* journal.c — landing records, the landed log and the state folder's lock. A record is text:
 *   blizzard-journal 1\n object\t<path>\n sidecar\t<path>\n note\t<line>\n \n <sidecar bytes>
 * Paths and the note never hold a newline or a tab (the sink builds them). */
#include "journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_sink.h"

#define MAGIC "blizzard-journal 1\n"

static char *path_in(const char *dir, const char *sub, const char *name) {
  size_t n = strlen(dir) + strlen(sub) + strlen(name) + 3;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s%s%s%s%s", dir, *sub ? "/" : "", sub, *name ? "/" : "", name);
  return p;
}

/* Spares. A record lives from a file's publishing to its announcement, so a running sink made and
 * freed an inode per landed file. ext4 without a journal (this VM's) passes over every inode freed
 * in the last minute, five when its table block is still dirty, each time it allocates one: the
 * hourly sink's file creations spent up to 3% of its CPU in find_inode_bit and recently_deleted,
 * growing with each run that followed another. A removed record is renamed to journal/.spare-N
 * instead and the next record is written into it (truncated, written, fsync'd, renamed), so
 * records reuse a handful of inodes. Hidden names: blz_journal_list skips them, recovery leaves
 * them, open adopts them and close removes them. */
#define MAX_SPARES 64
#define SPARE_PREFIX ".spare-"

static char *take_spare(blz_journal *j) {
  pthread_mutex_lock(&j->mu);
  char *p = j->nspares ? j->spares[--j->nspares] : NULL;
  pthread_mutex_unlock(&j->mu);
  return p;
}

/* Keeps path as a spare; false (path not kept) when there are enough or no memory. */
static bool keep_spare(blz_journal *j, char *path) {
  pthread_mutex_lock(&j->mu);
  char **g = j->nspares < MAX_SPARES ? realloc(j->spares, (size_t)(j->nspares + 1) * sizeof *g) : NULL;
  if (g) j->spares = g, g[j->nspares++] = path;
  pthread_mutex_unlock(&j->mu);
  return g != NULL;
}

static void adopt_spares(blz_journal *j, const char *jdir) {
  DIR *d = opendir(jdir);
  if (!d) return;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (strncmp(de->d_name, SPARE_PREFIX, strlen(SPARE_PREFIX))) continue;
    unsigned long n = strtoul(de->d_name + strlen(SPARE_PREFIX), NULL, 10);
    if (n >= j->spare_seq) j->spare_seq = (unsigned)n + 1;
    char *path = path_in(jdir, de->d_name, "");
    if (path && !keep_spare(j, path)) free(path);
  }
  closedir(d);
}

/* The record's bytes written durably under path: into the spare file `over` when given, else a new
 * temporary file (fsync, rename, fsync of the folder either way). */
static blz_status write_record(const char *over, const char *path, const blz_buf *b, blz_error *err) {
  blz_file_sink fs;
  BLZ_TRY(over ? blz_file_sink_open_over(&fs, over, path, err) : blz_file_sink_open(&fs, path, err));
  blz_status st = blz_file_sink_write(&fs, b->data, b->len, err);
  if (!st) st = blz_file_sink_commit(&fs, err);
  blz_file_sink_discard(&fs);
  return st;
}

blz_status blz_journal_open(blz_journal *j, const char *state_dir, blz_error *err) {
  memset(j, 0, sizeof *j);
  j->lock_fd = j->log_fd = -1;
  pthread_mutex_init(&j->mu, NULL);
  j->dir = strdup(state_dir);
  char *jdir = path_in(state_dir, "journal/", ""), *lock = path_in(state_dir, "lock", "");
  char *log = path_in(state_dir, "landed.log", "");
  blz_status st = j->dir && jdir && lock && log ? BLZ_OK : blz_fail(err, BLZ_ENOMEM, "out of memory");
  int made = 0;
  if (!st) st = blz_make_parents(jdir, &made, err); /* the trailing '/' makes journal/ itself */
  if (!st) blz_fsync_made(jdir, made);
  if (!st && (j->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
    st = blz_fail(err, BLZ_EIO, "cannot open %s: %s", lock, strerror(errno));
  if (!st && flock(j->lock_fd, LOCK_EX | LOCK_NB) != 0)
    st = blz_fail(err, BLZ_EINVAL, "%s is locked: another blizzard is writing this table (%s)", lock,
                  errno == EWOULDBLOCK ? "one writer per table" : strerror(errno));
  if (!st) adopt_spares(j, jdir); /* ours now that the lock is */
  if (!st && (j->log_fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0)
    st = blz_fail(err, BLZ_EIO, "cannot open %s: %s", log, strerror(errno));
  free(jdir), free(lock), free(log);
  if (st) blz_journal_close(j);
  return st;
}

void blz_journal_close(blz_journal *j) {
  for (int i = 0; i < j->nspares; i++) { /* adopted only once the lock was held */
    unlink(j->spares[i]);
    free(j->spares[i]);
  }
  free(j->spares);
  if (j->log_fd >= 0) close(j->log_fd);
  if (j->lock_fd >= 0) close(j->lock_fd); /* releases the flock */
  if (j->dir) pthread_mutex_destroy(&j->mu);
  free(j->dir);
  memset(j, 0, sizeof *j);
  j->lock_fd = j->log_fd = -1;
}

static bool clean(const char *s) { return !strpbrk(s, "\n\t"); }

blz_status blz_journal_add(blz_journal *j, const blz_journal_entry *e, blz_error *err) {
  const char *note = e->note ? e->note : "";
  if (!clean(e->object) || !clean(e->sidecar) || !clean(note) || strchr(e->name, '/'))
    return blz_fail(err, BLZ_EINVAL, "journal record %s: a path with a newline or tab", e->name);
  blz_buf b = {0};
  bool ok = blz_buf_append(&b, MAGIC, strlen(MAGIC)) && blz_buf_append(&b, "object\t", 7) &&
            blz_buf_append(&b, e->object, strlen(e->object)) && blz_buf_append(&b, "\nsidecar\t", 9) &&
            blz_buf_append(&b, e->sidecar, strlen(e->sidecar)) && blz_buf_append(&b, "\nnote\t", 6) &&
            blz_buf_append(&b, note, strlen(note)) && blz_buf_append(&b, "\n\n", 2) &&
            blz_buf_append(&b, e->sidecar_bytes, e->sidecar_len);
  char *path = path_in(j->dir, "journal", e->name);
  blz_status st = ok && path ? BLZ_OK : blz_fail(err, BLZ_ENOMEM, "out of memory");
  char *spare = st ? NULL : take_spare(j);
  /* a spare that cannot take the record is removed (by the discard) and a new file tried */
  if (spare && write_record(spare, path, &b, NULL) == BLZ_OK) {
    free(spare);
    free(path);
    blz_buf_free(&b);
    return BLZ_OK;
  }
  free(spare);
  if (!st) st = write_record(NULL, path, &b, err);
  free(path);
  blz_buf_free(&b);
  return st;
}

void blz_journal_remove(blz_journal *j, const char *name) {
  char *path = path_in(j->dir, "journal", name);
  if (!path) return;
  char sub[32];
  pthread_mutex_lock(&j->mu);
  snprintf(sub, sizeof sub, "journal/" SPARE_PREFIX "%u", j->spare_seq++);
  bool room = j->nspares < MAX_SPARES;
  pthread_mutex_unlock(&j->mu);
  char *spare = room ? path_in(j->dir, sub, "") : NULL;
  if (spare && rename(path, spare) == 0) {
    blz_fsync_parent(path);
    if (!keep_spare(j, spare)) {
      unlink(spare);
      free(spare);
    }
  } else {
    free(spare);
    if (unlink(path) == 0) blz_fsync_parent(path);
  }
  free(path);
}

blz_status blz_journal_landed(blz_journal *j, const char *note, blz_error *err) {
  if (!note || !*note) return BLZ_OK;
  size_t n = strlen(note);
  char *line = malloc(n + 2);
  if (!line) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  memcpy(line, note, n);
  line[n] = '\n';
  pthread_mutex_lock(&j->mu);
  blz_status st = BLZ_OK;
  /* one write of a whole line with O_APPEND: lines of one process never interleave */
  ssize_t w = write(j->log_fd, line, n + 1);
  if (w != (ssize_t)(n + 1)) st = blz_fail(err, BLZ_EIO, "appending to %s/landed.log: %s", j->dir, w < 0 ? strerror(errno) : "short write");
  if (!st && fdatasync(j->log_fd) != 0) st = blz_fail(err, BLZ_EIO, "fsync %s/landed.log: %s", j->dir, strerror(errno));
  pthread_mutex_unlock(&j->mu);
  free(line);
  return st;
}

static bool read_all(const char *path, blz_buf *b) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char chunk[65536];
  ssize_t k;
  bool ok = true;
  while (ok && (k = read(fd, chunk, sizeof chunk)) != 0) {
    if (k < 0) ok = errno == EINTR;
    else ok = blz_buf_append(b, chunk, (size_t)k);
  }
  close(fd);
  return ok;
}

/* Value of the line "key\t..." starting at *p; advances *p past it. */
static char *field(const char **p, const char *end, const char *key) {
  size_t kl = strlen(key);
  if ((size_t)(end - *p) <= kl || memcmp(*p, key, kl) || (*p)[kl] != '\t') return NULL;
  const char *v = *p + kl + 1, *nl = memchr(v, '\n', (size_t)(end - v));
  if (!nl) return NULL;
  *p = nl + 1;
  return strndup(v, (size_t)(nl - v));
}

blz_status blz_journal_parse(const char *name, const uint8_t *data, size_t len, blz_journal_entry *e, blz_error *err) {
  const char *p = (const char *)data, *end = p + len;
  memset(e, 0, sizeof *e);
  e->name = strdup(name);
  if (!data || len < strlen(MAGIC) || memcmp(p, MAGIC, strlen(MAGIC)))
    return blz_fail(err, BLZ_EINVAL, "journal record %s: not a blizzard journal record", name);
  p += strlen(MAGIC);
  e->object = field(&p, end, "object");
  e->sidecar = e->object ? field(&p, end, "sidecar") : NULL;
  e->note = e->sidecar ? field(&p, end, "note") : NULL;
  if (!e->name || !e->note || p >= end || *p != '\n')
    return blz_fail(err, BLZ_EINVAL, "journal record %s: cut short or malformed", name);
  p++;
  e->sidecar_len = (size_t)(end - p);
  e->sidecar_bytes = malloc(e->sidecar_len + 1);
  if (!e->sidecar_bytes) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  memcpy(e->sidecar_bytes, p, e->sidecar_len);
  e->sidecar_bytes[e->sidecar_len] = 0;
  return BLZ_OK;
}

static int by_name(const void *a, const void *b) {
  return strcmp(((const blz_journal_entry *)a)->name, ((const blz_journal_entry *)b)->name);
}

blz_status blz_journal_list(blz_journal *j, blz_journal_entry **out, int *n, blz_error *err) {
  *out = NULL;
  *n = 0;
  char *dir = path_in(j->dir, "journal", "");
  DIR *d = dir ? opendir(dir) : NULL;
  if (!d) {
    blz_status st = blz_fail(err, BLZ_EIO, "cannot read %s: %s", dir ? dir : "journal", strerror(errno));
    free(dir);
    return st;
  }
  blz_status st = BLZ_OK;
  int cap = 0;
  struct dirent *de;
  while (!st && (de = readdir(d))) {
    if (de->d_name[0] == '.') continue; /* ".", "..", and records still being written */
    if (*n == cap) {
      cap = cap ? cap * 2 : 16;
      blz_journal_entry *g = realloc(*out, (size_t)cap * sizeof *g);
      if (!g) {
        st = blz_fail(err, BLZ_ENOMEM, "out of memory");
        break;
      }
      *out = g;
    }
    char *path = path_in(dir, de->d_name, "");
    blz_buf b = {0};
    if (!path || !read_all(path, &b)) st = blz_fail(err, BLZ_EIO, "cannot read %s: %s", path ? path : de->d_name, strerror(errno));
    else st = blz_journal_parse(de->d_name, b.data, b.len, &(*out)[*n], err);
    if (path) (*n)++; /* freed with the rest, parsed or not */
    else memset(&(*out)[*n], 0, sizeof **out);
    blz_buf_free(&b);
    free(path);
  }
  closedir(d);
  free(dir);
  if (st) {
    blz_journal_entries_free(*out, *n);
    *out = NULL;
    *n = 0;
    return st;
  }
  if (*n > 1) qsort(*out, (size_t)*n, sizeof **out, by_name); /* oldest first: names are UUIDv7 */
  return BLZ_OK;
}

void blz_journal_entries_free(blz_journal_entry *e, int n) {
  for (int i = 0; e && i < n; i++) {
    free(e[i].name), free(e[i].object), free(e[i].sidecar), free(e[i].note);
    free(e[i].sidecar_bytes);
  }
  free(e);
}

blz_status blz_journal_read_landed(blz_journal *j, void (*fn)(void *ctx, const char *line), void *ctx,
                                   blz_error *err) {
  char *path = path_in(j->dir, "landed.log", "");
  blz_buf b = {0};
  bool ok = path && read_all(path, &b) && blz_buf_push(&b, 0);
  blz_status st = ok ? BLZ_OK : blz_fail(err, BLZ_EIO, "cannot read %s: %s", path ? path : "landed.log", strerror(errno));
  for (char *p = (char *)b.data; !st && p && *p;) {
    char *nl = strchr(p, '\n');
    if (!nl) break; /* the last line was cut by a crash */
    *nl = 0;
    fn(ctx, p);
    p = nl + 1;
  }
  blz_buf_free(&b);
  free(path);
  return st;
}
