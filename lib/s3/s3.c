/* s3.c — S3 requests signed with SigV4, classified for retry, and the multipart upload protocol. */
#define _GNU_SOURCE /* memmem */
#include "s3.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <strings.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

#include "sigv4.h"

/* Overwrites a secret before its memory is freed or reused. */
static void wipe(char *s) {
  if (s) OPENSSL_cleanse(s, strlen(s));
}

/* ---------- options ---------- */

static const char *opt(const blz_s3_config *cfg, const char *const *names) {
  for (int i = 0; i < cfg->n_options; i++)
    for (const char *const *n = names; *n; n++)
      if (!strcmp(cfg->options[i].key, *n)) return cfg->options[i].value;
  for (const char *const *n = names; *n; n++) /* the upper-case names are also environment variables */
    if ((*n)[0] >= 'A' && (*n)[0] <= 'Z') {
      const char *v = getenv(*n);
      if (v && *v) return v;
    }
  return NULL;
}

static bool truthy(const char *v) {
  return v && (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes"));
}

static const char *const K_REGION[] = {"AWS_REGION", "AWS_DEFAULT_REGION", "aws_region", "region", NULL};
static const char *const K_KEY[] = {"AWS_ACCESS_KEY_ID", "aws_access_key_id", "access_key_id", NULL};
static const char *const K_SECRET[] = {"AWS_SECRET_ACCESS_KEY", "aws_secret_access_key", "secret_access_key", NULL};
static const char *const K_TOKEN[] = {"AWS_SESSION_TOKEN", "aws_session_token", "session_token", "token", NULL};
static const char *const K_ENDPOINT[] = {"AWS_ENDPOINT_URL", "AWS_ENDPOINT", "aws_endpoint_url", "aws_endpoint", "endpoint_url", "endpoint", NULL};
static const char *const K_HTTP[] = {"AWS_ALLOW_HTTP", "aws_allow_http", "allow_http", NULL};
static const char *const K_VHOST[] = {"AWS_VIRTUAL_HOSTED_STYLE_REQUEST", "aws_virtual_hosted_style_request", "virtual_hosted_style_request", NULL};
static const char *const *const KNOWN[] = {K_REGION, K_KEY, K_SECRET, K_TOKEN, K_ENDPOINT, K_HTTP, K_VHOST, NULL};

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

blz_status blz_s3_options_from(const blz_s3_config *cfg, blz_s3_options *o, blz_error *err) {
  memset(o, 0, sizeof *o);
  if (strncmp(cfg->url, "s3://", 5)) return blz_fail(err, BLZ_EINVAL, "sink.path '%s' is not an s3:// URL", cfg->url);
  for (int i = 0; i < cfg->n_options; i++) {
    bool known = false;
    for (int k = 0; KNOWN[k] && !known; k++)
      for (const char *const *n = KNOWN[k]; *n; n++) known |= !strcmp(cfg->options[i].key, *n);
    if (!known)
      return blz_fail(err, BLZ_EINVAL, "sink.storage_options.%s: unknown option (AWS_REGION, AWS_ACCESS_KEY_ID, "
                      "AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_ENDPOINT_URL, AWS_ALLOW_HTTP, "
                      "AWS_VIRTUAL_HOSTED_STYLE_REQUEST, or their lower-case forms)", cfg->options[i].key);
  }
  const char *b = cfg->url + 5, *slash = strchr(b, '/');
  size_t bl = slash ? (size_t)(slash - b) : strlen(b);
  if (bl == 0) return blz_fail(err, BLZ_EINVAL, "sink.path '%s' has no bucket", cfg->url);
  o->bucket = strndup(b, bl);
  const char *pre = slash ? slash + 1 : "";
  size_t pl = strlen(pre);
  while (pl > 0 && pre[pl - 1] == '/') pl--;
  o->prefix = strndup(pre, pl);
  const char *region = opt(cfg, K_REGION);
  o->region = strdup(region ? region : "us-east-1");
  o->access_key = dup_or_null(opt(cfg, K_KEY));
  o->secret_key = dup_or_null(opt(cfg, K_SECRET));
  o->session_token = dup_or_null(opt(cfg, K_TOKEN));
  o->allow_http = truthy(opt(cfg, K_HTTP));
  const char *ep = opt(cfg, K_ENDPOINT);
  const char *vh = opt(cfg, K_VHOST);
  if (ep) {
    size_t n = strlen(ep);
    while (n > 0 && ep[n - 1] == '/') n--;
    o->endpoint = strndup(ep, n);
    o->virtual_hosted = truthy(vh); /* custom endpoints are path-style unless asked */
  } else {
    char def[256];
    snprintf(def, sizeof def, "https://s3.%s.amazonaws.com", o->region);
    o->endpoint = strdup(def);
    o->virtual_hosted = vh ? truthy(vh) : true;
  }
  o->max_retries = (int)cfg->max_retries;
  o->retry_base_ms = 100;
  o->retry_max_ms = 5000;
  o->connect_timeout_s = 10;
  o->low_speed_time_s = 30;
  if (!o->bucket || !o->prefix || !o->region || !o->endpoint) {
    blz_s3_options_free(o);
    return blz_fail(err, BLZ_ENOMEM, "out of memory");
  }
  if (!strncmp(o->endpoint, "http://", 7) && !o->allow_http) {
    blz_status st = blz_fail(err, BLZ_EINVAL, "endpoint %s is plain HTTP: set AWS_ALLOW_HTTP: \"true\" to allow it", o->endpoint);
    blz_s3_options_free(o);
    return st;
  }
  if (strncmp(o->endpoint, "http://", 7) && strncmp(o->endpoint, "https://", 8)) {
    blz_status st = blz_fail(err, BLZ_EINVAL, "endpoint %s must start with https:// (or http://)", o->endpoint);
    blz_s3_options_free(o);
    return st;
  }
  if (!o->access_key || !o->secret_key) {
    blz_s3_options_free(o);
    return blz_fail(err, BLZ_EINVAL, "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in "
                    "sink.storage_options or the environment");
  }
  return BLZ_OK;
}

void blz_s3_options_free(blz_s3_options *o) {
  free(o->bucket);
  free(o->prefix);
  free(o->region);
  free(o->endpoint);
  free(o->access_key);
  if (o->secret_key) wipe(o->secret_key);
  free(o->secret_key);
  free(o->session_token);
  memset(o, 0, sizeof *o);
}

/* ---------- XML ---------- */

bool blz_xml_value(const char *xml, size_t n, const char *tag, char *out, size_t outlen) {
  char open[64], close[64];
  int ol = snprintf(open, sizeof open, "<%s>", tag), cl = snprintf(close, sizeof close, "</%s>", tag);
  if (ol <= 0 || cl <= 0 || (size_t)ol >= sizeof open || (size_t)cl >= sizeof close || outlen == 0) return false;
  const char *end = xml + n;
  for (const char *p = xml; p + ol <= end; p++) {
    if (memcmp(p, open, (size_t)ol)) continue;
    const char *v = p + ol;
    for (const char *q = v; q + cl <= end; q++) {
      if (memcmp(q, close, (size_t)cl)) continue;
      size_t len = (size_t)(q - v);
      if (len >= outlen) return false;
      memcpy(out, v, len);
      out[len] = 0;
      return true;
    }
    return false;
  }
  return false;
}

/* ---------- one request ---------- */

typedef struct response {
  long status;
  blz_buf body;
  char etag[128];
  char request_id[128];
} response;

typedef struct body_reader {
  const uint8_t *p;
  size_t left;
} body_reader;

static size_t on_read(char *dst, size_t size, size_t n, void *ctx) {
  body_reader *r = ctx;
  size_t k = size * n < r->left ? size * n : r->left;
  memcpy(dst, r->p, k);
  r->p += k;
  r->left -= k;
  return k;
}

static size_t on_write(char *src, size_t size, size_t n, void *ctx) {
  response *r = ctx;
  if (r->body.len < (1 << 20)) blz_buf_append(&r->body, src, size * n); /* error documents are small */
  return size * n;
}

static void header_value(const char *line, size_t n, const char *name, char *out, size_t outlen) {
  size_t nl = strlen(name);
  if (n <= nl + 1 || strncasecmp(line, name, nl) || line[nl] != ':') return;
  const char *v = line + nl + 1;
  const char *e = line + n;
  while (v < e && (*v == ' ' || *v == '\t')) v++;
  while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ')) e--;
  size_t len = (size_t)(e - v) < outlen - 1 ? (size_t)(e - v) : outlen - 1;
  memcpy(out, v, len);
  out[len] = 0;
}

static size_t on_header(char *line, size_t size, size_t n, void *ctx) {
  response *r = ctx;
  header_value(line, size * n, "etag", r->etag, sizeof r->etag);
  header_value(line, size * n, "x-amz-request-id", r->request_id, sizeof r->request_id);
  return size * n;
}

/* Host and absolute path for key in this addressing style. */
static bool target(const blz_s3_options *o, const char *key, blz_buf *url, char *host, size_t hostlen, blz_buf *path) {
  const char *scheme_end = strstr(o->endpoint, "://") + 3;
  const char *authority = scheme_end;
  size_t alen = strcspn(authority, "/");
  blz_buf full = {0};
  bool ok;
  if (o->virtual_hosted) {
    ok = snprintf(host, hostlen, "%s.%.*s", o->bucket, (int)alen, authority) < (int)hostlen;
    ok = ok && blz_buf_push(path, '/');
  } else {
    ok = snprintf(host, hostlen, "%.*s", (int)alen, authority) < (int)hostlen;
    ok = ok && blz_buf_push(path, '/') && blz_uri_encode(path, o->bucket, false) && blz_buf_push(path, '/');
  }
  if (*o->prefix) ok = ok && blz_buf_append(&full, o->prefix, strlen(o->prefix)) && blz_buf_push(&full, '/');
  ok = ok && blz_buf_append(&full, key, strlen(key)) && blz_buf_push(&full, 0);
  ok = ok && blz_uri_encode(path, (const char *)full.data, true) && blz_buf_push(path, 0);
  ok = ok && blz_buf_append(url, o->endpoint, (size_t)(scheme_end - o->endpoint)) && blz_buf_append(url, host, strlen(host)) &&
       blz_buf_append(url, path->data, strlen((const char *)path->data));
  blz_buf_free(&full);
  return ok;
}

/* One attempt. Returns BLZ_OK with r->status set whenever a response arrived; a transport error
 * returns BLZ_EIO with *transient telling whether a retry may help. */
static blz_status request_once(const blz_s3_options *o, const char *method, const char *key,
                               const char *query, const uint8_t *body, size_t len, bool md5,
                               response *r, bool *transient, int *reason, blz_error *err) {
  blz_buf url = {0}, path = {0}, auth = {0};
  char host[512];
  *transient = false;
  if (!target(o, key, &url, host, sizeof host, &path)) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  if (*query) {
    blz_buf_push(&url, '?');
    blz_buf_append(&url, query, strlen(query));
  }
  blz_buf_push(&url, 0);
  char sha[65], md5b64[25] = "", amz_date[17];
  blz_sha256_hex(body ? body : (const uint8_t *)"", len, sha);
  if (md5) blz_md5_base64(body ? body : (const uint8_t *)"", len, md5b64);
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);
  blz_sigv4_header hs[5];
  int nh = 0;
  if (md5) hs[nh++] = (blz_sigv4_header){"content-md5", md5b64};
  hs[nh++] = (blz_sigv4_header){"host", host};
  hs[nh++] = (blz_sigv4_header){"x-amz-content-sha256", sha};
  hs[nh++] = (blz_sigv4_header){"x-amz-date", amz_date};
  if (o->session_token) hs[nh++] = (blz_sigv4_header){"x-amz-security-token", o->session_token};
  if (!blz_sigv4_authorization(method, (const char *)path.data, query, hs, nh, sha, amz_date, o->region,
                               o->access_key, o->secret_key, &auth)) {
    blz_buf_free(&url), blz_buf_free(&path), blz_buf_free(&auth);
    return blz_fail(err, BLZ_ENOMEM, "out of memory");
  }
  CURL *c = curl_easy_init();
  struct curl_slist *h = NULL;
  char line[2048];
  for (int i = 0; i < nh; i++) {
    if (!strcmp(hs[i].name, "host")) continue; /* curl sends Host from the URL */
    snprintf(line, sizeof line, "%s: %s", hs[i].name, hs[i].value);
    h = curl_slist_append(h, line);
  }
  snprintf(line, sizeof line, "Authorization: %s", (const char *)auth.data);
  h = curl_slist_append(h, line);
  wipe(line);
  h = curl_slist_append(h, "Expect:");
  h = curl_slist_append(h, "Content-Type:");
  body_reader br = {body, len};
  curl_easy_setopt(c, CURLOPT_URL, (const char *)url.data);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, o->low_speed_time_s);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
  if (!strcmp(method, "PUT")) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &br);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
  } else if (!strcmp(method, "POST")) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? (const char *)body : "");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  }
  CURLcode rc = curl_easy_perform(c);
  blz_status st = BLZ_OK;
  if (rc != CURLE_OK) {
    *transient = rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_COULDNT_CONNECT || rc == CURLE_SEND_ERROR ||
                 rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE ||
                 rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_HTTP2 || rc == CURLE_HTTP2_STREAM;
    *reason = rc == CURLE_OPERATION_TIMEDOUT ? BLZ_REASON_TIMEOUT : BLZ_REASON_CONNECTION;
    st = blz_fail(err, BLZ_EIO, "%s s3://%s/%s%s%s: %s", method, o->bucket, *o->prefix ? o->prefix : "",
                  *o->prefix ? "/" : "", key, curl_easy_strerror(rc));
  } else {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
  }
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  wipe((char *)auth.data);
  blz_buf_free(&url), blz_buf_free(&path), blz_buf_free(&auth);
  return st;
}

