// SPDX-License-Identifier: LGPL-2.1-or-later
/* Routes control-socket requests, and serves /metrics on MetricsListen=.
 * libmicrohttpd runs in its epoll mode with no threads of its own; both
 * daemons' epoll fds sit in one epoll fd the agent's loop waits on, so
 * requests never race with policy changes. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include <json-c/json.h>
#include <microhttpd.h>
#include <systemd/sd-daemon.h>

#include "agent.h"
#include "api/api.h"
#include "api/dropins.h"
#include "api/events.h"
#include "api/report.h"
#include "cgroups/tenant_of.h"
#include "cleanup.h"
#include "kernel/policy.h"
#include "log.h"
#include "tenant_json.h"
#include "validate.h"

#define SOCKET_NAME "tenantd.sock"
#define CONNECTION_TIMEOUT_SECONDS 30
#define BODY_MAX (64 * 1024)
#define CONNECTION_LIMIT 1024
#define PEER_GROUPS_MAX 256
/* How long a stop waits for followers to take the end of their stream: a
 * client that reads nothing is cut off after it. */
#define STOP_DRAIN_MS 2000

/* A client of GET /v1/events?follow=1. Its connection is suspended while
 * there is nothing new for it and resumed when events arrive, so a slow or
 * silent client costs nothing and never holds the event consumer up; one
 * that falls behind the history skips to its oldest event. */
struct follower {
	struct api_server *server;
	struct MHD_Connection *connection;
	struct view view;
	uint32_t tenant_id; /* filter, or TENANT_ID_ANY */
	uint64_t cursor;
	char *pending;
	size_t pending_length, pending_offset;
	bool suspended;
	struct follower *next;
};

/* The body of a request, gathered as libmicrohttpd hands it over. */
struct request_body {
	char *data;
	size_t length;
	bool too_large;
};

struct api_server {
	struct agent *agent;
	struct follower *followers;
	bool stopping; /* followers' streams end instead of waiting */
	struct MHD_Daemon *daemon; /* the control socket */
	struct MHD_Daemon *metrics_daemon; /* MetricsListen=, or NULL */
	int epoll_fd;
	char socket_path[PATH_MAX];
};

static bool peer_in_group(int fd, const struct ucred *credentials, const char *group_name)
{
	gid_t groups[PEER_GROUPS_MAX];
	socklen_t length = sizeof(groups);
	struct group *group;

	if (!group_name[0] || !(group = getgrnam(group_name)))
		return false;
	if (credentials->gid == group->gr_gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &length))
		return false;
	for (size_t i = 0; i < length / sizeof(gid_t); i++)
		if (groups[i] == group->gr_gid)
			return true;
	return false;
}

/* Operators are root and AdminGroup; anyone else is seen as the tenant its
 * process belongs to, and a caller in no tenant is refused (-EACCES). */
static int caller_view(struct api_server *server, struct MHD_Connection *connection,
		       struct view *view)
{
	const union MHD_ConnectionInfo *info;
	struct ucred credentials;
	socklen_t length = sizeof(credentials);
	char cgroup[PATH_MAX];

	memset(view, 0, sizeof(*view));
	info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!info || getsockopt(info->connect_fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length))
		return -EACCES;
	if (credentials.uid == 0 ||
	    peer_in_group(info->connect_fd, &credentials, server->agent->config.agent.admin_group)) {
		view->operator = true;
		return 0;
	}
	if (tenant_of_process(server->agent, credentials.pid, &view->tenant_id, cgroup,
			      sizeof(cgroup)) ||
	    view->tenant_id == TENANT_ID_HOST)
		return -EACCES;
	return 0;
}

static enum MHD_Result respond(struct MHD_Connection *connection, unsigned int status,
			       const char *content_type, char *body, size_t length)
{
	struct MHD_Response *response;
	enum MHD_Result result;

	response = MHD_create_response_from_buffer(length, body, MHD_RESPMEM_MUST_FREE);
	if (!response) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	result = MHD_queue_response(connection, status, response);
	MHD_destroy_response(response);
	return result;
}

