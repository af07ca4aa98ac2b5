/* file_sink.h — a buffered local file written under a temporary name and renamed into place. */
#ifndef BLZ_FILE_SINK_H
#define BLZ_FILE_SINK_H

#include "../common/blz_common.h"

typedef struct blz_file_sink {
  int fd;
  char *final_path, *tmp_path;
  blz_buf buf;
  int64_t written, flushing; /* bytes written to fd; bytes whose writeback has been started */
} blz_file_sink;

/* Creates a hidden temporary file next to `path`. */
blz_status blz_file_sink_open(blz_file_sink *s, const char *path, blz_error *err);
/* The same over an existing hidden file `tmp` next to `path` (truncated), which becomes the sink's
 * temporary file: commit renames it to path, discard before that removes it. The journal writes
 * its records into the files of removed ones this way. */
blz_status blz_file_sink_open_over(blz_file_sink *s, const char *tmp, const char *path, blz_error *err);
/* blz_output-compatible write callback (ctx = blz_file_sink*). */
blz_status blz_file_sink_write(void *ctx, const void *data, size_t len, blz_error *err);
/* Flushes, fsyncs and closes the temporary file: its bytes are durable, not yet visible. */
blz_status blz_file_sink_finish(blz_file_sink *s, blz_error *err);
/* Renames a finished file to its final path and fsyncs the folder. */
blz_status blz_file_sink_publish(blz_file_sink *s, blz_error *err);
/* finish, then publish. */
blz_status blz_file_sink_commit(blz_file_sink *s, blz_error *err);
/* mkdir -p of the folders holding `path` (a path ending in '/' names a folder to create too). The
 * deepest is tried first (in a running sink it exists: one call), the path walked up only past
 * missing folders. *made (may be NULL): how many folders were created, the deepest ones; their
 * names become durable with blz_fsync_made. */
blz_status blz_make_parents(const char *path, int *made, blz_error *err);
/* fsyncs the folders holding the `made` folders blz_make_parents created for `path`, so a file
 * published under a new folder keeps its path after a crash. */
void blz_fsync_made(const char *path, int made);
/* fsyncs the folder holding path (a rename or unlink in it becomes durable). */
void blz_fsync_parent(const char *path);
/* Removes the temporary file (if still there) and frees everything. Safe after commit. */
void blz_file_sink_discard(blz_file_sink *s);

#endif
