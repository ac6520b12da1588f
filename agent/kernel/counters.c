// SPDX-License-Identifier: LGPL-2.1-or-later
/* Per-CPU maps hand userspace one value per possible CPU; the totals are
 * their sums. Reads are not atomic across CPUs, which only means a scrape
 * may miss the packets counted while it runs, never count one twice. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cleanup.h"
#include "kernel/counters.h"

int counters_read_tenant(int map_fd, uint32_t id, struct tenant_counters *total)
{
	_cleanup_free_ struct tenant_counters *per_cpu = NULL;
	int cpus = libbpf_num_possible_cpus();

	memset(total, 0, sizeof(*total));
	if (cpus < 0)
		return cpus;
	per_cpu = calloc((size_t)cpus, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(map_fd, &id, per_cpu))
		return -errno;
	for (int cpu = 0; cpu < cpus; cpu++) {
		total->tx_bytes += per_cpu[cpu].tx_bytes;
		total->rx_bytes += per_cpu[cpu].rx_bytes;
		total->tx_packets += per_cpu[cpu].tx_packets;
		total->rx_packets += per_cpu[cpu].rx_packets;
		total->connections += per_cpu[cpu].connections;
		total->events_sampled_out += per_cpu[cpu].events_sampled_out;
		total->egress_throttled_bytes += per_cpu[cpu].egress_throttled_bytes;
	}
	return 0;
}

static int compare_violations(const void *a, const void *b)
{
	return memcmp(&((const struct violation_total *)a)->key,
		      &((const struct violation_total *)b)->key, sizeof(struct violation_key));
}

int counters_read_violations(int map_fd, struct violation_total **out, size_t *count)
{
	_cleanup_free_ uint64_t *per_cpu = NULL;
	struct violation_total *totals = NULL;
	struct violation_key key, *previous = NULL;
	int cpus = libbpf_num_possible_cpus();
	size_t used = 0;

	*out = NULL;
	*count = 0;
	if (cpus < 0)
		return cpus;
	per_cpu = calloc((size_t)cpus, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	while (bpf_map_get_next_key(map_fd, previous, &key) == 0) {
		struct violation_total *grown;
		uint64_t sum = 0;

		previous = &key;
		if (bpf_map_lookup_elem(map_fd, &key, per_cpu))
			continue; /* deleted since get_next_key */
		for (int cpu = 0; cpu < cpus; cpu++)
			sum += per_cpu[cpu];
		grown = realloc(totals, (used + 1) * sizeof(*totals));
		if (!grown) {
			free(totals);
			return -ENOMEM;
		}
		totals = grown;
		totals[used].key = key;
		totals[used].count = sum;
		used++;
	}
	if (used)
		qsort(totals, used, sizeof(*totals), compare_violations);
	*out = totals;
	*count = used;
	return 0;
}
