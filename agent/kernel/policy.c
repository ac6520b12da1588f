// SPDX-License-Identifier: LGPL-2.1-or-later
/* Writes the policy maps from the configuration. Each keyed map is brought
 * to the desired set by upserting every wanted entry and then deleting the
 * entries that are no longer wanted. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cgroups/cgroup2.h"
#include "cleanup.h"
#include "kernel/network_tries.h"
#include "kernel/policy.h"
#include "log.h"
#include "tenantd.skel.h"

/* A desired set of keys for one map, for the stale-entry sweep. COMPARE
 * orders its keys, for sorting and searching (NULL for a set only listed). */
struct key_set {
	void *keys;
	size_t count, capacity;
	size_t key_size;
	int (*compare)(const void *a, const void *b);
};

static void key_set_free(struct key_set *set)
{
	free(set->keys);
	set->keys = NULL;
	set->count = 0;
	set->capacity = 0;
}

/* Keys are compared as the kernel's hash maps compare them: byte for byte. */
#define DEFINE_KEY_COMPARE(name, type)                              \
	static int compare_##name(const void *a, const void *b)    \
	{                                                          \
		return memcmp(a, b, sizeof(type));                 \
	}
DEFINE_KEY_COMPARE(cgroup_id, uint64_t)
DEFINE_KEY_COMPARE(network_key, struct network_key)
DEFINE_KEY_COMPARE(exception_key, struct exception_key)
DEFINE_KEY_COMPARE(host_port_key, struct host_port_key)

/* Grown by doubling: a start adds a million network keys. */
static int key_set_add(struct key_set *set, const void *key)
{
	if (set->count == set->capacity) {
		size_t capacity = set->capacity ? 2 * set->capacity : 64;
		char *grown = realloc(set->keys, capacity * set->key_size);

		if (!grown)
			return -ENOMEM;
		set->keys = grown;
		set->capacity = capacity;
	}
	memcpy((char *)set->keys + set->count * set->key_size, key, set->key_size);
	set->count++;
	return 0;
}

/* Sorted once per sweep, so a sweep is O(n log n) even with 65535 tenants. */
static void key_set_sort(struct key_set *set)
{
	if (set->count)
		qsort(set->keys, set->count, set->key_size, set->compare);
}

static bool key_set_contains(const struct key_set *set, const void *key)
{
	return set->count && bsearch(key, set->keys, set->count, set->key_size, set->compare);
}

/* Deletes every entry of MAP whose key is not in WANTED. Keys are collected
 * before deleting, since deleting while iterating restarts the iteration. */
static int sweep_stale(struct bpf_map *map, struct key_set *wanted)
{
	_cleanup_free_ char *key = malloc(wanted->key_size);
	_cleanup_(key_set_free) struct key_set stale = { .key_size = wanted->key_size };
	int fd = bpf_map__fd(map), r = 0;
	void *previous = NULL;

	if (!key)
		return -ENOMEM;
	key_set_sort(wanted);
	while (bpf_map_get_next_key(fd, previous, key) == 0) {
		if (!key_set_contains(wanted, key) && (r = key_set_add(&stale, key)))
			break;
		previous = key;
	}
	for (size_t i = 0; r == 0 && i < stale.count; i++) {
		if (bpf_map_delete_elem(fd, (char *)stale.keys + i * stale.key_size) &&
		    errno != ENOENT)
			r = log_error_errno(errno, "map %s: cannot delete a stale entry: %m",
					    bpf_map__name(map));
	}
	return r;
}

static int upsert(struct bpf_map *map, const void *key, const void *value, const char *tenant)
{
	if (bpf_map_update_elem(bpf_map__fd(map), key, value, BPF_ANY) == 0)
		return 0;
	return log_error_errno(errno, "tenant %s: cannot write map %s: %m%s", tenant,
			       bpf_map__name(map), errno == E2BIG ? " (the map is full)" : "");
}

static int write_host_ports(struct tenantd_bpf *skeleton, const struct agent_config *agent)
{
	_cleanup_(key_set_free) struct key_set wanted = {
		.key_size = sizeof(struct host_port_key), .compare = compare_host_port_key,
	};
	__u8 present = 1;
	int r = 0;

	for (size_t i = 0; r == 0 && i < agent->host_port_count; i++) {
		struct host_port_key key = {
			.port = agent->host_ports[i].port,
			.protocol = agent->host_ports[i].protocol,
		};

		r = upsert(skeleton->maps.tenantd_host_ports, &key, &present, "(agent)");
		if (r == 0)
			r = key_set_add(&wanted, &key);
	}
	if (r == 0)
		r = sweep_stale(skeleton->maps.tenantd_host_ports, &wanted);
	return r;
}

