/* sigv4.c — canonical request, string to sign and signing key of SigV4, over OpenSSL's primitives. */
#include "sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>

static void hex(const uint8_t *in, size_t n, char *out) {
  static const char h[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = h[in[i] >> 4];
    out[2 * i + 1] = h[in[i] & 15];
  }
  out[2 * n] = 0;
}

void blz_sha256_hex(const void *data, size_t n, char out[65]) {
  uint8_t d[32];
  unsigned int len = 0;
  EVP_Digest(data, n, d, &len, EVP_sha256(), NULL);
  hex(d, 32, out);
}

void blz_md5(const void *data, size_t n, uint8_t out[16]) {
  unsigned len = 16;
  EVP_Digest(data, n, out, &len, EVP_md5(), NULL);
}

void blz_md5_base64(const void *data, size_t n, char out[25]) {
  uint8_t d[16];
  unsigned int len = 0;
  EVP_Digest(data, n, d, &len, EVP_md5(), NULL);
  EVP_EncodeBlock((unsigned char *)out, d, 16);
}

static void hmac(const void *key, size_t klen, const void *msg, size_t mlen, uint8_t out[32]) {
  unsigned int len = 32;
  HMAC(EVP_sha256(), key, (int)klen, msg, mlen, out, &len);
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
  if (ok) blz_sha256_hex(creq.data, creq.len, creq_hash);
  blz_buf sts = {0};
  ok = ok && add(&sts, "AWS4-HMAC-SHA256\n") && add(&sts, amz_date) && add(&sts, "\n") && add(&sts, scope) &&
       add(&sts, "\n") && add(&sts, creq_hash);
  if (ok) {
    char kseed[256];
    int kl = snprintf(kseed, sizeof kseed, "AWS4%s", secret_key);
    uint8_t k1[32], k2[32], k3[32], k4[32], sig[32];
    hmac(kseed, (size_t)kl, date, 8, k1);
    hmac(k1, 32, region, strlen(region), k2);
    hmac(k2, 32, "s3", 2, k3);
    hmac(k3, 32, "aws4_request", 12, k4);
    hmac(k4, 32, sts.data, sts.len, sig);
    char sighex[65];
    hex(sig, 32, sighex);
    ok = add(out, "AWS4-HMAC-SHA256 Credential=") && add(out, access_key) && add(out, "/") && add(out, scope) &&
         add(out, ",SignedHeaders=") && add(out, (const char *)signed_headers.data) && add(out, ",Signature=") &&
         add(out, sighex) && blz_buf_push(out, 0);
    OPENSSL_cleanse(kseed, sizeof kseed);
  }
  blz_buf_free(&creq);
  blz_buf_free(&signed_headers);
  blz_buf_free(&sts);
  return ok;
}
