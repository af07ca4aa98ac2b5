/* staging.h — `_staging/pending/{uuid}.meta.json`, written only after its Parquet file is stored. */
#ifndef BLZ_STAGING_H
#define BLZ_STAGING_H

#include "../storage/storage.h"

/* Serialises the metadata of `f` as JSON into out. */
bool blz_staging_json(const blz_finished_file *f, blz_buf *out);
/* Writes the metadata object for `f` (whose file is named uuid.parquet) to storage. */
blz_status blz_staging_write(blz_storage *s, const char *uuid, const blz_finished_file *f,
                             blz_error *err);

#endif
