/* fuzz_partition.c — libFuzzer target: any bytes as "TEMPLATE\nVALUE": the template (sink
 * prefix_template, from the YAML file) parsed against a fixed schema (ts timestamp[us, UTC],
 * region utf8, n int64); when it parses, two rows rendered (row 0's region is VALUE when it is
 * valid UTF-8, row 1's is null) and each prefix split back into partition values. With the
 * template "region={region}" the value read back must be VALUE (row 1, or an empty VALUE: null, as
 * Hive writes empty strings): abort() otherwise. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/common/blz_utf8.h"
#include "../lib/sink/partition.h"

static void no_release_schema(struct ArrowSchema *s) { s->release = NULL; }
static void no_release_array(struct ArrowArray *a) { a->release = NULL; }

static struct ArrowSchema field(const char *format, const char *name, int64_t flags) {
  struct ArrowSchema s;
  memset(&s, 0, sizeof s);
  s.format = format, s.name = name, s.flags = flags, s.release = no_release_schema;
  return s;
}

static struct ArrowArray array(int64_t length, int64_t nulls, int64_t nbuf, const void **buffers) {
  struct ArrowArray a;
  memset(&a, 0, sizeof a);
  a.length = length, a.null_count = nulls, a.n_buffers = nbuf, a.buffers = buffers, a.release = no_release_array;
  return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nl = memchr(data, '\n', size);
  size_t tlen = nl ? (size_t)(nl - data) : size;
  const uint8_t *value = nl ? nl + 1 : (const uint8_t *)"";
  size_t vlen = nl ? size - tlen - 1 : 0;
  if (vlen > INT32_MAX || blz_utf8_check(value, vlen) != vlen) value = (const uint8_t *)"x", vlen = 1;
  char *tpl = malloc(tlen + 1);
  if (!tpl) return 0;
  memcpy(tpl, data, tlen);
  tpl[tlen] = 0;

  struct ArrowSchema f[3] = {field("tsu:UTC", "ts", 0), field("u", "region", 2), field("l", "n", 2)};
  struct ArrowSchema *kids[3] = {&f[0], &f[1], &f[2]};
  struct ArrowSchema schema = field("+s", "", 0);
  schema.n_children = 3, schema.children = kids;

  static const int64_t ts[2] = {1704067200000000LL, -1LL}; /* 2024-01-01T00:00:00Z, 1969 */
  static const int64_t n[2] = {42, -7};
  static const uint8_t second_null = 0x01; /* validity: row 0 set, row 1 null */
  int32_t offsets[3] = {0, (int32_t)vlen, (int32_t)vlen};
  const void *b_ts[2] = {NULL, ts}, *b_region[3] = {&second_null, offsets, value}, *b_n[2] = {NULL, n};
  struct ArrowArray c[3] = {array(2, 0, 2, b_ts), array(2, 1, 3, b_region), array(2, 0, 2, b_n)};
  struct ArrowArray *ckids[3] = {&c[0], &c[1], &c[2]};
  const void *b_top[1] = {NULL};
  struct ArrowArray batch = array(2, 0, 1, b_top);
  batch.n_children = 3, batch.children = ckids;

  blz_partitioner *p = NULL;
  blz_error err;
  if (blz_partitioner_create(tpl, "ts", &schema, &p, &err) == BLZ_OK) {
    bool roundtrip = !strcmp(tpl, "region={region}");
    for (int64_t row = 0; row < 2; row++) {
      blz_buf prefix = {0};
      if (blz_partitioner_render(p, &batch, row, &prefix, &err) == BLZ_OK && blz_buf_push(&prefix, 0)) {
        (void)blz_partitioner_run(p, &batch, row, 2);
        int nkv = 0;
        char **keys = NULL, **vals = NULL;
        if (blz_partition_values((const char *)prefix.data, &nkv, &keys, &vals)) {
          if (roundtrip && (nkv != 1 || strcmp(keys[0], "region") ||
                            (row == 0 && vlen > 0 ? !vals[0] || strlen(vals[0]) != vlen || memcmp(vals[0], value, vlen)
                                                  : vals[0] != NULL))) /* empty: null, as Hive writes it */
            abort();
          blz_partition_values_free(nkv, keys, vals);
        } else if (roundtrip) {
          abort();
        }
      }
      blz_buf_free(&prefix);
    }
    blz_partitioner_destroy(p);
  }
  free(tpl);
  return 0;
}
