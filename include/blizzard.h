/* blizzard.h — the one public header of libblizzard: Arrow record batches in, Parquet files out. */
#ifndef BLIZZARD_H
#define BLIZZARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* libblizzard is built with hidden symbols: what this header declares is its whole ABI. */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
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

/* Value encodings, numbered as in the Parquet format. Which readers read which is in
 * docs/parquet-writer.md; PLAIN and RLE_DICTIONARY are read by every reader. */
typedef enum blz_encoding {
  BLZ_ENCODING_AUTO = -1,                   /* the profile decides */
  BLZ_ENCODING_PLAIN = 0,                   /* no dictionary */
  BLZ_ENCODING_DELTA_BINARY_PACKED = 5,     /* INT32/INT64 columns */
  BLZ_ENCODING_DELTA_LENGTH_BYTE_ARRAY = 6, /* BYTE_ARRAY columns */
  BLZ_ENCODING_DELTA_BYTE_ARRAY = 7,        /* BYTE_ARRAY columns */
  BLZ_ENCODING_RLE_DICTIONARY = 8,          /* dictionary kept (until the dictionary page limit) */
  BLZ_ENCODING_BYTE_STREAM_SPLIT = 9        /* FLOAT/DOUBLE columns */
} blz_encoding;

/* Parses "plain", "delta_binary_packed", "delta_length_byte_array", "delta_byte_array",
 * "rle_dictionary" (or "dictionary"), "byte_stream_split" or "auto" (any case). */
blz_status blz_encoding_parse(const char *name, blz_encoding *out);
/* "plain", "delta_binary_packed", ...; static storage. */
const char *blz_encoding_name(blz_encoding e);

/* How columns without a choice of their own are encoded. Both decide per column chunk, by the end
 * of its first page, whether the dictionary pays (dictionary + indices smaller than the
 * alternative, values repeating at all) and fall back to the profile's encoding when it does not. */
typedef enum blz_encoding_profile {
  BLZ_PROFILE_COMPATIBLE = 0, /* PLAIN fallback: what every reader reads (the default) */
  BLZ_PROFILE_COMPACT = 1     /* per chunk, whichever of PLAIN and DELTA_BINARY_PACKED (integers),
                                 DELTA_LENGTH_BYTE_ARRAY/DELTA_BYTE_ARRAY (strings) or
                                 BYTE_STREAM_SPLIT (floats) compresses smallest on its first page:
                                 smaller files for readers of those encodings */
} blz_encoding_profile;

/* Parses "compatible" or "compact". */
blz_status blz_encoding_profile_parse(const char *name, blz_encoding_profile *out);

/* One column's encoding: `column` is a top-level column name or a nested leaf's dotted path. */
typedef struct blz_column_encoding {
  const char *column;
  blz_encoding encoding;
} blz_column_encoding;

