/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One control-API request as its handler sees it, once routed and its
 * caller's view established; private to agent/api/. */
#ifndef TENANTD_REQUEST_H
#define TENANTD_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

struct agent;
struct event_followers;
struct view;

/* The body of a request, gathered as libmicrohttpd hands it over. */
struct request_body {
	char *data;
	size_t length;
	bool too_large;
};

struct request {
	struct agent *agent;
	struct event_followers *followers;
	struct MHD_Connection *connection;
	const struct view *view;
	const char *name; /* {name} of /v1/tenants/{name}, unvalidated */
	const struct request_body *body; /* NULL for GET */
};

typedef enum MHD_Result (*request_handler)(const struct request *request);

#endif /* TENANTD_REQUEST_H */
