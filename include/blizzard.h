/* blizzard.h — the one public header of libblizzard: Arrow record batches in, Parquet files out. */
#ifndef BLIZZARD_H
#define BLIZZARD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BLZ_VERSION_MAJOR 0
#define BLZ_VERSION_MINOR 1
#define BLZ_VERSION_PATCH 0
#define BLZ_VERSION_STRING "0.1.0"

/* ---------------------------------------------------------------------------------------------
 * Arrow C Data Interface (https://arrow.apache.org/docs/format/CDataInterface.html).
 * The definitions are the ABI-stable ones from the Arrow specification, guarded so that a program
 * that already includes Arrow's own header can include this one too.
 * ------------------------------------------------------------------------------------------- */
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE
#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4
struct ArrowSchema {
  const char *format;
  const char *name;
  const char *metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema **children;
  struct ArrowSchema *dictionary;
  void (*release)(struct ArrowSchema *);
  void *private_data;
};
struct ArrowArray {
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void **buffers;
  struct ArrowArray **children;
  struct ArrowArray *dictionary;
  void (*release)(struct ArrowArray *);
  void *private_data;
};
#endif
#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE
struct ArrowArrayStream {
  int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
  int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
  const char *(*get_last_error)(struct ArrowArrayStream *);
  void (*release)(struct ArrowArrayStream *);
  void *private_data;
};
#endif

/* ---------------------------------------------------------------------------------------------
 * Status codes and errors. Every fallible function returns a blz_status and, when it fails and
 * the caller passed a non-NULL blz_error, writes a one-line message into it. The error struct is
 * owned by the caller (usually on its stack); the library never allocates it.
 * ------------------------------------------------------------------------------------------- */
typedef enum blz_status {
  BLZ_OK = 0,
  BLZ_EINVAL = 1,   /* a bad argument or option */
  BLZ_ENOMEM = 2,   /* an allocation failed */
  BLZ_EIO = 3,      /* reading or writing a file failed */
  BLZ_EFORMAT = 4,  /* the input is corrupt or truncated */
  BLZ_ENOTSUP = 5,  /* valid input the library does not handle (yet) */
  BLZ_EEOF = 6      /* end of stream (not an error for stream readers) */
} blz_status;

typedef struct blz_error {
  blz_status code;
  char message[512];
} blz_error;

/* A static string naming the status ("invalid argument", ...). */
const char *blz_status_string(blz_status status);

/* The library's version, "X.Y.Z". Static storage. */
const char *blz_version(void);

/* ---------------------------------------------------------------------------------------------
 * Parquet writer.
 * ------------------------------------------------------------------------------------------- */
typedef enum blz_compression {
  BLZ_COMPRESSION_UNCOMPRESSED = 0,
  BLZ_COMPRESSION_SNAPPY = 1,
  BLZ_COMPRESSION_GZIP = 2,
  BLZ_COMPRESSION_ZSTD = 6,
  BLZ_COMPRESSION_LZ4_RAW = 7 /* what "lz4" means in blizzard: never the legacy Hadoop LZ4 */
} blz_compression;

/* Parses "snappy", "gzip", "zstd", "lz4", "lz4_raw", "uncompressed" or "none" (any case).
 * Returns BLZ_EINVAL for anything else. */
blz_status blz_compression_parse(const char *name, blz_compression *out);
/* "snappy", "gzip", ...; static storage. */
const char *blz_compression_name(blz_compression c);

typedef struct blz_writer_options {
  blz_compression compression;       /* default SNAPPY */
  int compression_level;             /* 0 = the codec's default; gzip 1..9, zstd 1..22 */
  int64_t row_group_size_bytes;      /* flush a row group at this estimated encoded size; 128 MiB */
  int64_t data_page_size;            /* target encoded size of a data page; 1 MiB */
  int64_t data_page_row_limit;       /* at most this many rows per data page; 20000 */
  int64_t dictionary_page_size_limit;/* fall back to PLAIN past this dictionary size; 1 MiB */
  int enable_dictionary;             /* 1 (default): RLE_DICTIONARY where it pays */
  int64_t statistics_truncate_length;/* min/max of binary columns cut to this many bytes; 64 */
} blz_writer_options;