typedef struct blz_writer_options {
  blz_compression compression;       /* default SNAPPY */
  int compression_level;             /* 0 = the codec's default; gzip 1..12 (5), zstd 1..22 (1) */
  int64_t row_group_size_bytes;      /* flush a row group at this estimated encoded size; 128 MiB */
  int64_t data_page_size;            /* target encoded size of a data page; 1 MiB */
  int64_t data_page_row_limit;       /* at most this many rows per data page; 20000 */
  int64_t dictionary_page_size_limit;/* fall back to PLAIN past this dictionary size; 1 MiB */
  int enable_dictionary;             /* 1 (default): RLE_DICTIONARY where it pays */
  int64_t statistics_truncate_length;/* min/max of binary columns cut to this many bytes; 64 */
  int data_page_version;             /* 1 (default) or 2 (DATA_PAGE_V2: levels uncompressed) */
  int write_page_index;              /* 1 (default): ColumnIndex and OffsetIndex */
  blz_encoding_profile encoding_profile; /* COMPATIBLE (default) */
  /* per-column encodings overriding the profile, or NULL. Read only by blz_writer_create (the
   * writer keeps its own copy); a name matching no column, or an encoding the column's type
   * cannot take, fails the create with BLZ_EINVAL. */
  const blz_column_encoding *column_encodings;
  size_t n_column_encodings;
  /* threads encoding and compressing the columns of a row group: 1 (the default) encodes on the
   * calling thread only; N > 1 adds N - 1 worker threads owned by the writer; 0 means one per
   * online core. The file's bytes do not depend on it. */
  int threads;
  /* 1 (default): utf8, large_utf8 and utf8_view values must be valid UTF-8 — readers such as
   * DuckDB and arrow-rs refuse a file that holds invalid UTF-8 in a STRING column — and a batch
   * holding any is refused naming the column and row; 0 skips the check for trusted input. */
  int validate_utf8;
  /* 1: every page header carries the CRC-32 of the page's bytes after the header (compressed
   * values; for data page v2 also the levels before them), for readers that verify it; 0
   * (default): none */
  int page_checksums;
  /* split-block bloom filters (xxHash64, as the Parquet spec defines them) for these columns
   * (top-level names or dotted leaf paths; read only by blz_writer_create), or for every column
   * but booleans when bloom_filter_all is 1. Each is written right after its column chunk, sized
   * from the chunk's distinct values for a false positive rate of bloom_filter_fpp (0: 0.01). */
  const char *const *bloom_filter_columns;
  size_t n_bloom_filter_columns;
  int bloom_filter_all;
  double bloom_filter_fpp;
  /* Rows of each row group sorted by these top-level, non-nested columns (ascending, stable;
   * borrowed names), recorded as the row group's sorting_columns. The row group's rows are then
   * held, values copied, until it ends: it ends when they take row_group_size_bytes of memory.
   * NULL/0: rows stay in input order. */
  const char *const *sort_by;
  size_t n_sort_by;
  int sort_nulls_first; /* 1: nulls before values; 0 (default): after */
} blz_writer_options;

/* Fills *opts with the defaults listed above. */
void blz_writer_options_init(blz_writer_options *opts);

/* Where the writer's bytes go: `write` is called with consecutive pieces of the file and returns
 * BLZ_OK or an error (after filling err). The writer never keeps `data` after the call returns.
 * Thread: a writer with threads == 1 calls `write` on the thread that called it; a writer with
 * threads > 1 may call it on its output thread (one call at a time, in file order) while the
 * caller goes on encoding, and every call has returned when blz_writer_flush_row_group,
 * blz_writer_close or blz_writer_destroy returns. */
typedef struct blz_output {
  void *ctx;
  blz_status (*write)(void *ctx, const void *data, size_t len, blz_error *err);
} blz_output;

typedef struct blz_writer blz_writer;

/* Creates a writer for record batches of `schema` (a struct-typed ArrowSchema, as the C stream
 * interface hands out) that writes to `sink`.
 * Ownership: `schema` is borrowed (the writer copies what it needs; the caller still releases it);
 * `opts` may be NULL for defaults and is copied; `sink` is copied and sink->ctx stays the caller's
 * and must outlive the writer. On success *out owns a writer to free with blz_writer_destroy. */
blz_status blz_writer_create(const struct ArrowSchema *schema, const blz_writer_options *opts,
                             const blz_output *sink, blz_writer **out, blz_error *err);

/* Encodes one record batch (a struct-typed ArrowArray matching the schema).
 * Ownership: `batch` is borrowed; the writer copies or encodes what it needs before returning,
 * so the caller may release it as soon as this returns.
 * A value that cannot be written (invalid UTF-8, a dictionary index out of range, a decimal past
 * its precision, ...) refuses the batch with an error naming the column and row. Rows are checked
 * a chunk at a time (up to 65,536 rows, fewer when rows are wide): a refusal in the first chunk
 * leaves no trace and the writer goes on; one further on comes after earlier rows of the batch
 * were encoded, so the writer fails and its file is never finished. blz_writer_validate refuses
 * any batch whole, before writing. */
blz_status blz_writer_write(blz_writer *w, const struct ArrowArray *batch, blz_error *err);

/* Encodes rows rows[0..n) of `batch`, in that order (each 0 <= rows[i] < batch->length).
 * Ownership as blz_writer_write; `rows` is borrowed. */
