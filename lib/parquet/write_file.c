/* write_file.c — the whole-file convenience: an ArrowArrayStream written to a local Parquet file. */
#include "../storage/file_sink.h"
#include "writer_internal.h"

blz_status blz_write_stream_to_file(struct ArrowArrayStream *stream, const char *path,
                                    const blz_writer_options *opts, int64_t *rows_out,
                                    blz_error *err) {
  return blz_write_stream_to_file_ex(stream, path, opts, NULL, NULL, rows_out, err);
}

/* The stream's next batch into *out (out->release NULL at its end). */
static blz_status read_batch(struct ArrowArrayStream *stream, struct ArrowArray *out, blz_error *err) {
  memset(out, 0, sizeof *out);
  if (stream->get_next(stream, out) == 0) return BLZ_OK;
  const char *m = stream->get_last_error(stream);
  return blz_fail(err, BLZ_EFORMAT, "%s", m ? m : "cannot read the next batch");
}

blz_status blz_write_stream_to_file_ex(struct ArrowArrayStream *stream, const char *path,
                                       const blz_writer_options *opts, void (*input_done)(void *ctx),
                                       void *ctx, int64_t *rows_out, blz_error *err) {
  struct ArrowSchema schema;
  memset(&schema, 0, sizeof schema);
  if (stream->get_schema(stream, &schema) != 0) {
    const char *m = stream->get_last_error(stream);
    return blz_fail(err, BLZ_EFORMAT, "%s", m ? m : "cannot read the input schema");
  }
  blz_file_sink fs;
  blz_status st = blz_file_sink_open(&fs, path, err);
  if (st) {
    schema.release(&schema);
    return st;
  }
  blz_output sink = {&fs, blz_file_sink_write};
  blz_writer *w = NULL;
  st = blz_writer_create(&schema, opts, &sink, &w, err);
  schema.release(&schema);
  /* one batch read ahead: the last one is known as such before it is written, so its row group is
   * written while it is encoded (blz__writer_write_last) */
  struct ArrowArray batch, next;
  memset(&batch, 0, sizeof batch);
  memset(&next, 0, sizeof next);
  if (!st) st = read_batch(stream, &batch, err);
  for (int64_t index = 0; !st && batch.release; index++) {
    st = read_batch(stream, &next, err);
    if (!st) {
      st = next.release ? blz_writer_write(w, &batch, err) : blz__writer_write_last(w, &batch, err);
      if (st) blz_error_prefix(err, "batch %lld", (long long)index);
    }
    batch.release(&batch);
    batch = next;
    memset(&next, 0, sizeof next);
  }
  if (batch.release) batch.release(&batch);
  /* the input's teardown (input_done) overlaps the output thread's write of the last row group */
  if (!st && input_done) {
    st = blz__writer_hand_off(w, err);
    if (!st) input_done(ctx);
  }
  if (!st) st = blz_writer_close(w, err);
  if (!st && rows_out) *rows_out = blz_writer_num_rows(w);
  blz_writer_destroy(w);
  if (!st) st = blz_file_sink_commit(&fs, err);
  blz_file_sink_discard(&fs);
  return st;
}
