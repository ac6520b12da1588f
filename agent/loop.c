// SPDX-License-Identifier: LGPL-2.1-or-later
/* The agent's one event loop, as a table of the sources of its work: each
 * has an fd to wait on, when it next needs a turn, what to do when its fd
 * is readable and what to do on every turn. Adding a scanner is one row. */
#include <errno.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "agent.h"
#include "api/events.h"
#include "api/http_server.h"
#include "cgroups/cgroup_watch.h"
#include "cleanup.h"
#include "log.h"
#include "loop.h"
#include "privileges.h"
#include "reload.h"
#include "scans/container_networks.h"
#include "scans/host_addresses.h"
#include "scans/posture.h"
#include "scans/unix_names.h"
#include "sd_notify.h"

struct loop_source {
	const char *name;
	/* The fd that says there is work, or -1 when the source has none. */
	int (*fd)(const struct agent *agent);
	/* Milliseconds until the source wants a turn, or -1: never. */
	int (*timeout)(const struct agent *agent);
	/* Its fd is readable. */
	void (*consume)(struct agent *agent);
	/* A turn of the loop went by: run what is due. */
	void (*tick)(struct agent *agent);
};

static int signals_fd(const struct agent *agent)
{
	return agent->signal_fd;
}

/* SIGHUP reloads (refused or not, it is logged and the loop goes on);
 * SIGTERM and SIGINT stop the loop. */
static void signals_consume(struct agent *agent)
{
	struct signalfd_siginfo signal_info;
	char error[CONFIG_ERROR_MAX];

	if (read(agent->signal_fd, &signal_info, sizeof(signal_info)) != sizeof(signal_info))
		return;
	if (signal_info.ssi_signo == SIGHUP) {
		(void)agent_reload(agent, error, sizeof(error));
		return;
	}
	log_info("stopping; the programs stay attached and keep enforcing");
	service_stopping();
	agent->stop_requested = true;
}

static int events_fd(const struct agent *agent)
{
	return event_stream_fd(agent->events);
}

static void events_consume(struct agent *agent)
{
	(void)event_stream_consume(agent->events);
}

static int api_fd(const struct agent *agent)
{
	return http_server_fd(agent->api);
}

static int api_timeout(const struct agent *agent)
{
	return http_server_timeout(agent->api);
}

/* libmicrohttpd runs on its timeouts too, not only when its fd is ready. */
static void api_tick(struct agent *agent)
{
	(void)http_server_run(agent->api);
}

static int cgroups_fd(const struct agent *agent)
{
	return cgroup_watch_fd(agent->cgroup_watch);
}

static void cgroups_consume(struct agent *agent)
{
	if (cgroup_watch_drain(agent->cgroup_watch, agent_cgroup_appeared, agent))
		agent_cgroups_changed(agent);
}

static int unix_names_source_fd(const struct agent *agent)
{
	return agent->unix_names ? unix_names_fd(agent->unix_names) : -1;
}

static void unix_names_source_consume(struct agent *agent)
{
	unix_names_consume(agent->unix_names);
}

static int unix_names_source_timeout(const struct agent *agent)
{
	return unix_names_timeout(agent->unix_names);
}

static void unix_names_source_tick(struct agent *agent)
{
	unix_names_tick(agent->unix_names);
}

static int posture_source_timeout(const struct agent *agent)
{
	return posture_timeout(agent->posture);
}

static void posture_source_tick(struct agent *agent)
{
	posture_tick(agent->posture);
}

static int host_addresses_source_fd(const struct agent *agent)
{
	return host_addresses_fd(agent->host_addresses);
}

static void host_addresses_source_consume(struct agent *agent)
{
	host_addresses_consume(agent->host_addresses, &agent->config);
}

static int container_networks_source_timeout(const struct agent *agent)
{
	return container_networks_timeout(agent->container_networks);
}

static void container_networks_source_tick(struct agent *agent)
{
	container_networks_tick(agent->container_networks, &agent->config, &agent->ids);
}

static const struct loop_source sources[] = {
	{ "signals", signals_fd, NULL, signals_consume, NULL },
	{ "events", events_fd, NULL, events_consume, NULL },
	{ "api", api_fd, api_timeout, NULL, api_tick },
	{ "cgroups", cgroups_fd, agent_cgroups_timeout, cgroups_consume, agent_cgroups_tick },
	{ "unix_names", unix_names_source_fd, unix_names_source_timeout,
	  unix_names_source_consume, unix_names_source_tick },
	{ "posture", NULL, posture_source_timeout, NULL, posture_source_tick },
	{ "container_networks", NULL, container_networks_source_timeout, NULL,
	  container_networks_source_tick },
	{ "host_addresses", host_addresses_source_fd, NULL, host_addresses_source_consume, NULL },
	{ "sd_notify", NULL, service_timeout, NULL, service_tick },
};

static int signal_fd_open(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Each source's fd in one epoll set, the source's index as its data. */
static int watch_sources(const struct agent *agent, int epoll_fd)
{
	for (size_t i = 0; i < ARRAY_SIZE(sources); i++) {
		struct epoll_event event = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
		int fd = sources[i].fd ? sources[i].fd(agent) : -1;

		if (fd >= 0 && epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event))
			return log_error_errno(errno, "cannot watch the %s: %m", sources[i].name);
	}
	return 0;
}

/* The soonest any source wants a turn, or -1 when none does. */
static int next_timeout(const struct agent *agent)
{
	int soonest = -1;

	for (size_t i = 0; i < ARRAY_SIZE(sources); i++) {
		int wait = sources[i].timeout ? sources[i].timeout(agent) : -1;

		if (wait >= 0 && (soonest < 0 || wait < soonest))
			soonest = wait;
	}
	return soonest;
}

static int turn(struct agent *agent, int epoll_fd)
{
	struct epoll_event ready[ARRAY_SIZE(sources)];
	int count = epoll_wait(epoll_fd, ready, ARRAY_SIZE(ready), next_timeout(agent));

	if (count < 0)
		return errno == EINTR ? 0 : -errno;
	/* A source without consume (the API) does its work in its tick. */
	for (int i = 0; i < count; i++)
		if (sources[ready[i].data.u32].consume)
			sources[ready[i].data.u32].consume(agent);
	for (size_t i = 0; i < ARRAY_SIZE(sources); i++)
		if (sources[i].tick)
			sources[i].tick(agent);
	return 0;
}

int loop_run(struct agent *agent)
{
	_cleanup_close_ int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	_cleanup_close_ int signal_fd = signal_fd_open();
	int r;

	if (epoll_fd < 0 || signal_fd < 0)
		return log_error_errno(errno, "cannot make the event loop: %m");
	agent->signal_fd = signal_fd;
	r = watch_sources(agent, epoll_fd);
	if (r == 0)
		r = privileges_drop();
	if (r)
		return r;
	log_info("ready: %u programs attached to %s, %zu tenants, control socket in %s",
		 agent->programs.attached, agent->cgroup_root_path, agent->config.tenant_count,
		 agent->options.runtime_directory);
	service_ready(agent);
	while (!agent->stop_requested && (r = turn(agent, epoll_fd)) == 0)
		;
	agent->signal_fd = -1;
	return r;
}