blz_status blz_writer_write_rows(blz_writer *w, const struct ArrowArray *batch, const int64_t *rows,
                                 int64_t n, blz_error *err);

/* Checks, without writing anything, that every row of `batch` can be written: the buffers its
 * types need, dictionary indices in range, decimals within their precision, unit conversions that
 * do not overflow. Lets a caller refuse a whole batch before any of it is written. */
blz_status blz_writer_validate(blz_writer *w, const struct ArrowArray *batch, blz_error *err);

/* Flushes the open row group (if it holds rows) now. */
blz_status blz_writer_flush_row_group(blz_writer *w, blz_error *err);

/* Flushes the last row group and writes the footer. After this only destroy is allowed. */
blz_status blz_writer_close(blz_writer *w, blz_error *err);

/* Row groups flushed so far. */
int64_t blz_writer_num_row_groups(const blz_writer *w);
/* Rows written so far (including the open row group), and bytes handed to the sink so far. */
int64_t blz_writer_num_rows(const blz_writer *w);
int64_t blz_writer_bytes_written(const blz_writer *w);
/* Estimated bytes closing now would still write: the open row group, the footer, the page index. */
int64_t blz_writer_buffered_bytes(const blz_writer *w);

/* Frees the writer and everything it owns. NULL is a no-op. Does not close the sink's ctx. */
void blz_writer_destroy(blz_writer *w);

/* Whole-file convenience: reads every batch of `stream` and writes a Parquet file at `path`.
 * The file is written under a temporary name in the same folder and renamed into place only when
 * complete, so on any error nothing is left under `path`. It reads one batch ahead of the one it
 * writes (two of the stream's batches are alive at once), so the last batch is known as such and
 * its row group is written while it is encoded.
 * Ownership: `stream` is borrowed (not released); *rows_out (may be NULL) receives the row count. */
blz_status blz_write_stream_to_file(struct ArrowArrayStream *stream, const char *path,
                                    const blz_writer_options *opts, int64_t *rows_out,
                                    blz_error *err);

/* As blz_write_stream_to_file, with `input_done(ctx)` (NULL: none) called once on the calling
 * thread when the stream has reported its end and the last row group has been handed to the
 * output: no batch is read after it, so the caller may tear the stream's input down there (unmap
 * a large file, say) while the output thread still writes the file's last bytes. `stream` stays
 * borrowed as above: none of its callbacks is called after input_done, and the caller still
 * releases it after this returns. Not called when the conversion fails before the stream's end. */
blz_status blz_write_stream_to_file_ex(struct ArrowArrayStream *stream, const char *path,
                                       const blz_writer_options *opts, void (*input_done)(void *ctx),
                                       void *ctx, int64_t *rows_out, blz_error *err);

/* ---------------------------------------------------------------------------------------------
 * Sink configuration (the `sink:` section of the YAML file).
 * ------------------------------------------------------------------------------------------- */
typedef struct blz_kv_pair {
  char *key, *value;
} blz_kv_pair;

