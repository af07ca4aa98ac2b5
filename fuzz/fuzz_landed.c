/* fuzz_landed.c — libFuzzer target: any bytes as the landed log (read back from disk at the next
 * run of a source, so possibly cut short or damaged), line by line, then merged and asked. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/sink/landed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = 0;
  blz_landed l = {0};
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
    if (!blz_landed_add_line(&l, "s", line)) break;
  blz_landed_merge(&l);
  for (int64_t row = 0; row < 64; row++) (void)blz_landed_before(&l, "p", 1, row);
  blz_landed_clear(&l);
  free(text);
  return 0;
}
