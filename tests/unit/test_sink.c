/* test_sink.c — UUIDv7 layout, YAML config errors, partition escaping, and the sink's rolling
 * policies with an injected clock. */
#define _GNU_SOURCE /* nftw flags */
#include <pthread.h>
#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/common/blz_utf8.h"
#include "../../lib/sink/landed.h"
#include "../../lib/sink/partition.h"
#include "../../lib/sink/uuid7.h"
#include "../../lib/storage/file_sink.h"
#include "../../lib/storage/journal.h"
#include "../../lib/storage/storage.h"
#include "fixture.h"
#include "test.h"
#include "tests.h"
#include "tread.h"

void test_uuid7_layout_and_order(void) {
  char prev[37] = "", cur[37];
  blz_error e;
  int64_t ms;
  for (int i = 0; i < 10000; i++) {
    CHECK(blz_uuid7(1700000000123, cur, &e) == BLZ_OK); /* the clock stands still */
    CHECK(blz_uuid7_parse(cur, &ms));
    CHECK(ms >= 1700000000123 && ms < 1700000000123 + 10);
    CHECK(strcmp(prev, cur) < 0);
    memcpy(prev, cur, 37);
  }
  CHECK(blz_uuid7(1600000000000, cur, &e) == BLZ_OK); /* the clock steps back: still increasing */
  CHECK(strcmp(prev, cur) < 0);
  CHECK(blz_uuid7(1800000000000, cur, &e) == BLZ_OK);
  CHECK(blz_uuid7_parse(cur, &ms) && ms == 1800000000000);
  CHECK(cur[14] == '7');                          /* version nibble */
  CHECK(strchr("89ab", cur[19]) != NULL);         /* variant 10xx */
  CHECK(cur[8] == '-' && cur[13] == '-' && cur[18] == '-' && cur[23] == '-');
  char other[37];
  CHECK(blz_uuid7(1800000000000, other, &e) == BLZ_OK);
  CHECK(memcmp(other + 24, cur + 24, 12) != 0);   /* random tail */
  CHECK(!blz_uuid7_parse("019234ab-cdef-4890-1234-567890abcdef", &ms)); /* version 4 */
}

static blz_status parse(const char *yaml, blz_sink_config *c, blz_error *e) {
  return blz_sink_config_parse(yaml, strlen(yaml), c, e);
}

void test_config_defaults_and_values(void) {
  blz_sink_config c;
  blz_error e = {0};
  setenv("BLZ_TEST_BUCKET", "bucket-1", 1);
  unsetenv("BLZ_TEST_UNSET");
  CHECK(parse("sink:\n  path: \"/data/${BLZ_TEST_BUCKET}/t\"\n  compression: zstd\n"
              "  partition_by:\n    prefix_template: \"date=%Y-%m-%d\"\n    time_column: ts\n"
              "  storage_options:\n    AWS_REGION: \"${BLZ_TEST_UNSET:-us-east-1}\"\n", &c, &e) == BLZ_OK);
  CHECK(!strcmp(c.path, "/data/bucket-1/t"));
  CHECK_EQ_INT(c.compression, BLZ_COMPRESSION_ZSTD);
  CHECK_EQ_INT(c.file_size_mb, 128);
  CHECK_EQ_INT(c.inactivity_timeout_secs, 60);
  CHECK_EQ_INT(c.rollover_timeout_secs, 300);
  CHECK_EQ_INT(c.row_group_size_bytes, 134217728);
  CHECK_EQ_INT(c.max_open_files, 32);
  CHECK_EQ_INT(c.max_concurrent_uploads, 4);
  CHECK_EQ_INT(c.part_size_mb, 32);
  CHECK_EQ_INT(c.min_multipart_size_mb, 5);
  CHECK_EQ_INT(c.max_concurrent_parts, 8);
  CHECK(!strcmp(c.partition_template, "date=%Y-%m-%d") && !strcmp(c.partition_time_column, "ts"));
  CHECK(c.n_storage_options == 1 && !strcmp(c.storage_options[0].value, "us-east-1"));
  CHECK_EQ_INT(c.encoding_profile, BLZ_PROFILE_COMPATIBLE);
  CHECK_EQ_INT(c.n_column_encodings, 0);
  CHECK_EQ_INT(c.threads, 0); /* one per core */
  blz_sink_config_free(&c);
  CHECK(parse("sink:\n  path: /x\n  encoding_profile: compact\n  compression_level: 12\n  threads: 3\n  page_checksums: true\n"
              "  bloom_filter_columns: [user_id, host]\n  bloom_filter_fpp: 0.05\n"
              "  column_encodings:\n    ts: delta_binary_packed\n    host: RLE_DICTIONARY\n", &c, &e) == BLZ_OK);
  CHECK_EQ_INT(c.encoding_profile, BLZ_PROFILE_COMPACT);
  CHECK_EQ_INT(c.compression_level, 12);
  CHECK_EQ_INT(c.threads, 3);
  CHECK(c.page_checksums);
  CHECK(c.n_bloom_filter_columns == 2 && !strcmp(c.bloom_filter_columns[1], "host") && c.bloom_filter_fpp == 0.05);
  CHECK(c.n_column_encodings == 2 && !strcmp(c.column_encodings[0].column, "ts") &&
        c.column_encodings[0].encoding == BLZ_ENCODING_DELTA_BINARY_PACKED &&
        !strcmp(c.column_encodings[1].column, "host") &&
        c.column_encodings[1].encoding == BLZ_ENCODING_RLE_DICTIONARY);
  blz_sink_config_free(&c);
}

void test_config_errors_name_key_and_line(void) {
  static const struct { const char *yaml, *want; } cases[] = {
      {"sink:\n  path: /x\n  file_size_mbb: 3\n", "line 3: sink: unknown key 'file_size_mbb'"},
      {"sink:\n  path: /x\n  file_size_mb: lots\n", "line 3: sink.file_size_mb: expected an integer"},
      {"sink:\n  path: /x\n  file_size_mb: 0\n", "line 3: sink.file_size_mb: 0 is out of range"},
      {"sink:\n  path: /x\n  part_size_mb: 2\n", "line 3: sink.part_size_mb: 2 is out of range 5..5120"},
      {"sink:\n  path: /x\n  compression: brotli\n", "line 3: sink.compression: unknown codec 'brotli'"},
      {"sink:\n  file_size_mb: 3\n", "sink.path is required"},
      {"sink:\n  path: /x\n  inactivity_timeout_secs: [1, 2]\n", "line 3: sink.inactivity_timeout_secs: expected a single value"},
      {"sink:\n  path: \"${BLZ_TEST_UNSET}\"\n", "line 2: sink.path: environment variable BLZ_TEST_UNSET is not set"},
      {"sinks:\n  path: /x\n", "line 1: unknown top-level key 'sinks'"},
      {"sink:\n  path: /x\n   bad: [\n", "YAML"},
      {"sink:\n  path: /x\n  partition_by:\n    prefix: x\n", "line 4: sink.partition_by: unknown key 'prefix'"},
      {"", "empty"},
      {"sink:\n  path: /x\n  encoding_profile: tiny\n", "line 3: sink.encoding_profile: unknown profile 'tiny'"},
      {"sink:\n  path: /x\n  column_encodings:\n    ts: zigzag\n", "line 4: sink.column_encodings.ts: unknown encoding 'zigzag'"},
      {"sink:\n  path: /x\n  column_encodings: [ts]\n", "line 3: sink.column_encodings: expected a mapping"},
      {"sink:\n  path: /x\n  threads: -1\n", "line 3: sink.threads: -1 is out of range 0..1024"},
      {"sink:\n  path: /x\n  page_checksums: maybe\n", "line 3: sink.page_checksums: expected true or false"},
      {"sink:\n  path: /x\n  bloom_filter_fpp: 1.5\n", "line 3: sink.bloom_filter_fpp: expected a number between 0 and 1"},
      {"sink:\n  path: /x\n  bloom_filter_columns: some\n", "line 3: sink.bloom_filter_columns: expected a list of columns or all"},
  };
  unsetenv("BLZ_TEST_UNSET");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    blz_sink_config c;
    blz_error e = {0};
    CHECK(parse(cases[i].yaml, &c, &e) == BLZ_EINVAL);
    CHECK_CONTAINS(e.message, cases[i].want);
  }
}