typedef struct blz_sink_config {
  char *path;                       /* local folder or file:// URL (s3:// in a later version) */
  int64_t file_size_mb;             /* roll a file at this size; 128 */
  int64_t inactivity_timeout_secs;  /* roll a file no batch reached for this long; 60 */
  int64_t rollover_timeout_secs;    /* roll a file this long after its first row; 300 */
  int64_t row_group_size_bytes;     /* 128 MiB */
  blz_compression compression;      /* snappy */
  int compression_level;            /* 0 = codec default */
  blz_encoding_profile encoding_profile; /* compatible */
  blz_column_encoding *column_encodings; /* per-column encodings; names owned by the config */
  int n_column_encodings;
  bool page_checksums;              /* CRC-32 in every page header; false */
  char **bloom_filter_columns;      /* columns given bloom filters (owned), or */
  int n_bloom_filter_columns;
  bool bloom_filter_all;            /* every column but booleans (YAML: bloom_filter_columns: all) */
  double bloom_filter_fpp;          /* 0.01 */
  char **sort_by;                   /* each row group sorted by these columns (owned); none */
  int n_sort_by;
  bool sort_nulls_first;            /* false: nulls after values */
  int64_t stats_columns;            /* Delta statistics in meta.json for the first N leaf columns;
                                       32 (Delta's dataSkippingNumIndexedCols); 0: none */
  char *partition_template;         /* e.g. "date=%Y-%m-%d/hour=%H" or "region={region}"; NULL = none */
  char *partition_time_column;      /* the column strftime fields are taken from */
  int64_t max_open_files;           /* 32 */
  int64_t max_concurrent_uploads;   /* 4 */
  int64_t part_size_mb;             /* 32 */
  int64_t min_multipart_size_mb;    /* 5 */
  int64_t max_concurrent_parts;     /* 8 */
  int64_t max_retries;              /* per S3 request, with exponential backoff and jitter; 5 */
  int64_t threads;                  /* encoding threads shared by every open file; 0 (default): one
                                       per online core; 1: the writing thread only */
  int64_t max_buffered_mb;          /* memory all open files may hold together; past it the file
                                       holding most flushes its row group and gives its buffers
                                       back, largest first; 384 (three default row groups) */
  char *spill_path;                 /* where files that could not be uploaded are kept; ./blizzard-spill */
  blz_kv_pair *storage_options;
  int n_storage_options;
  /* from the top-level `metrics:` section (served by the CLI, not the library) */
  bool metrics_enabled;             /* default false */
  char *metrics_address;            /* HOST:PORT; default 0.0.0.0:9090 */
} blz_sink_config;

/* Fills *cfg with the defaults above (no path). Owns nothing yet. */
void blz_sink_config_init(blz_sink_config *cfg);
/* Parses YAML text into *cfg (defaults for absent keys). Unknown keys, wrong types and values out
 * of range fail with a message naming the key and the line. ${VAR} and ${VAR:-default} in values
 * are replaced from the environment. On success *cfg owns its strings: free with
 * blz_sink_config_free. On failure *cfg owns nothing. */
blz_status blz_sink_config_parse(const char *yaml, size_t len, blz_sink_config *cfg, blz_error *err);
/* Same, reading the file at `path`. */
blz_status blz_sink_config_load(const char *path, blz_sink_config *cfg, blz_error *err);
/* Frees the strings *cfg owns and resets it to defaults. */
void blz_sink_config_free(blz_sink_config *cfg);
/* Checks everything about *cfg that does not need the input's schema: ranges (no zero or negative
 * sizes, counts or timeouts), known codec, profile and encodings, no NULL where a string is
 * required, the path's scheme (local, file://, s3://BUCKET/...), S3 endpoint and options, the
 * metrics address. blz_sink_create and `blizzard run` (with or without --check) call it; a
 * config filled by hand gets BLZ_EINVAL (BLZ_ENOTSUP for an unknown scheme) and a message naming
 * the key. `cfg` is borrowed. */
blz_status blz_sink_config_validate(const blz_sink_config *cfg, blz_error *err);

/* ---------------------------------------------------------------------------------------------
 * The sink: batches in; rolling, partitioned, UUIDv7-named Parquet files and staging metadata out.
 * ------------------------------------------------------------------------------------------- */
typedef struct blz_finished_file {
  const char *filename;        /* relative to the sink path, partition prefix included */
  int64_t size;                /* bytes */
  int64_t record_count;
  const uint8_t *bytes;        /* the file's bytes while held in memory; NULL once stored */
  size_t bytes_len;
  int n_partition_values;      /* key=value pairs from the partition prefix */
  const char *const *partition_keys;
  const char *const *partition_values; /* NULL entry: null (__HIVE_DEFAULT_PARTITION__) */
  const char *source_file;     /* the input the rows came from, or NULL */
  const char *stats_json;      /* the Delta per-file statistics object ({"numRecords":..,"minValues":
                                  ..,"maxValues":..,"nullCount":..}), or NULL */
  bool stored;                 /* false: the file could not be stored (see the sink's error) */
} blz_finished_file;

typedef struct blz_sink blz_sink;

