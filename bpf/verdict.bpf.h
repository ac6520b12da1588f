/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The policy decision shared by every hook (who may reach whom), on the
 * programs' own maps: include/tenantd_verdict.h, which the agent compiles
 * too, with the lookups it makes here. */
#ifndef TENANTD_VERDICT_BPF_H
#define TENANTD_VERDICT_BPF_H

#include <bpf/bpf_endian.h>
#include "flow.bpf.h"
#include "tag.bpf.h"
#include "tenants.bpf.h"

/* The tenant owning the network ADDR lies in, or -1: one LPM lookup, in
 * the trie of ADDR's family. The words are read from the key, not from
 * ADDR: the verifier refuses misaligned stack reads, and the key's
 * address is 4-byte aligned. */
static __always_inline __s64 network_of(const __u8 addr[16])
{
	struct network_key key = { .prefixlen = 128 };
	const __u32 *words = (const __u32 *)key.addr;
	__u32 *owner;

	__builtin_memcpy(key.addr, addr, sizeof(key.addr));
	if (words[0] == 0 && words[1] == 0 && words[2] == bpf_htonl(0xffff))
		owner = bpf_map_lookup_elem(&tenantd_network_owner_ipv4, &key);
	else
		owner = bpf_map_lookup_elem(&tenantd_network_owner_ipv6, &key);
	return owner ? (__s64)*owner : -1;
}

/* The owner of the network a leaving packet's destination ADDR lies in,
 * or -1. The host's own address reached through lo counts as no one's: the
 * socket it reaches judges it, by the sender in the mark; reached from
 * another namespace, nothing marks what crosses, and the host is judged
 * here. */
static __always_inline __s64 destination_owner(struct __sk_buff *skb, const __u8 addr[16])
{
	__s64 owner = network_of(addr);

	return owner == TENANT_ID_HOST && skb->ifindex == LOOPBACK_IFINDEX ? -1 : owner;
}

/* The lookups the shared decision makes, on the programs' own maps. */
#define VERDICT_INLINE __always_inline
struct verdict_maps; /* the maps are globals here: always NULL */

static __always_inline const struct tenant_record *
verdict_tenant(const struct verdict_maps *maps, __u32 id, struct tenant_record *scratch)
{
	return tenant_record(id);
}

static __always_inline __u32 verdict_host_policy(const struct verdict_maps *maps)
{
	struct agent_settings *cfg = current_settings();

	return cfg ? cfg->host_policy : HOST_POLICY_ALLOW;
}

static __always_inline bool verdict_host_port_open(const struct verdict_maps *maps, __u16 port,
						   __u8 protocol)
{
	struct host_port_key key = { .port = port, .protocol = protocol };

	return bpf_map_lookup_elem(&tenantd_host_ports, &key) != NULL;
}

static __always_inline bool verdict_exception_allows(const struct verdict_maps *maps, __u32 me,
						     __u32 peer, __u16 port, __u8 protocol)
{
	struct exception_key key = {
		.tenant_id = me, .peer_id = peer, .port = port, .protocol = protocol,
	};

	return bpf_map_lookup_elem(&tenantd_exceptions, &key) != NULL;
}

#include "tenantd_verdict.h"

/* Is TENANT among the tenants LIST (tenantd_asked_peers or
 * tenantd_judged_peers) keeps for SK? */
static __always_inline bool socket_knows(void *list, struct bpf_sock *sk, __u32 tenant)
{
	struct asked_peers *known = bpf_sk_storage_get(list, sk, 0, 0);

	if (!known)
		return false;
	for (int i = 0; i < ASKED_PEERS_MAX; i++)
		if (known->tenant_ids[i] == tenant)
			return true;
	return false;
}

/* Has SK sent to, or connected to, TENANT? Then TENANT's datagrams to it
 * are answers. */
static __always_inline bool socket_asked(struct bpf_sock *sk, __u32 tenant)
{
	return socket_knows(&tenantd_asked_peers, sk, tenant);
}

#endif /* TENANTD_VERDICT_BPF_H */
