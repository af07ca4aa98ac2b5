/* tread.h — a generic Thrift compact decoder for tests: parses a footer into a tree to query. */
#ifndef BLZ_TREAD_H
#define BLZ_TREAD_H

#include <stddef.h>
#include <stdint.h>

typedef struct tnode {
  int id;          /* field id (list elements: index) */
  int type;        /* compact type */
  int64_t i;       /* ints and bools */
  const uint8_t *bin;
  size_t bin_len;
  int n;           /* children (struct fields or list elements) */
  struct tnode *kids;
} tnode;

/* Parses a struct starting at p; returns bytes consumed or 0 on error. */
size_t tread_struct(const uint8_t *p, size_t len, tnode *out);
void tnode_free(tnode *n);
/* Field `id` of a struct node, or NULL. */
const tnode *tget(const tnode *s, int id);
/* Reads the footer of a Parquet file in memory into *out. Returns 0 on success. */
int tread_footer(const uint8_t *file, size_t len, tnode *out);

#endif
