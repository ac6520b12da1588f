/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The policy decision shared by every hook (who may reach whom) and the
 * bookkeeping of a violation: its counter, its rate-limited event, and
 * whether the tenant's mode turns the denial into an audit. */
#ifndef TENANTD_VERDICT_BPF_H
#define TENANTD_VERDICT_BPF_H

#include <bpf/bpf_endian.h>
#include "tag.bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define SOCK_RAW 3
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define NSEC_PER_SEC 1000000000ULL
/* The loopback device is the first of every network namespace. */
#define LOOPBACK_IFINDEX 1

/* Where a violation happened, for its event. */
struct flow {
	__u8 family;
	__u8 protocol;
	__u16 port; /* host byte order: the remote end's */
	__u16 local_port; /* ingress only: the receiving socket's port */
	__u8 addr[16];
	__u64 cgroup_id; /* ingress: the receiving socket's; else the task's */
	bool from_task; /* a syscall, not softirq: pid, comm and cgroup are the caller's */
	/* Translated after connect(): addr and port are the destination the
	 * process wrote, these where the packet goes. */
	bool translated;
	__u16 translated_port;
	__u8 translated_addr[16];
};

/* ADDR as the network map keys it: an IPv4 address IPv4-mapped. */
static __always_inline void v4_mapped(__u8 addr[16], __u32 ip4)
{
	__builtin_memset(addr, 0, 10);
	addr[10] = 0xff;
	addr[11] = 0xff;
	__builtin_memcpy(&addr[12], &ip4, 4);
}

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

static __always_inline struct tenant_record *tenant_record(__u32 id)
{
	return bpf_map_lookup_elem(&tenantd_tenants, &id);
}

/* A tenant's counters, made here on its first use: from the agent, each
 * per-CPU entry costs a pass through the kernel's per-CPU allocator, 13 us,
 * which was 0.13 s of a start with 10,000 tenants. Made once, then every
 * use is the one lookup. */
static __always_inline struct tenant_counters *tenant_counters(__u32 id)
{
	struct tenant_counters *counters, zero = {};

	counters = bpf_map_lookup_elem(&tenantd_tenant_counters, &id);
	if (counters)
		return counters;
	bpf_map_update_elem(&tenantd_tenant_counters, &id, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&tenantd_tenant_counters, &id);
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

/* Count the violation and sample it into the event stream
 * (bpf/violations.bpf.c). Global functions: the verifier checks each once
 * per program, not again at every call site with each path that leads
 * there, which had made the egress program a tenth of a second to load.
 * The AF_UNIX one takes the name written as well: a global function may
 * neither follow a pointer read out of FLOW nor be passed NULL. */
extern int tenantd_report_violation(const struct violation_key *violation,
				    const struct flow *flow);
extern int tenantd_report_unix_violation(const struct violation_key *violation,
					 const struct flow *flow,
					 const struct unix_name_key *unix_name);

/* The action a violation of REASON by MINE gets: audited under Mode=audit,
 * except that a tombstoned tenant's traffic is always denied. */
static __always_inline int violation_action(const struct tenant_record *mine, int reason)
{
	return mine->mode == TENANT_MODE_AUDIT && reason != REASON_TOMBSTONED ? ACTION_AUDITED :
										ACTION_DENIED;
}

/* Counts the violation and emits its event; returns true when the traffic
 * must be refused (enforce mode, or any traffic of a tombstoned tenant). */
static __always_inline bool violation(__u32 me, const struct tenant_record *mine,
				      __u32 peer, int reason, const struct flow *flow)
{
	struct violation_key key = {
		.tenant_id = me, .peer_id = peer, .reason = reason,
		.action = violation_action(mine, reason),
	};

	tenantd_report_violation(&key, flow);
	return key.action == ACTION_DENIED;
}

#endif /* TENANTD_VERDICT_BPF_H */
