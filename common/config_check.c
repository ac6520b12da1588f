// SPDX-License-Identifier: LGPL-2.1-or-later
/* The checks that need every file: a name defined once, a policy that fits
 * the kernel's maps, each cgroup and network owned by one tenant, and each
 * AllowTo naming a tenant that exists. Each refusal names the file and
 * line of the value at fault, and of the one it contradicts. */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config.h"
#include "config_internal.h"

/* By name, then by file order, so a duplicate follows its original. */
static int compare_tenants_by_name(const void *a, const void *b)
{
	const struct tenant_config *x = *(const struct tenant_config *const *)a;
	const struct tenant_config *y = *(const struct tenant_config *const *)b;
	int order = strcmp(x->name, y->name);

	return order ? order : (x > y) - (x < y);
}

/* Sorts the name index and refuses duplicate names: O(n log n). */
int config_index_tenants(struct config *config, char *error)
{
	free(config->by_name);
	config->by_name = calloc(config->tenant_count + 1, sizeof(*config->by_name));
	if (!config->by_name)
		return -ENOMEM;
	for (size_t i = 0; i < config->tenant_count; i++)
		config->by_name[i] = &config->tenants[i];
	qsort(config->by_name, config->tenant_count, sizeof(*config->by_name),
	      compare_tenants_by_name);
	for (size_t i = 1; i < config->tenant_count; i++) {
		const struct tenant_config *first = config->by_name[i - 1];
		const struct tenant_config *again = config->by_name[i];

		if (strcmp(first->name, again->name))
			continue;
		set_error(error, &again->where, "Name", "tenant '%s' is already defined in %s",
			  again->name, first->where.file);
		return -EEXIST;
	}
	return 0;
}

/* The kernel's maps have fixed sizes; a policy that would not fit is
 * refused here, at the value that overflows, before any map is written. */
static int check_capacity(struct config *config, char *error)
{
	size_t cgroups = 0, networks = 0, exceptions = 0;
	size_t max_cgroups = config->agent.max_cgroups, max_networks = config->agent.max_networks;

	if (config->tenant_count > TENANT_ID_MAX) {
		set_error(error, &config->tenants[TENANT_ID_MAX].where, "Name",
			  "%zu tenants configured; tenantd holds at most %d", config->tenant_count,
			  TENANT_ID_MAX);
		return -E2BIG;
	}
	for (size_t i = 0; i < config->tenant_count; i++) {
		const struct tenant_config *tenant = &config->tenants[i];

		if (cgroups + tenant->cgroup_count > max_cgroups) {
			set_error(error, &tenant->cgroups[max_cgroups - cgroups].where, "Cgroup",
				  "more than %zu cgroups configured; MaxCgroups=%zu in tenantd.conf "
				  "is the limit, raise it there",
				  max_cgroups, max_cgroups);
			return -E2BIG;
		}
		if (networks + tenant->network_count > max_networks) {
			set_error(error,
				  &(struct source_line){ tenant->where.file,
				  tenant->networks[max_networks - networks].line },
				  "Network",
				  "more than %zu networks configured; MaxNetworks=%zu in tenantd.conf "
				  "is the limit, raise it there",
				  max_networks, max_networks);
			return -E2BIG;
		}
		if (exceptions + tenant->exception_count > EXCEPTION_MAX_ENTRIES) {
			set_error(error, &tenant->exceptions[EXCEPTION_MAX_ENTRIES - exceptions].where,
				  "AllowTo",
				  "more than %d exceptions configured; tenantd holds at most %d",
				  EXCEPTION_MAX_ENTRIES, EXCEPTION_MAX_ENTRIES);
			return -E2BIG;
		}
		cgroups += tenant->cgroup_count;
		networks += tenant->network_count;
		exceptions += tenant->exception_count;
	}
	return 0;
}

/* One cgroup or network of one tenant, for the checks across tenants: they
 * sort every entry once, so 10,000 tenants with a million networks are
 * checked in O(n log n), not pair by pair. */
struct owned_entry {
	const void *item; /* a struct tenant_cgroup or struct tenant_network */
	uint32_t tenant; /* index in config->tenants */
	uint32_t index; /* in the tenant's list, in file order */
};

