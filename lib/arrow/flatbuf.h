/* flatbuf.h — bounds-checked reading of FlatBuffers tables (Arrow IPC's Message/Schema metadata). */
#ifndef BLZ_FLATBUF_H
#define BLZ_FLATBUF_H

#include "../common/blz_common.h"

/* A table inside a buffer. Every accessor checks bounds and returns the default (or false) when
 * the field is absent; `fb_ok` turns false on any out-of-bounds reference. */
typedef struct fb_table {
  const uint8_t *buf;
  size_t len;
  size_t pos;      /* table start */
  size_t vt;       /* vtable start */
  uint16_t vtlen, tlen;
} fb_table;

bool fb_root(const uint8_t *buf, size_t len, fb_table *t);
/* Field `id` (0-based) as a scalar; `def` when absent. */
int64_t fb_int(const fb_table *t, int id, int size, int64_t def, bool *ok);
/* Sub-table field. Returns false when absent or malformed (*ok says which). */
bool fb_table_field(const fb_table *t, int id, fb_table *out, bool *ok);
/* String field: pointer and length (not NUL-terminated in general). */
bool fb_string(const fb_table *t, int id, const char **s, uint32_t *n, bool *ok);
/* Vector field: position of the first element and count; `elem` is the element size used for the
 * bounds check. */
bool fb_vector(const fb_table *t, int id, size_t elem, size_t *pos, uint32_t *count, bool *ok);
/* Element i of a vector of tables. */
bool fb_vector_table(const fb_table *t, size_t vpos, uint32_t i, fb_table *out);

#endif