static enum MHD_Result respond_error(struct MHD_Connection *connection, unsigned int status,
				     const char *message)
{
	_cleanup_json_ struct json_object *object = json_object_new_object();
	char *body;

	if (!object)
		return MHD_NO;
	json_object_object_add(object, "error", json_object_new_string(message));
	body = strdup(json_object_to_json_string_ext(object, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE));
	if (!body)
		return MHD_NO;
	return respond(connection, status, "application/json", body, strlen(body));
}

/* R from a report_* call: its document, the 404 NOT_FOUND, or a 500. */
static enum MHD_Result respond_built(struct MHD_Connection *connection, int r, char *body,
				     size_t length, const char *content_type,
				     const char *not_found)
{
	if (r == 0)
		return respond(connection, MHD_HTTP_OK, content_type, body, length);
	free(body);
	if (r == -ENOENT)
		return respond_error(connection, MHD_HTTP_NOT_FOUND, not_found);
	(void)log_error_errno(r, "cannot build a response: %m");
	return respond_error(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
			     "internal error, see the agent's log");
}

#define JSON "application/json"
#define EXPOSITION "text/plain; version=0.0.4; charset=utf-8"
#define NDJSON "application/x-ndjson"
#define TENANTS_PREFIX "/v1/tenants/"

/* One request as a handler sees it, once routed and authorized. */
struct request {
	struct api_server *server;
	struct MHD_Connection *connection;
	const struct view *view;
	const char *name; /* {name} of /v1/tenants/{name}, unvalidated */
	const struct request_body *body; /* NULL for GET */
};

static enum MHD_Result handle_metrics(const struct request *request)
{
	char *body = NULL;
	size_t length = 0;
	int r = report_metrics(request->server->agent, request->view, &body, &length);

	return respond_built(request->connection, r, body, length, EXPOSITION, "");
}

static enum MHD_Result handle_status(const struct request *request)
{
	char *body = NULL;
	size_t length = 0;
	int r = report_status(request->server->agent, request->view, &body, &length);

	return respond_built(request->connection, r, body, length, JSON, "");
}

static enum MHD_Result handle_posture(const struct request *request)
{
	char *body = NULL;
	size_t length = 0;
	int r = report_posture(request->server->agent, request->view, &body, &length);

	return respond_built(request->connection, r, body, length, JSON, "");
}

static enum MHD_Result handle_tenants(const struct request *request)
{
	char *body = NULL;
	size_t length = 0;
	int r = report_tenants(request->server->agent, request->view, NULL, &body, &length);

	return respond_built(request->connection, r, body, length, JSON, "");
}

static enum MHD_Result handle_tenant(const struct request *request)
{
	char *body = NULL;
	size_t length = 0;
	int r;

	/* Another tenant's name and a name that does not exist answer alike. */
	if (!tenant_name_valid(request->name))
		return respond_error(request->connection, MHD_HTTP_NOT_FOUND, "no such tenant");
	r = report_tenants(request->server->agent, request->view, request->name, &body, &length);
	return respond_built(request->connection, r, body, length, JSON, "no such tenant");
}

static enum MHD_Result handle_who(const struct request *request)
{
	const char *text = MHD_lookup_connection_value(request->connection, MHD_GET_ARGUMENT_KIND,
						       "pid");
	char *body = NULL, *end;
	size_t length = 0;
	long pid;
	int r;

	errno = 0;
	pid = text ? strtol(text, &end, 10) : 0;
	if (!text || !*text || *end || errno || pid <= 0 || pid > INT32_MAX)
		return respond_error(request->connection, MHD_HTTP_BAD_REQUEST,
				     "pid must be a process id, e.g. /v1/who?pid=1234");
	r = report_who(request->server->agent, request->view, (pid_t)pid, &body, &length);
	return respond_built(request->connection, r, body, length, JSON, "no such process");
}