typedef struct blz_sink_hooks {
  /* Current Unix time in milliseconds; NULL = the real clock. Tests inject their own. */
  int64_t (*now_ms)(void *ctx);
  /* Called after each file is stored and its staging metadata written (or failed to be). The
   * struct and its strings are valid only during the call. May be NULL. Thread: an uploader
   * thread for S3; for local storage the thread that called blz_sink_write/tick/close, just
   * before that call returns. Never under an internal lock: it may call blz_sink_get_stats and
   * blz_sink_totals, and (local storage) blz_sink_tick; not close or destroy. */
  void (*on_finished)(void *ctx, const blz_finished_file *f);
  /* Called for events worth a log line that are not finished files, e.g. "upload_retry" with the
   * object key and the reason. Strings are valid only during the call; may run on uploader
   * threads. May be NULL. Never carries secrets. */
  void (*on_event)(void *ctx, const char *event, const char *object, const char *detail);
  void *ctx;
} blz_sink_hooks;

/* Creates a sink for batches of `schema` (struct ArrowSchema of columns) configured by `cfg`.
 * Ownership: `cfg` and `schema` are borrowed (copied as needed); `hooks` is copied (may be NULL).
 * On success *out is the caller's, to free with blz_sink_destroy. Thread-safe: one thread may
 * write while another ticks. */
blz_status blz_sink_create(const blz_sink_config *cfg, const struct ArrowSchema *schema,
                           const blz_sink_hooks *hooks, blz_sink **out, blz_error *err);
/* Writes a batch; rows are split by partition. `source_file` (may be NULL) is copied; when it
 * changes, files holding rows of the previous source are finished first.
 * Ownership: `batch` is borrowed and may be released when this returns. */
blz_status blz_sink_write(blz_sink *s, const struct ArrowArray *batch, const char *source_file,
                          blz_error *err);
/* Finishes the files whose inactivity or rollover timeout has passed. Call it on a clock. */
blz_status blz_sink_tick(blz_sink *s, blz_error *err);
/* Finishes every open file. After a failure the sink goes on finishing the others; the error
 * names what could not be stored. */
blz_status blz_sink_close(blz_sink *s, blz_error *err);
/* Totals so far. */
void blz_sink_totals(const blz_sink *s, int64_t *files, int64_t *rows, int64_t *bytes,
                     int64_t *failed_files);
/* A snapshot of the sink's counters and gauges (for metrics and summaries). */
#define BLZ_DURATION_BUCKETS 12
typedef struct blz_sink_stats {
  int64_t files_written, rows_written, bytes_written, files_failed; /* stored files */
  int64_t batches_received, rows_received, row_groups_written, staging_files_written;
  int64_t open_files, buffered_bytes;                               /* gauges */
  int64_t open_bytes; /* gauge: bytes the open files hold, written to their storage or buffered */
  int64_t active_uploads, active_multipart_parts;                   /* gauges (S3) */
  int64_t multipart_uploads, upload_retries, upload_failures, bytes_uploaded;
  /* retries and final failures by reason: server (5xx), throttled (429, 503 SlowDown),
   * timeout (408, transport timeouts), connection (refused, reset, cut), client (other 4xx) */
  int64_t retries_by_reason[5], failures_by_reason[5];
  /* seconds spent encoding and writing each finished Parquet file: cumulative bucket counts for
   * the upper bounds blz_duration_buckets[], then sum and count */
  int64_t write_duration_buckets[BLZ_DURATION_BUCKETS];
  double write_duration_sum;
  int64_t write_duration_count;
  /* rows of a source skipped because a file holding them had landed in an earlier run */
  int64_t rows_skipped;
} blz_sink_stats;
/* Upper bounds (seconds) of the write-duration histogram buckets. Static storage. */
extern const double blz_duration_buckets[BLZ_DURATION_BUCKETS];
/* Names of the reasons indexed in retries_by_reason / failures_by_reason. */
extern const char *const blz_upload_reasons[5];

/* Appends the Prometheus text exposition (format 0.0.4) of *s to a newly allocated NUL-terminated
 * string in *out, to free with free(). Returns BLZ_ENOMEM on allocation failure. */