static int compare_bind_port_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct bind_port_key));
}

/* BindPorts=: few, so written whole at every apply; a port no tenant owns
 * any more is swept. */
static int write_bind_ports(struct tenantd_bpf *skeleton, const struct config *config,
			    const struct tenant_ids *ids)
{
	_cleanup_(key_set_free) struct key_set wanted = {
		.key_size = sizeof(struct bind_port_key), .compare = compare_bind_port_key,
	};
	int r = 0;

	for (size_t i = 0; r == 0 && i < config->tenant_count; i++) {
		const struct tenant_config *tenant = &config->tenants[i];
		__u32 owner = (__u32)tenant_ids_find(ids, tenant->name);

		for (size_t b = 0; r == 0 && b < tenant->bind_port_count; b++) {
			struct bind_port_key key = {
				.port = tenant->bind_ports[b].port.port,
				.protocol = tenant->bind_ports[b].port.protocol,
			};

			r = upsert(skeleton->maps.tenantd_bind_ports, &key, &owner, tenant->name);
			if (r == 0)
				r = key_set_add(&wanted, &key);
		}
	}
	if (r == 0)
		r = sweep_stale(skeleton->maps.tenantd_bind_ports, &wanted);
	return r;
}

/* Written last: the new generation tells the programs that every cached
 * cgroup resolution predates this policy and must be walked again, and the
 * digest that the maps now hold the configuration DIGEST (0: in between). */
static int write_settings(struct tenantd_bpf *skeleton, const struct agent_config *agent,
			  uint64_t digest)
{
	struct agent_settings settings = {
		.host_policy = agent->host_policy,
		.event_rate = agent->event_rate,
		.mark_mask = agent->tenant_mark_mask,
		.mark_shift = (__u32)__builtin_ctz(agent->tenant_mark_mask),
		.policy_digest = digest,
	};
	struct agent_settings previous = {};
	__u32 zero = 0;
	int r = network_namespace_cookie(&settings.host_netns_cookie);

	if (r)
		return log_error_errno(r, "cannot read the network namespace's cookie: %m");
	bpf_map_lookup_elem(bpf_map__fd(skeleton->maps.tenantd_settings), &zero, &previous);
	settings.generation = previous.generation + 1;
	return upsert(skeleton->maps.tenantd_settings, &zero, &settings, "(agent)");
}

/* Before the first write of an apply: an agent that dies part-way leaves
 * no digest, so the next start writes everything. */
static int forget_digest(struct tenantd_bpf *skeleton)
{
	struct agent_settings settings = {};
	__u32 zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(skeleton->maps.tenantd_settings), &zero, &settings))
		return -errno;
	if (!settings.policy_digest)
		return 0;
	settings.policy_digest = 0;
	return upsert(skeleton->maps.tenantd_settings, &zero, &settings, "(agent)");
}

uint64_t policy_applied_digest(struct tenantd_bpf *skeleton)
{
	struct agent_settings settings = {};
	__u32 zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(skeleton->maps.tenantd_settings), &zero, &settings))
		return 0;
	return settings.policy_digest;
}

/* For changes outside policy_apply, which bumps the generation itself. */
static int bump_generation(struct tenantd_bpf *skeleton)
{
	struct agent_settings settings = {};
	__u32 zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(skeleton->maps.tenantd_settings), &zero, &settings))
		return -errno;
	settings.generation++;
	return upsert(skeleton->maps.tenantd_settings, &zero, &settings, "(agent)");
}

/* What an apply wrote, for the sweeps; and, when it compares with the
 * policy applied before, the entries that policy had and this one may not. */
struct desired {
	struct network_writes network_writes;
	struct key_set cgroups, networks, exceptions;
	struct key_set stale_cgroups, stale_networks, stale_exceptions;
	struct policy_changes *changes;
	/* Every tenant's cgroups are resolved again and the cgroup map swept:
	 * at start, and after cgroups came or went. A reload resolves only the
	 * cgroups of tenants whose Cgroup= lines changed. */
	bool resolve_all_cgroups;
};

