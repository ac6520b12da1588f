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

#include <json-c/json.h>
#include <microhttpd.h>

#include "agent.h"
#include "api.h"
#include "cleanup.h"
#include "dropins.h"
#include "events.h"
#include "policy.h"
#include "log.h"
#include "report.h"
#include "validate.h"
#include "who.h"

#define SOCKET_NAME "tenantd.sock"
#define CONNECTION_TIMEOUT_SECONDS 30
#define BODY_MAX (64 * 1024)
#define CONNECTION_LIMIT 1024
#define PEER_GROUPS_MAX 256

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
	struct json_object *object = json_object_new_object();
	char *body;

	json_object_object_add(object, "error", json_object_new_string(message));
	body = strdup(json_object_to_json_string_ext(object, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(object);
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
	log_error("cannot build a response: %s", strerror(-r));
	return respond_error(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
			     "internal error, see the agent's log");
}

#define JSON "application/json"
#define EXPOSITION "text/plain; version=0.0.4; charset=utf-8"
#define NDJSON "application/x-ndjson"
#define TENANTS_PREFIX "/v1/tenants/"

static enum MHD_Result handle_who(struct api_server *server, struct MHD_Connection *connection,
				  const struct view *view)
{
	const char *text = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "pid");
	char *body = NULL, *end;
	size_t length = 0;
	long pid;
	int r;

	errno = 0;
	pid = text ? strtol(text, &end, 10) : 0;
	if (!text || !*text || *end || errno || pid <= 0 || pid > INT32_MAX)
		return respond_error(connection, MHD_HTTP_BAD_REQUEST,
				     "pid must be a process id, e.g. /v1/who?pid=1234");
	r = report_who(server->agent, view, (pid_t)pid, &body, &length);
	return respond_built(connection, r, body, length, JSON, "no such process");
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

static enum MHD_Result handle_events(struct api_server *server,
				     struct MHD_Connection *connection, const struct view *view)
{
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

static enum MHD_Result handle_reload(struct api_server *server, struct MHD_Connection *connection,
				     const struct view *view)
{
	char error[CONFIG_ERROR_MAX], *body;

	if (!view->operator)
		return respond_error(connection, MHD_HTTP_FORBIDDEN,
				     "only operators may change the configuration");
	if (agent_reload(server->agent, error, sizeof(error)))
		return respond_error(connection, MHD_HTTP_BAD_REQUEST, error);
	if (asprintf(&body, "{\"reloaded\":true,\"tenants\":%zu}",
		     server->agent->config.tenant_count) < 0)
		return MHD_NO;
	return respond(connection, MHD_HTTP_OK, JSON, body, strlen(body));
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

/* A refusal that is about another tenant (a network or cgroup it owns, a
 * name it has, an exception naming it) is a conflict, not a bad request. */
static unsigned int refusal_status(const char *error)
{
	return strstr(error, " overlaps ") || strstr(error, "already owned by") ||
			       strstr(error, "already defined in") || strstr(error, "does not exist") ?
		       MHD_HTTP_CONFLICT :
		       MHD_HTTP_BAD_REQUEST;
}

static enum MHD_Result handle_put(struct api_server *server, struct MHD_Connection *connection,
				  const char *name, const struct request_body *request)
{
	static const struct view operator_view = { .operator = true };
	struct agent *agent = server->agent;
	const struct tenant_config *existing = config_find_tenant(&agent->config, name);
	char error[CONFIG_ERROR_MAX], path[PATH_MAX];
	_cleanup_free_ char *text = NULL, *previous = NULL;
	char *body = NULL;
	size_t length = 0;
	int r;

	if (request->too_large)
		return respond_error(connection, MHD_HTTP_CONTENT_TOO_LARGE,
				     "the body is larger than 64 KiB");
	r = dropin_render(name, request->data ? request->data : "", request->length, &text, error,
			  sizeof(error));
	if (r == -EINVAL)
		return respond_error(connection, MHD_HTTP_BAD_REQUEST, error);
	if (r)
		return MHD_NO;
	if (existing) {
		snprintf(path, sizeof(path), "%s", existing->where.file);
	} else {
		snprintf(path, sizeof(path), "%s/tenants.d", agent->options.config_directory);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/tenants.d/%s.conf", agent->options.config_directory,
			 name);
	}
	if (dropin_replace(path, text, &previous))
		return respond_error(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
				     "cannot write the tenant's file, see the agent's log");
	if (agent_reload(agent, error, sizeof(error))) {
		dropin_restore(path, previous);
		return respond_error(connection, refusal_status(error), error);
	}
	r = report_tenants(agent, &operator_view, name, &body, &length);
	if (r)
		return respond_built(connection, r, body, length, JSON, "no such tenant");
	return respond(connection, existing ? MHD_HTTP_OK : MHD_HTTP_CREATED, JSON, body, length);
}

static enum MHD_Result handle_delete(struct api_server *server,
				     struct MHD_Connection *connection, const char *name)
{
	struct agent *agent = server->agent;
	const char *purge = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "purge");
	const struct tenant_config *tenant = config_find_tenant(&agent->config, name);
	char error[CONFIG_ERROR_MAX], path[PATH_MAX], *body;
	_cleanup_free_ char *previous = NULL;
	bool purging = purge && strcmp(purge, "0") && strcmp(purge, "false");

	if (!tenant && tenant_ids_find(&agent->ids, name) < 0)
		return respond_error(connection, MHD_HTTP_NOT_FOUND, "no such tenant");
	if (tenant) {
		snprintf(path, sizeof(path), "%s", tenant->where.file);
		if (dropin_remove(path, &previous))
			return respond_error(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
					     "cannot remove the tenant's file, see the agent's log");
		if (agent_reload(agent, error, sizeof(error))) {
			dropin_restore(path, previous);
			return respond_error(connection, refusal_status(error), error);
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

static enum MHD_Result handle_request(void *context, struct MHD_Connection *connection,
				      const char *url, const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **request_state)
{
	struct api_server *server = context;
	struct agent *agent = server->agent;
	bool is_get = !strcmp(method, MHD_HTTP_METHOD_GET);
	char *body = NULL;
	size_t length = 0;
	struct view view;
	int r;

	/* Requests with a body come in several calls: gather it first. */
	if (!is_get) {
		struct request_body *request = *request_state;

		if (!request) {
			*request_state = calloc(1, sizeof(*request));
			return *request_state ? MHD_YES : MHD_NO;
		}
		if (*upload_data_size) {
			if (request->too_large || request->length + *upload_data_size > BODY_MAX) {
				request->too_large = true;
			} else {
				char *grown = realloc(request->data,
						      request->length + *upload_data_size + 1);

				if (!grown)
					return MHD_NO;
				memcpy(grown + request->length, upload_data, *upload_data_size);
				request->length += *upload_data_size;
				grown[request->length] = '\0';
				request->data = grown;
			}
			*upload_data_size = 0;
			return MHD_YES;
		}
	}
	if (caller_view(server, connection, &view))
		return respond_error(connection, MHD_HTTP_FORBIDDEN,
				     "only operators and processes of a tenant may use this API");
	if (!strncmp(url, TENANTS_PREFIX, strlen(TENANTS_PREFIX)) &&
	    (!strcmp(method, MHD_HTTP_METHOD_PUT) || !strcmp(method, MHD_HTTP_METHOD_DELETE))) {
		const char *name = url + strlen(TENANTS_PREFIX);

		if (!view.operator)
			return respond_error(connection, MHD_HTTP_FORBIDDEN,
					     "only operators may change the configuration");
		if (!tenant_name_valid(name))
			return respond_error(connection, MHD_HTTP_BAD_REQUEST,
					     "a tenant name matches ^[a-z0-9][a-z0-9-]{0,38}$");
		if (!strcmp(method, MHD_HTTP_METHOD_PUT))
			return handle_put(server, connection, name, *request_state);
		return handle_delete(server, connection, name);
	}
	if (!strcmp(url, "/v1/reload")) {
		if (strcmp(method, MHD_HTTP_METHOD_POST))
			return respond_error(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST");
		return handle_reload(server, connection, &view);
	}
	if (!strcmp(url, "/metrics") || !strcmp(url, "/v1/status") || !strcmp(url, "/v1/who") ||
	    !strcmp(url, "/v1/events") ||
	    !strcmp(url, "/v1/tenants") || !strncmp(url, TENANTS_PREFIX, strlen(TENANTS_PREFIX))) {
		if (!is_get)
			return respond_error(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET");
	} else {
		return respond_error(connection, MHD_HTTP_NOT_FOUND, "no such endpoint");
	}
	/* Each report fills BODY before it is handed on: C leaves the order in
	 * which arguments are evaluated open, so never in one call. */
	if (!strcmp(url, "/metrics")) {
		r = report_metrics(agent, &view, &body, &length);
		return respond_built(connection, r, body, length, EXPOSITION, "");
	}
	if (!strcmp(url, "/v1/status")) {
		r = report_status(agent, &view, &body, &length);
		return respond_built(connection, r, body, length, JSON, "");
	}
	if (!strcmp(url, "/v1/who"))
		return handle_who(server, connection, &view);
	if (!strcmp(url, "/v1/events"))
		return handle_events(server, connection, &view);
	if (!strcmp(url, "/v1/tenants")) {
		r = report_tenants(agent, &view, NULL, &body, &length);
		return respond_built(connection, r, body, length, JSON, "");
	}
	/* Another tenant's name and a name that does not exist answer alike. */
	if (!tenant_name_valid(url + strlen(TENANTS_PREFIX)))
		return respond_error(connection, MHD_HTTP_NOT_FOUND, "no such tenant");
	r = report_tenants(agent, &view, url + strlen(TENANTS_PREFIX), &body, &length);
	return respond_built(connection, r, body, length, JSON, "no such tenant");
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

	if (listen_address_parse(text, &address, &length, &reason)) {
		log_error("MetricsListen=%s %s", text, reason);
		return -EINVAL;
	}
	fd = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&address, length) || listen(fd, SOMAXCONN)) {
		log_error("MetricsListen=%s: cannot listen: %s", text, strerror(errno));
		return -errno;
	}
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

/* systemd socket activation (sd_listen_fds(3)): the first socket passed,
 * fd 3, when LISTEN_PID names this process. -ENOENT when none was passed. */
static int inherited_socket(void)
{
	const char *listen_pid = getenv("LISTEN_PID"), *listen_fds = getenv("LISTEN_FDS");
	int accepting = 0, flags;
	socklen_t length = sizeof(accepting);
	const int fd = 3;

	if (!listen_pid || !listen_fds || atol(listen_pid) != getpid() || atoi(listen_fds) < 1)
		return -ENOENT;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) || !accepting) {
		log_error("LISTEN_FDS: fd %d is not a listening socket", fd);
		return -ENOTSOCK;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) || fcntl(fd, F_SETFD, FD_CLOEXEC))
		return -errno;
	log_info("serving the control API on the socket passed by the service manager");
	return fd;
}

static int listen_unix(const char *path)
{
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;

	if (strlen(path) >= sizeof(address.sun_path)) {
		log_error("%s: socket path too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(address.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (unlink(path) && errno != ENOENT) {
		log_error("%s: cannot remove the old socket: %s", path, strerror(errno));
		return -errno;
	}
	if (bind(fd, (struct sockaddr *)&address, sizeof(address)) ||
	    chmod(path, 0666) || listen(fd, SOMAXCONN)) {
		log_error("%s: cannot listen: %s", path, strerror(errno));
		return -errno;
	}
	return TAKE_FD(fd);
}

int api_server_open(struct agent *agent, const char *runtime_directory,
		    struct api_server **out)
{
	const char *metrics_listen = agent->config.agent.metrics_listen;
	struct api_server *server;
	int fd, r;

	if (mkdir(runtime_directory, 0755) && errno != EEXIST) {
		log_error("%s: cannot create: %s", runtime_directory, strerror(errno));
		return -errno;
	}
	server = calloc(1, sizeof(*server));
	if (!server)
		return -ENOMEM;
	server->agent = agent;
	server->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	fd = inherited_socket();
	if (fd == -ENOENT) {
		snprintf(server->socket_path, sizeof(server->socket_path), "%s/" SOCKET_NAME,
			 runtime_directory);
		fd = listen_unix(server->socket_path);
	}
	if (fd < 0 || server->epoll_fd < 0) {
		r = fd < 0 ? fd : -errno;
		goto fail;
	}
	server->daemon = start_daemon(fd, handle_request, server);
	if (!server->daemon) {
		log_error("%s: cannot start the HTTP server", server->socket_path);
		close(fd);
		r = -EIO;
		goto fail;
	}
	r = watch_daemon(server, server->daemon);
	if (r)
		goto fail;
	if (metrics_listen[0]) {
		fd = listen_tcp(metrics_listen);
		if (fd < 0) {
			r = fd;
			goto fail;
		}
		server->metrics_daemon = start_daemon(fd, handle_metrics_request, server);
		if (!server->metrics_daemon) {
			log_error("MetricsListen=%s: cannot start the HTTP server", metrics_listen);
			close(fd);
			r = -EIO;
			goto fail;
		}
		r = watch_daemon(server, server->metrics_daemon);
		if (r)
			goto fail;
		log_info("serving /metrics on %s", metrics_listen);
	}
	event_stream_on_new(agent->events, wake_followers, server);
	*out = server;
	return 0;
fail:
	api_server_close(server);
	return r;
}

void api_server_close(struct api_server *server)
{
	if (!server)
		return;
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