static struct ArrowSchema *event_schema(void) {
  struct ArrowSchema *f[3] = {fx_schema("tsu:UTC", "ts", false, 0, NULL),
                              fx_schema("u", "region", true, 0, NULL),
                              fx_schema("i", "value", true, 0, NULL)};
  return fx_struct_schema(3, f);
}

/* n rows: ts = t0_us + i * step_us, region from the list (cycled), value = i */
static struct ArrowArray *event_batch(int64_t n, int64_t t0_us, int64_t step_us, const char *const *regions, int nreg) {
  int64_t *ts = malloc((size_t)n * 8);
  int32_t *v = malloc((size_t)n * 4);
  const char **r = malloc((size_t)n * sizeof *r);
  for (int64_t i = 0; i < n; i++) {
    ts[i] = t0_us + i * step_us;
    v[i] = (int32_t)i;
    r[i] = regions[i % nreg];
  }
  const void *tb[2] = {NULL, ts};
  size_t tsz[2] = {0, (size_t)n * 8};
  struct ArrowArray *cols[3] = {fx_array(n, 0, 0, 2, tb, tsz, 0, NULL), fx_utf8(r, n), fx_i32(v, n, NULL)};
  free(ts);
  free(v);
  free(r);
  return fx_batch(n, 3, cols);
}

/* Renders row i's prefix into out (NUL-terminated). */
static void render_row(blz_partitioner *p, const struct ArrowArray *b, int64_t i, blz_buf *out) {
  blz_error e = {0};
  out->len = 0;
  CHECK(blz_partitioner_render(p, b, i, out, &e) == BLZ_OK);
  blz_buf_push(out, 0);
}

/* The sink takes a run of rows with one prefix at once: every row of the run must render as its
 * first row, and the row after it must not. Hours before and after 1970, 7-minute steps. */
void test_partition_run_matches_render(void) {
  struct ArrowSchema *s = event_schema();
  const char *tpls[2] = {"date=%Y-%m-%d/hour=%H", "hour=%H/region={region}"};
  const char *regions[1] = {"eu"};
  struct ArrowArray *b = event_batch(200, -7200LL * 1000000 + 1, 420LL * 1000000, regions, 1);
  blz_buf first = {0}, other = {0};
  for (int t = 0; t < 2; t++) {
    blz_partitioner *p;
    blz_error e = {0};
    CHECK(blz_partitioner_create(tpls[t], "ts", s, &p, &e) == BLZ_OK);
    int64_t total = 0, runs = 0;
    for (int64_t r = 0; r < 200;) {
      render_row(p, b, r, &first);
      int64_t end = r < 100 ? 100 : 200; /* a run never passes the end it is given */
      int64_t run = blz_partitioner_run(p, b, r, end);
      CHECK(run >= 1 && r + run <= end);
      for (int64_t k = r + 1; k < r + run; k++) {
        render_row(p, b, k, &other);
        CHECK(!strcmp((char *)first.data, (char *)other.data));
      }
      if (t == 0 && r + run < end) { /* time fields only: the run is as long as the prefix lasts */
        render_row(p, b, r + run, &other);
        CHECK(strcmp((char *)first.data, (char *)other.data) != 0);
      }
      if (t == 1) CHECK_EQ_INT(run, 1); /* a {column} part: rows are not compared */
      total += run, runs++;
      r += run;
    }
    CHECK_EQ_INT(total, 200);
    if (t == 0) CHECK(runs >= 23 && runs <= 26); /* 200 rows of 7 minutes: 24 hours, 1 cut at 100 */
    blz_partitioner_destroy(p);
  }
  blz_buf_free(&first);
  blz_buf_free(&other);
  fx_free_array(b);
  fx_free_schema(s);
}

