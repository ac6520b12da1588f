// SPDX-License-Identifier: LGPL-2.1-or-later
/* Routes control-socket requests, and serves /metrics on MetricsListen=.
 * libmicrohttpd runs in its epoll mode with no threads of its own; both
 * daemons' epoll fds sit in one epoll fd the agent's loop waits on, so
 * requests never race with policy changes. */
#include <errno.h>
#include <grp.h>
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
#include "log.h"
#include "report.h"
#include "validate.h"

#define SOCKET_NAME "tenantd.sock"
#define CONNECTION_TIMEOUT_SECONDS 30
#define CONNECTION_LIMIT 1024
#define PEER_GROUPS_MAX 256

struct api_server {
	struct agent *agent;
	struct MHD_Daemon *daemon; /* the control socket */
	struct MHD_Daemon *metrics_daemon; /* MetricsListen=, or NULL */
	int epoll_fd;
	char socket_path[PATH_MAX];
};

struct caller {
	struct ucred credentials;
	bool operator;
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

static int identify_caller(struct api_server *server, struct MHD_Connection *connection,
			   struct caller *caller)
{
	const union MHD_ConnectionInfo *info;
	socklen_t length = sizeof(caller->credentials);

	info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!info || getsockopt(info->connect_fd, SOL_SOCKET, SO_PEERCRED, &caller->credentials,
				&length))
		return -EACCES;
	caller->operator = caller->credentials.uid == 0 ||
			   peer_in_group(info->connect_fd, &caller->credentials,
					 server->agent->config.agent.admin_group);
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
	body = strdup(json_object_to_json_string_ext(object, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(object);
	if (!body)
		return MHD_NO;
	return respond(connection, status, "application/json", body, strlen(body));
}

static enum MHD_Result respond_report(struct MHD_Connection *connection,
				      int (*build)(const struct agent *, char **, size_t *),
				      const struct agent *agent, const char *content_type)
{
	char *body = NULL;
	size_t length = 0;
	int r = build(agent, &body, &length);

	if (r) {
		log_error("cannot build a response: %s", strerror(-r));
		return respond_error(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
				     "internal error, see the agent's log");
	}
	return respond(connection, MHD_HTTP_OK, content_type, body, length);
}

static enum MHD_Result handle_request(void *context, struct MHD_Connection *connection,
				      const char *url, const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **request_state)
{
	struct api_server *server = context;
	struct caller caller;
	bool is_get = !strcmp(method, MHD_HTTP_METHOD_GET);

	if (identify_caller(server, connection, &caller))
		return respond_error(connection, MHD_HTTP_FORBIDDEN, "cannot identify the caller");
	if (!caller.operator)
		return respond_error(connection, MHD_HTTP_FORBIDDEN,
				     "only root and members of the admin group may use this API");
	if (!strcmp(url, "/metrics")) {
		if (!is_get)
			return respond_error(connection, MHD_HTTP_METHOD_NOT_ALLOWED,
					     "use GET");
		return respond_report(connection, report_metrics, server->agent,
				      "text/plain; version=0.0.4; charset=utf-8");
	}
	if (!strcmp(url, "/v1/status")) {
		if (!is_get)
			return respond_error(connection, MHD_HTTP_METHOD_NOT_ALLOWED,
					     "use GET");
		return respond_report(connection, report_status, server->agent,
				      "application/json");
	}
	return respond_error(connection, MHD_HTTP_NOT_FOUND, "no such endpoint");
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
	return respond_report(connection, report_metrics, server->agent,
			      "text/plain; version=0.0.4; charset=utf-8");
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
	snprintf(server->socket_path, sizeof(server->socket_path), "%s/" SOCKET_NAME,
		 runtime_directory);
	fd = listen_unix(server->socket_path);
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