static void desired_free(struct desired *desired)
{
	network_writes_free(&desired->network_writes);
	key_set_free(&desired->cgroups);
	key_set_free(&desired->networks);
	key_set_free(&desired->exceptions);
	key_set_free(&desired->stale_cgroups);
	key_set_free(&desired->stale_networks);
	key_set_free(&desired->stale_exceptions);
}

static struct network_key network_key_of(const struct tenant_network *network)
{
	struct network_key key = { .prefixlen = network->network.prefixlen };

	memcpy(key.addr, network->network.addr, sizeof(key.addr));
	return key;
}

static struct exception_key exception_key_of(const struct tenant_exception *exception, __u32 id,
					     const struct tenant_ids *ids)
{
	return (struct exception_key){
		.tenant_id = id,
		.peer_id = (__u32)tenant_ids_find(ids, exception->peer),
		.port = exception->target.port,
		.protocol = exception->target.protocol,
	};
}

static bool same_networks(const struct tenant_config *a, const struct tenant_config *b)
{
	if (a->network_count != b->network_count)
		return false;
	for (size_t i = 0; i < a->network_count; i++)
		if (memcmp(&a->networks[i].network, &b->networks[i].network,
			   sizeof(a->networks[i].network)))
			return false;
	return true;
}

static bool same_cgroups(const struct tenant_config *a, const struct tenant_config *b)
{
	if (a->cgroup_count != b->cgroup_count)
		return false;
	for (size_t i = 0; i < a->cgroup_count; i++)
		if (strcmp(a->cgroups[i].path, b->cgroups[i].path))
			return false;
	return true;
}

static bool same_exceptions(const struct tenant_config *a, const struct tenant_config *b)
{
	if (a->exception_count != b->exception_count)
		return false;
	for (size_t i = 0; i < a->exception_count; i++)
		if (strcmp(a->exceptions[i].peer, b->exceptions[i].peer) ||
		    a->exceptions[i].target.port != b->exceptions[i].target.port ||
		    a->exceptions[i].target.protocol != b->exceptions[i].target.protocol)
			return false;
	return true;
}

/* The networks BEFORE had become candidates for deletion. */
static int forget_networks(const struct tenant_config *before, struct desired *desired)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < before->network_count; i++) {
		struct network_key key = network_key_of(&before->networks[i]);

		r = key_set_add(&desired->stale_networks, &key);
	}
	return r;
}

/* The exceptions BEFORE (tenant ID) had become candidates for deletion. */
static int forget_exceptions(const struct tenant_config *before, __u32 id,
			     const struct tenant_ids *ids, struct desired *desired)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < before->exception_count; i++) {
		struct exception_key key = exception_key_of(&before->exceptions[i], id, ids);

		r = key_set_add(&desired->stale_exceptions, &key);
	}
	return r;
}

/* EgressRate='s backlogs, as the Host Bandwidth Manager has them in bytes:
 * past the first TCP is told of congestion and other packets are dropped,
 * past the second TCP is dropped too. Two and eight of the largest packets
 * a socket hands down at once (64 KiB with GSO), so that one of them alone
 * is never over. */
#define EGRESS_MARK_BYTES (128ULL << 10)
#define EGRESS_DROP_BYTES (512ULL << 10)
/* A TCP packet dropped costs its flow a retransmission timeout, 200 ms at
 * least: a drop mark nearer than that would leave the link idle most of
 * the time at high rates. */
#define EGRESS_DROP_NS_MIN 250000000U

/* How long BYTES take to leave at BITS_PER_SECOND, in ns, capped to fit. */
static __u32 backlog_ns(__u64 bytes, __u64 bits_per_second)
{
	__u64 ns = bytes * 8 * 1000000000ULL / bits_per_second;

	return ns > UINT32_MAX ? UINT32_MAX : (__u32)ns;
}

/* A tenant's entry in the tenants map: kind, mode and quotas. */
static struct tenant_record record_of(const struct tenant_config *tenant)
{
	struct tenant_record record = {
		.kind = tenant->kind, .mode = tenant->mode, .flags = TENANT_FLAG_PRESENT,
		.quota_mode = tenant_quota_mode(tenant),
	};

