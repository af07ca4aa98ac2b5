/* fuzz_ipc.c — libFuzzer target: any bytes through the IPC reader and on into the Parquet writer. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "../lib/arrow/ipc_reader.h"

static blz_status discard(void *ctx, const void *d, size_t n, blz_error *err) {
  (void)ctx; (void)d; (void)n; (void)err;
  return BLZ_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct ArrowArrayStream s;
  blz_error e;
  /* a small allocation cap keeps claimed-size bombs from exhausting the fuzzer's memory */
  if (blz_ipc_stream_from_buffer_limited(data, size, 16 << 20, &s, &e)) return 0;
  struct ArrowSchema sc;
  if (s.get_schema(&s, &sc)) {
    s.release(&s);
    return 0;
  }
  blz_output sink = {NULL, discard};
  blz_writer *w = NULL;
  blz_writer_options o;
  blz_writer_options_init(&o);
  o.compression = BLZ_COMPRESSION_UNCOMPRESSED;
  if (blz_writer_create(&sc, &o, &sink, &w, &e)) w = NULL;
  sc.release(&sc);
  for (int i = 0; i < 64; i++) {
    struct ArrowArray a;
    if (s.get_next(&s, &a) || !a.release) break;
    if (w) blz_writer_write(w, &a, &e);
    a.release(&a);
  }
  if (w) blz_writer_close(w, &e);
  blz_writer_destroy(w);
  s.release(&s);
  return 0;
}
