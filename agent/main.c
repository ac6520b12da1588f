// SPDX-License-Identifier: LGPL-2.1-or-later
/* tenantd: parses its flags, validates the configuration, loads and attaches
 * the programs with the policy in place, then serves the control socket and
 * the event stream from one epoll loop until told to stop. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

#include "agent.h"
#include "api/api.h"
#include "api/events.h"
#include "cgroups/cgroup2.h"
#include "cgroups/cgroup_paths.h"
#include "cgroups/cgroup_watch.h"
#include "cleanup.h"
#include "kernel/policy.h"
#include "log.h"
#include "privileges.h"
#include "scans/container_networks.h"
#include "scans/posture.h"
#include "scans/preexisting.h"
#include "scans/unix_names.h"
#include "sd_notify.h"

/* sysexits.h: the configuration is wrong; restarting will not help. */
#define EXIT_CONFIG 78

enum loop_source { SOURCE_SIGNAL, SOURCE_EVENTS, SOURCE_API, SOURCE_CGROUPS, SOURCE_UNIX_NAMES };

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: tenantd [OPTIONS]\n"
		"Tags processes and sockets with their tenant, refuses cross-tenant traffic\n"
		"in the kernel and counts every tenant's traffic and violations.\n\n"
		"  --config-dir DIR    tenantd.conf and tenants.d/ (default /etc/tenantd)\n"
		"  --runtime-dir DIR   control socket (default /run/tenantd)\n"
		"  --state-dir DIR     tenant id assignments (default /var/lib/tenantd)\n"
		"  --bpffs-dir DIR     pinned programs and maps (default /sys/fs/bpf/tenantd)\n"
		"  --cgroup-root PATH  cgroup to attach to, relative to the cgroup2 mount\n"
		"                      (default: CgroupRoot=, or the whole mount)\n"
		"  --allow-partial     run without the protections this kernel cannot give,\n"
		"                      instead of refusing to start\n"
		"  --check-config      validate the configuration and exit\n"
		"  --detach            remove every program, link and map tenantd pinned, and exit\n"
		"  --verbose           log debug messages\n"
		"  --version           print the version and exit\n");
}

static int epoll_watch(int epoll_fd, int fd, enum loop_source source)
{
	struct epoll_event event = { .events = EPOLLIN, .data.u32 = source };

	return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) ? -errno : 0;
}

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

/* Returns 0 on a requested stop, a negative errno on failure. */
static int run_loop(struct agent *agent)
{
	_cleanup_close_ int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	_cleanup_close_ int signal_fd = signal_fd_open();
	int r;

	if (epoll_fd < 0 || signal_fd < 0)
		return -errno;
	r = epoll_watch(epoll_fd, signal_fd, SOURCE_SIGNAL);
	if (r == 0)
		r = epoll_watch(epoll_fd, event_stream_fd(agent->events), SOURCE_EVENTS);
	if (r == 0)
		r = epoll_watch(epoll_fd, api_server_fd(agent->api), SOURCE_API);
	if (r == 0)
		r = epoll_watch(epoll_fd, cgroup_watch_fd(agent->cgroup_watch), SOURCE_CGROUPS);
	if (r == 0 && agent->unix_names)
		r = epoll_watch(epoll_fd, unix_names_fd(agent->unix_names), SOURCE_UNIX_NAMES);
	if (r == 0)
		r = privileges_drop();
	if (r)
		return r;
	log_info("ready: %u programs attached to %s, %zu tenants, control socket in %s",
		 agent->programs.attached, agent->cgroup_root_path, agent->config.tenant_count,
		 agent->options.runtime_directory);
	service_ready(agent);
	for (;;) {
		struct epoll_event ready[8];
		/* The soonest of what each part of the agent waits for; -1: nothing. */
		int waits[] = {
			api_server_timeout(agent->api),
			agent_cgroups_timeout(agent),
			unix_names_timeout(agent->unix_names),
			posture_timeout(agent->posture),
			container_networks_timeout(agent->container_networks),
		};
		int timeout = service_timeout(agent);
		int count;

		for (size_t i = 0; i < ARRAY_SIZE(waits); i++)
			if (waits[i] >= 0 && waits[i] < timeout)
				timeout = waits[i];
		count = epoll_wait(epoll_fd, ready, ARRAY_SIZE(ready), timeout);

		if (count < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < count; i++) {
			struct signalfd_siginfo signal_info;

			switch (ready[i].data.u32) {
			case SOURCE_SIGNAL:
				if (read(signal_fd, &signal_info, sizeof(signal_info)) !=
				    sizeof(signal_info))
					break;
				if (signal_info.ssi_signo == SIGHUP) {
					char error[CONFIG_ERROR_MAX];

					/* Refused or not, it is logged; the loop goes on. */
					(void)agent_reload(agent, error, sizeof(error));
					break;
				}
				log_info("stopping; the programs stay attached and keep enforcing");
				service_stopping();
				return 0;
			case SOURCE_EVENTS:
				(void)event_stream_consume(agent->events);
				break;
			case SOURCE_CGROUPS:
				if (cgroup_watch_drain(agent->cgroup_watch))
					agent_cgroups_changed(agent);
				break;
			case SOURCE_UNIX_NAMES:
				unix_names_consume(agent->unix_names);
				break;
			}
		}
		/* MHD also needs to run on its timeouts, not only on readiness. */
		(void)api_server_run(agent->api);
		agent_cgroups_tick(agent);
		unix_names_tick(agent->unix_names);
		posture_tick(agent->posture);
		container_networks_tick(agent->container_networks, &agent->config, &agent->ids);
		service_tick(agent);
	}
}

