/* scaling.c — what this machine itself gives a second thread, with nothing of blizzard in it: a
 * fixed amount of work done on one thread, then split evenly over two (no locks, no shared data,
 * nothing serial but the two thread starts), alternating, one line per pair. Two kinds of work:
 *   alu  xorshift rounds in registers (compression and hashing at their best case)
 *   mem  copies of 1 MiB pieces between 64 MiB buffers per thread, missing the caches (gather,
 *        page assembly and the page-cache copy at their worst case)
 * Usage: scaling alu|mem MS PAIRS   (MS: the one-thread time to size the work for)
 * Prints: "KIND one_thread_ms two_threads_ms ratio" per pair. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MEM_BYTES ((size_t)64 << 20)
#define PIECE ((size_t)1 << 20)

typedef struct job {
  int kind; /* 0 alu, 1 mem */
  uint64_t rounds;
  char *src, *dst;
  uint64_t out;
} job;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void *run(void *arg) {
  job *j = arg;
  if (j->kind == 0) {
    uint64_t x = 88172645463325252ull ^ (uint64_t)(uintptr_t)j;
    for (uint64_t i = 0; i < j->rounds; i++) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
    }
    j->out = x; /* kept, so the loop is not optimised away */
  } else {
    for (uint64_t r = 0; r < j->rounds; r++)
      for (size_t o = 0; o < MEM_BYTES; o += PIECE) memcpy(j->dst + o, j->src + o, PIECE);
    j->out = (uint64_t)(unsigned char)j->dst[MEM_BYTES - 1];
  }
  return NULL;
}

/* Seconds for the whole work on one thread (both halves in turn) or on two. */
static double timed(job *half, int threads) {
  double t0 = now();
  if (threads == 1) {
    run(&half[0]);
    run(&half[1]);
  } else {
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
      if (pthread_create(&t[i], NULL, run, &half[i])) {
        fprintf(stderr, "scaling: cannot start a thread\n");
        exit(1);
      }
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  }
  return now() - t0;
}

int main(int argc, char **argv) {
  if (argc != 4 || (strcmp(argv[1], "alu") && strcmp(argv[1], "mem"))) {
    fprintf(stderr, "usage: scaling alu|mem MS PAIRS\n");
    return 2;
  }
  int kind = strcmp(argv[1], "alu") ? 1 : 0;
  double want = atof(argv[2]) / 1e3;
  int pairs = atoi(argv[3]);
  if (want <= 0 || pairs < 1) {
    fprintf(stderr, "scaling: MS and PAIRS must be positive\n");
    return 2;
  }
  job half[2];
  memset(half, 0, sizeof half);
  for (int i = 0; i < 2; i++) {
    half[i].kind = kind;
    if (kind == 1) {
      half[i].src = malloc(MEM_BYTES);
      half[i].dst = malloc(MEM_BYTES);
      if (!half[i].src || !half[i].dst) {
        fprintf(stderr, "scaling: out of memory\n");
        return 1;
      }
      memset(half[i].src, i + 1, MEM_BYTES); /* touched now: no page faults in the timed runs */
      memset(half[i].dst, 0, MEM_BYTES);
    }
  }
  /* calibrate: one unit of work per half, run once to warm up, then timed on one thread and scaled
   * to the wanted time */
  half[0].rounds = half[1].rounds = kind ? 1 : 10000000;
  timed(half, 1);
  double unit = timed(half, 1);
  uint64_t rounds = (uint64_t)((double)half[0].rounds * want / unit);
  half[0].rounds = half[1].rounds = rounds ? rounds : 1;
  for (int p = 0; p < pairs; p++) {
    double one = timed(half, 1), two = timed(half, 2);
    printf("%s %.1f %.1f %.3f\n", argv[1], one * 1e3, two * 1e3, one / two);
  }
  return 0;
}
