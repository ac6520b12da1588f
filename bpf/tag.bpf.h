/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Which tenant a process or socket belongs to: the deepest tenant cgroup
 * among the caller's cgroup v2 ancestors, remembered per socket in socket
 * local storage so the tag survives fd passing and cgroup moves. */
#ifndef TENANTD_TAG_BPF_H
#define TENANTD_TAG_BPF_H

#include "maps.bpf.h"

static __always_inline struct agent_settings *current_settings(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&settings, &zero);
}

/* Walks from the root towards the caller's own cgroup so that the deepest
 * tenant wins. The bound is a verifier requirement; ancestor ids of levels
 * below the caller's are 0, which ends the walk early. */
static __always_inline __u32 tenant_of_current_cgroup(void)
{
	__u32 tenant = TENANT_ID_HOST;

	for (int level = 1; level < CGROUP_MAX_DEPTH; level++) {
		__u64 cgroup_id = bpf_get_current_ancestor_cgroup_id(level);
		__u32 *owner;

		if (!cgroup_id)
			break;
		owner = bpf_map_lookup_elem(&cgroup_tenant, &cgroup_id);
		if (owner)
			tenant = *owner;
	}
	return tenant;
}

/* Sockets created before the programs were attached carry no tag yet; they
 * are tagged on first use from the cgroup of the task using them. */
static __always_inline __u32 tenant_of_socket(struct bpf_sock *sk)
{
	struct socket_tag *tag;

	tag = bpf_sk_storage_get(&socket_tenant, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!tag)
		return TENANT_ID_HOST;
	if (!tag->tagged) {
		tag->tenant_id = tenant_of_current_cgroup();
		tag->tagged = 1;
	}
	return tag->tenant_id;
}

#endif /* TENANTD_TAG_BPF_H */
