/* s3.c — S3 requests signed with SigV4, classified for retry, and the multipart upload protocol. */
#define _GNU_SOURCE /* memmem */
#include "s3.h"

#include <strings.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

#include "crypto_load.h"
#include "curl_load.h"
#include "sigv4.h"

/* Overwrites a secret before its memory is freed or reused. */
static void wipe(char *s) {
  if (s) explicit_bzero(s, strlen(s));
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
  char content_length[24];
  int attempts; /* how many times the request was sent */
} response;

/* What a 2xx answer must carry to count as one: a response cut short can arrive with a success
 * status and without them (a proxy closing the connection, a body without Content-Length). */
enum {
  NEED_NOTHING = 0,
  NEED_ETAG = 1,        /* PUT object, UploadPart */
  NEED_UPLOAD_ID = 2,   /* CreateMultipartUpload */
  NEED_COMPLETE = 4,    /* CompleteMultipartUpload: its result document */
  NEED_LIST = 8,        /* ListMultipartUploads: its result document */
};

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
  header_value(line, size * n, "content-length", r->content_length, sizeof r->content_length);
  return size * n;
}

/* Host and absolute path for key (prefix applied; NULL: the bucket) in this addressing style. */
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
  if (!key) { /* the bucket itself: "/" (virtual-hosted) or "/bucket" */
    if (!o->virtual_hosted && path->len > 1) path->len--;
    ok = ok && blz_buf_push(path, 0);
  } else {
    if (*o->prefix) ok = ok && blz_buf_append(&full, o->prefix, strlen(o->prefix)) && blz_buf_push(&full, '/');
    ok = ok && blz_buf_append(&full, key, strlen(key)) && blz_buf_push(&full, 0);
    ok = ok && blz_uri_encode(path, (const char *)full.data, true) && blz_buf_push(path, 0);
  }
  ok = ok && blz_buf_append(url, o->endpoint, (size_t)(scheme_end - o->endpoint)) && blz_buf_append(url, host, strlen(host)) &&
       blz_buf_append(url, path->data, strlen((const char *)path->data));
  blz_buf_free(&full);
  return ok;
}

/* One attempt. Returns BLZ_OK with r->status set whenever a response arrived; a transport error
 * returns BLZ_EIO with *transient telling whether a retry may help. */
/* Appends one header line; on failure keeps the list (to be freed) and clears *ok. */
static struct curl_slist *add_header(const blz__curl_api *cu, struct curl_slist *h, const char *line, bool *ok) {
  struct curl_slist *n = cu->slist_append(h, line);
  if (!n) *ok = false;
  return n ? n : h;
}