static void sleep_ms(int64_t ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
  while (nanosleep(&ts, &ts) && errno == EINTR) {}
}

/* Exponential backoff with full jitter. */
static int64_t backoff(const blz_s3_options *o, int attempt) {
  int64_t cap = o->retry_base_ms << (attempt < 20 ? attempt : 20);
  if (cap > o->retry_max_ms) cap = o->retry_max_ms;
  uint32_t r = 0;
  if (getrandom(&r, sizeof r, 0) != sizeof r) r = (uint32_t)attempt * 2654435761u;
  return cap / 2 + (int64_t)(r % (uint32_t)(cap / 2 + 1));
}

/* A request with retries: 5xx, 429, 408 and transport errors are retried; other statuses fail
 * at once with S3's error code and message. `ok_status` is the expected success status. */
static blz_status request(const blz_s3_options *o, const char *method, const char *key, const char *query,
                          const uint8_t *body, size_t len, bool md5, response *r, blz_s3_counters *ctr,
                          blz_error *err) {
  for (int attempt = 0;; attempt++) {
    blz_buf_free(&r->body);
    r->status = 0;
    r->etag[0] = r->request_id[0] = 0;
    bool transient;
    int reason = BLZ_REASON_CONNECTION;
    blz_error e = {0};
    blz_status st = request_once(o, method, key, query, body, len, md5, r, &transient, &reason, &e);
    bool retry;
    if (st == BLZ_OK) {
      /* CompleteMultipartUpload can answer 200 with an <Error> document */
      bool error_doc = r->status == 200 && r->body.len > 0 && !strcmp(method, "POST") &&
                       memmem(r->body.data, r->body.len, "<Error>", 7) != NULL;
      if (r->status >= 200 && r->status < 300 && !error_doc) return BLZ_OK;
      char code[128] = "", msg[256] = "";
      blz_xml_value((const char *)r->body.data, r->body.len, "Code", code, sizeof code);
      blz_xml_value((const char *)r->body.data, r->body.len, "Message", msg, sizeof msg);
      retry = r->status >= 500 || r->status == 429 || r->status == 408 || error_doc;
      reason = r->status == 429 || !strcmp(code, "SlowDown") ? BLZ_REASON_THROTTLED
             : r->status == 408 ? BLZ_REASON_TIMEOUT : retry ? BLZ_REASON_SERVER : BLZ_REASON_CLIENT;
      blz_fail(&e, retry ? BLZ_EIO : BLZ_EINVAL, "%s s3://%s/%s%s%s: HTTP %ld %s%s%s", method, o->bucket,
               *o->prefix ? o->prefix : "", *o->prefix ? "/" : "", key, r->status, code,
               *msg ? ": " : "", msg);
      if (!retry) {
        if (err) *err = e;
        if (ctr) __atomic_add_fetch(&ctr->failures_by_reason[reason], 1, __ATOMIC_RELAXED);
        return BLZ_EINVAL;
      }
    } else {
      retry = transient;
    }
    if (!retry || attempt >= o->max_retries) {
      if (err) *err = e;
      if (ctr) __atomic_add_fetch(&ctr->failures_by_reason[reason], 1, __ATOMIC_RELAXED);
      if (attempt > 0) blz_error_prefix(err, "after %d attempts", attempt + 1);
      return BLZ_EIO;
    }
    if (ctr) {
      __atomic_add_fetch(&ctr->retries, 1, __ATOMIC_RELAXED);
      __atomic_add_fetch(&ctr->retries_by_reason[reason], 1, __ATOMIC_RELAXED);
    }
    if (o->on_retry) o->on_retry(o->retry_ctx, key, e.message);
    sleep_ms(backoff(o, attempt));
  }
}

