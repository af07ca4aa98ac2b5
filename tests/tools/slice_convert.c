/* slice_convert.c — test tool: converts an IPC stream like `blizzard convert`, but hands the writer
 * every batch as two slices (offset/length views of the same arrays), to prove offsets are honoured;
 * with --select, as a selection of rows (even rows, then odd ones), as partitioning does. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blizzard.h"

static void no_release(struct ArrowArray *a) { a->release = NULL; }

static blz_status fwrite_sink(void *ctx, const void *d, size_t n, blz_error *err) {
  if (fwrite(d, 1, n, ctx) != n) {
    snprintf(err->message, sizeof err->message, "short write");
    return BLZ_EIO;
  }
  return BLZ_OK;
}

int main(int argc, char **argv) {
  int select = argc == 4 && !strcmp(argv[1], "--select");
  if (argc != 3 && !select) {
    fprintf(stderr, "usage: slice_convert [--select] IN.arrows OUT.parquet\n");
    return 2;
  }
  argv += select;
  int fd = open(argv[1], O_RDONLY);
  FILE *out = fopen(argv[2], "wb");
  if (fd < 0 || !out) return 1;
  blz_error e = {0};
  struct ArrowArrayStream s;
  if (blz_ipc_stream_from_fd(fd, &s, &e)) {
    fprintf(stderr, "%s\n", e.message);
    return 1;
  }
  struct ArrowSchema sc;
  s.get_schema(&s, &sc);
  blz_output sink = {out, fwrite_sink};
  blz_writer *w = NULL;
  blz_status st = blz_writer_create(&sc, NULL, &sink, &w, &e);
  sc.release(&sc);
  while (!st) {
    struct ArrowArray b;
    if (s.get_next(&s, &b)) {
      fprintf(stderr, "%s\n", s.get_last_error(&s));
      return 1;
    }
    if (!b.release) break;
    if (select) {
      /* a view without the first row, so selections also meet a parent offset; its rows go
       * even ones first, then odd ones; the skipped first row follows on its own */
      struct ArrowArray v = b;
      v.release = no_release;
      v.offset = b.offset + (b.length > 0);
      v.length = b.length - (b.length > 0);
      int64_t *rows = malloc((size_t)(v.length + 1) * sizeof *rows), n = 0;
      for (int64_t r = 0; r < v.length; r += 2) rows[n++] = r;
      for (int64_t r = 1; r < v.length; r += 2) rows[n++] = r;
      st = blz_writer_write_rows(w, &v, rows, n, &e);
      if (!st && b.length > 0) {
        int64_t zero = 0;
        st = blz_writer_write_rows(w, &b, &zero, 1, &e);
      }
      free(rows);
      b.release(&b);
      continue;
    }
    int64_t k = b.length / 3;
    struct ArrowArray v = b;
    v.release = no_release;
    v.length = k;
    st = blz_writer_write(w, &v, &e);
    v = b;
    v.release = no_release;
    v.offset = b.offset + k;
    v.length = b.length - k;
    if (!st) st = blz_writer_write(w, &v, &e);
    b.release(&b);
  }
  if (!st) st = blz_writer_close(w, &e);
  blz_writer_destroy(w);
  s.release(&s);
  fclose(out);
  close(fd);
  if (st) fprintf(stderr, "slice_convert: %s\n", e.message);
  return st ? 1 : 0;
}
