/* dict.h — the per-chunk dictionary: value → index, entries kept PLAIN-encoded for the dictionary page. */
#ifndef BLZ_DICT_H
#define BLZ_DICT_H

#include "column.h"

/* Appends the dictionary index of each of the n dense values to c->page_idx, adding new entries.
 * Returns false on allocation failure. */
bool blz_dict_encode(blz_column *c, const void *dense, size_t n);
void blz_dict_clear(blz_column *c);
void blz_dict_free(blz_column *c);

#endif