static blz_status request_once(const blz_s3_options *o, const char *method, const char *key,
                               const char *query, const uint8_t *body, size_t len, bool md5,
                               response *r, bool *transient, int *reason, blz_error *err) {
  blz_buf url = {0}, path = {0}, auth = {0};
  char host[512];
  *transient = false;
  const blz__curl_api *cu = blz__curl(err);
  if (!cu || !blz__crypto(err)) return BLZ_ENOTSUP;
  if (!target(o, key, &url, host, sizeof host, &path)) return blz_fail(err, BLZ_ENOMEM, "out of memory");
  if (*query) {
    blz_buf_push(&url, '?');
    blz_buf_append(&url, query, strlen(query));
  }
  blz_buf_push(&url, 0);
  char sha[65], md5b64[25] = "", amz_date[17];
  if (!blz_sha256_hex(body ? body : (const uint8_t *)"", len, sha) ||
      (md5 && !blz_md5_base64(body ? body : (const uint8_t *)"", len, md5b64))) {
    blz_buf_free(&url), blz_buf_free(&path);
    return blz_fail(err, BLZ_ENOTSUP, "S3 signing: libcrypto's digests failed");
  }
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
  CURL *c = cu->easy_init();
  struct curl_slist *h = NULL;
  bool ok = c != NULL;
  char line[2048];
  for (int i = 0; i < nh; i++) {
    if (!strcmp(hs[i].name, "host")) continue; /* curl sends Host from the URL */
    snprintf(line, sizeof line, "%s: %s", hs[i].name, hs[i].value);
    h = add_header(cu, h, line, &ok);
  }
  snprintf(line, sizeof line, "Authorization: %s", (const char *)auth.data);
  h = add_header(cu, h, line, &ok);
  wipe(line);
  h = add_header(cu, h, "Expect:", &ok);
  h = add_header(cu, h, "Content-Type:", &ok);
  if (!ok) {
    cu->slist_free_all(h);
    if (c) cu->easy_cleanup(c);
    wipe((char *)auth.data);
    blz_buf_free(&url), blz_buf_free(&path), blz_buf_free(&auth);
    return blz_fail(err, BLZ_ENOMEM, "out of memory preparing %s s3://%s/%s", method, o->bucket, key ? key : "");
  }
  body_reader br = {body, len};
  cu->easy_setopt(c, CURLOPT_URL, (const char *)url.data);
  cu->easy_setopt(c, CURLOPT_HTTPHEADER, h);
  cu->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  cu->easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s);
  cu->easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  cu->easy_setopt(c, CURLOPT_LOW_SPEED_TIME, o->low_speed_time_s);
  cu->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
  cu->easy_setopt(c, CURLOPT_WRITEDATA, r);
  cu->easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  cu->easy_setopt(c, CURLOPT_HEADERDATA, r);
  if (!strcmp(method, "PUT")) {
    cu->easy_setopt(c, CURLOPT_UPLOAD, 1L);
    cu->easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    cu->easy_setopt(c, CURLOPT_READDATA, &br);
    cu->easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
  } else if (!strcmp(method, "POST")) {
    cu->easy_setopt(c, CURLOPT_POST, 1L);
    cu->easy_setopt(c, CURLOPT_POSTFIELDS, body ? (const char *)body : "");
    cu->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  } else if (!strcmp(method, "HEAD")) {
    cu->easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (strcmp(method, "GET")) {
    cu->easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  }
  CURLcode rc = cu->easy_perform(c);
  blz_status st = BLZ_OK;
  if (rc != CURLE_OK) {
    *transient = rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_COULDNT_CONNECT || rc == CURLE_SEND_ERROR ||
                 rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE ||
                 rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_HTTP2 || rc == CURLE_HTTP2_STREAM;
    *reason = rc == CURLE_OPERATION_TIMEDOUT ? BLZ_REASON_TIMEOUT : BLZ_REASON_CONNECTION;
    st = blz_fail(err, BLZ_EIO, "%s s3://%s/%s%s%s: %s", method, o->bucket, *o->prefix ? o->prefix : "",
                  *o->prefix && key ? "/" : "", key ? key : "", cu->easy_strerror(rc));
  } else {
    cu->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
  }
  cu->slist_free_all(h);
  cu->easy_cleanup(c);
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

/* Which field a 2xx answer lacks, or NULL when it carries all that `need` asks for. */
static const char *missing(const response *r, unsigned need) {
  const char *body = r->body.data ? (const char *)r->body.data : "";
  if ((need & NEED_ETAG) && !r->etag[0]) return "no ETag";
  if ((need & NEED_UPLOAD_ID) && !memmem(body, r->body.len, "</UploadId>", 11)) return "no UploadId";
  if ((need & NEED_COMPLETE) && !memmem(body, r->body.len, "</CompleteMultipartUploadResult>", 32))
    return "no CompleteMultipartUploadResult";
  if ((need & NEED_LIST) && !memmem(body, r->body.len, "</ListMultipartUploadsResult>", 29))
    return "no ListMultipartUploadsResult";
  return NULL;
}

/* A request with retries: 5xx, 429, 408, transport errors and 2xx answers without what `need`
 * asks for (cut short on the way) are retried; other statuses fail at once with S3's error code
 * and message, left in r->body. r->attempts tells how often the request was sent. */
static blz_status request(const blz_s3_options *o, const char *method, const char *key, const char *query,
                          const uint8_t *body, size_t len, bool md5, unsigned need, response *r,
                          blz_s3_counters *ctr, blz_error *err) {
  const char *shown = key ? key : "";
  for (int attempt = 0;; attempt++) {
    blz_buf_free(&r->body);
    r->status = 0;
    r->etag[0] = r->request_id[0] = r->content_length[0] = 0;
    r->attempts = attempt + 1;
    bool transient;
    int reason = BLZ_REASON_CONNECTION;
    blz_error e = {0};
    blz_status st = request_once(o, method, key, query, body, len, md5, r, &transient, &reason, &e);
    bool retry;
    if (st == BLZ_OK) {
      /* CompleteMultipartUpload can answer 200 with an <Error> document */
      bool error_doc = r->status == 200 && r->body.len > 0 && !strcmp(method, "POST") &&
                       memmem(r->body.data, r->body.len, "<Error>", 7) != NULL;
      const char *lack = r->status >= 200 && r->status < 300 && !error_doc ? missing(r, need) : NULL;
      if (r->status >= 200 && r->status < 300 && !error_doc && !lack) return BLZ_OK;
      char code[128] = "", msg[256] = "";
      blz_xml_value((const char *)r->body.data, r->body.len, "Code", code, sizeof code);
      blz_xml_value((const char *)r->body.data, r->body.len, "Message", msg, sizeof msg);
      retry = r->status >= 500 || r->status == 429 || r->status == 408 || error_doc || lack;
      reason = r->status == 429 || !strcmp(code, "SlowDown") ? BLZ_REASON_THROTTLED
             : r->status == 408 ? BLZ_REASON_TIMEOUT : retry ? BLZ_REASON_SERVER : BLZ_REASON_CLIENT;
      if (lack)
        blz_fail(&e, BLZ_EIO, "%s s3://%s/%s%s%s: HTTP %ld with %s (the answer was cut short)", method, o->bucket,
                 *o->prefix ? o->prefix : "", *o->prefix && key ? "/" : "", shown, r->status, lack);
      else
        blz_fail(&e, retry ? BLZ_EIO : BLZ_EINVAL, "%s s3://%s/%s%s%s: HTTP %ld %s%s%s", method, o->bucket,
                 *o->prefix ? o->prefix : "", *o->prefix && key ? "/" : "", shown, r->status, code,
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
    if (o->on_retry) o->on_retry(o->retry_ctx, shown, e.message);
    sleep_ms(backoff(o, attempt));
  }
}

/* ---------- listing and aborting multipart uploads ---------- */

/* Undoes the five XML entities in place (S3 escapes keys in its listings). */
static void xml_unescape(char *s) {
  static const struct { const char *ent; char c; } E[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'},
                                                          {"&quot;", '"'}, {"&apos;", '\''}};
  char *w = s;
  for (const char *p = s; *p;) {
    bool done = false;
    for (size_t i = 0; *p == '&' && i < sizeof E / sizeof *E && !done; i++) {
      size_t n = strlen(E[i].ent);
      if (!strncmp(p, E[i].ent, n)) *w++ = E[i].c, p += n, done = true;
    }
    if (!done) *w++ = *p++;
  }
  *w = 0;
}

/* Full object key of `key` (the prefix applied). */
static bool full_key(const blz_s3_options *o, const char *key, char *out, size_t n) {
  int k = snprintf(out, n, "%s%s%s", o->prefix, *o->prefix ? "/" : "", key);
  return k >= 0 && (size_t)k < n;
}

blz_status blz_s3_abort_uploads(const blz_s3_options *o, const char *key_prefix,
                                bool (*pick)(void *ctx, const char *key), void *ctx,
                                blz_s3_counters *ctr, int *aborted, blz_error *err) {
  if (aborted) *aborted = 0;
  char want[2048], key_marker[2048] = "", id_marker[1024] = "";
  if (!full_key(o, key_prefix, want, sizeof want)) return blz_fail(err, BLZ_EINVAL, "key prefix too long");
  size_t strip = *o->prefix ? strlen(o->prefix) + 1 : 0;
  for (int page = 0; page < 10000; page++) { /* bounded: 10,000 pages of 1,000 uploads */
    blz_buf q = {0};
    bool ok = true;
    if (*key_marker) ok = blz_buf_append(&q, "key-marker=", 11) && blz_uri_encode(&q, key_marker, false) && blz_buf_push(&q, '&');
    ok = ok && blz_buf_append(&q, "prefix=", 7) && blz_uri_encode(&q, want, false);
    if (*id_marker) ok = ok && blz_buf_append(&q, "&upload-id-marker=", 18) && blz_uri_encode(&q, id_marker, false);
    ok = ok && blz_buf_append(&q, "&uploads=", 9) && blz_buf_push(&q, 0);
    if (!ok) {
      blz_buf_free(&q);
      return blz_fail(err, BLZ_ENOMEM, "out of memory");
    }
    response r = {0};
    blz_status st = request(o, "GET", NULL, (const char *)q.data, NULL, 0, false, NEED_LIST, &r, ctr, err);
    blz_buf_free(&q);
    if (st) {
      blz_buf_free(&r.body);
      blz_error_prefix(err, "listing open multipart uploads under %s", want);
      return st;
    }
    const char *p = (const char *)r.body.data, *end = p + r.body.len;
    while (p < end) {
      const char *u = memmem(p, (size_t)(end - p), "<Upload>", 8);
      if (!u) break;
      const char *ue = memmem(u, (size_t)(end - u), "</Upload>", 9);
      if (!ue) break;
      char k[2048], id[1024];
      if (blz_xml_value(u, (size_t)(ue - u), "Key", k, sizeof k) &&
          blz_xml_value(u, (size_t)(ue - u), "UploadId", id, sizeof id)) {
        xml_unescape(k);
        xml_unescape(id);
        if (strlen(k) >= strip && (pick ? pick(ctx, k + strip) : !strcmp(k + strip, key_prefix))) {
          blz_buf enc = {0};
          char aq[1200];
          blz_uri_encode(&enc, id, false);
          blz_buf_push(&enc, 0);
          snprintf(aq, sizeof aq, "uploadId=%s", enc.data ? (const char *)enc.data : "");
          response a = {0};
          blz_error ae = {0};
          /* 404 NoSuchUpload: it was completed or aborted meanwhile, which is as good */
          blz_status ast = request(o, "DELETE", k + strip, aq, NULL, 0, false, NEED_NOTHING, &a, ctr, &ae);
          if (!ast && aborted) (*aborted)++;
          blz_buf_free(&a.body);
          blz_buf_free(&enc);
          if (ast && !(a.status == 404)) {
            blz_buf_free(&r.body);
            if (err) *err = ae;
            return ast;
          }
        }
      }
      p = ue + 9;
    }
    bool more = memmem(r.body.data, r.body.len, "<IsTruncated>true</IsTruncated>", 31) != NULL;
    more = more && blz_xml_value((const char *)r.body.data, r.body.len, "NextKeyMarker", key_marker, sizeof key_marker);
    if (more && !blz_xml_value((const char *)r.body.data, r.body.len, "NextUploadIdMarker", id_marker, sizeof id_marker))
      id_marker[0] = 0;
    xml_unescape(key_marker);
    xml_unescape(id_marker);
    blz_buf_free(&r.body);
    if (!more) return BLZ_OK;
  }
  return BLZ_OK;
}

blz_status blz_s3_head(const blz_s3_options *o, const char *key, int64_t *size, blz_s3_counters *ctr,
                       blz_error *err) {
  response h = {0};
  blz_status st = request(o, "HEAD", key, "", NULL, 0, false, NEED_NOTHING, &h, ctr, err);
  *size = !st && h.content_length[0] ? strtoll(h.content_length, NULL, 10) : -1;
  blz_buf_free(&h.body);
  return st;
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
    blz_status st = request(j->o, "PUT", j->key, query, j->data + off, n, true, NEED_ETAG, &r, j->ctr, &e);
    if (j->ctr) __atomic_sub_fetch(&j->ctr->active_parts, 1, __ATOMIC_RELAXED);
    if (st) {
      pthread_mutex_lock(&j->mu);
      if (!__atomic_load_n(&j->failed, __ATOMIC_ACQUIRE)) {
        j->err = e;
        blz_error_prefix(&j->err, "part %d of %d", i + 1, j->nparts);
      }
      __atomic_store_n(&j->failed, true, __ATOMIC_RELEASE);
      pthread_mutex_unlock(&j->mu);
    } else {
      blz__crash_point("part_uploaded");
      memcpy(j->etags[i], r.etag, sizeof r.etag);
      if (j->ctr) __atomic_add_fetch(&j->ctr->bytes_uploaded, (int64_t)n, __ATOMIC_RELAXED);
    }
    blz_buf_free(&r.body);
  }
  return NULL;
}

/* After a CompleteMultipartUpload whose first answer was lost, the retry finds the upload gone:
 * the object counts as stored when S3 has it with this size and an ETag that fits: a multipart
 * ETag of nparts parts ("...-N", AWS), or the MD5 of the whole data (some S3-compatible servers). */
static bool stored_by_lost_answer(const blz_s3_options *o, const char *key, const uint8_t *data, size_t len,
                                  size_t nparts, blz_s3_counters *ctr) {
  response h = {0};
  blz_error he = {0};
  bool ok = request(o, "HEAD", key, "", NULL, 0, false, NEED_ETAG, &h, ctr, &he) == BLZ_OK;
  ok = ok && h.content_length[0] && strtoll(h.content_length, NULL, 10) == (long long)len;
  if (ok) {
    char suffix[32], whole[40];
    snprintf(suffix, sizeof suffix, "-%zu\"", nparts);
    size_t el = strlen(h.etag), sl = strlen(suffix);
    bool multipart_etag = el > sl && !strcmp(h.etag + el - sl, suffix);
    if (!multipart_etag) {
      uint8_t d[16];
      if (!blz_md5(data, len, d)) memset(d, 0, sizeof d); /* no match: the upload is not trusted */
      whole[0] = '"';
      for (int i = 0; i < 16; i++) snprintf(whole + 1 + 2 * i, 3, "%02x", d[i]);
      whole[33] = '"', whole[34] = 0;
    }
    ok = multipart_etag || !strcasecmp(h.etag, whole);
  }
  blz_buf_free(&h.body);
  return ok;
}

static blz_status multipart(const blz_s3_options *o, const char *key, const uint8_t *data, size_t len,
                            size_t part_size, int max_parts, blz_s3_counters *ctr, blz_error *err) {
  size_t nparts = (len + part_size - 1) / part_size;
  if (nparts > 10000)
    return blz_fail(err, BLZ_EINVAL, "%s: %zu bytes need %zu parts of %zu bytes, more than S3's 10,000", key, len,
                    nparts, part_size);
  response r = {0};
  blz_status cst = request(o, "POST", key, "uploads=", NULL, 0, false, NEED_UPLOAD_ID, &r, ctr, err);
  /* an earlier attempt may have created an upload whose answer never arrived: it is found and
   * aborted at the end (the key is this file's own, so every other upload under it is an orphan) */
  bool orphans = r.attempts > 1;
  char upload_id[1024];
  bool have = !cst && blz_xml_value((const char *)r.body.data, r.body.len, "UploadId", upload_id, sizeof upload_id);
  blz_buf_free(&r.body);
  if (!have) {
    if (!cst) cst = blz_fail(err, BLZ_EIO, "CreateMultipartUpload for %s: no UploadId in the response", key);
    if (orphans) blz_s3_abort_uploads(o, key, NULL, NULL, ctr, NULL, NULL);
    return cst;
  }
  xml_unescape(upload_id);
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
  bool completed = false;
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
    st = ok ? request(o, "POST", key, q, xml.data, xml.len, false, NEED_COMPLETE, &c, ctr, err)
            : blz_fail(err, BLZ_ENOMEM, "out of memory");
    char code[64] = "";
    if (st && c.attempts > 1)
      blz_xml_value((const char *)c.body.data, c.body.len, "Code", code, sizeof code);
    if (st && !strcmp(code, "NoSuchUpload") && stored_by_lost_answer(o, key, data, len, nparts, ctr)) st = BLZ_OK;
    completed = st == BLZ_OK;
    blz_buf_free(&c.body);
    blz_buf_free(&xml);
  }
  if (st) {
    /* leave no orphaned parts behind: abort, itself retried */
    response a = {0};
    blz_error ae = {0};
    if (request(o, "DELETE", key, q, NULL, 0, false, NEED_NOTHING, &a, ctr, &ae) != BLZ_OK && a.status != 404 && err)
      blz_error_prefix(err, "abort failed too (%s)", ae.message);
    blz_buf_free(&a.body);
  }
  if (orphans) {
    blz_error oe = {0};
    if (blz_s3_abort_uploads(o, key, NULL, NULL, ctr, NULL, &oe) && completed && o->on_retry)
      o->on_retry(o->retry_ctx, key, oe.message); /* stored all the same; the start-up sweep retries */
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
    st = request(o, "PUT", key, "", data, len, true, NEED_ETAG, &r, counters, err);
    blz_buf_free(&r.body);
    if (!st && counters) __atomic_add_fetch(&counters->bytes_uploaded, (int64_t)len, __ATOMIC_RELAXED);
  } else {
    st = multipart(o, key, data, len, (size_t)part_size, max_parts, counters, err);
  }
  if (st && counters) __atomic_add_fetch(&counters->failures, 1, __ATOMIC_RELAXED);
  return st;
}
