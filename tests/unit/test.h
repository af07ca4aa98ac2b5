/* test.h — a minimal test runner: each test runs in its own forked process, so a crash fails one test. */
#ifndef BLZ_TEST_H
#define BLZ_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*test_fn)(void);
typedef struct test_case {
  const char *name;
  test_fn fn;
} test_case;

extern int test_failures;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      test_failures++;                                                         \
    }                                                                          \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                                     \
  do {                                                                                         \
    long long a_ = (long long)(a), b_ = (long long)(b);                                       \
    if (a_ != b_) {                                                                            \
      fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, a_, b_); \
      test_failures++;                                                                         \
    }                                                                                          \
  } while (0)

#define CHECK_CONTAINS(hay, needle)                                                             \
  do {                                                                                          \
    if (!strstr((hay), (needle))) {                                                             \
      fprintf(stderr, "  %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__, (hay), (needle)); \
      test_failures++;                                                                          \
    }                                                                                           \
  } while (0)

#define CHECK_BYTES(got, got_len, ...)                                                    \
  do {                                                                                    \
    const unsigned char want_[] = {__VA_ARGS__};                                          \
    if ((size_t)(got_len) != sizeof want_ || memcmp((got), want_, sizeof want_) != 0) {   \
      fprintf(stderr, "  %s:%d: bytes differ (got %zu bytes:", __FILE__, __LINE__, (size_t)(got_len)); \
      for (size_t i_ = 0; i_ < (size_t)(got_len) && i_ < 64; i_++) fprintf(stderr, " %02x", ((const unsigned char *)(got))[i_]); \
      fprintf(stderr, ")\n");                                                             \
      test_failures++;                                                                    \
    }                                                                                     \
  } while (0)

#endif
