/* fuzz_config.c — libFuzzer target: any bytes as the YAML configuration, then its validation. */
#include <stddef.h>
#include <stdint.h>

#include "blizzard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  blz_sink_config c;
  blz_error e;
  if (blz_sink_config_parse((const char *)data, size, &c, &e) == BLZ_OK) {
    blz_sink_config_validate(&c, &e);
    blz_sink_config_free(&c);
  }
  return 0;
}
