/* config.c — the YAML configuration (libyaml): `sink:` keys, defaults, ${VAR} interpolation, errors with lines. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <yaml.h>

#include "../common/blz_common.h"

void blz_sink_config_init(blz_sink_config *c) {
  memset(c, 0, sizeof *c);
  c->file_size_mb = 128;
  c->inactivity_timeout_secs = 60;
  c->rollover_timeout_secs = 300;
  c->row_group_size_bytes = 128 << 20;
  c->compression = BLZ_COMPRESSION_SNAPPY;
  c->max_open_files = 32;
  c->max_concurrent_uploads = 4;
  c->part_size_mb = 32;
  c->min_multipart_size_mb = 5;
  c->max_concurrent_parts = 8;
  c->max_retries = 5;
  c->max_buffered_mb = 384;
  c->bloom_filter_fpp = 0.01;
  c->stats_columns = 32;
}

void blz_sink_config_free(blz_sink_config *c) {
  if (!c) return;
  free(c->path);
  free(c->partition_template);
  free(c->partition_time_column);
  free(c->spill_path);
  free(c->metrics_address);
  for (int i = 0; i < c->n_storage_options; i++) {
    free(c->storage_options[i].key);
    free(c->storage_options[i].value);
  }
  free(c->storage_options);
  for (int i = 0; i < c->n_column_encodings; i++) free((char *)c->column_encodings[i].column);
  free(c->column_encodings);
  for (int i = 0; i < c->n_bloom_filter_columns; i++) free(c->bloom_filter_columns[i]);
  free(c->bloom_filter_columns);
  for (int i = 0; i < c->n_sort_by; i++) free(c->sort_by[i]);
  free(c->sort_by);
  blz_sink_config_init(c);
}

/* Expands ${VAR} and ${VAR:-default}; an unset VAR without default is an error. */
static blz_status interpolate(const char *in, char **out, const char *key, size_t line, blz_error *err) {
  blz_buf b = {0};
  for (const char *p = in; *p;) {
    if (p[0] == '$' && p[1] == '{') {
      const char *end = strchr(p, '}');
      if (!end) {
        blz_buf_free(&b);
        return blz_fail(err, BLZ_EINVAL, "line %zu: %s: unterminated ${ in value", line, key);
      }
      const char *name = p + 2, *def = NULL;
      size_t nlen = (size_t)(end - name);
      const char *colon = memchr(name, ':', nlen);
      if (colon && colon[1] == '-') {
        def = colon + 2;
        nlen = (size_t)(colon - name);
      }
      char vname[256];
      if (nlen == 0 || nlen >= sizeof vname) {
        blz_buf_free(&b);
        return blz_fail(err, BLZ_EINVAL, "line %zu: %s: bad variable reference", line, key);
      }
      memcpy(vname, name, nlen);
      vname[nlen] = 0;
      const char *val = getenv(vname);
      if (val && *val) {
        if (!blz_buf_append(&b, val, strlen(val))) goto oom;
      } else if (def) {
        if (!blz_buf_append(&b, def, (size_t)(end - def))) goto oom;
      } else {
        blz_buf_free(&b);
        return blz_fail(err, BLZ_EINVAL, "line %zu: %s: environment variable %s is not set", line, key, vname);
      }
      p = end + 1;
    } else {
      if (!blz_buf_push(&b, (uint8_t)*p++)) goto oom;
    }
  }
  if (!blz_buf_push(&b, 0)) goto oom;
  *out = (char *)b.data;
  return BLZ_OK;
oom:
  blz_buf_free(&b);
  return blz_fail(err, BLZ_ENOMEM, "out of memory");
}

typedef struct ctx {
  yaml_document_t *doc;
  blz_error *err;
} ctx;

static size_t line_of(yaml_node_t *n) { return n->start_mark.line + 1; }

