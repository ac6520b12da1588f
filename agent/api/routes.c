// SPDX-License-Identifier: LGPL-2.1-or-later
/* The control API's route table: a path ending in '/' takes a tenant name
 * after it; the caller's view is established before routing, and
 * operators-only routes refuse every other view. A GET that only reports
 * names its report; adding an endpoint is one line here. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "api/caller.h"
#include "api/followers.h"
#include "api/handlers.h"
#include "api/report.h"
#include "api/responses.h"
#include "api/routes.h"
#include "cleanup.h"

#define BODY_MAX (64 * 1024)
#define TENANTS_PREFIX "/v1/tenants/"

typedef int (*report_builder)(const struct agent *agent, const struct view *view, char **text,
			      size_t *length);

struct route {
	const char *method;
	const char *path;
	bool operators_only;
	/* One of the two: a handler, or a report sent as it is built. */
	request_handler handle;
	report_builder report;
	const char *content_type; /* of the report */
};

#define REPORT(method, path, builder, type) { method, path, false, NULL, builder, type }
#define HANDLER(method, path, operators_only, handler) \
	{ method, path, operators_only, handler, NULL, NULL }

static const struct route routes[] = {
	REPORT(MHD_HTTP_METHOD_GET, "/metrics", report_metrics, CONTENT_EXPOSITION),
	REPORT(MHD_HTTP_METHOD_GET, "/v1/status", report_status, CONTENT_JSON),
	REPORT(MHD_HTTP_METHOD_GET, "/v1/posture", report_posture, CONTENT_JSON),
	REPORT(MHD_HTTP_METHOD_GET, "/v1/tenants", report_all_tenants, CONTENT_JSON),
	HANDLER(MHD_HTTP_METHOD_GET, "/v1/who", false, handle_who),
	HANDLER(MHD_HTTP_METHOD_GET, "/v1/events", false, handle_events),
	HANDLER(MHD_HTTP_METHOD_GET, TENANTS_PREFIX, false, handle_tenant),
	HANDLER(MHD_HTTP_METHOD_PUT, TENANTS_PREFIX, true, handle_put),
	HANDLER(MHD_HTTP_METHOD_DELETE, TENANTS_PREFIX, true, handle_delete),
	HANDLER(MHD_HTTP_METHOD_POST, "/v1/reload", true, handle_reload),
};

static bool route_matches_path(const struct route *route, const char *url)
{
	size_t length = strlen(route->path);

	if (route->path[length - 1] == '/')
		return !strncmp(url, route->path, length);
	return !strcmp(url, route->path);
}

static enum MHD_Result answer_route(const struct route *route, struct request *request,
				    const char *url)
{
	char *body = NULL;
	size_t length = 0;
	int r;

	if (route->operators_only && !request->view->operator)
		return respond_error(request->connection, MHD_HTTP_FORBIDDEN,
				     "only operators may change the configuration");
	if (route->path[strlen(route->path) - 1] == '/')
		request->name = url + strlen(route->path);
	if (route->handle)
		return route->handle(request);
	r = route->report(request->agent, request->view, &body, &length);
	return respond_built(request->connection, r, body, length, route->content_type, "");
}

/* 404 when no route has the path, 405 naming the methods it takes when
 * none has the method too. */
static enum MHD_Result route_request(struct request *request, const char *method,
				     const char *url)
{
	char allowed[64] = "", message[80];
	size_t used = 0;

	for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
		const struct route *route = &routes[i];

		if (!route_matches_path(route, url))
			continue;
		if (!strcmp(route->method, method))
			return answer_route(route, request, url);
		used += (size_t)snprintf(allowed + used, used < sizeof(allowed) ?
					 sizeof(allowed) - used : 0, "%s%s",
					 used ? " or " : "", route->method);
	}
	if (!used)
		return respond_error(request->connection, MHD_HTTP_NOT_FOUND, "no such endpoint");
	snprintf(message, sizeof(message), "use %s", allowed);
	return respond_error(request->connection, MHD_HTTP_METHOD_NOT_ALLOWED, message);
}

/* Requests with a body come in several calls: the body is gathered first,
 * capped at BODY_MAX (the rest is read and dropped, for a clean 413). */
static enum MHD_Result gather_body(void **request_state, const char *upload_data,
				   size_t *upload_data_size, bool *complete)
{
	struct request_body *body = *request_state;
	char *grown;

	*complete = false;
	if (!body) {
		*request_state = calloc(1, sizeof(*body));
		return *request_state ? MHD_YES : MHD_NO;
	}
	if (!*upload_data_size) {
		*complete = true;
		return MHD_YES;
	}
	if (body->too_large || body->length + *upload_data_size > BODY_MAX) {
		body->too_large = true;
	} else {
		grown = realloc(body->data, body->length + *upload_data_size + 1);
		if (!grown)
			return MHD_NO;
		memcpy(grown + body->length, upload_data, *upload_data_size);
		body->length += *upload_data_size;
		grown[body->length] = '\0';
		body->data = grown;
	}
	*upload_data_size = 0;
	return MHD_YES;
}

void routes_request_completed(void *context, struct MHD_Connection *connection,
			      void **request_state, enum MHD_RequestTerminationCode code)
{
	struct request_body *body = *request_state;

	if (body) {
		free(body->data);
		free(body);
		*request_state = NULL;
	}
}

enum MHD_Result routes_answer(void *context, struct MHD_Connection *connection, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **request_state)
{
	const struct api_context *api = context;
	struct view view;
	struct request request = {
		.agent = api->agent, .followers = api->followers, .connection = connection,
		.view = &view, .name = "",
	};

	if (strcmp(method, MHD_HTTP_METHOD_GET)) {
		bool complete;
		enum MHD_Result result = gather_body(request_state, upload_data, upload_data_size,
						     &complete);

		if (!complete)
			return result;
		request.body = *request_state;
	}
	if (caller_view(request.agent, connection, &view))
		return respond_error(connection, MHD_HTTP_FORBIDDEN,
				     "only operators and processes of a tenant may use this API");
	return route_request(&request, method, url);
}

/* Prometheus cannot scrape a Unix socket. TCP carries no peer credentials,
 * which is why MetricsListen= belongs on a loopback address. */
enum MHD_Result routes_answer_metrics(void *context, struct MHD_Connection *connection,
				      const char *url, const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **request_state)
{
	static const struct view operator_view = { .operator = true };
	const struct api_context *api = context;
	char *body = NULL;
	size_t length = 0;
	int r;

	if (strcmp(url, "/metrics"))
		return respond_error(connection, MHD_HTTP_NOT_FOUND, "only /metrics is served here");
	if (strcmp(method, MHD_HTTP_METHOD_GET))
		return respond_error(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET");
	r = report_metrics(api->agent, &operator_view, &body, &length);
	return respond_built(connection, r, body, length, CONTENT_EXPOSITION, "");
}
