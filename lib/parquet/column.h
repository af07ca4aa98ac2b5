/* column.h — internal state of one Parquet leaf column while its row group is being written. */
#ifndef BLZ_COLUMN_H
#define BLZ_COLUMN_H

#include "../codecs/codec.h"
#include "bloom.h"
#include "dict.h"
#include "encode.h"
#include "schema_map.h"

/* Running min/max and null count. Numeric sorts keep min/max in `lo`/`hi`; byte sorts
 * (SORT_BYTES, SORT_DECIMAL_BE) keep owned copies in `blo`/`bhi`. */
typedef struct blz_stats {
  bool has;
  int64_t null_count;
  union { int64_t i; uint64_t u; double d; } lo, hi;
  blz_buf blo, bhi;
} blz_stats;

/* Min/max ready for the footer: encoded bytes plus their exactness after truncation. */
typedef struct blz_stats_out {
  bool has;
  int64_t null_count;
  uint8_t min[80], max[80];
  size_t min_len, max_len;
  bool min_exact, max_exact;
  bool legacy; /* also write the deprecated min/max fields (signed orders, as Arrow C++ does) */
} blz_stats_out;

/* One data page, for the page index (ColumnIndex / OffsetIndex). */
typedef struct blz_page_rec {
  int64_t offset;          /* chunk-relative until the chunk is written, then absolute */
  int32_t size;            /* header + compressed body */
  int64_t first_row;       /* within the row group */
  bool null_page;
  blz_stats_out stats;
} blz_page_rec;

/* What the footer needs of one finished column chunk. */
typedef struct blz_chunk_meta {
  int64_t start, data_page_offset, dict_page_offset; /* dict_page_offset < 0: none */
  int64_t total_uncompressed, total_compressed, num_values;
  int32_t dict_pages;
  int32_t data_pages[ENC_COUNT]; /* data pages by value encoding */
  int32_t data_page_type;  /* PAGE_DATA or PAGE_DATA_V2 */
  blz_stats_out stats;
  blz_page_rec *pages;     /* owned; freed once the page index is written */
  int npages;
  int64_t column_index_offset, offset_index_offset; /* < 0: not written */
  int64_t bloom_offset;    /* < 0: no bloom filter */
  int32_t bloom_length;
  int32_t column_index_length, offset_index_length;
} blz_chunk_meta;

/* Encoded pages in segments of a few MiB, so a growing chunk is never copied by realloc and its
 * memory is reused by the next row group. */
typedef struct blz_segs {
  blz_buf *seg;
  int n, cap; /* segments in use, allocated */
  size_t total;
} blz_segs;
/* Frees every segment and empties *s. */
void blz_segs_free(blz_segs *s);

/* How a nested leaf is reached from its top-level column: one node per Arrow array on the way. */
enum { NODE_STRUCT, NODE_LIST32, NODE_LIST64, NODE_FSL, NODE_VIEW32, NODE_VIEW64 }; /* VIEW: list views */
#define BLZ_MAX_NEST 32
typedef struct blz_path_node {
  int kind;
  bool nullable;  /* an OPTIONAL Parquet group: one definition level */
  int child;      /* NODE_STRUCT: which child array */
  int64_t size;   /* NODE_FSL: list size */
  int rep;        /* lists: their repetition level */
} blz_path_node;

typedef struct blz_leaf_path {
  int depth;                 /* nodes above the leaf */
  blz_path_node nodes[BLZ_MAX_NEST];
  char **names;              /* path_in_schema */
  int nnames;
} blz_leaf_path;

/* A slice gathered (and its values checked) ahead of encoding, while a chunk's other columns
 * are checked: encoded from here without a second gather. */
typedef struct blz_held_slice {
  blz_buf def, rep, dense, src;
  const uint8_t *vals;
  int64_t entries;
  size_t nvals;
} blz_held_slice;