static blz_status scalar(ctx *c, yaml_node_t *n, const char *key, char **out) {
  if (n->type != YAML_SCALAR_NODE)
    return blz_fail(c->err, BLZ_EINVAL, "line %zu: %s: expected a single value", line_of(n), key);
  return interpolate((const char *)n->data.scalar.value, out, key, line_of(n), c->err);
}

/* true/yes or false/no */
static blz_status boolean(ctx *c, yaml_node_t *n, const char *key, bool *out) {
  char *s;
  BLZ_TRY(scalar(c, n, key, &s));
  bool t = !strcmp(s, "true") || !strcmp(s, "yes"), f = !strcmp(s, "false") || !strcmp(s, "no");
  free(s);
  if (!t && !f) return blz_fail(c->err, BLZ_EINVAL, "line %zu: %s: expected true or false", line_of(n), key);
  *out = t;
  return BLZ_OK;
}

static blz_status integer(ctx *c, yaml_node_t *n, const char *key, int64_t min, int64_t max, int64_t *out) {
  char *s;
  BLZ_TRY(scalar(c, n, key, &s));
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  bool bad = errno || end == s || *end;
  free(s);
  if (bad) return blz_fail(c->err, BLZ_EINVAL, "line %zu: %s: expected an integer", line_of(n), key);
  if (v < min || v > max)
    return blz_fail(c->err, BLZ_EINVAL, "line %zu: %s: %lld is out of range %lld..%lld", line_of(n), key, v,
                    (long long)min, (long long)max);
  *out = v;
  return BLZ_OK;
}

static blz_status string_field(ctx *c, yaml_node_t *n, const char *key, char **dst) {
  char *s;
  BLZ_TRY(scalar(c, n, key, &s));
  free(*dst);
  *dst = s;
  return BLZ_OK;
}

static blz_status parse_partition(ctx *c, yaml_node_t *m, blz_sink_config *cfg) {
  if (m->type != YAML_MAPPING_NODE)
    return blz_fail(c->err, BLZ_EINVAL, "line %zu: sink.partition_by: expected a mapping", line_of(m));
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(c->doc, p->key), *v = yaml_document_get_node(c->doc, p->value);
    const char *key = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "?";
    if (!strcmp(key, "prefix_template")) BLZ_TRY(string_field(c, v, "sink.partition_by.prefix_template", &cfg->partition_template));
    else if (!strcmp(key, "time_column")) BLZ_TRY(string_field(c, v, "sink.partition_by.time_column", &cfg->partition_time_column));
    else return blz_fail(c->err, BLZ_EINVAL, "line %zu: sink.partition_by: unknown key '%s' (prefix_template, time_column)", line_of(k), key);
  }
  if (!cfg->partition_template)
    return blz_fail(c->err, BLZ_EINVAL, "line %zu: sink.partition_by: prefix_template is required", line_of(m));
  return BLZ_OK;
}

/* Appends the scalars of sequence n to the owned list *out of *count strings. */
static blz_status string_list(ctx *c, yaml_node_t *n, const char *name, char ***out, int *count) {
  for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
    char **o = realloc(*out, (size_t)(*count + 1) * sizeof *o);
    if (!o) return blz_fail(c->err, BLZ_ENOMEM, "out of memory");
    *out = o;
    o[*count] = NULL;
    BLZ_TRY(scalar(c, yaml_document_get_node(c->doc, *it), name, &o[*count]));
    (*count)++;
  }
  return BLZ_OK;
}

/* bloom_filter_columns: [column, ...] or all */
static blz_status parse_bloom_columns(ctx *c, yaml_node_t *n, blz_sink_config *cfg) {
  if (n->type == YAML_SCALAR_NODE && !strcmp((const char *)n->data.scalar.value, "all")) {
    cfg->bloom_filter_all = true;
    return BLZ_OK;
  }
  if (n->type != YAML_SEQUENCE_NODE)
    return blz_fail(c->err, BLZ_EINVAL, "line %zu: sink.bloom_filter_columns: expected a list of columns or all", line_of(n));
  return string_list(c, n, "sink.bloom_filter_columns", &cfg->bloom_filter_columns, &cfg->n_bloom_filter_columns);
}

