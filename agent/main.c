// SPDX-License-Identifier: LGPL-2.1-or-later
/* tenantd: parses its flags, then runs: starts (the configuration
 * validated, the programs loaded and attached with the policy in place),
 * serves from its event loop until told to stop, and closes, leaving the
 * programs enforcing. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "agent.h"
#include "kernel/programs.h"
#include "log.h"
#include "loop.h"
#include "start.h"

/* sysexits.h: the configuration is wrong; restarting will not help. */
#define EXIT_CONFIG 78

/* What the command line asks for beside the agent's options. */
enum action { ACTION_RUN, ACTION_CHECK_CONFIG, ACTION_DETACH, ACTION_VERSION, ACTION_HELP };

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

enum {
	OPTION_CONFIG = 0x100, OPTION_RUNTIME, OPTION_STATE, OPTION_BPFFS, OPTION_CGROUP_ROOT,
	OPTION_PARTIAL, OPTION_CHECK, OPTION_DETACH, OPTION_VERBOSE, OPTION_VERSION, OPTION_HELP,
};

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

/* Fills OPTIONS and *ACTION from the command line; -EINVAL, with the
 * usage shown, when it is wrong. */
static int parse_arguments(int argc, char **argv, struct options *options, enum action *action)
{
	int option;

	while ((option = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		switch (option) {
		case OPTION_CONFIG:
			options->config_directory = optarg;
			break;
		case OPTION_RUNTIME:
			options->runtime_directory = optarg;
			break;
		case OPTION_STATE:
			options->state_directory = optarg;
			break;
		case OPTION_BPFFS:
			options->bpffs_directory = optarg;
			break;
		case OPTION_CGROUP_ROOT:
			options->cgroup_root = optarg;
			break;
		case OPTION_PARTIAL:
			options->allow_partial = true;
			break;
		case OPTION_VERBOSE:
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		case OPTION_CHECK:
			*action = ACTION_CHECK_CONFIG;
			break;
		case OPTION_DETACH:
			*action = ACTION_DETACH;
			break;
		case OPTION_VERSION:
			*action = ACTION_VERSION;
			return 0;
		case OPTION_HELP:
			*action = ACTION_HELP;
			return 0;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tenantd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static int detach(const char *bpffs_directory)
{
	int r = programs_detach(bpffs_directory);

	if (r == 0)
		log_info("removed every program, link and map pinned under %s", bpffs_directory);
	return r ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Starts the agent, serves until told to stop and closes it; the exit
 * status. */
static int run(struct agent *agent, bool check_only)
{
	bool config_refused = false;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &agent->started);
	clock_gettime(CLOCK_REALTIME, &agent->started_realtime);
	/* One malloc arena: the configuration read on a thread at start is
	 * freed by a reload on the main one, and a thread's arena would keep
	 * those pages (30 MiB at a million networks) where malloc_trim() does
	 * not reach them. */
	mallopt(M_ARENA_MAX, 1);
	/* A fixed threshold: glibc would otherwise raise it to the largest
	 * block freed, and the next 5 MB /metrics exposition of 10,000 tenants
	 * would come from the heap and keep its pages (14 MiB). */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	r = agent_start(agent, check_only, &config_refused);
	if (r == 0 && !check_only)
		r = loop_run(agent);
	agent_close(agent);
	if (r)
		return config_refused ? EXIT_CONFIG : EXIT_FAILURE;
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	struct agent agent = {
		.options = {
			.config_directory = "/etc/tenantd",
			.runtime_directory = "/run/tenantd",
			.state_directory = "/var/lib/tenantd",
			.bpffs_directory = "/sys/fs/bpf/tenantd",
		},
		.signal_fd = -1,
	};
	enum action action = ACTION_RUN;

	if (parse_arguments(argc, argv, &agent.options, &action))
		return EXIT_FAILURE;
	switch (action) {
	case ACTION_VERSION:
		printf("tenantd %s\n", TENANTD_VERSION);
		return EXIT_SUCCESS;
	case ACTION_HELP:
		usage(stdout);
		return EXIT_SUCCESS;
	case ACTION_DETACH:
		return detach(agent.options.bpffs_directory);
	case ACTION_CHECK_CONFIG:
		return run(&agent, true);
	case ACTION_RUN:
		break;
	}
	return run(&agent, false);
}
