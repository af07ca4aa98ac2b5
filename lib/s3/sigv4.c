/* sigv4.c — canonical request, string to sign and signing key of SigV4, over OpenSSL's primitives
 * (libcrypto loaded at first use: crypto_load.h). */
#include "sigv4.h"

#include <stdio.h>
#include <string.h>

#include "crypto_load.h"

static void hex(const uint8_t *in, size_t n, char *out) {
  static const char h[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = h[in[i] >> 4];
    out[2 * i + 1] = h[in[i] & 15];
  }
  out[2 * n] = 0;
}

bool blz_sha256_hex(const void *data, size_t n, char out[65]) {
  const blz__crypto_api *c = blz__crypto(NULL);
  uint8_t d[32];
  unsigned int len = 0;
  if (!c || !c->digest(data, n, d, &len, c->sha256(), NULL)) return false;
  hex(d, 32, out);
  return true;
}

bool blz_md5(const void *data, size_t n, uint8_t out[16]) {
  const blz__crypto_api *c = blz__crypto(NULL);
  unsigned len = 16;
  return c && c->digest(data, n, out, &len, c->md5(), NULL);
}

bool blz_md5_base64(const void *data, size_t n, char out[25]) {
  uint8_t d[16];
  if (!blz_md5(data, n, d)) return false;
  blz__crypto(NULL)->encode_block((unsigned char *)out, d, 16);
  return true;
}

static bool hmac(const void *key, size_t klen, const void *msg, size_t mlen, uint8_t out[32]) {
  const blz__crypto_api *c = blz__crypto(NULL);
  unsigned int len = 32;
  return c && c->hmac(c->sha256(), key, (int)klen, msg, mlen, out, &len);
}

bool blz_uri_encode(blz_buf *out, const char *s, bool keep_slash) {
  static const char h[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    unsigned char c = *p;
    bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/');
    if (keep) {
      if (!blz_buf_push(out, c)) return false;
    } else {
      uint8_t e[3] = {'%', (uint8_t)h[c >> 4], (uint8_t)h[c & 15]};
      if (!blz_buf_append(out, e, 3)) return false;
    }
  }
  return true;
}

static bool add(blz_buf *b, const char *s) { return blz_buf_append(b, s, strlen(s)); }

bool blz_sigv4_authorization(const char *method, const char *path, const char *query,
                             const blz_sigv4_header *headers, int nheaders,
                             const char *payload_sha256_hex, const char *amz_date,
                             const char *region, const char *access_key, const char *secret_key,
                             blz_buf *out) {
  blz_buf creq = {0}, signed_headers = {0};
  bool ok = add(&creq, method) && add(&creq, "\n") && add(&creq, path) && add(&creq, "\n") &&
            add(&creq, query) && add(&creq, "\n");
  for (int i = 0; ok && i < nheaders; i++) {
    ok = add(&creq, headers[i].name) && add(&creq, ":") && add(&creq, headers[i].value) && add(&creq, "\n");
    ok = ok && (i == 0 || add(&signed_headers, ";")) && add(&signed_headers, headers[i].name);
  }
  ok = ok && blz_buf_push(&signed_headers, 0);
  ok = ok && add(&creq, "\n") && add(&creq, (const char *)signed_headers.data) && add(&creq, "\n") &&
       add(&creq, payload_sha256_hex);
  char date[9];
  memcpy(date, amz_date, 8);
  date[8] = 0;
  char scope[128];
  snprintf(scope, sizeof scope, "%s/%s/s3/aws4_request", date, region);
  char creq_hash[65];
  ok = ok && blz_sha256_hex(creq.data, creq.len, creq_hash);
  blz_buf sts = {0};
  ok = ok && add(&sts, "AWS4-HMAC-SHA256\n") && add(&sts, amz_date) && add(&sts, "\n") && add(&sts, scope) &&
       add(&sts, "\n") && add(&sts, creq_hash);
  if (ok) {
    char kseed[256];
    int kl = snprintf(kseed, sizeof kseed, "AWS4%s", secret_key);
    uint8_t k1[32], k2[32], k3[32], k4[32], sig[32];
    ok = hmac(kseed, (size_t)kl, date, 8, k1) && hmac(k1, 32, region, strlen(region), k2) &&
         hmac(k2, 32, "s3", 2, k3) && hmac(k3, 32, "aws4_request", 12, k4) && hmac(k4, 32, sts.data, sts.len, sig);
    char sighex[65];
    if (ok) hex(sig, 32, sighex);
    ok = ok && add(out, "AWS4-HMAC-SHA256 Credential=") && add(out, access_key) && add(out, "/") && add(out, scope) &&
         add(out, ",SignedHeaders=") && add(out, (const char *)signed_headers.data) && add(out, ",Signature=") &&
         add(out, sighex) && blz_buf_push(out, 0);
    explicit_bzero(kseed, sizeof kseed);
    explicit_bzero(k1, sizeof k1), explicit_bzero(k2, sizeof k2), explicit_bzero(k3, sizeof k3);
    explicit_bzero(k4, sizeof k4);
  }
  blz_buf_free(&creq);
  blz_buf_free(&signed_headers);
  blz_buf_free(&sts);
  return ok;
}