/* ---------- uploads ---------- */

typedef struct part_job {
  const blz_s3_options *o;
  const char *key;
  const char *upload_id; /* URI-encoded */
  const uint8_t *data;
  size_t len, part_size;
  int nparts;
  int next;              /* next part to take (atomic) */
  bool failed;           /* stop taking parts (atomic) */
  char (*etags)[128];
  blz_s3_counters *ctr;
  blz_error err;
  pthread_mutex_t mu;
} part_job;

static void *part_worker(void *arg) {
  part_job *j = arg;
  for (;;) {
    if (__atomic_load_n(&j->failed, __ATOMIC_ACQUIRE)) break;
    int i = __atomic_fetch_add(&j->next, 1, __ATOMIC_ACQ_REL);
    if (i >= j->nparts) break;
    size_t off = (size_t)i * j->part_size;
    size_t n = j->len - off < j->part_size ? j->len - off : j->part_size;
    char query[512];
    snprintf(query, sizeof query, "partNumber=%d&uploadId=%s", i + 1, j->upload_id);
    response r = {0};
    blz_error e = {0};
    if (j->ctr) __atomic_add_fetch(&j->ctr->active_parts, 1, __ATOMIC_RELAXED);
    blz_status st = request(j->o, "PUT", j->key, query, j->data + off, n, true, &r, j->ctr, &e);
    if (j->ctr) __atomic_sub_fetch(&j->ctr->active_parts, 1, __ATOMIC_RELAXED);
    if (!st && !r.etag[0]) st = blz_fail(&e, BLZ_EIO, "part %d: no ETag in the response", i + 1);
    if (st) {
      pthread_mutex_lock(&j->mu);
      if (!__atomic_load_n(&j->failed, __ATOMIC_ACQUIRE)) {
        j->err = e;
        blz_error_prefix(&j->err, "part %d of %d", i + 1, j->nparts);
      }
      __atomic_store_n(&j->failed, true, __ATOMIC_RELEASE);
      pthread_mutex_unlock(&j->mu);
    } else {
      memcpy(j->etags[i], r.etag, sizeof r.etag);
      if (j->ctr) __atomic_add_fetch(&j->ctr->bytes_uploaded, (int64_t)n, __ATOMIC_RELAXED);
    }
    blz_buf_free(&r.body);
  }
  return NULL;
}

