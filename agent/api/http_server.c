// SPDX-License-Identifier: LGPL-2.1-or-later
/* The control API's HTTP server. libmicrohttpd runs in its epoll mode with
 * no threads of its own; both daemons' epoll fds sit in one epoll fd the
 * agent's loop waits on, so requests never race with policy changes. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include <microhttpd.h>
#include <systemd/sd-daemon.h>

#include "agent.h"
#include "api/followers.h"
#include "api/http_server.h"
#include "api/routes.h"
#include "cleanup.h"
#include "log.h"
#include "validate.h"

#define SOCKET_NAME "tenantd.sock"
#define CONNECTION_TIMEOUT_SECONDS 30
#define CONNECTION_LIMIT 1024
/* How long a stop waits for followers to take the end of their stream: a
 * client that reads nothing is cut off after it. */
#define STOP_DRAIN_MS 2000

struct http_server {
	struct api_context context;
	struct MHD_Daemon *daemon; /* the control socket */
	struct MHD_Daemon *metrics_daemon; /* MetricsListen=, or NULL */
	int epoll_fd;
	char socket_path[PATH_MAX];
};

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
				       struct http_server *server)
{
	return MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL, handler,
				&server->context, MHD_OPTION_LISTEN_SOCKET, listen_fd,
				MHD_OPTION_NOTIFY_COMPLETED, routes_request_completed, NULL,
				MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned int)CONNECTION_TIMEOUT_SECONDS,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONNECTION_LIMIT,
				MHD_OPTION_END);
}

static int watch_daemon(struct http_server *server, struct MHD_Daemon *daemon)
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
static int serve(struct http_server *server, int listen_fd, MHD_AccessHandlerCallback handler,
		 const char *name, struct MHD_Daemon **out)
{
	_cleanup_close_ int fd = listen_fd;

	*out = start_daemon(fd, handler, server);
	if (!*out)
		return log_error_errno(EIO, "%s: cannot start the HTTP server", name);
	(void)TAKE_FD(fd); /* the daemon's now, closed with it */
	return watch_daemon(server, *out);
}

int http_server_open(struct agent *agent, const char *runtime_directory,
		     struct http_server **out)
{
	const char *metrics_listen = agent->config.agent.metrics_listen;
	_cleanup_(http_server_closep) struct http_server *server = NULL;
	int fd, r;

	if (mkdir(runtime_directory, 0755) && errno != EEXIST)
		return log_error_errno(errno, "%s: cannot create: %m", runtime_directory);
	server = calloc(1, sizeof(*server));
	if (!server)
		return -ENOMEM;
	server->context.agent = agent;
	server->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (server->epoll_fd < 0)
		return log_error_errno(errno, "cannot create an epoll set: %m");
	r = event_followers_new(agent, &server->context.followers);
	if (r)
		return r;
	fd = inherited_socket();
	if (fd == -ENOENT) {
		snprintf(server->socket_path, sizeof(server->socket_path), "%s/" SOCKET_NAME,
			 runtime_directory);
		fd = listen_unix(server->socket_path);
	}
	if (fd < 0)
		return fd;
	r = serve(server, fd, routes_answer, server->socket_path, &server->daemon);
	if (r)
		return r;
	if (metrics_listen[0]) {
		fd = listen_tcp(metrics_listen);
		if (fd < 0)
			return fd;
		r = serve(server, fd, routes_answer_metrics, metrics_listen,
			  &server->metrics_daemon);
		if (r)
			return r;
		log_info("serving /metrics on %s", metrics_listen);
	}
	*out = TAKE_PTR(server);
	return 0;
}

/* libmicrohttpd aborts the process when stopped with a connection still
 * suspended, and a follower waiting for events is one. Each is resumed to
 * end its stream with what it has not yet sent, and given STOP_DRAIN_MS to
 * take it; the daemon then closes whatever is left, idle, half-sent or
 * slow alike. */
static void end_follower_streams(struct http_server *server)
{
	struct event_followers *followers = server->context.followers;
	struct timespec now;
	long long deadline_ms;

	if (!server->daemon || !followers || event_followers_gone(followers))
		return;
	event_followers_end(followers);
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
		if (event_followers_gone(followers) || left <= 0)
			break;
		if (epoll_wait(server->epoll_fd, &ready, 1, (int)(left < 50 ? left : 50)) < 0 &&
		    errno != EINTR)
			break;
	}
}

void http_server_close(struct http_server *server)
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
	event_followers_free(server->context.followers);
	if (server->epoll_fd >= 0)
		close(server->epoll_fd);
	free(server);
}

int http_server_fd(const struct http_server *server)
{
	return server->epoll_fd;
}

int http_server_run(struct http_server *server)
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

int http_server_timeout(const struct http_server *server)
{
	int control = daemon_timeout(server->daemon);
	int metrics = daemon_timeout(server->metrics_daemon);

	if (control < 0)
		return metrics;
	if (metrics < 0)
		return control;
	return control < metrics ? control : metrics;
}