	if (tenant->connect_rate) {
		record.connect_interval_ns =
			(__u64)tenant->connect_rate_period * 1000000000ULL / tenant->connect_rate;
		record.connect_burst = tenant_connect_burst(tenant);
	}
	if (tenant->egress_rate) {
		record.egress_ps_per_byte = (8000000000000ULL + tenant->egress_rate / 2) /
					    tenant->egress_rate;
		record.egress_mark_ns = backlog_ns(EGRESS_MARK_BYTES, tenant->egress_rate);
		record.egress_drop_ns = backlog_ns(EGRESS_DROP_BYTES, tenant->egress_rate);
		if (record.egress_drop_ns < EGRESS_DROP_NS_MIN)
			record.egress_drop_ns = EGRESS_DROP_NS_MIN;
	}
	if (tenant->quota_loopback)
		record.flags |= TENANT_FLAG_QUOTA_LOOPBACK;
	return record;
}

/* A new EgressRate=, ConnectRate= or ConnectBurst= takes effect at once:
 * its bucket starts full under it, rather than owing what the old rate
 * left.
 * Compared with the record in the map, not with the configuration applied
 * before, so that a restart keeps the bucket as it was. */
static int restart_bucket_if_rate_changed(struct tenantd_bpf *skeleton, __u32 id,
					  const struct tenant_record *record, const char *tenant)
{
	struct tenant_record in_force = {};
	struct quota_state state = {};
	bool changed = false;

	if (bpf_map_lookup_elem(bpf_map__fd(skeleton->maps.tenantd_tenants), &id, &in_force) ||
	    bpf_map_lookup_elem(bpf_map__fd(skeleton->maps.tenantd_quota_state), &id, &state))
		return log_error_errno(errno, "tenant %s: cannot read its quotas: %m", tenant);
	if (in_force.connect_interval_ns != record->connect_interval_ns ||
	    in_force.connect_burst != record->connect_burst) {
		state.connect_due_ns = 0;
		changed = true;
	}
	if (in_force.egress_ps_per_byte != record->egress_ps_per_byte) {
		state.egress_due_ns = 0;
		changed = true;
	}
	return changed ? upsert(skeleton->maps.tenantd_quota_state, &id, &state, tenant) : 0;
}

/* Writes one tenant. With BEFORE, the same tenant as last applied, only
 * what changed is written: the networks and exceptions it no longer has
 * are added to DESIRED's candidates for deletion instead of being found by
 * a walk of the maps. Cgroups are always resolved again, since a cgroup
 * may have been made anew under the same path. */
static int write_tenant(struct tenantd_bpf *skeleton, const struct tenant_config *tenant,
			const struct tenant_config *before, bool warn_missing,
			const struct tenant_ids *ids, const char *cgroup_mount,
			struct desired *desired)
{
	struct tenant_record record = record_of(tenant), record_before;
	__u32 id = (__u32)tenant_ids_find(ids, tenant->name);
	bool networks_changed = !before || !same_networks(before, tenant);
	bool exceptions_changed = !before || !same_exceptions(before, tenant);
	__u8 present = 1;
	int r = 0;

	bool record_changed;

	if (before)
		record_before = record_of(before);
	record_changed = !before || memcmp(&record, &record_before, sizeof(record));
	if (record_changed || networks_changed || exceptions_changed)
		desired->changes->tenants_written++;
	/* A bucket without a rate is not read: only a rate set now matters. */
	if (record_changed && (record.connect_interval_ns || record.egress_ps_per_byte))
		r = restart_bucket_if_rate_changed(skeleton, id, &record, tenant->name);
	if (r == 0 && record_changed)
		r = upsert(skeleton->maps.tenantd_tenants, &id, &record, tenant->name);
	bool cgroups_changed = !before || !same_cgroups(before, tenant);
	bool resolve_cgroups = cgroups_changed || desired->resolve_all_cgroups;