/* sort_by: [column, ...] */
static blz_status parse_sort_by(ctx *c, yaml_node_t *n, blz_sink_config *cfg) {
  if (n->type != YAML_SEQUENCE_NODE)
    return blz_fail(c->err, BLZ_EINVAL, "line %zu: sink.sort_by: expected a list of columns", line_of(n));
  return string_list(c, n, "sink.sort_by", &cfg->sort_by, &cfg->n_sort_by);
}

/* column_encodings: {column: encoding, ...} */
static blz_status parse_column_encodings(ctx *c, yaml_node_t *m, blz_sink_config *cfg) {
  if (m->type != YAML_MAPPING_NODE)
    return blz_fail(c->err, BLZ_EINVAL, "line %zu: sink.column_encodings: expected a mapping of column: encoding", line_of(m));
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(c->doc, p->key), *v = yaml_document_get_node(c->doc, p->value);
    if (k->type != YAML_SCALAR_NODE)
      return blz_fail(c->err, BLZ_EINVAL, "line %zu: sink.column_encodings: keys must be column names", line_of(k));
    blz_column_encoding *o = realloc(cfg->column_encodings, (size_t)(cfg->n_column_encodings + 1) * sizeof *o);
    if (!o) return blz_fail(c->err, BLZ_ENOMEM, "out of memory");
    cfg->column_encodings = o;
    blz_column_encoding *ce = &o[cfg->n_column_encodings];
    ce->column = strdup((const char *)k->data.scalar.value);
    if (!ce->column) return blz_fail(c->err, BLZ_ENOMEM, "out of memory");
    cfg->n_column_encodings++;
    char name[300], *s;
    snprintf(name, sizeof name, "sink.column_encodings.%s", ce->column);
    BLZ_TRY(scalar(c, v, name, &s));
    blz_status st = blz_encoding_parse(s, &ce->encoding);
    if (st)
      st = blz_fail(c->err, BLZ_EINVAL, "line %zu: %s: unknown encoding '%s' (plain, rle_dictionary, delta_binary_packed, "
                    "delta_length_byte_array, delta_byte_array, byte_stream_split, auto)", line_of(v), name, s);
    free(s);
    BLZ_TRY(st);
  }
  return BLZ_OK;
}

static blz_status parse_options(ctx *c, yaml_node_t *m, blz_sink_config *cfg) {
  if (m->type != YAML_MAPPING_NODE)
    return blz_fail(c->err, BLZ_EINVAL, "line %zu: sink.storage_options: expected a mapping", line_of(m));
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(c->doc, p->key), *v = yaml_document_get_node(c->doc, p->value);
    if (k->type != YAML_SCALAR_NODE)
      return blz_fail(c->err, BLZ_EINVAL, "line %zu: sink.storage_options: keys must be strings", line_of(k));
    blz_kv_pair *o = realloc(cfg->storage_options, (size_t)(cfg->n_storage_options + 1) * sizeof *o);
    if (!o) return blz_fail(c->err, BLZ_ENOMEM, "out of memory");
    cfg->storage_options = o;
    blz_kv_pair *kv = &o[cfg->n_storage_options];
    kv->key = strdup((const char *)k->data.scalar.value);
    kv->value = NULL;
    cfg->n_storage_options++;
    if (!kv->key) return blz_fail(c->err, BLZ_ENOMEM, "out of memory");
    char name[300];
    snprintf(name, sizeof name, "sink.storage_options.%s", kv->key);
    BLZ_TRY(scalar(c, v, name, &kv->value));
  }
  return BLZ_OK;
}

#define MB_MAX (1LL << 20)

