/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The control API's HTTP server: HTTP/1.1 and JSON on a Unix socket (its
 * own, or the one systemd passes), and /metrics on MetricsListen=, served
 * by libmicrohttpd from the agent's own event loop. */
#ifndef TENANTD_HTTP_SERVER_H
#define TENANTD_HTTP_SERVER_H

#include "cleanup.h"

struct agent;
struct http_server;

/* Listens on RUNTIME_DIRECTORY/tenantd.sock (mode 0666: authorization is
 * per connection, from the peer's credentials) unless systemd passed a
 * socket, and on MetricsListen= when set. */
int http_server_open(struct agent *agent, const char *runtime_directory,
		     struct http_server **out);
/* Ends every event follower's stream, gives them a moment to take it, and
 * closes every connection, whatever state it is in. */
void http_server_close(struct http_server *server);
DEFINE_POINTER_CLEANUP(struct http_server *, http_server_close);
/* The fd to poll, and the work to do when it is readable or time passes. */
int http_server_fd(const struct http_server *server);
int http_server_run(struct http_server *server);
/* Milliseconds until http_server_run must run again, -1 for no deadline. */
int http_server_timeout(const struct http_server *server);

#endif /* TENANTD_HTTP_SERVER_H */
