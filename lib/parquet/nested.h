/* nested.h — nested Arrow types (struct, list, large_list, list views, fixed_size_list, map) as Parquet groups and leaves. */
#ifndef BLZ_NESTED_H
#define BLZ_NESTED_H

#include "column.h"

/* One Parquet schema element, in the depth-first order of FileMetaData.schema. */
typedef struct blz_schema_elem {
  char *name;
  int repetition;       /* 0 REQUIRED, 1 OPTIONAL, 2 REPEATED */
  int num_children;     /* > 0: a group */
  int group_annotation; /* 0, or 3 LIST, 1 MAP (converted types) */
  int leaf;             /* index of the leaf column, -1 for groups */
} blz_schema_elem;

typedef struct blz_schema_plan {
  blz_schema_elem *elems;
  int nelems;
  blz_column *leaves;
  int nleaves;
} blz_schema_plan;

/* Maps the struct `schema` to Parquet elements and leaf columns (flat fields become flat columns). */
blz_status blz_schema_plan_build(const struct ArrowSchema *schema, const blz_writer_options *opts,
                                 blz_schema_plan *plan, blz_error *err);
void blz_schema_plan_free(blz_schema_plan *plan);

/* Checks a top-level array against its field before any gathering: buffers and children present. */
blz_status blz_check_nested(const struct ArrowSchema *field, const struct ArrowArray *a, int64_t need,
                            const char *name, blz_error *err);

#endif
