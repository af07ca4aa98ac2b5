/* recover.c — `blizzard recover`: finishes what a killed run left in the table, reading no input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage_recover(FILE *f) {
  fprintf(f,
          "usage: blizzard recover --config FILE\n\n"
          "recover: finishes what a killed run left in the table, without reading input: files\n"
          "published without their _staging metadata get it, files waiting in the spill folder are\n"
          "uploaded and announced, temporary files are removed, multipart uploads a dead run left\n"
          "open are aborted. `run` does the same before it reads. Exit 0 when the table is clean.\n");
}

int cli_recover(int argc, char **argv) {
  const char *config = NULL;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      usage_recover(stdout);
      return 0;
    }
    if (!strcmp(argv[i], "--config") && i + 1 < argc) config = argv[++i];
    else {
      fprintf(stderr, "blizzard: recover: unexpected argument %s (see blizzard recover --help)\n", argv[i]);
      return 2;
    }
  }
  if (!config) {
    fprintf(stderr, "blizzard: recover needs --config FILE\n");
    return 2;
  }
  blz_sink_config cfg;
  blz_sink_config_init(&cfg);
  blz_error err = {0};
  if (cli_load_config(config, &cfg, &err)) {
    fprintf(stderr, "blizzard: %s\n", err.message);
    return 2;
  }
  blz_recovery_report r;
  int rc = 0;
  if (blz_sink_recover(&cfg, &r, &err)) {
    fprintf(stderr, "blizzard: recover %s: %s\n", cfg.path, err.message);
    rc = 1;
  } else {
    fprintf(stderr, "blizzard: recovered %s: %lld files landed, %lld never-published files dropped, %lld temporary "
            "files removed, %lld spill copies removed, %lld multipart uploads aborted\n", cfg.path,
            (long long)r.files_landed, (long long)r.files_dropped, (long long)r.temp_files_removed,
            (long long)r.spill_files_removed, (long long)r.uploads_aborted);
  }
  blz_sink_config_free(&cfg);
  return rc;
}