/* File order: by tenant, then by position in its file. */
static int compare_file_order(const struct owned_entry *a, const struct owned_entry *b)
{
	if (a->tenant != b->tenant)
		return a->tenant < b->tenant ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

static int compare_cgroup_entries(const void *a, const void *b)
{
	const struct owned_entry *x = a, *y = b;
	int order = strcmp(((const struct tenant_cgroup *)x->item)->path,
			   ((const struct tenant_cgroup *)y->item)->path);

	return order ? order : compare_file_order(x, y);
}

/* Address, then the shorter prefix first: a network sorts right before
 * the networks it contains (host bits are zero). */
static int compare_network_entries(const void *a, const void *b)
{
	const struct owned_entry *x = a, *y = b;
	const struct network *m = &((const struct tenant_network *)x->item)->network;
	const struct network *n = &((const struct tenant_network *)y->item)->network;
	int order = memcmp(m->addr, n->addr, sizeof(m->addr));

	if (order)
		return order;
	if (m->prefixlen != n->prefixlen)
		return m->prefixlen < n->prefixlen ? -1 : 1;
	return compare_file_order(x, y);
}

/* Every tenant's cgroups (NETWORKS false) or networks, in one array. */
static struct owned_entry *collect_owned(const struct config *config, bool networks, size_t *count)
{
	struct owned_entry *entries;
	size_t total = 0, n = 0;

	for (size_t i = 0; i < config->tenant_count; i++)
		total += networks ? config->tenants[i].network_count : config->tenants[i].cgroup_count;
	entries = calloc(total ? total : 1, sizeof(*entries));
	if (!entries)
		return NULL;
	for (size_t i = 0; i < config->tenant_count; i++) {
		const struct tenant_config *tenant = &config->tenants[i];
		size_t items = networks ? tenant->network_count : tenant->cgroup_count;

		for (size_t k = 0; k < items; k++)
			entries[n++] = (struct owned_entry){
				.item = networks ? (const void *)&tenant->networks[k] :
						   (const void *)&tenant->cgroups[k],
				.tenant = (uint32_t)i,
				.index = (uint32_t)k,
			};
	}
	*count = total;
	return entries;
}

/* Of two entries in conflict, the one later in file order is reported, as
 * the one that came second. */
static void order_conflict(const struct owned_entry **first, const struct owned_entry **second)
{
	if (compare_file_order(*first, *second) > 0) {
		const struct owned_entry *swap = *first;

		*first = *second;
		*second = swap;
	}
}

/* Keeps the conflict whose second entry comes first in file order, so the
 * error names the same line whatever the sort did. */
static void keep_earliest_conflict(const struct owned_entry *first, const struct owned_entry *second,
				   const struct owned_entry **kept_first,
				   const struct owned_entry **kept_second)
{
	order_conflict(&first, &second);
	if (!*kept_second || compare_file_order(second, *kept_second) < 0) {
		*kept_first = first;
		*kept_second = second;
	}
}

static int check_cgroups_owned_once(struct config *config, char *error)
{
	const struct owned_entry *owner = NULL, *duplicate = NULL;
	_cleanup_free_ struct owned_entry *entries = NULL;
	const struct tenant_cgroup *cgroup, *first;
	size_t count = 0;

	entries = collect_owned(config, false, &count);
	if (!entries)
		return -ENOMEM;
	qsort(entries, count, sizeof(*entries), compare_cgroup_entries);
	for (size_t i = 1; i < count; i++) {
		if (strcmp(((const struct tenant_cgroup *)entries[i - 1].item)->path,
			   ((const struct tenant_cgroup *)entries[i].item)->path))
			continue;
		/* Within a run of one path, the first in file order owns it. */
		if (i >= 2 && !strcmp(((const struct tenant_cgroup *)entries[i - 2].item)->path,
				      ((const struct tenant_cgroup *)entries[i].item)->path))
			continue;
		keep_earliest_conflict(&entries[i - 1], &entries[i], &owner, &duplicate);
	}
	if (!duplicate)
		return 0;
	cgroup = duplicate->item;
	first = owner->item;
	set_error(error, &cgroup->where, "Cgroup", "'%s' is already owned by tenant '%s' (%s:%d)",
		  cgroup->path, config->tenants[owner->tenant].name, first->where.file,
		  first->where.line);
	return -EEXIST;
}

/* Every network in address order, for the check. With PREVIOUS, the
 * networks of tenants copied from it come in its kept order, and only the
 * others are sorted and merged in. */
static struct owned_entry *networks_in_order(const struct config *config,
					     const struct config *previous, size_t *count)
{
	_cleanup_free_ struct owned_entry *read = NULL;
	_cleanup_free_ uint32_t *new_index = NULL;
	struct owned_entry *entries = NULL, *kept;
	size_t total = 0, kept_count = 0, read_count = 0, k = 0, f = 0, n = 0;

	if (!previous || !previous->network_order_count) {
		entries = collect_owned(config, true, count);
		if (entries)
			qsort(entries, *count, sizeof(*entries), compare_network_entries);
		return entries;
	}
	for (size_t i = 0; i < config->tenant_count; i++)
		total += config->tenants[i].network_count;
	entries = calloc(2 * total + 1, sizeof(*entries));
	read = calloc(total + 1, sizeof(*read));
	new_index = malloc((previous->tenant_count + 1) * sizeof(*new_index));
	if (!entries || !read || !new_index) {
		free(entries);
		return NULL;
	}
	for (size_t i = 0; i < previous->tenant_count; i++)
		new_index[i] = UINT32_MAX;
	for (size_t i = 0; i < config->tenant_count; i++) {
		const struct tenant_config *tenant = &config->tenants[i];

		if (tenant->copied_from) {
			new_index[tenant->copied_from - 1] = (uint32_t)i;
			continue;
		}
		for (size_t j = 0; j < tenant->network_count; j++)
			read[read_count++] = (struct owned_entry){
				.item = &tenant->networks[j], .tenant = (uint32_t)i,
				.index = (uint32_t)j,
			};
	}
	/* The kept order, renumbered: copied tenants keep their file order. */
	kept = entries + total;
	for (size_t i = 0; i < previous->network_order_count; i++) {
		struct network_reference reference = previous->network_order[i];
		uint32_t tenant = new_index[reference.tenant];

		if (tenant == UINT32_MAX)
			continue;
		kept[kept_count++] = (struct owned_entry){
			.item = &config->tenants[tenant].networks[reference.index],
			.tenant = tenant, .index = reference.index,
		};
	}
	qsort(read, read_count, sizeof(*read), compare_network_entries);
	while (k < kept_count || f < read_count)
		entries[n++] = f == read_count || (k < kept_count &&
						   compare_network_entries(&kept[k], &read[f]) <= 0) ?
				       kept[k++] : read[f++];
	*count = n;
	return entries;
}

/* Networks are prefixes, so two overlap only when one contains the other.
 * In address order, the networks still open (containing the current one)
 * form a stack; without a conflict they are all one tenant's, and it is at
 * most 129 deep once repeats of the top are skipped. The order is kept in
 * CONFIG for the next reload. */
#define NETWORK_NESTING_MAX 129

static int check_networks_owned_once(struct config *config, const struct config *previous,
				     char *error)
{
	const struct owned_entry *theirs = NULL, *mine = NULL;
	const struct owned_entry *open[NETWORK_NESTING_MAX];
	_cleanup_free_ struct owned_entry *entries = NULL;
	size_t count = 0, depth = 0;
	char mine_text[64], theirs_text[64];
	const struct tenant_network *network, *other;

	entries = networks_in_order(config, previous, &count);
	if (!entries)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		const struct network *current = &((const struct tenant_network *)entries[i].item)->network;

		while (depth && !networks_overlap(
					&((const struct tenant_network *)open[depth - 1]->item)->network,
					current))
			depth--;
		if (depth && open[depth - 1]->tenant != entries[i].tenant) {
			keep_earliest_conflict(open[depth - 1], &entries[i], &theirs, &mine);
			continue;
		}
		/* The same network again, or one of the same tenant inside it
		 * at the same length, adds nothing to the stack. */
		if (depth && ((const struct tenant_network *)open[depth - 1]->item)->network.prefixlen ==
				     current->prefixlen)
			continue;
		if (depth < NETWORK_NESTING_MAX)
			open[depth++] = &entries[i];
	}
	if (mine) {
		network = mine->item;
		other = theirs->item;
		network_format(&network->network, mine_text, sizeof(mine_text));
		network_format(&other->network, theirs_text, sizeof(theirs_text));
		set_error(error,
			  &(struct source_line){ config->tenants[mine->tenant].where.file,
			  network->line },
			  "Network", "%s overlaps %s owned by tenant '%s' (%s:%d)", mine_text,
			  theirs_text, config->tenants[theirs->tenant].name,
			  config->tenants[theirs->tenant].where.file, other->line);
		return -EEXIST;
	}
	free(config->network_order);
	config->network_order = malloc((count + 1) * sizeof(*config->network_order));
	if (!config->network_order)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++)
		config->network_order[i] = (struct network_reference){ entries[i].tenant,
									entries[i].index };
	config->network_order_count = count;
	return 0;
}