blz_status blz_metrics_render(const blz_sink_stats *s, char **out);
/* Fills *out. Safe from any thread and from the sink's callbacks: the gauges (open files,
 * buffered bytes) are as of the end of the last write, tick or close. */
void blz_sink_get_stats(blz_sink *s, blz_sink_stats *out);

/* Frees the sink. Open files are abandoned (nothing is left under a final name). NULL is a no-op. */
void blz_sink_destroy(blz_sink *s);

/* What recovery found and finished (see blz_sink_recover). */
typedef struct blz_recovery_report {
  int64_t files_landed;        /* published before a crash, announced (and uploaded, S3) now */
  int64_t files_dropped;       /* never published: their rows were not acknowledged */
  int64_t temp_files_removed;  /* partial files of a dead writer */
  int64_t spill_files_removed; /* S3: local copies of objects already stored */
  int64_t uploads_aborted;     /* S3: multipart uploads a dead writer left open */
} blz_recovery_report;

/*! blz_sink_recover() :
 * Finishes what a writer killed mid-way left in the table of `cfg` (blz_sink_create does the
 * same before it returns): files published without their staging metadata get it, spilled
 * files are uploaded and announced, temporary files go, open multipart uploads are aborted.
 * Reads no input. Takes the table's lock for its duration: fails if another writer holds it.
 * @return BLZ_OK with *report filled (may be NULL), or the first failure in *err. */
blz_status blz_sink_recover(const blz_sink_config *cfg, blz_recovery_report *report, blz_error *err);

/* Uploads existing local files to the storage of cfg (an s3:// path) under the given relative
 * names, with the same multipart settings, concurrency and retries as the sink. Useful to replay
 * a spill folder. The local files are left in place. Ownership: all arguments are borrowed. */
blz_status blz_upload_files(const blz_sink_config *cfg, int n, const char *const *local,
                            const char *const *relpath, blz_error *err);

/* ---------------------------------------------------------------------------------------------
 * Arrow IPC stream reader: exposes an Arrow IPC stream (the "streaming format", also the file
 * format's body) as an ArrowArrayStream.
 * ------------------------------------------------------------------------------------------- */

/* Reads the IPC stream from the open file descriptor `fd` (a file, a pipe or stdin).
 * Ownership: on success *out is a stream the caller owns and must release with out->release;
 * the stream does not close `fd`. Errors found while reading carry the byte offset in the input,
 * reported by get_last_error. */
blz_status blz_ipc_stream_from_fd(int fd, struct ArrowArrayStream *out, blz_error *err);

/* As blz_ipc_stream_from_fd, but a blocking read interrupted by a signal while *cancel is
 * non-zero ends the stream with the error "interrupted" instead of retrying (install the signal
 * handler without SA_RESTART). `cancel` is borrowed and must outlive the stream. */
blz_status blz_ipc_stream_from_fd_cancellable(int fd, const volatile int *cancel,
                                              struct ArrowArrayStream *out, blz_error *err);

/* Bytes of the input a stream made by blz_ipc_stream_from_* has read up to the end of the last
 * batch it handed out (for progress reports; safe from any thread while the stream lives), or -1
 * for any other stream. */
int64_t blz_ipc_stream_bytes_read(const struct ArrowArrayStream *stream);

/* Wraps `in` so that a thread of its own reads up to two batches ahead while the caller works
 * on the current one. Ownership: `in` moves into *out (it is released with it); the caller
 * releases *out. get_next and get_schema of *out are for one thread at a time; `in`'s callbacks
 * run on the reading thread. Releasing *out waits for a read in progress to return. */
blz_status blz_stream_read_ahead(struct ArrowArrayStream *in, struct ArrowArrayStream *out,
                                 blz_error *err);

/* Same over an in-memory buffer. `data` is borrowed and must outlive the stream. */
blz_status blz_ipc_stream_from_buffer(const void *data, size_t len, struct ArrowArrayStream *out,
                                      blz_error *err);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif
#endif /* BLIZZARD_H */