static ssize_t follow_reader(void *context, uint64_t position, char *buffer, size_t size)
{
	struct follower *follower = context;
	size_t count;

	if (follower->pending_offset == follower->pending_length) {
		free(follower->pending);
		follower->pending = NULL;
		follower->pending_length = follower->pending_offset = 0;
		if (event_stream_render(follower->server->agent->events, &follower->view,
					follower->tenant_id, &follower->cursor, &follower->pending,
					&follower->pending_length))
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	if (follower->pending_length == 0 && follower->server->stopping)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (follower->pending_length == 0) {
		follower->suspended = true;
		MHD_suspend_connection(follower->connection);
		return 0;
	}
	count = follower->pending_length - follower->pending_offset;
	if (count > size)
		count = size;
	memcpy(buffer, follower->pending + follower->pending_offset, count);
	follower->pending_offset += count;
	return (ssize_t)count;
}

static void follow_free(void *context)
{
	struct follower *follower = context, **link;

	for (link = &follower->server->followers; *link; link = &(*link)->next) {
		if (*link == follower) {
			*link = follower->next;
			break;
		}
	}
	free(follower->pending);
	free(follower);
}

static void wake_followers(void *context)
{
	struct api_server *server = context;

	for (struct follower *follower = server->followers; follower; follower = follower->next) {
		if (!follower->suspended)
			continue;
		follower->suspended = false;
		MHD_resume_connection(follower->connection);
	}
}

static enum MHD_Result handle_events(const struct request *request)
{
	struct api_server *server = request->server;
	struct MHD_Connection *connection = request->connection;
	const struct view *view = request->view;
	const char *follow = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "follow");
	const char *name = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "tenant");
	struct MHD_Response *response;
	struct follower *follower;
	uint32_t tenant_id = TENANT_ID_ANY;
	enum MHD_Result result;
	uint64_t cursor = 0;
	char *body = NULL;
	size_t length = 0;
	int64_t id;

	if (name) {
		/* Another tenant's name answers like one that does not exist. */
		id = tenant_name_valid(name) ? tenant_ids_find(&server->agent->ids, name) : -ENOENT;
		if (id < 0 || (!view->operator && (uint32_t)id != view->tenant_id))
			return respond_error(connection, MHD_HTTP_NOT_FOUND, "no such tenant");
		tenant_id = (uint32_t)id;
	}
	if (follow && strcmp(follow, "0") && strcmp(follow, "false")) {
		follower = calloc(1, sizeof(*follower));
		if (!follower)
			return MHD_NO;
		follower->server = server;
		follower->connection = connection;
		follower->view = *view;
		follower->tenant_id = tenant_id;
		follower->cursor = event_stream_next(server->agent->events);
		response = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, follow_reader,
							     follower, follow_free);
		if (!response) {
			free(follower);
			return MHD_NO;
		}
		follower->next = server->followers;
		server->followers = follower;
		MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, NDJSON);
		result = MHD_queue_response(connection, MHD_HTTP_OK, response);
		MHD_destroy_response(response);
		return result;
	}
	if (event_stream_render(server->agent->events, view, tenant_id, &cursor, &body, &length))
		return respond_error(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
				     "internal error, see the agent's log");
	return respond(connection, MHD_HTTP_OK, NDJSON, body, length);
}

/* A refused configuration: one that contradicts another tenant's (its
 * network, cgroup or name, an exception naming it) is a conflict; anything
 * else wrong with it is a bad request. */
static unsigned int refusal_status(int r)
{
	return r == -EEXIST ? MHD_HTTP_CONFLICT : MHD_HTTP_BAD_REQUEST;
}

static enum MHD_Result handle_reload(const struct request *request)
{
	struct agent *agent = request->server->agent;
	char error[CONFIG_ERROR_MAX], *body;
	int r = agent_reload(agent, error, sizeof(error));

	if (r)
		return respond_error(request->connection, refusal_status(r), error);
	if (asprintf(&body, "{\"reloaded\":true,\"tenants\":%zu}", agent->config.tenant_count) < 0)
		return MHD_NO;
	return respond(request->connection, MHD_HTTP_OK, JSON, body, strlen(body));
}

static void request_completed(void *context, struct MHD_Connection *connection,
			      void **request_state, enum MHD_RequestTerminationCode code)
{
	struct request_body *body = *request_state;

	if (body) {
		free(body->data);
		free(body);
		*request_state = NULL;
	}
}