	/* The cgroups this tenant had: gone unless another tenant now has them. */
	for (size_t i = 0; r == 0 && before && cgroups_changed && !desired->resolve_all_cgroups &&
			   i < before->cgroup_count; i++) {
		uint64_t cgroup_id;

		if (cgroup_id_of(cgroup_mount, before->cgroups[i].path, &cgroup_id) == 0)
			r = key_set_add(&desired->stale_cgroups, &cgroup_id);
	}
	for (size_t i = 0; r == 0 && resolve_cgroups && i < tenant->cgroup_count; i++) {
		uint64_t cgroup_id;

		if (cgroup_id_of(cgroup_mount, tenant->cgroups[i].path, &cgroup_id)) {
			if (warn_missing)
				log_warning("tenant %s: cgroup %s does not exist yet (%s:%d); it "
					    "is tagged as soon as it is created",
					    tenant->name, tenant->cgroups[i].path,
					    tenant->cgroups[i].where.file,
					    tenant->cgroups[i].where.line);
			continue;
		}
		r = upsert(skeleton->maps.tenantd_cgroup_tenant, &cgroup_id, &id, tenant->name);
		if (r == 0)
			r = key_set_add(&desired->cgroups, &cgroup_id);
	}
	if (networks_changed) {
		desired->changes->networks_written += tenant->network_count;
		for (size_t i = 0; r == 0 && i < tenant->network_count; i++) {
			struct network_key key = network_key_of(&tenant->networks[i]);

			r = network_writes_add(&desired->network_writes, &key, id);
			if (r == 0)
				r = key_set_add(&desired->networks, &key);
		}
		if (r == 0 && before)
			r = forget_networks(before, desired);
	}
	if (exceptions_changed) {
		for (size_t i = 0; r == 0 && i < tenant->exception_count; i++) {
			struct exception_key key = exception_key_of(&tenant->exceptions[i], id, ids);

			r = upsert(skeleton->maps.tenantd_exceptions, &key, &present, tenant->name);
			if (r == 0)
				r = key_set_add(&desired->exceptions, &key);
		}
		if (r == 0 && before)
			r = forget_exceptions(before, id, ids, desired);
	}
	return r;
}

/* A tenant last applied and now gone: its networks and exceptions are
 * candidates for deletion (its cgroups stay, tombstoned). */
static int forget_tenant(const struct tenant_config *before, const struct tenant_ids *ids,
			 struct desired *desired)
{
	int r = forget_networks(before, desired);

	if (r == 0)
		r = forget_exceptions(before, (__u32)tenant_ids_find(ids, before->name), ids, desired);
	return r;
}

/* Deletes the CANDIDATES no tenant wants any more. Only the tenants that
 * changed can want a key anew (the others' keys are as before, and were
 * disjoint from these), so WANTED holds what those wrote. */
static int delete_unwanted(struct bpf_map *const *maps, size_t map_count,
			   struct key_set *candidates, struct key_set *wanted, size_t *deleted)
{
	if (!candidates->count)
		return 0;
	key_set_sort(wanted);
	for (size_t i = 0; i < candidates->count; i++) {
		const void *key = (const char *)candidates->keys + i * candidates->key_size;
		bool found = false;

		if (key_set_contains(wanted, key))
			continue;
		/* A key is in one of the MAPS, or in each (see network_tries_of). */
		for (size_t m = 0; m < map_count; m++) {
			if (bpf_map_delete_elem(bpf_map__fd(maps[m]), key) == 0)
				found = true;
			else if (errno != ENOENT)
				return log_error_errno(errno,
						       "map %s: cannot delete a stale entry: %m",
						       bpf_map__name(maps[m]));
		}
		*deleted += found;
	}
	return 0;
}

/* An off-boarded tenant's cgroups stay mapped to it, so the processes still
 * in them stay tagged, and refused, until they are gone. The pinned map is
 * the record of them across reloads and restarts. */
static int keep_tombstoned_cgroups(struct tenantd_bpf *skeleton, const struct config *config,
				   const struct tenant_ids *ids, struct key_set *wanted)
{
	int fd = bpf_map__fd(skeleton->maps.tenantd_cgroup_tenant), r = 0;
	uint64_t key, *previous = NULL;
	__u32 owner;

	while (r == 0 && bpf_map_get_next_key(fd, previous, &key) == 0) {
		const char *name;

		previous = &key;
		if (bpf_map_lookup_elem(fd, &key, &owner))
			continue;
		name = tenant_ids_name(ids, owner);
		if (name && !config_find_tenant(config, name))
			r = key_set_add(wanted, &key);
	}
	return r;
}

/* The container addresses of Network=auto tenants stay owned: the container
 * scans add and remove them (agent/container_networks.c), and record them in
 * a map of their own, which a policy change reads so as not to sweep them. */