void test_partition_render_and_escape(void) {
  struct ArrowSchema *s = event_schema();
  blz_partitioner *p;
  blz_error e = {0};
  CHECK(blz_partitioner_create("date=%Y-%m-%d/hour=%H/region={region}", "ts", s, &p, &e) == BLZ_OK);
  CHECK(blz_partitioner_uses_column(p, 1) && !blz_partitioner_uses_column(p, 0));
  const char *regions[4] = {"eu/west=1%", NULL, "", "tab\there"};
  /* 1969-12-31T23:30:00Z, then +1h steps */
  struct ArrowArray *b = event_batch(4, -1800LL * 1000000, 3600LL * 1000000, regions, 4);
  blz_buf out = {0};
  const char *want[4] = {"date=1969-12-31/hour=23/region=eu%2Fwest%3D1%25",
                         "date=1970-01-01/hour=00/region=__HIVE_DEFAULT_PARTITION__",
                         "date=1970-01-01/hour=01/region=__HIVE_DEFAULT_PARTITION__",
                         "date=1970-01-01/hour=02/region=tab%09here"};
  for (int i = 0; i < 4; i++) {
    out.len = 0;
    CHECK(blz_partitioner_render(p, b, i, &out, &e) == BLZ_OK);
    blz_buf_push(&out, 0);
    if (strcmp((char *)out.data, want[i])) fprintf(stderr, "  got %s\n  want %s\n", out.data, want[i]);
    CHECK(!strcmp((char *)out.data, want[i]));
  }
  int n;
  char **keys, **vals;
  CHECK(blz_partition_values(want[0], &n, &keys, &vals));
  CHECK(n == 3 && !strcmp(keys[2], "region") && !strcmp(vals[2], "eu/west=1%"));
  blz_partition_values_free(n, keys, vals);
  CHECK(blz_partition_values(want[1], &n, &keys, &vals));
  CHECK(n == 3 && vals[2] == NULL);
  blz_partition_values_free(n, keys, vals);
  blz_buf_free(&out);
  blz_partitioner_destroy(p);
  fx_free_array(b);

  /* the string __HIVE_DEFAULT_PARTITION__ is not a null: its folder name differs from the null
   * marker and reads back as the string; a NUL byte in a value is refused, naming column and row */
  CHECK(blz_partitioner_create("region={region}", NULL, s, &p, &e) == BLZ_OK);
  const char *marker[3] = {"__HIVE_DEFAULT_PARTITION__", NULL, "a_b"};
  b = event_batch(3, 0, 1000, marker, 3);
  const char *want2[3] = {"region=%5F_HIVE_DEFAULT_PARTITION__", "region=__HIVE_DEFAULT_PARTITION__", "region=a_b"};
  for (int i = 0; i < 3; i++) {
    out.len = 0;
    CHECK(blz_partitioner_render(p, b, i, &out, &e) == BLZ_OK);
    blz_buf_push(&out, 0);
    CHECK(!strcmp((char *)out.data, want2[i]));
    CHECK(blz_partition_values((char *)out.data, &n, &keys, &vals));
    CHECK(n == 1 && (marker[i] ? vals[0] && !strcmp(vals[0], marker[i]) : vals[0] == NULL));
    blz_partition_values_free(n, keys, vals);
  }
  uint8_t *bytes = (uint8_t *)b->children[1]->buffers[2];
  const int32_t *off = b->children[1]->buffers[1];
  bytes[off[2] + 1] = 0; /* row 2's "a_b" becomes "a\0b" */
  CHECK(blz_partitioner_render(p, b, 2, &out, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "partition column region: row 2: a NUL byte");
  bytes[off[2] + 1] = 0xFF; /* "a\xffb": not UTF-8, refused even where the batch's strings were not checked */
  CHECK(blz_partitioner_render(p, b, 2, &out, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "partition column region: row 2: a partition value that is not valid UTF-8");
  fx_free_array(b);
  /* a folder name longer than a file system takes is refused with the batch, naming the row: 255
   * bytes ("region=" and 248) is the most */
  char at_most[249], one_more[250];
  memset(at_most, 'x', 248), at_most[248] = 0;
  memset(one_more, 'x', 249), one_more[249] = 0;
  const char *longs[2] = {at_most, one_more};
  b = event_batch(2, 0, 1000, longs, 2);
  out.len = 0;
  CHECK(blz_partitioner_render(p, b, 0, &out, &e) == BLZ_OK);
  CHECK_EQ_INT(out.len, 255);
  CHECK(blz_partitioner_render(p, b, 1, &out, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "row 1: partition folder 'region=xxx");
  CHECK_CONTAINS(e.message, "is 256 bytes");
  blz_buf_free(&out);
  blz_partitioner_destroy(p);
  fx_free_array(b);

  CHECK(blz_partitioner_create("date=%Y", NULL, s, &p, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "no time_column");
  CHECK(blz_partitioner_create("x={nope}", NULL, s, &p, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "no column named 'nope'");
  CHECK(blz_partitioner_create("d=%Y", "region", s, &p, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "not a timestamp or date");
  CHECK(blz_partitioner_create("../x", NULL, s, &p, &e) == BLZ_EINVAL);
  fx_free_schema(s);
}

/* ---- the sink, with a fake clock ---- */

typedef struct sink_env {
  char dir[64];
  int64_t now;
  int finished;
  int64_t finished_rows;
  char first_name[256], last_name[256];
  char last_source[64];
  int last_nkv;
  int max_row_groups; /* most row groups in one stored file */
} sink_env;

/* Row groups of the Parquet file at path, from its footer (-1: unreadable). */
static int row_groups_of(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  blz_buf b = {0};
  uint8_t chunk[1 << 16];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) blz_buf_append(&b, chunk, n);
  fclose(f);
  tnode footer;
  int rgs = -1;
  if (tread_footer(b.data, b.len, &footer) == 0) {
    const tnode *l = tget(&footer, 4);
    rgs = l ? l->n : 0;
    tnode_free(&footer);
  }
  blz_buf_free(&b);
  return rgs;
}

static int64_t fake_now(void *ctx) { return ((sink_env *)ctx)->now; }
static void on_fin(void *ctx, const blz_finished_file *f) {
  sink_env *e = ctx;
  if (!f->stored) return;
  e->finished++;
  e->finished_rows += f->record_count;
  if (e->finished == 1) snprintf(e->first_name, sizeof e->first_name, "%s", f->filename);
  snprintf(e->last_name, sizeof e->last_name, "%s", f->filename);
  snprintf(e->last_source, sizeof e->last_source, "%s", f->source_file ? f->source_file : "(none)");
  e->last_nkv = f->n_partition_values;
  char path[512];
  snprintf(path, sizeof path, "%s/%s", e->dir, f->filename);
  int rgs = row_groups_of(path);
  if (rgs > e->max_row_groups) e->max_row_groups = rgs;
}

static int rm_entry(const char *p, const struct stat *s, int f, struct FTW *w) {
  (void)s, (void)f, (void)w;
  return remove(p);
}

static blz_sink *make_sink(sink_env *env, const char *extra_yaml) {
  memset(env, 0, sizeof *env);
  snprintf(env->dir, sizeof env->dir, "/tmp/blz-sink-XXXXXX");
  CHECK(mkdtemp(env->dir) != NULL);
  env->now = 1700000000000;
  char yaml[1024];
  snprintf(yaml, sizeof yaml, "sink:\n  path: %s\n%s", env->dir, extra_yaml);
  blz_sink_config c;
  blz_error e = {0};
  blz_status st = parse(yaml, &c, &e);
  if (st) fprintf(stderr, "  config: %s\n", e.message);
  struct ArrowSchema *s = event_schema();
  blz_sink_hooks h = {fake_now, on_fin, NULL, env};
  blz_sink *k = NULL;
  st = blz_sink_create(&c, s, &h, &k, &e);
  if (st) fprintf(stderr, "  create: %s\n", e.message);
  CHECK(st == BLZ_OK);
  fx_free_schema(s); /* the sink keeps its own copy */
  blz_sink_config_free(&c);
  return k;
}

static void drop_sink(sink_env *env, blz_sink *k) {
  blz_sink_destroy(k);
  nftw(env->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Counts *.parquet files under dir (recursively) and sums their sizes. */
static int count_files(const char *dir, const char *suffix, int64_t *max_size) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(p, &st)) continue;
    if (S_ISDIR(st.st_mode)) {
      n += count_files(p, suffix, max_size);
    } else {
      size_t l = strlen(e->d_name), sl = strlen(suffix);
      if (l > sl && !strcmp(e->d_name + l - sl, suffix)) {
        n++;
        if (max_size && st.st_size > *max_size) *max_size = st.st_size;
      }
    }
  }
  closedir(d);
  return n;
}

static const char *one_region[1] = {"eu"};

void test_sink_rolls_on_inactivity_by_clock(void) {
  sink_env env;
  blz_sink *k = make_sink(&env, "  inactivity_timeout_secs: 60\n");
  blz_error e = {0};
  struct ArrowArray *b = event_batch(100, 0, 1000, one_region, 1);
  CHECK(blz_sink_write(k, b, "in-1.arrows", &e) == BLZ_OK);
  env.now += 59 * 1000;
  CHECK(blz_sink_tick(k, &e) == BLZ_OK);
  CHECK_EQ_INT(env.finished, 0);
  CHECK_EQ_INT(count_files(env.dir, ".parquet", NULL), 0); /* nothing visible while open */
  env.now += 1000; /* no data arrives: the clock alone finishes the file */
  CHECK(blz_sink_tick(k, &e) == BLZ_OK);
  CHECK_EQ_INT(env.finished, 1);
  CHECK_EQ_INT(env.finished_rows, 100);
  CHECK(!strcmp(env.last_source, "in-1.arrows"));
  CHECK_EQ_INT(count_files(env.dir, ".parquet", NULL), 1);
  char staging[128];
  snprintf(staging, sizeof staging, "%s/_staging/pending", env.dir);
  CHECK_EQ_INT(count_files(staging, ".meta.json", NULL), 1);
  fx_free_array(b);
  drop_sink(&env, k);
}

void test_sink_rolls_on_age_while_writing(void) {
  sink_env env;
  blz_sink *k = make_sink(&env, "  inactivity_timeout_secs: 60\n  rollover_timeout_secs: 300\n");
  blz_error e = {0};
  struct ArrowArray *b = event_batch(10, 0, 1000, one_region, 1);
  for (int i = 0; i < 35; i++) { /* a batch every 10 s: never inactive, but older than 300 s */
    CHECK(blz_sink_write(k, b, NULL, &e) == BLZ_OK);
    CHECK(blz_sink_tick(k, &e) == BLZ_OK);
    env.now += 10 * 1000;
  }
  CHECK_EQ_INT(env.finished, 1);
  CHECK_EQ_INT(env.finished_rows, 310); /* written at t = 0, 10, ..., 300 s */
  CHECK(blz_sink_close(k, &e) == BLZ_OK);
  CHECK_EQ_INT(env.finished, 2);
  CHECK_EQ_INT(env.finished_rows, 350);
  fx_free_array(b);
  drop_sink(&env, k);
}

void test_sink_rolls_on_size(void) {
  sink_env env;
  blz_sink *k = make_sink(&env, "  file_size_mb: 1\n  compression: uncompressed\n");
  blz_error e = {0};
  static const char *wide[3] = {"a-region-name-that-is-long-enough-to-fill-pages-quickly-0000000000000000",
                                "another-region-name-that-is-long-enough-to-fill-pages-111111111111111",
                                "third"};
  for (int i = 0; i < 40; i++) { /* distinct timestamps: about 3.6 MB in all */
    struct ArrowArray *b = event_batch(8192, (int64_t)i * 8192, 1, wide, 3);
    CHECK(blz_sink_write(k, b, NULL, &e) == BLZ_OK);
    fx_free_array(b);
  }
  CHECK(blz_sink_close(k, &e) == BLZ_OK);
  int64_t max = 0;
  int n = count_files(env.dir, ".parquet", &max);
  CHECK(n >= 3);
  CHECK(max <= (1 << 20) * 105 / 100); /* never far above the target */
  CHECK(max >= (1 << 20) * 80 / 100);  /* and close to it */
  CHECK_EQ_INT(env.finished_rows, 40 * 8192);
  drop_sink(&env, k);
}

void test_sink_partitions_and_max_open_files(void) {
  sink_env env;
  blz_sink *k = make_sink(&env, "  max_open_files: 2\n  partition_by:\n    prefix_template: \"region={region}\"\n");
  blz_error e = {0};
  static const char *three[3] = {"a", "b", "c"};
  struct ArrowArray *b = event_batch(30, 0, 1000, three, 3);
  CHECK(blz_sink_write(k, b, NULL, &e) == BLZ_OK);
  CHECK_EQ_INT(env.finished, 1); /* three partitions, two open files: the least recent is rolled */
  CHECK(blz_sink_close(k, &e) == BLZ_OK);
  CHECK_EQ_INT(env.finished, 3);
  CHECK_EQ_INT(env.finished_rows, 30);
  CHECK_EQ_INT(env.last_nkv, 1);
  char d[128];
  snprintf(d, sizeof d, "%s/region=b", env.dir);
  CHECK_EQ_INT(count_files(d, ".parquet", NULL), 1);
  /* the region column is in the folder name, not in the file */
  DIR *dir = opendir(d);
  struct dirent *de;
  char path[512] = "";
  while ((de = readdir(dir)))
    if (de->d_name[0] != '.') snprintf(path, sizeof path, "%s/%s", d, de->d_name);
  closedir(dir);
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL);
  static uint8_t buf[1 << 16];
  size_t len = f ? fread(buf, 1, sizeof buf, f) : 0;
  if (f) fclose(f);
  tnode footer;
  CHECK(tread_footer(buf, len, &footer) == 0);
  CHECK_EQ_INT(tget(&footer, 2)->n, 3); /* root + ts + value */
  CHECK_EQ_INT(tget(&footer, 3)->i, 10);
  tnode_free(&footer);
  fx_free_array(b);
  drop_sink(&env, k);
}

void test_sink_memory_budget_flushes_largest(void) {
  /* eight partitions, each holding far more than a 1 MB budget shares: row groups are flushed
   * early (largest first) and every row still lands once */
  static const char *eight[8] = {"a", "b", "c", "d", "e", "f", "g", "h"};
  for (int budget = 0; budget < 2; budget++) {
    sink_env env;
    blz_sink *k = make_sink(&env, budget ? "  max_buffered_mb: 1\n  partition_by:\n    prefix_template: \"region={region}\"\n"
                                         : "  partition_by:\n    prefix_template: \"region={region}\"\n");
    blz_error e = {0};
    int64_t total = 0;
    for (int i = 0; i < 8; i++) {
      struct ArrowArray *b = event_batch(40000, total * 1000, 1000, eight, 8);
      CHECK(blz_sink_write(k, b, NULL, &e) == BLZ_OK);
      total += 40000;
      fx_free_array(b);
    }
    CHECK(blz_sink_close(k, &e) == BLZ_OK);
    CHECK_EQ_INT(env.finished, 8);
    CHECK_EQ_INT(env.finished_rows, total);
    if (budget) CHECK(env.max_row_groups > 1);  /* flushed under pressure */
    else CHECK_EQ_INT(env.max_row_groups, 1);   /* the default budget leaves them whole */
    drop_sink(&env, k);
  }
}

void test_sink_idle_partition_gives_back_its_row_group(void) {
  /* region a gets rows, then `gap` batches only for b, then rows again: idle for 4 batches, its
   * open row group is flushed (a second row group when rows come back); for 3, it stays open */
  static const char *a[1] = {"a"}, *b[1] = {"b"};
  for (int gap = 3; gap <= 4; gap++) {
    sink_env env;
    blz_sink *k = make_sink(&env, "  partition_by:\n    prefix_template: \"region={region}\"\n");
    blz_error e = {0};
    int64_t t = 0;
    for (int i = 0; i < gap + 2; i++) {
      struct ArrowArray *x = event_batch(100, t, 1000, i == 0 || i == gap + 1 ? a : b, 1);
      CHECK(blz_sink_write(k, x, NULL, &e) == BLZ_OK);
      t += 100 * 1000;
      fx_free_array(x);
    }
    CHECK(blz_sink_close(k, &e) == BLZ_OK);
    CHECK_EQ_INT(env.finished, 2);
    CHECK_EQ_INT(env.finished_rows, 100 * (gap + 2));
    CHECK_EQ_INT(env.max_row_groups, gap == 4 ? 2 : 1);
    drop_sink(&env, k);
  }
}

/* A partition folder name too long for a file system refuses the whole batch before any row is
 * written: the rows of its other partitions do not land either. */
void test_sink_refuses_batch_with_too_long_folder(void) {
  char longv[300];
  memset(longv, 'y', sizeof longv - 1), longv[sizeof longv - 1] = 0;
  const char *vals[2] = {"ok", longv};
  sink_env env;
  blz_sink *k = make_sink(&env, "  partition_by:\n    prefix_template: \"region={region}\"\n");
  struct ArrowArray *b = event_batch(10, 0, 1000, vals, 2);
  blz_error e = {0};
  CHECK(blz_sink_write(k, b, NULL, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "row 1: partition folder");
  CHECK(blz_sink_close(k, &e) == BLZ_OK);
  CHECK_EQ_INT(env.finished, 0);
  CHECK_EQ_INT(count_files(env.dir, ".parquet", NULL), 0);
  fx_free_array(b);
  drop_sink(&env, k);
}

/* A partition path that, with its file name, is longer than the storage takes (PATH_MAX for local
 * tables, 1,024-byte keys with the prefix for S3) refuses the whole batch, naming the row; the
 * room is what the root (and for S3 the key prefix) leaves. */
void test_sink_refuses_batch_with_too_long_path(void) {
  char tpl[1024] = "";
  for (int i = 0; i < 17; i++) { /* 17 folders of 2 + 240 bytes: 4,130 bytes */
    size_t n = strlen(tpl);
    snprintf(tpl + n, sizeof tpl - n, "%s%c={region}", i ? "/" : "", 'a' + i);
  }
  char longv[241], yaml[1200];
  memset(longv, 'y', 240), longv[240] = 0;
  snprintf(yaml, sizeof yaml, "  partition_by:\n    prefix_template: \"%s\"\n", tpl);
  const char *vals[2] = {"ok", longv};
  sink_env env;
  blz_sink *k = make_sink(&env, yaml);
  struct ArrowArray *b = event_batch(4, 0, 1000, vals, 2);
  blz_error e = {0};
  CHECK(blz_sink_write(k, b, NULL, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "row 1: partition path");
  CHECK_CONTAINS(e.message, "PATH_MAX");
  CHECK(blz_sink_close(k, &e) == BLZ_OK);
  CHECK_EQ_INT(env.finished, 0);
  fx_free_array(b);
  drop_sink(&env, k);

  /* S3: the key limit, less the prefix; the spill folder's path limit where it is smaller */
  blz_kv_pair kv[3] = {{"AWS_ACCESS_KEY_ID", "AK"}, {"AWS_SECRET_ACCESS_KEY", "SK"}, {"AWS_REGION", "eu-west-1"}};
  blz_storage_options so = {0};
  so.path = "s3://bucket/tables/events";
  so.spill_path = env.dir;
  so.s3 = (blz_s3_config){so.path, kv, 3, 5};
  so.part_bytes = 5 << 20, so.min_multipart_bytes = 5 << 20, so.max_parts = 1, so.max_uploads = 1;
  CHECK(mkdir(env.dir, 0755) == 0);
  blz_storage *st = NULL;
  CHECK(blz_storage_open(&so, &st, &e) == BLZ_OK);
  if (st) CHECK_EQ_INT(blz_storage_relpath_room(st), 1024 - strlen("tables/events/"));
  blz_storage_destroy(st);
  drop_sink(&env, NULL);
}

/* Close finishes the files holding no buffered rows first (they land while the others' last row
 * groups are encoded): region a, idle for 4 batches, has given its row group back; b still holds
 * its rows. With one landing at a time, files land in the order they are finished. */
void test_sink_close_finishes_idle_files_first(void) {
  static const char *a[1] = {"a"}, *b[1] = {"b"};
  sink_env env;
  blz_sink *k = make_sink(&env, "  max_concurrent_uploads: 1\n  partition_by:\n    prefix_template: \"region={region}\"\n");
  blz_error e = {0};
  for (int i = 0; i < 5; i++) {
    struct ArrowArray *x = event_batch(100, i * 100000, 1000, i == 0 ? a : b, 1);
    CHECK(blz_sink_write(k, x, NULL, &e) == BLZ_OK);
    fx_free_array(x);
  }
  CHECK(blz_sink_close(k, &e) == BLZ_OK);
  CHECK_EQ_INT(env.finished, 2);
  CHECK_EQ_INT(env.finished_rows, 500);
  CHECK(!strncmp(env.first_name, "region=a/", 9));
  CHECK(!strncmp(env.last_name, "region=b/", 9));
  drop_sink(&env, k);
}

/* A landed-log line read back gives the rows it was written with, whatever bytes the partition and
 * source hold (spaces, %, newlines are escaped); ranges merge across lines, lines naming another
 * source or damaged ones are skipped, and the cursor only moves forward. */
void test_landed_note_round_trip(void) {
  blz_buf a = {0}, b = {0}, c = {0};
  const char *prefix = "region=eu west/%25", *source = "in put\n1.arrows";
  CHECK(blz_landed_note(&a, 10, 20, "region=eu/x.parquet", prefix, source));
  CHECK(blz_landed_note(&b, 15, 30, "region=eu/y.parquet", prefix, source));
  CHECK(blz_landed_note(&c, 0, 100, "region=eu/z.parquet", prefix, "other.arrows"));
  CHECK(!strchr((const char *)a.data, '\n'));
  blz_landed l = {0};
  CHECK(blz_landed_add_line(&l, source, (const char *)a.data));
  CHECK(blz_landed_add_line(&l, source, (const char *)b.data));
  CHECK(blz_landed_add_line(&l, source, (const char *)c.data));
  CHECK(blz_landed_add_line(&l, source, "rows 40 35 fz pregion ssource")); /* end before first */
  CHECK(blz_landed_add_line(&l, source, "rows 1")); /* cut short */
  blz_landed_merge(&l);
  CHECK_EQ_INT(l.n, 1);
  CHECK_EQ_INT(l.parts[0].n, 1); /* [10, 20) and [15, 30) merged */
  size_t plen = strlen(prefix);
  CHECK(!blz_landed_before(&l, prefix, plen, 9));
  CHECK(blz_landed_before(&l, prefix, plen, 10));
  CHECK(blz_landed_before(&l, prefix, plen, 29));
  CHECK(!blz_landed_before(&l, prefix, plen, 30));
  CHECK(!blz_landed_before(&l, "region=eu", 9, 12)); /* another partition */
  blz_landed_clear(&l);
  CHECK_EQ_INT(l.n, 0);
  blz_buf_free(&a), blz_buf_free(&b), blz_buf_free(&c);
}

/* The one Parquet file under dir (a partition folder), read whole into out. */
static bool read_only_file(const char *dir, blz_buf *out) {
  DIR *d = opendir(dir);
  if (!d) return false;
  struct dirent *de;
  char path[512] = "";
  int n = 0;
  while ((de = readdir(d)))
    if (strstr(de->d_name, ".parquet") && de->d_name[0] != '.') snprintf(path, sizeof path, "%s/%s", dir, de->d_name), n++;
  closedir(d);
  FILE *f = n == 1 ? fopen(path, "rb") : NULL;
  if (!f) return false;
  uint8_t chunk[1 << 16];
  size_t got;
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) blz_buf_append(out, chunk, got);
  fclose(f);
  return true;
}

void test_sink_same_bytes_for_any_thread_count(void) {
  /* three partitions in every batch, so their writers share the pool: each file's bytes must not
   * depend on sink.threads */
  static const char *regions[3] = {"a", "b", "c"};
  blz_buf files[2][3] = {{{0}}};
  for (int t = 0; t < 2; t++) {
    sink_env env;
    blz_sink *k = make_sink(&env, t ? "  threads: 2\n  partition_by:\n    prefix_template: \"region={region}\"\n"
                                    : "  threads: 1\n  partition_by:\n    prefix_template: \"region={region}\"\n");
    blz_error e = {0};
    for (int i = 0; i < 3; i++) {
      struct ArrowArray *b = event_batch(30000, (int64_t)i * 30000 * 1000, 1000, regions, 3);
      CHECK(blz_sink_write(k, b, NULL, &e) == BLZ_OK);
      fx_free_array(b);
    }
    CHECK(blz_sink_close(k, &e) == BLZ_OK);
    CHECK_EQ_INT(env.finished_rows, 90000);
    for (int r = 0; r < 3; r++) {
      char d[128];
      snprintf(d, sizeof d, "%s/region=%s", env.dir, regions[r]);
      CHECK(read_only_file(d, &files[t][r]));
    }
    drop_sink(&env, k);
  }
  for (int r = 0; r < 3; r++) {
    CHECK(files[0][r].len > 0 && files[0][r].len == files[1][r].len);
    CHECK(files[0][r].len == files[1][r].len && !memcmp(files[0][r].data, files[1][r].data, files[0][r].len));
    blz_buf_free(&files[0][r]), blz_buf_free(&files[1][r]);
  }
}

void test_sink_source_change_finishes_files(void) {
  sink_env env;
  blz_sink *k = make_sink(&env, "");
  blz_error e = {0};
  struct ArrowArray *b = event_batch(5, 0, 1000, one_region, 1);
  CHECK(blz_sink_write(k, b, "one.arrows", &e) == BLZ_OK);
  CHECK(blz_sink_write(k, b, "one.arrows", &e) == BLZ_OK);
  CHECK_EQ_INT(env.finished, 0);
  CHECK(blz_sink_write(k, b, "two.arrows", &e) == BLZ_OK);
  CHECK_EQ_INT(env.finished, 1);
  CHECK(!strcmp(env.last_source, "one.arrows"));
  CHECK_EQ_INT(env.finished_rows, 10);
  CHECK(blz_sink_close(k, &e) == BLZ_OK);
  CHECK(!strcmp(env.last_source, "two.arrows"));
  fx_free_array(b);
  drop_sink(&env, k);
}

void test_staging_json(void) {
  const char *keys[2] = {"date", "region"};
  const char *vals[2] = {"2024-01-01", NULL};
  blz_finished_file f = {0};
  f.filename = "date=2024-01-01/region=__HIVE_DEFAULT_PARTITION__/x.parquet";
  f.size = 123;
  f.record_count = 4;
  f.n_partition_values = 2;
  f.partition_keys = keys;
  f.partition_values = vals;
  f.source_file = "in \"quoted\".arrows";
  blz_buf b = {0};
  extern bool blz_staging_json(const blz_finished_file *f, blz_buf *out);
  CHECK(blz_staging_json(&f, &b));
  blz_buf_push(&b, 0);
  CHECK(!strcmp((char *)b.data,
                "{\"filename\":\"date=2024-01-01/region=__HIVE_DEFAULT_PARTITION__/x.parquet\",\"size\":123,"
                "\"record_count\":4,\"partition_values\":{\"date\":\"2024-01-01\",\"region\":null},"
                "\"source_file\":\"in \\\"quoted\\\".arrows\"}\n"));
  /* Delta statistics ride along as an object */
  f.stats_json = "{\"numRecords\":4}";
  b.len = 0;
  CHECK(blz_staging_json(&f, &b));
  blz_buf_push(&b, 0);
  CHECK_CONTAINS((char *)b.data, "\"source_file\":\"in \\\"quoted\\\".arrows\",\"stats\":{\"numRecords\":4}}\n");
  /* a source path that is not UTF-8 (a Latin-1 file name) still gives a JSON document: each byte
   * that is not UTF-8 as U+FFFD, control bytes escaped, UTF-8 kept */
  f.stats_json = NULL;
  f.source_file = "caf\xe9 \xc3\xa9\x01\xc3.arrows";
  b.len = 0;
  CHECK(blz_staging_json(&f, &b));
  CHECK(blz_utf8_check(b.data, b.len) == b.len);
  blz_buf_push(&b, 0);
  CHECK_CONTAINS((char *)b.data, "\"source_file\":\"caf\\ufffd \xc3\xa9\\u0001\\ufffd.arrows\"}");
  blz_buf_free(&b);
}

/* A batch with one bad row is refused whole: none of its rows reach any file. */
void test_sink_refuses_whole_batch(void) {
  sink_env env;
  memset(&env, 0, sizeof env);
  snprintf(env.dir, sizeof env.dir, "/tmp/blz-sink-XXXXXX");
  CHECK(mkdtemp(env.dir) != NULL);
  env.now = 1700000000000;
  char yaml[512];
  snprintf(yaml, sizeof yaml, "sink:\n  path: %s\n  partition_by:\n    prefix_template: \"hour=%%H\"\n    time_column: ts\n", env.dir);
  blz_sink_config c;
  blz_error e = {0};
  CHECK(parse(yaml, &c, &e) == BLZ_OK);
  struct ArrowSchema *tag = fx_schema("i", "tag", true, 0, NULL);
  tag->dictionary = fx_schema("u", "", true, 0, NULL);
  struct ArrowSchema *f[2] = {fx_schema("tsu:UTC", "ts", false, 0, NULL), tag};
  struct ArrowSchema *s = fx_struct_schema(2, f);
  blz_sink_hooks h = {fake_now, on_fin, NULL, &env};
  blz_sink *k = NULL;
  CHECK(blz_sink_create(&c, s, &h, &k, &e) == BLZ_OK);
  int64_t ts[6];
  int32_t idx[6] = {0, 1, 0, 1, 0, 1};
  for (int i = 0; i < 6; i++) ts[i] = (int64_t)i * 3600 * 1000000; /* one hour each: six partitions */
  const void *tb[2] = {NULL, ts};
  size_t tsz[2] = {0, sizeof ts};
  const char *words[2] = {"a", "b"};
  struct ArrowArray *ia = fx_i32(idx, 6, NULL);
  ia->dictionary = fx_utf8(words, 2);
  struct ArrowArray *cols[2] = {fx_array(6, 0, 0, 2, tb, tsz, 0, NULL), ia};
  struct ArrowArray *b = fx_batch(6, 2, cols);
  CHECK(blz_sink_write(k, b, NULL, &e) == BLZ_OK);
  ((int32_t *)ia->buffers[1])[4] = 7; /* row 4 of the next batch points past the dictionary */
  CHECK(blz_sink_write(k, b, NULL, &e) == BLZ_EFORMAT);
  CHECK_CONTAINS(e.message, "column tag: row 4: dictionary index 7 out of range");
  /* invalid UTF-8 in a dictionary entry used by row 3 refuses the whole batch too */
  ((int32_t *)ia->buffers[1])[4] = 0;
  ((uint8_t *)ia->dictionary->buffers[2])[1] = 0xff; /* "b" */
  CHECK(blz_sink_write(k, b, NULL, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "column tag: row 1: invalid UTF-8 at byte 0");
  CHECK(blz_sink_close(k, &e) == BLZ_OK);
  CHECK_EQ_INT(env.finished_rows, 6); /* the first batch only */
  fx_free_array(b);
  fx_free_schema(s);
  blz_sink_config_free(&c);
  drop_sink(&env, k);
}

void test_sink_config_validate_c_api(void) {
  /* a config filled by hand: every zero, negative or missing value is refused with its key, and
   * blz_sink_create refuses it the same way */
  static const struct { int field; int64_t value; const char *want; } cases[] = {
      {0, 0, "sink.file_size_mb: 0 is out of range"},
      {1, -5, "sink.inactivity_timeout_secs: -5 is out of range"},
      {2, 0, "sink.rollover_timeout_secs: 0"},
      {3, 10, "sink.row_group_size_bytes: 10"},
      {4, 0, "sink.max_open_files: 0"},
      {5, 0, "sink.max_concurrent_uploads: 0"},
      {6, 4, "sink.part_size_mb: 4"},
      {7, -1, "sink.max_retries: -1"},
      {8, -2, "sink.threads: -2"},
      {9, 0, "sink.max_buffered_mb: 0"},
      {10, 99, "sink.compression: unknown codec 99"},
      {11, 13, "sink.compression_level: 13"},
      {12, 0, "sink.path is required"},
      {13, 0, "no column name"},
      {14, 0, "sink.storage_options[0]: a key and a value are required"},
      {15, 0, "only local paths, file:// and s3:// URLs"},
  };
  struct ArrowSchema *s = event_schema();
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    blz_sink_config c;
    blz_sink_config_init(&c);
    char path[] = "/tmp/blz-never-created";
    c.path = path;
    blz_column_encoding ce = {NULL, BLZ_ENCODING_PLAIN};
    blz_kv_pair kv = {NULL, NULL};
    int64_t v = cases[i].value;
    switch (cases[i].field) {
      case 0: c.file_size_mb = v; break;
      case 1: c.inactivity_timeout_secs = v; break;
      case 2: c.rollover_timeout_secs = v; break;
      case 3: c.row_group_size_bytes = v; break;
      case 4: c.max_open_files = v; break;
      case 5: c.max_concurrent_uploads = v; break;
      case 6: c.part_size_mb = v; break;
      case 7: c.max_retries = v; break;
      case 8: c.threads = v; break;
      case 9: c.max_buffered_mb = v; break;
      case 10: c.compression = (blz_compression)v; break;
      case 11: c.compression = BLZ_COMPRESSION_GZIP, c.compression_level = (int)v; break;
      case 12: c.path = NULL; break;
      case 13: c.column_encodings = &ce, c.n_column_encodings = 1; break;
      case 14: c.storage_options = &kv, c.n_storage_options = 1; break;
      default: c.path = (char *)"gs://bucket/table"; break;
    }
    blz_error e = {0};
    blz_status st = blz_sink_config_validate(&c, &e);
    CHECK(st == BLZ_EINVAL || st == BLZ_ENOTSUP);
    CHECK_CONTAINS(e.message, cases[i].want);
    blz_sink *k = NULL;
    memset(&e, 0, sizeof e);
    CHECK(blz_sink_create(&c, s, NULL, &k, &e) == st && k == NULL);
    CHECK_CONTAINS(e.message, cases[i].want);
  }
  CHECK(blz_sink_config_validate(NULL, NULL) == BLZ_EINVAL);
  fx_free_schema(s);
}

void test_config_hostile_shapes(void) {
  blz_sink_config c;
  blz_error e = {0};
  /* 100,000 nested flow sequences: refused at once, not after seconds of loading */
  size_t n = 100000;
  char *deep = malloc(n + 64);
  int k = snprintf(deep, 64, "sink:\n  path: /x\n  storage_options: ");
  memset(deep + k, '[', n);
  CHECK(blz_sink_config_parse(deep, (size_t)k + n, &c, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "nests deeper than 32 levels");
  free(deep);
  /* more than 1 MiB of configuration */
  size_t big = (1 << 20) + 1;
  char *huge = malloc(big);
  memset(huge, '#', big);
  CHECK(blz_sink_config_parse(huge, big, &c, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "more than the 1048576");
  free(huge);
}

typedef struct query_env {
  blz_sink *sink;
  int calls;
  int64_t files_seen;
  pthread_t caller;
  int other_thread; /* hooks that ran on a thread other than the caller's */
} query_env;

static void query_from_hook(void *ctx, const blz_finished_file *f) {
  (void)f;
  query_env *q = ctx;
  if (!pthread_equal(pthread_self(), q->caller)) q->other_thread++;
  blz_sink_stats st;
  blz_sink_get_stats(q->sink, &st); /* would deadlock if stats needed the sink's lock */
  int64_t files, rows, bytes, failed;
  blz_sink_totals(q->sink, &files, &rows, &bytes, &failed);
  q->files_seen = files;
  q->calls++;
  /* not under the sink's lock either: the hook may even tick the sink */
  blz_error e = {0};
  CHECK(blz_sink_tick(q->sink, &e) == BLZ_OK);
}

void test_sink_callback_may_query(void) {
  /* on_finished runs on the writing thread for local storage, at the end of write/tick/close and
   * never under the sink's lock: calling the sink from it must not deadlock (an alarm fails the
   * test instead of hanging) */
  alarm(20);
  char dir[64];
  snprintf(dir, sizeof dir, "/tmp/blz-sink-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  char yaml[256];
  snprintf(yaml, sizeof yaml, "sink:\n  path: %s\n  partition_by:\n    prefix_template: \"region={region}\"\n", dir);
  blz_sink_config c;
  blz_error e = {0};
  CHECK(parse(yaml, &c, &e) == BLZ_OK);
  struct ArrowSchema *s = event_schema();
  query_env q = {0};
  q.caller = pthread_self(); /* files land on landing threads, but hooks run on this one */
  blz_sink_hooks h = {NULL, query_from_hook, NULL, &q};
  CHECK(blz_sink_create(&c, s, &h, &q.sink, &e) == BLZ_OK);
  static const char *two[2] = {"a", "b"};
  struct ArrowArray *b = event_batch(100, 0, 1000, two, 2);
  CHECK(blz_sink_write(q.sink, b, "one.arrows", &e) == BLZ_OK);
  CHECK(blz_sink_write(q.sink, b, "two.arrows", &e) == BLZ_OK); /* a new source: files finish in write */
  CHECK_EQ_INT(q.calls, 2);
  CHECK(blz_sink_close(q.sink, &e) == BLZ_OK);
  CHECK_EQ_INT(q.calls, 4);
  CHECK_EQ_INT(q.files_seen, 4);
  CHECK_EQ_INT(q.other_thread, 0);
  blz_sink_stats st;
  blz_sink_get_stats(q.sink, &st);
  CHECK_EQ_INT(st.open_files, 0);
  CHECK_EQ_INT(st.files_written, 4);
  alarm(0);
  fx_free_array(b);
  fx_free_schema(s);
  blz_sink_config_free(&c);
  blz_sink_destroy(q.sink);
  nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A sink on an existing folder (the same table again, as a re-run would open it). */
static blz_sink *reopen_sink(sink_env *env, const char *extra_yaml) {
  char dir[64];
  memcpy(dir, env->dir, sizeof dir);
  memset(env, 0, sizeof *env);
  memcpy(env->dir, dir, sizeof dir);
  env->now = 1700000000000;
  char yaml[1024];
  snprintf(yaml, sizeof yaml, "sink:\n  path: %s\n%s", env->dir, extra_yaml);
  blz_sink_config c;
  blz_error e = {0};
  CHECK(parse(yaml, &c, &e) == BLZ_OK);
  struct ArrowSchema *s = event_schema();
  blz_sink_hooks h = {fake_now, on_fin, NULL, env};
  blz_sink *k = NULL;
  blz_status st = blz_sink_create(&c, s, &h, &k, &e);
  if (st) fprintf(stderr, "  create: %s\n", e.message);
  CHECK(st == BLZ_OK);
  fx_free_schema(s);
  blz_sink_config_free(&c);
  return k;
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

void test_sink_rerun_skips_landed_rows(void) {
  static const char *two[2] = {"a", "b"};
  const char *part = "  partition_by:\n    prefix_template: \"region={region}\"\n";
  sink_env env;
  blz_sink *k = make_sink(&env, part);
  blz_error e = {0};
  struct ArrowArray *b = event_batch(10, 0, 1000, two, 2); /* regions alternate: a, b, a, b, ... */
  CHECK(blz_sink_write(k, b, "/in/src.arrows", &e) == BLZ_OK);
  CHECK(blz_sink_write(k, b, "/in/src.arrows", &e) == BLZ_OK);
  CHECK(blz_sink_close(k, &e) == BLZ_OK);
  CHECK_EQ_INT(env.finished_rows, 20);
  blz_sink_destroy(k);

  /* the same input again: every row landed, nothing is written twice */
  k = reopen_sink(&env, part);
  CHECK(blz_sink_write(k, b, "/in/src.arrows", &e) == BLZ_OK);
  CHECK(blz_sink_write(k, b, "/in/src.arrows", &e) == BLZ_OK);
  CHECK(blz_sink_close(k, &e) == BLZ_OK);
  blz_sink_stats st;
  blz_sink_get_stats(k, &st);
  CHECK_EQ_INT(env.finished, 0);
  CHECK_EQ_INT(st.rows_skipped, 20);
  /* another source with the same rows is not skipped */
  blz_sink_destroy(k);
  k = reopen_sink(&env, part);
  CHECK(blz_sink_write(k, b, "/in/other.arrows", &e) == BLZ_OK);
  CHECK(blz_sink_close(k, &e) == BLZ_OK);
  CHECK_EQ_INT(env.finished_rows, 10);
  blz_sink_destroy(k);
  drop_sink(&env, NULL);

  /* a landed log saying partition b's rows 0..9 and partition a's rows 4..5 landed: of 20 rows
   * (b = odd rows) 5 of b (1,3,5,7,9) and 1 of a (4) are skipped */
  k = make_sink(&env, part);
  blz_sink_destroy(k);
  char log[128];
  snprintf(log, sizeof log, "%s/_blizzard/landed.log", env.dir);
  write_text(log, "rows 0 10 fregion=b/x.parquet pregion=b s/in/src.arrows\n"
                  "rows 4 6 fregion=a/y.parquet pregion=a s/in/src.arrows\n"
                  "rows 0 20 fz pregion=a s/in/src%20other.arrows\n"
                  "rows 12 1"); /* a line cut by a crash is ignored */
  k = reopen_sink(&env, part);
  CHECK(blz_sink_write(k, b, "/in/src.arrows", &e) == BLZ_OK);
  CHECK(blz_sink_write(k, b, "/in/src.arrows", &e) == BLZ_OK);
  CHECK(blz_sink_close(k, &e) == BLZ_OK);
  blz_sink_get_stats(k, &st);
  CHECK_EQ_INT(st.rows_skipped, 6);
  CHECK_EQ_INT(env.finished_rows, 14);
  fx_free_array(b);
  drop_sink(&env, k);
}

void test_sink_recovery_finishes_or_drops(void) {
  sink_env env;
  blz_sink *k = make_sink(&env, "");
  blz_sink_destroy(k);
  char p[512];
  /* a published file whose meta.json a crash prevented, one never published, a temporary file */
  snprintf(p, sizeof p, "%s/part=1", env.dir);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/part=1/0001.parquet", env.dir);
  write_text(p, "PAR1 not really PAR1");
  snprintf(p, sizeof p, "%s/part=1/.0002.parquet.Ab12Cd", env.dir);
  write_text(p, "half a file");
  snprintf(p, sizeof p, "%s/_blizzard/journal/0001.parquet.landing", env.dir);
  write_text(p, "blizzard-journal 1\nobject\tpart=1/0001.parquet\nsidecar\t_staging/pending/0001.meta.json\n"
                "note\trows 0 3 fpart=1/0001.parquet p s/in.arrows\n\n{\"filename\":\"part=1/0001.parquet\"}\n");
  snprintf(p, sizeof p, "%s/_blizzard/journal/0002.parquet.landing", env.dir);
  write_text(p, "blizzard-journal 1\nobject\tpart=1/0002.parquet\nsidecar\t_staging/pending/0002.meta.json\n"
                "note\t\n\n{}\n");
  char yaml[256];
  snprintf(yaml, sizeof yaml, "sink:\n  path: %s\n", env.dir);
  blz_sink_config c;
  blz_error e = {0};
  CHECK(parse(yaml, &c, &e) == BLZ_OK);
  blz_recovery_report r;
  CHECK(blz_sink_recover(&c, &r, &e) == BLZ_OK);
  CHECK_EQ_INT(r.files_landed, 1);
  CHECK_EQ_INT(r.files_dropped, 1);
  CHECK_EQ_INT(r.temp_files_removed, 1);
  snprintf(p, sizeof p, "%s/_staging/pending/0001.meta.json", env.dir);
  struct stat sb;
  CHECK(stat(p, &sb) == 0 && sb.st_size > 10);
  snprintf(p, sizeof p, "%s/_staging/pending/0002.meta.json", env.dir);
  CHECK(stat(p, &sb) != 0);
  snprintf(p, sizeof p, "%s/_blizzard/journal", env.dir);
  CHECK_EQ_INT(count_files(p, ".landing", NULL), 0);
  /* a second recovery finds nothing to do */
  CHECK(blz_sink_recover(&c, &r, &e) == BLZ_OK);
  CHECK_EQ_INT(r.files_landed + r.files_dropped + r.temp_files_removed, 0);
  /* a damaged record is an error naming it, never skipped */
  snprintf(p, sizeof p, "%s/_blizzard/journal/0003.parquet.landing", env.dir);
  write_text(p, "blizzard-journal 1\nobject\tpart=1/0003.parquet\n");
  CHECK(blz_sink_recover(&c, &r, &e) != BLZ_OK);
  CHECK_CONTAINS(e.message, "0003.parquet.landing");
  blz_sink_config_free(&c);
  drop_sink(&env, NULL);
}

/* Files that cannot land on local disk (_staging is a file here, so no meta.json can be written)
 * fail on the landing threads side by side: close names them and their rows, each published file
 * keeps its journal record, and recovery lands all of them, once, when _staging is a folder. */
void test_sink_local_landing_failure_is_recovered(void) {
  sink_env env;
  blz_sink *k = make_sink(&env, "  partition_by:\n    prefix_template: \"region={region}\"\n");
  char p[512];
  snprintf(p, sizeof p, "%s/_staging/pending", env.dir); /* made by the sink's start */
  CHECK(rmdir(p) == 0);
  snprintf(p, sizeof p, "%s/_staging", env.dir);
  CHECK(rmdir(p) == 0);
  write_text(p, "not a folder");
  static const char *three[3] = {"a", "b", "c"};
  struct ArrowArray *b = event_batch(30, 0, 1000, three, 3);
  blz_error e = {0};
  CHECK(blz_sink_write(k, b, NULL, &e) == BLZ_OK);
  CHECK(blz_sink_close(k, &e) != BLZ_OK);
  CHECK_CONTAINS(e.message, "3 files could not be stored");
  CHECK_CONTAINS(e.message, "(10 rows)");
  CHECK_EQ_INT(env.finished, 0); /* the hook counts stored files only */
  int64_t files, rows, bytes, failed;
  blz_sink_totals(k, &files, &rows, &bytes, &failed);
  CHECK_EQ_INT(failed, 3);
  CHECK_EQ_INT(files, 0);
  blz_sink_destroy(k);
  snprintf(p, sizeof p, "%s/_blizzard/journal", env.dir);
  CHECK_EQ_INT(count_files(p, ".landing", NULL), 3);
  CHECK_EQ_INT(count_files(env.dir, ".parquet", NULL), 3);
  snprintf(p, sizeof p, "%s/_staging", env.dir);
  CHECK(unlink(p) == 0);
  char yaml[256];
  snprintf(yaml, sizeof yaml, "sink:\n  path: %s\n", env.dir);
  blz_sink_config c;
  CHECK(parse(yaml, &c, &e) == BLZ_OK);
  blz_recovery_report r;
  CHECK(blz_sink_recover(&c, &r, &e) == BLZ_OK);
  CHECK_EQ_INT(r.files_landed, 3);
  CHECK_EQ_INT(r.files_dropped, 0);
  snprintf(p, sizeof p, "%s/_staging/pending", env.dir);
  CHECK_EQ_INT(count_files(p, ".meta.json", NULL), 3);
  snprintf(p, sizeof p, "%s/_blizzard/journal", env.dir);
  CHECK_EQ_INT(count_files(p, ".landing", NULL), 0);
  CHECK_EQ_INT(count_files(env.dir, ".parquet", NULL), 3);
  blz_sink_config_free(&c);
  fx_free_array(b);
  drop_sink(&env, NULL);
}

static bool is_dir(const char *base, const char *rel) {
  char p[256];
  struct stat st;
  snprintf(p, sizeof p, "%s/%s", base, rel);
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

void test_make_parents(void) {
  /* mkdir -p tries the deepest folder first and walks up past missing ones: it reports how many
   * folders it made (the ones whose names must be fsync'd), makes none when they exist, refuses a
   * file in the way naming it, and leaves a bare name alone */
  char dir[64], p[256];
  snprintf(dir, sizeof dir, "/tmp/blz-mkdir-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  blz_error e = {0};
  int made = -1;
  snprintf(p, sizeof p, "%s/a/b//c/f.parquet", dir);
  CHECK(blz_make_parents(p, &made, &e) == BLZ_OK);
  CHECK_EQ_INT(made, 3);
  CHECK(is_dir(dir, "a/b/c"));
  blz_fsync_made(p, made);
  CHECK(blz_make_parents(p, &made, &e) == BLZ_OK);
  CHECK_EQ_INT(made, 0);
  snprintf(p, sizeof p, "%s/a/b/d/", dir); /* a trailing '/' makes the folder itself */
  CHECK(blz_make_parents(p, &made, &e) == BLZ_OK);
  CHECK_EQ_INT(made, 1);
  CHECK(is_dir(dir, "a/b/d"));
  snprintf(p, sizeof p, "%s/a/plain", dir);
  FILE *f = fopen(p, "w");
  CHECK(f != NULL);
  if (f) fclose(f);
  snprintf(p, sizeof p, "%s/a/plain/x/y.parquet", dir);
  CHECK(blz_make_parents(p, &made, &e) == BLZ_EIO);
  CHECK(strstr(e.message, "/a/plain") != NULL);
  CHECK(blz_make_parents("y.parquet", &made, &e) == BLZ_OK);
  CHECK_EQ_INT(made, 0);
  nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void test_file_sink_pieces_in_order(void) {
  /* small pieces are gathered in the 1 MiB buffer, large ones written straight through: the file
   * holds every byte in the order given */
  char dir[64], p[128];
  snprintf(dir, sizeof dir, "/tmp/blz-fsink-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  snprintf(p, sizeof p, "%s/f.bin", dir);
  size_t sizes[7] = {10, 70000, 5, (size_t)3 << 20, 100, 65535, 65536}, total = 0;
  for (int i = 0; i < 7; i++) total += sizes[i];
  uint8_t *want = malloc(total);
  for (size_t i = 0; i < total; i++) want[i] = (uint8_t)(i * 131 + (i >> 16));
  blz_file_sink fs;
  blz_error e = {0};
  CHECK(blz_file_sink_open(&fs, p, &e) == BLZ_OK);
  size_t at = 0;
  for (int i = 0; i < 7; i++) {
    CHECK(blz_file_sink_write(&fs, want + at, sizes[i], &e) == BLZ_OK);
    at += sizes[i];
  }
  CHECK(blz_file_sink_commit(&fs, &e) == BLZ_OK);
  blz_file_sink_discard(&fs);
  FILE *f = fopen(p, "rb");
  CHECK(f != NULL);
  uint8_t *got = malloc(total + 1);
  size_t n = f ? fread(got, 1, total + 1, f) : 0;
  if (f) fclose(f);
  CHECK_EQ_INT(n, total);
  CHECK(n == total && memcmp(got, want, total) == 0);
  free(got);
  free(want);
  nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Journal records are written into spare files left by removed ones: landing after landing
 * reuses a few inodes instead of creating and freeing one per file. The records list as before,
 * spares are neither listed nor kept past close, and a second opener (refused by the lock) does
 * not take the holder's spares. */
void test_journal_reuses_record_files(void) {
  char dir[64] = "/tmp/blz-journal-XXXXXX", jdir[96];
  CHECK(mkdtemp(dir) != NULL);
  snprintf(jdir, sizeof jdir, "%s/journal", dir);
  blz_journal j;
  blz_error e = {0};
  CHECK(blz_journal_open(&j, dir, &e) == BLZ_OK);
  ino_t seen[8];
  int nseen = 0;
  bool few = true;
  for (int i = 0; i < 40; i++) {
    char name[32], object[32];
    snprintf(name, sizeof name, "%04d.parquet.landing", i);
    snprintf(object, sizeof object, "p/%04d.parquet", i);
    blz_journal_entry en = {name, object, "_staging/pending/x.meta.json", "", (uint8_t *)"{}", 2};
    CHECK(blz_journal_add(&j, &en, &e) == BLZ_OK);
    blz_journal_entry *es;
    int n;
    CHECK(blz_journal_list(&j, &es, &n, &e) == BLZ_OK);
    CHECK_EQ_INT(n, 1);
    if (n == 1) CHECK(!strcmp(es[0].name, name) && !strcmp(es[0].object, object));
    blz_journal_entries_free(es, n);
    char path[128];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", jdir, name);
    CHECK(stat(path, &st) == 0);
    /* from the second on, written into the removed record's file (marked below), not a new one:
     * a file system may hand a freed inode number straight back, a mode it cannot */
    if (i > 0) CHECK_EQ_INT(st.st_mode & 0777, 0604);
    int k = 0;
    while (k < nseen && seen[k] != st.st_ino) k++;
    if (k == nseen && nseen < 8) seen[nseen++] = st.st_ino;
    else if (k == nseen) few = false;
    blz_journal_remove(&j, name);
    CHECK(stat(path, &st) != 0);
    DIR *sd = opendir(jdir);
    struct dirent *sde;
    while (sd && (sde = readdir(sd))) /* mark the spares */
      if (!strncmp(sde->d_name, ".spare-", 7)) {
        char sp[400];
        snprintf(sp, sizeof sp, "%s/%s", jdir, sde->d_name);
        CHECK(chmod(sp, 0604) == 0);
      }
    if (sd) closedir(sd);
  }
  CHECK(few);          /* 40 records, at most 8 inodes (one here, written one at a time) */
  CHECK(nseen <= 2);
  blz_journal other;
  CHECK(blz_journal_open(&other, dir, &e) == BLZ_EINVAL); /* locked */
  DIR *d = opendir(jdir);
  int spares = 0;
  struct dirent *de;
  while (d && (de = readdir(d))) spares += !strncmp(de->d_name, ".spare-", 7);
  if (d) closedir(d);
  CHECK_EQ_INT(spares, 1); /* the refused opener left the holder's spare alone */
  blz_journal_close(&j);
  d = opendir(jdir);
  int left = 0;
  while (d && (de = readdir(d))) left += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
  if (d) closedir(d);
  CHECK_EQ_INT(left, 0); /* no record, no spare after close */
  nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}
