/* upload.c — `blizzard upload`: local files into the configured s3:// sink path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage_upload(FILE *f) {
  fprintf(f,
          "usage: blizzard upload --config FILE [--prefix P] LOCAL_FILE...\n\n"
          "upload: puts local files into the configured s3:// sink.path as P/NAME (P defaults to\n"
          "nothing), with the sink's part size, concurrency and retries; e.g. to replay a spill folder.\n"
          "  --config FILE          the YAML configuration whose sink.path is s3://...\n"
          "  --prefix P             where under the sink path the files go (default: its root)\n");
}

int cli_upload(int argc, char **argv) {
  const char *config = NULL, *prefix = "";
  int n = 0;
  const char **local = calloc((size_t)argc + 1, sizeof *local), **rel = calloc((size_t)argc + 1, sizeof *rel);
  char **owned = calloc((size_t)argc + 1, sizeof *owned);
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      usage_upload(stdout);
      free(local), free(rel), free(owned);
      return 0;
    }
    if (!strcmp(argv[i], "--config") && i + 1 < argc) config = argv[++i];
    else if (!strcmp(argv[i], "--prefix") && i + 1 < argc) prefix = argv[++i];
    else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "blizzard: upload: unknown option %s (see blizzard upload --help)\n", argv[i]);
      free(local), free(rel), free(owned);
      return 2;
    } else local[n++] = argv[i];
  }
  int rc = 0;
  blz_sink_config cfg;
  blz_sink_config_init(&cfg);
  blz_error err = {0};
  if (!config || n == 0) {
    fprintf(stderr, "blizzard: upload needs --config FILE and at least one file\n");
    rc = 2;
  } else if (cli_load_config(config, &cfg, &err)) {
    fprintf(stderr, "blizzard: %s\n", err.message);
    rc = 2;
  } else {
    for (int i = 0; i < n; i++) {
      const char *base = strrchr(local[i], '/');
      base = base ? base + 1 : local[i];
      size_t len = strlen(prefix) + strlen(base) + 2;
      owned[i] = malloc(len);
      snprintf(owned[i], len, "%s%s%s", prefix, *prefix ? "/" : "", base);
      rel[i] = owned[i];
    }
    if (blz_upload_files(&cfg, n, local, rel, &err)) {
      fprintf(stderr, "blizzard: %s\n", err.message);
      rc = 1;
    }
    blz_sink_config_free(&cfg);
  }
  for (int i = 0; i < n; i++) free(owned[i]);
  free(owned);
  free(local);
  free(rel);
  return rc;
}