static blz_status multipart(const blz_s3_options *o, const char *key, const uint8_t *data, size_t len,
                            size_t part_size, int max_parts, blz_s3_counters *ctr, blz_error *err) {
  size_t nparts = (len + part_size - 1) / part_size;
  if (nparts > 10000)
    return blz_fail(err, BLZ_EINVAL, "%s: %zu bytes need %zu parts of %zu bytes, more than S3's 10,000", key, len,
                    nparts, part_size);
  response r = {0};
  BLZ_TRY(request(o, "POST", key, "uploads=", NULL, 0, false, &r, ctr, err));
  char upload_id[1024];
  bool have = blz_xml_value((const char *)r.body.data, r.body.len, "UploadId", upload_id, sizeof upload_id);
  blz_buf_free(&r.body);
  if (!have) return blz_fail(err, BLZ_EIO, "CreateMultipartUpload for %s: no UploadId in the response", key);
  if (ctr) __atomic_add_fetch(&ctr->multipart_uploads, 1, __ATOMIC_RELAXED);
  blz_buf enc = {0};
  blz_uri_encode(&enc, upload_id, false);
  blz_buf_push(&enc, 0);
  part_job j;
  memset(&j, 0, sizeof j);
  j.o = o, j.key = key, j.upload_id = (const char *)enc.data, j.data = data, j.len = len;
  j.part_size = part_size, j.nparts = (int)nparts, j.ctr = ctr;
  j.etags = calloc(nparts, sizeof *j.etags);
  pthread_mutex_init(&j.mu, NULL);
  int nthreads = max_parts < (int)nparts ? max_parts : (int)nparts;
  pthread_t *th = calloc((size_t)nthreads, sizeof *th);
  int started = 0;
  if (j.etags && th)
    for (; started < nthreads; started++)
      if (pthread_create(&th[started], NULL, part_worker, &j)) break;
  if (started == 0) part_worker(&j); /* no threads: upload on this one */
  for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
  free(th);
  blz_status st = j.failed ? BLZ_EIO : BLZ_OK;
  if (st && err) *err = j.err;
  if (!j.etags) st = blz_fail(err, BLZ_ENOMEM, "out of memory");
  char q[1200];
  snprintf(q, sizeof q, "uploadId=%s", (const char *)enc.data);
  if (!st) {
    blz_buf xml = {0};
    bool ok = blz_buf_append(&xml, "<CompleteMultipartUpload>", 25);
    for (size_t i = 0; ok && i < nparts; i++) {
      char part[256];
      int n = snprintf(part, sizeof part, "<Part><PartNumber>%zu</PartNumber><ETag>%s</ETag></Part>", i + 1, j.etags[i]);
      ok = blz_buf_append(&xml, part, (size_t)n);
    }
    ok = ok && blz_buf_append(&xml, "</CompleteMultipartUpload>", 26);
    response c = {0};
    st = ok ? request(o, "POST", key, q, xml.data, xml.len, false, &c, ctr, err) : blz_fail(err, BLZ_ENOMEM, "out of memory");
    blz_buf_free(&c.body);
    blz_buf_free(&xml);
  }
  if (st) {
    /* leave no orphaned parts behind: abort, itself retried */
    response a = {0};
    blz_error ae = {0};
    if (request(o, "DELETE", key, q, NULL, 0, false, &a, ctr, &ae) != BLZ_OK && err)
      blz_error_prefix(err, "abort failed too (%s)", ae.message);
    blz_buf_free(&a.body);
  }
  pthread_mutex_destroy(&j.mu);
  free(j.etags);
  blz_buf_free(&enc);
  return st;
}

blz_status blz_s3_upload(const blz_s3_options *o, const char *key, const uint8_t *data, size_t len,
                         int64_t min_multipart, int64_t part_size, int max_parts,
                         blz_s3_counters *counters, blz_error *err) {
  blz_status st;
  if ((int64_t)len < min_multipart) {
    response r = {0};
    st = request(o, "PUT", key, "", data, len, true, &r, counters, err);
    blz_buf_free(&r.body);
    if (!st && counters) __atomic_add_fetch(&counters->bytes_uploaded, (int64_t)len, __ATOMIC_RELAXED);
  } else {
    st = multipart(o, key, data, len, (size_t)part_size, max_parts, counters, err);
  }
  if (st && counters) __atomic_add_fetch(&counters->failures, 1, __ATOMIC_RELAXED);
  return st;
}