/* Fills *opts with the defaults listed above. */
void blz_writer_options_init(blz_writer_options *opts);

/* Where the writer's bytes go: `write` is called with consecutive pieces of the file and returns
 * BLZ_OK or an error (after filling err). The writer never keeps `data` after the call returns. */
typedef struct blz_sink {
  void *ctx;
  blz_status (*write)(void *ctx, const void *data, size_t len, blz_error *err);
} blz_sink;

typedef struct blz_writer blz_writer;

/* Creates a writer for record batches of `schema` (a struct-typed ArrowSchema, as the C stream
 * interface hands out) that writes to `sink`.
 * Ownership: `schema` is borrowed (the writer copies what it needs; the caller still releases it);
 * `opts` may be NULL for defaults and is copied; `sink` is copied and sink->ctx stays the caller's
 * and must outlive the writer. On success *out owns a writer to free with blz_writer_destroy. */
blz_status blz_writer_create(const struct ArrowSchema *schema, const blz_writer_options *opts,
                             const blz_sink *sink, blz_writer **out, blz_error *err);

/* Encodes one record batch (a struct-typed ArrowArray matching the schema).
 * Ownership: `batch` is borrowed; the writer copies or encodes what it needs before returning,
 * so the caller may release it as soon as this returns. */
blz_status blz_writer_write(blz_writer *w, const struct ArrowArray *batch, blz_error *err);

/* Flushes the open row group (if it holds rows) now. */
blz_status blz_writer_flush_row_group(blz_writer *w, blz_error *err);

/* Flushes the last row group and writes the footer. After this only destroy is allowed. */
blz_status blz_writer_close(blz_writer *w, blz_error *err);

/* Rows written so far (including the open row group), and bytes handed to the sink so far. */
int64_t blz_writer_num_rows(const blz_writer *w);
int64_t blz_writer_bytes_written(const blz_writer *w);
/* Estimated encoded bytes held in the open row group (not yet handed to the sink). */
int64_t blz_writer_buffered_bytes(const blz_writer *w);

/* Frees the writer and everything it owns. NULL is a no-op. Does not close the sink's ctx. */
void blz_writer_destroy(blz_writer *w);

/* Whole-file convenience: reads every batch of `stream` and writes a Parquet file at `path`.
 * The file is written under a temporary name in the same folder and renamed into place only when
 * complete, so on any error nothing is left under `path`.
 * Ownership: `stream` is borrowed (not released); *rows_out (may be NULL) receives the row count. */
blz_status blz_write_stream_to_file(struct ArrowArrayStream *stream, const char *path,
                                    const blz_writer_options *opts, int64_t *rows_out,
                                    blz_error *err);

/* ---------------------------------------------------------------------------------------------
 * Arrow IPC stream reader: exposes an Arrow IPC stream (the "streaming format", also the file
 * format's body) as an ArrowArrayStream.
 * ------------------------------------------------------------------------------------------- */

/* Reads the IPC stream from the open file descriptor `fd` (a file, a pipe or stdin).
 * Ownership: on success *out is a stream the caller owns and must release with out->release;
 * the stream does not close `fd`. Errors found while reading carry the byte offset in the input,
 * reported by get_last_error. */
blz_status blz_ipc_stream_from_fd(int fd, struct ArrowArrayStream *out, blz_error *err);

/* Same over an in-memory buffer. `data` is borrowed and must outlive the stream. */
blz_status blz_ipc_stream_from_buffer(const void *data, size_t len, struct ArrowArrayStream *out,
                                      blz_error *err);

#ifdef __cplusplus
}
#endif
#endif /* BLIZZARD_H */