/* *CONFIG_REFUSED tells a configuration error from the other failures. */
/* New maps are empty: every entry is written and nothing swept. Pinned
 * maps that hold this very configuration (a restart) need only their
 * cgroups resolved again. Other pinned maps are brought to it, and swept. */
static int apply_policy_at_start(struct agent *agent)
{
	struct tenantd_bpf *skeleton = agent->programs.skeleton;
	const struct config nothing = {}, *applied = NULL;
	struct policy_changes changes;
	int r;

	if (!agent->programs.maps_reused)
		applied = &nothing;
	else if (policy_applied_digest(skeleton) == config_digest(&agent->config))
		applied = &agent->config;
	r = policy_apply(skeleton, &agent->config, applied, &agent->ids,
			 agent->options.state_directory, agent->cgroup_mount, true, &changes);
	/* The sets of keys written are gone: give their pages back. */
	malloc_trim(0);
	if (r == 0)
		log_info("policy: %zu of %zu tenants written (%zu networks)%s",
			 changes.tenants_written, agent->config.tenant_count,
			 changes.networks_written,
			 applied == &agent->config ? "; the pinned maps held the rest" : "");
	return r;
}

/* The configuration read on a thread of its own, while the programs load:
 * at a million networks each takes a few tenths of a second. */
struct config_reading {
	const char *directory, *cgroup_root;
	struct config config;
	char error[CONFIG_ERROR_MAX];
	int result;
};

static void *read_config(void *argument)
{
	struct config_reading *reading = argument;

	reading->result = config_load(reading->directory, reading->cgroup_root, &reading->config,
				      reading->error);
	return NULL;
}

static int refuse_config(bool *config_refused, int r, const char *error)
{
	*config_refused = true;
	service_failed(r, error);
	return log_error_errno(r, "%s", error);
}

static int check_config(struct agent *agent, bool *config_refused)
{
	char error[CONFIG_ERROR_MAX];
	int r = config_load(agent->options.config_directory, agent->options.cgroup_root,
			    &agent->config, error);

	if (r)
		return refuse_config(config_refused, r, error);
	printf("%s: %zu tenants, configuration valid\n", agent->options.config_directory,
	       agent->config.tenant_count);
	return 0;
}

/* Everything up to the programs loaded: the kernel's features probed and
 * the maps made (sized by MaxCgroups= and MaxNetworks=) or adopted. */
