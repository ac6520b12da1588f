/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Which tenant a socket belongs to. The kernel records in every socket the
 * cgroup of the task that created it (sk_cgrp_data) and never changes it, so
 * that cgroup is the socket's tag: it survives fd passing and cgroup moves,
 * and sockets older than tenantd carry it too. A cgroup's tenant is its
 * deepest ancestor-or-self listed in cgroup_tenant, cached per cgroup so the
 * hot paths do one lookup. Each hook reaches the socket's cgroup its own
 * way, whichever the kernel allows it. */
#ifndef TENANTD_TAG_BPF_H
#define TENANTD_TAG_BPF_H

#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

static __always_inline struct agent_settings *current_settings(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&tenantd_settings, &zero);
}

/* The generation is read before any walk, so an entry computed while the
 * agent changes the policy is stored with the old generation and is walked
 * again on its next use. */
static __always_inline bool cache_lookup(__u64 cgroup_id, __u32 generation, __u32 *tenant)
{
	struct cgroup_resolution *cached = bpf_map_lookup_elem(&tenantd_cgroup_cache, &cgroup_id);

	if (!cached || cached->generation != generation)
		return false;
	*tenant = cached->tenant_id;
	return true;
}

static __always_inline __u32 cache_store(__u64 cgroup_id, __u32 generation, __u32 tenant)
{
	struct cgroup_resolution fresh = { .tenant_id = tenant, .generation = generation };

	bpf_map_update_elem(&tenantd_cgroup_cache, &cgroup_id, &fresh, BPF_ANY);
	return tenant;
}

static __always_inline __u32 owner_of_cgroup_id(__u64 cgroup_id, __u32 tenant)
{
	__u32 *owner = bpf_map_lookup_elem(&tenantd_cgroup_tenant, &cgroup_id);

	return owner ? *owner : tenant;
}

/* The walks go root-down, keeping the deepest tenant found. Their bound is
 * a verifier requirement; systemd hierarchies stay far below it, and the
 * ancestor ids of levels below the cgroup's own are 0, ending the walk. */
static __always_inline __u32 tenant_of_current_task(void)
{
	struct agent_settings *cfg = current_settings();
	__u64 cgroup_id = bpf_get_current_cgroup_id();
	__u32 tenant = TENANT_ID_HOST;

	if (!cfg || cache_lookup(cgroup_id, cfg->generation, &tenant))
		return tenant;
	for (int level = 1; level < CGROUP_MAX_DEPTH; level++) {
		__u64 ancestor = bpf_get_current_ancestor_cgroup_id(level);

		if (!ancestor)
			break;
		tenant = owner_of_cgroup_id(ancestor, tenant);
	}
	return cache_store(cgroup_id, cfg->generation, tenant);
}

/* cgroup_skb: the cgroup of the packet's socket. */
static __always_inline __u32 tenant_of_packet_socket(struct __sk_buff *skb)
{
	struct agent_settings *cfg = current_settings();
	__u64 cgroup_id = bpf_skb_cgroup_id(skb);
	__u32 tenant = TENANT_ID_HOST;

	if (!cgroup_id || !cfg || cache_lookup(cgroup_id, cfg->generation, &tenant))
		return tenant;
	for (int level = 1; level < CGROUP_MAX_DEPTH; level++) {
		__u64 ancestor = bpf_skb_ancestor_cgroup_id(skb, level);

		if (!ancestor)
			break;
		tenant = owner_of_cgroup_id(ancestor, tenant);
	}
	return cache_store(cgroup_id, cfg->generation, tenant);
}

/* A socket a lookup found, of any kind, through the helpers that read its
 * cgroup: no cast to a socket type is needed. */
static __always_inline __u32 tenant_of_found_socket(struct bpf_sock *sk)
{
	struct agent_settings *cfg = current_settings();
	__u64 cgroup_id = bpf_sk_cgroup_id(sk);
	__u32 tenant = TENANT_ID_HOST;

	if (!cgroup_id || !cfg || cache_lookup(cgroup_id, cfg->generation, &tenant))
		return tenant;
	for (int level = 1; level < CGROUP_MAX_DEPTH; level++) {
		__u64 ancestor = bpf_sk_ancestor_cgroup_id(sk, level);

		if (!ancestor)
			break;
		tenant = owner_of_cgroup_id(ancestor, tenant);
	}
	return cache_store(cgroup_id, cfg->generation, tenant);
}

/* A cgroup reached through BTF, walked root-down over its ancestors like
 * the others, so that however deep a socket's cgroup lies below its tenant
 * cgroup it is found (a walk leaf-up would give up after CGROUP_MAX_DEPTH
 * steps and call a deep tenant process the host's). The configuration
 * refuses tenant cgroups deeper than the walk reaches. The ancestors array
 * holds pointers, which the verifier does not let a program index through
 * BTF: the slots are read with bpf_probe_read_kernel() (CAP_PERFMON). */
static __always_inline __u32 tenant_of_cgroup(struct cgroup *cgroup)
{
	struct agent_settings *cfg = current_settings();
	__u32 tenant = TENANT_ID_HOST;
	__u64 cgroup_id;
	int depth;

	if (!cgroup || !cfg)
		return TENANT_ID_HOST;
	cgroup_id = cgroup->kn->id;
	if (cache_lookup(cgroup_id, cfg->generation, &tenant))
		return tenant;
	depth = cgroup->level;
	for (int level = 1; level < CGROUP_MAX_DEPTH; level++) {
		struct cgroup *ancestor = NULL;
		__u64 id;

		if (level > depth)
			break;
		if (bpf_probe_read_kernel(&ancestor, sizeof(ancestor), &cgroup->ancestors[level]) ||
		    !ancestor)
			break;
		id = BPF_CORE_READ(ancestor, kn, id);
		tenant = owner_of_cgroup_id(id, tenant);
	}
	return cache_store(cgroup_id, cfg->generation, tenant);
}

/* Iterators: a task's tenant, from its cgroup on the default hierarchy. */
static __always_inline __u32 tenant_of_task(struct task_struct *task)
{
	return tenant_of_cgroup(task->cgroups->dfl_cgrp);
}

/* Turns any pointer into a read-only one of the kernel type BTF_ID: loads
 * through it are checked at run time, like bpf_probe_read_kernel(). */
extern void *bpf_rdonly_cast(const void *object, __u32 btf_id) __ksym;

/* Socket-address hooks and local peers: the socket's own cgroup, for every
 * kind of socket. The kernel has casts to tcp_sock and udp6_sock but none
 * for a UDP-over-IPv4 socket; a read-only cast to struct sock serves them
 * all, with no tag to write at creation and none missing for sockets made
 * before tenantd started or before their cgroup was a tenant's. */
static __always_inline __u32 tenant_of_socket(struct bpf_sock *sk, bool caller_fallback)
{
	struct sock *kernel_socket;

	if (!sk)
		return TENANT_ID_HOST;
	kernel_socket = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct sock));
	if (kernel_socket && kernel_socket->sk_cgrp_data.cgroup)
		return tenant_of_cgroup(kernel_socket->sk_cgrp_data.cgroup);
	return caller_fallback ? tenant_of_current_task() : TENANT_ID_HOST;
}

#endif /* TENANTD_TAG_BPF_H */