/* PUT and DELETE name the tenant they change: a bad name is a bad request. */
static enum MHD_Result refuse_bad_name(const struct request *request)
{
	return respond_error(request->connection, MHD_HTTP_BAD_REQUEST,
			     "a tenant name matches ^[a-z0-9][a-z0-9-]{0,38}$");
}

static enum MHD_Result handle_put(const struct request *request)
{
	static const struct view operator_view = { .operator = true };
	struct MHD_Connection *connection = request->connection;
	struct agent *agent = request->server->agent;
	const struct request_body *upload = request->body;
	const char *name = request->name;
	const struct tenant_config *existing;
	char error[CONFIG_ERROR_MAX], path[PATH_MAX];
	_cleanup_free_ char *text = NULL, *previous = NULL;
	char *body = NULL;
	size_t length = 0;
	int r;

	if (!tenant_name_valid(name))
		return refuse_bad_name(request);
	if (upload->too_large)
		return respond_error(connection, MHD_HTTP_CONTENT_TOO_LARGE,
				     "the body is larger than 64 KiB");
	r = dropin_render(name, upload->data ? upload->data : "", upload->length, &text, error,
			  sizeof(error));
	if (r == -EINVAL)
		return respond_error(connection, MHD_HTTP_BAD_REQUEST, error);
	if (r)
		return MHD_NO;
	existing = config_find_tenant(&agent->config, name);
	if (existing) {
		snprintf(path, sizeof(path), "%s", existing->where.file);
	} else {
		snprintf(path, sizeof(path), "%s/tenants.d", agent->options.config_directory);
		if (mkdir(path, 0755) && errno != EEXIST) {
			(void)log_error_errno(errno, "%s: cannot create: %m", path);
			return respond_error(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
					     "cannot write the tenant's file, see the agent's log");
		}
		snprintf(path, sizeof(path), "%s/tenants.d/%s.conf", agent->options.config_directory,
			 name);
	}
	if (dropin_replace(path, text, &previous))
		return respond_error(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
				     "cannot write the tenant's file, see the agent's log");
	r = agent_reload(agent, error, sizeof(error));
	if (r) {
		(void)dropin_restore(path, previous);
		return respond_error(connection, refusal_status(r), error);
	}
	r = report_tenants(agent, &operator_view, name, &body, &length);
	if (r)
		return respond_built(connection, r, body, length, JSON, "no such tenant");
	return respond(connection, existing ? MHD_HTTP_OK : MHD_HTTP_CREATED, JSON, body, length);
}

static enum MHD_Result handle_delete(const struct request *request)
{
	struct MHD_Connection *connection = request->connection;
	struct agent *agent = request->server->agent;
	const char *name = request->name;
	const char *purge = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "purge");
	bool purging = purge && strcmp(purge, "0") && strcmp(purge, "false");
	const struct tenant_config *tenant;
	char error[CONFIG_ERROR_MAX], path[PATH_MAX], *body;
	_cleanup_free_ char *previous = NULL;
	int r;

	if (!tenant_name_valid(name))
		return refuse_bad_name(request);
	tenant = config_find_tenant(&agent->config, name);
	if (!tenant && tenant_ids_find(&agent->ids, name) < 0)
		return respond_error(connection, MHD_HTTP_NOT_FOUND, "no such tenant");
	if (tenant) {
		snprintf(path, sizeof(path), "%s", tenant->where.file);
		if (dropin_remove(path, &previous))
			return respond_error(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
					     "cannot remove the tenant's file, see the agent's log");
		r = agent_reload(agent, error, sizeof(error));
		if (r) {
			(void)dropin_restore(path, previous);
			return respond_error(connection, refusal_status(r), error);
		}
	}
	if (purging && policy_purge(agent->programs.skeleton, &agent->ids, name,
				    agent->options.state_directory))
		return respond_error(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
				     "the tenant is off-boarded but its purge failed, see the agent's log");
	if (asprintf(&body, "{\"tenant\":\"%s\",\"state\":\"%s\"}", name,
		     purging ? "purged" : "tombstoned") < 0)
		return MHD_NO;
	return respond(connection, MHD_HTTP_OK, JSON, body, strlen(body));
}

