// SPDX-License-Identifier: LGPL-2.1-or-later
/* Compiles the shared decision against the pinned maps: each lookup the
 * programs make with bpf_map_lookup_elem() on a map, the agent makes with
 * the syscall of that name on the map's fd. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel/network_tries.h"
#include "kernel/verdict.h"
#include "tenantd.skel.h"
#include "tenantd_abi.h"

#define VERDICT_INLINE inline

static const struct tenant_record *verdict_tenant(const struct verdict_maps *maps, __u32 id,
						  struct tenant_record *scratch)
{
	return bpf_map_lookup_elem(maps->tenants, &id, scratch) ? NULL : scratch;
}

static __u32 verdict_host_policy(const struct verdict_maps *maps)
{
	struct agent_settings settings = { .host_policy = HOST_POLICY_ALLOW };
	__u32 zero = 0;

	(void)bpf_map_lookup_elem(maps->settings, &zero, &settings);
	return settings.host_policy;
}

static bool verdict_host_port_open(const struct verdict_maps *maps, __u16 port, __u8 protocol)
{
	struct host_port_key key = { .port = port, .protocol = protocol };
	__u8 present;

	return bpf_map_lookup_elem(maps->host_ports, &key, &present) == 0;
}

static bool verdict_exception_allows(const struct verdict_maps *maps, __u32 me, __u32 peer,
				     __u16 port, __u8 protocol)
{
	struct exception_key key = {
		.tenant_id = me, .peer_id = peer, .port = port, .protocol = protocol,
	};
	__u8 present;

	return bpf_map_lookup_elem(maps->exceptions, &key, &present) == 0;
}

#include "tenantd_verdict.h"

void verdict_maps_of(struct tenantd_bpf *skeleton, struct verdict_maps *maps)
{
	maps->tenants = bpf_map__fd(skeleton->maps.tenantd_tenants);
	maps->settings = bpf_map__fd(skeleton->maps.tenantd_settings);
	maps->host_ports = bpf_map__fd(skeleton->maps.tenantd_host_ports);
	maps->exceptions = bpf_map__fd(skeleton->maps.tenantd_exceptions);
	maps->network_owner_ipv4 = bpf_map__fd(skeleton->maps.tenantd_network_owner_ipv4);
	maps->network_owner_ipv6 = bpf_map__fd(skeleton->maps.tenantd_network_owner_ipv6);
}

bool verdict_connection_stands(const struct verdict_maps *maps, uint32_t me, uint32_t peer,
			       uint16_t my_port, uint16_t peer_port, uint8_t protocol)
{
	struct tenant_record mine = {};

	if (me != TENANT_ID_HOST && bpf_map_lookup_elem(maps->tenants, &me, &mine))
		return false;
	return either_may_initiate(maps, me, &mine, peer, my_port, peer_port, protocol);
}

int64_t verdict_network_owner(const struct verdict_maps *maps, const uint8_t address[16])
{
	struct network_key key = { .prefixlen = 128 };
	__u32 owner;

	memcpy(key.addr, address, sizeof(key.addr));
	if (bpf_map_lookup_elem(network_trie_of_address(address) == NETWORK_TRIE_IPV4 ?
					maps->network_owner_ipv4 :
					maps->network_owner_ipv6,
				&key, &owner))
		return -ENOENT;
	return owner;
}