static int keep_container_addresses(struct tenantd_bpf *skeleton, const struct config *config,
				    const struct tenant_ids *ids, struct key_set *wanted)
{
	int fd = bpf_map__fd(skeleton->maps.tenantd_container_addresses), r = 0;
	struct network_key key, *previous = NULL;
	__u32 owner;

	while (r == 0 && bpf_map_get_next_key(fd, previous, &key) == 0) {
		const struct tenant_config *tenant;
		const char *name;

		previous = &key;
		if (bpf_map_lookup_elem(fd, &key, &owner))
			continue;
		name = tenant_ids_name(ids, owner);
		tenant = name ? config_find_tenant(config, name) : NULL;
		if (tenant && tenant->auto_networks)
			r = key_set_add(wanted, &key);
	}
	return r;
}

/* The host's own addresses (scans/host_addresses.c) stay in the tries. */
static int keep_host_addresses(struct tenantd_bpf *skeleton, struct key_set *wanted)
{
	int fd = bpf_map__fd(skeleton->maps.tenantd_host_addresses), r = 0;
	struct network_key key, *previous = NULL;

	while (r == 0 && bpf_map_get_next_key(fd, previous, &key) == 0) {
		previous = &key;
		r = key_set_add(wanted, &key);
	}
	return r;
}

static int assign_ids(const struct config *config, struct tenant_ids *ids,
		      const char *state_directory)
{
	bool changed = false;

	for (size_t i = 0; i < config->tenant_count; i++) {
		int64_t id;

		if (tenant_ids_find(ids, config->tenants[i].name) >= 0)
			continue;
		id = tenant_ids_assign(ids, config->tenants[i].name);
		if (id < 0) {
			log_error("tenant %s: no tenant id left (%d in use)", config->tenants[i].name,
				  TENANT_ID_MAX);
			return (int)id;
		}
		log_info("tenant %s: assigned id %lld", config->tenants[i].name, (long long)id);
		changed = true;
	}
	return changed ? tenant_ids_save(state_directory, ids) : 0;
}

/* Every tenant's id must fit the mark that carries it to delivery: a
 * sender whose id the mark cuts short would pass for another tenant. */
static int check_ids_fit_mark(const struct config *config, const struct tenant_ids *ids)
{
	uint32_t mask = config->agent.tenant_mark_mask;
	/* All ones is the host's; 0 no sender's. */
	uint32_t largest = (mask >> __builtin_ctz(mask)) - 1;

	for (size_t i = 0; i < config->tenant_count; i++) {
		int64_t id = tenant_ids_find(ids, config->tenants[i].name);

		if (id > (int64_t)largest)
			return log_error_errno(-ERANGE,
					       "tenant %s: id %lld does not fit TenantMarkMask=0x%08" PRIx32
					       ", which carries ids up to %" PRIu32,
					       config->tenants[i].name, (long long)id, mask, largest);
	}
	return 0;
}

static void desired_init(struct desired *desired, struct policy_changes *changes)
{
	*desired = (struct desired){
		.cgroups = { .key_size = sizeof(uint64_t), .compare = compare_cgroup_id },
		.networks = { .key_size = sizeof(struct network_key), .compare = compare_network_key },
		.exceptions = { .key_size = sizeof(struct exception_key),
				.compare = compare_exception_key },
		.stale_cgroups = { .key_size = sizeof(uint64_t), .compare = compare_cgroup_id },
		.stale_networks = { .key_size = sizeof(struct network_key),
				    .compare = compare_network_key },
		.stale_exceptions = { .key_size = sizeof(struct exception_key),
				      .compare = compare_exception_key },
		.changes = changes,
	};
}

/* The configuration the maps hold when the apply begins, as far as it is
 * known: NULL when it is not. */
static const struct config *held_configuration(const struct config *config,
					       const struct policy_basis *basis)
{
	static const struct config nothing;

	switch (basis->maps) {
	case POLICY_MAPS_EMPTY:
		return &nothing;
	case POLICY_MAPS_PREVIOUS:
		return basis->previous;
	case POLICY_MAPS_CURRENT:
		return config;
	case POLICY_MAPS_UNKNOWN:
		break;
	}
	return NULL;
}