/* The control API. A path ending in '/' takes a tenant name after it. The
 * caller's view is established before routing; OPERATORS_ONLY routes refuse
 * every other view. Adding an endpoint is one line here. */
struct route {
	const char *method;
	const char *path;
	bool operators_only;
	enum MHD_Result (*handle)(const struct request *request);
};

static const struct route routes[] = {
	{ MHD_HTTP_METHOD_GET, "/metrics", false, handle_metrics },
	{ MHD_HTTP_METHOD_GET, "/v1/status", false, handle_status },
	{ MHD_HTTP_METHOD_GET, "/v1/who", false, handle_who },
	{ MHD_HTTP_METHOD_GET, "/v1/events", false, handle_events },
	{ MHD_HTTP_METHOD_GET, "/v1/posture", false, handle_posture },
	{ MHD_HTTP_METHOD_GET, "/v1/tenants", false, handle_tenants },
	{ MHD_HTTP_METHOD_GET, TENANTS_PREFIX, false, handle_tenant },
	{ MHD_HTTP_METHOD_PUT, TENANTS_PREFIX, true, handle_put },
	{ MHD_HTTP_METHOD_DELETE, TENANTS_PREFIX, true, handle_delete },
	{ MHD_HTTP_METHOD_POST, "/v1/reload", true, handle_reload },
};

static bool route_matches_path(const struct route *route, const char *url)
{
	size_t length = strlen(route->path);

	if (route->path[length - 1] == '/')
		return !strncmp(url, route->path, length);
	return !strcmp(url, route->path);
}

/* 404 when no route has the path, 405 naming the methods it takes when
 * none has the method too. */
static enum MHD_Result route_request(struct request *request, const char *method,
				     const char *url)
{
	char allowed[64] = "";
	size_t used = 0;

	for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
		const struct route *route = &routes[i];

		if (!route_matches_path(route, url))
			continue;
		if (strcmp(route->method, method)) {
			used += (size_t)snprintf(allowed + used, used < sizeof(allowed) ?
					         sizeof(allowed) - used : 0, "%s%s",
						 used ? " or " : "", route->method);
			continue;
		}
		if (route->operators_only && !request->view->operator)
			return respond_error(request->connection, MHD_HTTP_FORBIDDEN,
					     "only operators may change the configuration");
		if (route->path[strlen(route->path) - 1] == '/')
			request->name = url + strlen(route->path);
		return route->handle(request);
	}
	if (!used)
		return respond_error(request->connection, MHD_HTTP_NOT_FOUND, "no such endpoint");
	{
		char message[80];

		snprintf(message, sizeof(message), "use %s", allowed);
		return respond_error(request->connection, MHD_HTTP_METHOD_NOT_ALLOWED, message);
	}
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

static enum MHD_Result handle_request(void *context, struct MHD_Connection *connection,
				      const char *url, const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **request_state)
{
	struct view view;
	struct request request = {
		.server = context, .connection = connection, .view = &view, .name = "",
	};

	if (strcmp(method, MHD_HTTP_METHOD_GET)) {
		bool complete;
		enum MHD_Result result = gather_body(request_state, upload_data, upload_data_size,
						     &complete);

		if (!complete)
			return result;
		request.body = *request_state;
	}
	if (caller_view(request.server, connection, &view))
		return respond_error(connection, MHD_HTTP_FORBIDDEN,
				     "only operators and processes of a tenant may use this API");
	return route_request(&request, method, url);
}

/* MetricsListen= is for Prometheus, which cannot scrape a Unix socket: it
 * serves the operator view of /metrics and nothing else. TCP carries no
 * peer credentials, which is why it belongs on a loopback address. */