static blz_status parse_sink(ctx *c, yaml_node_t *m, blz_sink_config *cfg) {
  if (m->type != YAML_MAPPING_NODE) return blz_fail(c->err, BLZ_EINVAL, "line %zu: sink: expected a mapping", line_of(m));
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(c->doc, p->key), *v = yaml_document_get_node(c->doc, p->value);
    const char *key = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "?";
    char name[128];
    snprintf(name, sizeof name, "sink.%s", key);
    if (!strcmp(key, "path")) BLZ_TRY(string_field(c, v, name, &cfg->path));
    else if (!strcmp(key, "file_size_mb")) BLZ_TRY(integer(c, v, name, 1, MB_MAX, &cfg->file_size_mb));
    else if (!strcmp(key, "inactivity_timeout_secs")) BLZ_TRY(integer(c, v, name, 1, 86400 * 365, &cfg->inactivity_timeout_secs));
    else if (!strcmp(key, "rollover_timeout_secs")) BLZ_TRY(integer(c, v, name, 1, 86400 * 365, &cfg->rollover_timeout_secs));
    else if (!strcmp(key, "row_group_size_bytes")) BLZ_TRY(integer(c, v, name, 1024, 1LL << 40, &cfg->row_group_size_bytes));
    else if (!strcmp(key, "compression_level")) {
      int64_t l;
      BLZ_TRY(integer(c, v, name, 1, 22, &l));
      cfg->compression_level = (int)l;
    } else if (!strcmp(key, "compression")) {
      char *s;
      BLZ_TRY(scalar(c, v, name, &s));
      blz_status st = blz_compression_parse(s, &cfg->compression);
      if (st) st = blz_fail(c->err, BLZ_EINVAL, "line %zu: sink.compression: unknown codec '%s' (snappy, gzip, zstd, lz4, uncompressed)", line_of(v), s);
      free(s);
      BLZ_TRY(st);
    } else if (!strcmp(key, "encoding_profile")) {
      char *s;
      BLZ_TRY(scalar(c, v, name, &s));
      blz_status st = blz_encoding_profile_parse(s, &cfg->encoding_profile);
      if (st) st = blz_fail(c->err, BLZ_EINVAL, "line %zu: sink.encoding_profile: unknown profile '%s' (compatible, compact)", line_of(v), s);
      free(s);
      BLZ_TRY(st);
    } else if (!strcmp(key, "column_encodings")) BLZ_TRY(parse_column_encodings(c, v, cfg));
    else if (!strcmp(key, "page_checksums")) BLZ_TRY(boolean(c, v, name, &cfg->page_checksums));
    else if (!strcmp(key, "bloom_filter_columns")) BLZ_TRY(parse_bloom_columns(c, v, cfg));
    else if (!strcmp(key, "sort_by")) BLZ_TRY(parse_sort_by(c, v, cfg));
    else if (!strcmp(key, "sort_nulls_first")) BLZ_TRY(boolean(c, v, name, &cfg->sort_nulls_first));
    else if (!strcmp(key, "stats_columns")) BLZ_TRY(integer(c, v, name, 0, 100000, &cfg->stats_columns));
    else if (!strcmp(key, "bloom_filter_fpp")) {
      char *s, *end;
      BLZ_TRY(scalar(c, v, name, &s));
      double f = strtod(s, &end);
      bool bad = *end || end == s || !(f > 0 && f < 1);
      free(s);
      if (bad) return blz_fail(c->err, BLZ_EINVAL, "line %zu: sink.bloom_filter_fpp: expected a number between 0 and 1", line_of(v));
      cfg->bloom_filter_fpp = f;
    }
    else if (!strcmp(key, "partition_by")) BLZ_TRY(parse_partition(c, v, cfg));
    else if (!strcmp(key, "max_open_files")) BLZ_TRY(integer(c, v, name, 1, 100000, &cfg->max_open_files));
    else if (!strcmp(key, "max_concurrent_uploads")) BLZ_TRY(integer(c, v, name, 1, 1024, &cfg->max_concurrent_uploads));
    else if (!strcmp(key, "part_size_mb")) BLZ_TRY(integer(c, v, name, 5, 5120, &cfg->part_size_mb));
    else if (!strcmp(key, "min_multipart_size_mb")) BLZ_TRY(integer(c, v, name, 5, 5120, &cfg->min_multipart_size_mb));
    else if (!strcmp(key, "max_concurrent_parts")) BLZ_TRY(integer(c, v, name, 1, 1024, &cfg->max_concurrent_parts));
    else if (!strcmp(key, "storage_options")) BLZ_TRY(parse_options(c, v, cfg));
    else if (!strcmp(key, "max_retries")) BLZ_TRY(integer(c, v, name, 0, 100, &cfg->max_retries));
    else if (!strcmp(key, "threads")) BLZ_TRY(integer(c, v, name, 0, 1024, &cfg->threads));
    else if (!strcmp(key, "max_buffered_mb")) BLZ_TRY(integer(c, v, name, 1, MB_MAX, &cfg->max_buffered_mb));
    else if (!strcmp(key, "spill_path")) BLZ_TRY(string_field(c, v, name, &cfg->spill_path));
    else
      return blz_fail(c->err, BLZ_EINVAL,
                      "line %zu: sink: unknown key '%s' (path, file_size_mb, inactivity_timeout_secs, rollover_timeout_secs, "
                      "row_group_size_bytes, compression, compression_level, encoding_profile, column_encodings, page_checksums, bloom_filter_columns, bloom_filter_fpp, sort_by, sort_nulls_first, stats_columns, partition_by, max_open_files, "
                      "max_concurrent_uploads, part_size_mb, min_multipart_size_mb, max_concurrent_parts, max_retries, threads, max_buffered_mb, spill_path, storage_options)",
                      line_of(k), key);
  }
  if (!cfg->path || !*cfg->path) return blz_fail(c->err, BLZ_EINVAL, "line %zu: sink.path is required", line_of(m));
  return BLZ_OK;
}

