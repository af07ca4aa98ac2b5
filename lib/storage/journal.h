/* journal.h — what makes landing a file exactly-once across crashes (private to storage): a record
 * written before a file is published and removed once its sidecar and landed-log line are stored,
 * the landed log, and the lock that keeps one writer per state folder. */
#ifndef BLZ_JOURNAL_H
#define BLZ_JOURNAL_H

#include <pthread.h>

#include "../common/blz_common.h"

typedef struct blz_journal {
  char *dir;        /* the state folder: <table>/_blizzard, or <spill>/_blizzard for S3 */
  int lock_fd;      /* flock'ed for the journal's lifetime */
  int log_fd;       /* landed.log, opened for appending */
  pthread_mutex_t mu; /* serialises appends (uploads finish on several threads) and the spares */
  /* removed records kept as files to write the next records into (journal/.spare-N): see journal.c */
  char **spares;
  int nspares;
  unsigned spare_seq;
} blz_journal;

/* One landing in progress: the object, its sidecar and the landed-log line. */
typedef struct blz_journal_entry {
  char *name;                /* the record's file name in journal/ */
  char *object, *sidecar;    /* relative paths in the table */
  char *note;                /* the landed-log line, "" for none */
  uint8_t *sidecar_bytes;
  size_t sidecar_len;
} blz_journal_entry;

/* Creates the state folder if needed and takes its lock; fails naming the folder when another
 * process holds it. */
blz_status blz_journal_open(blz_journal *j, const char *state_dir, blz_error *err);
/* Removes the spare record files, releases the lock and frees. Safe on a zeroed journal. */
void blz_journal_close(blz_journal *j);

/* Writes the record `name` durably (a spare or temporary file, fsync, rename, fsync of the folder). */
blz_status blz_journal_add(blz_journal *j, const blz_journal_entry *e, blz_error *err);
/* Removes the record `name` durably: renamed to a spare (or unlinked), then the folder fsync'd. */
void blz_journal_remove(blz_journal *j, const char *name);
/* Appends one line to the landed log and waits until it is on disk. Thread-safe. */
blz_status blz_journal_landed(blz_journal *j, const char *note, blz_error *err);
/* Reads every record; a record that cannot be parsed is reported, not skipped. Free with
 * blz_journal_entries_free. */
blz_status blz_journal_list(blz_journal *j, blz_journal_entry **out, int *n, blz_error *err);
void blz_journal_entries_free(blz_journal_entry *e, int n);
/* Parses one record's bytes (named `name` in messages) into *e, whose strings it allocates (also on
 * failure: free with blz_journal_entries_free(e, 1) after copying it to the heap, or free the fields). */
blz_status blz_journal_parse(const char *name, const uint8_t *data, size_t len, blz_journal_entry *e,
                             blz_error *err);
/* Calls fn for each complete line of the landed log (a line cut by a crash is skipped: the
 * record it belonged to is still in the journal and writes it again). */
blz_status blz_journal_read_landed(blz_journal *j, void (*fn)(void *ctx, const char *line), void *ctx,
                                   blz_error *err);

#endif
