/* metrics_server.c — libmicrohttpd serving the library's metrics snapshot. */
#include "metrics_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct metrics_server {
  struct MHD_Daemon *d;
  metrics_snapshot_fn fn;
  void *ctx;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type, char *body, bool owned) {
  struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body,
                                                           owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
  if (!r) return MHD_NO;
  MHD_add_response_header(r, "Content-Type", type);
  enum MHD_Result ret = MHD_queue_response(c, code, r);
  MHD_destroy_response(r);
  return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **con_cls) {
  (void)version, (void)upload, (void)upload_size, (void)con_cls;
  metrics_server *m = cls;
  if (strcmp(method, "GET") && strcmp(method, "HEAD"))
    return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "method not allowed\n", false);
  if (!strcmp(url, "/health")) return reply(c, MHD_HTTP_OK, "text/plain", "ok\n", false);
  if (!strcmp(url, "/metrics")) {
    blz_sink_stats s;
    memset(&s, 0, sizeof s);
    m->fn(m->ctx, &s);
    char *text = NULL;
    if (blz_metrics_render(&s, &text) != BLZ_OK) return reply(c, 500, "text/plain", "out of memory\n", false);
    return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text, true);
  }
  return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", "not found: try /metrics or /health\n", false);
}

metrics_server *metrics_server_start(const char *address, metrics_snapshot_fn fn, void *ctx,
                                     char *err, size_t errlen) {
  const char *colon = strrchr(address, ':');
  if (!colon) {
    snprintf(err, errlen, "metrics address '%s' is not HOST:PORT", address);
    return NULL;
  }
  char host[256];
  size_t hl = (size_t)(colon - address);
  if (hl >= sizeof host) hl = sizeof host - 1;
  memcpy(host, address, hl);
  host[hl] = 0;
  struct addrinfo hints, *ai = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
  int rc = getaddrinfo(*host ? host : NULL, colon + 1, &hints, &ai);
  if (rc) {
    snprintf(err, errlen, "metrics address '%s': %s", address, gai_strerror(rc));
    return NULL;
  }
  metrics_server *m = calloc(1, sizeof *m);
  m->fn = fn;
  m->ctx = ctx;
  errno = 0;
  m->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, handle, m,
                          MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
                          MHD_OPTION_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_END);
  int e = errno;
  freeaddrinfo(ai);
  if (!m->d) {
    snprintf(err, errlen, "cannot listen on %s for metrics: %s", address, e ? strerror(e) : "failed to start the HTTP server");
    free(m);
    return NULL;
  }
  return m;
}

void metrics_server_stop(metrics_server *m) {
  if (!m) return;
  MHD_stop_daemon(m->d);
  free(m);
}