static blz_status parse_metrics(ctx *c, yaml_node_t *m, blz_sink_config *cfg) {
  if (m->type != YAML_MAPPING_NODE) return blz_fail(c->err, BLZ_EINVAL, "line %zu: metrics: expected a mapping", line_of(m));
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(c->doc, p->key), *v = yaml_document_get_node(c->doc, p->value);
    const char *key = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "?";
    if (!strcmp(key, "enabled")) {
      BLZ_TRY(boolean(c, v, "metrics.enabled", &cfg->metrics_enabled));
    } else if (!strcmp(key, "address")) {
      BLZ_TRY(string_field(c, v, "metrics.address", &cfg->metrics_address));
      const char *colon = strrchr(cfg->metrics_address, ':');
      long port = colon ? strtol(colon + 1, NULL, 10) : 0;
      if (!colon || port < 1 || port > 65535)
        return blz_fail(c->err, BLZ_EINVAL, "line %zu: metrics.address: expected HOST:PORT, got '%s'", line_of(v), cfg->metrics_address);
    } else {
      return blz_fail(c->err, BLZ_EINVAL, "line %zu: metrics: unknown key '%s' (enabled, address)", line_of(k), key);
    }
  }
  return BLZ_OK;
}

#define CONFIG_MAX_BYTES (1 << 20)
#define CONFIG_MAX_DEPTH 32

/* Hostile input is refused before libyaml builds a document of it: a configuration is small and
 * shallow, and 200,000 nested '[' would otherwise keep the loader busy for many seconds. */
