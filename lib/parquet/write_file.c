/* write_file.c — the whole-file convenience: an ArrowArrayStream written to a local Parquet file. */
#include "../storage/file_sink.h"
#include "writer_internal.h"

blz_status blz_write_stream_to_file(struct ArrowArrayStream *stream, const char *path,
                                    const blz_writer_options *opts, int64_t *rows_out,
                                    blz_error *err) {
  return blz_write_stream_to_file_ex(stream, path, opts, NULL, NULL, rows_out, err);
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
  for (int64_t index = 0; !st; index++) {
    struct ArrowArray batch;
    memset(&batch, 0, sizeof batch);
    if (stream->get_next(stream, &batch) != 0) {
      const char *m = stream->get_last_error(stream);
      st = blz_fail(err, BLZ_EFORMAT, "%s", m ? m : "cannot read the next batch");
      break;
    }
    if (!batch.release) break; /* end of stream */
    st = blz_writer_write(w, &batch, err);
    if (st) blz_error_prefix(err, "batch %lld", (long long)index);
    batch.release(&batch);
  }
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