typedef struct blz_column {
  blz_coltype t;
  char *name;
  bool nullable;             /* the leaf itself is OPTIONAL */
  int top;                   /* index of its top-level field */
  blz_leaf_path *path;       /* NULL for a flat top-level column */
  int max_def, max_rep;
  int width;                 /* bytes per dense value (sizeof(blz_bytes_ref) for BYTE_ARRAY) */
  const blz_writer_options *opts;

  /* one gathered slice: levels per entry (a row, or for nested leaves a value slot), the
   * non-null values densely; `vals`, when set, holds those values in place of `dense`: the
   * caller's Arrow buffer, already in PLAIN form (valid during the write call only) */
  blz_buf def, rep, dense;
  const uint8_t *vals;
  blz_buf src;               /* dictionary-encoded Arrow columns: each dense value's Arrow index */
  bool src_utf8_ok;          /* the slice just gathered: its Arrow dictionary's entries are all valid
                              * UTF-8 (checked whole by the gather; blz_column_check_utf8 trusts it) */
  blz_held_slice *held;      /* columns whose values can be refused: the chunk's slices (writer.c) */
  int nheld;

  /* the open data page */
  blz_buf page_def, page_rep, page_idx, page_plain;
  /* the open page's definition levels are page_def followed by def_pending copies of max_def:
   * pieces without nulls add to the count, so a page without nulls never stores its levels */
  int64_t def_pending;
  int64_t page_rows, page_entries, page_values;
  blz_stats page_stats;

  /* the open column chunk, and the file so far (for the Delta statistics of the staging file) */
  blz_stats chunk_stats, file_stats;
  blz_segs chunk;            /* data pages, headers included, ready to write */
  int64_t chunk_uncompressed, chunk_rows, chunk_entries;
  int32_t data_pages[ENC_COUNT];

  /* encoding choices: the dictionary is off, decided per chunk, or kept; pages without it use
   * value_enc */
  enum { DICT_OFF, DICT_AUTO, DICT_KEEP } dict_mode;
  int value_enc;
  bool value_enc_measured;   /* compact profile: PLAIN or value_enc, measured per chunk */
  int chosen_enc;            /* that choice for the open chunk; -1: not made yet */
  bool dict_on;              /* new values go to the dictionary */
  bool dict_decided;         /* this chunk's dictionary has been judged worth keeping */
  bool dict_unsure;          /* its first page's verdict is still predicted (dictionary_predicted_to_lose) */
  blz_dict dict;
  blz_dict_map remap;        /* Arrow dictionary index -> dict entry (see blz_dict_map) */
  bool bloom_on;             /* hashes of the chunk's values go to a bloom filter */
  blz_bloom bloom;

  blz_page_rec *pages;       /* the open chunk's data pages */
  int npages, cap_pages;
} blz_column;

/* An open page's buffers, as blz_scratch.lent holds them: page_def, page_rep, page_idx, page_plain. */
enum { BLZ_PAGE_DEF, BLZ_PAGE_REP, BLZ_PAGE_IDX, BLZ_PAGE_PLAIN, BLZ_PAGE_BUFS };

/* What encoding a column needs only while it runs: the page assembled, its compressed form, a
 * spare, the compressor (zstd and gzip contexts hold up to a few MiB of tables), the gathered slice.
 * Shared by every column one thread encodes, so memory (and the page faults of touching it) does
 * not grow with the column count. */
typedef struct blz_scratch {
  blz_buf page, packed, spare;
  blz_codec *codec; /* created at first use by blz_scratch_compress */
  blz_held_slice gathered; /* the gathered slice of the column the thread is encoding */
  /* the open-page buffers (page_def, page_rep, page_idx, page_plain) of a column whose page the
   * thread finished, lent to the next column it feeds: a table of many one-page chunks touches
   * one set of them per thread instead of one per column (see blz_column_feed) */
  blz_buf lent[BLZ_PAGE_BUFS];
} blz_scratch;
/* Frees the buffers and the compressor. */
void blz_scratch_free(blz_scratch *sx);
/* Bytes its buffers hold (the compressor's tables aside). */
int64_t blz_scratch_memory(const blz_scratch *sx);
/* Appends in[0..n) compressed with the options' codec to out, creating the compressor first if
 * need be. */
blz_status blz_scratch_compress(blz_scratch *sx, const blz_writer_options *opts, const uint8_t *in,
                                size_t n, blz_buf *out, blz_error *err);

/* A flat top-level column from `field`, or (path != NULL, ownership moves in) a nested leaf whose
 * Arrow field is `field`, with its levels. */
blz_status blz_column_init(blz_column *c, const struct ArrowSchema *field, int top,
                           blz_leaf_path *path, int max_def, int max_rep, bool leaf_nullable,
                           const blz_writer_options *opts, blz_error *err);