static int load_programs(struct agent *agent, const struct map_sizes *sizes)
{
	char error[CONFIG_ERROR_MAX];
	int r = privileges_check_start();

	if (r)
		return r;
	if (mkdir(agent->options.state_directory, 0755) && errno != EEXIST)
		return log_error_errno(errno, "%s: cannot create: %m",
				       agent->options.state_directory);
	r = tenant_ids_load(agent->options.state_directory, &agent->ids);
	if (r)
		return r;
	kernel_features_probe(agent->features);
	r = kernel_features_plan(agent->features, agent->options.allow_partial,
				 &agent->disabled_programs, error, sizeof(error));
	if (r) {
		log_error("%s", error);
		return r;
	}
	if (agent->disabled_programs)
		log_warning("running partially protected (--allow-partial): %s", error);
	return programs_load(&agent->programs, agent->options.bpffs_directory,
			     agent->disabled_programs, sizes);
}

/* Reads the configuration and loads the programs at once. A refused
 * configuration leaves nothing behind: maps this start made are unpinned
 * again, and pinned ones it adopted keep enforcing the policy in force. */
static int load_config_and_programs(struct agent *agent, bool *config_refused)
{
	struct config_reading reading = {
		.directory = agent->options.config_directory,
		.cgroup_root = agent->options.cgroup_root,
	};
	struct map_sizes sizes;
	pthread_t reader;
	bool threaded;
	int r;

	r = config_load_map_sizes(reading.directory, &sizes.cgroups, &sizes.networks,
				  reading.error);
	if (r)
		return refuse_config(config_refused, r, reading.error);
	threaded = pthread_create(&reader, NULL, read_config, &reading) == 0;
	if (!threaded)
		read_config(&reading);
	r = load_programs(agent, &sizes);
	if (threaded)
		pthread_join(reader, NULL);
	agent->config = reading.config;
	if (reading.result == 0 && (agent->config.agent.max_cgroups != sizes.cgroups ||
				    agent->config.agent.max_networks != sizes.networks))
		reading.result = -EAGAIN;
	if (reading.result && agent->programs.skeleton && !agent->programs.maps_reused) {
		programs_close(&agent->programs);
		(void)programs_detach(agent->options.bpffs_directory);
	}
	/* Not a refusal: the file is valid, and a new start will read it. */
	if (reading.result == -EAGAIN)
		return log_error_errno(EAGAIN, "%s/tenantd.conf changed while tenantd started; "
				       "start it again", reading.directory);
	if (reading.result)
		return refuse_config(config_refused, reading.result, reading.error);
	return r;
}

static int start(struct agent *agent, bool check_only, bool *config_refused)
{
	int r;

	r = cgroup2_mount_find(agent->cgroup_mount, sizeof(agent->cgroup_mount));
	if (r)
		return log_error_errno(r, "no cgroup2 file system is mounted (%m); tenantd needs "
				       "cgroup v2");
	if (check_only)
		return check_config(agent, config_refused);
	r = load_config_and_programs(agent, config_refused);
	if (r)
		return r;
	snprintf(agent->cgroup_root_path, sizeof(agent->cgroup_root_path), "%s%s",
		 agent->cgroup_mount,
		 strcmp(agent->config.agent.cgroup_root, "/") ? agent->config.agent.cgroup_root : "");
	/* The policy goes in before the programs are attached, so that no
	 * socket is ever judged against empty maps. */
	r = apply_policy_at_start(agent);
	if (r)
		return r;
	r = programs_attach(&agent->programs, agent->cgroup_root_path);
	if (r)
		return r;
	r = container_networks_open(agent->programs.skeleton, &agent->container_networks);
	if (r == 0 && agent->container_networks)
		r = container_networks_scan(agent->container_networks, &agent->config, &agent->ids);
	if (r)
		return r;
	r = cgroup_paths_new(agent->cgroup_mount, agent->config.agent.cgroup_root,
			     &agent->cgroup_paths);
	if (r == 0)
		r = event_stream_open(agent, &agent->events);
	if (r)
		return r;
	/* The programs judge every new connection from here on; the ones
	 * already established are judged once, now. */
	(void)preexisting_scan(agent); /* its failures are logged, not fatal */
	r = unix_names_open(agent->programs.skeleton, &agent->unix_names);
	if (r == 0)
		r = posture_open(agent->programs.skeleton, agent->events,
				 agent->config.agent.kill_packet_sockets,
				 agent->config.agent.posture_scan_seconds, &agent->posture);
	if (r)
		return r;
	r = cgroup_watch_open(&agent->cgroup_watch);
	if (r)
		return r;
	(void)cgroup_watch_update(agent->cgroup_watch, agent->cgroup_mount, &agent->config);
	return api_server_open(agent, agent->options.runtime_directory, &agent->api);
}

