/* staging.h — `_staging/pending/{uuid}.meta.json`, written only after its Parquet file is stored. */
#ifndef BLZ_STAGING_H
#define BLZ_STAGING_H

#include "../common/blz_common.h"

/* Serialises the metadata of `f` as JSON into out. */
bool blz_staging_json(const blz_finished_file *f, blz_buf *out);
/* The metadata's path in the table for the file named uuid.parquet: _staging/pending/{uuid}.meta.json. */
void blz_staging_relpath(const char *uuid, char *out, size_t n);
/* The folder those files land in (made at the sink's start, so that landings side by side never
 * race to create it). */
#define BLZ_STAGING_FOLDER "_staging/pending/"

#endif
