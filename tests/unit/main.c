/* main.c — runs every unit test in a child process and prints "N passed, M failed". */
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "tests.h"

int test_failures = 0;

static const test_case all_tests[] = {
#define X(name) {#name, name},
    TEST_LIST
#undef X
};

int main(int argc, char **argv) {
  int passed = 0, failed = 0;
  size_t n = sizeof all_tests / sizeof all_tests[0];
  for (size_t i = 0; i < n; i++) {
    if (argc > 1 && !strstr(all_tests[i].name, argv[1])) continue;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
      all_tests[i].fn();
      fflush(stderr);
      exit(test_failures ? 1 : 0); /* exit, not _exit: LeakSanitizer checks at exit */
    }
    int status = 0;
    waitpid(pid, &status, 0);
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    printf("%s %s\n", ok ? "ok  " : "FAIL", all_tests[i].name);
    if (!ok && WIFSIGNALED(status)) printf("     (killed by signal %d)\n", WTERMSIG(status));
    ok ? passed++ : failed++;
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
