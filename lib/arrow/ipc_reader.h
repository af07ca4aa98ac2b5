/* ipc_reader.h — internal entry points of the IPC reader beyond the public ones (for the fuzzer). */
#ifndef BLZ_IPC_READER_H
#define BLZ_IPC_READER_H

#include "../common/blz_common.h"

/* As blz_ipc_stream_from_buffer, refusing any single allocation above max_alloc bytes. */
blz_status blz_ipc_stream_from_buffer_limited(const void *data, size_t len, int64_t max_alloc,
                                              struct ArrowArrayStream *out, blz_error *err);

#endif
