/* metrics_server.h — the CLI's HTTP endpoint: GET /metrics (Prometheus text) and GET /health. */
#ifndef BLZ_CLI_METRICS_SERVER_H
#define BLZ_CLI_METRICS_SERVER_H

#include "blizzard.h"

typedef struct metrics_server metrics_server;

/* Source of the snapshot: called on each scrape; fills *s (zeros before the sink exists). */
typedef void (*metrics_snapshot_fn)(void *ctx, blz_sink_stats *s);

/* Listens on "HOST:PORT". On failure returns NULL and writes the reason into err. */
metrics_server *metrics_server_start(const char *address, metrics_snapshot_fn fn, void *ctx,
                                     char *err, size_t errlen);
void metrics_server_stop(metrics_server *m);

#endif