void blz_column_free(blz_column *c);
/* Sets the column's value encoding (BLZ_ENCODING_AUTO: the profile's); BLZ_EINVAL when its type
 * cannot take it. Before the first value only. */
blz_status blz_column_set_encoding(blz_column *c, blz_encoding enc, blz_error *err);

/* Gathers rows [row, row+n) of Arrow array `a` (row counted from a->offset) into c->def/dense.
 * Returns the number of non-null values in *nvals. */
blz_status blz_column_gather(blz_column *c, const struct ArrowArray *a, int64_t row, int64_t n,
                             size_t *nvals, blz_error *err);

/* Same for the rows base+rows[0..n) in that order (a selection, as partitioning produces). */
blz_status blz_column_gather_rows(blz_column *c, const struct ArrowArray *a, int64_t base,
                                  const int64_t *rows, int64_t n, size_t *nvals, blz_error *err);

/* Nested leaves: gathers rows [row, row+n) (rows == NULL) or base+rows[0..n) of the top-level
 * array `a` into levels and values; *entries receives the number of level entries. */
blz_status blz_column_gather_nested(blz_column *c, const struct ArrowArray *a, int64_t base,
                                    const int64_t *rows, int64_t n, int64_t *entries,
                                    size_t *nvals, blz_error *err);

/* The gathered slice's dense values (see blz_column.vals). */
static inline const uint8_t *blz_column_values(const blz_column *c) { return c->vals ? c->vals : c->dense.data; }

/* After a gather of `nvals` values: a string column's values must be valid UTF-8 (unless the
 * options turn the check off). The error names the row: rows[r] of a selection, else first + r. */
blz_status blz_column_check_utf8(blz_column *c, size_t nvals, const int64_t *rows, int64_t first,
                                 blz_error *err);

/* Whether phase one checks the column's values where they lie (blz_column_check_in_place)
 * instead of gathering them: flat string and binary columns with 32-bit offsets. */
bool blz_column_checks_in_place(const blz_column *c);
/* The checks blz_column_gather and blz_column_check_utf8 make of rows [row, row+n) of `a` (row
 * counted from a->offset), without gathering: offsets non-negative and non-decreasing, strings
 * valid UTF-8 (named first + i in messages, as blz_column_check_utf8 names them). Only for
 * columns blz_column_checks_in_place accepts. */
blz_status blz_column_check_in_place(const blz_column *c, const struct ArrowArray *a, int64_t row, int64_t n,
                                     int64_t first, blz_error *err);

/* Feeds `entries` gathered level entries (rows, for flat columns) into pages, cutting pages by
 * size and row count, only where a row starts. */
blz_status blz_column_feed(blz_column *c, blz_scratch *sx, int64_t entries, size_t nvals,
                           blz_error *err);

/* Estimated encoded bytes of the open chunk (written pages + open page + dictionary). */
int64_t blz_column_estimated_size(const blz_column *c);

/* Closes the open page; then produces the chunk's dictionary page (into *dict_page, may be empty)
 * and bloom filter (into *bloom, empty unless bloom_on) and leaves its data pages in c->chunk
 * (segments in order). Fills *m except the offsets. */
blz_status blz_column_finish_chunk(blz_column *c, blz_scratch *sx, blz_buf *dict_page,
                                   blz_buf *bloom, blz_chunk_meta *m, blz_error *err);
/* Forgets the chunk (after it was written) so the next row group starts clean. */
void blz_column_reset_chunk(blz_column *c);
/* Frees the held slices (see blz_held_slice). */
void blz_column_free_held(blz_column *c);
/* Bytes of memory the column holds: its open chunk and page and the buffers kept for reuse. */
int64_t blz_column_memory(const blz_column *c);
/* Frees the buffers kept for reuse when the column holds no rows (after a row group flush). */
void blz_column_trim(blz_column *c);

/* stats.c */
void blz_stats_reset(blz_stats *s);
void blz_stats_free(blz_stats *s);
/* Folds `nvals` dense values into s. */
bool blz_stats_update(blz_stats *s, const blz_coltype *t, const void *dense, size_t nvals);
bool blz_stats_merge(blz_stats *dst, const blz_stats *src, const blz_coltype *t);
/* Encodes min/max as Parquet statistics bytes, truncating byte arrays to `trunc` bytes. */
void blz_stats_output(const blz_stats *s, const blz_coltype *t, int64_t trunc, blz_stats_out *o);

#endif
