/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The control API: HTTP/1.1 and JSON on a Unix socket, served by
 * libmicrohttpd from the agent's own event loop. */
#ifndef TENANTD_API_H
#define TENANTD_API_H

#include "cleanup.h"

struct agent;
struct api_server;

/* Listens on RUNTIME_DIRECTORY/tenantd.sock (mode 0666: authorization is
 * per connection, from the peer's credentials). */
int api_server_open(struct agent *agent, const char *runtime_directory,
		    struct api_server **out);
void api_server_close(struct api_server *server);
DEFINE_POINTER_CLEANUP(struct api_server *, api_server_close);
/* The fd to poll, and the work to do when it is readable or time passes. */
int api_server_fd(const struct api_server *server);
int api_server_run(struct api_server *server);
/* Milliseconds until api_server_run must run again, -1 for no deadline. */
int api_server_timeout(const struct api_server *server);

#endif /* TENANTD_API_H */
