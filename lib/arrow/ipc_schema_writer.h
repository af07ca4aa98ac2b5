/* ipc_schema_writer.h — serialises an ArrowSchema as an IPC Schema message (for Parquet's ARROW:schema key). */
#ifndef BLZ_IPC_SCHEMA_WRITER_H
#define BLZ_IPC_SCHEMA_WRITER_H

#include "../common/blz_common.h"

/* Appends the encapsulated IPC message (continuation marker, length, FlatBuffer padded to 8) that
 * describes `schema` (a struct of flat fields). Returns BLZ_ENOTSUP for types it cannot describe. */
blz_status blz_ipc_write_schema_message(const struct ArrowSchema *schema, blz_buf *out, blz_error *err);

/* Appends the standard base64 (with padding) of in[0..n) and a NUL. */
bool blz_base64(const uint8_t *in, size_t n, blz_buf *out);

#endif
