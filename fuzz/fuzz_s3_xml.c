/* fuzz_s3_xml.c — libFuzzer target: any bytes as an S3 response document. */
#include <stddef.h>
#include <stdint.h>

#include "../lib/s3/s3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *tags[] = {"UploadId", "Code", "Message", "ETag", "Error"};
  char out[256];
  for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
    (void)blz_xml_value((const char *)data, size, tags[i], out, sizeof out);
  return 0;
}
