// SPDX-License-Identifier: LGPL-2.1-or-later
/* What the running agent does to its policy after start-up: a reload asked
 * for by SIGHUP or the API, and a refresh when tenant cgroups come or go. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "cgroups/cgroup_watch.h"
#include "kernel/policy.h"
#include "log.h"
#include "reload.h"
#include "scans/container_networks.h"
#include "scans/posture.h"
#include "scans/unix_names.h"
#include "sd_notify.h"

static int reload(struct agent *agent, char *error, size_t size)
{
	struct policy_target target = agent_policy_target(agent);
	char reason[CONFIG_ERROR_MAX];
	struct policy_changes changes;
	struct config fresh;
	int r;

	r = config_load_since(agent->options.config_directory, agent->options.cgroup_root,
			      &agent->config, &fresh, reason);
	if (r == 0 && strcmp(fresh.agent.cgroup_root, agent->config.agent.cgroup_root)) {
		snprintf(reason, sizeof(reason),
			 "CgroupRoot changed from %s to %s; restart tenantd to move its programs",
			 agent->config.agent.cgroup_root, fresh.agent.cgroup_root);
		config_free(&fresh);
		r = -EINVAL;
	}
	if (r == 0 && (fresh.agent.max_cgroups != agent->config.agent.max_cgroups ||
		       fresh.agent.max_networks != agent->config.agent.max_networks)) {
		snprintf(reason, sizeof(reason),
			 "MaxCgroups=/MaxNetworks= changed from %u/%u to %u/%u; a map keeps its "
			 "size, so they take effect only on maps made anew (tenantd --detach, then "
			 "start)", agent->config.agent.max_cgroups, agent->config.agent.max_networks,
			 fresh.agent.max_cgroups, fresh.agent.max_networks);
		config_free(&fresh);
		r = -EINVAL;
	}
	if (r) {
		snprintf(error, size, "%s", reason);
		log_error("reload refused, the running policy is unchanged: %s", reason);
		return r;
	}
	if (strcmp(fresh.agent.metrics_listen, agent->config.agent.metrics_listen))
		log_warning("MetricsListen changed to '%s'; it takes effect when tenantd restarts",
			    fresh.agent.metrics_listen);
	r = policy_apply(&target, &fresh,
			 &(struct policy_basis){
				 .maps = agent->policy_between ? POLICY_MAPS_UNKNOWN :
								 POLICY_MAPS_PREVIOUS,
				 .previous = &agent->config, .warn_missing_cgroups = true,
			 },
			 &changes);
	agent->policy_between = r != 0;
	if (r) {
		errno = -r;
		snprintf(error, size, "writing the policy maps failed: %m");
		config_free(&fresh);
		return log_error_errno(r, "reload failed while writing the policy maps: %m");
	}
	config_free(&agent->config);
	agent->config = fresh;
	/* The previous configuration and the sets of keys written are gone:
	 * give their pages back, or a reload at a million networks would hold
	 * twice the configuration's memory. */
	malloc_trim(0);
	(void)cgroup_watch_update(agent->cgroup_watch, &agent->config, agent_cgroup_appeared,
				  agent, false);
	unix_names_request(agent->unix_names);
	container_networks_request(agent->container_networks);
	posture_configure(agent->posture, &agent->config.agent);
	log_info("reloaded: %zu tenants, %zu written (%zu networks), %zu networks and %zu "
		 "exceptions removed", agent->config.tenant_count, changes.tenants_written,
		 changes.networks_written, changes.networks_deleted, changes.exceptions_deleted);
	return 0;
}

/* Around the reload, the service manager hears that the agent is
 * reloading, and then that it is ready, with the outcome. */
int agent_reload(struct agent *agent, char *error, size_t size)
{
	int r;

	service_reloading();
	r = reload(agent, error, size);
	service_reloaded(agent, r, error);
	return r;
}

/* Bursts of cgroup changes (a slice whose units all start at once, a
 * delegated subtree that churns) re-apply the policy at most once per
 * pause: the first change at once, and the ones during the pause together
 * at its end. A tenant cgroup that appears is tagged at once all the same
 * (agent_cgroup_appeared); the re-apply sweeps what went. */
#define CGROUP_REFRESH_PAUSE_MS 100
/* Every tenant cgroup resolved again this often, whatever the events said:
 * the safety net under inotify. */
#define CGROUP_RESOLUTION_INTERVAL_MS 30000

static uint64_t monotonic_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
}

void agent_cgroup_appeared(void *context, const char *tenant, const char *cgroup)
{
	struct agent *agent = context;
	struct policy_target target = agent_policy_target(agent);
	int r = policy_tag_cgroup(&target, tenant, cgroup);

	if (r)
		log_error_errno(r, "tenant %s: cannot tag cgroup %s as it appeared: %m", tenant,
				cgroup);
}

int agent_cgroups_watch(struct agent *agent)
{
	agent->cgroups_refreshed_ms = monotonic_ms();
	return cgroup_watch_update(agent->cgroup_watch, &agent->config, NULL, NULL, false);
}

/* CHANGED: after cgroup events, else the periodic resolution. */
static int refresh_cgroups(struct agent *agent, bool changed)
{
	struct policy_target target = agent_policy_target(agent);
	int r;

	agent->cgroups_refreshed_ms = monotonic_ms();
	agent->cgroups_refresh_pending = false;
	/* The watches follow the cgroups themselves; they are built anew only
	 * when events were lost, and by the periodic resolution, in case they
	 * went astray. First, so that a cgroup made while the maps are
	 * written is reported rather than missed; the apply resolves the rest. */
	(void)cgroup_watch_update(agent->cgroup_watch, &agent->config, NULL, NULL, !changed);
	r = policy_apply(&target, &agent->config,
			 &(struct policy_basis){
				 .maps = agent->policy_between ? POLICY_MAPS_UNKNOWN :
								 POLICY_MAPS_CURRENT,
			 },
			 &(struct policy_changes){});
	agent->policy_between = r != 0;
	if (r)
		return log_error_errno(r, "cannot update the cgroup map after a cgroup change: %m");
	if (!changed) {
		log_debug("tenant cgroups re-resolved, as every %d s", CGROUP_RESOLUTION_INTERVAL_MS / 1000);
		return 0;
	}
	unix_names_request(agent->unix_names);
	container_networks_request(agent->container_networks);
	posture_request(agent->posture);
	log_info("cgroups changed: tenant cgroups re-resolved");
	return 0;
}

void agent_cgroups_changed(struct agent *agent)
{
	if (monotonic_ms() - agent->cgroups_refreshed_ms >= CGROUP_REFRESH_PAUSE_MS)
		(void)refresh_cgroups(agent, true);
	else
		agent->cgroups_refresh_pending = true;
}

int agent_cgroups_timeout(const struct agent *agent)
{
	uint64_t due = agent->cgroups_refreshed_ms + (agent->cgroups_refresh_pending ?
						      CGROUP_REFRESH_PAUSE_MS :
						      CGROUP_RESOLUTION_INTERVAL_MS);
	uint64_t now = monotonic_ms();

	return due <= now ? 0 : (int)(due - now);
}

void agent_cgroups_tick(struct agent *agent)
{
	if (agent_cgroups_timeout(agent) == 0)
		(void)refresh_cgroups(agent, agent->cgroups_refresh_pending);
}