/* Tenants with an id but no drop-in are off-boarded: their sockets are
 * refused everything, their counters stay until purged. Those already so
 * in HELD are not written again. */
static int tombstone_removed(const struct policy_target *target, const struct config *config,
			     const struct config *held)
{
	const struct tenant_ids *ids = target->ids;
	int r = 0;

	for (size_t i = 0; r == 0 && i < ids->count; i++) {
		struct tenant_record record = { .flags = TENANT_FLAG_TOMBSTONED };

		if (config_find_tenant(config, ids->entries[i].name) ||
		    (held && !config_find_tenant(held, ids->entries[i].name)))
			continue;
		r = upsert(target->skeleton->maps.tenantd_tenants, &ids->entries[i].id, &record,
			   ids->entries[i].name);
	}
	return r;
}

/* Every wanted entry written, and the desired sets gathered. */
static int write_wanted(const struct policy_target *target, const struct config *config,
			const struct config *held, bool warn_missing, struct desired *desired)
{
	struct tenantd_bpf *skeleton = target->skeleton;
	int r = assign_ids(config, target->ids, target->state_directory);

	if (r == 0)
		r = check_ids_fit_mark(config, target->ids);
	if (r == 0)
		r = forget_digest(skeleton);
	if (r == 0)
		r = write_host_ports(skeleton, &config->agent);
	if (r == 0)
		r = write_bind_ports(skeleton, config, target->ids);
	for (size_t i = 0; r == 0 && i < config->tenant_count; i++) {
		const struct tenant_config *tenant = &config->tenants[i];

		/* A tenant new since HELD has nothing to compare with: written
		 * whole; its keys may be another's stale ones. */
		r = write_tenant(skeleton, tenant, held ? config_find_tenant(held, tenant->name) : NULL,
				 warn_missing, target->ids, target->cgroup_mount, desired);
	}
	if (r == 0)
		r = network_writes_flush(skeleton, &desired->network_writes);
	for (size_t i = 0; r == 0 && held && i < held->tenant_count; i++)
		if (!config_find_tenant(config, held->tenants[i].name))
			r = forget_tenant(&held->tenants[i], target->ids, desired);
	if (r == 0)
		r = tombstone_removed(target, config, held);
	return r;
}

/* Every entry no longer wanted deleted: found by walking the maps when
 * what they held is unknown, or from the differences with HELD. */
static int delete_unwanted_entries(const struct policy_target *target,
				   const struct config *config, const struct config *held,
				   struct desired *desired)
{
	struct tenantd_bpf *skeleton = target->skeleton;
	struct policy_changes *changes = desired->changes;
	struct bpf_map *network_tries[NETWORK_TRIES] = {
		network_trie_map(skeleton, NETWORK_TRIE_IPV4),
		network_trie_map(skeleton, NETWORK_TRIE_IPV6),
	};
	int r = 0;

	if (desired->resolve_all_cgroups) {
		r = keep_tombstoned_cgroups(skeleton, config, target->ids, &desired->cgroups);
		if (r == 0)
			r = sweep_stale(skeleton->maps.tenantd_cgroup_tenant, &desired->cgroups);
	} else {
		r = delete_unwanted(&skeleton->maps.tenantd_cgroup_tenant, 1,
				    &desired->stale_cgroups, &desired->cgroups, &(size_t){ 0 });
	}
	if (r == 0 && held) {
		/* Incremental: no walk of the network and exception maps. */
		r = delete_unwanted(network_tries, NETWORK_TRIES, &desired->stale_networks,
				    &desired->networks, &changes->networks_deleted);
		if (r == 0)
			r = delete_unwanted(&skeleton->maps.tenantd_exceptions, 1,
					    &desired->stale_exceptions, &desired->exceptions,
					    &changes->exceptions_deleted);
		return r;
	}
	if (r == 0)
		r = keep_container_addresses(skeleton, config, target->ids, &desired->networks);
	if (r == 0)
		r = keep_host_addresses(skeleton, &desired->networks);
	for (size_t i = 0; r == 0 && i < NETWORK_TRIES; i++)
		r = sweep_stale(network_tries[i], &desired->networks);
	if (r == 0)
		r = sweep_stale(skeleton->maps.tenantd_exceptions, &desired->exceptions);
	return r;
}