static blz_status check_shape(const char *yaml, size_t len, blz_error *err) {
  if (len > CONFIG_MAX_BYTES)
    return blz_fail(err, BLZ_EINVAL, "the configuration is %zu bytes, more than the %d a sink configuration may have", len, CONFIG_MAX_BYTES);
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
  blz_status st = BLZ_OK;
  int depth = 0;
  for (bool done = false; !done && !st;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) break; /* the loader reports syntax errors with their line */
    if (ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT) {
      if (++depth > CONFIG_MAX_DEPTH)
        st = blz_fail(err, BLZ_EINVAL, "line %zu: the configuration nests deeper than %d levels",
                      ev.start_mark.line + 1, CONFIG_MAX_DEPTH);
    } else if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) {
      depth--;
    }
    done = ev.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&parser);
  return st;
}

blz_status blz_sink_config_parse(const char *yaml, size_t len, blz_sink_config *cfg, blz_error *err) {
  blz_sink_config_init(cfg);
  BLZ_TRY(check_shape(yaml, len, err));
  yaml_parser_t parser;
  yaml_document_t doc;
  if (!yaml_parser_initialize(&parser)) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
  if (!yaml_parser_load(&parser, &doc)) {
    blz_status st = blz_fail(err, BLZ_EINVAL, "line %zu: YAML: %s%s%s", parser.problem_mark.line + 1,
                             parser.problem ? parser.problem : "syntax error", parser.context ? " " : "",
                             parser.context ? parser.context : "");
    yaml_parser_delete(&parser);
    return st;
  }
  ctx c = {&doc, err};
  blz_status st = BLZ_OK;
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  bool have_sink = false;
  if (!root) {
    st = blz_fail(err, BLZ_EINVAL, "line 1: the configuration is empty (a sink: section is required)");
  } else if (root->type != YAML_MAPPING_NODE) {
    st = blz_fail(err, BLZ_EINVAL, "line %zu: expected a mapping with a sink: section", line_of(root));
  } else {
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top && !st; p++) {
      yaml_node_t *k = yaml_document_get_node(&doc, p->key), *v = yaml_document_get_node(&doc, p->value);
      const char *key = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "?";
      if (!strcmp(key, "sink")) {
        have_sink = true;
        st = parse_sink(&c, v, cfg);
      } else if (!strcmp(key, "metrics")) {
        st = parse_metrics(&c, v, cfg);
      } else {
        st = blz_fail(err, BLZ_EINVAL, "line %zu: unknown top-level key '%s' (sink, metrics)", line_of(k), key);
      }
    }
    if (!st && !have_sink) st = blz_fail(err, BLZ_EINVAL, "line 1: a sink: section is required");
  if (!st && !cfg->metrics_address && !(cfg->metrics_address = strdup("0.0.0.0:9090")))
    st = blz_fail(err, BLZ_ENOMEM, "out of memory");
  }
  /* S3's limits: parts of 5 MiB to 5 GiB, at most 10,000 of them; files may run a little past
   * file_size_mb, so a margin is kept */
  if (!st && (cfg->file_size_mb * 11 / 10 + cfg->part_size_mb - 1) / cfg->part_size_mb > 10000)
    st = blz_fail(err, BLZ_EINVAL, "sink.part_size_mb: %lld MiB parts would need more than S3's 10,000 parts for files of %lld MiB",
                  (long long)cfg->part_size_mb, (long long)cfg->file_size_mb);

  yaml_document_delete(&doc);
  yaml_parser_delete(&parser);
  if (st) blz_sink_config_free(cfg);
  return st;
}

blz_status blz_sink_config_load(const char *path, blz_sink_config *cfg, blz_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return blz_fail(err, BLZ_EIO, "cannot open config %s: %s", path, strerror(errno));
  blz_buf b = {0};
  char tmp[65536];
  size_t n;
  while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
    if (!blz_buf_append(&b, tmp, n)) {
      fclose(f);
      blz_buf_free(&b);
      return blz_fail(err, BLZ_ENOMEM, "out of memory");
    }
  fclose(f);
  blz_status st = blz_sink_config_parse(b.data ? (const char *)b.data : "", b.len, cfg, err);
  blz_buf_free(&b);
  if (st) blz_error_prefix(err, "%s", path);
  return st;
}