static enum MHD_Result handle_metrics_request(void *context, struct MHD_Connection *connection,
					      const char *url, const char *method,
					      const char *version, const char *upload_data,
					      size_t *upload_data_size, void **request_state)
{
	struct api_server *server = context;

	if (strcmp(url, "/metrics"))
		return respond_error(connection, MHD_HTTP_NOT_FOUND,
				     "only /metrics is served here");
	if (strcmp(method, MHD_HTTP_METHOD_GET))
		return respond_error(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET");
	{
		static const struct view operator_view = { .operator = true };
		char *body = NULL;
		size_t length = 0;
		int r = report_metrics(server->agent, &operator_view, &body, &length);

		return respond_built(connection, r, body, length, EXPOSITION, "");
	}
}

static int listen_tcp(const char *text)
{
	struct sockaddr_storage address;
	socklen_t length;
	const char *reason = NULL;
	_cleanup_close_ int fd = -1;
	int one = 1;

	if (listen_address_parse(text, &address, &length, &reason))
		return log_error_errno(EINVAL, "MetricsListen=%s %s", text, reason);
	fd = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&address, length) || listen(fd, SOMAXCONN))
		return log_error_errno(errno, "MetricsListen=%s: cannot listen: %m", text);
	return TAKE_FD(fd);
}

static struct MHD_Daemon *start_daemon(int listen_fd, MHD_AccessHandlerCallback handler,
				       struct api_server *server)
{
	return MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL, handler,
				server, MHD_OPTION_LISTEN_SOCKET, listen_fd,
				MHD_OPTION_NOTIFY_COMPLETED, request_completed, NULL,
				MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned int)CONNECTION_TIMEOUT_SECONDS,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONNECTION_LIMIT,
				MHD_OPTION_END);
}

static int watch_daemon(struct api_server *server, struct MHD_Daemon *daemon)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_EPOLL_FD);
	struct epoll_event event = { .events = EPOLLIN, .data.ptr = daemon };

	if (!info || epoll_ctl(server->epoll_fd, EPOLL_CTL_ADD, info->epoll_fd, &event))
		return -EIO;
	return 0;
}

/* systemd socket activation: the first socket passed (sd_listen_fds(3)),
 * -ENOENT when none was. */
static int inherited_socket(void)
{
	int count = sd_listen_fds(true), flags;
	const int fd = SD_LISTEN_FDS_START;

	if (count < 0)
		return log_error_errno(count, "LISTEN_FDS: %m");
	if (count == 0)
		return -ENOENT;
	if (sd_is_socket_unix(fd, SOCK_STREAM, true, NULL, 0) <= 0)
		return log_error_errno(ENOTSOCK, "LISTEN_FDS: fd %d is not a listening Unix socket",
				       fd);
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) || fcntl(fd, F_SETFD, FD_CLOEXEC))
		return log_error_errno(errno, "LISTEN_FDS: fd %d: %m", fd);
	log_info("serving the control API on the socket passed by the service manager");
	return fd;
}

