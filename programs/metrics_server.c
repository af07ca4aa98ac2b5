/* metrics_server.c — libmicrohttpd serving the library's metrics snapshot.
 *
 * libmicrohttpd is loaded when a server starts, not linked: with GnuTLS behind it, linking costs
 * every `blizzard` process ~3 ms of start-up that only `run` with a metrics address uses. */
#include "metrics_server.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#define LIBMHD "libmicrohttpd.so.12"

static struct {
  struct MHD_Daemon *(*start_daemon)(unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
                                     MHD_AccessHandlerCallback, void *, ...);
  void (*stop_daemon)(struct MHD_Daemon *);
  struct MHD_Response *(*create_response_from_buffer)(size_t, void *, enum MHD_ResponseMemoryMode);
  enum MHD_Result (*add_response_header)(struct MHD_Response *, const char *, const char *);
  enum MHD_Result (*queue_response)(struct MHD_Connection *, unsigned int, struct MHD_Response *);
  void (*destroy_response)(struct MHD_Response *);
} mhd;
static pthread_once_t mhd_once = PTHREAD_ONCE_INIT;
static char mhd_why[256] = "not loaded"; /* empty once loaded */

static bool look(void *h, const char *name, void *fn, size_t size) {
  void *f = dlsym(h, name);
  if (!f) snprintf(mhd_why, sizeof mhd_why, "%s has no %s", LIBMHD, name);
  else memcpy(fn, &f, size); /* POSIX makes dlsym's void * a function pointer */
  return f != NULL;
}

static void mhd_load(void) {
  void *h = dlopen(LIBMHD, RTLD_NOW | RTLD_LOCAL); /* never closed: daemons may outlive a caller */
  if (!h) {
    const char *e = dlerror();
    snprintf(mhd_why, sizeof mhd_why, "%s", e ? e : LIBMHD ": not found");
    return;
  }
  if (look(h, "MHD_start_daemon", &mhd.start_daemon, sizeof mhd.start_daemon) &&
      look(h, "MHD_stop_daemon", &mhd.stop_daemon, sizeof mhd.stop_daemon) &&
      look(h, "MHD_create_response_from_buffer", &mhd.create_response_from_buffer,
           sizeof mhd.create_response_from_buffer) &&
      look(h, "MHD_add_response_header", &mhd.add_response_header, sizeof mhd.add_response_header) &&
      look(h, "MHD_queue_response", &mhd.queue_response, sizeof mhd.queue_response) &&
      look(h, "MHD_destroy_response", &mhd.destroy_response, sizeof mhd.destroy_response))
    mhd_why[0] = 0;
}

struct metrics_server {
  struct MHD_Daemon *d;
  metrics_snapshot_fn fn;
  void *ctx;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type, char *body, bool owned) {
  struct MHD_Response *r = mhd.create_response_from_buffer(strlen(body), body,
                                                           owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
  if (!r) return MHD_NO;
  mhd.add_response_header(r, "Content-Type", type);
  enum MHD_Result ret = mhd.queue_response(c, code, r);
  mhd.destroy_response(r);
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
  pthread_once(&mhd_once, mhd_load);
  metrics_server *m = mhd_why[0] ? NULL : calloc(1, sizeof *m);
  if (!m) {
    snprintf(err, errlen, "cannot serve metrics on %s: %s", address,
             mhd_why[0] ? mhd_why : "out of memory");
    freeaddrinfo(ai);
    return NULL;
  }
  m->fn = fn;
  m->ctx = ctx;
  errno = 0;
  m->d = mhd.start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, handle, m,
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
  mhd.stop_daemon(m->d);
  free(m);
}