/* Each BindPorts= port owned by one tenant: the first owner of each port
 * and protocol, in a table of every port, found in one pass. */
static int check_bind_ports_owned_once(const struct config *config, char *error)
{
	_cleanup_free_ const struct tenant_bind_port **owners = NULL;
	_cleanup_free_ uint32_t *owner_tenants = NULL;
	size_t declared = 0;

	/* Most configurations declare none: no table to make. */
	for (size_t i = 0; i < config->tenant_count; i++)
		declared += config->tenants[i].bind_port_count;
	if (declared < 2)
		return 0;
	owners = calloc(2 * 65536, sizeof(*owners));
	owner_tenants = calloc(2 * 65536, sizeof(*owner_tenants));
	if (!owners || !owner_tenants)
		return -ENOMEM;
	for (size_t i = 0; i < config->tenant_count; i++) {
		const struct tenant_config *tenant = &config->tenants[i];

		for (size_t b = 0; b < tenant->bind_port_count; b++) {
			const struct tenant_bind_port *port = &tenant->bind_ports[b];
			size_t slot = port->port.port + (port->port.protocol == IPPROTO_UDP ? 65536 : 0);
			const struct tenant_bind_port *first = owners[slot];

			if (first && owner_tenants[slot] != i) {
				set_error(error, &port->where, "BindPorts",
					  "%u/%s is already owned by tenant '%s' (%s:%d)",
					  port->port.port,
					  port->port.protocol == IPPROTO_UDP ? "udp" : "tcp",
					  config->tenants[owner_tenants[slot]].name, first->where.file,
					  first->where.line);
				return -EEXIST;
			}
			owners[slot] = port;
			owner_tenants[slot] = (uint32_t)i;
		}
	}
	return 0;
}

