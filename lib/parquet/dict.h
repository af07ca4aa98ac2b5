/* dict.h — the per-chunk dictionary: value → index, entries kept PLAIN-encoded for the dictionary page. */
#ifndef BLZ_DICT_H
#define BLZ_DICT_H

#include "column.h"

/* Appends the dictionary index of each of the n dense values to c->page_idx, adding new entries.
 * Returns false on allocation failure. */
bool blz_dict_encode(blz_column *c, const void *dense, size_t n);
void blz_dict_clear(blz_column *c);
/* Folds the entries the open page used into s, and starts a new page's set. */
bool blz_dict_page_stats(blz_column *c, blz_stats *s);
void blz_dict_free(blz_column *c);

#endif
