/* fuzz_journal.c — libFuzzer target: any bytes as a landing journal record (read back from disk
 * after a crash, so possibly cut short or damaged). */
#include <stdint.h>
#include <stdlib.h>

#include "../lib/storage/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  blz_journal_entry e;
  blz_error err;
  blz_journal_parse("fuzz.landing", data, size, &e, &err);
  free(e.name), free(e.object), free(e.sidecar), free(e.note), free(e.sidecar_bytes);
  return 0;
}
