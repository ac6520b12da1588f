/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The running agent: its options, its configuration and the handles every
 * part of the daemon shares. One instance, owned by main(). */
#ifndef TENANTD_AGENT_H
#define TENANTD_AGENT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "kernel/kernel_features.h"
#include "kernel/policy.h"
#include "kernel/programs.h"
#include "kernel/tenant_ids.h"

struct options {
	const char *config_directory;
	const char *runtime_directory;
	const char *state_directory;
	const char *bpffs_directory;
	const char *cgroup_root; /* NULL: CgroupRoot= from the config */
	bool allow_partial;
};

/* Who is asking: an operator sees everything; anyone else sees one tenant,
 * and never another tenant's name (it reads "other" where one would be). */
struct view {
	bool operator;
	uint32_t tenant_id; /* the caller's tenant, when not an operator */
};

struct cgroup_paths;
struct event_stream;
struct http_server;
struct cgroup_watch;
struct unix_names;
struct posture;
struct container_networks;
struct host_addresses;

struct agent {
	struct options options;
	char cgroup_mount[PATH_MAX];
	char cgroup_root_path[2 * PATH_MAX]; /* full path where programs attach */
	struct config config;
	struct tenant_ids ids;
	struct programs programs;
	struct event_stream *events;
	struct http_server *api;
	struct cgroup_watch *cgroup_watch;
	struct cgroup_paths *cgroup_paths;
	struct unix_names *unix_names; /* NULL without the Unix programs */
	struct posture *posture; /* NULL without the posture programs */
	struct container_networks *container_networks; /* Network=auto; NULL without it */
	struct host_addresses *host_addresses;
	uint64_t cgroups_refreshed_ms; /* CLOCK_MONOTONIC, of the last refresh */
	bool cgroups_refresh_pending; /* changes came after it, within the pause */
	/* The last policy apply failed part-way: the maps hold neither policy,
	 * so the next apply writes everything rather than what changed. */
	bool policy_between;
	struct timespec started; /* CLOCK_MONOTONIC */
	struct timespec started_realtime; /* for tenantd_agent_start_time_seconds */
	bool features[FEATURE_COUNT];
	unsigned int disabled_programs; /* program_bit, with --allow-partial */
	int signal_fd; /* the loop's, while it runs */
	bool stop_requested; /* SIGTERM or SIGINT: the loop ends */
};

/* Where the agent's policy goes: its maps, with its ids and paths. */
static inline struct policy_target agent_policy_target(struct agent *agent)
{
	return (struct policy_target){
		.skeleton = agent->programs.skeleton, .ids = &agent->ids,
		.state_directory = agent->options.state_directory,
		.cgroup_mount = agent->cgroup_mount,
	};
}

#endif /* TENANTD_AGENT_H */
