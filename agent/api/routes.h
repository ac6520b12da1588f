/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The control API's routes: which handler answers which method and path,
 * for which callers; and the one route of MetricsListen=. These are
 * libmicrohttpd's access handlers (MHD_AccessHandlerCallback). */
#ifndef TENANTD_ROUTES_H
#define TENANTD_ROUTES_H

#include <stddef.h>

#include <microhttpd.h>

struct agent;
struct event_followers;

/* What the handlers reach: the context both access handlers take. */
struct api_context {
	struct agent *agent;
	struct event_followers *followers;
};

/* The control socket: the caller's view first, then the route. */
enum MHD_Result routes_answer(void *context, struct MHD_Connection *connection, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **request_state);
/* MetricsListen=: GET /metrics, as an operator sees it, and nothing else. */
enum MHD_Result routes_answer_metrics(void *context, struct MHD_Connection *connection,
				      const char *url, const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **request_state);
/* Frees what routes_answer gathered for a request (MHD_OPTION_NOTIFY_COMPLETED). */
void routes_request_completed(void *context, struct MHD_Connection *connection,
			      void **request_state, enum MHD_RequestTerminationCode code);

#endif /* TENANTD_ROUTES_H */
