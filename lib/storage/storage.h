/* storage.h — where finished files land: one small interface over local disk and S3. */
#ifndef BLZ_STORAGE_H
#define BLZ_STORAGE_H

#include "../common/blz_common.h"
#include "../s3/s3.h"

typedef struct blz_storage blz_storage;
typedef struct blz_object blz_object;

/* What storage takes from the configuration (strings borrowed for the open call only). */
typedef struct blz_storage_options {
  const char *path;              /* a local folder, a file:// URL or an s3:// URL */
  const char *spill_path;        /* S3: where files wait for upload; NULL: ./blizzard-spill */
  blz_s3_config s3;              /* S3: url (= path), storage options, retries */
  int64_t part_bytes, min_multipart_bytes;
  int max_parts, max_uploads;    /* parts in flight per file, files uploading at once */
} blz_storage_options;

/* The storage options a sink configuration describes (pointers into *cfg). */
void blz_storage_options_of(const blz_sink_config *cfg, blz_storage_options *o);

/* Opens the storage named by o->path and takes its state folder's lock (<path>/_blizzard, or
 * <spill>/_blizzard for S3): one writer per table. */
blz_status blz_storage_open(const blz_storage_options *o, blz_storage **out, blz_error *err);
void blz_storage_on_retry(blz_storage *s, void (*fn)(void *ctx, const char *key, const char *why), void *ctx);
/* Waits for pending uploads (see blz_object_commit_async), then frees. NULL is a no-op. */
void blz_storage_destroy(blz_storage *s);

/* Local storage: creates the folder `relpath` (ending in '/') and its missing parents, durably,
 * before returning. S3: nothing to do. */
blz_status blz_storage_make_folder(blz_storage *s, const char *relpath, blz_error *err);
/* The longest relpath an object may have: what a local path (PATH_MAX with its temporary name's
 * 8 extra bytes; for S3, the spill copy's) and, for S3, an object key (1,024 bytes with the
 * configured prefix) leave after the storage's root. */
size_t blz_storage_relpath_room(const blz_storage *s);
/* Starts an object at `relpath`. Nothing is visible under that name until it is committed. */
blz_status blz_storage_begin(blz_storage *s, const char *relpath, blz_object **out, blz_error *err);
/* The byte sink writing into the object. */
blz_output blz_object_output(blz_object *o);

/* Called once an object is durably stored, or has finally failed to be. `spilled` names the
 * local copy kept after a failed upload (NULL if none). Runs on an uploader thread for S3. */
typedef void (*blz_stored_fn)(void *ctx, blz_status st, const blz_error *err, const char *spilled);

/* What is announced once an object is stored: a sidecar object (the staging metadata) and a line
 * for the landed log (what the sink reads back to know which source rows have landed). */
typedef struct blz_landing {
  const char *sidecar_relpath;
  const void *sidecar;
  size_t sidecar_len;
  const char *note;   /* one line, no newline or tab; NULL: none */
} blz_landing;

/* Stores the object and frees it; `landing` (copied; NULL: nothing to announce) follows it.
 * Exactly-once across crashes: a journal record is written before the object is published and
 * removed after the sidecar and the landed-log line, so blz_storage_recover can finish what a
 * crash interrupted. Local disk: by one of max_concurrent_uploads landing threads (fsync,
 * journal, rename, sidecar), so that files finished together land side by side (at once, on this
 * thread, when max_concurrent_uploads is 1); blz_storage_settle waits for them. S3: the file waits
 * in the spill folder and is queued for upload. Either blocks while max_concurrent_uploads are
 * already queued (back-pressure). `done` is always called exactly once, on a landing or upload
 * thread when the object was queued. */
void blz_object_commit_async(blz_object *o, const blz_landing *landing, blz_stored_fn done, void *ctx);
/* Drops the object: nothing is left behind. NULL is a no-op. */
void blz_object_abort(blz_object *o);
/* Writes a whole small object durably and synchronously (with retries on S3). */
blz_status blz_storage_put(blz_storage *s, const char *relpath, const void *data, size_t len,
                           blz_error *err);
/* Waits until every queued commit has called back. */
void blz_storage_drain(blz_storage *s);
/* Local disk: waits until every committed object has landed and called back, so a caller's
 * files are stored before it returns. S3: returns at once (uploads go on in the background). */
void blz_storage_settle(blz_storage *s);
/* Finishes what a dead writer left: journal records of published objects are announced (local)
 * or uploaded and announced (S3, with the uploads a crash cut off aborted first); records of
 * objects never published are dropped; temporary files are removed; on S3, multipart uploads of
 * blizzard-named keys older than an hour are aborted. Call before writing. */
blz_status blz_storage_recover(blz_storage *s, blz_recovery_report *rep, blz_error *err);
/* Calls fn for each line of the landed log (see blz_landing.note), oldest first. */
blz_status blz_storage_read_landed(blz_storage *s, void (*fn)(void *ctx, const char *line), void *ctx,
                                   blz_error *err);
/* Upload counters (zeros for local disk). */
blz_s3_counters blz_storage_counters(const blz_storage *s, int64_t *active_uploads);

#endif