/* Checks that need every file: cgroups and networks owned by one tenant
 * each, exceptions naming tenants that exist, cgroups inside the subtree
 * the programs are attached to. (Unique names: index_tenants.) */
static int validate_across_files(struct config *config, const struct config *previous,
				 char *error)
{
	int r;

	for (size_t i = 0; i < config->tenant_count; i++) {
		struct tenant_config *tenant = &config->tenants[i];

		for (size_t c = 0; c < tenant->cgroup_count; c++) {
			struct tenant_cgroup *cgroup = &tenant->cgroups[c];

			if (!cgroup_path_below(cgroup->path, config->agent.cgroup_root) ||
			    !strcmp(cgroup->path, config->agent.cgroup_root)) {
				set_error(error, &cgroup->where, "Cgroup",
					  "'%s' is not below CgroupRoot '%s', where tenantd attaches",
					  cgroup->path, config->agent.cgroup_root);
				return -EINVAL;
			}
		}
	}
	r = check_cgroups_owned_once(config, error);
	if (r == 0)
		r = check_networks_owned_once(config, previous, error);
	if (r == 0)
		r = check_bind_ports_owned_once(config, error);
	if (r)
		return r;
	for (size_t i = 0; i < config->tenant_count; i++) {
		struct tenant_config *tenant = &config->tenants[i];

		for (size_t e = 0; e < tenant->exception_count; e++) {
			struct tenant_exception *exception = &tenant->exceptions[e];

			if (!strcmp(exception->peer, tenant->name)) {
				set_error(error, &exception->where, "AllowTo",
					  "'%s' names the tenant itself, which needs no exception",
					  exception->peer);
				return -EINVAL;
			}
			if (!config_find_tenant(config, exception->peer)) {
				set_error(error, &exception->where, "AllowTo",
					  "tenant '%s' does not exist", exception->peer);
				return -ENOENT;
			}
		}
	}
	return 0;
}

int config_check(struct config *config, const struct config *previous, char *error)
{
	int r = config_index_tenants(config, error);

	if (r == 0)
		r = check_capacity(config, error);
	if (r == 0)
		r = validate_across_files(config, previous, error);
	return r;
}