int main(int argc, char **argv)
{
	enum { OPTION_CONFIG = 0x100, OPTION_RUNTIME, OPTION_STATE, OPTION_BPFFS,
	       OPTION_CGROUP_ROOT, OPTION_PARTIAL, OPTION_CHECK, OPTION_DETACH, OPTION_VERBOSE,
	       OPTION_VERSION, OPTION_HELP };
	static const struct option long_options[] = {
		{ "config-dir", required_argument, NULL, OPTION_CONFIG },
		{ "runtime-dir", required_argument, NULL, OPTION_RUNTIME },
		{ "state-dir", required_argument, NULL, OPTION_STATE },
		{ "bpffs-dir", required_argument, NULL, OPTION_BPFFS },
		{ "cgroup-root", required_argument, NULL, OPTION_CGROUP_ROOT },
		{ "allow-partial", no_argument, NULL, OPTION_PARTIAL },
		{ "check-config", no_argument, NULL, OPTION_CHECK },
		{ "detach", no_argument, NULL, OPTION_DETACH },
		{ "verbose", no_argument, NULL, OPTION_VERBOSE },
		{ "version", no_argument, NULL, OPTION_VERSION },
		{ "help", no_argument, NULL, OPTION_HELP },
		{}
	};
	struct agent agent = {
		.options = {
			.config_directory = "/etc/tenantd",
			.runtime_directory = "/run/tenantd",
			.state_directory = "/var/lib/tenantd",
			.bpffs_directory = "/sys/fs/bpf/tenantd",
		},
	};
	bool check_only = false, detach = false, config_refused = false;
	int option, r;

	while ((option = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		switch (option) {
		case OPTION_CONFIG:
			agent.options.config_directory = optarg;
			break;
		case OPTION_RUNTIME:
			agent.options.runtime_directory = optarg;
			break;
		case OPTION_STATE:
			agent.options.state_directory = optarg;
			break;
		case OPTION_BPFFS:
			agent.options.bpffs_directory = optarg;
			break;
		case OPTION_CGROUP_ROOT:
			agent.options.cgroup_root = optarg;
			break;
		case OPTION_PARTIAL:
			agent.options.allow_partial = true;
			break;
		case OPTION_CHECK:
			check_only = true;
			break;
		case OPTION_DETACH:
			detach = true;
			break;
		case OPTION_VERBOSE:
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		case OPTION_VERSION:
			printf("tenantd %s\n", TENANTD_VERSION);
			return EXIT_SUCCESS;
		case OPTION_HELP:
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_FAILURE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tenantd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_FAILURE;
	}
	if (detach) {
		r = programs_detach(agent.options.bpffs_directory);
		if (r == 0)
			log_info("removed every program, link and map pinned under %s",
				 agent.options.bpffs_directory);
		return r ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	clock_gettime(CLOCK_MONOTONIC, &agent.started);
	clock_gettime(CLOCK_REALTIME, &agent.started_realtime);
	/* One malloc arena: the configuration read on a thread at start is
	 * freed by a reload on the main one, and a thread's arena would keep
	 * those pages (30 MiB at a million networks) where malloc_trim() does
	 * not reach them. */
	mallopt(M_ARENA_MAX, 1);
	/* A fixed threshold: glibc would otherwise raise it to the largest
	 * block freed, and the next 5 MB /metrics exposition of 10,000 tenants
	 * would come from the heap and keep its pages (14 MiB). */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	r = start(&agent, check_only, &config_refused);
	if (r == 0 && !check_only)
		r = run_loop(&agent);
	api_server_close(agent.api);
	cgroup_watch_close(agent.cgroup_watch);
	unix_names_close(agent.unix_names);
	posture_close(agent.posture);
	container_networks_close(agent.container_networks);
	event_stream_close(agent.events);
	cgroup_paths_free(agent.cgroup_paths);
	programs_close(&agent.programs);
	tenant_ids_free(&agent.ids);
	config_free(&agent.config);
	if (r)
		return config_refused ? EXIT_CONFIG : EXIT_FAILURE;
	return EXIT_SUCCESS;
}