int policy_apply(const struct policy_target *target, const struct config *config,
		 const struct policy_basis *basis, struct policy_changes *changes)
{
	_cleanup_(desired_free) struct desired desired = {};
	const struct config *held = held_configuration(config, basis);
	int r;

	*changes = (struct policy_changes){};
	desired_init(&desired, changes);
	desired.resolve_all_cgroups = !held || held == config;
	r = write_wanted(target, config, held, basis->warn_missing_cgroups, &desired);
	if (r == 0)
		r = delete_unwanted_entries(target, config, held, &desired);
	if (r == 0)
		r = write_settings(target->skeleton, &config->agent, config_digest(config));
	return r;
}

int policy_tag_cgroup(const struct policy_target *target, const char *tenant,
		      const char *cgroup_path)
{
	int64_t found = tenant_ids_find(target->ids, tenant);
	int map_fd = bpf_map__fd(target->skeleton->maps.tenantd_cgroup_tenant);
	uint64_t cgroup_id;
	__u32 owner, mapped;
	int r;

	if (found < 0)
		return -ENOENT;
	owner = (__u32)found;
	/* Gone again already: the next event or resolution settles it. */
	if (cgroup_id_of(target->cgroup_mount, cgroup_path, &cgroup_id))
		return 0;
	if (bpf_map_lookup_elem(map_fd, &cgroup_id, &mapped) == 0 && mapped == owner)
		return 0;
	r = upsert(target->skeleton->maps.tenantd_cgroup_tenant, &cgroup_id, &owner, tenant);
	/* A process of the new cgroup judged before this write was cached as
	 * the host's: the next generation walks it again. */
	if (r == 0)
		r = bump_generation(target->skeleton);
	if (r == 0)
		log_debug("tenant %s: cgroup %s tagged as it appeared", tenant, cgroup_path);
	return r;
}

/* Deletes the entries of a hash MAP whose key holds ID at ID_OFFSET (or,
 * when VALUE_MATCH, whose __u32 value is ID). */
static int delete_entries_of(struct bpf_map *map, __u32 id, size_t id_offset, bool value_match)
{
	size_t key_size = bpf_map__key_size(map);
	_cleanup_(key_set_free) struct key_set doomed = { .key_size = key_size };
	_cleanup_free_ char *key = malloc(key_size);
	int fd = bpf_map__fd(map), r = 0;
	void *previous = NULL;
	__u32 value;

	if (!key)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, previous, key) == 0) {
		bool match = value_match ? bpf_map_lookup_elem(fd, key, &value) == 0 && value == id
					 : !memcmp(key + id_offset, &id, sizeof(id));

		if (match && (r = key_set_add(&doomed, key)))
			break;
		previous = key;
	}
	for (size_t i = 0; r == 0 && i < doomed.count; i++)
		if (bpf_map_delete_elem(fd, (char *)doomed.keys + i * key_size) && errno != ENOENT)
			r = -errno;
	return r;
}

int policy_purge(struct tenantd_bpf *skeleton, struct tenant_ids *ids, const char *name,
		 const char *state_directory)
{
	struct tenant_record empty = {};
	int64_t found = tenant_ids_find(ids, name);
	__u32 id;
	int r;

	if (found < 0)
		return -ENOENT;
	id = (__u32)found;
	r = delete_entries_of(skeleton->maps.tenantd_cgroup_tenant, id, 0, true);
	if (r == 0)
		r = delete_entries_of(skeleton->maps.tenantd_violations, id,
				      offsetof(struct violation_key, tenant_id), false);
	if (r == 0)
		r = upsert(skeleton->maps.tenantd_tenants, &id, &empty, name);
	if (r == 0)
		r = upsert(skeleton->maps.tenantd_quota_state, &id, &(struct quota_state){}, name);
	if (r == 0 && bpf_map_delete_elem(bpf_map__fd(skeleton->maps.tenantd_tenant_counters), &id) &&
	    errno != ENOENT)
		r = -errno;
	if (r == 0)
		r = bump_generation(skeleton);
	if (r)
		return log_error_errno(r, "tenant %s: purge failed: %m", name);
	/* Only now that no counter is left may the id go to another tenant. */
	tenant_ids_release(ids, name);
	r = tenant_ids_save(state_directory, ids);
	if (r == 0)
		log_info("tenant %s: purged, id %u released", name, id);
	return r;
}
