/* test_s3.c — SigV4 against AWS's published example, URI encoding, S3 options and XML answers. */
#include "../../lib/s3/s3.h"
#include "../../lib/s3/sigv4.h"
#include "test.h"
#include "tests.h"
#include "../../lib/s3/lib_load.h"

void test_sigv4_aws_example(void) {
  /* the GET Object example of the S3 SigV4 documentation */
  const char *empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  char sha[65];
  CHECK(blz_sha256_hex("", 0, sha));
  CHECK(!strcmp(sha, empty));
  blz_sigv4_header h[4] = {{"host", "examplebucket.s3.amazonaws.com"},
                           {"range", "bytes=0-9"},
                           {"x-amz-content-sha256", empty},
                           {"x-amz-date", "20130524T000000Z"}};
  blz_buf out = {0};
  CHECK(blz_sigv4_authorization("GET", "/test.txt", "", h, 4, empty, "20130524T000000Z", "us-east-1",
                                "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", &out));
  CHECK(!strcmp((char *)out.data,
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
  blz_buf_free(&out);
  char md5[25];
  CHECK(blz_md5_base64("", 0, md5));
  CHECK(!strcmp(md5, "1B2M2Y8AsgTpgAmY7PhCfg=="));
}

void test_uri_encode(void) {
  blz_buf b = {0};
  CHECK(blz_uri_encode(&b, "date=2024-01-01/a b+c~_.-%/é", true));
  blz_buf_push(&b, 0);
  CHECK(!strcmp((char *)b.data, "date%3D2024-01-01/a%20b%2Bc~_.-%25/%C3%A9"));
  b.len = 0;
  CHECK(blz_uri_encode(&b, "a/b", false));
  blz_buf_push(&b, 0);
  CHECK(!strcmp((char *)b.data, "a%2Fb"));
  blz_buf_free(&b);
}

static blz_status opts_from(const char *path, blz_kv_pair *kv, int n, blz_s3_options *o, blz_error *e) {
  blz_s3_config c = {path, kv, n, 5};
  return blz_s3_options_from(&c, o, e);
}

void test_s3_options(void) {
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_SECRET_ACCESS_KEY");
  unsetenv("AWS_ENDPOINT_URL");
  unsetenv("AWS_REGION");
  unsetenv("AWS_DEFAULT_REGION");
  blz_s3_options o;
  blz_error e = {0};
  blz_kv_pair lower[4] = {{"access_key_id", "AK"}, {"secret_access_key", "SECRET-1"}, {"region", "eu-west-1"},
                          {"endpoint", "http://127.0.0.1:9000/"}};
  CHECK(opts_from("s3://bucket/some/prefix/", lower, 4, &o, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "AWS_ALLOW_HTTP");
  CHECK(strstr(e.message, "SECRET-1") == NULL);
  blz_kv_pair upper[5] = {{"AWS_ACCESS_KEY_ID", "AK"}, {"AWS_SECRET_ACCESS_KEY", "SK"}, {"AWS_REGION", "eu-west-1"},
                          {"AWS_ENDPOINT_URL", "http://127.0.0.1:9000/"}, {"AWS_ALLOW_HTTP", "true"}};
  CHECK(opts_from("s3://bucket/some/prefix/", upper, 5, &o, &e) == BLZ_OK);
  CHECK(!strcmp(o.bucket, "bucket") && !strcmp(o.prefix, "some/prefix") && !strcmp(o.region, "eu-west-1"));
  CHECK(!strcmp(o.endpoint, "http://127.0.0.1:9000") && !o.virtual_hosted);
  blz_s3_options_free(&o);
  /* no endpoint: AWS, virtual-hosted, HTTPS; credentials from the environment */
  setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "ENVSECRET", 1);
  CHECK(opts_from("s3://b2", NULL, 0, &o, &e) == BLZ_OK);
  CHECK(!strcmp(o.endpoint, "https://s3.us-east-1.amazonaws.com") && o.virtual_hosted && !strcmp(o.access_key, "ENVKEY"));
  CHECK(!strcmp(o.prefix, ""));
  blz_s3_options_free(&o);
  blz_kv_pair typo[1] = {{"AWS_REGOIN", "x"}};
  CHECK(opts_from("s3://b", typo, 1, &o, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "sink.storage_options.AWS_REGOIN: unknown option");
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_SECRET_ACCESS_KEY");
  CHECK(opts_from("s3://b", NULL, 0, &o, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "no S3 credentials");
}

void test_xml_value(void) {
  const char *x = "<?xml version=\"1.0\"?><InitiateMultipartUploadResult><Bucket>b</Bucket>"
                  "<UploadId>abc/def+1</UploadId></InitiateMultipartUploadResult>";
  char v[64];
  CHECK(blz_xml_value(x, strlen(x), "UploadId", v, sizeof v) && !strcmp(v, "abc/def+1"));
  CHECK(!blz_xml_value(x, strlen(x), "Code", v, sizeof v));
  CHECK(!blz_xml_value("<Code>unterminated", 18, "Code", v, sizeof v));
  CHECK(!blz_xml_value(x, strlen(x), "UploadId", v, 4)); /* too long for the buffer */
}

void test_config_s3_part_limits(void) {
  blz_sink_config c;
  blz_error e = {0};
  const char *y = "sink:\n  path: s3://b/t\n  file_size_mb: 100000\n  part_size_mb: 5\n";
  CHECK(blz_sink_config_parse(y, strlen(y), &c, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "10,000 parts");
  y = "sink:\n  path: s3://b/t\n  part_size_mb: 6000\n";
  CHECK(blz_sink_config_parse(y, strlen(y), &c, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "sink.part_size_mb: 6000 is out of range 5..5120");
}

void test_metrics_render(void) {
  blz_sink_stats s;
  memset(&s, 0, sizeof s);
  s.bytes_written = 1234;
  s.files_written = 2;
  s.retries_by_reason[1] = 7;
  s.write_duration_buckets[5] = 2; /* le 0.1 */
  for (int i = 6; i < BLZ_DURATION_BUCKETS; i++) s.write_duration_buckets[i] = 2;
  s.write_duration_count = 2;
  s.write_duration_sum = 0.15;
  char *t = NULL;
  CHECK(blz_metrics_render(&s, &t) == BLZ_OK);
  CHECK_CONTAINS(t, "# TYPE blizzard_bytes_written_total counter\nblizzard_bytes_written_total 1234\n");
  CHECK_CONTAINS(t, "blizzard_parquet_files_written_total 2\n");
  CHECK_CONTAINS(t, "blizzard_upload_retries_total{reason=\"throttled\"} 7\n");
  CHECK_CONTAINS(t, "# TYPE blizzard_parquet_write_duration_seconds histogram\n");
  CHECK_CONTAINS(t, "blizzard_parquet_write_duration_seconds_bucket{le=\"0.1\"} 2\n");
  CHECK_CONTAINS(t, "blizzard_parquet_write_duration_seconds_bucket{le=\"0.05\"} 0\n");
  CHECK_CONTAINS(t, "blizzard_parquet_write_duration_seconds_bucket{le=\"+Inf\"} 2\n");
  CHECK_CONTAINS(t, "blizzard_parquet_write_duration_seconds_count 2\n");
  CHECK_CONTAINS(t, "# TYPE blizzard_active_uploads gauge\n");
  free(t);
}

void test_config_metrics_section(void) {
  blz_sink_config c;
  blz_error e = {0};
  const char *y = "sink:\n  path: /x\n";
  CHECK(blz_sink_config_parse(y, strlen(y), &c, &e) == BLZ_OK);
  CHECK(!c.metrics_enabled && !strcmp(c.metrics_address, "0.0.0.0:9090"));
  blz_sink_config_free(&c);
  y = "sink:\n  path: /x\nmetrics:\n  enabled: true\n  address: 127.0.0.1:9999\n";
  CHECK(blz_sink_config_parse(y, strlen(y), &c, &e) == BLZ_OK);
  CHECK(c.metrics_enabled && !strcmp(c.metrics_address, "127.0.0.1:9999"));
  blz_sink_config_free(&c);
  y = "sink:\n  path: /x\nmetrics:\n  enabled: maybe\n";
  CHECK(blz_sink_config_parse(y, strlen(y), &c, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "line 4: metrics.enabled: expected true or false");
  y = "sink:\n  path: /x\nmetrics:\n  address: nowhere\n";
  CHECK(blz_sink_config_parse(y, strlen(y), &c, &e) == BLZ_EINVAL);
  CHECK_CONTAINS(e.message, "line 4: metrics.address: expected HOST:PORT");
}

void test_lib_load_names_what_is_missing(void) {
  /* libcurl and libcrypto are loaded at the first S3 request: a missing library or function is an
   * error naming it and the package to install, asked again with the same answer */
  size_t (*len_fn)(const char *) = NULL;
  void (*none)(void) = NULL;
  blz__lib_sym missing_sym[] = {{"blz_no_such_function", &none}};
  blz__lib missing = {"libblizzard-no-such.so.9", missing_sym, 1, PTHREAD_MUTEX_INITIALIZER, false, false, ""};
  blz_error e = {0};
  for (int k = 0; k < 2; k++) {
    CHECK(!blz__lib_load(&missing, "Testing", "a-package", &e));
    CHECK_CONTAINS(e.message, "Testing needs libblizzard-no-such.so.9");
    CHECK_CONTAINS(e.message, "install a-package");
  }
  blz__lib nosym = {"libc.so.6", missing_sym, 1, PTHREAD_MUTEX_INITIALIZER, false, false, ""};
  CHECK(!blz__lib_load(&nosym, "Testing", "libc6", &e));
  CHECK_CONTAINS(e.message, "libc.so.6 has no blz_no_such_function");
  blz__lib_sym ok_sym[] = {{"strlen", &len_fn}};
  blz__lib ok = {"libc.so.6", ok_sym, 1, PTHREAD_MUTEX_INITIALIZER, false, false, ""};
  CHECK(blz__lib_load(&ok, "Testing", "libc6", NULL));
  CHECK(len_fn && len_fn("four") == 4);
}
