/* blizzard.c — the command-line tool's entry: the overview, --version, and each command handed to
 * its own file (convert.c, run.c, upload.c, recover.c). */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* The overview (blizzard --help); each command prints its own flags (blizzard COMMAND --help). */
static void usage(FILE *f) {
  fprintf(f,
          "usage: blizzard convert IN OUT [options]\n"
          "       blizzard run --config FILE [--check] [--quiet] INPUT...\n"
          "       blizzard upload --config FILE [--prefix P] LOCAL_FILE...\n"
          "       blizzard recover --config FILE\n"
          "       blizzard --version\n"
          "\n"
          "convert  an Arrow IPC stream or file into one Parquet file\n"
          "run      Arrow IPC inputs into the rolling, partitioned sink a YAML config describes\n"
          "upload   local files into the configured s3:// sink path\n"
          "recover  finish what a killed run left in the table (run does this first)\n"
          "'blizzard COMMAND --help' lists a command's options; exit codes: 0 success, 1 the work\n"
          "failed, 2 usage or configuration error (man blizzard).\n");
}

/* glibc's malloc backs its heap with transparent huge pages only when told so at start-up
 * (GLIBC_TUNABLES=glibc.malloc.hugetlb=1); with BLZ_HUGEPAGES=1 the CLI restarts itself once with
 * the tunable set, keeping its PID, for `convert` of stdin or of a file of 32 MB or more. Off by
 * default: huge pages cut the page faults of touching fresh buffers (wide table: 20,700 -> 2,400),
 * but a 2 MiB page comes from the free blocks a VM's balloon reports to its host, which the host
 * must map back in. Runs 5 s apart on the 2-core Firecracker VM: event log 0.84-1.11 s with huge
 * pages against 0.76-0.92 s without (kernel time 0.30-0.39 s against 0.15 s), wide table
 * 0.30-0.34 s against 0.17-0.21 s. Back to back they win (each run reuses the blocks the last one
 * freed before they are reported), which is what made them look good in a benchmark loop. */
static void restart_with_huge_pages(int argc, char **argv) {
  const char *t = getenv("GLIBC_TUNABLES"), *on = getenv("BLZ_HUGEPAGES");
  if (!on || strcmp(on, "1") || (t && strstr(t, "glibc.malloc.hugetlb"))) return;
  if (argc < 3 || strcmp(argv[1], "convert")) return;
  {
    struct stat st; /* the first operand that is not an option is the input */
    const char *in = NULL;
    for (int i = 2; i < argc && !in; i++) {
      if (argv[i][0] != '-' || !strcmp(argv[i], "-")) in = argv[i];
      else if (strcmp(argv[i], "--quiet") && strcmp(argv[i], "--no-dictionary") && strcmp(argv[i], "--no-page-index") &&
               strcmp(argv[i], "--no-utf8-check") && strcmp(argv[i], "--page-checksums") &&
               strcmp(argv[i], "--sort-nulls-first"))
        i++;
    }
    if (!in || (strcmp(in, "-") && (stat(in, &st) || st.st_size < (32 << 20)))) return;
  }
  char mode[128] = "";
  FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
  if (!f) return;
  if (!fgets(mode, sizeof mode, f)) mode[0] = 0;
  fclose(f);
  if (!strstr(mode, "[madvise]") && !strstr(mode, "[always]")) return;
  char value[1024];
  int n = snprintf(value, sizeof value, "%s%sglibc.malloc.hugetlb=1", t ? t : "", t ? ":" : "");
  if (n < 0 || (size_t)n >= sizeof value || setenv("GLIBC_TUNABLES", value, 1)) return;
  execv("/proc/self/exe", argv); /* returns only on failure: then run as we are */
}

int main(int argc, char **argv) {
  restart_with_huge_pages(argc, argv);
  /* one malloc arena: encoding threads take over each other's columns, and per-thread arenas
   * would each fault in their own fresh memory (wide table, 2 threads: 132 -> 108 ms) */
  mallopt(M_ARENA_MAX, 1);
  /* buffers of up to 64 MiB come from the heap and stay there when freed, so the next column,
   * row group or file reuses memory already faulted in instead of mapping fresh zero pages
   * (sink, event log in 73 hourly files: 1.32 -> 1.16 s) */
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("blizzard %s\n", blz_version());
    return 0;
  }
  if (!strcmp(argv[1], "convert")) return cli_convert(argc - 2, argv + 2);
  if (!strcmp(argv[1], "run")) return cli_run(argc - 2, argv + 2);
  if (!strcmp(argv[1], "upload")) return cli_upload(argc - 2, argv + 2);
  if (!strcmp(argv[1], "recover")) return cli_recover(argc - 2, argv + 2);
  fprintf(stderr, "blizzard: unknown command '%s' (see --help)\n", argv[1]);
  return 2;
}