static int listen_unix(const char *path)
{
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;

	if (strlen(path) >= sizeof(address.sun_path))
		return log_error_errno(ENAMETOOLONG, "%s: socket path too long", path);
	strcpy(address.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return log_error_errno(errno, "%s: cannot create a socket: %m", path);
	if (unlink(path) && errno != ENOENT)
		return log_error_errno(errno, "%s: cannot remove the old socket: %m", path);
	if (bind(fd, (struct sockaddr *)&address, sizeof(address)) ||
	    chmod(path, 0666) || listen(fd, SOMAXCONN))
		return log_error_errno(errno, "%s: cannot listen: %m", path);
	return TAKE_FD(fd);
}

/* Serves LISTEN_FD (taken over, closed on failure) with HANDLER from the
 * agent's epoll set. */
static int serve(struct api_server *server, int listen_fd, MHD_AccessHandlerCallback handler,
		 const char *name, struct MHD_Daemon **out)
{
	_cleanup_close_ int fd = listen_fd;

	*out = start_daemon(fd, handler, server);
	if (!*out)
		return log_error_errno(EIO, "%s: cannot start the HTTP server", name);
	(void)TAKE_FD(fd); /* the daemon's now, closed with it */
	return watch_daemon(server, *out);
}

int api_server_open(struct agent *agent, const char *runtime_directory,
		    struct api_server **out)
{
	const char *metrics_listen = agent->config.agent.metrics_listen;
	_cleanup_(api_server_closep) struct api_server *server = NULL;
	int fd, r;

	if (mkdir(runtime_directory, 0755) && errno != EEXIST)
		return log_error_errno(errno, "%s: cannot create: %m", runtime_directory);
	server = calloc(1, sizeof(*server));
	if (!server)
		return -ENOMEM;
	server->agent = agent;
	server->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (server->epoll_fd < 0)
		return log_error_errno(errno, "cannot create an epoll set: %m");
	fd = inherited_socket();
	if (fd == -ENOENT) {
		snprintf(server->socket_path, sizeof(server->socket_path), "%s/" SOCKET_NAME,
			 runtime_directory);
		fd = listen_unix(server->socket_path);
	}
	if (fd < 0)
		return fd;
	r = serve(server, fd, handle_request, server->socket_path, &server->daemon);
	if (r)
		return r;
	if (metrics_listen[0]) {
		fd = listen_tcp(metrics_listen);
		if (fd < 0)
			return fd;
		r = serve(server, fd, handle_metrics_request, metrics_listen,
			  &server->metrics_daemon);
		if (r)
			return r;
		log_info("serving /metrics on %s", metrics_listen);
	}
	event_stream_on_new(agent->events, wake_followers, server);
	*out = TAKE_PTR(server);
	return 0;
}

/* libmicrohttpd aborts the process when stopped with a connection still
 * suspended, and a follower waiting for events is one. Each is resumed to
 * end its stream with what it has not yet sent, and given STOP_DRAIN_MS to
 * take it; the daemon then closes whatever is left, idle, half-sent or
 * slow alike. */
static void end_follower_streams(struct api_server *server)
{
	struct timespec now;
	long long deadline_ms;

	if (!server->daemon || !server->followers)
		return;
	server->stopping = true;
	wake_followers(server);
	clock_gettime(CLOCK_MONOTONIC, &now);
	deadline_ms = now.tv_sec * 1000LL + now.tv_nsec / 1000000 + STOP_DRAIN_MS;
	for (;;) {
		struct epoll_event ready;
		long long left;

		/* The first run moves the resumed connections out of the
		 * suspended list, whatever happens after. */
		(void)MHD_run(server->daemon);
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = deadline_ms - (now.tv_sec * 1000LL + now.tv_nsec / 1000000);
		if (!server->followers || left <= 0)
			break;
		if (epoll_wait(server->epoll_fd, &ready, 1, (int)(left < 50 ? left : 50)) < 0 &&
		    errno != EINTR)
			break;
	}
}

void api_server_close(struct api_server *server)
{
	if (!server)
		return;
	end_follower_streams(server);
	if (server->metrics_daemon)
		MHD_stop_daemon(server->metrics_daemon);
	if (server->daemon) {
		MHD_stop_daemon(server->daemon);
		/* An inherited socket belongs to the service manager. */
		if (server->socket_path[0])
			unlink(server->socket_path);
	}
	if (server->epoll_fd >= 0)
		close(server->epoll_fd);
	free(server);
}

int api_server_fd(const struct api_server *server)
{
	return server->epoll_fd;
}

int api_server_run(struct api_server *server)
{
	int r = MHD_run(server->daemon) == MHD_YES ? 0 : -EIO;

	if (server->metrics_daemon && MHD_run(server->metrics_daemon) != MHD_YES)
		r = -EIO;
	return r;
}

static int daemon_timeout(struct MHD_Daemon *daemon)
{
	MHD_UNSIGNED_LONG_LONG timeout;

	if (!daemon || MHD_get_timeout(daemon, &timeout) != MHD_YES)
		return -1;
	return timeout > 60000 ? 60000 : (int)timeout;
}

int api_server_timeout(const struct api_server *server)
{
	int control = daemon_timeout(server->daemon);
	int metrics = daemon_timeout(server->metrics_daemon);

	if (control < 0)
		return metrics;
	if (metrics < 0)
		return control;
	return control < metrics ? control : metrics;
}
