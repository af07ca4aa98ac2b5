/* fixture.h — hand-built Arrow C Data Interface structs and an in-memory sink for the tests. */
#ifndef BLZ_FIXTURE_H
#define BLZ_FIXTURE_H

#include "../../lib/common/blz_common.h"

/* A schema node; children are adopted (moved). name/format are copied. */
struct ArrowSchema *fx_schema(const char *format, const char *name, bool nullable, int n,
                              struct ArrowSchema **children);
/* A struct schema of n fields. */
struct ArrowSchema *fx_struct_schema(int n, struct ArrowSchema **fields);

/* An array node owning copies of its buffers: sizes[i] bytes of bufs[i] (NULL stays NULL). */
struct ArrowArray *fx_array(int64_t length, int64_t null_count, int64_t offset, int nbuf,
                            const void **bufs, const size_t *sizes, int nchildren,
                            struct ArrowArray **children);
/* Convenience: validity bitmap from a 0/1 string like "1101" (NULL: all valid). */
size_t fx_bits(const char *mask, uint8_t *out);
/* int32 column of n values with optional mask. */
struct ArrowArray *fx_i32(const int32_t *v, int64_t n, const char *mask);
/* utf8 column from C strings; NULL entries are nulls. */
struct ArrowArray *fx_utf8(const char *const *v, int64_t n);
/* dictionary<int32, utf8> schema of one column, and a column of n indices (optional mask) into
 * the dictionary vals[0..nvals) (NULL entries are null entries). */
struct ArrowSchema *fx_dict_utf8_schema(const char *name);
struct ArrowArray *fx_dict_utf8(const int32_t *idx, int64_t n, const char *mask, const char *const *vals, int64_t nvals);
/* The same with indices of `index_format` ("c" int8, "s" int16, "i" int32). */
struct ArrowSchema *fx_dict_utf8_schema_as(const char *index_format, const char *name);
struct ArrowArray *fx_dict_utf8_as(const char *index_format, const int32_t *idx, int64_t n, const char *mask,
                                   const char *const *vals, int64_t nvals);
/* A record batch (struct array) of n columns of `length` rows, adopting the columns. */
struct ArrowArray *fx_batch(int64_t length, int n, struct ArrowArray **cols);

void fx_free_schema(struct ArrowSchema *s);
void fx_free_array(struct ArrowArray *a);

/* A sink that appends to a growable buffer; fail_after >= 0 makes writes fail after that many
 * bytes. */
typedef struct fx_mem {
  blz_buf buf;
  int64_t fail_after;
} fx_mem;
blz_status fx_mem_write(void *ctx, const void *data, size_t len, blz_error *err);
/* A writer for schema s (options o, or NULL for defaults) writing into *m, which it resets; the
 * test fails if it cannot be created. */
blz_writer *fx_open_mem(struct ArrowSchema *s, const blz_writer_options *o, fx_mem *m);

#endif
