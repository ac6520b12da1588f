// SPDX-License-Identifier: LGPL-2.1-or-later
/* Bringing the agent up, and down: the configuration read while the
 * programs load, the policy written before they attach, then every part of
 * the daemon opened in the order the others need it. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "agent.h"
#include "api/events.h"
#include "api/http_server.h"
#include "cgroups/cgroup2.h"
#include "cgroups/cgroup_paths.h"
#include "cgroups/cgroup_watch.h"
#include "cleanup.h"
#include "kernel/policy.h"
#include "log.h"
#include "privileges.h"
#include "reload.h"
#include "scans/container_networks.h"
#include "scans/host_addresses.h"
#include "scans/posture.h"
#include "scans/preexisting.h"
#include "scans/unix_names.h"
#include "sd_notify.h"
#include "start.h"

/* New maps are empty: every entry is written and nothing swept. Pinned
 * maps that hold this very configuration (a restart) need only their
 * cgroups resolved again. Other pinned maps are brought to it, and swept. */
static int apply_policy_at_start(struct agent *agent)
{
	struct tenantd_bpf *skeleton = agent->programs.skeleton;
	struct policy_target target = agent_policy_target(agent);
	struct policy_basis basis = { .maps = POLICY_MAPS_UNKNOWN, .warn_missing_cgroups = true };
	struct policy_changes changes;
	int r;

	if (!agent->programs.maps_reused)
		basis.maps = POLICY_MAPS_EMPTY;
	else if (policy_applied_digest(skeleton) == config_digest(&agent->config))
		basis.maps = POLICY_MAPS_CURRENT;
	r = policy_apply(&target, &agent->config, &basis, &changes);
	/* The sets of keys written are gone: give their pages back. */
	malloc_trim(0);
	if (r == 0)
		log_info("policy: %zu of %zu tenants written (%zu networks)%s",
			 changes.tenants_written, agent->config.tenant_count,
			 changes.networks_written,
			 basis.maps == POLICY_MAPS_CURRENT ? "; the pinned maps held the rest" : "");
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

/* The programs attached to CgroupRoot=, with the policy written before,
 * so that no socket is ever judged against empty maps. */
static int enforce(struct agent *agent)
{
	int r;

	snprintf(agent->cgroup_root_path, sizeof(agent->cgroup_root_path), "%s%s",
		 agent->cgroup_mount,
		 strcmp(agent->config.agent.cgroup_root, "/") ? agent->config.agent.cgroup_root : "");
	/* Watched before the policy is written: a tenant cgroup made from
	 * here on is an event the loop reads, one made before is resolved by
	 * the policy's writing. */
	r = cgroup_watch_open(agent->cgroup_mount, &agent->cgroup_watch);
	if (r == 0)
		r = agent_cgroups_watch(agent);
	if (r == 0)
		r = apply_policy_at_start(agent);
	if (r)
		return r;
	return programs_attach(&agent->programs, agent->cgroup_root_path);
}

/* The parts that follow what the programs see and serve the operators,
 * each after what it needs. */
static int open_parts(struct agent *agent)
{
	int r;

	r = host_addresses_open(agent->programs.skeleton, &agent->config, &agent->host_addresses);
	if (r == 0)
		r = container_networks_open(agent->programs.skeleton, &agent->container_networks);
	if (r == 0 && agent->container_networks)
		r = container_networks_scan(agent->container_networks, &agent->config, &agent->ids);
	if (r == 0)
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
		r = posture_open(agent->programs.skeleton, agent->events, &agent->config.agent,
				 &agent->posture);
	if (r)
		return r;
	return http_server_open(agent, agent->options.runtime_directory, &agent->api);
}

int agent_start(struct agent *agent, bool check_only, bool *config_refused)
{
	int r;

	r = cgroup2_mount_find(agent->cgroup_mount, sizeof(agent->cgroup_mount));
	if (r)
		return log_error_errno(r, "no cgroup2 file system is mounted (%m); tenantd needs "
				       "cgroup v2");
	if (check_only)
		return check_config(agent, config_refused);
	r = load_config_and_programs(agent, config_refused);
	if (r == 0)
		r = enforce(agent);
	if (r == 0)
		r = open_parts(agent);
	return r;
}

void agent_close(struct agent *agent)
{
	http_server_close(agent->api);
	cgroup_watch_close(agent->cgroup_watch);
	unix_names_close(agent->unix_names);
	posture_close(agent->posture);
	container_networks_close(agent->container_networks);
	host_addresses_close(agent->host_addresses);
	event_stream_close(agent->events);
	cgroup_paths_free(agent->cgroup_paths);
	programs_close(&agent->programs);
	tenant_ids_free(&agent->ids);
	config_free(&agent->config);
}
